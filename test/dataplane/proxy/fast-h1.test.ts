/**
 * The lean HTTP/1.1 upstream client (src/dataplane/proxy/fast-h1.ts) over real sockets on 127.0.0.1:
 * keep-alive reuse, a pooled connection the backend closed while idle, HEAD, chunked bodies with
 * trailers, 1xx answers, invalid answers, back-pressure and the request head it writes.
 */
import * as http from 'http';
import * as net from 'net';
import * as fc from 'fast-check';
import { UpstreamError } from '../../../src/dataplane/proxy/errors';
import { FAST_H1_AVAILABLE, H1Pool, H1Sink, requestHead, requestHeadFromRaw } from '../../../src/dataplane/proxy/fast-h1';
import { ForwardedInfo, headerList, setForwarded, stripHopByHop } from '../../../src/dataplane/proxy/headers';

interface Answer {
  status?: number;
  headers: Record<string, string>;
  body: string;
  trailers?: readonly string[];
  error?: UpstreamError;
}

function exchange(pool: H1Pool, port: number, head: string, options: { skipBody?: boolean; pauseFirst?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const answer: Answer = { headers: {}, body: '' };
    let paused = false;
    let ex: { resume(): void } | undefined;
    const sink: H1Sink = {
      head: (status, raw) => {
        answer.status = status;
        for (let i = 0; i < raw.length; i += 2) answer.headers[raw[i].toLowerCase()] = raw[i + 1];
      },
      data: (chunk) => {
        answer.body += chunk.toString('latin1');
        if (options.pauseFirst && !paused) {
          paused = true;
          setTimeout(() => ex!.resume(), 20);
          return false;
        }
        return true;
      },
      end: (trailers) => {
        answer.trailers = trailers;
        resolve(answer);
      },
      error: (err) => {
        answer.error = err;
        resolve(answer);
      },
    };
    ex = pool.send(`127.0.0.1:${port}`, '127.0.0.1', port, head, sink, options.skipBody ?? false);
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

const get = (path: string) => requestHead('GET', path, 'example.com', new Map([['x-a', ['1']]]));

(FAST_H1_AVAILABLE ? describe : describe.skip)('lean HTTP/1.1 upstream client', () => {
  let server: http.Server;
  let port: number;
  const connections = new Set<net.Socket>();
  let lastHead = '';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      lastHead = `${req.method} ${req.url} ${JSON.stringify(req.headers)}`;
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain', 'trailer': 'x-checksum' });
        res.write('hello ');
        res.addTrailers({ 'x-checksum': 'abc' });
        res.end('world');
        return;
      }
      if (req.url === '/early-hints') {
        res.writeEarlyHints({ link: '</a.css>; rel=preload' });
        res.end('after hints');
        return;
      }
      if (req.url === '/big') {
        res.end('x'.repeat(256 * 1024));
        return;
      }
      if (req.url === '/close') {
        res.setHeader('connection', 'close');
        res.end('bye');
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end(`ok ${req.url}`);
    });
    server.on('connection', (s) => {
      connections.add(s);
      s.on('close', () => connections.delete(s));
    });
    port = await listen(server);
  });

  afterAll(async () => {
    for (const s of connections) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('the request head: request line, host, lowercase headers, cookies joined', () => {
    const headers = new Map([['x-one', ['a', 'b']], ['cookie', ['c=1', 'd=2']], ['empty', []]]);
    expect(requestHead('GET', '/p?q=1', 'example.com:8080', headers)).toBe(
      'GET /p?q=1 HTTP/1.1\r\nhost: example.com:8080\r\nx-one: a\r\nx-one: b\r\ncookie: c=1; d=2\r\n\r\n');
  });

  test.each([
    ['a value with CR LF', () => requestHead('GET', '/', 'h', new Map([['x', ['a\r\nb: c']]]))],
    ['a name with a space', () => requestHead('GET', '/', 'h', new Map([['x y', ['a']]]))],
    ['a target with a space', () => requestHead('GET', '/a b', 'h', new Map())],
  ])('fails on %s, as node:http does', (_what, fn) => {
    expect(fn).toThrow(TypeError);
  });

  test('keep-alive: sequential requests reuse one connection; the backend sees the head as written', async () => {
    const pool = new H1Pool();
    const before = connections.size;
    for (let i = 0; i < 5; i++) {
      const a = await exchange(pool, port, get(`/n/${i}`));
      expect(a).toMatchObject({ status: 200, body: `ok /n/${i}` });
    }
    expect(connections.size - before).toBe(1);
    expect(lastHead).toBe('GET /n/4 {"host":"example.com","x-a":"1"}');
    pool.close();
  });

  test('a pooled connection the backend closed while idle: the request is sent again on a new connection', async () => {
    const pool = new H1Pool();
    expect((await exchange(pool, port, get('/first'))).status).toBe(200);
    for (const s of connections) s.destroy(); // the backend drops its idle keep-alive connections
    await new Promise((r) => setTimeout(r, 1)); // not yet seen as closed by the client in every case
    const a = await exchange(pool, port, get('/second'));
    expect(a).toMatchObject({ status: 200, body: 'ok /second' });
    pool.close();
  });

  test('Connection: close answers are not pooled', async () => {
    const pool = new H1Pool();
    expect((await exchange(pool, port, get('/close'))).body).toBe('bye');
    expect([...pool.endpoints()]).toEqual([]);
    expect((await exchange(pool, port, get('/after'))).body).toBe('ok /after');
    pool.close();
  });

  test('HEAD: no body is read, the connection stays usable', async () => {
    const pool = new H1Pool();
    const a = await exchange(pool, port, requestHead('HEAD', '/h', 'example.com', new Map()), { skipBody: true });
    expect(a).toMatchObject({ status: 200, body: '' });
    expect((await exchange(pool, port, get('/next'))).body).toBe('ok /next');
    pool.close();
  });

  test('chunked bodies with trailers; 1xx answers before the final one are skipped', async () => {
    const pool = new H1Pool();
    const a = await exchange(pool, port, get('/chunked'));
    expect(a.body).toBe('hello world');
    expect(a.trailers).toEqual(['x-checksum', 'abc']);
    const b = await exchange(pool, port, get('/early-hints'));
    expect(b).toMatchObject({ status: 200, body: 'after hints' });
    pool.close();
  });

  test('back-pressure: reading stops until resume()', async () => {
    const pool = new H1Pool();
    const a = await exchange(pool, port, get('/big'), { pauseFirst: true });
    expect(a.body.length).toBe(256 * 1024);
    pool.close();
  });

  test.each([
    ['not HTTP', 'this is not http\r\n\r\n', 'upstream-protocol'],
    ['closed before an answer', '', 'upstream-reset'],
  ])('a backend that answers %s: %s', async (_what, reply, kind) => {
    const bad = net.createServer((s) => {
      s.on('data', () => s.end(reply));
      s.on('error', () => undefined);
    });
    const badPort = await listen(bad);
    const pool = new H1Pool();
    const a = await exchange(pool, badPort, get('/'));
    expect(a.error?.kind).toBe(kind);
    pool.close();
    await new Promise<void>((r) => bad.close(() => r()));
  });

  test('a refused connection', async () => {
    const closed = net.createServer();
    const closedPort = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const pool = new H1Pool();
    expect((await exchange(pool, closedPort, get('/'))).error?.kind).toBe('upstream-refused');
    pool.close();
  });

  test('retain() drops the pools of endpoints no longer used', async () => {
    const pool = new H1Pool();
    await exchange(pool, port, get('/x'));
    expect([...pool.endpoints()]).toEqual([`127.0.0.1:${port}`]);
    pool.retain(new Set());
    expect([...pool.endpoints()]).toEqual([]);
    pool.close();
  });
});

