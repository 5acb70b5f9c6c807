/**
 * The gateway under hostile HTTP input, over raw sockets on 127.0.0.1, cleartext and TLS, HTTP/1.1 and
 * HTTP/2, against a backend that parses its requests itself (raw-backend.ts), so that every request
 * the gateway writes upstream is seen as written:
 * - no smuggling: a request body is forwarded with its framing for every method;
 * - no cross-talk: an upstream connection that sends bytes nobody asked for is closed, never reused;
 * - no replay: a request whose upstream connection dies after receiving it is not sent again;
 * - nothing read after an answer that closes the connection;
 * - protocol gaps: method case, repeated headers, header counts, versions, Upgrade tokens.
 */
import * as http2 from 'http2';
import * as tls from 'tls';
import { generate } from 'selfsigned';
import { NS, StartedGateway, gatewayDoc, routeDoc, startGateway, until } from './helpers';
import { ParsedResponse, RawBackend, RawRequest, exchangeRaw, header, parseResponses, startRawBackend } from './raw-backend';
import { h2Frame, rawH2 } from '../../reliability/helpers';

const SMUGGLED = 'GET /admin HTTP/1.1\r\nHost: internal\r\n\r\n';
const chunked = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n0\r\n\r\n`;
const FRAMED_METHODS = ['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'POST'];

let raw: RawBackend;
let gw: StartedGateway;
/** What the raw backend does with a request, by its path: set by the tests. */
const special = new Map<string, (req: RawRequest) => string | 'destroy' | 'hold' | undefined>();
let cert: string;

function setByRule(value: string) {
  return [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-rule', value }] } }];
}

beforeAll(async () => {
  raw = await startRawBackend((req) => special.get(req.target.split('?')[0])?.(req));
  const pems = await generate([{ name: 'commonName', value: 'example.org' }], { keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'example.org' }] }] } as any);
  cert = pems.cert;
  const tlsSecret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'strict-cert', namespace: NS },
    data: { 'tls.crt': Buffer.from(pems.cert).toString('base64'), 'tls.key': Buffer.from(pems.private).toString('base64') },
  };
  const backend = [{ name: 'raw', port: 8080 }];
  gw = await startGateway([
    gatewayDoc([
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
      { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ group: '', kind: 'Secret', name: 'strict-cert' }] }, allowedRoutes: { namespaces: { from: 'Same' } } },
    ]),
    tlsSecret,
    routeDoc('strict', [
      { backendRefs: backend },
      { matches: [{ path: { type: 'PathPrefix', value: '/method' }, method: 'DELETE' }], filters: setByRule('delete'), backendRefs: backend },
      { matches: [{ path: { type: 'Exact', value: '/hdr-ua' }, headers: [{ name: 'user-agent', value: 'one, two' }] }], filters: setByRule('ua'), backendRefs: backend },
      { matches: [{ path: { type: 'Exact', value: '/hdr-auth' }, headers: [{ name: 'authorization', value: 'Basic a, Basic b' }] }], filters: setByRule('auth'), backendRefs: backend },
      { matches: [{ path: { type: 'Exact', value: '/hdr-cookie' }, headers: [{ name: 'cookie', value: 'a=1; b=2' }] }], filters: setByRule('cookie'), backendRefs: backend },
      { matches: [{ path: { type: 'PathPrefix', value: '/retried' } }], retry: { codes: [502], attempts: 1 }, backendRefs: backend },
    ]),
  ], { [`${NS}/raw:8080`]: raw.address });
});

afterAll(async () => {
  await gw?.close();
  await raw?.close();
});

afterEach(() => special.clear());

/** The requests the backend saw for `target` (path and query). */
const seen = (target: string) => raw.requests.filter((r) => r.target === target);
/** Every request the backend saw whose target starts with `prefix`. */
const seenUnder = (prefix: string) => raw.requests.filter((r) => r.target.startsWith(prefix));

/** A raw HTTP/1.1 exchange over TLS (ALPN http/1.1): what came back, parsed. */
function tlsExchange(port: number, bytes: string, isHead = false): Promise<ParsedResponse[]> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'example.org', ca: cert, ALPNProtocols: ['http/1.1'] });
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponses(Buffer.concat(chunks), () => isHead));
    };
    const timer = setTimeout(done, 3_000);
    socket.on('secureConnect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', done);
  });
}

/** One HTTP/2 request with a body of unknown length (DATA frames, no content-length). */
interface H2Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
}

function h2Exchange(url: string, method: string, path: string, body: string | undefined, extra: http2.OutgoingHttpHeaders = {}): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, url.startsWith('https') ? { ca: cert, servername: 'example.org' } : {});
    session.on('error', reject);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no answer to ${method} ${path} within 5 s`));
    }, 5_000);
    const stream = session.request({ ':method': method, ':path': path, ':authority': 'example.com', ...extra }, { endStream: body === undefined });
    let status = 0;
    let headers: http2.IncomingHttpHeaders = {};
    let text = '';
    stream.on('response', (h) => {
      headers = h;
      status = Number(h[':status']);
    });
    stream.on('data', (c: Buffer) => (text += c.toString('latin1')));
    stream.on('error', reject);
    stream.on('close', () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, headers, body: text });
    });
    if (body !== undefined) {
      stream.write(body);
      stream.end();
    }
  });
}

