/**
 * Frontend client-certificate validation (Gateway `spec.tls.frontend`, GEP-91) over real sockets: `default` applies
 * to every HTTPS port, `perPort` overrides it; AllowValidOnly refuses clients without a certificate that chains to
 * the configured CA, AllowInsecureFallback lets every client through.
 */
import * as https from 'https';
import * as path from 'path';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, startBackend, startGateway, writeYaml } from './helpers';
import { Pair, caConfigMap, certificate, tlsSecret } from './tls-helpers';
import { clientCertificateRefused } from '../../../src/dataplane/proxy/certificates';

/** GET / over HTTPS with an optional client certificate: the status, or the connection error. */
function get(port: number, client?: Pair): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1',
      port,
      path: '/',
      servername: 'www.example.com',
      rejectUnauthorized: false,
      agent: false,
      ...(client ? { cert: client.cert, key: client.key } : {}),
    });
    req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (err) => resolve({ error: err.message }));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.end();
  });
}

describe('client certificates', () => {
  let serving: Pair;
  let trusted: Pair;
  let stranger: Pair;
  let backend: Backend;
  let gw: StartedGateway;

  beforeAll(async () => {
    [serving, trusted, stranger] = await Promise.all([certificate('www.example.com'), certificate('trusted-client'), certificate('stranger')]);
    backend = await startBackend('app');
    const https443 = (name: string, port: number) => ({
      name, port, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'serving' }] },
    });
    const gateway = gatewayDoc([https443('strict', 443), https443('fallback', 8443), https443('unresolved', 9443)]);
    gateway.spec.tls = {
      frontend: {
        default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } },
        perPort: [
          { port: 8443, tls: { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } } },
          { port: 9443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'no-such-ca' }] } } },
        ],
      },
    };
    gw = await startGateway([
      gateway,
      tlsSecret('serving', serving),
      caConfigMap('client-ca', trusted.cert),
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'app', namespace: NS },
        spec: { parentRefs: [{ name: 'same-namespace' }], rules: [{ backendRefs: [backendRef('app')] }] },
      },
    ], { [`${NS}/app:8080`]: backend.address });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await backend?.close();
  });

  test('AllowValidOnly (the default) serves a client with a valid certificate and refuses one with another or none', async () => {
    // GIVEN port 443 validating client certificates against client-ca
    // WHEN clients connect with the trusted certificate, a stranger's certificate, and none
    const valid = await get(gw.port(443), trusted);
    const invalid = await get(gw.port(443), stranger);
    const none = await get(gw.port(443));
    // THEN only the first is served; the others lose the connection before any request reaches the backend
    expect(valid).toStrictEqual({ status: 200 });
    expect(invalid.error).toBeDefined();
    expect(none.error).toBeDefined();
    expect(backend.seen).toHaveLength(1);
  });

  test('AllowInsecureFallback on a port (perPort) lets every client through', async () => {
    // GIVEN port 8443 overriding the default with AllowInsecureFallback
    const results = await Promise.all([get(gw.port(8443), trusted), get(gw.port(8443), stranger), get(gw.port(8443))]);
    // THEN each request is served
    expect(results).toStrictEqual([{ status: 200 }, { status: 200 }, { status: 200 }]);
  });

  test('fails every client of a port whose CA reference does not resolve, and warns', async () => {
    // GIVEN port 9443 whose CA ConfigMap is not in the input (AllowValidOnly)
    const res = await get(gw.port(9443), trusted);
    // THEN even the otherwise trusted client is refused, and the warning names the reference and the reason
    expect(res.error).toBeDefined();
    const warnings = gw.logs.filter((l) => l.msg === 'configuration warning').map((l) => l.warning);
    expect(warnings).toContainEqual(expect.stringContaining('ConfigMap gateway-conformance-infra/no-such-ca is not in the input (InvalidCACertificateRef)'));
  });

  test('the refusal rule: only AllowValidOnly refuses, and an empty CA bundle makes no client valid', () => {
    // GIVEN each mode, authorized or not THEN refusal follows GEP-91
    expect(clientCertificateRefused(undefined, false)).toBe(false);
    expect(clientCertificateRefused({ ca: 'pem', mode: 'AllowInsecureFallback' }, false)).toBe(false);
    expect(clientCertificateRefused({ ca: 'pem', mode: 'AllowValidOnly' }, true)).toBe(false);
    expect(clientCertificateRefused({ ca: 'pem', mode: 'AllowValidOnly' }, false)).toBe(true);
    expect(clientCertificateRefused({ ca: '', mode: 'AllowValidOnly' }, true)).toBe(true);
  });
});

describe('client certificates on reload', () => {
  test('a reload that adds validation to a port starts asking clients for certificates there', async () => {
    // GIVEN an HTTPS port without client validation
    const [serving, trusted] = await Promise.all([certificate('www.example.com'), certificate('trusted-client')]);
    const backend = await startBackend('app');
    const docs = (frontend?: any) => {
      const gateway = gatewayDoc([{ name: 'secure', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'serving' }] } }]);
      if (frontend) gateway.spec.tls = { frontend };
      return [gateway, tlsSecret('serving', serving), caConfigMap('client-ca', trusted.cert), {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'app', namespace: NS },
        spec: { parentRefs: [{ name: 'same-namespace' }], rules: [{ backendRefs: [backendRef('app')] }] },
      }];
    };
    const gw = await startGateway(docs(), { [`${NS}/app:8080`]: backend.address });
    try {
      expect(await get(gw.port(443))).toStrictEqual({ status: 200 });
      // WHEN validation (AllowValidOnly) is added and the gateway reloads
      writeYaml(path.join(gw.dir, 'routes.yaml'), docs({ default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } } }));
      await gw.server.reload();
      // THEN a client without a certificate is refused and one with the trusted certificate is served
      expect((await get(gw.port(443))).error).toBeDefined();
      expect(await get(gw.port(443), trusted)).toStrictEqual({ status: 200 });
    } finally {
      await gw.close();
      await backend.close();
    }
  }, 30_000);
});
