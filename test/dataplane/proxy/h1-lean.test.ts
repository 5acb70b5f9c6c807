/**
 * The lean HTTP/1.1 server of cleartext listeners (src/dataplane/proxy/h1-lean.ts) through a real gateway:
 * which requests it answers itself, which it hands over (with their connection) to Node's `http` server,
 * pipelining, framing of what it writes (HEAD, chunked, trailers, 204/304), `Connection: close`, the
 * header and keep-alive timeouts, parse errors, the limit on waiting pipelined bytes, client aborts, and
 * `http1Server: 'node'`.
 *
 * Which server answered is visible on the wire: Node's ServerResponse adds `Connection: keep-alive` and
 * `Keep-Alive: timeout=5` to a keep-alive response, the lean server writes neither.
 *
 * Responses are read with a strict parser of this file (status line, header fields, content-length or
 * chunked framing with trailers, no body for HEAD / 1xx / 204 / 304), so a framing error of the lean
 * server (a body after HEAD, a bad chunk) makes the next response of the connection unreadable.
 */
import * as http2 from 'http2';
import * as net from 'net';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, requestH2, routeDoc, startBackend, startGateway, until } from './helpers';
import { LLHTTP_METHODS, requestHeadBytes } from '../../../src/dataplane/proxy/h1-lean';
import { rawRequest, sleep } from '../../reliability/helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { HTTPParser } = require('_http_common');

// ------------------------------------------------------------------ a raw HTTP/1.1 client

interface Parsed {
  readonly status: number;
  /** Header fields in order, names lower-case. */
  readonly fields: readonly (readonly [string, string])[];
  /** One entry per name, repeated values joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Sizes of the chunks of a chunked body; undefined when the body was not chunked. */
  readonly chunks?: readonly number[];
  readonly trailers: Readonly<Record<string, string>>;
  /** Statuses of the 1xx responses that came before this one. */
  readonly interim: readonly number[];
}

class Incomplete extends Error {}

function fieldsOf(lines: readonly string[], what: string): [string, string][] {
  return lines.map((l) => {
    const c = l.indexOf(':');
    if (c <= 0 || /\s/.test(l.slice(0, c))) throw new Error(`malformed ${what} line ${JSON.stringify(l)}`);
    return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
  });
}

/** Parses the response starting at `at`; throws Incomplete when more bytes are needed, an Error when malformed. */
function parseResponse(buf: Buffer, at: number, noBody: boolean, eof: boolean): { res: Parsed; next: number } {
  const interim: number[] = [];
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) throw new Incomplete();
    const lines = buf.toString('latin1', at, end).split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(lines[0]);
    if (!m) throw new Error(`not a status line: ${JSON.stringify(lines[0].slice(0, 120))}`);
    const status = Number(m[1]);
    const fields = fieldsOf(lines.slice(1), 'header');
    let pos = end + 4;
    if (status >= 100 && status < 200) {
      interim.push(status);
      at = pos;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const [n, v] of fields) headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
    const trailers: Record<string, string> = {};
    const done = (body: string, chunks?: number[]) => ({ res: { status, fields, headers, body, chunks, trailers, interim }, next: pos });
    if (noBody || status === 204 || status === 304) return done('');
    const te = headers['transfer-encoding'];
    if (te !== undefined) {
      if (te !== 'chunked') throw new Error(`unexpected transfer-encoding ${JSON.stringify(te)}`);
      const parts: Buffer[] = [];
      const chunks: number[] = [];
      for (;;) {
        const eol = buf.indexOf('\r\n', pos, 'latin1');
        if (eol < 0) throw new Incomplete();
        const sizeText = buf.toString('latin1', pos, eol);
        if (!/^[0-9a-f]+$/i.test(sizeText)) throw new Error(`malformed chunk size ${JSON.stringify(sizeText.slice(0, 40))}`);
        const size = parseInt(sizeText, 16);
        pos = eol + 2;
        if (size === 0) {
          for (;;) {
            const e = buf.indexOf('\r\n', pos, 'latin1');
            if (e < 0) throw new Incomplete();
            if (e === pos) break;
            const [[name, value]] = fieldsOf([buf.toString('latin1', pos, e)], 'trailer');
            trailers[name] = value;
            pos = e + 2;
          }
          pos += 2;
          return done(Buffer.concat(parts).toString(), chunks);
        }
        if (buf.length < pos + size + 2) throw new Incomplete();
        parts.push(buf.subarray(pos, pos + size));
        chunks.push(size);
        if (buf.toString('latin1', pos + size, pos + size + 2) !== '\r\n') throw new Error('a chunk is not followed by CRLF');
        pos += size + 2;
      }
    }
    const cl = headers['content-length'];
    if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) throw new Error(`malformed content-length ${JSON.stringify(cl)}`);
      const len = Number(cl);
      if (buf.length < pos + len) throw new Incomplete();
      const body = buf.toString('utf8', pos, pos + len);
      pos += len;
      return done(body);
    }
    // Neither: the body ends with the connection.
    if (!eof) throw new Incomplete();
    const body = buf.toString('utf8', pos);
    pos = buf.length;
    return done(body);
  }
}

const open = new Set<Conn>();

