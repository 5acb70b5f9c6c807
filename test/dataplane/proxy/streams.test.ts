import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, requestH2, routeDoc, startBackend, startGateway, until } from './helpers';

function service(name: string, appProtocol?: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { ports: [{ port: 8080, ...(appProtocol ? { appProtocol } : {}) }] },
  };
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('HTTP/2 backends, request bodies, draining', () => {
  let h2Backend: http2.Http2Server;
  let h2Seen: { path: string; authority: string; body: string; proto: string; host?: string }[];
  let h2Cancelled: string[];
  let echo: Backend;
  let mirror: Backend;
  let gw: StartedGateway;

  beforeAll(async () => {
    h2Seen = [];
    h2Cancelled = [];
    h2Backend = http2.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        h2Seen.push({ path: req.url, authority: req.authority, body, proto: `${req.httpVersion}`, host: req.headers.host });
        if (req.url.startsWith('/h2c/hang')) {
          req.stream.on('close', () => h2Cancelled.push(req.url));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain', 'x-from': 'h2c' });
        res.end(`h2 ${req.url}`);
      });
    });
    await new Promise<void>((r) => h2Backend.listen(0, '127.0.0.1', r));
    echo = await startBackend('echo');
    mirror = await startBackend('mirror');
    const docs = [
      gatewayDoc(),
      service('h2c-backend', 'kubernetes.io/h2c'),
      service('echo'),
      service('mirror'),
      service('h2c-refused', 'kubernetes.io/h2c'),
      routeDoc('r', [
        { matches: [{ path: { type: 'PathPrefix', value: '/refused-h2c' } }], backendRefs: [backendRef('h2c-refused')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/h2c' } }], backendRefs: [backendRef('h2c-backend')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/upload' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 8080 } } }], backendRefs: [backendRef('echo')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backendRef('echo')] },
      ]),
    ];
    gw = await startGateway(docs, {
      [`${NS}/h2c-backend:8080`]: `127.0.0.1:${(h2Backend.address() as net.AddressInfo).port}`,
      [`${NS}/echo:8080`]: echo.address,
      [`${NS}/mirror:8080`]: mirror.address,
      [`${NS}/h2c-refused:8080`]: `127.0.0.1:${await closedPort()}`,
    });
  });

  afterAll(async () => {
    await gw?.close();
    await echo?.close();
    await mirror?.close();
    await new Promise<void>((r) => h2Backend.close(() => r()));
  });

  test('a Service port with appProtocol kubernetes.io/h2c is reached over cleartext HTTP/2, from HTTP/1.1 and HTTP/2 clients', async () => {
    const one = await request(gw.port(), { path: '/h2c/one', host: 'example.com' });
    expect([one.status, one.body, one.headers['x-from']]).toEqual([200, 'h2 /h2c/one', 'h2c']);
    const two = await requestH2(gw.port(), { path: '/h2c/two', authority: 'example.com' });
    expect([two.status, two.body]).toEqual([200, 'h2 /h2c/two']);
    expect(h2Seen.map((s) => [s.path, s.authority, s.proto])).toEqual([['/h2c/one', 'example.com', '2.0'], ['/h2c/two', 'example.com', '2.0']]);
  });

  test('an unreachable h2c backend answers 503; an h2c backend gets :authority and no Host header', async () => {
    const res = await request(gw.port(), { path: '/refused-h2c', host: 'example.com' });
    expect([res.status, res.body]).toEqual([503, 'the backend is unreachable\n']);
    const seen = await requestH2(gw.port(), { path: '/h2c/authority', authority: 'example.com', headers: { host: 'example.com' } });
    expect(seen.status).toBe(200);
    expect(h2Seen.find((r) => r.path === '/h2c/authority')).toMatchObject({ authority: 'example.com', host: undefined });
  });

  test('Expect: 100-continue is answered by the gateway and not forwarded', async () => {
    const res = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port(), method: 'POST', path: '/expect', headers: { 'host': 'example.com', 'expect': '100-continue', 'content-length': '5' }, agent: false });
      let continued = false;
      req.on('continue', () => {
        continued = true;
        req.end('hello');
      });
      req.on('error', reject);
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body, continued }));
      });
    });
    expect(res).toMatchObject({ status: 200, continued: true });
    expect(JSON.parse(res.body)).toMatchObject({ body: 'hello' });
    expect(JSON.parse(res.body).headers.expect).toBeUndefined();
  });

  test('an HTTP/2 client that cancels its stream cancels the upstream HTTP/2 stream', async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    const stream = session.request({ ':path': '/h2c/hang', ':authority': 'example.com' });
    stream.on('error', () => undefined);
    stream.end();
    await until(() => h2Seen.some((s) => s.path === '/h2c/hang'));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await until(() => h2Cancelled.includes('/h2c/hang'));
    session.close();
  });

  test('a large request body streams to the backend; a mirror skips bodies too large to buffer', async () => {
    const big = Buffer.alloc(1024 * 1024, 'a');
    const res = await request(gw.port(), { method: 'POST', path: '/upload/big', host: 'example.com', body: big, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(res.json().body.length).toBe(big.length);
    const small = await request(gw.port(), { method: 'POST', path: '/upload/small', host: 'example.com', body: 'tiny' });
    expect(small.status).toBe(200);
    await until(() => mirror.seen.some((r) => r.path === '/upload/small' && r.body === 'tiny'));
    expect(mirror.seen.some((r) => r.path === '/upload/big')).toBe(false);
    expect(await gw.server.metrics.registry.getSingleMetricAsString('gateway_mirror_requests_total')).toMatch(/result="skipped"\} 1/);
  });

  test('a chunked request body without content-length streams through', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port(), method: 'PUT', path: '/chunked', headers: { host: 'example.com' }, agent: false });
      req.on('error', reject);
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      });
      req.write('part1-');
      setTimeout(() => req.end('part2'), 20);
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).body).toBe('part1-part2');
  });
});

describe('graceful stop', () => {
  test('idle keep-alive connections are closed, a request in flight finishes with Connection: close', async () => {
    const slow = await startBackend('slow', (_req, res) => {
      setTimeout(() => res.end('late'), 300);
      return true;
    });
    const gw = await startGateway([gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('slow')] }])], { [`${NS}/slow:8080`]: slow.address });
    try {
      const port = gw.port();
      const idle = new http.Agent({ keepAlive: true, maxSockets: 1 });
      await request(gw.port(), { path: '/warm', host: 'example.com', agent: idle });
      const idleSockets = Object.values(idle.freeSockets).flat() as net.Socket[];
      expect(idleSockets.length).toBe(1);
      const idleClosed = new Promise((r) => idleSockets[0].once('close', r));
      const inFlight = request(gw.port(), { path: '/busy', host: 'example.com', agent: new http.Agent({ keepAlive: true }) });
      await until(() => slow.seen.some((r) => r.path === '/busy'));
      const stopped = gw.server.stop(5_000);
      const res = await inFlight;
      expect([res.status, res.body, res.headers.connection]).toEqual([200, 'late', 'close']);
      await idleClosed;
      await stopped;
      await expect(request(port, { path: '/after', host: 'example.com', timeoutMs: 1_000 })).rejects.toThrow(/ECONNREFUSED/);
      idle.destroy();
    } finally {
      await gw.close();
      await slow.close();
    }
  });
});
