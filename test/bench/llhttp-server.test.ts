/**
 * The client-side candidate of the benchmark (bench/llhttp-server.ts): an HTTP/1.1 server whose parser is undici's
 * llhttp WebAssembly in request mode. Real sockets on 127.0.0.1: keep-alive, pipelining answered in order, and
 * refusals (400 / 431 / 413 + Connection: close) after which nothing more is read from the connection.
 */
import * as http from 'http';
import * as net from 'net';
import { LlhttpRequest, LlhttpResponse, LlhttpServerOptions, MAX_BODY, MAX_HEAD, PIPELINE_LIMIT, createLlhttpServer } from '../../bench/llhttp-server';

interface Parsed {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Splits what a connection received into responses (Content-Length, chunked or close-delimited bodies). */
function parseResponses(raw: string): Parsed[] {
  const out: Parsed[] = [];
  let rest = raw;
  for (let guard = 0; rest.length && guard < 100; guard++) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`an incomplete response head: ${JSON.stringify(rest)}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
    rest = rest.slice(end + 4);
    let body = '';
    if (headers['content-length'] !== undefined) {
      body = rest.slice(0, Number(headers['content-length']));
      rest = rest.slice(body.length);
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        const size = parseInt(rest.slice(0, lineEnd), 16);
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        rest = rest.slice(lineEnd + 2 + size + 2);
        if (size === 0) break;
      }
    } else if (headers.connection === 'close') {
      // neither: the body ends with the connection (a HEAD answer on a kept connection has none)
      body = rest;
      rest = '';
    }
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body });
  }
  return out;
}

/** Sends `data` on a new connection and collects everything until the server closes it (or `untilCount` answers). */
function exchange(port: number, data: string | Buffer, untilCount?: number): Promise<{ responses: Parsed[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of the exchange within 10 s; received ${JSON.stringify(raw)}`));
    }, 10_000);
    const done = (closedByServer: boolean) => {
      clearTimeout(bound);
      socket.destroy();
      try {
        resolve({ responses: parseResponses(raw), closedByServer });
      } catch (e) {
        reject(e);
      }
    };
    socket.on('data', (d) => {
      raw += d.toString('latin1');
      if (untilCount !== undefined) {
        try {
          if (parseResponses(raw).length >= untilCount) done(false);
        } catch {
          // not complete yet
        }
      }
    });
    socket.on('end', () => done(true));
    socket.on('error', reject);
    socket.write(data);
  });
}

/** A server answering `METHOD URL BODY` with the URL in `x-url`; records every request it was handed. */
type Answerer = (req: LlhttpRequest, res: LlhttpResponse) => void;

async function startServer(answer?: Answerer, options?: LlhttpServerOptions): Promise<{ server: net.Server; port: number; seen: LlhttpRequest[] }> {
  const seen: LlhttpRequest[] = [];
  const server = createLlhttpServer((req, res) => {
    seen.push(req);
    if (answer) return answer(req, res);
    const body = Buffer.from(`${req.method} ${req.url} ${req.body?.toString() ?? ''}`);
    res.writeHead(200, { 'x-url': req.url, 'content-length': String(body.length) });
    res.end(body);
  }, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port, seen };
}

const open: net.Server[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(answer?: Answerer, options?: LlhttpServerOptions) {
  const s = await startServer(answer, options);
  open.push(s.server);
  return s;
}

describe('llhttp WASM server: keep-alive and pipelining', () => {
  test('keep-alive GETs are answered on one connection', async () => {
    // GIVEN a server and a keep-alive agent with one socket
    const { port, seen } = await serve();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    // WHEN three GETs are sent one after the other
    const bodies: string[] = [];
    for (const path of ['/one', '/two?x=1', '/three']) {
      bodies.push(await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
          ports.add(res.socket.localPort!);
          let b = '';
          res.setEncoding('latin1');
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(`${res.statusCode} ${res.headers['x-url']} ${b}`));
        });
        req.on('error', reject);
      }));
    }
    agent.destroy();
    // THEN each got its own answer, all over the same connection, with the request's method, target and Host
    expect(bodies).toEqual(['200 /one GET /one ', '200 /two?x=1 GET /two?x=1 ', '200 /three GET /three ']);
    expect(ports.size).toBe(1);
    expect(seen.map((r) => r.host)).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`, `127.0.0.1:${port}`]);
  });

  test('3 pipelined requests are answered in request order even when answered in reverse', async () => {
    // GIVEN a server that holds every answer until the third request arrives, then answers the last one first
    const held: Array<() => void> = [];
    const { port } = await serve((req, res) => {
      held.push(() => {
        res.writeHead(200, { 'x-url': req.url });
        res.end(Buffer.from(`${req.url} ${req.body?.toString() ?? ''}`)); // no Content-Length: chunked
      });
      if (held.length === 3) for (const f of held.reverse()) f();
    });
    // WHEN three requests (one with a body) are sent in one write
    const got = await exchange(port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n'
      + 'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'
      + 'GET /c HTTP/1.1\r\nHost: x\r\n\r\n', 3);
    // THEN the answers come in the order of the requests, chunked, and the connection stays open
    expect(got.responses.map((r) => [r.status, r.headers['x-url'], r.body])).toEqual([[200, '/a', '/a '], [200, '/b', '/b hello'], [200, '/c', '/c ']]);
    expect(got.responses.every((r) => r.headers['transfer-encoding'] === 'chunked')).toBe(true);
    expect(got.closedByServer).toBe(false);
  });

  test('more pipelined requests than PIPELINE_LIMIT are all answered, in order', async () => {
    // GIVEN a server answering each request on a later turn of the event loop
    const { port } = await serve((req, res) => setImmediate(() => {
      res.writeHead(200, { 'x-url': req.url, 'content-length': '0' });
      res.end();
    }));
    // WHEN more requests than the pipeline holds arrive in one write
    const n = PIPELINE_LIMIT * 2 + 3;
    const urls = Array.from({ length: n }, (_, i) => `/r${i}`);
    const got = await exchange(port, urls.map((u) => `GET ${u} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''), n);
    // THEN reading paused and resumed: every one is answered, in request order
    expect(got.responses.map((r) => r.headers['x-url'])).toEqual(urls);
  });

  test('HEAD gets the head without a body; an HTTP/1.0 answer of unknown length ends with the connection', async () => {
    // GIVEN a server answering without a Content-Length
    const { port } = await serve((req, res) => {
      res.writeHead(200, { 'x-url': req.url });
      res.end(Buffer.from('body'));
    });
    // WHEN a HEAD and a GET arrive over HTTP/1.1, and a GET over HTTP/1.0 with keep-alive
    const head = await exchange(port, 'HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n', 2);
    const old = await exchange(port, 'GET /o HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    // THEN the HEAD answer has no body and the GET after it is read as its own answer (chunked);
    // the HTTP/1.0 answer is not chunked: its body ends with the connection, which the server closes
    expect(head.responses.map((r) => [r.headers['x-url'], r.headers['transfer-encoding'], r.body])).toEqual([['/h', undefined, ''], ['/g', 'chunked', 'body']]);
    expect(old.closedByServer).toBe(true);
    expect(old.responses).toHaveLength(1);
    expect(old.responses[0].headers).toMatchObject({ 'x-url': '/o', 'connection': 'close' });
    expect(old.responses[0].headers['transfer-encoding']).toBeUndefined();
  });

  test('Connection: close is honoured and a request pipelined behind it is not read', async () => {
    // GIVEN a server
    const { port, seen } = await serve();
    // WHEN a request with Connection: close is followed by another on the same connection
    const got = await exchange(port, 'GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    // THEN only the first is answered, with Connection: close, and the server closes the connection
    expect(got.responses.map((r) => [r.status, r.headers['x-url'], r.headers.connection])).toEqual([[200, '/a', 'close']]);
    expect(got.closedByServer).toBe(true);
    expect(seen.map((r) => r.url)).toEqual(['/a']);
  });
});

