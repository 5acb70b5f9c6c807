/**
 * ListenerSet over real sockets (GEP-1713): the listeners of the ListenerSets a Gateway admits (allowedListeners)
 * are served on the Gateway's sockets; conflicts are resolved in the spec's order (the Gateway first, then
 * ListenerSets by creation time); routes whose parentRef is a ListenerSet are served on its listeners only, and
 * routes of the Gateway on the Gateway's own listeners only.
 */
import * as https from 'https';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, startBackend, startGateway } from './helpers';
import { Pair, certificate, tlsSecret } from './tls-helpers';

function listenerSet(name: string, created: string, listeners: any[], namespace = NS): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { name, namespace, creationTimestamp: created },
    spec: { parentRef: { name: 'same-namespace', namespace: NS }, listeners },
  };
}

function route(name: string, parentRef: any, hostnames: string[], backend: string): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: { parentRefs: [parentRef], hostnames, rules: [{ backendRefs: [backendRef(backend)] }] },
  };
}

describe('ListenerSet', () => {
  let a: Backend;
  let b: Backend;
  let main: Backend;
  let gw: StartedGateway;
  let teamCert: Pair;

  beforeAll(async () => {
    teamCert = await certificate('b.example.com');
    [a, b, main] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('main')]);
    const gateway = gatewayDoc();
    gateway.spec.allowedListeners = { namespaces: { from: 'Same' } };
    const http = (name: string, port: number, hostname?: string) => ({ name, port, protocol: 'HTTP', ...(hostname ? { hostname } : {}) });
    gw = await startGateway([
      gateway,
      listenerSet('team-a', '2026-01-01T00:00:00Z', [http('web', 8080, 'a.example.com'), http('clash', 80)]),
      listenerSet('team-b', '2026-02-01T00:00:00Z', [
        http('web', 8080, 'a.example.com'), http('web2', 8080, 'b.example.com'),
        { name: 'secure', port: 8443, protocol: 'HTTPS', hostname: 'b.example.com', tls: { certificateRefs: [{ name: 'team-b-cert' }] } },
      ]),
      tlsSecret('team-b-cert', teamCert),
      listenerSet('outsider', '2025-01-01T00:00:00Z', [http('web', 8080, 'c.example.com')], 'elsewhere'),
      route('route-a', { kind: 'ListenerSet', name: 'team-a' }, ['a.example.com'], 'a'),
      route('route-b', { kind: 'ListenerSet', name: 'team-b' }, ['b.example.com'], 'b'),
      route('gateway-route', { name: 'same-namespace' }, [], 'main'),
    ], { [`${NS}/a:8080`]: a.address, [`${NS}/b:8080`]: b.address, [`${NS}/main:8080`]: main.address }, {
      listen: [80, 8080, 8443].map((p) => ({ listenerPort: p, bind: { host: '127.0.0.1', port: 0 } })),
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await Promise.all([a, b, main].map((x) => x?.close()));
  });

  test('serves the listeners of admitted ListenerSets to the routes attached to them', async () => {
    // GIVEN ListenerSets team-a and team-b adding port 8080 listeners, with routes whose parentRef is each ListenerSet
    const viaA = await request(gw.port(8080), { host: 'a.example.com' });
    const viaB = await request(gw.port(8080), { host: 'b.example.com' });
    // THEN each host is served by the route of its ListenerSet
    expect(viaA.status).toBe(200);
    expect(viaA.json().backend).toBe('a');
    expect(viaB.status).toBe(200);
    expect(viaB.json().backend).toBe('b');
  });

  test('serves a ListenerSet HTTPS listener with the team certificate', async () => {
    // GIVEN team-b's HTTPS listener for b.example.com with its own certificate
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: gw.port(8443), path: '/', servername: 'b.example.com', headers: { host: 'b.example.com' }, ca: teamCert.cert, agent: false });
      req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
      req.on('error', reject);
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      });
      req.end();
    });
    // THEN the client verified the team's certificate and team-b's route answered
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).backend).toBe('b');
  });

  test('a route of the Gateway is served on the Gateway listeners only, not on those of its ListenerSets', async () => {
    // GIVEN an HTTPRoute whose parentRef is the Gateway, without hostnames
    const own = await request(gw.port(80), { host: 'anything.example.com' });
    const setListener = await request(gw.port(8080), { host: 'a.example.com', path: '/' });
    // THEN port 80 serves it; on 8080 only the ListenerSet's route answers
    expect(own.json().backend).toBe('main');
    expect(setListener.json().backend).toBe('a');
  });

  test('fails conflicting listeners in the spec order and ListenerSets the Gateway does not admit, with warnings', async () => {
    // GIVEN team-a's listener on the Gateway's port 80 without hostname, team-b's 8080 listener for a host team-a
    // (older) already has, and a ListenerSet from another namespace while the Gateway admits the Same namespace only
    const warnings: string[] = gw.logs.filter((l) => l.msg === 'configuration warning').map((l) => l.warning);
    // THEN the Gateway's listener and the older ListenerSet's listener win, and the outsider is not attached
    expect(warnings).toContainEqual('ListenerSet gateway-conformance-infra/team-a: listener "clash" conflicts with Gateway gateway-conformance-infra/same-namespace listener "http", which comes first (HostnameConflict); the listener is not served');
    expect(warnings).toContainEqual('ListenerSet gateway-conformance-infra/team-b: listener "web" conflicts with ListenerSet gateway-conformance-infra/team-a listener "web", which comes first (HostnameConflict); the listener is not served');
    expect(warnings).toContainEqual(expect.stringMatching(/^ListenerSet elsewhere\/outsider is not attached to Gateway gateway-conformance-infra\/same-namespace: .*\(NotAllowed\)/));
    // AND a host only the outsider would serve is not routed on 8080
    expect((await request(gw.port(8080), { host: 'c.example.com' })).status).toBe(404);
  });
});
