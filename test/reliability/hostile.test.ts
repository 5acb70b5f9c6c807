/**
 * Hostile requests over raw sockets: smuggling shapes, oversized heads, invalid characters, unusual
 * request-target forms and path tricks. The invariant behind every case: a backend only ever receives
 * paths that the route which chose it matches, and it receives exactly the path the router matched.
 */
import * as http2 from 'http2';
import { RawAnswer, get, rawRequest } from './helpers';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, routeDoc, startBackend, startGateway } from '../dataplane/proxy/helpers';

let pub: Backend;
let admin: Backend;
let health: Backend;
let gw: StartedGateway;

beforeAll(async () => {
  pub = await startBackend('public');
  admin = await startBackend('admin');
  health = await startBackend('health');
  gw = await startGateway([
    gatewayDoc(),
    routeDoc('public', [{ matches: [{ path: { type: 'PathPrefix', value: '/public' } }], backendRefs: [backendRef('public')] }]),
    routeDoc('admin', [{ matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [backendRef('admin')] }]),
    routeDoc('health', [{ matches: [{ path: { type: 'Exact', value: '/public/health' } }], backendRefs: [backendRef('health')] }]),
  ], {
    [`${NS}/public:8080`]: pub.address,
    [`${NS}/admin:8080`]: admin.address,
    [`${NS}/health:8080`]: health.address,
  }, { limits: { maxUriBytes: 2048 } });
});

afterAll(async () => {
  // THEN (for every test of the file) each backend only ever received paths its own route matches
  const pathOf = (uri: string) => uri.split('?')[0];
  for (const r of pub.seen) expect(pathOf(r.path)).toMatch(/^\/public(\/.*)?$/);
  for (const r of admin.seen) expect(pathOf(r.path)).toMatch(/^\/admin(\/.*)?$/);
  for (const r of health.seen) expect(pathOf(r.path)).toBe('/public/health');
  await gw?.close();
  await pub?.close();
  await admin?.close();
  await health?.close();
});

function served(a: RawAnswer): { backend: string; path: string } | undefined {
  if (a.status !== 200) return undefined;
  const j = JSON.parse(a.body);
  return { backend: j.backend, path: j.path };
}