describe('llhttp WASM server: refusals', () => {
  test('fails a malformed request with 400, closes, and does not answer the request pipelined behind it', async () => {
    // GIVEN a server
    const { port, seen } = await serve();
    // WHEN a good request, a request with a header line without a colon and another good request arrive together
    const got = await exchange(port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n');
    // THEN the first is answered, the second gets 400 naming llhttp's reason with Connection: close, and nothing after
    expect(got.responses.map((r) => r.status)).toEqual([200, 400]);
    expect(got.responses[1].headers.connection).toBe('close');
    expect(got.responses[1].body).toContain('HPE_INVALID_HEADER_TOKEN');
    expect(got.closedByServer).toBe(true);
    expect(seen.map((r) => r.url)).toEqual(['/a']);
  });

  test.each([
    ['Transfer-Encoding together with Content-Length (a request hidden in the body)', 400, "Content-Length can't be present with Transfer-Encoding",
      'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: internal\r\n\r\n'],
    ['an HTTP/1.1 request with no Host', 400, 'exactly one Host header (it has 0)', 'GET /a HTTP/1.1\r\n\r\n'],
    ['an HTTP/1.1 request with two Hosts', 400, 'exactly one Host header (it has 2)', 'GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'],
    ['an HTTP/2.0 request line', 505, 'HTTP/2.0 is not served here', 'GET /x HTTP/2.0\r\nHost: x\r\n\r\n'],
    ['an HTTP/0.9 request line', 505, 'HTTP/0.9 is not served here', 'GET /x\r\n\r\n'],
    ['a header value larger than the head limit', 431, `larger than ${MAX_HEAD} bytes`,
      `GET /a HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(MAX_HEAD + 1)}\r\n\r\n`],
    ['a body one byte over the limit', 413, `larger than ${MAX_BODY} bytes`,
      `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n${'a'.repeat(MAX_BODY + 1)}`],
  ])('fails %s with %d, closes, and hands nothing over', async (_name, status, why, request) => {
    // GIVEN a server
    const { port, seen } = await serve();
    // WHEN the request arrives
    const got = await exchange(port, request);
    // THEN the answer is the refusal naming what is wrong, with Connection: close; the server closes; the handler saw nothing
    expect(got.responses.map((r) => [r.status, r.headers.connection])).toEqual([[status, 'close']]);
    expect(got.responses[0].body).toContain(why);
    expect(got.closedByServer).toBe(true);
    expect(seen).toEqual([]);
  });

  test('fails a request head that does not complete within the headers timeout with 408, after the answer before it', async () => {
    // GIVEN a server on a clock the test moves, with a 1,000 ms headers timeout, whose handler moves the clock past it
    let clock = 0;
    const { port, seen } = await serve((req, res) => {
      clock = 5_000;
      res.writeHead(200, { 'x-url': req.url, 'content-length': '0' });
      res.end();
    }, { now: () => clock, headersTimeoutMs: 1_000, checkEveryMs: 5 });
    // WHEN a complete request arrives with the beginning of a second one whose head never ends
    const got = await exchange(port, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n');
    // THEN the first is answered, then 408 naming the timeout with Connection: close, and the server closes
    expect(got.responses.map((r) => [r.status, r.headers.connection])).toEqual([[200, undefined], [408, 'close']]);
    expect(got.responses[1].body).toContain('did not arrive within 1000 ms');
    expect(got.closedByServer).toBe(true);
    expect(seen.map((r) => r.url)).toEqual(['/first']);
  });
});
