/**
 * The status facts of the TLS parts of `compile`: each BackendTLSPolicy's conditions and ancestors (the served
 * Gateways whose attached routes reach a Service it targets), the conditions of HTTPS listeners whose port's
 * client-certificate validation has no valid CA, and the Gateway conditions of `spec.tls` (backend client
 * certificate, insecure frontend fallback).
 */
import { docs } from './helpers';
import { compile } from '../../../src/dataplane/engine/compile';
import type { ConditionFact, StatusFacts } from '../../../src/dataplane/engine/model';

const G = 'gateway.networking.k8s.io/v1';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
const brief = (conditions: readonly ConditionFact[] | undefined): string[] => (conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);

function gateway(name: string, extra: any = {}, listeners: any[] = [{ name: 'http', port: 80, protocol: 'HTTP' }]): any {
  return { apiVersion: G, kind: 'Gateway', metadata: { name, namespace: 'default' }, spec: { gatewayClassName: 'c', listeners, ...extra } };
}

function route(name: string, parent: string, service: string, mirror?: string): any {
  const filters = mirror ? [{ type: 'RequestMirror', requestMirror: { backendRef: { name: mirror, port: 443 } } }] : undefined;
  return {
    apiVersion: G,
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default' },
    spec: { parentRefs: [{ name: parent }], rules: [{ backendRefs: [{ name: service, port: 443 }], ...(filters ? { filters } : {}) }] },
  };
}

function policy(name: string, service: string, validation: any): any {
  return {
    apiVersion: G,
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: 'default' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: service }], validation },
  };
}

const configMap = (name: string, data: Record<string, string>): any => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const secret = (name: string, stringData: Record<string, string>): any => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData });
const caRef = (name: string, kind = 'ConfigMap'): any => ({ group: '', kind, name });
const facts = (objects: any[]): StatusFacts => compile(docs(objects), { servicesComplete: true }).facts!;

describe('status facts of BackendTLSPolicies', () => {
  test('GIVEN routes of two Gateways to a Service WHEN compiled THEN its policy has both Gateways as ancestors, Accepted and ResolvedRefs', () => {
    // GIVEN Gateway a routes to web, Gateway b mirrors to web, and a policy on web with a valid CA
    const f = facts([
      gateway('a'), gateway('b'), configMap('ca', { 'ca.crt': PEM }),
      route('to-web', 'a', 'web'), route('to-other', 'b', 'other', 'web'),
      policy('web-tls', 'web', { hostname: 'web.example.com', caCertificateRefs: [caRef('ca')] }),
    ]);

    // THEN
    expect(f.backendTlsPolicies).toStrictEqual([{
      namespace: 'default',
      name: 'web-tls',
      ancestors: [{ namespace: 'default', name: 'a' }, { namespace: 'default', name: 'b' }],
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: '' },
        { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '' },
      ],
    }]);
  });

  test('GIVEN a policy on a Service no attached route sends to WHEN compiled THEN it has no ancestors', () => {
    // GIVEN a route to web whose parent Gateway does not exist, and a policy on web
    const f = facts([gateway('a'), route('to-web', 'missing', 'web'), policy('web-tls', 'web', { hostname: 'web.example.com', wellKnownCACertificates: 'System' })]);

    // THEN the policy is listed without ancestors
    expect(f.backendTlsPolicies?.map((p) => [p.name, p.ancestors.length, brief(p.conditions)])).toStrictEqual([
      ['web-tls', 0, ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']],
    ]);
  });

  test('fails policies whose CA references do not resolve: NoValidCACertificate with the reference\'s reason', () => {
    // GIVEN a missing ConfigMap, a ConfigMap without ca.crt, an unsupported kind, and one good and one missing reference
    const f = facts([
      gateway('a'), configMap('ca', { 'ca.crt': PEM }), configMap('empty', { other: 'x' }),
      route('r1', 'a', 'missing'), route('r2', 'a', 'empty'), route('r3', 'a', 'kind'), route('r4', 'a', 'partial'),
      policy('missing', 'missing', { hostname: 'x.example.com', caCertificateRefs: [caRef('nope')] }),
      policy('empty', 'empty', { hostname: 'x.example.com', caCertificateRefs: [caRef('empty')] }),
      policy('kind', 'kind', { hostname: 'x.example.com', caCertificateRefs: [{ group: 'example.com', kind: 'Vault', name: 'v' }] }),
      policy('partial', 'partial', { hostname: 'x.example.com', caCertificateRefs: [caRef('ca'), caRef('nope')] }),
    ]);

    // THEN each has Gateway a as ancestor and the spec's reasons; the message names the reference
    const byName = Object.fromEntries((f.backendTlsPolicies ?? []).map((p) => [p.name, p]));
    expect(brief(byName.missing.conditions)).toStrictEqual(['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateRef']);
    expect(byName.missing.conditions[1].message).toContain('ConfigMap default/nope');
    expect(brief(byName.empty.conditions)).toStrictEqual(['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateRef']);
    expect(brief(byName.kind.conditions)).toStrictEqual(['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidKind']);
    expect(brief(byName.partial.conditions)).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidCACertificateRef']);
    expect(Object.values(byName).map((p) => p.ancestors)).toStrictEqual(Array(4).fill([{ namespace: 'default', name: 'a' }]));
  });
});