describe('requestHeadFromRaw', () => {
  /** The header lines of a head, sorted (the two writers may order the appended X-Forwarded-* lines differently). */
  const lines = (head: string) => head.split('\r\n').filter((l) => l !== '').sort();

  /** What the general path writes for the same raw list: headerList, stripHopByHop, expect removed, setForwarded, requestHead. */
  function viaHeaderList(method: string, target: string, authority: string, raw: readonly string[],
    forwarded: ForwardedInfo, zeroLength: boolean): string {
    const obj: Record<string, string> = {};
    for (let i = 0; i < raw.length; i += 2) obj[raw[i].toLowerCase()] = raw[i + 1];
    const list = stripHopByHop(headerList(obj));
    list.delete('expect');
    setForwarded(list, forwarded);
    if (zeroLength && !list.has('content-length')) list.set('content-length', ['0']);
    return requestHead(method, target, authority, list);
  }

  test('writes what the header-list path writes, for any raw list of distinct names', () => {
    const names = fc.constantFrom('Accept', 'x-forwarded-for', 'X-Forwarded-Proto', 'x-forwarded-host', 'Connection', 'Keep-Alive', 'TE', 'Upgrade',
      'x-drop-me', 'Host', 'Expect', 'Content-Length', 'Cookie', 'User-Agent', 'Proxy-Authorization', 'X-Custom');
    const value = fc.stringMatching(/^[!-~]([ !-~]{0,10}[!-~])?$/);
    fc.assert(fc.property(
      fc.uniqueArray(fc.tuple(names, value), { selector: ([n]) => n.toLowerCase(), maxLength: 12 }),
      fc.boolean(),
      fc.option(fc.constantFrom('10.0.0.1', '::ffff:10.0.0.2', '::1'), { nil: undefined }),
      fc.option(fc.constantFrom('example.com', ''), { nil: undefined }),
      fc.boolean(),
      (pairs, connectionNamesDrop, clientAddress, host, zeroLength) => {
        const raw = pairs.flatMap(([n, v]) => [n, n.toLowerCase() === 'connection' && connectionNamesDrop ? 'x-drop-me, keep-alive' : v]);
        const forwarded = { clientAddress, proto: 'http', host };
        expect(lines(requestHeadFromRaw('GET', '/p?q=1', 'example.com', raw, forwarded, zeroLength)))
          .toStrictEqual(lines(viaHeaderList('GET', '/p?q=1', 'example.com', raw, forwarded, zeroLength)));
      },
    ), { numRuns: 500, seed: 20261126 });
  });

  test('fails on a target with a space, as node:http does', () => {
    expect(() => requestHeadFromRaw('GET', '/a b', 'h', [], { proto: 'http' }, false)).toThrow(TypeError);
  });
});
