/**
 * The compile of the TLS parts and ListenerSets: what reaches the table (a backend's TLS settings, a socket's
 * client validation, TLS sockets), the warnings, and the status facts, for each way a reference can fail.
 */
import { docs } from './helpers';
import { compile } from '../../../src/dataplane/engine/compile';
import { describeTable } from '../../../src/dataplane/engine/describe';

const G = 'gateway.networking.k8s.io/v1';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function gateway(extra: any = {}, listeners: any[] = [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }]): any {
  return { apiVersion: G, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' }, spec: { gatewayClassName: 'c', listeners, ...extra } };
}

function route(service: string): any {
  return {
    apiVersion: G,
    kind: 'HTTPRoute',
    metadata: { name: `to-${service}`, namespace: 'default' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: service, port: 443 }] }] },
  };
}

function policy(name: string, service: string, validation: any, created?: string): any {
  return {
    apiVersion: G,
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: 'default', ...(created ? { creationTimestamp: created } : {}) },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: service }], validation },
  };
}

const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'default' }, data: { 'ca.crt': PEM } };
const caRef = [{ group: '', kind: 'ConfigMap', name: 'ca' }];

describe('compile: TLS and ListenerSets', () => {
  test('the older of two policies on one Service applies; the other is Conflicted', () => {
    // GIVEN two policies on Service web, "young" created later than "old"
    const table = compile(docs([
      gateway(), route('web'), configMap,
      policy('young', 'web', { hostname: 'young.example.com', caCertificateRefs: caRef }, '2026-02-01T00:00:00Z'),
      policy('old', 'web', { hostname: 'old.example.com', caCertificateRefs: caRef }, '2026-01-01T00:00:00Z'),
    ]));
    // THEN the backend carries the older policy, and the younger is not accepted
    const backend = table.gateways[0].ports[0].listeners[0].routes[0].rules[0].backends[0];
    expect(backend.target?.tls).toMatchObject({ policy: 'default/old', hostname: 'old.example.com', ca: PEM });
    expect(table.statusFacts).toContainEqual(expect.objectContaining({ kind: 'BackendTLSPolicy', object: 'default/young', condition: 'Accepted', status: false, reason: 'Conflicted' }));
    expect(table.warnings.map((w) => w.message)).toContainEqual(expect.stringContaining('BackendTLSPolicy default/young is not applied to Service default/web: BackendTLSPolicy default/old targets it too'));
  });

  test('fails a policy whose CA references all fail (NoValidCACertificate) or that names no CA at all', () => {
    // GIVEN a policy on a missing ConfigMap, one on an unsupported kind, and one without CA and without wellKnownCACertificates
    const table = compile(docs([
      gateway(), route('a'), route('b'), route('c'),
      policy('missing', 'a', { hostname: 'a.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'nope' }] }),
      policy('kind', 'b', { hostname: 'b.example.com', caCertificateRefs: [{ group: 'example.com', kind: 'Vault', name: 'x' }] }),
      policy('none', 'c', { hostname: 'c.example.com' }),
    ]));
    // THEN each backend carries an invalid policy (its requests fail), and the facts say why
    const backends = table.gateways[0].ports[0].listeners[0].routes.map((r) => r.rules[0].backends[0].target?.tls);
    expect(backends.map((t) => t?.invalid !== undefined)).toStrictEqual([true, true, true]);
    const facts = table.statusFacts!.filter((f) => f.status === false).map((f) => `${f.object} ${f.condition} ${f.reason}`);
    expect(facts).toStrictEqual(expect.arrayContaining([
      'default/missing ResolvedRefs InvalidCACertificateRef', 'default/missing Accepted NoValidCACertificate',
      'default/kind ResolvedRefs InvalidKind', 'default/kind Accepted NoValidCACertificate',
      'default/none Accepted Invalid',
    ]));
  });

  test('fails a backend client certificate that does not resolve, with a ResolvedRefs fact', () => {
    // GIVEN a Gateway whose backend clientCertificateRef names a Secret not in the input
    const table = compile(docs([gateway({ tls: { backend: { clientCertificateRef: { name: 'client' } } } })]));
    // THEN no certificate is carried and the fact names the reference
    expect(table.gateways[0].backendClientCertificate).toBeUndefined();
    expect(table.statusFacts).toStrictEqual([expect.objectContaining({
      kind: 'Gateway', object: 'default/gw', condition: 'ResolvedRefs', status: false, reason: 'InvalidClientCertificateRef',
    })]);
  });

  test('frontend validation: perPort overrides default on an HTTPS socket; the description shows no certificate material', () => {
    // GIVEN two HTTPS ports, the default AllowValidOnly and port 8443 AllowInsecureFallback
    const https = (name: string, port: number) => ({ name, port, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } });
    const secret = {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'default' }, stringData: { 'tls.crt': PEM, 'tls.key': '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n' },
    };
    const table = compile(docs([gateway({
      tls: {
        frontend: {
          default: { validation: { caCertificateRefs: caRef } },
          perPort: [{ port: 8443, tls: { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: caRef } } }],
        },
      },
    }, [https('a', 443), https('b', 8443)]), configMap, secret]));
    // THEN each socket carries its mode and the CA; describing the table leaks no PEM
    expect(table.sockets.map((s) => [s.port, s.clientValidation?.mode, s.clientValidation?.ca])).toStrictEqual([[443, 'AllowValidOnly', PEM], [8443, 'AllowInsecureFallback', PEM]]);
    expect(JSON.stringify(describeTable(table))).not.toContain('BEGIN');
  });

  test('fails a TLSRoute on a listener that does not allow TLSRoute, and serves TLS listeners on sockets of protocol TLS', () => {
    // GIVEN a Passthrough listener allowing TLSRoute and one allowing HTTPRoute only
    const table = compile(docs([
      gateway({}, [
        { name: 'pass', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
        { name: 'strict', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' }, allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } },
      ]),
      {
        apiVersion: G,
        kind: 'TLSRoute',
        metadata: { name: 'tls', namespace: 'default' },
        spec: { parentRefs: [{ name: 'gw', sectionName: 'strict' }, { name: 'gw', sectionName: 'pass' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 443 }] }] },
      },
    ]));
    // THEN the route is attached to "pass" only, and the refusal is a warning naming the listener
    expect(table.sockets.map((s) => [s.port, s.protocol, s.tlsListeners?.map((l) => [l.name, l.routes.length])])).toStrictEqual([
      [443, 'TLS', [['pass', 1]]], [8443, 'TLS', [['strict', 0]]],
    ]);
    expect(table.warnings.map((w) => w.message)).toContainEqual('TLSRoute default/tls does not attach to Gateway default/gw: listener "strict" does not allow TLSRoute (NotAllowedByListeners)');
    expect(table.statusFacts!.map((f) => [f.kind, f.object, f.parentRef, f.condition, f.status, f.reason])).toStrictEqual([
      ['TLSRoute', 'default/tls', 0, 'Accepted', false, 'NotAllowedByListeners'], ['TLSRoute', 'default/tls', 1, 'Accepted', true, 'Accepted'],
    ]);
  });

  test('fails a ListenerSet the Gateway does not admit (allowedListeners default None), with a NotAllowed fact', () => {
    // GIVEN a ListenerSet naming a Gateway without allowedListeners
    const table = compile(docs([gateway(), {
      apiVersion: G,
      kind: 'ListenerSet',
      metadata: { name: 'team', namespace: 'default' },
      spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'extra', port: 8080, protocol: 'HTTP' }] },
    }]));
    // THEN its listener is not served and the fact says why
    expect(table.sockets.map((s) => s.port)).toStrictEqual([80]);
    expect(table.statusFacts).toStrictEqual([expect.objectContaining({ kind: 'ListenerSet', object: 'default/team', condition: 'Accepted', status: false, reason: 'NotAllowed' })]);
  });

  test('a TLSRoute whose parent is a ListenerSet attaches to that ListenerSet\'s TLS listener only', () => {
    // GIVEN a Gateway admitting ListenerSets of its namespace, its own TLS listener on 443, and a ListenerSet's on 8443
    const table = compile(docs([
      gateway({ allowedListeners: { namespaces: { from: 'Same' } } }, [{ name: 'pass', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]),
      {
        apiVersion: G,
        kind: 'ListenerSet',
        metadata: { name: 'team', namespace: 'default' },
        spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'pass', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' } }] },
      },
      {
        apiVersion: G,
        kind: 'TLSRoute',
        metadata: { name: 'team-route', namespace: 'default' },
        spec: { parentRefs: [{ kind: 'ListenerSet', name: 'team', sectionName: 'pass' }], rules: [{ backendRefs: [{ name: 'web', port: 443 }] }] },
      },
    ]));
    // THEN the ListenerSet's listener (named after its ListenerSet) carries the route, the Gateway's does not
    expect(table.sockets.map((s) => [s.port, s.tlsListeners?.map((l) => [l.name, l.routes.map((r) => r.name)])])).toStrictEqual([
      [443, [['pass', []]]], [8443, [['default/team/pass', ['team-route']]]],
    ]);
    expect(table.statusFacts).toContainEqual(expect.objectContaining({ kind: 'ListenerSet', object: 'default/team', condition: 'Accepted', status: true }));
  });

  test('fails a TLSRoute whose parent Gateway has no TLS listener, with a warning', () => {
    // GIVEN a Gateway with an HTTP listener only and a TLSRoute naming it
    const table = compile(docs([gateway(), {
      apiVersion: G,
      kind: 'TLSRoute',
      metadata: { name: 'lost', namespace: 'default' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 443 }] }] },
    }]));
    // THEN no TLS socket exists and the warning says why
    expect(table.sockets.map((s) => s.protocol)).toStrictEqual(['HTTP']);
    expect(table.warnings.map((w) => w.message)).toStrictEqual(['TLSRoute default/lost does not attach to Gateway default/gw: it has no listener of protocol TLS']);
  });

  test('a ListenerSet in another namespace: Same means its namespace, and its certificates are read from it', () => {
    // GIVEN a Gateway admitting ListenerSets from every namespace, a ListenerSet in "team" with an HTTPS listener whose
    // Secret is in "team", and routes from "team" and from "default" naming the ListenerSet
    const key = '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n';
    const fromNs = (ns: string) => ({
      apiVersion: G,
      kind: 'HTTPRoute',
      metadata: { name: `from-${ns}`, namespace: ns },
      spec: { parentRefs: [{ kind: 'ListenerSet', name: 'team-set', namespace: 'team' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    const table = compile(docs([
      gateway({ allowedListeners: { namespaces: { from: 'All' } } }),
      {
        apiVersion: G,
        kind: 'ListenerSet',
        metadata: { name: 'team-set', namespace: 'team' },
        spec: {
          parentRef: { name: 'gw', namespace: 'default' },
          listeners: [{ name: 'secure', port: 443, protocol: 'HTTPS', hostname: 'team.example.com', tls: { certificateRefs: [{ name: 'team-cert' }] } }],
        },
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'team-cert', namespace: 'team' }, stringData: { 'tls.crt': PEM, 'tls.key': key } },
      fromNs('team'), fromNs('default'),
    ]));
    // THEN the listener serves the route from "team" only, with the Secret of "team"
    const listener = table.gateways[0].ports.find((p) => p.port === 443)!.listeners[0];
    expect([listener.name, listener.routes.map((r) => `${r.namespace}/${r.name}`), listener.tls?.certificates.map((c) => c.secret)])
      .toStrictEqual(['team/team-set/secure', ['team/from-team'], ['team/team-cert']]);
    expect(table.warnings.map((w) => w.message)).toContainEqual(expect.stringContaining('HTTPRoute default/from-default does not attach to ListenerSet team/team-set: listener "team/team-set/secure" does not allow routes from namespace default'));
  });
});
