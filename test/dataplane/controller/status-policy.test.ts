/**
 * BackendTLSPolicy status from the one compile: `status.ancestors` entries of this controller (one per served Gateway
 * whose routes reach a target), other controllers' entries kept, `observedGeneration` on every condition, nothing
 * written when nothing changed; and the Gateway conditions of `spec.tls`, and what the controller keeps of a ConfigMap (`caOnly`).
 */
import { caOnly } from '../../../src/dataplane/controller/controller';
import { computeStatus, StatusInput } from '../../../src/dataplane/controller/status';
import { compile } from '../../../src/dataplane/engine/compile';
import type { KubeObject } from '../../../src/dataplane/kube/client';
import { docs, gateway, httpRoute, ruleTo } from '../engine/helpers';

const G = 'gateway.networking.k8s.io';
const ME = 'cdk8s-gateway.dev/gateway-controller';
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const gw = { ...gateway(), metadata: { name: 'gw', namespace: 'default', generation: 1 } };
const route = httpRoute('r', { parentRefs: [{ name: 'gw' }], rules: [ruleTo('web')] });
const web = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
const ca = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'default' }, data: { 'ca.crt': PEM } };

function policy(caName: string, status?: any, generation = 4): KubeObject {
  return {
    apiVersion: `${G}/v1`,
    kind: 'BackendTLSPolicy',
    metadata: { name: 'web-tls', namespace: 'default', generation },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], validation: { hostname: 'web.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: caName }] } },
    ...(status ? { status } : {}),
  };
}

function input(p: KubeObject, now = T0, over: Partial<StatusInput> = {}): StatusInput {
  const facts = compile(docs([gw, route, web, ca, p]), { servicesComplete: true }).facts!;
  // (only the policy is looked at: the Gateway's own status is status.test.ts's subject)
  return { controllerName: ME, gatewayClasses: [], gateways: [gw], routes: [], backendTlsPolicies: [p], facts, now, only: new Set(['BackendTLSPolicy default/web-tls']), ...over };
}

const other = { ancestorRef: { group: G, kind: 'Gateway', namespace: 'default', name: 'theirs' }, controllerName: 'example.com/other', conditions: [] };

describe('BackendTLSPolicy status', () => {
  test('GIVEN a policy reached from a served Gateway WHEN computed THEN ours is one ancestor at its generation; other controllers\' entries are kept', () => {
    // GIVEN a policy whose status already holds another controller's ancestor
    const p = policy('ca', { ancestors: [other] });

    // WHEN
    const updates = computeStatus(input(p));

    // THEN
    expect(updates.map((u) => u.kind)).toStrictEqual(['BackendTLSPolicy']);
    expect(updates[0].status).toStrictEqual({
      ancestors: [other, {
        ancestorRef: { group: G, kind: 'Gateway', namespace: 'default', name: 'gw' },
        controllerName: ME,
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 4, lastTransitionTime: T0 },
          { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '', observedGeneration: 4, lastTransitionTime: T0 },
        ],
      }],
    });
  });

  test('GIVEN the status written WHEN computed again THEN nothing is written; after a change the unchanged condition keeps its time', () => {
    // GIVEN the status of the first pass
    const first = computeStatus(input(policy('ca')))[0].status;

    // WHEN nothing changed, and WHEN the policy is changed to a missing ConfigMap at generation 5
    const again = computeStatus(input(policy('ca', first), T1));
    const changed = computeStatus(input(policy('missing', first, 5), T1));

    // THEN
    expect(again).toStrictEqual([]);
    const conditions = (changed[0].status.ancestors as any[])[0].conditions;
    expect(conditions.map((c: any) => [c.type, c.status, c.reason, c.observedGeneration, c.lastTransitionTime])).toStrictEqual([
      ['Accepted', 'False', 'NoValidCACertificate', 5, T1], ['ResolvedRefs', 'False', 'InvalidCACertificateRef', 5, T1],
    ]);
  });

  test('GIVEN our ancestor on a Gateway no longer reached WHEN computed THEN it is removed; a policy never ours is left alone', () => {
    // GIVEN a written status, then the route gone (no Gateway reaches web)
    const written = computeStatus(input(policy('ca')))[0].status;
    const withoutRoute = (p: KubeObject): StatusInput => ({
      ...input(p), facts: compile(docs([gw, web, ca, p]), { servicesComplete: true }).facts!,
    });

    // WHEN
    const removed = computeStatus(withoutRoute(policy('ca', written)));
    const untouched = computeStatus(withoutRoute(policy('ca', { ancestors: [other] })));

    // THEN
    expect(removed.map((u) => u.status)).toStrictEqual([{ ancestors: [] }]);
    expect(untouched).toStrictEqual([]);
  });

  test('GIVEN --gateway names other Gateways WHEN computed THEN our ancestors of those are kept as they are', () => {
    // GIVEN our ancestor on Gateway "elsewhere", served by another replica
    const theirs = { ...other, ancestorRef: { ...other.ancestorRef, name: 'elsewhere' }, controllerName: ME };
    const p = policy('ca', { ancestors: [theirs] });

    // WHEN
    const updates = computeStatus(input(p, T0, { gatewayFilter: ['default/gw'] }));

    // THEN
    expect((updates[0].status.ancestors as any[]).map((a) => a.ancestorRef.name)).toStrictEqual(['elsewhere', 'gw']);
  });
});

describe('Gateway status of spec.tls', () => {
  test('GIVEN a Gateway whose backend client certificate does not resolve WHEN computed THEN it stays Accepted and Programmed with ResolvedRefs False', () => {
    // GIVEN
    const withClient = { ...gw, metadata: { ...gw.metadata, generation: 2 }, spec: { ...gw.spec, tls: { backend: { clientCertificateRef: { name: 'missing' } } } } };
    const facts = compile(docs([withClient]), { servicesComplete: true }).facts!;

    // WHEN
    const updates = computeStatus({ controllerName: ME, gatewayClasses: [], gateways: [withClient], routes: [], facts, now: T0 });

    // THEN
    const conditions = (updates[0].status.conditions as any[]);
    expect(conditions.map((c) => [c.type, c.status, c.reason, c.observedGeneration])).toStrictEqual([
      ['Accepted', 'True', 'Accepted', 2], ['Programmed', 'True', 'Programmed', 2], ['ResolvedRefs', 'False', 'InvalidClientCertificateRef', 2],
    ]);
    expect(conditions[2].message).toBe('spec.tls.backend.clientCertificateRef: Secret default/missing is not in the input');
  });
});

describe('caOnly', () => {
  test('GIVEN a ConfigMap with data, labels and annotations WHEN kept THEN only its identity and ca.crt remain', () => {
    // GIVEN
    const cm: KubeObject = {
      metadata: {
        name: 'ca',
        namespace: 'ns',
        resourceVersion: '7',
        uid: 'u',
        creationTimestamp: T0,
        labels: { a: 'b' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"big":"..."}}' },
      },
      data: { 'ca.crt': PEM, 'big': 'x'.repeat(1000) },
      binaryData: { blob: 'AAAA' },
    } as KubeObject;

    // WHEN / THEN
    expect(caOnly(cm)).toStrictEqual({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'ns', resourceVersion: '7', uid: 'u', creationTimestamp: T0 }, data: { 'ca.crt': PEM },
    });
    expect(caOnly({ metadata: { name: 'x', namespace: 'ns', resourceVersion: '1' }, data: { other: 'y' } } as KubeObject))
      .toStrictEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns', resourceVersion: '1' } });
  });
});
