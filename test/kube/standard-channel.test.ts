/**
 * The objects the new standard-channel constructs synthesize (ListenerSet, TLSRoute, BackendTLSPolicy, Gateway
 * client certificates) are accepted by a real API server with the vendored v1.6.1 CRDs, under strict field
 * validation; and the synth-time validator refuses what the API server refuses (a TLSRoute hostname that is an IP).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startKube, Kube } from './harness';
import { buildApp } from '../../examples/listener-set/main';
import { KubeApiError, resourcePath } from '../../src/dataplane/kube/client';
import { validateObject } from '../../src/dataplane/schema';

const G = 'gateway.networking.k8s.io';
const PLURALS: Record<string, { group: string; plural: string }> = {
  Namespace: { group: '', plural: 'namespaces' },
  Gateway: { group: G, plural: 'gateways' },
  ListenerSet: { group: G, plural: 'listenersets' },
  HTTPRoute: { group: G, plural: 'httproutes' },
  TLSRoute: { group: G, plural: 'tlsroutes' },
  BackendTLSPolicy: { group: G, plural: 'backendtlspolicies' },
};

function createStrict(kube: Kube, obj: any): Promise<any> {
  const { group, plural } = PLURALS[obj.kind];
  const namespace = obj.kind === 'Namespace' ? undefined : obj.metadata.namespace;
  const ref = { group, version: 'v1', plural, namespace };
  return kube.client.request('POST', resourcePath(ref), { body: obj, query: { fieldValidation: 'Strict' } });
}

describe('standard-channel objects on a real API server', () => {
  let kube: Kube;
  beforeAll(async () => {
    kube = await startKube();
  }, 180_000);
  afterAll(async () => {
    await kube?.stop();
  });

  test('GIVEN the vendored CRDs THEN ListenerSet, TLSRoute, TCPRoute and UDPRoute are installed', () => {
    expect(kube.crds).toEqual(expect.arrayContaining([`listenersets.${G}`, `tlsroutes.${G}`, `tcproutes.${G}`, `udproutes.${G}`, `backendtlspolicies.${G}`]));
  });

  test('GIVEN examples/listener-set synthesized WHEN every object is created with strict field validation THEN all are stored', async () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'listener-set-'));
    try {
      const app = buildApp(dir);
      const objects = app.charts.flatMap((c) => c.toJson());
      // WHEN: the namespaces first (infra is not part of the example)
      await createStrict(kube, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'infra' } });
      const ordered = [...objects.filter((o) => o.kind === 'Namespace'), ...objects.filter((o) => o.kind !== 'Namespace')];
      const stored: string[] = [];
      for (const obj of ordered) {
        const created = await createStrict(kube, obj);
        stored.push(`${created.kind}/${created.metadata.namespace ?? ''}/${created.metadata.name}`);
      }
      // THEN
      expect(stored.sort()).toStrictEqual([
        'BackendTLSPolicy/payments/payments-api-tls', 'Gateway/infra/shared-gateway', 'HTTPRoute/payments/payments-api',
        'ListenerSet/payments/payments-listeners', 'Namespace//payments', 'TLSRoute/payments/payments-db',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('GIVEN a TLSRoute whose hostname is an IP THEN the API server and the synth-time validator both refuse it', async () => {
    // GIVEN
    const route = {
      apiVersion: `${G}/v1`,
      kind: 'TLSRoute',
      metadata: { name: 'ip', namespace: 'default' },
      spec: { hostnames: ['192.0.2.1'], rules: [{ backendRefs: [{ name: 's', port: 443 }] }] },
    };
    // WHEN
    const refused = await createStrict(kube, route).catch((e) => e);
    // THEN
    expect(refused).toBeInstanceOf(KubeApiError);
    expect(refused.message).toMatch(/Hostnames cannot contain an IP/);
    expect(validateObject(route).map((i) => i.message)).toStrictEqual(['violates the CRD rule: "Hostnames cannot contain an IP"']);
  }, 60_000);
});