/** One client connection: write bytes, read whole responses in order, see whether the server closed it. */
class Conn {
  static async open(port: number): Promise<Conn> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Conn(socket);
  }

  closed = false;
  private data = Buffer.alloc(0);
  /** Bytes already returned by `read`. */
  private at = 0;
  private readonly wake = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    open.add(this);
    socket.on('data', (c: Buffer) => {
      this.data = Buffer.concat([this.data, c]);
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      open.delete(this);
      this.notify();
    });
  }

  /** Everything received so far (latin1). */
  get raw(): string {
    return this.data.toString('latin1');
  }

  /** Bytes received and not yet returned by `read`. */
  get unread(): string {
    return this.data.toString('latin1', this.at);
  }

  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Waits until `predicate` holds (checked on every event of the connection), at most `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not reached within ${timeoutMs} ms; received ${JSON.stringify(this.raw.slice(0, 600))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.wake.add(done);
      });
    }
  }

  /** The next `count` final responses (`head`: the requests they answer were HEAD). */
  async read(count: number, options: { head?: readonly boolean[]; timeoutMs?: number } = {}): Promise<Parsed[]> {
    const out: Parsed[] = [];
    await this.waitFor(() => {
      while (out.length < count) {
        try {
          const { res, next } = parseResponse(this.data, this.at, options.head?.[out.length] ?? false, this.closed);
          out.push(res);
          this.at = next;
        } catch (err) {
          if (!(err instanceof Incomplete)) throw err;
          if (this.closed) throw new Error(`the connection closed after ${out.length} of ${count} responses; received ${JSON.stringify(this.raw.slice(0, 600))}`);
          return false;
        }
      }
      return true;
    }, `${count} responses`, options.timeoutMs);
    return out;
  }

  /** Whether the server closes the connection within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    try {
      await this.waitFor(() => this.closed, 'close', ms);
      return true;
    } catch {
      return false;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const fns = [...this.wake];
    this.wake.clear();
    for (const fn of fns) fn();
  }
}

/** Which server wrote a keep-alive response. */
function answeredBy(r: Parsed): string {
  const c = r.headers.connection;
  const k = r.headers['keep-alive'];
  if (c === undefined && k === undefined) return 'lean';
  if (c === 'keep-alive' && k === 'timeout=5') return 'node';
  return `unexpected (connection: ${c}, keep-alive: ${k})`;
}

function fieldCount(r: Parsed, name: string): number {
  return r.fields.filter(([n]) => n === name).length;
}

const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;
const post = (path: string, body: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

function service(name: string, appProtocol?: string): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ port: 8080, ...(appProtocol ? { appProtocol } : {}) }] } };
}

const prefix = (value: string) => [{ path: { type: 'PathPrefix', value } }];

/** Big CORS preflight answers (about 33 KB each: 64 allowed and 64 exposed header names of 250 bytes). */
const bigHeaderNames = (p: string) => Array.from({ length: 64 }, (_, i) => `${p}-${i}-${'h'.repeat(240)}`);
const bigCorsRule = {
  matches: prefix('/cors-big'),
  filters: [{ type: 'CORS', cors: { allowOrigins: ['https://www.example.com'], allowMethods: ['GET', 'OPTIONS'], allowHeaders: bigHeaderNames('x-allow'), exposeHeaders: bigHeaderNames('x-expose') } }],
  backendRefs: [backendRef('echo')],
};

// ------------------------------------------------------------------ the gateway under test

const HEADER_TIMEOUT = 1_000;
let echo: Backend;
let special: Backend;
let flaky: Backend;
let mirror: Backend;
let h2c: http2.Http2Server;
/** A backend that answers every request with a body delimited by the end of the connection. */
let untilClose: net.Server;
const h2cSeen: string[] = [];
const flakyAttempts = new Map<string, number>();
let gw: StartedGateway;

beforeAll(async () => {
  echo = await startBackend('echo');
  special = await startBackend('special', (req, res) => {
    const path = req.url!;
    if (path.startsWith('/special/fixed')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12' });
      res.end('twelve bytes');
    } else if (path.startsWith('/special/chunked')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('alpha-');
      setTimeout(() => res.write('beta-'), 20);
      setTimeout(() => res.end('gamma'), 40);
    } else if (path.startsWith('/special/trailers')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'trailer': 'x-checksum' });
      res.write('hello ');
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end('world');
    } else if (path.startsWith('/special/no-content')) {
      res.writeHead(204, { 'x-kind': 'no-content' });
      res.end();
    } else if (path.startsWith('/special/not-modified')) {
      res.writeHead(304, { etag: '"v1"' });
      res.end();
    } else if (path.startsWith('/special/cookies')) {
      res.writeHead(200, { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'], 'content-length': '2' });
      res.end('ok');
    } else if (path.startsWith('/special/slow')) {
      const t = setTimeout(() => res.end('slow done'), 300);
      res.on('close', () => clearTimeout(t));
    } else if (path.startsWith('/special/hang')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
    } else if (path.startsWith('/special/no-date')) {
      res.sendDate = false;
      res.writeHead(200, { 'content-length': '7' });
      res.end('no date');
    } else if (path.startsWith('/special/early-hints')) {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' });
      res.writeHead(200, { 'content-length': '11' });
      res.end('after hints');
    } else if (path.startsWith('/special/big-chunked')) {
      // 2 MiB in 64 KiB writes, without content-length (chunked)
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const piece = Buffer.alloc(64 * 1024, 'x');
      let left = 32;
      const more = () => {
        while (left > 0) {
          left--;
          if (left === 0) return res.end(piece);
          if (!res.write(piece)) return res.once('drain', more);
        }
        return undefined;
      };
      more();
    } else if (path.startsWith('/special/cut-chunked')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 30);
    } else if (path.startsWith('/special/cut-length')) {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 30);
    } else if (path.startsWith('/special/longer-than-header-timeout')) {
      const t = setTimeout(() => res.end('late but fine'), HEADER_TIMEOUT + 500);
      res.on('close', () => clearTimeout(t));
    } else if (path.startsWith('/special/hop')) {
      res.writeHead(200, { 'connection': 'x-internal', 'x-internal': 'secret', 'keep-alive': 'timeout=9', 'x-keep': 'yes', 'content-length': '3' });
      res.end('hop');
    } else if (path.startsWith('/special/big-length')) {
      const body = Buffer.alloc(2 * 1024 * 1024, 'y');
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    } else if (path.startsWith('/special/silent')) {
      // never answers
    } else {
      return false;
    }
    return true;
  });
  flaky = await startBackend('flaky', (req, res) => {
    // The first attempt of each path fails with 500, the next ones are echoed.
    const n = (flakyAttempts.get(req.url!) ?? 0) + 1;
    flakyAttempts.set(req.url!, n);
    if (n > 1) return false;
    res.writeHead(500, { 'content-length': '6' });
    res.end('failed');
    return true;
  });
  mirror = await startBackend('mirror');
  h2c = http2.createServer((req, res) => {
    h2cSeen.push(req.url);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`h2 ${req.url}`);
  });
  await new Promise<void>((r) => h2c.listen(0, '127.0.0.1', r));
  untilClose = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nthe body ends with the connection'));
  });
  await new Promise<void>((r) => untilClose.listen(0, '127.0.0.1', r));
  gw = await startGateway([
    gatewayDoc(),
    service('h2c', 'kubernetes.io/h2c'),
    routeDoc('lean', [
      { matches: prefix('/echo'), backendRefs: [backendRef('echo')] },
      { matches: prefix('/special'), backendRefs: [backendRef('special')] },
      { matches: prefix('/retry'), retry: { codes: [500], attempts: 2 }, backendRefs: [backendRef('flaky')] },
      { matches: prefix('/timeout'), timeouts: { request: '5s' }, backendRefs: [backendRef('echo')] },
      { matches: prefix('/backend-timeout'), timeouts: { backendRequest: '5s' }, backendRefs: [backendRef('echo')] },
      { matches: prefix('/mirror'), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 8080 } } }], backendRefs: [backendRef('echo')] },
      { matches: prefix('/redirect'), filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org' } }] },
      { matches: prefix('/h2c'), backendRefs: [backendRef('h2c')] },
      { matches: prefix('/pkg.Echo'), backendRefs: [backendRef('echo')] },
      { matches: prefix('/until-close'), backendRefs: [backendRef('until-close')] },
      bigCorsRule,
      {
        matches: prefix('/modified'),
        filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Set', value: 'set' }], add: [{ name: 'X-Added', value: 'one' }], remove: ['Content-Type'] } }],
        backendRefs: [backendRef('echo')],
      },
    ]),
  ], {
    [`${NS}/echo:8080`]: echo.address,
    [`${NS}/special:8080`]: special.address,
    [`${NS}/flaky:8080`]: flaky.address,
    [`${NS}/mirror:8080`]: mirror.address,
    [`${NS}/h2c:8080`]: `127.0.0.1:${(h2c.address() as net.AddressInfo).port}`,
    [`${NS}/until-close:8080`]: `127.0.0.1:${(untilClose.address() as net.AddressInfo).port}`,
  }, { limits: { headerTimeoutMs: HEADER_TIMEOUT } });
});

afterEach(() => {
  for (const c of [...open]) c.destroy();
});

afterAll(async () => {
  for (const c of [...open]) c.destroy();
  await gw?.close();
  await echo?.close();
  await special?.close();
  await flaky?.close();
  await mirror?.close();
  await new Promise<void>((r) => (h2c ? h2c.close(() => r()) : r()));
  await new Promise<void>((r) => (untilClose ? untilClose.close(() => r()) : r()));
});

/** Requests in flight on the gateway's listener socket. */
const inFlight = () => gw.server.sockets.get(`${NS}/same-namespace:80`)!.inFlight;

/** The gateway answers a plain GET on a new connection. */
async function stillServing(): Promise<void> {
  const c = await Conn.open(gw.port());
  c.write(get('/echo/still-serving', 'Connection: close\r\n'));
  const [r] = await c.read(1);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body).path).toBe('/echo/still-serving');
}

// ------------------------------------------------------------------ tests

describe('requests the lean server answers', () => {
  test('a plain GET: the backend gets the request with X-Forwarded-*, the response has a date and no keep-alive header', async () => {
    // GIVEN a connection
    const c = await Conn.open(gw.port());
    // WHEN a plain GET is sent
    c.write(get('/echo/plain?x=1', 'X-Test: one\r\n'));
    const [r] = await c.read(1);
    // THEN the lean server answered it with the backend's response
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['content-type']).toBe('application/json');
    expect(fieldCount(r, 'date')).toBe(1);
    expect(r.headers.date).toMatch(HTTP_DATE);
    const seen = JSON.parse(r.body);
    expect(seen).toMatchObject({ method: 'GET', path: '/echo/plain?x=1', host: 'example.com', body: '' });
    expect(seen.headers).toMatchObject({ 'x-test': 'one', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'example.com' });
    // AND the connection stays open
    expect(c.closed).toBe(false);
  });

  test('several requests one after another on one keep-alive connection are all answered by the lean server', async () => {
    // GIVEN a connection
    const c = await Conn.open(gw.port());
    const paths: string[] = [];
    // WHEN five requests are sent one after the other, each after the previous answer
    for (let i = 0; i < 5; i++) {
      c.write(get(`/echo/seq/${i}`));
      const [r] = await c.read(1);
      // THEN each is answered on the same connection by the lean server
      expect(r.status).toBe(200);
      expect(answeredBy(r)).toBe('lean');
      paths.push(JSON.parse(r.body).path);
    }
    expect(paths).toStrictEqual(['/echo/seq/0', '/echo/seq/1', '/echo/seq/2', '/echo/seq/3', '/echo/seq/4']);
    expect(c.closed).toBe(false);
  });

  test('a request with more than 32 header fields (the parser reports them in parts) reaches the backend with all of them', async () => {
    // GIVEN 40 distinct header fields, the head split in two writes in the middle of them
    const fields = Array.from({ length: 40 }, (_, i) => `X-Field-${i}: value-${i}\r\n`);
    const head = get('/echo/many-headers', fields.join(''));
    const cut = head.indexOf('X-Field-20');
    const c = await Conn.open(gw.port());
    // WHEN it is sent
    c.write(head.slice(0, cut));
    await sleep(30);
    c.write(head.slice(cut));
    const [r] = await c.read(1);
    // THEN the lean server forwarded every field
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    const seen = JSON.parse(r.body);
    expect(seen.path).toBe('/echo/many-headers');
    for (let i = 0; i < 40; i++) expect(seen.headers[`x-field-${i}`]).toBe(`value-${i}`);
  });

  test('a GET with Content-Length: 0 is answered by the lean server', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/echo/zero-length', 'Content-Length: 0\r\n'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(JSON.parse(r.body)).toMatchObject({ method: 'GET', path: '/echo/zero-length', body: '' });
  });

  test('a redirect filter is answered by the lean server: Location, content-length 0, a date', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/redirect/here?q=1'));
    const [r] = await c.read(1);
    expect(r.status).toBe(302);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers.location).toBe('http://example.org/redirect/here?q=1');
    expect(r.headers['content-length']).toBe('0');
    expect(r.body).toBe('');
    expect(fieldCount(r, 'date')).toBe(1);
    expect(r.headers.date).toMatch(HTTP_DATE);
  });

  test('a request no route matches gets 404 from the lean server, and the connection goes on', async () => {
    // GIVEN a connection
    const c = await Conn.open(gw.port());
    // WHEN a request no route matches is sent, then a routed one
    c.write(get('/nowhere'));
    const [notFound] = await c.read(1);
    c.write(get('/echo/after-404'));
    const [after] = await c.read(1);
    // THEN 404 from the lean server, with its own date header, and the next request is served
    expect(notFound.status).toBe(404);
    expect(answeredBy(notFound)).toBe('lean');
    expect(notFound.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(notFound.body).toBe('no route matches this request\n');
    expect(fieldCount(notFound, 'date')).toBe(1);
    expect(notFound.headers.date).toMatch(HTTP_DATE);
    expect(after.status).toBe(200);
    expect(answeredBy(after)).toBe('lean');
    expect(JSON.parse(after.body).path).toBe('/echo/after-404');
  });

  test('the request-target is normalized for lean requests as for any other', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/../echo/./normalized'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(JSON.parse(r.body).path).toBe('/echo/normalized');
  });

  test('fails an HTTP/1.1 request without Host with 400 and connection: close', async () => {
    const before = echo.seen.length;
    const c = await Conn.open(gw.port());
    c.write('GET /echo/no-host HTTP/1.1\r\nX-A: b\r\n\r\n');
    const [r] = await c.read(1);
    expect(r.status).toBe(400);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toMatch(/an HTTP\/1\.1 request must have a Host header/);
    expect(await c.closesWithin(2_000)).toBe(true);
    expect(echo.seen.length).toBe(before);
  });

  test('a long request-target split across writes, with more than 32 header fields, reaches the backend intact', async () => {
    const target = `/echo/long/${'seg/'.repeat(700)}end?q=${'v'.repeat(500)}`;
    const head = get(target, Array.from({ length: 40 }, (_, i) => `X-F-${i}: ${i}\r\n`).join(''));
    const c = await Conn.open(gw.port());
    c.write(head.slice(0, 1_500));
    await sleep(30);
    c.write(head.slice(1_500, 3_100));
    await sleep(30);
    c.write(head.slice(3_100));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    const seen = JSON.parse(r.body);
    expect(seen.path).toBe(target);
    expect(Object.keys(seen.headers).filter((k) => k.startsWith('x-f-')).length).toBe(40);
  });

  test.each([
    // PROPFIND is not one of the methods the lean server answers: Node's server does.
    ['P', 'PUT /echo/put HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n', 'PUT', '/echo/put', 'lean'],
    ['PR', 'PROPFIND /echo/propfind HTTP/1.1\r\nHost: example.com\r\n\r\n', 'PROPFIND', '/echo/propfind', 'node'],
  ])('a request whose first write (%j) could begin the HTTP/2 preface is read as HTTP/1.1', async (first, bytes, method, path, server) => {
    const c = await Conn.open(gw.port());
    c.write(first);
    await sleep(30);
    c.write(bytes.slice(first.length));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe(server);
    expect(JSON.parse(r.body)).toMatchObject({ method, path });
  });

  test('an absolute-form request-target names the authority', async () => {
    const c = await Conn.open(gw.port());
    c.write('GET http://other.example/echo/absolute HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    const seen = JSON.parse(r.body);
    expect(seen).toMatchObject({ path: '/echo/absolute', host: 'other.example' });
    expect(seen.headers['x-forwarded-host']).toBe('other.example');
  });

  test('OPTIONS * is answered by the lean server with 200 and content-length 0', async () => {
    const c = await Conn.open(gw.port());
    c.write('OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['content-length']).toBe('0');
    expect(r.body).toBe('');
  });

  test('a header value with obs-text (latin1 bytes) reaches the backend as Node\'s server would give it', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/echo/latin1', 'X-Latin: caf\xe9\r\n'));
    const [r] = await c.read(1);
    expect(answeredBy(r)).toBe('lean');
    expect(JSON.parse(r.body).headers['x-latin']).toBe('caf\u00e9');
  });

  test('a backend answering without a date gets one added; a backend date is kept, once', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/no-date') + get('/special/fixed'));
    const [added, kept] = await c.read(2);
    expect(added.body).toBe('no date');
    expect(fieldCount(added, 'date')).toBe(1);
    expect(added.headers.date).toMatch(HTTP_DATE);
    expect(fieldCount(kept, 'date')).toBe(1);
    expect(kept.headers.date).toMatch(HTTP_DATE);
  });

  test('a backend response that takes longer than the header timeout is not cut by it', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/longer-than-header-timeout'));
    const [r] = await c.read(1, { timeoutMs: HEADER_TIMEOUT + 2_500 });
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.body).toBe('late but fine');
    c.write(get('/echo/after-late'));
    const [after] = await c.read(1);
    expect(JSON.parse(after.body).path).toBe('/echo/after-late');
  });

  test('HTTP/2 prior knowledge on the same port is not taken by the lean server', async () => {
    const r = await requestH2(gw.port(), { path: '/echo/h2' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ path: '/echo/h2', method: 'GET' });
  });
});

describe('requests handed over to Node\'s http server', () => {
  /** Sends `first` on a new connection, reads its answer, then a GET on the same connection. */
  async function thenGet(first: string, tag: string): Promise<{ first: Parsed; after: Parsed }> {
    const c = await Conn.open(gw.port());
    c.write(first);
    const [r] = await c.read(1);
    c.write(get(`/echo/after-${tag}`));
    const [after] = await c.read(1);
    // THEN (for every caller) the later GET is answered by Node's server, on the same connection
    expect(after.status).toBe(200);
    expect(answeredBy(after)).toBe('node');
    expect(JSON.parse(after.body).path).toBe(`/echo/after-${tag}`);
    return { first: r, after };
  }

  test('a POST with a body: the body reaches the backend intact', async () => {
    const body = 'hello world, 0123456789'.repeat(50);
    const { first } = await thenGet(post('/echo/post', body), 'post');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ method: 'POST', path: '/echo/post', body });
  });

  test('a chunked upload: the body reaches the backend intact', async () => {
    const upload = 'POST /echo/chunked-upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
    const { first } = await thenGet(upload, 'chunked');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ method: 'POST', path: '/echo/chunked-upload', body: 'hello world' });
  });

  test('Expect: 100-continue: 100 Continue, then the body reaches the backend, without Expect', async () => {
    // GIVEN a connection
    const c = await Conn.open(gw.port());
    // WHEN a head with Expect: 100-continue is sent, and the body only after 100 Continue
    c.write('POST /echo/expect HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await c.waitFor(() => /^HTTP\/1\.1 100 Continue\r\n\r\n/.test(c.raw), '100 Continue');
    c.write('abcde');
    const [r] = await c.read(1);
    // THEN Node's server answered both
    expect(r.interim).toStrictEqual([100]);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('node');
    const seen = JSON.parse(r.body);
    expect(seen).toMatchObject({ method: 'POST', path: '/echo/expect', body: 'abcde' });
    expect(seen.headers.expect).toBeUndefined();
    // AND a later GET on the connection too
    c.write(get('/echo/after-expect'));
    const [after] = await c.read(1);
    expect(answeredBy(after)).toBe('node');
    expect(JSON.parse(after.body).path).toBe('/echo/after-expect');
  });

  test('HTTP/1.0 with keep-alive', async () => {
    const { first } = await thenGet('GET /echo/old HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n', 'http10');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ method: 'GET', path: '/echo/old' });
  });

  test('HTTP/1.0 without keep-alive is answered, then the connection is closed', async () => {
    const c = await Conn.open(gw.port());
    c.write('GET /echo/old-close HTTP/1.0\r\nHost: example.com\r\n\r\n');
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body).path).toBe('/echo/old-close');
    expect(await c.closesWithin(2_000)).toBe(true);
  });

  test.each([
    ['the same case', 'X-Dup: a\r\nX-Dup: b\r\n'],
    ['different cases', 'X-Dup: a\r\nx-DUP: b\r\n'],
  ])('a header name repeated (%s): the backend gets every value', async (_name, fields) => {
    const { first } = await thenGet(get('/echo/repeated', fields), 'repeated');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body).headers['x-dup']).toBe('a,b');
  });

  test('header names that are Object.prototype properties reach the backend', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/echo/proto-names', 'Constructor: c\r\ntoString: t\r\n__proto__: p\r\n'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).headers).toMatchObject({ constructor: 'c', tostring: 't' });
  });

  test('a request to a retry route whose head comes in several writes, with a GET pipelined after it', async () => {
    const c = await Conn.open(gw.port());
    c.write('GET /retry/sp');
    await sleep(30);
    c.write('lit HTTP/1.1\r\nHost: exam');
    await sleep(30);
    c.write(`ple.com\r\n\r\n${get('/echo/after-split-retry')}`);
    const rs = await c.read(2);
    expect(rs.map((r) => r.status)).toStrictEqual([200, 200]);
    expect(rs.map((r) => JSON.parse(r.body).path)).toStrictEqual(['/retry/split', '/echo/after-split-retry']);
    expect(rs.map(answeredBy)).toStrictEqual(['node', 'node']);
    expect(flakyAttempts.get('/retry/split')).toBe(2);
  });

  test('a method the lean server does not name (QUERY) reaches the backend as QUERY', async () => {
    const { first } = await thenGet('QUERY /echo/query HTTP/1.1\r\nHost: example.com\r\n\r\n', 'query');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ method: 'QUERY', path: '/echo/query' });
  });

  test('a route with a retry policy: the failed first attempt is retried', async () => {
    const { first } = await thenGet(get('/retry/one'), 'retry');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ backend: 'flaky', path: '/retry/one' });
    expect(flakyAttempts.get('/retry/one')).toBe(2);
  });

  test.each([
    ['timeouts.request', '/timeout/one'],
    ['timeouts.backendRequest', '/backend-timeout/one'],
  ])('a route with %s', async (_name, path) => {
    const { first } = await thenGet(get(path), 'timeout');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ backend: 'echo', path });
  });

  test('a GET with a body: the body reaches the backend intact', async () => {
    const { first } = await thenGet(get('/echo/get-with-body', 'Content-Length: 4\r\n') + 'data', 'get-body');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ method: 'GET', path: '/echo/get-with-body', body: 'data' });
  });

  test('a route with a RequestMirror filter: answered, and the mirror gets a copy', async () => {
    const { first } = await thenGet(get('/mirror/one'), 'mirror');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ backend: 'echo', path: '/mirror/one' });
    await until(() => mirror.seen.some((r) => r.path === '/mirror/one'), 2_000);
  });

  test('a route with an h2c backend', async () => {
    const { first } = await thenGet(get('/h2c/one'), 'h2c');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(first.body).toBe('h2 /h2c/one');
    expect(h2cSeen).toContain('/h2c/one');
  });

  test('a gRPC content type', async () => {
    const { first } = await thenGet('POST /pkg.Echo/Say HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n', 'grpc');
    expect(first.status).toBe(200);
    expect(answeredBy(first)).toBe('node');
    expect(JSON.parse(first.body)).toMatchObject({ method: 'POST', path: '/pkg.Echo/Say' });
  });

  test('fails CONNECT with 405 and connection: close', async () => {
    const c = await Conn.open(gw.port());
    c.write('CONNECT echo.internal:443 HTTP/1.1\r\nHost: echo.internal:443\r\n\r\n');
    const [r] = await c.read(1);
    expect(r.status).toBe(405);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toMatch(/CONNECT is not supported: this gateway does not open tunnels/);
    expect(await c.closesWithin(2_000)).toBe(true);
  });

  test('a POST whose head comes in several writes: the body reaches the backend intact', async () => {
    const a = await rawRequest(gw.port(), ['POST /echo/split-post HTTP/1.1\r\nHo', 'st: example.com\r\nContent-Le', 'ngth: 4\r\n\r\nbo', 'dy'], { gapMs: 40, untilResponses: 1 });
    expect(a.status).toBe(200);
    expect(a.headers['keep-alive']).toBe('timeout=5');
    expect(JSON.parse(a.body)).toMatchObject({ method: 'POST', path: '/echo/split-post', body: 'body' });
  });

  test('a handed-over request whose head came in several writes reaches Node\'s server as the client sent it: obs-text, spaces around values, header order', async () => {
    // GIVEN a POST head dribbled in three writes, with a latin1 value, padded values and repeated names
    const head = 'POST /echo/rebuilt HTTP/1.1\r\nHost: example.com\r\nX-Latin:  caf\xe9 \r\nX-Pad:\tv  w\t\r\nX-Rep: 1\r\nX-Rep: 2\r\nContent-Length: 3\r\n\r\nabc';
    // WHEN it is handed over (it has a body)
    const a = await rawRequest(gw.port(), [head.slice(0, 20), head.slice(20, 61), head.slice(61)].map((p) => Buffer.from(p, 'latin1')), { gapMs: 30, untilResponses: 1 });
    // THEN the backend sees what Node's server reads from the original bytes
    expect(a.status).toBe(200);
    expect(a.headers['keep-alive']).toBe('timeout=5');
    const seen = JSON.parse(Buffer.from(a.body, 'latin1').toString('utf8'));
    expect(seen).toMatchObject({ method: 'POST', path: '/echo/rebuilt', body: 'abc' });
    expect(seen.headers['x-latin']).toBe('caf\u00e9');
    expect(seen.headers['x-pad']).toBe('v  w');
    expect(seen.headers['x-rep']).toBe('1,2'); // the echo joins the values it received with ','
  });
});

describe('requestHeadBytes', () => {
  test('names every method by the number llhttp reports for it', () => {
    // GIVEN every method name of the table, written in a request head
    for (const [number, name] of LLHTTP_METHODS.entries()) {
      if (name === 'PRI' || ['DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER', 'REDIRECT', 'RECORD', 'FLUSH'].includes(name)) {
        continue; // HTTP/2's preface and RTSP's methods: not HTTP/1.1 request methods
      }
      const parser = new HTTPParser();
      parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
      let seen: number | undefined;
      parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, _headers: string[], method: number) => {
        seen = method;
        return 0;
      };
      // WHEN llhttp reads it
      parser.execute(Buffer.from(`${name} / HTTP/1.1\r\nHost: a\r\n\r\n`, 'latin1'));
      parser.close();
      // THEN it reports the method by the number the table gives the name
      expect([name, seen]).toStrictEqual([name, number]);
    }
  });

  test('writes a head that Node\'s parser reads back to the same method, target, version and raw headers', () => {
    // GIVEN a head as llhttp reports it
    const raw = ['Host', 'example.com', 'X-Latin', 'caf\xe9', 'x-empty', '', 'X-Rep', '1', 'X-Rep', '2'];
    // WHEN it is written and parsed again
    const bytes = requestHeadBytes('PATCH', '/a%20b?q=1', 1, 0, raw);
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
    let seen: unknown[] = [];
    parser[HTTPParser.kOnHeadersComplete] = (major: number, minor: number, headers: string[], method: number, url: string) => {
      seen = [major, minor, headers, method, url];
      return 0;
    };
    expect(parser.execute(bytes)).toBe(bytes.length);
    parser.close();
    // THEN it is the same head (PATCH is llhttp's method 28)
    expect(seen).toStrictEqual([1, 0, raw, 28, '/a%20b?q=1']);
  });
});

describe('pipelining', () => {
  test('several GETs in one write are answered in order by the lean server', async () => {
    // GIVEN five GETs in one write
    const c = await Conn.open(gw.port());
    c.write([0, 1, 2, 3, 4].map((i) => get(`/echo/pipe/${i}`)).join(''));
    // WHEN the answers are read
    const rs = await c.read(5);
    // THEN all five, in order, from the lean server
    expect(rs.map((r) => r.status)).toStrictEqual([200, 200, 200, 200, 200]);
    expect(rs.map((r) => JSON.parse(r.body).path)).toStrictEqual(['/echo/pipe/0', '/echo/pipe/1', '/echo/pipe/2', '/echo/pipe/3', '/echo/pipe/4']);
    expect(rs.map(answeredBy)).toStrictEqual(['lean', 'lean', 'lean', 'lean', 'lean']);
  });

  test('requests answered by the gateway itself and forwarded ones, mixed in one write, are answered in order', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/nowhere/1') + get('/echo/mixed') + get('/nowhere/2') + get('/redirect/mixed') + get('/echo/mixed-last'));
    const rs = await c.read(5);
    expect(rs.map((r) => r.status)).toStrictEqual([404, 200, 404, 302, 200]);
    expect(JSON.parse(rs[1].body).path).toBe('/echo/mixed');
    expect(rs[3].headers.location).toBe('http://example.org/redirect/mixed');
    expect(JSON.parse(rs[4].body).path).toBe('/echo/mixed-last');
    expect(rs.map(answeredBy)).toStrictEqual(['lean', 'lean', 'lean', 'lean', 'lean']);
  });

  test('GET, POST with a body, GET in one write: all three answered in order, the body intact (hand-over in the middle of a pipeline)', async () => {
    // GIVEN a GET, a POST with a body and a GET in one write
    const body = '{"payload":"0123456789abcdef"}';
    const c = await Conn.open(gw.port());
    c.write(get('/echo/pipe-a') + post('/echo/pipe-b', body) + get('/echo/pipe-c'));
    // WHEN the answers are read
    const rs = await c.read(3);
    // THEN in order, the first by the lean server, the POST and the GET after it by Node's server
    expect(rs.map((r) => r.status)).toStrictEqual([200, 200, 200]);
    const seen = rs.map((r) => JSON.parse(r.body));
    expect(seen.map((s) => [s.method, s.path, s.body])).toStrictEqual([
      ['GET', '/echo/pipe-a', ''],
      ['POST', '/echo/pipe-b', body],
      ['GET', '/echo/pipe-c', ''],
    ]);
    expect(rs.map(answeredBy)).toStrictEqual(['lean', 'node', 'node']);
  });

  test('a GET to a retry route in the middle of a pipeline is handed over with what follows it', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/echo/r-a') + get('/retry/pipelined') + get('/echo/r-c'));
    const rs = await c.read(3);
    expect(rs.map((r) => r.status)).toStrictEqual([200, 200, 200]);
    expect(rs.map((r) => JSON.parse(r.body).path)).toStrictEqual(['/echo/r-a', '/retry/pipelined', '/echo/r-c']);
    expect(rs.map(answeredBy)).toStrictEqual(['lean', 'node', 'node']);
  });

  test('a POST whose head and body arrive in separate writes while a request is in flight is handed over intact', async () => {
    // GIVEN a slow request in flight
    const c = await Conn.open(gw.port());
    c.write(get('/special/slow/before-post'));
    await until(() => special.seen.some((r) => r.path === '/special/slow/before-post'), 2_000);
    // WHEN a POST head, its body and a GET arrive in three writes while it is in flight
    c.write('POST /echo/late-post HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\n\r\n');
    await sleep(40);
    c.write('0123456789');
    await sleep(40);
    c.write(get('/echo/late-get'));
    const rs = await c.read(3);
    // THEN all three are answered in order, the body intact
    expect(rs.map((r) => r.status)).toStrictEqual([200, 200, 200]);
    expect(rs[0].body).toBe('slow done');
    expect(JSON.parse(rs[1].body)).toMatchObject({ method: 'POST', path: '/echo/late-post', body: '0123456789' });
    expect(JSON.parse(rs[2].body)).toMatchObject({ method: 'GET', path: '/echo/late-get' });
    expect(rs.map(answeredBy)).toStrictEqual(['lean', 'node', 'node']);
  });

  test('300 pipelined requests, half answered by the gateway itself, are all answered in order', async () => {
    const c = await Conn.open(gw.port());
    const paths = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? `/nowhere/${i}` : `/echo/many/${i}`));
    c.write(paths.map((p) => get(p)).join(''));
    const rs = await c.read(300, { timeoutMs: 10_000 });
    expect(rs.map((r) => r.status)).toStrictEqual(paths.map((p) => (p.startsWith('/nowhere') ? 404 : 200)));
    expect(rs.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).path)).toStrictEqual(paths.filter((p) => p.startsWith('/echo')));
    expect(c.closed).toBe(false);
  });

  test('a request with Connection: close in a pipeline is the last one answered', async () => {
    // GIVEN three GETs in one write, the second asking to close
    const before = echo.seen.length;
    const c = await Conn.open(gw.port());
    c.write(get('/echo/close-1') + get('/echo/close-2', 'Connection: close\r\n') + get('/echo/close-3'));
    // WHEN the answers are read
    const rs = await c.read(2);
    // THEN two answers, the second with connection: close, then the connection is closed
    expect(rs.map((r) => JSON.parse(r.body).path)).toStrictEqual(['/echo/close-1', '/echo/close-2']);
    expect(rs[1].headers.connection).toBe('close');
    expect(await c.closesWithin(2_000)).toBe(true);
    expect(c.unread).toBe('');
    // AND the third request never reached the backend
    expect(echo.seen.slice(before).map((r) => r.path)).toStrictEqual(['/echo/close-1', '/echo/close-2']);
  });

  test('pipelined bytes waiting up to the limit are all answered; past 64 KiB of them the connection is closed', async () => {
    // GIVEN requests of 2,000 bytes each (a padding header) behind a slow one
    const padded = (path: string) => {
      const head = get(path, 'X-Pad: \r\n');
      return get(path, `X-Pad: ${'p'.repeat(2_000 - head.length)}\r\n`);
    };
    expect(Buffer.byteLength(padded('/echo/wait/00'))).toBe(2_000);

    // WHEN 30 of them (60,000 bytes) wait behind the slow request
    const ok = await Conn.open(gw.port());
    ok.write(get('/special/slow/under'));
    await until(() => special.seen.some((r) => r.path === '/special/slow/under'), 2_000);
    ok.write(Array.from({ length: 30 }, (_, i) => padded(`/echo/wait/${String(i).padStart(2, '0')}`)).join(''));
    const rs = await ok.read(31, { timeoutMs: 5_000 });
    // THEN all of them are answered, in order
    expect(rs[0].body).toBe('slow done');
    expect(rs.slice(1).map((r) => JSON.parse(r.body).path)).toStrictEqual(Array.from({ length: 30 }, (_, i) => `/echo/wait/${String(i).padStart(2, '0')}`));

    // WHEN 40 of them (80,000 bytes) wait behind the slow request
    const before = echo.seen.length;
    const flood = await Conn.open(gw.port());
    flood.write(get('/special/slow/over'));
    await until(() => special.seen.some((r) => r.path === '/special/slow/over'), 2_000);
    flood.write(Array.from({ length: 40 }, () => padded('/echo/flood')).join(''));
    // THEN the connection is closed, none of the waiting requests reached the backend, the slow one was cancelled
    expect(await flood.closesWithin(2_000)).toBe(true);
    expect(echo.seen.slice(before).filter((r) => r.path === '/echo/flood')).toStrictEqual([]);
    await until(() => special.aborted.includes('/special/slow/over'), 2_000);
    await until(() => inFlight() === 0, 2_000);
    // AND the gateway serves others
    await stillServing();
  });
});

describe('framing of lean responses', () => {
  test('HEAD: no body, the backend\'s content-length kept; the next request on the connection is read correctly', async () => {
    // GIVEN a HEAD and a GET of a 12-byte resource in one write
    const before = special.seen.length;
    const c = await Conn.open(gw.port());
    c.write(`HEAD /special/fixed HTTP/1.1\r\nHost: example.com\r\n\r\n${get('/special/fixed')}`);
    // WHEN the answers are read (the first without a body)
    const [head, full] = await c.read(2, { head: [true, false] });
    // THEN the HEAD answer has the content-length and no body (else the GET's answer would not parse)
    expect(head.status).toBe(200);
    expect(answeredBy(head)).toBe('lean');
    expect(head.headers['content-length']).toBe('12');
    expect(head.headers['transfer-encoding']).toBeUndefined();
    expect(full.status).toBe(200);
    expect(full.body).toBe('twelve bytes');
    expect(special.seen.slice(before).map((r) => [r.method, r.path])).toStrictEqual([['HEAD', '/special/fixed'], ['GET', '/special/fixed']]);
  });

  test('HEAD of a resource the backend sends chunked: no framing headers, no body', async () => {
    const c = await Conn.open(gw.port());
    c.write(`HEAD /special/chunked/head HTTP/1.1\r\nHost: example.com\r\n\r\n${get('/echo/after-head-chunked')}`);
    const [head, after] = await c.read(2, { head: [true, false] });
    expect(head.status).toBe(200);
    expect(answeredBy(head)).toBe('lean');
    expect(head.headers['transfer-encoding']).toBeUndefined();
    expect(JSON.parse(after.body).path).toBe('/echo/after-head-chunked');
  });

  test('a backend answering without content-length reaches the client chunked and complete', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/chunked'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.body).toBe('alpha-beta-gamma');
    expect(r.chunks!.reduce((a, b) => a + b, 0)).toBe(16);
    // AND the connection reads the next request
    c.write(get('/echo/after-chunked'));
    const [after] = await c.read(1);
    expect(JSON.parse(after.body).path).toBe('/echo/after-chunked');
  });

  test('trailers of a chunked backend response reach the client', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/trailers'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body).toBe('hello world');
    expect(r.trailers).toStrictEqual({ 'x-checksum': 'abc123' });
    c.write(get('/echo/after-trailers'));
    const [after] = await c.read(1);
    expect(JSON.parse(after.body).path).toBe('/echo/after-trailers');
  });

  test.each([
    ['204', '/special/no-content', 204, { 'x-kind': 'no-content' }],
    ['304', '/special/not-modified', 304, { etag: '"v1"' }],
  ])('a %s answer has no body and no transfer-encoding; the next request on the connection is read correctly', async (_name, path, status, headers) => {
    const c = await Conn.open(gw.port());
    c.write(get(path) + get('/echo/after-empty'));
    const [r, after] = await c.read(2);
    expect(r.status).toBe(status);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers).toMatchObject(headers);
    expect(r.headers['transfer-encoding']).toBeUndefined();
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body).path).toBe('/echo/after-empty');
  });

  test('HEAD of a request no route matches: 404 with its content-length and no body', async () => {
    const c = await Conn.open(gw.port());
    c.write(`HEAD /nowhere HTTP/1.1\r\nHost: example.com\r\n\r\n${get('/echo/after-head-404')}`);
    const [head, after] = await c.read(2, { head: [true, false] });
    expect(head.status).toBe(404);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength('no route matches this request\n')));
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body).path).toBe('/echo/after-head-404');
  });

  test('a 103 Early Hints of the backend does not break the framing of the final answer', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/early-hints') + get('/echo/after-hints'));
    const [r, after] = await c.read(2);
    expect(r.status).toBe(200);
    expect(r.body).toBe('after hints');
    expect(JSON.parse(after.body).path).toBe('/echo/after-hints');
  });

  test('a large chunked body read slowly by the client arrives complete (back-pressure)', async () => {
    // GIVEN a client that does not read for a while
    const c = await Conn.open(gw.port());
    c.socket.pause();
    c.write(get('/special/big-chunked'));
    await sleep(300);
    // WHEN it reads
    c.socket.resume();
    const [r] = await c.read(1, { timeoutMs: 10_000 });
    // THEN the whole 2 MiB arrived
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body.length).toBe(2 * 1024 * 1024);
    expect(/^x+$/.test(r.body)).toBe(true);
  });

  test('a large content-length body read slowly by the client arrives complete (back-pressure)', async () => {
    const c = await Conn.open(gw.port());
    c.socket.pause();
    c.write(get('/special/big-length'));
    await sleep(300);
    c.socket.resume();
    const [r] = await c.read(1, { timeoutMs: 10_000 });
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['content-length']).toBe(String(2 * 1024 * 1024));
    expect(r.body.length).toBe(2 * 1024 * 1024);
    expect(/^y+$/.test(r.body)).toBe(true);
    c.write(get('/echo/after-big'));
    const [after] = await c.read(1);
    expect(JSON.parse(after.body).path).toBe('/echo/after-big');
  });

  test('a backend body delimited by the end of its connection reaches the client chunked and complete; the client connection stays', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/until-close/x'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body).toBe('the body ends with the connection');
    c.write(get('/echo/after-until-close'));
    const [after] = await c.read(1);
    expect(JSON.parse(after.body).path).toBe('/echo/after-until-close');
  });

  test('hop-by-hop headers of the backend and those its Connection header names are not written', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/hop'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(r.body).toBe('hop');
    expect(r.headers['x-keep']).toBe('yes');
    expect(r.headers['x-internal']).toBeUndefined();
    expect(r.headers['keep-alive']).toBeUndefined();
    expect(r.headers.connection).toBeUndefined();
  });

  test('a ResponseHeaderModifier applies to lean responses', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/modified/x'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(answeredBy(r)).toBe('lean');
    expect(r.headers['x-set']).toBe('set');
    expect(r.headers['x-added']).toBe('one');
    expect(r.headers['content-type']).toBeUndefined();
    expect(JSON.parse(r.body).path).toBe('/modified/x');
  });

  test('a chunked backend response cut in the middle: the client connection is closed without the last chunk', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/cut-chunked'));
    expect(await c.closesWithin(3_000)).toBe(true);
    expect(c.raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.raw).toContain('\r\n7\r\npartial\r\n');
    expect(c.raw).not.toContain('\r\n0\r\n\r\n');
  });

  test('a content-length backend response cut in the middle: the client connection is closed', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/cut-length'));
    expect(await c.closesWithin(3_000)).toBe(true);
    expect(c.raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.raw).toMatch(/\r\ncontent-length: 100\r\n/);
    expect(c.raw.endsWith('\r\n\r\npartial')).toBe(true);
  });

  test('several set-cookie headers of the backend are each written', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/cookies'));
    const [r] = await c.read(1);
    expect(answeredBy(r)).toBe('lean');
    expect(r.fields.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toStrictEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(r.body).toBe('ok');
  });
});

describe('Connection: close', () => {
  test('the response carries connection: close and the server closes the connection', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/echo/bye', 'Connection: close\r\n'));
    const [r] = await c.read(1);
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    expect(r.headers['keep-alive']).toBeUndefined();
    expect(JSON.parse(r.body).path).toBe('/echo/bye');
    expect(await c.closesWithin(2_000)).toBe(true);
    expect(c.unread).toBe('');
  });

  test('a chunked response to a client that asked to close is complete, then the connection is closed', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/chunked/close', 'Connection: close\r\n'));
    const [r] = await c.read(1);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toBe('alpha-beta-gamma');
    expect(await c.closesWithin(2_000)).toBe(true);
  });

  test('a 404 to a client that asked to close carries connection: close and the connection is closed', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/nowhere/close', 'Connection: close\r\n'));
    const [r] = await c.read(1);
    expect(r.status).toBe(404);
    expect(r.headers.connection).toBe('close');
    expect(await c.closesWithin(2_000)).toBe(true);
  });
});

describe('slow heads and idle connections', () => {
  test('a head split across several writes is answered', async () => {
    const a = await rawRequest(gw.port(), ['GET /echo/sp', 'lit HTTP/1.1\r\nHo', 'st: example.com\r\nX-Part: 1\r', '\n\r\n'], { gapMs: 40, untilResponses: 1 });
    expect(a.status).toBe(200);
    expect(a.headers['keep-alive']).toBeUndefined();
    const seen = JSON.parse(a.body);
    expect(seen.path).toBe('/echo/split');
    expect(seen.headers['x-part']).toBe('1');
  });

  test('a head dribbled past the header timeout gets 408 and the connection is closed', async () => {
    // GIVEN a head sent one line every 150 ms (it would take 3 s)
    const lines = ['GET /echo/dribble HTTP/1.1\r\n', 'Host: example.com\r\n', ...Array.from({ length: 18 }, (_, i) => `X-Drip-${i}: 1\r\n`), '\r\n'];
    // WHEN it is sent
    const a = await rawRequest(gw.port(), lines, { gapMs: 150, waitMs: 4_000 });
    // THEN 408 after about the header timeout, and the connection is closed
    expect(a.status).toBe(408);
    expect(a.headers.connection).toBe('close');
    expect(a.body).toBe(`the request head was not complete within ${HEADER_TIMEOUT} ms\n`);
    expect(a.closed).toBe(true);
    expect(a.elapsedMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
    expect(a.elapsedMs).toBeLessThan(HEADER_TIMEOUT + 1_000);
    expect(echo.seen.map((r) => r.path)).not.toContain('/echo/dribble');
  });

  test('a head pipelined behind a request and left incomplete gets 408 after the header timeout', async () => {
    const c = await Conn.open(gw.port());
    const started = Date.now();
    c.write(`${get('/echo/before-stall')}GET /echo/stall HTTP/1.1\r\nHost: exa`);
    const [r] = await c.read(1);
    expect(JSON.parse(r.body).path).toBe('/echo/before-stall');
    const [timeout] = await c.read(1, { timeoutMs: HEADER_TIMEOUT + 2_000 });
    expect(timeout.status).toBe(408);
    expect(timeout.headers.connection).toBe('close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
    expect(await c.closesWithin(2_000)).toBe(true);
  });

  test('an idle keep-alive connection is closed after about 5 s, without a response', async () => {
    // GIVEN a keep-alive connection that was answered once
    const c = await Conn.open(gw.port());
    c.write(get('/echo/idle'));
    const [r] = await c.read(1);
    expect(answeredBy(r)).toBe('lean');
    const idleFrom = Date.now();
    // WHEN it stays idle
    const closed = await c.closesWithin(6_500);
    // THEN the server closes it after the keep-alive timeout (5 s), writing nothing more
    expect(closed).toBe(true);
    expect(Date.now() - idleFrom).toBeGreaterThanOrEqual(4_900);
    expect(c.unread).toBe('');
  }, 10_000);
});

describe('malformed requests are answered by the lean server and never reach a backend', () => {
  const smuggled = 'GET /echo/smuggled HTTP/1.1\r\nHost: example.com\r\n\r\n';
  test.each([
    ['Content-Length with Transfer-Encoding', `POST /echo/m HTTP/1.1\r\nHost: example.com\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['duplicate Content-Length', `POST /echo/m HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nContent-Length: 45\r\n\r\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['bare LF line endings', `GET /echo/m HTTP/1.1\nHost: example.com\n\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['a control character in a header value', `GET /echo/m HTTP/1.1\r\nHost: example.com\r\nX-A: a\x01b\r\n\r\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['a space in a header name', `GET /echo/m HTTP/1.1\r\nHost: example.com\r\nX A: b\r\n\r\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['an unknown HTTP version', `GET /echo/m HTTP/1.2\r\nHost: example.com\r\n\r\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['PRI that is not the HTTP/2 preface', `PRI /echo/m HTTP/1.1\r\nHost: example.com\r\n\r\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['an unknown method', `FETCH /echo/m HTTP/1.1\r\nHost: example.com\r\n\r\n${smuggled}`, 400, /^malformed HTTP\/1\.1 request \(HPE_/],
    ['a request line longer than the head limit', `GET /echo/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: example.com\r\n\r\n${smuggled}`, 414, /^the request line is longer than 8192 bytes\n$/],
    ['a request-target longer than 8 KiB within the head limit', `GET /echo/${'a'.repeat(9_000)} HTTP/1.1\r\nHost: example.com\r\n\r\n${smuggled}`, 414, /the request-target is 9006 bytes long, more than the limit of 8192/],
    ['headers over the limit', `GET /echo/m HTTP/1.1\r\nHost: example.com\r\n${Array.from({ length: 20 }, (_, i) => `X-Big-${i}: ${'b'.repeat(1_000)}\r\n`).join('')}\r\n${smuggled}`, 431, /^the request head is larger than 16384 bytes\n$/],
  ])('fails %s with the expected status and connection: close', async (_name, bytes, status, message) => {
    const before = echo.seen.length;
    // GIVEN a connection WHEN the malformed request (with a request smuggled behind it) is sent
    const c = await Conn.open(gw.port());
    c.write(bytes);
    const [r] = await c.read(1);
    // THEN the expected status, connection: close, the connection closed, nothing forwarded
    expect(r.status).toBe(status);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toMatch(message);
    expect(await c.closesWithin(2_000)).toBe(true);
    expect(c.unread).toBe('');
    expect(echo.seen.slice(before).map((s) => s.path)).toStrictEqual([]);
  });

  test('fails a malformed request pipelined behind a good one with 400 after the good one is answered', async () => {
    const before = echo.seen.length;
    const c = await Conn.open(gw.port());
    c.write(`${get('/echo/good')}GET /echo/bad HTTP/1.1\r\nHost: example.com\r\nX-A: a\x00b\r\n\r\n${smuggled}`);
    const [good, bad] = await c.read(2);
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body).path).toBe('/echo/good');
    expect(bad.status).toBe(400);
    expect(bad.headers.connection).toBe('close');
    expect(bad.body).toMatch(/^malformed HTTP\/1\.1 request \(HPE_/);
    expect(await c.closesWithin(2_000)).toBe(true);
    expect(echo.seen.slice(before).map((s) => s.path)).toStrictEqual(['/echo/good']);
  });
});

