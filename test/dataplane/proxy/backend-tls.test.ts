/**
 * BackendTLSPolicy over real sockets: a Service port targeted by a policy is reached over TLS with the policy's
 * hostname as SNI, the server certificate verified against the referenced CA (ConfigMap or Secret `ca.crt`) or the
 * system CAs and against `subjectAltNames`; the Gateway's backend client certificate is presented. A policy that
 * cannot be used fails the requests (5xx), never falls back to plaintext.
 */
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';
import WebSocket, { WebSocketServer } from 'ws';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, grpcRouteDoc, request, requestH2, routeDoc, startBackend, startGateway } from './helpers';
import { Pair, TlsBackend, backendTlsPolicy, caConfigMap, certificate, startTlsBackend, tlsSecret } from './tls-helpers';
import { EndpointRegistry } from '../../../src/dataplane/endpoints/registry';
import { endpointSlice, serviceObject } from '../endpoints/fixtures';

const SPIFFE = 'spiffe://cluster.example.com/ns/shop/sa/orders';

function route(name: string, gateways: string[], paths: Record<string, { service: string; port?: number }>): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: gateways.map((g) => ({ name: g })),
      rules: Object.entries(paths).map(([path, b]) => ({
        matches: [{ path: { type: 'PathPrefix', value: path } }],
        backendRefs: [backendRef(b.service, b.port ? { port: b.port } : {})],
      })),
    },
  };
}

