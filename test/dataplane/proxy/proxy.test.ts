import * as http from 'http';
import * as net from 'net';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, requestH2, routeDoc, startBackend, startGateway, until } from './helpers';

const prefix = (value: string) => [{ path: { type: 'PathPrefix', value } }];

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('proxy over real sockets', () => {
  let v1: Backend;
  let v2: Backend;
  let slow: Backend;
  let flaky: Backend;
  let broken: Backend;
  let silent: Backend;
  let garbage: net.Server;
  let garbagePort: number;
  let gw: StartedGateway;
  const flakyCount = new Map<string, number>();

  beforeAll(async () => {
    v1 = await startBackend('infra-backend-v1', (req, res) => {
      if (req.url === '/response-headers') {
        res.writeHead(200, { 'x-header-set': 'original', 'x-header-remove': 'gone', 'x-header-add': 'first', 'connection': 'x-hop', 'x-hop': 'h', 'content-length': '2' });
        res.end('ok');
        return true;
      }
      return false;
    });
    v2 = await startBackend('infra-backend-v2');
    slow = await startBackend('slow', (req, res) => {
      const delay = Number(new URL(req.url!, 'http://x').searchParams.get('delay') ?? '0');
      if (req.url!.includes('dribble')) res.writeHead(200, { 'content-type': 'text/plain' }).write('first part;');
      const t = setTimeout(() => res.end('slow done'), delay);
      res.on('close', () => clearTimeout(t));
      return true;
    });
    flaky = await startBackend('flaky', (req, res) => {
      const u = new URL(req.url!, 'http://x');
      const id = u.searchParams.get('id')!;
      const failures = Number(u.searchParams.get('fail') ?? '0');
      const n = (flakyCount.get(id) ?? 0) + 1;
      flakyCount.set(id, n);
      if (n <= failures) {
        if (u.searchParams.get('mode') === 'reset') {
          req.socket.destroy();
        } else {
          res.writeHead(Number(u.searchParams.get('code') ?? '500'));
          res.end('failed');
        }
        return true;
      }
      return false;
    });
    broken = await startBackend('broken', (req, res) => {
      if (req.url!.endsWith('/before-headers')) {
        req.socket.destroy();
      } else {
        res.writeHead(200, { 'content-length': '100000' });
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 20);
      }
      return true;
    });
    silent = await startBackend('silent-mirror', () => true); // never answers
    garbage = net.createServer((s) => {
      s.on('data', () => s.end('this is not http\r\n\r\n'));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    garbagePort = (garbage.address() as net.AddressInfo).port;
    const refused = await closedPort();

    const docs = [
      gatewayDoc(),
      routeDoc('basic', [
        { matches: prefix('/echo'), backendRefs: [backendRef('infra-backend-v1')] },
        { matches: prefix('/response-headers'), backendRefs: [backendRef('infra-backend-v1')], filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'set' }], add: [{ name: 'X-Header-Add', value: 'second' }], remove: ['X-Header-Remove'] } }] },
        {
          matches: prefix('/modify'),
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'set-overwrites-values' }], add: [{ name: 'X-Header-Add-Append', value: 'header-val-2' }], remove: ['X-Header-Remove'] } }],
          backendRefs: [backendRef('infra-backend-v1', { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'backend-wins' }] } }] })],
        },
        { matches: prefix('/prefix/one'), filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one' } } }], backendRefs: [backendRef('infra-backend-v1')] },
        { matches: prefix('/strip-prefix'), filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'rewritten.example.org', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }], backendRefs: [backendRef('infra-backend-v1')] },
        { matches: prefix('/full'), filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/one' } } }], backendRefs: [backendRef('infra-backend-v1')] },
        { matches: prefix('/weights'), backendRefs: [backendRef('infra-backend-v1', { weight: 1 }), backendRef('infra-backend-v2', { weight: 0 })] },
        { matches: prefix('/no-backends') },
        { matches: prefix('/zero-weight'), backendRefs: [backendRef('infra-backend-v1', { weight: 0 })] },
        { matches: prefix('/missing'), backendRefs: [backendRef('does-not-exist')] },
        { matches: prefix('/unknown-kind'), backendRefs: [{ group: 'unknown.example.com', kind: 'Widget', name: 'w', port: 8080 }] },
        { matches: prefix('/refused'), backendRefs: [backendRef('refused')] },
        { matches: prefix('/garbage'), backendRefs: [backendRef('garbage')] },
        { matches: prefix('/broken'), backendRefs: [backendRef('broken')] },
        { matches: prefix('/slow'), backendRefs: [backendRef('slow')] },
        { matches: prefix('/request-timeout'), timeouts: { request: '200ms' }, backendRefs: [backendRef('slow')] },
        { matches: prefix('/backend-timeout'), timeouts: { backendRequest: '200ms' }, backendRefs: [backendRef('slow')] },
        { matches: prefix('/disabled-timeout'), timeouts: { request: '0s' }, backendRefs: [backendRef('slow')] },
        { matches: prefix('/mirror'), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'silent-mirror', port: 8080 } } }, { type: 'RequestMirror', requestMirror: { backendRef: { name: 'infra-backend-v2', port: 8080 } } }], backendRefs: [backendRef('infra-backend-v1')] },
        { matches: prefix('/retry-500'), retry: { codes: [500], attempts: 3 }, backendRefs: [backendRef('flaky')] },
        { matches: prefix('/retry-all'), retry: { codes: [500, 502, 503, 504], attempts: 2 }, backendRefs: [backendRef('flaky')] },
        { matches: prefix('/unsupported'), filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Thing', name: 'x' } }], backendRefs: [backendRef('infra-backend-v1')] },
      ]),
      routeDoc('redirects', [
        { matches: prefix('/redirect/host'), filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org' } }] },
        { matches: prefix('/redirect/scheme'), filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
        { matches: prefix('/redirect/port'), filters: [{ type: 'RequestRedirect', requestRedirect: { port: 8083 } }] },
        { matches: prefix('/redirect/prefix'), filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/replacement-prefix' }, statusCode: 308 } }] },
        { matches: prefix('/redirect/full'), filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/full-path-replacement' }, statusCode: 303 } }] },
      ]),
      routeDoc('cors', [
        { matches: prefix('/cors-1'), filters: [{ type: 'CORS', cors: { allowOrigins: ['https://www.foo.com', 'https://*.bar.com'], allowMethods: ['GET', 'OPTIONS'], allowHeaders: ['x-header-1', 'x-header-2'], exposeHeaders: ['x-header-3'], allowCredentials: true, maxAge: 3600 } }], backendRefs: [backendRef('infra-backend-v1')] },
        { matches: prefix('/cors-wildcard'), filters: [{ type: 'CORS', cors: { allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] } }], backendRefs: [backendRef('infra-backend-v1')] },
      ]),
    ];
    const backends: Record<string, string | string[]> = {};
    for (const b of [v1, v2, slow, flaky, broken, silent]) backends[`${NS}/${b.name}:8080`] = b.address;
    backends[`${NS}/refused:8080`] = `127.0.0.1:${refused}`;
    backends[`${NS}/garbage:8080`] = `127.0.0.1:${garbagePort}`;
    gw = await startGateway(docs, backends, { random: seeded(42) });
  });

  /** gateway_upstream_errors_total{kind="upstream-reset"} */
  const upstreamResets = async () => {
    const m = (await gw.server.metrics.upstreamErrors.get()).values.find((v) => v.labels.kind === 'upstream-reset');
    return m?.value ?? 0;
  };

  afterAll(async () => {
    await gw?.close();
    await Promise.all([v1, v2, slow, flaky, broken, silent].map((b) => b?.close()));
    await new Promise<void>((r) => garbage.close(() => r()));
  });

  test('HTTP/1.1 keep-alive: two requests through one client connection reuse one upstream connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = v1.seen.length;
    const a = await request(gw.port(), { path: '/echo/a', host: 'example.com', agent });
    const b = await request(gw.port(), { path: '/echo/b', host: 'example.com', agent });
    agent.destroy();
    expect([a.status, b.status]).toEqual([200, 200]);
    const seen = v1.seen.slice(before);
    expect(seen.map((r) => r.path)).toEqual(['/echo/a', '/echo/b']);
    // the gateway's pool kept the upstream connection of the first request and sent the second on it
    expect(seen[1].remotePort).toBe(seen[0].remotePort);
  });

  test('an absolute-form request-target names the authority', async () => {
    const sock = net.connect(gw.port(), '127.0.0.1');
    sock.write('GET http://absolute.example.com/echo/abs?x=1 HTTP/1.1\r\nhost: ignored.example.com\r\nconnection: close\r\n\r\n');
    let raw = '';
    sock.on('data', (c) => (raw += c));
    await new Promise((r) => sock.on('close', r));
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ path: '/echo/abs?x=1', host: 'absolute.example.com' });
  });

  test('HTTP/2 prior knowledge on the same port as HTTP/1.1', async () => {
    const res = await requestH2(gw.port(), { path: '/echo/h2', authority: 'example.com' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ path: '/echo/h2', host: 'example.com', method: 'GET' });
  });

  test('hop-by-hop headers are stripped and X-Forwarded-* set', async () => {
    const res = await request(gw.port(), {
      path: '/echo/hop',
      host: 'example.com:80',
      headers: { 'connection': 'close, x-custom-hop', 'x-custom-hop': '1', 'keep-alive': 'timeout=5', 'proxy-connection': 'keep-alive', 'te': 'gzip', 'x-forwarded-for': '10.0.0.1', 'x-keep': 'yes' },
    });
    const seen = res.json();
    expect(seen.headers['x-custom-hop']).toBeUndefined();
    expect(seen.headers['keep-alive']).toBeUndefined();
    expect(seen.headers['proxy-connection']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
    expect(seen.headers['x-keep']).toBe('yes');
    expect(seen.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('example.com:80');
    expect(seen.host).toBe('example.com:80');
  });

  describe('x-request-id and the access log', () => {
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const entryFor = async (path: string) => {
      await until(() => gw.access.some((e) => e.path === path));
      return gw.access.find((e) => e.path === path)!;
    };

    test('a request without one gets a new UUID, which the backend receives and the access log records with the client, user agent, route, rule, backend, status and duration', async () => {
      // WHEN a client sends no x-request-id
      const res = await request(gw.port(), { path: '/echo/rid-new', host: 'example.com', headers: { 'user-agent': 'probe/1.0' } });
      // THEN the backend sees a fresh UUID, and the access log line carries the same ID and the request's facts
      const id = res.json().headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect(await entryFor('/echo/rid-new')).toMatchObject({
        requestId: id,
        client: '127.0.0.1',
        userAgent: 'probe/1.0',
        route: `${NS}/basic`,
        rule: '0',
        backend: `${NS}/infra-backend-v1:8080`,
        status: 200,
        durationMs: expect.any(Number),
      });
    });

    test('a valid x-request-id from the client is kept, over HTTP/1.1 and HTTP/2', async () => {
      const h1 = await request(gw.port(), { path: '/echo/rid-keep', host: 'example.com', headers: { 'x-request-id': '01HZX3V6Q2J8-trace:7f/ab=' } });
      expect(h1.json().headers['x-request-id']).toBe('01HZX3V6Q2J8-trace:7f/ab=');
      expect((await entryFor('/echo/rid-keep')).requestId).toBe('01HZX3V6Q2J8-trace:7f/ab=');
      const h2 = await requestH2(gw.port(), { path: '/echo/rid-keep-h2', authority: 'example.com', headers: { 'x-request-id': 'abc-123' } });
      expect(h2.json().headers['x-request-id']).toBe('abc-123');
      expect((await entryFor('/echo/rid-keep-h2')).requestId).toBe('abc-123');
    });

    test.each([
      ['with a space (log forging)', 'abc def'],
      ['longer than 128 characters', 'a'.repeat(129)],
      ['with a quote', 'abc"def'],
    ])('an x-request-id %s is replaced by a new UUID', async (_what, sent) => {
      const path = `/echo/rid-bad-${sent.length}-${sent.charCodeAt(3)}`;
      const res = await request(gw.port(), { path, host: 'example.com', headers: { 'x-request-id': sent } });
      const id = res.json().headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect((await entryFor(path)).requestId).toBe(id);
    });

    test('two x-request-id lines are replaced by one new UUID', async () => {
      const res = await request(gw.port(), { path: '/echo/rid-two', host: 'example.com', headers: { 'x-request-id': ['one', 'two'] } });
      expect(res.json().headers['x-request-id']).toMatch(UUID);
    });

    test('a request the gateway answers itself (404) is logged with its request ID', async () => {
      const res = await request(gw.port(), { path: '/nowhere/rid', host: 'example.com', headers: { 'x-request-id': 'rid-404' } });
      expect(res.status).toBe(404);
      expect(await entryFor('/nowhere/rid')).toMatchObject({ requestId: 'rid-404', status: 404, client: '127.0.0.1' });
    });
  });

  test('RequestHeaderModifier: set replaces, add appends a second value, remove deletes; backendRef filters apply after rule filters', async () => {
    const res = await request(gw.port(), {
      path: '/modify',
      host: 'example.com',
      headers: { 'x-header-set': 'original', 'X-Header-Add-Append': 'append-val-1', 'x-header-remove': 'bye' },
    });
    const seen = res.json();
    expect(seen.headers['x-header-add-append']).toBe('append-val-1,header-val-2');
    expect(seen.headers['x-header-remove']).toBeUndefined();
    expect(seen.headers['x-header-set']).toBe('backend-wins');
  });

  test('ResponseHeaderModifier on backend response headers, hop-by-hop response headers stripped', async () => {
    const res = await request(gw.port(), { path: '/response-headers', host: 'example.com' });
    expect(res.status).toBe(200);
    expect(res.headers['x-header-set']).toBe('set');
    expect(res.headers['x-header-remove']).toBeUndefined();
    expect(res.headers['x-header-add']).toBe('first, second');
    expect(res.headers['x-hop']).toBeUndefined();
  });

  test.each([
    ['/prefix/one/two', '/one/two'],
    ['/strip-prefix/three?q=1', '/three?q=1'],
    ['/strip-prefix', '/'],
    ['/full/one/two', '/one'],
  ])('URLRewrite %s reaches the backend as %s', async (sent, expected) => {
    const res = await request(gw.port(), { path: sent, host: 'example.com' });
    expect(res.status).toBe(200);
    expect(res.json().path).toBe(expected);
  });

  test('URLRewrite hostname changes the Host the backend sees', async () => {
    const res = await request(gw.port(), { path: '/strip-prefix/x', host: 'example.com' });
    expect(res.json().host).toBe('rewritten.example.org');
  });

  test.each([
    ['/redirect/host/a?x=1', 302, 'http://example.org/redirect/host/a?x=1'],
    ['/redirect/scheme', 301, 'https://example.com/redirect/scheme'],
    ['/redirect/port', 302, 'http://example.com:8083/redirect/port'],
    ['/redirect/prefix/lemon', 308, 'http://example.com/replacement-prefix/lemon'],
    ['/redirect/full/x', 303, 'http://example.com/full-path-replacement'],
  ])('RequestRedirect %s -> %d %s', async (path, status, location) => {
    const res = await request(gw.port(), { path, host: 'example.com' });
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(location);
  });

  test('CORS preflight is answered at the gateway; simple requests get CORS headers', async () => {
    const before = v1.seen.length;
    const pre = await request(gw.port(), {
      method: 'OPTIONS',
      path: '/cors-1',
      host: 'example.com',
      headers: { 'origin': 'https://xpto.www.bar.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-header-1, x-header-2' },
    });
    expect(pre.status).toBe(200);
    expect(pre.body).toBe('');
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': 'https://xpto.www.bar.com',
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': 'x-header-1, x-header-2',
      'access-control-expose-headers': 'x-header-3',
      'access-control-max-age': '3600',
      'access-control-allow-credentials': 'true',
    });
    const denied = await request(gw.port(), { method: 'OPTIONS', path: '/cors-1', host: 'example.com', headers: { 'origin': 'https://foobar.com', 'access-control-request-method': 'GET' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    expect(v1.seen.length).toBe(before); // neither preflight reached the backend
    const wildcard = await request(gw.port(), { method: 'OPTIONS', path: '/cors-wildcard', host: 'example.com', headers: { 'origin': 'https://foobar.com:12345', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-a' } });
    expect(wildcard.headers).toMatchObject({ 'access-control-allow-origin': 'https://foobar.com:12345', 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'x-a' });
    expect(wildcard.headers['access-control-allow-credentials']).toBeUndefined();
    const simple = await request(gw.port(), { path: '/cors-1', host: 'example.com', headers: { origin: 'https://www.foo.com' } });
    expect(simple.status).toBe(200);
    expect(simple.json().headers.origin).toBe('https://www.foo.com');
    expect(simple.headers['access-control-allow-origin']).toBe('https://www.foo.com');
    const other = await request(gw.port(), { path: '/cors-1', host: 'example.com', headers: { origin: 'https://foobar.com' } });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('weights: a weight-0 backend is never picked', async () => {
    const before = v2.seen.length;
    for (let i = 0; i < 40; i++) {
      const res = await request(gw.port(), { path: '/weights', host: 'example.com' });
      expect(res.json().backend).toBe('infra-backend-v1');
    }
    expect(v2.seen.length).toBe(before);
  });

  test.each([
    ['/nothing-matches', 404, /^no route matches this request\n$/],
    ['/no-backends', 500, /^the matched rule has no usable backend\n$/],
    ['/zero-weight', 500, /^the matched rule has no usable backend\n$/],
    ['/missing', 500, /^the backend reference is invalid\n$/],
    ['/unknown-kind', 500, /^the backend reference is invalid\n$/],
    ['/unsupported', 500, /^the matched rule uses a filter this gateway does not support\n$/],
    ['/refused', 503, /^the backend is unreachable\n$/],
    ['/garbage', 502, /^the backend sent an invalid response\n$/],
    ['/broken/before-headers', 502, /^the backend closed the connection\n$/],
    ['/request-timeout?delay=1000', 504, /^the request did not complete in time\n$/],
    ['/backend-timeout?delay=1000', 504, /^the backend did not answer in time\n$/],
  ])('fails %s with %d and its catalog message', async (path, status, message) => {
    const res = await request(gw.port(), { path, host: 'example.com' });
    expect(res.status).toBe(status);
    expect(res.body).toMatch(message);
  });

  test('a backend that resets mid-response: the client sees the response cut short', async () => {
    await expect(request(gw.port(), { path: '/broken/mid', host: 'example.com' })).rejects.toThrow(/aborted|socket hang up|ECONNRESET|premature/i);
    await until(() => gw.access.some((e) => e.path === '/broken/mid'));
    expect(gw.access.find((e) => e.path === '/broken/mid')).toMatchObject({ status: 200, error: 'upstream-reset' });
  });

  test('timeouts.request and timeouts.backendRequest answer 504; 0s disables the timeout', async () => {
    expect((await request(gw.port(), { path: '/request-timeout?delay=1000', host: 'example.com' })).status).toBe(504);
    const bt = await request(gw.port(), { path: '/backend-timeout?delay=1000', host: 'example.com' });
    expect([bt.status, gw.access.find((e) => e.path.startsWith('/backend-timeout'))?.error]).toEqual([504, 'backend-timeout']);
    expect((await request(gw.port(), { path: '/request-timeout?delay=10', host: 'example.com' })).status).toBe(200);
    expect((await request(gw.port(), { path: '/disabled-timeout?delay=300', host: 'example.com' })).status).toBe(200);
  });

  test('timeouts.request also bounds a response that is still streaming: the response is cut', async () => {
    const path = '/request-timeout/dribble?delay=1500';
    const resetsBefore = await upstreamResets();
    await expect(request(gw.port(), { path, host: 'example.com' })).rejects.toThrow(/aborted|socket hang up|ECONNRESET|premature/i);
    await until(() => gw.access.some((e) => e.path === path));
    expect(gw.access.find((e) => e.path === path)).toMatchObject({ status: 200, error: 'request-timeout' });
    await until(() => slow.aborted.includes(path));
    expect(await upstreamResets()).toBe(resetsBefore);
  });

  test('client abort cancels the upstream request', async () => {
    const sock = net.connect(gw.port(), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET /slow/abort?delay=3000 HTTP/1.1\r\nhost: example.com\r\n\r\n');
    await until(() => slow.seen.some((r) => r.path === '/slow/abort?delay=3000'));
    sock.destroy();
    const resetsBefore = await upstreamResets();
    await until(() => slow.aborted.includes('/slow/abort?delay=3000'), 2_000);
    await until(() => gw.access.some((e) => e.path === '/slow/abort?delay=3000'));
    expect(gw.access.find((e) => e.path === '/slow/abort?delay=3000')).toMatchObject({ status: 499, error: 'client-closed' });
    expect(await upstreamResets()).toBe(resetsBefore); // not counted as a backend failure
  });

  test('RequestMirror: copies reach the mirrors with the same request-URI; a mirror that never answers does not delay the primary', async () => {
    const res = await request(gw.port(), { path: '/mirror?id=m1', host: 'example.com', timeoutMs: 2_000 });
    expect(res.status).toBe(200);
    expect(res.json().backend).toBe('infra-backend-v1');
    await until(() => silent.seen.some((r) => r.path === '/mirror?id=m1') && v2.seen.some((r) => r.path === '/mirror?id=m1'));
    const post = await request(gw.port(), { method: 'POST', path: '/mirror?id=m2', host: 'example.com', body: 'payload', timeoutMs: 2_000 });
    expect(post.json().body).toBe('payload');
    await until(() => v2.seen.some((r) => r.path === '/mirror?id=m2' && r.body === 'payload'));
  });

  test.each([
    ['/retry-500?id=a&fail=2', 200],
    ['/retry-500?id=b&fail=4', 500],
    ['/retry-500?id=c&fail=2&code=503', 503],
    ['/retry-all?id=d&fail=1&code=502', 200],
    ['/retry-all?id=e&fail=3&code=504', 504],
    ['/retry-all?id=f&fail=1&mode=reset', 200],
    ['/retry-all?id=g&fail=3&mode=reset', 502],
  ])('retry %s -> %d', async (path, status) => {
    const res = await request(gw.port(), { path, host: 'example.com' });
    expect(res.status).toBe(status);
  });

  test('retry replays a small request body', async () => {
    const res = await request(gw.port(), { method: 'POST', path: '/retry-500?id=body&fail=1', host: 'example.com', body: 'hello' });
    expect(res.status).toBe(200);
    expect(res.json().body).toBe('hello');
    expect(flakyCount.get('body')).toBe(2);
  });

  test('access log and metrics record each request', async () => {
    await request(gw.port(), { path: '/echo/logged', host: 'example.com' });
    const entry = gw.access.find((e) => e.path === '/echo/logged')!;
    expect(entry).toMatchObject({ gateway: `${NS}/same-namespace`, listener: 'http', method: 'GET', host: 'example.com', status: 200, route: `${NS}/basic`, rule: '0', backend: `${NS}/infra-backend-v1:8080` });
    expect(entry.upstream).toBe(v1.address);
    expect(entry.bytes).toBeGreaterThan(0);
    const text = await gw.server.metrics.registry.metrics();
    expect(text).toMatch(/gateway_requests_total\{gateway="gateway-conformance-infra\/same-namespace",route="gateway-conformance-infra\/basic",rule="0",backend="gateway-conformance-infra\/infra-backend-v1:8080",code="200"\} \d+/);
    expect(text).toMatch(/gateway_upstream_errors_total\{kind="upstream-refused"\} \d+/);
    expect(text).toMatch(/gateway_mirror_requests_total\{result="sent"\} \d+/);
  });
});

/** Park-Miller "minimal standard" PRNG in [0, 1): deterministic weighted choices. */
function seeded(seed: number): () => number {
  const M = 2147483647;
  let state = (seed % (M - 1)) + 1;
  return () => {
    state = (state * 48271) % M;
    return (state - 1) / (M - 1);
  };
}