describe('client aborts', () => {
  test('a client gone in the middle of a response: the upstream request is cancelled', async () => {
    // GIVEN a backend response that started and never ends
    const c = await Conn.open(gw.port());
    c.write(get('/special/hang/mid-body'));
    await c.waitFor(() => c.raw.includes('first'), 'the first body chunk');
    // WHEN the client goes away
    c.destroy();
    // THEN the backend sees its request closed, and nothing stays in flight
    await until(() => special.aborted.includes('/special/hang/mid-body'), 2_000);
    await until(() => inFlight() === 0, 2_000);
  });

  test('a client gone before the response head: the upstream request is cancelled', async () => {
    const c = await Conn.open(gw.port());
    c.write(get('/special/silent/before-head'));
    await until(() => special.seen.some((r) => r.path === '/special/silent/before-head'), 2_000);
    c.destroy();
    await until(() => special.aborted.includes('/special/silent/before-head'), 2_000);
    await until(() => inFlight() === 0, 2_000);
  });
});

describe('access log', () => {
  test('a lean request, a handed-over one and a client abort are each logged once', async () => {
    // GIVEN a lean GET, a GET to a retry route (handed over) and a POST (handed over) on one connection
    const c = await Conn.open(gw.port());
    c.write(get('/echo/logged-lean') + get('/retry/logged') + post('/echo/logged-post', 'x'));
    await c.read(3);
    // AND a request whose client goes away before the answer
    const gone = await Conn.open(gw.port());
    gone.write(get('/special/silent/logged-abort'));
    await until(() => special.seen.some((r) => r.path === '/special/silent/logged-abort'), 2_000);
    gone.destroy();
    // THEN each has exactly one entry
    const paths = ['/echo/logged-lean', '/retry/logged', '/echo/logged-post', '/special/silent/logged-abort'];
    await until(() => paths.every((p) => gw.access.some((e) => e.path === p)), 2_000);
    await sleep(50);
    const entries = gw.access.filter((e) => paths.includes(e.path));
    expect(entries.map((e) => [e.method, e.path, e.protocol, e.status, e.error]).sort()).toStrictEqual([
      ['GET', '/echo/logged-lean', 'HTTP/1.1', 200, undefined],
      ['GET', '/retry/logged', 'HTTP/1.1', 200, undefined],
      ['GET', '/special/silent/logged-abort', 'HTTP/1.1', 499, 'client-closed'],
      ['POST', '/echo/logged-post', 'HTTP/1.1', 200, undefined],
    ]);
  });
});