describe('BackendTLSPolicy', () => {
  let server: Pair;
  let uriServer: Pair;
  let client: Pair;
  let tlsBackend: TlsBackend;
  let uriBackend: TlsBackend;
  let mtlsBackend: TlsBackend;
  let plain: Backend;
  let wsBackend: https.Server;
  let gw: StartedGateway;
  const ok = { hostname: 'backend.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }] };

  beforeAll(async () => {
    [server, uriServer, client] = await Promise.all([
      certificate('backend.example.com'),
      certificate('orders.example.com', [SPIFFE]),
      certificate('gateway-client'),
    ]);
    tlsBackend = await startTlsBackend(server);
    uriBackend = await startTlsBackend(uriServer);
    mtlsBackend = await startTlsBackend(server, client.cert);
    plain = await startBackend('plain');
    // A WebSocket backend over TLS that greets with the SNI it was reached by.
    wsBackend = https.createServer({ cert: server.cert, key: server.key });
    new WebSocketServer({ server: wsBackend }).on('connection', (ws, req) => ws.send(`sni ${(req.socket as tls.TLSSocket).servername}`));
    await new Promise<void>((r) => wsBackend.listen(0, '127.0.0.1', r));
    const paths: Record<string, { service: string; port?: number }> = {
      '/configmap': { service: 'configmap' },
      '/secret': { service: 'secret' },
      '/san-mismatch': { service: 'san-mismatch' },
      '/san-uri': { service: 'san-uri' },
      '/wrong-ca': { service: 'wrong-ca' },
      '/missing-ca': { service: 'missing-ca' },
      '/system': { service: 'system' },
      '/plaintext': { service: 'plaintext' },
      '/mtls': { service: 'mtls' },
      '/section-tls': { service: 'sectioned', port: 8443 },
      '/section-plain': { service: 'sectioned', port: 8080 },
      '/ws': { service: 'ws' },
    };
    const docs = [
      { ...gatewayDoc(), spec: { ...gatewayDoc().spec, tls: { backend: { clientCertificateRef: { name: 'gateway-client' } } } } },
      gatewayDoc([{ name: 'http', port: 81, protocol: 'HTTP' }], 'no-client-cert'),
      route('tls', ['same-namespace', 'no-client-cert'], paths),
      caConfigMap('backend-ca', server.cert),
      caConfigMap('uri-ca', uriServer.cert),
      tlsSecret('gateway-client', client),
      tlsSecret('backend-ca-secret', client, { 'ca.crt': server.cert }),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'sectioned', namespace: NS },
        spec: { ports: [{ name: 'https', port: 8443 }, { name: 'http', port: 8080 }] },
      },
      backendTlsPolicy('configmap', 'configmap', ok),
      backendTlsPolicy('secret', 'secret', { hostname: 'backend.example.com', caCertificateRefs: [{ group: '', kind: 'Secret', name: 'backend-ca-secret' }] }),
      backendTlsPolicy('san-mismatch', 'san-mismatch', { ...ok, subjectAltNames: [{ type: 'Hostname', hostname: 'other.example.com' }] }),
      backendTlsPolicy('san-uri', 'san-uri', {
        hostname: 'sni-only.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'uri-ca' }], subjectAltNames: [{ type: 'URI', uri: SPIFFE }],
      }),
      backendTlsPolicy('wrong-ca', 'wrong-ca', { ...ok, caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'uri-ca' }] }),
      backendTlsPolicy('missing-ca', 'missing-ca', { ...ok, caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'no-such-configmap' }] }),
      backendTlsPolicy('system', 'system', { hostname: 'backend.example.com', wellKnownCACertificates: 'System' }),
      backendTlsPolicy('plaintext', 'plaintext', ok),
      backendTlsPolicy('mtls', 'mtls', ok),
      backendTlsPolicy('sectioned', 'sectioned', ok, { sectionName: 'https' }),
      backendTlsPolicy('ws', 'ws', ok),
    ];
    const at = (b: { port: number }) => `127.0.0.1:${b.port}`;
    gw = await startGateway(docs, {
      [`${NS}/configmap:8080`]: at(tlsBackend),
      [`${NS}/secret:8080`]: at(tlsBackend),
      [`${NS}/san-mismatch:8080`]: at(tlsBackend),
      [`${NS}/san-uri:8080`]: at(uriBackend),
      [`${NS}/wrong-ca:8080`]: at(tlsBackend),
      [`${NS}/missing-ca:8080`]: at(tlsBackend),
      [`${NS}/system:8080`]: at(tlsBackend),
      [`${NS}/plaintext:8080`]: at(plain),
      [`${NS}/mtls:8080`]: at(mtlsBackend),
      [`${NS}/sectioned:8443`]: at(tlsBackend),
      [`${NS}/sectioned:8080`]: at(plain),
      [`${NS}/ws:8080`]: at(wsBackend.address() as net.AddressInfo),
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await Promise.all([tlsBackend?.close(), uriBackend?.close(), mtlsBackend?.close(), plain?.close()]);
    wsBackend?.closeAllConnections();
    await new Promise<void>((r) => (wsBackend ? wsBackend.close(() => r()) : r()));
  });

  test('reaches the backend over TLS with the policy hostname as SNI, the CA from a ConfigMap or a Secret', async () => {
    // GIVEN policies whose CA (ConfigMap, Secret ca.crt) signed the backend's certificate
    // WHEN requests are routed to those Services
    const viaConfigMap = await request(gw.port(), { path: '/configmap/a', host: 'www.example.com' });
    const viaSecret = await request(gw.port(), { path: '/secret/b', host: 'www.example.com' });
    // THEN the backend answers over TLS, and the SNI was the policy hostname, not the request's Host
    expect(viaConfigMap.status).toBe(200);
    expect(viaConfigMap.json()).toStrictEqual({ path: '/configmap/a', servername: 'backend.example.com' });
    expect(viaSecret.status).toBe(200);
    expect(viaSecret.json()).toStrictEqual({ path: '/secret/b', servername: 'backend.example.com' });
  });

  test('verifies subjectAltNames instead of the hostname: a URI SAN matches, a missing Hostname SAN fails', async () => {
    // GIVEN one policy naming the backend's URI SAN (its hostname is in no SAN), one naming a DNS name the certificate lacks
    const uri = await request(gw.port(), { path: '/san-uri', host: 'www.example.com' });
    const mismatch = await request(gw.port(), { path: '/san-mismatch', host: 'www.example.com' });
    // THEN the first is served, with the hostname as SNI; the second fails as a backend TLS failure
    expect(uri.status).toBe(200);
    expect(uri.json().servername).toBe('sni-only.example.com');
    expect(mismatch.status).toBe(502);
    expect(gw.access.find((e) => e.path === '/san-mismatch')).toMatchObject({ error: 'upstream-tls' });
  });

  test('fails when the certificate is not signed by the referenced CA, or by a system CA', async () => {
    // GIVEN a policy trusting another CA, and one trusting the system CAs, for a self-signed backend
    const wrongCa = await request(gw.port(), { path: '/wrong-ca', host: 'www.example.com' });
    const system = await request(gw.port(), { path: '/system', host: 'www.example.com' });
    // THEN neither is served
    expect(wrongCa.status).toBe(502);
    expect(system.status).toBe(502);
  });

  test('fails with 500 and a warning when the CA reference does not resolve, without contacting the backend', async () => {
    // GIVEN a policy whose ConfigMap is not in the input
    const before = tlsBackend.connections;
    const res = await request(gw.port(), { path: '/missing-ca', host: 'www.example.com' });
    // THEN the request fails, nothing was sent to the backend, and the warning names the policy and the ConfigMap
    expect(res.status).toBe(500);
    expect(tlsBackend.connections).toBe(before);
    const warnings = gw.logs.filter((l) => l.msg === 'configuration warning').map((l) => l.warning);
    expect(warnings).toContainEqual(expect.stringMatching(/^BackendTLSPolicy gateway-conformance-infra\/missing-ca: no CA certificate could be read: ConfigMap gateway-conformance-infra\/no-such-configmap is not in the input/));
  });

  test('fails rather than falling back to plaintext when the backend does not speak TLS', async () => {
    // GIVEN a policy on a Service whose endpoint is a cleartext HTTP server
    const res = await request(gw.port(), { path: '/plaintext', host: 'www.example.com' });
    // THEN the request fails and the cleartext server never received an HTTP request
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(plain.seen.filter((r) => r.path.startsWith('/plaintext'))).toStrictEqual([]);
  });

  test('presents the Gateway backend client certificate; a Gateway without one is refused by the backend', async () => {
    // GIVEN a backend requiring a client certificate, reached through a Gateway with clientCertificateRef and one without
    const withCert = await request(gw.port(), { path: '/mtls', host: 'www.example.com' });
    const without = await request(gw.port(81, `${NS}/no-client-cert`), { path: '/mtls', host: 'www.example.com' });
    // THEN the first is served with the Gateway's certificate; the second fails
    expect(withCert.status).toBe(200);
    expect(withCert.json().clientCn).toBe('gateway-client');
    expect(without.status).toBe(502);
  });

  test('a WebSocket upgrade reaches the backend over TLS', async () => {
    // GIVEN a policy on a Service whose backend serves WebSockets over TLS
    const greeting = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.port()}/ws`, { headers: { host: 'www.example.com' } });
      const timer = setTimeout(() => reject(new Error('no greeting')), 5_000);
      ws.on('message', (m) => {
        clearTimeout(timer);
        ws.close();
        resolve(String(m));
      });
      ws.on('error', reject);
    });
    // THEN the backend greeted over the tunnel, reached with the policy's SNI
    expect(greeting).toBe('sni backend.example.com');
  });

  test('a policy with sectionName applies to that Service port only', async () => {
    // GIVEN a policy on the Service port named https; the port named http stays cleartext
    const tlsPort = await request(gw.port(), { path: '/section-tls', host: 'www.example.com' });
    const plainPort = await request(gw.port(), { path: '/section-plain', host: 'www.example.com' });
    // THEN both are served, the first over TLS, the second in cleartext
    expect(tlsPort.status).toBe(200);
    expect(tlsPort.json().servername).toBe('backend.example.com');
    expect(plainPort.status).toBe(200);
    expect(plainPort.json().backend).toBe('plain');
  });
});

describe('BackendTLSPolicy with EndpointSlice endpoints and HTTP/2 backends', () => {
  let pair: Pair;
  let backend: TlsBackend;
  let h2: http2.Http2SecureServer;
  let h2Port = 0;
  let gw: StartedGateway;
  const seenH2: { path: string; servername: string | false }[] = [];

  beforeAll(async () => {
    pair = await certificate('pods.example.com');
    backend = await startTlsBackend(pair);
    // An HTTP/2-over-TLS backend answering gRPC calls with an empty OK.
    h2 = http2.createSecureServer({ cert: pair.cert, key: pair.key });
    h2.on('stream', (stream, headers) => {
      seenH2.push({ path: String(headers[':path']), servername: (stream.session?.socket as any)?.servername ?? false });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end();
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    h2Port = (h2.address() as net.AddressInfo).port;
    // The slices publish TEST-NET-1 addresses; the address translation sends them to the local servers.
    const local: Record<string, number> = { '192.0.2.10:8443': backend.port, '192.0.2.11:8443': h2Port };
    const registry = new EndpointRegistry();
    for (const name of ['pods', 'grpc-pods']) {
      expect(registry.upsertService(serviceObject(name, [{ name: 'https', port: 443 }], { namespace: NS }))).toEqual([]);
    }
    expect(registry.upsertSlice(endpointSlice('pods-a', 'pods', [{ ip: '192.0.2.10' }], { namespace: NS, ports: [{ name: 'https', port: 8443 }] }))).toEqual([]);
    expect(registry.upsertSlice(endpointSlice('grpc-pods-a', 'grpc-pods', [{ ip: '192.0.2.11' }], { namespace: NS, ports: [{ name: 'https', port: 8443 }] }))).toEqual([]);
    const validation = { hostname: 'pods.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'pods-ca' }] };
    gw = await startGateway([
      gatewayDoc(),
      ...['pods', 'grpc-pods'].map((name) => ({
        apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ name: 'https', port: 443 }] },
      })),
      caConfigMap('pods-ca', pair.cert),
      backendTlsPolicy('pods', 'pods', validation),
      backendTlsPolicy('grpc-pods', 'grpc-pods', validation),
      routeDoc('pods', [{ backendRefs: [{ name: 'pods', port: 443 }] }], { hostnames: ['www.example.com'] }),
      grpcRouteDoc('grpc', [{ backendRefs: [{ name: 'grpc-pods', port: 443 }] }], { hostnames: ['grpc.example.com'] }),
    ], {}, {
      backendsFile: undefined,
      endpoints: registry,
      translateAddress: (host, port) => (local[`${host}:${port}`] !== undefined ? { host: '127.0.0.1', port: local[`${host}:${port}`] } : { host, port }),
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await backend?.close();
    await new Promise<void>((r) => (h2 ? h2.close(() => r()) : r()));
  });

  test('reaches the ready endpoints of an EndpointSlice over TLS', async () => {
    // GIVEN a policy on a Service whose endpoint comes from an EndpointSlice
    const res = await request(gw.port(), { path: '/slice', host: 'www.example.com' });
    // THEN the pod answers over TLS with the policy's SNI
    expect(res.status).toBe(200);
    expect(res.json()).toStrictEqual({ path: '/slice', servername: 'pods.example.com' });
  });

  test('sends a GRPCRoute call as HTTP/2 over TLS to a backend with a policy', async () => {
    // GIVEN a GRPCRoute to a Service with a policy, whose endpoint speaks HTTP/2 over TLS only
    const res = await requestH2(gw.port(), { method: 'POST', path: '/echo.Echo/Call', authority: 'grpc.example.com', headers: { 'content-type': 'application/grpc' } });
    // THEN the call succeeds and the backend saw the policy's SNI
    expect(res.status).toBe(200);
    expect(res.trailers['grpc-status']).toBe('0');
    expect(seenH2).toStrictEqual([{ path: '/echo.Echo/Call', servername: 'pods.example.com' }]);
  });
});