describe('path tricks: the path the router matches is the path the backend receives', () => {
  test.each([
    ['/public/../admin/x', 'admin', '/admin/x'],
    ['/public/%2e%2e/admin/x', 'admin', '/admin/x'],
    ['/public/%2E%2E/admin', 'admin', '/admin'],
    ['/public/.%2e/admin', 'admin', '/admin'],
    ['/public/x/../../admin', 'admin', '/admin'],
    ['/admin/../public/health', 'health', '/public/health'],
    ['/public/./health', 'health', '/public/health'],
    ['//admin/x', 'admin', '/admin/x'],
    ['/public//health', 'health', '/public/health'],
    ['///public///x//', 'public', '/public/x/'],
    ['/public/%41%7e', 'public', '/public/A~'],
    ['/public/caf%c3%a9', 'public', '/public/caf%c3%a9'],
    ['/public/x/.', 'public', '/public/x/'],
    ['/../../public', 'public', '/public'],
    ['/public?next=../admin', 'public', '/public?next=../admin'],
    ['/public/a%20b', 'public', '/public/a%20b'],
  ])('GIVEN %s WHEN sent THEN %s answers and receives %s', async (target, backend, path) => {
    const a = await rawRequest(gw.port(), get(target));
    expect(served(a)).toStrictEqual({ backend, path });
  });

  test.each([
    ['/public%2Fadmin', /encoded '\/' \(%2F\)/],
    ['/public%2fadmin', /encoded '\/' \(%2f\)/],
    ['/public/%5C..%5Cadmin', /encoded '\\' \(%5C\)/],
    ['/public\\..\\admin', /contains '\\', which must be percent-encoded/],
    ['/public/..;/admin', /dot-segment with parameters/],
    ['/public/.;x/admin', /dot-segment with parameters/],
    ['/public/%00', /encoded control character \(%00\)/],
    ['/public/%0d%0aX-Injected:%201', /encoded control character \(%0d\)/],
    ['/public/%zz', /invalid percent-encoding at "%zz"/],
    ['/public/%4', /invalid percent-encoding at "%4"/],
    ['/public?a=%g1', /query has an invalid percent-encoding/],
    ['/public/x#frag', /contains '#'/],
    ['*', /"\*" is only allowed with OPTIONS/],
    ['ftp://example.com/public', /must use http or https/],
    ['http://user@example.com/public', /userinfo/],
  ])('fails %s with 400', async (target, message) => {
    const a = await rawRequest(gw.port(), get(target));
    expect(a.status).toBe(400);
    expect(a.body).toMatch(message);
  });

  test('paths are case-sensitive: /PUBLIC is not /public', async () => {
    expect((await rawRequest(gw.port(), get('/PUBLIC/x'))).status).toBe(404);
  });

  test('absolute-form: the authority replaces Host and the path is normalized like any other', async () => {
    const a = await rawRequest(gw.port(), get('http://other.example/public/../admin/y', 'example.com'));
    expect(served(a)).toStrictEqual({ backend: 'admin', path: '/admin/y' });
    expect(JSON.parse(a.body).host).toBe('other.example');
  });

  test('OPTIONS * is answered by the gateway, never routed', async () => {
    const before = pub.seen.length + admin.seen.length + health.seen.length;
    const a = await rawRequest(gw.port(), 'OPTIONS * HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    expect(a.status).toBe(200);
    expect(a.headers['content-length']).toBe('0');
    expect(pub.seen.length + admin.seen.length + health.seen.length).toBe(before);
  });

  test('fails CONNECT with 405 (no tunnels)', async () => {
    const a = await rawRequest(gw.port(), 'CONNECT admin.internal:443 HTTP/1.1\r\nHost: admin.internal:443\r\n\r\n');
    expect(a.status).toBe(405);
    expect(a.body).toMatch(/CONNECT is not supported: this gateway does not open tunnels/);
    expect(a.closed).toBe(true);
  });

  test('HTTP/2: the same policy applies to :path', async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    try {
      const ask = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
        const s = session.request({ ':path': path, ':authority': 'example.com' });
        let status = 0;
        let body = '';
        s.on('response', (h) => {
          status = Number(h[':status']);
        });
        s.on('data', (c) => {
          body += c;
        });
        s.on('end', () => resolve({ status, body }));
        s.on('error', reject);
        s.end();
      });
      const up = await ask('/public/%2e%2e/admin/h2');
      expect(up.status).toBe(200);
      expect(JSON.parse(up.body)).toMatchObject({ backend: 'admin', path: '/admin/h2' });
      const slash = await ask('/public%2Fadmin');
      expect(slash.status).toBe(400);
      expect(slash.body).toMatch(/encoded '\/'/);
      const backslash = await ask('/public\\admin');
      expect(backslash.status).toBe(400);
      expect((await ask('//admin//h2')).body).toMatch(/"path":"\/admin\/h2"/);
    } finally {
      session.close();
    }
  });
});