describe('draining', () => {
  test('a lean request in flight when the gateway stops is answered completely with connection: close', async () => {
    // GIVEN a gateway with a slow request in flight on a lean connection
    const draining = await startGateway([gatewayDoc(), routeDoc('r', [{ matches: prefix('/special'), backendRefs: [backendRef('special')] }])],
      { [`${NS}/special:8080`]: special.address }, { accessLogSink: () => undefined });
    try {
      const c = await Conn.open(draining.port());
      c.write(get('/special/slow/draining'));
      await until(() => special.seen.some((r) => r.path === '/special/slow/draining'), 2_000);
      // WHEN the gateway stops
      const stopped = draining.close();
      const [r] = await c.read(1);
      await stopped;
      // THEN the answer is complete and tells the client to close
      expect(r.status).toBe(200);
      expect(r.body).toBe('slow done');
      expect(r.headers.connection).toBe('close');
      expect(await c.closesWithin(2_000)).toBe(true);
    } finally {
      await draining.close().catch(() => undefined);
    }
  });
});

/**
 * Starts a gateway (`mode` HTTP/1.1 server) with a slow request in flight on one connection and an idle
 * keep-alive connection, stops it, and reports whether the idle connection was closed within 500 ms
 * (while the slow request, 1.5 s, is still in flight) and the slow request's body.
 */