describe('status facts of Gateway client certificates', () => {
  const https = (name: string, port: number): any => ({ name, port, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } });
  const cert = secret('cert', { 'tls.crt': PEM, 'tls.key': KEY });

  test('fails the HTTPS listeners of a port whose validation has no valid CA (NoValidCACertificate); other ports are untouched', () => {
    // GIVEN the default validation naming a missing ConfigMap, port 8443 a valid one, port 9443 a Service, and an HTTP listener on 80
    const f = facts([
      cert, configMap('ca', { 'ca.crt': PEM }),
      gateway('gw', {
        tls: {
          frontend: {
            default: { validation: { caCertificateRefs: [caRef('does-not-exist')] } },
            perPort: [
              { port: 8443, tls: { validation: { caCertificateRefs: [caRef('ca')] } } },
              { port: 9443, tls: { validation: { caCertificateRefs: [caRef('web', 'Service')] } } },
              { port: 80, tls: { validation: { caCertificateRefs: [caRef('ca')] } } },
            ],
          },
        },
      }, [https('default-port', 443), https('valid', 8443), https('kind', 9443), { name: 'http', port: 80, protocol: 'HTTP' }]),
    ]);

    // THEN
    const l = Object.fromEntries(f.gateways[0].listeners.map((x) => [x.name, x]));
    expect(brief(l['default-port'].conditions)).toStrictEqual([
      'Accepted=False/NoValidCACertificate', 'Conflicted=False/NoConflicts', 'ResolvedRefs=False/InvalidCACertificateRef', 'Programmed=False/Invalid',
    ]);
    expect(l['default-port'].conditions[2].message).toBe('spec.tls.frontend.default.validation.caCertificateRefs[0]: ConfigMap default/does-not-exist is not in the input');
    expect(brief(l.kind.conditions)).toStrictEqual([
      'Accepted=False/NoValidCACertificate', 'Conflicted=False/NoConflicts', 'ResolvedRefs=False/InvalidCACertificateKind', 'Programmed=False/Invalid',
    ]);
    const fine = ['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed'];
    for (const ok of [l.valid, l.http]) expect(brief(ok.conditions)).toStrictEqual(fine);
    expect(f.gateways[0].accepted.status).toBe('True');
    expect(f.gateways[0].conditions).toBeUndefined();
  });

  test('GIVEN a port with AllowInsecureFallback WHEN compiled THEN the Gateway has InsecureFrontendValidationMode', () => {
    // GIVEN
    const f = facts([cert, configMap('ca', { 'ca.crt': PEM }), gateway('gw', {
      tls: { frontend: { perPort: [{ port: 443, tls: { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [caRef('ca')] } } }] } },
    }, [https('a', 443)])]);

    // THEN
    expect(brief(f.gateways[0].conditions)).toStrictEqual(['InsecureFrontendValidationMode=True/ConfigurationChanged']);
  });

  test('GIVEN backend client certificates WHEN compiled THEN the Gateway has ResolvedRefs, True when the Secret resolves', () => {
    // GIVEN one Gateway with a good client certificate, one with a Secret lacking tls.key, one in another namespace without grant
    const client = (name: string, namespace?: string): any => ({
      tls: { backend: { clientCertificateRef: { name, ...(namespace ? { namespace } : {}) } } },
    });
    const f = facts([
      secret('client', { 'tls.crt': PEM, 'tls.key': KEY }), secret('half', { 'tls.crt': PEM }),
      gateway('good', client('client')), gateway('half', client('half')), gateway('elsewhere', client('client', 'other')),
      gateway('none'),
    ]);

    // THEN
    const byName = Object.fromEntries(f.gateways.map((g) => [g.name, g]));
    expect(brief(byName.good.conditions)).toStrictEqual(['ResolvedRefs=True/ResolvedRefs']);
    expect(brief(byName.half.conditions)).toStrictEqual(['ResolvedRefs=False/InvalidClientCertificateRef']);
    expect(byName.half.conditions![0].message).toBe('spec.tls.backend.clientCertificateRef: Secret default/half has no PEM tls.crt and tls.key');
    expect(brief(byName.elsewhere.conditions)).toStrictEqual(['ResolvedRefs=False/RefNotPermitted']);
    expect(byName.none.conditions).toBeUndefined();
    expect(Object.values(byName).every((g) => g.accepted.status === 'True')).toBe(true);
  });
});