describe('smuggling shapes are refused before any backend sees them', () => {
  const smuggled = 'GET /admin/smuggled HTTP/1.1\r\nHost: example.com\r\n\r\n';
  test.each([
    ['Content-Length with Transfer-Encoding', `POST /public HTTP/1.1\r\nHost: example.com\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
    ['Transfer-Encoding with Content-Length', `POST /public HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n${smuggled}`],
    ['duplicate Content-Length (different)', `POST /public HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nContent-Length: 45\r\n\r\n${smuggled}`],
    ['duplicate Content-Length (same)', `POST /public HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc${smuggled}`],
    ['Content-Length list', `POST /public HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3, 3\r\n\r\nabc${smuggled}`],
    ['signed Content-Length', `POST /public HTTP/1.1\r\nHost: example.com\r\nContent-Length: +3\r\n\r\nabc${smuggled}`],
    ['obs-fold', `GET /public HTTP/1.1\r\nHost: example.com\r\nX-A: b\r\n Transfer-Encoding: chunked\r\n\r\n${smuggled}`],
    ['bare LF line endings', `GET /public HTTP/1.1\nHost: example.com\n\n${smuggled}`],
    ['bare LF in one header line', `GET /public HTTP/1.1\r\nHost: example.com\nX-A: b\r\n\r\n${smuggled}`],
    ['bare CR', `GET /public HTTP/1.1\r\nHost: example.com\rX-A: b\r\n\r\n${smuggled}`],
    ['Transfer-Encoding not ending in chunked', `POST /public HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggled}`],
    ['duplicate Transfer-Encoding', `POST /public HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
    ['space before the colon', `POST /public HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\nabc${smuggled}`],
    ['control character in a header value', `GET /public HTTP/1.1\r\nHost: example.com\r\nX-A: a\x01b\r\n\r\n${smuggled}`],
    ['NUL in a header value', `GET /public HTTP/1.1\r\nHost: example.com\r\nX-A: a\x00b\r\n\r\n${smuggled}`],
    ['space in a header name', `GET /public HTTP/1.1\r\nHost: example.com\r\nX A: b\r\n\r\n${smuggled}`],
    ['NUL in the request-target', `GET /public/\x00/x HTTP/1.1\r\nHost: example.com\r\n\r\n${smuggled}`],
    ['control character in the request-target', `GET /public/\x01 HTTP/1.1\r\nHost: example.com\r\n\r\n${smuggled}`],
    ['bad chunk size', `POST /public/chunk HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n${smuggled}`],
    ['unknown HTTP version', `GET /public HTTP/1.2\r\nHost: example.com\r\n\r\n${smuggled}`],
  ])('%s: 400, the connection is closed, the smuggled request never arrives', async (_name, bytes) => {
    const before = admin.seen.length;
    const a = await rawRequest(gw.port(), bytes, { waitMs: 3_000 });
    // The first (and only) answer is 400, except a chunked body whose framing breaks after the head was
    // routed: then the request is cut off upstream and the client gets no complete answer.
    expect(a.statuses.filter((s) => s !== 400)).toStrictEqual([]);
    expect(a.closed).toBe(true);
    expect(admin.seen.slice(before).map((r) => r.path)).toStrictEqual([]);
  });

  test('Transfer-Encoding: xchunked is refused with a message', async () => {
    const a = await rawRequest(gw.port(), `POST /public HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${smuggled}`);
    expect(a.statuses).toStrictEqual([400]);
    expect(a.body).toMatch(/transfer-encoding "xchunked" is not supported \(only "chunked"\)/);
    expect(a.closed).toBe(true);
  });

  test('fails two Host headers with 400', async () => {
    const a = await rawRequest(gw.port(), 'GET /public HTTP/1.1\r\nHost: example.com\r\nHost: admin.internal\r\n\r\n');
    expect(a.status).toBe(400);
    expect(a.body).toMatch(/more than one Host header/);
  });

  test.each([
    ['a b.example.com', /is not a valid host\[:port\]/],
    ['evil.example@example.com', /contains userinfo/],
    ['example.com/admin', /is not a valid host\[:port\]/],
  ])('fails Host %j with 400', async (host, message) => {
    const a = await rawRequest(gw.port(), get('/public', host));
    expect(a.status).toBe(400);
    expect(a.body).toMatch(message);
  });

  test('fails an HTTP/1.1 request without Host with 400', async () => {
    const a = await rawRequest(gw.port(), 'GET /public HTTP/1.1\r\n\r\n');
    expect(a.status).toBe(400);
  });

  test('a well-formed pipeline is answered in order, each request by its own route', async () => {
    const a = await rawRequest(gw.port(), [
      'GET /public/1 HTTP/1.1\r\nHost: example.com\r\n\r\n',
      'POST /admin/2 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello',
      'GET /public/health HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n',
    ].join(''), { untilResponses: 3 });
    expect(a.statuses).toStrictEqual([200, 200, 200]);
    expect([...a.raw.matchAll(/"backend":"(\w+)"/g)].map((m) => m[1])).toStrictEqual(['public', 'admin', 'health']);
  });
});

describe('oversized request heads', () => {
  test('a request-target over --max-uri-length gets 414', async () => {
    const a = await rawRequest(gw.port(), get(`/public/${'a'.repeat(3000)}`));
    expect(a.status).toBe(414);
    expect(a.body).toMatch(/request-target is 3008 bytes long, more than the limit of 2048/);
  });

  test('a request line over the header limit gets 414 and the connection is closed', async () => {
    const a = await rawRequest(gw.port(), get(`/public/${'a'.repeat(20_000)}`));
    expect(a.status).toBe(414);
    expect(a.body).toMatch(/request line is longer than 2048 bytes/);
    expect(a.closed).toBe(true);
  });

  test('headers over the header limit get 431 and the connection is closed', async () => {
    const a = await rawRequest(gw.port(), get('/public', 'example.com', `X-Big: ${'b'.repeat(20_000)}\r\n`));
    expect(a.status).toBe(431);
    expect(a.body).toMatch(/request head is larger than 16384 bytes/);
    expect(a.closed).toBe(true);
  });

  test('many small headers over the limit get 431', async () => {
    const many = Array.from({ length: 800 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('');
    const a = await rawRequest(gw.port(), get('/public', 'example.com', many));
    expect(a.status).toBe(431);
  });

  test('a head just under the limits is served', async () => {
    const a = await rawRequest(gw.port(), get(`/public/${'a'.repeat(1500)}`, 'example.com', `X-Big: ${'b'.repeat(12_000)}\r\n`));
    expect(a.status).toBe(200);
  });
});