async function drainWithIdleConnection(mode: 'lean' | 'node'): Promise<{ idleClosedAtOnce: boolean; idleAnsweredBy: string; slowBody: string }> {
  const draining = await startGateway([gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('special')] }])],
    { [`${NS}/special:8080`]: special.address }, { http1Server: mode, accessLogSink: () => undefined, drainTimeoutMs: 3_000 });
  try {
    const idle = await Conn.open(draining.port());
    idle.write(get(`/special/fixed/idle-${mode}`));
    const [r] = await idle.read(1);
    const busy = await Conn.open(draining.port());
    const slowPath = `/special/longer-than-header-timeout/draining-${mode}`;
    busy.write(get(slowPath));
    await until(() => special.seen.some((x) => x.path === slowPath), 2_000);
    const stopped = draining.server.stop(3_000);
    const idleClosedAtOnce = await idle.closesWithin(500);
    const [slow] = await busy.read(1, { timeoutMs: 3_000 });
    await stopped;
    return { idleClosedAtOnce, idleAnsweredBy: answeredBy(r), slowBody: slow.body };
  } finally {
    await draining.close().catch(() => undefined);
  }
}

/**
 * A client that never reads sends 1,500 pipelined CORS preflights (186 KB) answered by the gateway
 * itself with about 33 KB each; returns how many the gateway answered (access log) once that number
 * stopped growing (at most 3 s).
 */
