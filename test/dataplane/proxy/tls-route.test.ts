/**
 * TLSRoute over real sockets (GEP-2643): a Passthrough listener routes by the ClientHello's server name without
 * terminating (the client verifies the backend's own certificate), with the spec's hostname precedence; a
 * Terminate listener terminates with its certificate and forwards the decrypted stream; weighted backendRefs split
 * connections; no server name, no matching route or bytes that are not TLS close the connection.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { Backend, NS, StartedGateway, gatewayDoc, startBackend, startGateway, writeYaml } from './helpers';
import { Pair, TlsBackend, backendTlsPolicy, caConfigMap, certificate, startTlsBackend, tlsSecret } from './tls-helpers';
import { parseClientHello } from '../../../src/dataplane/proxy/client-hello';
import { seeded } from '../engine/helpers';

interface Answer {
  readonly status?: number;
  readonly body?: string;
  /** CN of the certificate the client was shown. */
  readonly cn?: string;
  readonly error?: string;
}

/** GET / over TLS to the gateway with `servername` (none: no SNI), trusting `ca` when given. */
function get(port: number, servername: string | undefined, ca?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1',
      port,
      path: '/',
      agent: false,
      servername: servername ?? '',
      headers: { host: servername ?? 'none' },
      ...(ca ? { ca } : { rejectUnauthorized: false }),
    } as https.RequestOptions);
    req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (err) => resolve({ error: err.message }));
    req.on('response', (res) => {
      const cn = String((res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN);
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, cn }));
    });
    req.end();
  });
}

function tlsRoute(name: string, hostnames: string[], backends: { name: string; weight?: number; namespace?: string }[], sectionName?: string): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'TLSRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: 'same-namespace', ...(sectionName ? { sectionName } : {}) }],
      hostnames,
      rules: [{ backendRefs: backends.map((b) => ({ port: 8443, ...b })) }],
    },
  };
}