/** A literal HPACK string (no Huffman), shorter than 127 bytes. */
function hpackString(s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/** A HEADERS frame (END_STREAM, END_HEADERS) of literal fields without indexing: the pseudo-headers, then `fields` in order. */
function h2Request(streamId: number, method: string, path: string, fields: readonly (readonly [string, string])[]): Buffer {
  const all: [string, string][] = [[':method', method], [':scheme', 'http'], [':path', path], [':authority', 'example.com'], ...fields.map(([n, v]) => [n, v] as [string, string])];
  const block = Buffer.concat(all.map(([n, v]) => Buffer.concat([Buffer.from([0x00]), hpackString(n), hpackString(v)])));
  return h2Frame(0x1, 0x5, streamId, block);
}

describe('no smuggling: a request body is always forwarded with its framing', () => {
  test.each(FRAMED_METHODS)('%s with Transfer-Encoding: chunked over HTTP/1.1, cleartext and TLS', async (method) => {
    for (const transport of ['cleartext', 'tls']) {
      // GIVEN a request whose chunked body is itself a request
      const target = `/smuggle/${method}/${transport}`;
      const bytes = `${method} ${target} HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked(SMUGGLED)}`;
      // WHEN it is sent, then another request on a new connection
      const answers = transport === 'tls'
        ? await tlsExchange(gw.port(443), bytes, method === 'HEAD')
        : (await exchangeRaw(gw.port(), [bytes], { expect: 1, isHead: () => method === 'HEAD' })).responses;
      const after = (await exchangeRaw(gw.port(), [`GET /after/${method}/${transport} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`])).responses;
      // THEN the backend saw exactly that request, with the body framed, and never the smuggled one
      expect(answers.map((a) => a.status)).toStrictEqual([200]);
      const got = seen(target);
      expect(got).toHaveLength(1);
      expect(got[0].method).toBe(method);
      expect(got[0].body.toString('latin1')).toBe(SMUGGLED);
      expect(seen('/admin')).toStrictEqual([]);
      // AND the later request got its own answer
      expect(after).toHaveLength(1);
      expect(after[0].body).toMatch(new RegExp(`^\\d+ GET /after/${method}/${transport}$`));
    }
  });

  test.each(FRAMED_METHODS.filter((m) => m !== 'HEAD'))('%s with DATA frames and no content-length over HTTP/2, cleartext and TLS', async (method) => {
    for (const url of [`http://127.0.0.1:${gw.port()}`, `https://127.0.0.1:${gw.port(443)}`]) {
      // GIVEN an HTTP/2 request whose body (no content-length) is itself a request
      const target = `/smuggle-h2/${method}/${url.slice(0, 5)}`;
      // WHEN it is sent, then another request
      const res = await h2Exchange(url, method, target, SMUGGLED);
      const after = await h2Exchange(url, 'GET', `/after-h2/${method}`, undefined);
      // THEN the backend saw one request with the body framed, never the smuggled one; the later one has its own answer
      expect(res.status).toBe(200);
      const got = seen(target);
      expect(got).toHaveLength(1);
      expect(got[0].body.toString('latin1')).toBe(SMUGGLED);
      expect(got[0].chunked || header(got[0], 'content-length') === String(SMUGGLED.length)).toBe(true);
      expect(seen('/admin')).toStrictEqual([]);
      expect(after.body).toMatch(new RegExp(`^\\d+ GET /after-h2/${method}$`));
    }
  });
});

describe('no cross-talk: an upstream connection that sends bytes nobody asked for is closed', () => {
  test.each([
    ['an extra response right after the answer', 'now'],
    ['a late response while the connection is idle', 'later'],
  ])('%s', async (_what, when) => {
    // GIVEN a backend that answers /extra and then writes another response on the same connection
    const extra = 'HTTP/1.1 200 OK\r\ncontent-length: 13\r\nx-seq: EXTRA\r\n\r\nnot your data';
    special.set('/extra', (req) => {
      const conn = raw.connections[req.conn];
      if (when === 'now') return raw.answer(req) + extra;
      setTimeout(() => conn.socket.write(extra), 20);
      return undefined;
    });
    const first = await exchangeRaw(gw.port(), [`GET /extra?${when} HTTP/1.1\r\nHost: example.com\r\n\r\n`], { expect: 1 });
    const conn = raw.connections[seen(`/extra?${when}`)[0].conn];
    // WHEN the extra bytes have arrived and other clients send requests
    await until(() => conn.closed, 3_000);
    const others = await Promise.all([1, 2, 3].map((i) => exchangeRaw(gw.port(), [`GET /next/${when}/${i} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`])));
    // THEN the first client got its own answer only, the connection that misbehaved was closed by the
    // gateway, and every other client got the answer to its own request
    expect(first.responses.map((r) => r.body)).toStrictEqual([expect.stringMatching(new RegExp(`^\\d+ GET /extra\\?${when}$`))]);
    expect(conn.closed).toBe(true);
    others.forEach((o, i) => {
      expect(o.responses).toHaveLength(1);
      expect(o.responses[0].body).toMatch(new RegExp(`^\\d+ GET /next/${when}/${i + 1}$`));
      expect(o.responses[0].headers['x-seq']).not.toBe('EXTRA');
      // the request reached the backend on another connection than the one that misbehaved
      expect(seen(`/next/${when}/${i + 1}`).map((r) => r.conn)).not.toContain(conn.id);
    });
  });
});

describe('no replay: a request whose upstream connection dies after receiving it is sent once', () => {
  test.each(['POST', 'DELETE', 'PATCH', 'GET'])('%s on a reused connection: received once, the client gets 502', async (method) => {
    // GIVEN a backend connection that has answered one request (kept alive in the pool) and then
    // closes as soon as it receives the next
    special.set('/dies', (req) => (req.index === 0 ? undefined : 'destroy'));
    const warm = await exchangeRaw(gw.port(), ['GET /warm HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n'], { expect: 1 });
    expect(warm.responses[0].status).toBe(200);
    // WHEN a request without a body is sent on it
    const target = `/dies?${method}`;
    const res = await exchangeRaw(gw.port(), [`${method} ${target} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`]);
    // THEN the backend received it once and the client got 502 from the gateway
    const got = seen(target);
    expect(got.map((r) => [r.method, r.index > 0])).toStrictEqual([[method, true]]);
    expect(res.responses.map((r) => r.status)).toStrictEqual([502]);
  });

  test('a route whose retry policy asks for it sends the request again', async () => {
    // GIVEN a route with retry { codes: [502], attempts: 1 } and a backend that dies on a reused connection once
    let died = false;
    special.set('/retried/warm', () => undefined);
    special.set('/retried/post', (req) => {
      if (req.index > 0 && !died) {
        died = true;
        return 'destroy';
      }
      return undefined;
    });
    await exchangeRaw(gw.port(), ['GET /retried/warm HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n'], { expect: 1 });
    // WHEN a POST is sent
    const res = await exchangeRaw(gw.port(), ['POST /retried/post HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx']);
    // THEN it reached the backend twice when the first attempt died, and the client got the answer of the second
    expect(res.responses.map((r) => r.status)).toStrictEqual([200]);
    expect(died).toBe(true);
    expect(seen('/retried/post')).toHaveLength(2);
  });
});

describe('nothing is read after an answer that closes the connection', () => {
  const behind = (tag: string) => `GET /behind/${tag} HTTP/1.1\r\nHost: example.com\r\n\r\nPOST /behind/${tag}/post HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n`;
  test.each([
    ['two Host headers', 'GET /x HTTP/1.1\r\nHost: example.com\r\nHost: other.example\r\n\r\n', 400],
    ['a bad Host', 'GET /x HTTP/1.1\r\nHost: exa mple.com\r\n\r\n', 400],
    ['Content-Length with Transfer-Encoding', 'POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['Transfer-Encoding other than chunked', 'POST /x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 400],
    ['a request-target longer than 8 KiB', `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: example.com\r\n\r\n`, 414],
    ['a version other than 1.0 or 1.1', 'GET /x HTTP/2.0\r\nHost: example.com\r\n\r\n', 505],
  ])('requests pipelined behind %s never reach a backend', async (what, bad, status) => {
    // GIVEN a refused request with two requests pipelined behind it in the same write
    const tag = what.replace(/\W+/g, '-');
    // WHEN it is sent
    const r = await exchangeRaw(gw.port(), [bad + behind(tag)]);
    // THEN one answer, with connection: close, the connection is closed, and nothing behind it reached the backend
    expect(r.responses.map((x) => x.status)).toStrictEqual([status]);
    expect(r.responses[0].headers.connection).toBe('close');
    expect(r.closed).toBe(true);
    expect(seenUnder(`/behind/${tag}`)).toStrictEqual([]);
  });

  test.each([
    ['Connection: close', 'HTTP/1.1', 'Connection: close\r\n'],
    ['HTTP/1.0 without keep-alive', 'HTTP/1.0', ''],
  ])('a request with %s followed by more bytes is answered once, and the bytes are ignored', async (_what, version, connection) => {
    // GIVEN a slow backend answer, and a POST that closes its connection followed by garbage and a request
    const target = `/slow/${version}`;
    special.set(target, (req) => {
      setTimeout(() => raw.connections[req.conn].socket.write(raw.answer(req)), 100);
      return 'hold';
    });
    const bytes = `POST ${target} ${version}\r\nHost: example.com\r\nContent-Length: 1\r\n${connection}\r\nx`
      + 'GARBAGE\r\n\r\nGET /after-close HTTP/1.1\r\nHost: example.com\r\n\r\n';
    // WHEN it is sent
    const r = await exchangeRaw(gw.port(), [bytes]);
    // THEN the POST's own answer, nothing else, and the connection closed
    expect(r.responses.map((x) => [x.status, x.body])).toStrictEqual([[200, expect.stringMatching(new RegExp(`^\\d+ POST ${target}$`))]]);
    expect(r.raw.toString('latin1')).not.toMatch(/HTTP\/1\.1 400/);
    expect(r.closed).toBe(true);
    expect(seen(target)).toHaveLength(1);
    expect(seen('/after-close')).toStrictEqual([]);
  });
});

describe('protocol gaps', () => {
  test('methods are case-sensitive: ":method: delete" over HTTP/2 is forwarded as is and matches no DELETE rule', async () => {
    // GIVEN a rule for DELETE /method (it sets x-rule: delete)
    // WHEN "delete" and "DELETE" are sent over HTTP/2
    const lower = await h2Exchange(`http://127.0.0.1:${gw.port()}`, 'delete', '/method/lower', undefined);
    const upper = await h2Exchange(`http://127.0.0.1:${gw.port()}`, 'DELETE', '/method/upper', undefined);
    // THEN the backend receives the method as sent; only DELETE took the DELETE rule
    expect([lower.status, upper.status]).toStrictEqual([200, 200]);
    const [l] = seen('/method/lower');
    const [u] = seen('/method/upper');
    expect([l.method, header(l, 'x-rule')]).toStrictEqual(['delete', undefined]);
    expect([u.method, header(u, 'x-rule')]).toStrictEqual(['DELETE', 'delete']);
  });

  test.each([
    ['user-agent', '/hdr-ua', ['one', 'two'], 'ua'],
    ['authorization', '/hdr-auth', ['Basic a', 'Basic b'], 'auth'],
    ['cookie', '/hdr-cookie', ['a=1', 'b=2'], 'cookie'],
  ])('a header match sees every line of a repeated %s header (HTTP/1.1 and HTTP/2)', async (name, path, values, rule) => {
    // GIVEN a rule matching the joined value
    // WHEN the header is sent on two lines, over HTTP/1.1 and over HTTP/2
    const lines = values.map((v) => `${name}: ${v}\r\n`).join('');
    const h1 = await exchangeRaw(gw.port(), [`GET ${path}?h1 HTTP/1.1\r\nHost: example.com\r\n${lines}Connection: close\r\n\r\n`]);
    // (raw frames: Node's HTTP/2 client sends these names once only)
    const h2 = await rawH2(gw.port(), h2Request(1, 'GET', `${path}?h2`, values.map((v) => [name, v])), 1_000);
    // THEN the rule matched both
    expect(h1.responses[0]?.status).toBe(200);
    expect(h2.frames.some((f) => f.type === 0x1 && f.streamId === 1)).toBe(true);
    expect(header(seen(`${path}?h1`)[0], 'x-rule')).toBe(rule);
    expect(header(seen(`${path}?h2`)[0], 'x-rule')).toBe(rule);
  });

  test.each([
    ['one line', ['a']],
    ['two lines', ['a', 'b']],
  ])('a response header named __proto__ (%s) reaches the client as the backend sent it (HTTP/1.1 and HTTP/2)', async (_n, values) => {
    // GIVEN a backend answering with a field named __proto__, a name like any other (a token), and a trailer of that name
    const lines = values.map((v) => `__proto__: ${v}\r\n`).join('');
    special.set('/proto-field', () => `HTTP/1.1 200 OK\r\n${lines}Transfer-Encoding: chunked\r\nTrailer: __proto__\r\n\r\n2\r\nok\r\n0\r\n${lines}\r\n`);

    // WHEN it is asked over HTTP/1.1 and over HTTP/2
    const h1 = await exchangeRaw(gw.port(), ['GET /proto-field HTTP/1.1\r\nHost: example.com\r\nTE: trailers\r\nConnection: close\r\n\r\n']);
    const h2 = await h2Exchange(`http://127.0.0.1:${gw.port()}`, 'GET', '/proto-field', undefined);

    // THEN both clients got every line of it, and the body
    const text = h1.raw.toString('latin1');
    const fields = (block: string) => block.split('\r\n').filter((l) => /^__proto__:/i.test(l)).map((l) => l.slice('__proto__:'.length).trim());
    expect(fields(text.split('\r\n\r\n')[0])).toStrictEqual(values);
    // and the trailer, after the last chunk
    expect(fields(text.slice(text.lastIndexOf('\r\n0\r\n')))).toStrictEqual(values);
    expect(h1.responses[0]?.body).toBe('ok');
    expect([h2.status, h2.body]).toStrictEqual([200, 'ok']);
    expect(Object.prototype.hasOwnProperty.call(h2.headers, '__proto__')).toBe(true);
    expect(String(h2.headers.__proto__)).toBe(values.join(', '));
  });

  test('fails with 431 past 256 header fields: a second Host after the 2,000th line is not unseen', async () => {
    // GIVEN a request with 2,100 header lines, the last one a second Host
    const filler = Array.from({ length: 2_099 }, (_, i) => `x-f${i}: 1\r\n`).join('');
    // WHEN it is sent
    const r = await exchangeRaw(gw.port(), [`GET /many HTTP/1.1\r\nHost: example.com\r\n${filler}Host: other\r\n\r\nGET /many/after HTTP/1.1\r\nHost: example.com\r\n\r\n`]);
    // THEN 431 with the reason, the connection closes, and nothing reached the backend
    expect(r.responses.map((x) => x.status)).toStrictEqual([431]);
    expect(r.responses[0].body).toMatch(/^request header fields too many: 2101 header fields, more than 256\n$/);
    expect(r.closed).toBe(true);
    expect(seenUnder('/many')).toStrictEqual([]);
  });

  test('fails with 505 for GET /x HTTP/2.0 on an HTTP/1.1 connection', async () => {
    // WHEN an HTTP/1.1 connection sends a request line claiming HTTP/2.0
    const r = await exchangeRaw(gw.port(), ['GET /v2 HTTP/2.0\r\nHost: example.com\r\n\r\n']);
    // THEN 505 with the reason and the connection closes
    expect(r.responses.map((x) => x.status)).toStrictEqual([505]);
    expect(r.responses[0].body).toMatch(/^http version not supported: HTTP\/2\.0 on an HTTP\/1\.1 connection/);
    expect(r.closed).toBe(true);
    expect(seen('/v2')).toStrictEqual([]);
  });

  test('an Upgrade to another protocol than websocket is ignored: answered as an ordinary request, never tunnelled', async () => {
    // GIVEN a backend that would switch protocols for any Upgrade it sees
    special.set('/up', (req) => (header(req, 'upgrade') ? 'HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: h2c\r\n\r\n' : undefined));
    // WHEN a client asks for h2c
    const r = await exchangeRaw(gw.port(), ['GET /up HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n']);
    // THEN the backend got an ordinary request (no Upgrade), the client its answer, and the connection closed
    const [got] = seen('/up');
    expect(header(got, 'upgrade')).toBeUndefined();
    expect(header(got, 'http2-settings')).toBeUndefined();
    expect(r.responses.map((x) => [x.status, x.headers.connection])).toStrictEqual([[200, 'close']]);
    expect(r.closed).toBe(true);
  });

  test('fails with 400 for an Upgrade to another protocol than websocket with a body', async () => {
    // WHEN a client asks for h2c with a body
    const r = await exchangeRaw(gw.port(), ['POST /up-body HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 3\r\n\r\nabc']);
    // THEN 400 with the reason, the connection closes, and nothing reached the backend
    expect(r.responses.map((x) => x.status)).toStrictEqual([400]);
    expect(r.responses[0].body).toMatch(/^upgrade not supported: only "websocket" is upgraded, and a request upgrading to "h2c" cannot carry a body/);
    expect(r.closed).toBe(true);
    expect(seen('/up-body')).toStrictEqual([]);
  });
});