async function preflightsAnsweredToNonReader(g: StartedGateway, tag: string): Promise<number> {
  const path = `/cors-big/${tag}`;
  const c = await Conn.open(g.port());
  c.socket.pause();
  c.write(`OPTIONS ${path} HTTP/1.1\r\nHost: example.com\r\nOrigin: https://www.example.com\r\nAccess-Control-Request-Method: GET\r\n\r\n`.repeat(1_500));
  const answered = () => g.access.filter((e) => e.path === path).length;
  const started = Date.now();
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - started < 3_000) {
    const n = answered();
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 300) {
      break;
    }
    await sleep(50);
  }
  c.destroy();
  return last;
}

describe('resources', () => {
  // Answers the gateway writes itself (404, redirects, CORS preflights, refusals) do not wait for a backend:
  // without back-pressure a client that pipelines requests and never reads would make the gateway buffer
  // every answer (here 1,500 x 33 KB = 50 MB for 186 KB sent). The lean server reads the next request only
  // once the socket's buffer has drained, as Node's server does (see the http1Server 'node' test below).
  test('a client that never reads its answers cannot make the gateway buffer them without bound', async () => {
    // GIVEN a client that sends 1,500 pipelined preflights and never reads
    // WHEN the gateway has answered what it will
    const answered = await preflightsAnsweredToNonReader(gw, 'lean-flood');
    // THEN it stopped with its buffers (kernel and socket) full: at most 300 answers (about 10 MB)
    expect(answered).toBeGreaterThanOrEqual(1);
    expect(answered).toBeLessThanOrEqual(300);
    await stillServing();
  });
});