describe('TLSRoute', () => {
  let exactPair: Pair;
  let wildcardPair: Pair;
  let listenerPair: Pair;
  let exact: TlsBackend;
  let wildcard: TlsBackend;
  let one: TlsBackend;
  let two: TlsBackend;
  let never: TlsBackend;
  let plain: Backend;
  let gw: StartedGateway;

  beforeAll(async () => {
    [exactPair, wildcardPair, listenerPair] = await Promise.all([
      certificate('a.example.com'), certificate('*.example.com'), certificate('secure.example.com'),
    ]);
    [exact, wildcard, one, two, never] = await Promise.all([
      startTlsBackend(exactPair), ...[1, 2, 3, 4].map(() => startTlsBackend(wildcardPair)),
    ]);
    plain = await startBackend('plain');
    const at = (b: { port: number }) => `127.0.0.1:${b.port}`;
    gw = await startGateway([
      gatewayDoc([
        { name: 'passthrough', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
        { name: 'terminate', port: 443, protocol: 'TLS', hostname: 'secure.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'listener-cert' }] } },
        { name: 'reencrypt', port: 443, protocol: 'TLS', hostname: 'reencrypt.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'listener-cert' }] } },
      ]),
      caConfigMap('exact-ca', exactPair.cert),
      backendTlsPolicy('exact-tls', 'exact-again', { hostname: 'a.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'exact-ca' }] }),
      tlsRoute('reencrypted', ['reencrypt.example.com'], [{ name: 'exact-again' }], 'reencrypt'),
      // A backend in another namespace without a ReferenceGrant: not permitted.
      tlsRoute('elsewhere', ['elsewhere.test'], [{ name: 'exact', namespace: 'other' }]),
      tlsSecret('listener-cert', listenerPair),
      tlsRoute('exact', ['a.example.com'], [{ name: 'exact' }], 'passthrough'),
      tlsRoute('wildcard', ['*.example.com'], [{ name: 'wildcard' }], 'passthrough'),
      tlsRoute('weighted', ['weighted.test'], [{ name: 'one', weight: 1 }, { name: 'two', weight: 1 }, { name: 'never', weight: 0 }], 'passthrough'),
      tlsRoute('terminated', ['secure.example.com'], [{ name: 'plain' }], 'terminate'),
    ], {
      [`${NS}/exact:8443`]: at(exact),
      [`${NS}/exact-again:8443`]: at(exact),
      [`${NS}/wildcard:8443`]: at(wildcard),
      [`${NS}/one:8443`]: at(one),
      [`${NS}/two:8443`]: at(two),
      [`${NS}/never:8443`]: at(never),
      [`${NS}/plain:8443`]: plain.address,
    }, { random: seeded(7) });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await Promise.all([exact, wildcard, one, two, never, plain].map((b) => b?.close()));
  });

  test('passes TLS through by SNI: the exact hostname beats the wildcard, and the client sees the backend certificate', async () => {
    // GIVEN TLSRoutes for a.example.com and *.example.com on a Passthrough listener
    // WHEN clients verifying the backends' own certificates connect with each name
    const a = await get(gw.port(443), 'a.example.com', exactPair.cert);
    const b = await get(gw.port(443), 'b.example.com', wildcardPair.cert);
    // THEN the gateway never terminated: each handshake verified the backend's certificate, and each backend saw the SNI
    expect(a).toMatchObject({ status: 200, cn: 'a.example.com' });
    expect(JSON.parse(a.body!).servername).toBe('a.example.com');
    expect(b).toMatchObject({ status: 200, cn: '*.example.com' });
    expect(JSON.parse(b.body!).servername).toBe('b.example.com');
  });

  test('terminates with the listener certificate and forwards the decrypted stream (Terminate)', async () => {
    // GIVEN a Terminate listener for secure.example.com whose TLSRoute points at a cleartext HTTP backend
    const res = await get(gw.port(443), 'secure.example.com', listenerPair.cert);
    // THEN the client verified the listener's certificate and the cleartext backend answered the request
    expect(res).toMatchObject({ status: 200, cn: 'secure.example.com' });
    expect(JSON.parse(res.body!).backend).toBe('plain');
  });

  test('Terminate with a BackendTLSPolicy on the backend: the stream is encrypted again with the policy SNI', async () => {
    // GIVEN a Terminate listener whose TLSRoute targets a Service with a BackendTLSPolicy
    const res = await get(gw.port(443), 'reencrypt.example.com');
    // THEN the client's handshake was with the listener (its certificate), and the TLS backend saw the policy's SNI
    expect(res).toMatchObject({ status: 200, cn: 'secure.example.com' });
    expect(JSON.parse(res.body!).servername).toBe('a.example.com');
  });

  test('splits connections over weighted backendRefs; a weight-0 backend gets none', async () => {
    // GIVEN a TLSRoute with backends weighted 1, 1 and 0 (seeded random)
    for (let i = 0; i < 20; i++) expect((await get(gw.port(443), 'weighted.test')).status).toBe(200);
    // THEN both weighted backends were used and the weight-0 one never
    expect(one.seen.length).toBeGreaterThan(0);
    expect(two.seen.length).toBeGreaterThan(0);
    expect(one.seen.length + two.seen.length).toBe(20);
    expect(never.seen).toHaveLength(0);
  });

  test('fails (closes the connection) without SNI, for a name no route has, a backend not permitted, and bytes that are not TLS', async () => {
    // GIVEN the same listeners
    const noSni = await get(gw.port(443), undefined);
    const unknown = await get(gw.port(443), 'other.org');
    const notPermitted = await get(gw.port(443), 'elsewhere.test');
    const cleartext = await new Promise<string>((resolve) => {
      const socket = net.connect(gw.port(443), '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nhost: a.example.com\r\n\r\n'));
      let got = '';
      socket.on('data', (c) => (got += c));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(got));
    });
    // THEN each connection is closed without an answer
    expect(noSni.error).toBeDefined();
    expect(unknown.error).toBeDefined();
    expect(notPermitted.error).toBeDefined();
    expect(exact.seen.filter((r) => r.servername === 'elsewhere.test')).toStrictEqual([]);
    expect(gw.logs.filter((l) => l.msg === 'configuration warning').map((l) => l.warning))
      .toContainEqual(expect.stringContaining('backendRef to Service other/exact:8443 in another namespace is not permitted by any ReferenceGrant (RefNotPermitted)'));
    expect(cleartext).toBe('');
  });

  test('logs each connection when it closes (kind tls) and counts it by route, backend and result', async () => {
    // GIVEN the counts so far
    const metricsText = () => new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: gw.adminPort, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    const count = (text: string, labels: string) => Number(new RegExp(`^gateway_tls_connections_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const series = {
      forwarded: `gateway="${NS}/same-namespace",route="${NS}/wildcard",backend="${NS}/wildcard:8443",result="forwarded"`,
      refused: `gateway="${NS}/same-namespace",route="",backend="",result="refused"`,
      notPermitted: `gateway="${NS}/same-namespace",route="${NS}/elsewhere",backend="other/exact:8443",result="no-backend"`,
    };
    const before = await metricsText();

    // AND connections forwarded (Passthrough and Terminate) and refused (no route, a backend not permitted)
    expect((await get(gw.port(443), 'log.example.com', wildcardPair.cert)).status).toBe(200);
    expect((await get(gw.port(443), 'secure.example.com', listenerPair.cert)).status).toBe(200);
    expect((await get(gw.port(443), 'log.other.org')).error).toBeDefined();
    expect((await get(gw.port(443), 'elsewhere.test')).error).toBeDefined();

    // WHEN every entry of those names was written (each on close)
    const names = ['log.example.com', 'secure.example.com', 'log.other.org', 'elsewhere.test'];
    const entryOf = (name: string) => [...gw.tlsAccess].reverse().find((e) => e.serverName === name);
    for (let i = 0; i < 100 && names.some((n) => !entryOf(n)); i++) await new Promise((r) => setTimeout(r, 20));

    // THEN each says where it went, or why not, with the bytes each way
    expect(entryOf('log.example.com')).toMatchObject({
      kind: 'tls',
      gateway: `${NS}/same-namespace`,
      listener: 'passthrough',
      mode: 'Passthrough',
      client: '127.0.0.1',
      route: `${NS}/wildcard`,
      backend: `${NS}/wildcard:8443`,
      upstream: `127.0.0.1:${wildcard.port}`,
    });
    expect(entryOf('log.example.com')!.bytesIn).toBeGreaterThan(0);
    expect(entryOf('log.example.com')!.bytesOut).toBeGreaterThan(0);
    expect(entryOf('log.example.com')!.error).toBeUndefined();
    expect(entryOf('secure.example.com')).toMatchObject({ listener: 'terminate', mode: 'Terminate', route: `${NS}/terminated`, backend: `${NS}/plain:8443` });
    expect(entryOf('log.other.org')).toMatchObject({ listener: 'passthrough', error: 'no TLSRoute of listener "passthrough" matches the server name log.other.org', bytesIn: 0 });
    expect(entryOf('log.other.org')!.route).toBeUndefined();
    expect(entryOf('elsewhere.test')).toMatchObject({ route: `${NS}/elsewhere`, backend: 'other/exact:8443', error: 'RefNotPermitted' });
    // AND the metrics count them
    const after = await metricsText();
    const added = (labels: string) => count(after, labels) - count(before, labels);
    expect([added(series.forwarded), added(series.refused), added(series.notPermitted)]).toStrictEqual([1, 1, 1]);
  });

  test('the ClientHello parser reads the server name, waits for more bytes, and refuses what is not TLS', async () => {
    // GIVEN a real ClientHello captured from a Node client
    const hello = await new Promise<Buffer>((resolve) => {
      const server = net.createServer((s) => s.once('data', (c) => {
        resolve(c);
        s.destroy();
        server.close();
      }));
      server.listen(0, '127.0.0.1', () => {
        const client = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername: 'Parsed.Example.com' });
        client.on('error', () => undefined);
      });
    });
    // THEN the name is read (lowercase); a prefix is incomplete; HTTP is not TLS
    expect(parseClientHello(hello)).toStrictEqual({ kind: 'hello', serverName: 'parsed.example.com' });
    expect(parseClientHello(hello.subarray(0, 40))).toStrictEqual({ kind: 'incomplete' });
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ kind: 'not-tls' });
  });
});

describe('TLSRoute reload', () => {
  test('a reload that moves a hostname to another backend applies to new connections on the same socket', async () => {
    // GIVEN a Passthrough listener whose TLSRoute sends moving.test to backend one
    const pair = await certificate('*.test');
    const [one, two] = await Promise.all([startTlsBackend(pair), startTlsBackend(pair)]);
    const docs = (target: string) => [
      gatewayDoc([{ name: 'passthrough', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }]),
      tlsRoute('moving', ['moving.test'], [{ name: target }]),
    ];
    const backends = { [`${NS}/one:8443`]: `127.0.0.1:${one.port}`, [`${NS}/two:8443`]: `127.0.0.1:${two.port}` };
    const gw = await startGateway(docs('one'), backends);
    try {
      const before = gw.port(443);
      expect((await get(before, 'moving.test')).status).toBe(200);
      // WHEN the route is changed to backend two and the gateway reloads
      writeYaml(path.join(gw.dir, 'routes.yaml'), docs('two'));
      await gw.server.reload();
      expect((await get(gw.port(443), 'moving.test')).status).toBe(200);
      // THEN the socket was kept and the second connection went to backend two
      expect(gw.port(443)).toBe(before);
      expect([one.seen.length, two.seen.length]).toStrictEqual([1, 1]);
    } finally {
      await gw.close();
      await Promise.all([one.close(), two.close()]);
    }
  }, 30_000);
});

describe('HTTPS and TLS listeners on one port', () => {
  test('the most specific listener hostname takes the connection: TLS passthrough for its name, HTTPS for the others', async () => {
    // GIVEN port 443 with an HTTPS listener for any name (an HTTPRoute to a cleartext backend) and a Passthrough
    // listener for db.example.com (a TLSRoute to a TLS backend)
    const [serving, db] = await Promise.all([certificate('www.example.com'), certificate('db.example.com')]);
    const dbBackend = await startTlsBackend(db);
    const web = await startBackend('web');
    const gw = await startGateway([
      gatewayDoc([
        { name: 'web', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'serving' }] } },
        { name: 'db', port: 443, protocol: 'TLS', hostname: 'db.example.com', tls: { mode: 'Passthrough' } },
      ]),
      tlsSecret('serving', serving),
      tlsRoute('db', [], [{ name: 'db' }], 'db'),
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'web', namespace: NS },
        spec: { parentRefs: [{ name: 'same-namespace', sectionName: 'web' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
      },
    ], { [`${NS}/db:8443`]: `127.0.0.1:${dbBackend.port}`, [`${NS}/web:8080`]: web.address });
    try {
      // WHEN clients connect with each name, verifying the certificate they expect
      const viaTls = await get(gw.port(443), 'db.example.com', db.cert);
      const viaHttps = await get(gw.port(443), 'www.example.com', serving.cert);
      // THEN db.example.com reached the TLS backend untouched, www.example.com the gateway's HTTPS listener
      expect(viaTls).toMatchObject({ status: 200, cn: 'db.example.com' });
      expect(viaHttps).toMatchObject({ status: 200, cn: 'www.example.com' });
      expect(JSON.parse(viaHttps.body!).backend).toBe('web');
      // AND HTTP/2 (ALPN h2) is served through the same front socket
      const h2Status = await new Promise<number>((resolve, reject) => {
        const session = http2.connect(`https://127.0.0.1:${gw.port(443)}`, { servername: 'www.example.com', ca: serving.cert });
        session.on('error', reject);
        const stream = session.request({ ':path': '/', ':authority': 'www.example.com' });
        stream.on('response', (h) => {
          stream.resume();
          stream.on('end', () => {
            session.close();
            resolve(Number(h[':status']));
          });
        });
        stream.on('error', reject);
        stream.end();
      });
      expect(h2Status).toBe(200);
    } finally {
      await gw.close();
      await Promise.all([dbBackend.close(), web.close()]);
    }
  }, 30_000);
});