describe('draining: idle connections', () => {
  // As Node's server does (see the test of http1Server 'node' below), a draining listener closes the
  // connections that are between requests at once, rather than when the last request in flight is done.
  test('an idle keep-alive connection of the lean server is closed as soon as the gateway starts draining', async () => {
    // GIVEN a slow request in flight and an idle keep-alive connection WHEN the gateway starts draining
    const r = await drainWithIdleConnection('lean');
    // THEN the idle connection is closed at once, the slow request still completes
    expect(r.idleAnsweredBy).toBe('lean');
    expect(r.slowBody).toBe('late but fine');
    expect(r.idleClosedAtOnce).toBe(true);
  });
});

describe('after the tests above', () => {
  test('no request is left in flight on the gateway', async () => {
    await until(() => inFlight() === 0, 3_000);
    expect(inFlight()).toBe(0);
  });
});

describe('http1Server: node', () => {
  let nodeGw: StartedGateway;
  beforeAll(async () => {
    nodeGw = await startGateway([gatewayDoc(), routeDoc('r', [{ matches: prefix('/echo'), backendRefs: [backendRef('echo')] }, bigCorsRule])],
      { [`${NS}/echo:8080`]: echo.address }, { http1Server: 'node' });
  });
  afterAll(async () => {
    await nodeGw?.close();
  });

  test('Node\'s server answers every request: plain GETs, pipelined GETs and a 404 carry the keep-alive header', async () => {
    // GIVEN a gateway with http1Server 'node'
    const c = await Conn.open(nodeGw.port());
    // WHEN a GET is sent, then three pipelined requests
    c.write(get('/echo/node-1'));
    const [one] = await c.read(1);
    c.write(get('/echo/node-2') + get('/nowhere') + get('/echo/node-3'));
    const rs = await c.read(3);
    // THEN every answer is Node's
    expect(one.status).toBe(200);
    expect(answeredBy(one)).toBe('node');
    expect(JSON.parse(one.body).path).toBe('/echo/node-1');
    expect(rs.map((r) => r.status)).toStrictEqual([200, 404, 200]);
    expect(rs.map(answeredBy)).toStrictEqual(['node', 'node', 'node']);
    expect(JSON.parse(rs[2].body).path).toBe('/echo/node-3');
  });

  test('a client that never reads its answers: Node\'s server stops reading its requests', async () => {
    const answered = await preflightsAnsweredToNonReader(nodeGw, 'node-flood');
    expect(answered).toBeGreaterThanOrEqual(1);
    expect(answered).toBeLessThanOrEqual(300);
  });

  test('an idle keep-alive connection is closed as soon as the gateway starts draining', async () => {
    const r = await drainWithIdleConnection('node');
    expect(r.idleAnsweredBy).toBe('node');
    expect(r.slowBody).toBe('late but fine');
    expect(r.idleClosedAtOnce).toBe(true);
  });
});
