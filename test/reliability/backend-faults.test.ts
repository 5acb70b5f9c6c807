/**
 * Backend faults: a backend that refuses, resets, hangs or answers garbage gives the client 502/503/504
 * within the configured time, repeated faults leak no socket and no memory, a dead or hanging mirror
 * never touches the primary answer, and a client that leaves cancels the upstream request.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as v8 from 'v8';
import * as vm from 'vm';
import { openTcpHandles, sleep } from './helpers';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, routeDoc, startBackend, startGateway, until } from '../dataplane/proxy/helpers';

v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');

interface RawServer {
  readonly address: string;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A TCP server that does `onSocket` with every connection (resets, hangs, garbage). */
async function rawServer(onSocket: (s: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    sockets,
    close: () => new Promise((r) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => r());
    }),
  };
}

async function closedPort(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `127.0.0.1:${port}`;
}

let ok: Backend;
let slowMirror: RawServer;
let hang: RawServer;
let reset: RawServer;
let garbage: RawServer;
let halfHead: RawServer;
let midway: Backend;
let slow: Backend;
let gw: StartedGateway;

const TIMEOUTS = { request: '1s', backendRequest: '400ms' };

beforeAll(async () => {
  ok = await startBackend('ok');
  slow = await startBackend('slow', (_req, res) => {
    const t = setTimeout(() => res.end('late'), 5_000);
    res.on('close', () => clearTimeout(t));
    return true;
  });
  midway = await startBackend('midway', (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('only part of it');
    setTimeout(() => res.socket?.destroy(), 20);
    return true;
  });
  // Read and never answer (reading lets the server see the gateway close its end).
  hang = await rawServer((s) => s.resume());
  slowMirror = await rawServer((s) => s.resume());
  reset = await rawServer((s) => s.once('data', () => s.resetAndDestroy()));
  garbage = await rawServer((s) => s.once('data', () => s.end('HELLO I AM NOT HTTP\r\n\r\n')));
  halfHead = await rawServer((s) => {
    s.once('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n'));
    s.resume();
  });
  const rule = (prefix: string, backend: string, extra: any = {}) => routeDoc(prefix.slice(1), [{
    matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [backendRef(backend)], ...extra,
  }]);
  const mirror = (name: string) => ({ type: 'RequestMirror', requestMirror: { backendRef: { name, port: 8080 } } });
  gw = await startGateway([
    gatewayDoc(),
    rule('/refused', 'refused', { timeouts: TIMEOUTS }),
    rule('/reset', 'reset', { timeouts: TIMEOUTS }),
    rule('/hang', 'hang', { timeouts: TIMEOUTS }),
    rule('/garbage', 'garbage', { timeouts: TIMEOUTS }),
    rule('/half-head', 'half-head', { timeouts: TIMEOUTS }),
    rule('/midway', 'midway', { timeouts: TIMEOUTS }),
    rule('/slow', 'slow'),
    rule('/mirrored', 'ok', { filters: [mirror('dead-mirror'), mirror('slow-mirror')] }),
    rule('/ok', 'ok'),
  ], {
    [`${NS}/ok:8080`]: ok.address,
    [`${NS}/slow:8080`]: slow.address,
    [`${NS}/refused:8080`]: await closedPort(),
    [`${NS}/reset:8080`]: reset.address,
    [`${NS}/hang:8080`]: hang.address,
    [`${NS}/garbage:8080`]: garbage.address,
    [`${NS}/half-head:8080`]: halfHead.address,
    [`${NS}/midway:8080`]: midway.address,
    [`${NS}/dead-mirror:8080`]: await closedPort(),
    [`${NS}/slow-mirror:8080`]: slowMirror.address,
  }, { accessLogSink: () => undefined });
});

afterAll(async () => {
  await gw?.close();
  for (const s of [ok, slow, midway, hang, slowMirror, reset, garbage, halfHead]) await s?.close();
});

/** The client's own deadline: an answer before it came from the gateway, never from the client giving up. */
const CLIENT_TIMEOUT_MS = 30_000;

/**
 * One request; resolves with the status (0 when the response was cut, with the client's error), and the time it took
 * (checked against lower bounds only: a timeout must not fire early; how much later it fires depends on the machine).
 */
async function timed(path: string, agent?: http.Agent): Promise<{ status: number; ms: number; error?: string }> {
  const started = Date.now();
  try {
    const r = await request(gw.port(), { path, host: 'example.com', timeoutMs: CLIENT_TIMEOUT_MS, agent });
    return { status: r.status, ms: Date.now() - started };
  } catch (e) {
    return { status: 0, ms: Date.now() - started, error: (e as Error).message };
  }
}

describe('each fault gets its status within the configured time', () => {
  test.each([
    ['/refused', 503, 0],
    ['/reset', 502, 0],
    ['/garbage', 502, 0],
    ['/hang', 504, 400],
    ['/half-head', 504, 400],
  ])('%s -> %i from the gateway, not before its timeout (%i ms)', async (path, status, timeoutMs) => {
    // WHEN
    const r = await timed(path);

    // THEN the status is the gateway's (the hanging backends never answer and the client waits far longer)
    expect(r.status).toBe(status);
    expect(r.ms).toBeGreaterThanOrEqual(timeoutMs - 5);
  });

  test('a backend that resets mid-response: the client sees the response cut, not a complete short one', async () => {
    // WHEN
    const r = await timed('/midway');

    // THEN the cut reached the client (not its own deadline)
    expect(r.status).toBe(0);
    expect(r.error).not.toBe('client timeout');
  });

  test('HTTP/2 clients get the same statuses', async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    try {
      const ask = (path: string) => new Promise<number>((resolve) => {
        const s = session.request({ ':path': path, ':authority': 'example.com' });
        s.on('response', (h) => resolve(Number(h[':status'])));
        s.on('error', () => resolve(0));
        s.resume();
        s.end();
      });
      expect(await Promise.all(['/refused', '/reset', '/garbage', '/hang'].map(ask))).toStrictEqual([503, 502, 502, 504]);
    } finally {
      session.close();
    }
  });
});

describe('no leaks under repeated faults', () => {
  test('600 faulty requests (keep-alive clients): sockets back to the baseline, heap flat', async () => {
    const paths = ['/refused', '/reset', '/garbage', '/hang', '/half-head', '/midway'];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 30 });
    const round = async (n: number) => {
      const results: number[] = [];
      for (let i = 0; i < n; i += 60) {
        const batch = await Promise.all(Array.from({ length: Math.min(60, n - i) }, (_, k) => timed(paths[(i + k) % paths.length], agent)));
        results.push(...batch.map((b) => b.status));
      }
      return results;
    };
    await round(120); // warm up: pools, JIT, metrics label sets
    agent.destroy();
    await sleep(300);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const handlesBefore = openTcpHandles();

    const agent2 = new http.Agent({ keepAlive: true, maxSockets: 30 });
    const statuses = await round(600);
    agent2.destroy();
    agent.destroy();
    expect(new Set(statuses)).toStrictEqual(new Set([503, 502, 504, 0]));
    expect(statuses.filter((s) => s === 200)).toStrictEqual([]);

    // THEN every socket opened for these requests is closed again (hanging backends included, by the timeouts)
    await until(() => openTcpHandles() <= handlesBefore + 2, 5_000).catch(() => undefined);
    const open = {
      handles: openTcpHandles(), hang: hang.sockets.size, reset: reset.sockets.size, garbage: garbage.sockets.size, half: halfHead.sockets.size,
    };
    expect(open).toStrictEqual({ handles: handlesBefore, hang: 0, reset: 0, garbage: 0, half: 0 });
    expect(hang.sockets.size).toBeLessThanOrEqual(30);
    gc();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('mirrors', () => {
  test('a dead and a hanging mirror never delay or fail the primary; copies in flight stay bounded', async () => {
    const mirrorsBefore = slowMirror.sockets.size;
    const statuses: number[] = [];
    for (let i = 0; i < 400; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, k) => timed(`/mirrored/${i + k}`)));
      statuses.push(...batch.map((b) => b.status));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Had a primary waited for its copy, every copy would have ended (at the mirror's deadline) before its primary
    // answered: the hanging mirror still holds copies of the last requests, so their primaries did not wait.
    const holding = slowMirror.sockets.size - mirrorsBefore;
    expect(holding).toBeGreaterThan(0);
    // The hanging mirror holds at most the mirror's in-flight limit (256) of connections; the rest are dropped.
    expect(holding).toBeLessThanOrEqual(256);
    const metrics = (await request(gw.adminPort, { path: '/metrics' })).body;
    expect(metrics).toMatch(/gateway_mirror_requests_total\{result="dropped"\} [1-9]/);
    expect(metrics).toMatch(/gateway_mirror_requests_total\{result="failed"\} [1-9]/);
  });
});

describe('client disconnects cancel the upstream request', () => {
  test('HTTP/1.1: the client closes its socket while the backend is still working', async () => {
    const sock = net.connect(gw.port(), '127.0.0.1');
    sock.on('error', () => undefined);
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET /slow/h1-abort HTTP/1.1\r\nHost: example.com\r\n\r\n');
    await until(() => slow.seen.some((r) => r.path === '/slow/h1-abort'));
    sock.destroy();
    // THEN the backend's response is closed before it could finish (it answers after 5 s): `aborted` counts only those
    await until(() => slow.aborted.includes('/slow/h1-abort'), 10_000);
  });

  test('HTTP/2: the client resets its stream while the backend is still working', async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    try {
      const stream = session.request({ ':path': '/slow/h2-abort', ':authority': 'example.com' });
      stream.on('error', () => undefined);
      stream.end();
      await until(() => slow.seen.some((r) => r.path === '/slow/h2-abort'));
      stream.close(http2.constants.NGHTTP2_CANCEL);
      // THEN as above: closed before the backend could finish
      await until(() => slow.aborted.includes('/slow/h2-abort'), 10_000);
    } finally {
      session.close();
    }
  });

  test('HTTP/1.1: a client that leaves while its request body is still uploading cancels the upstream request', async () => {
    const sink = await rawServer((s) => s.resume());
    const gw2 = await startGateway([gatewayDoc(), routeDoc('upload', [{ backendRefs: [backendRef('sink')] }])], { [`${NS}/sink:8080`]: sink.address }, { accessLogSink: () => undefined });
    try {
      const sock = net.connect(gw2.port(), '127.0.0.1');
      sock.on('error', () => undefined);
      await new Promise((r) => sock.once('connect', r));
      sock.write('POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 100000\r\n\r\npartial');
      await until(() => sink.sockets.size === 1);
      sock.destroy();
      // THEN the upstream connection is closed (the sink never answers nor closes on its own)
      await until(() => sink.sockets.size === 0, 10_000);
    } finally {
      await gw2.close();
      await sink.close();
    }
  });
});

describe('HTTP/2 (h2c) backend faults', () => {
  let h2: http2.Http2Server;
  let garbageH2: RawServer;
  let gwH2: StartedGateway;
  const sessions = new Set<http2.ServerHttp2Session>();

  beforeAll(async () => {
    h2 = http2.createServer();
    h2.on('session', (s) => {
      s.on('error', () => undefined);
      sessions.add(s);
      s.on('close', () => sessions.delete(s));
    });
    h2.on('stream', (stream: http2.ServerHttp2Stream, headers) => {
      stream.on('error', () => undefined);
      const p = String(headers[':path']);
      if (p.startsWith('/h2/rst')) {
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      } else if (p.startsWith('/h2/goaway')) {
        stream.session?.destroy(undefined, http2.constants.NGHTTP2_INTERNAL_ERROR);
      } else if (p.startsWith('/h2/midway')) {
        stream.respond({ ':status': 200, 'content-length': '100' });
        stream.write('part');
        setTimeout(() => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR), 20);
      } else if (!p.startsWith('/h2/hang')) {
        stream.respond({ ':status': 200 });
        stream.end('{"backend":"h2"}');
      }
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    garbageH2 = await rawServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n')));
    const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ port: 8080, appProtocol: 'kubernetes.io/h2c' }] } });
    gwH2 = await startGateway([
      gatewayDoc(),
      service('h2'),
      service('h2-garbage'),
      routeDoc('h2', [{ matches: [{ path: { type: 'PathPrefix', value: '/h2' } }], backendRefs: [backendRef('h2')], timeouts: TIMEOUTS }]),
      routeDoc('h2-garbage', [{ matches: [{ path: { type: 'PathPrefix', value: '/garbage' } }], backendRefs: [backendRef('h2-garbage')], timeouts: TIMEOUTS }]),
    ], {
      [`${NS}/h2:8080`]: `127.0.0.1:${(h2.address() as net.AddressInfo).port}`,
      [`${NS}/h2-garbage:8080`]: garbageH2.address,
    }, { accessLogSink: () => undefined });
  });

  afterAll(async () => {
    await gwH2?.close();
    sessions.forEach((s) => s.destroy());
    await new Promise<void>((r) => h2.close(() => r()));
    await garbageH2?.close();
  });

  const ask = async (path: string): Promise<{ status: number; error?: string }> => {
    try {
      const r = await request(gwH2.port(), { path, host: 'example.com', timeoutMs: CLIENT_TIMEOUT_MS });
      return { status: r.status };
    } catch (e) {
      return { status: 0, error: (e as Error).message };
    }
  };

  test.each([
    ['/h2/rst', 502],
    ['/h2/goaway', 502],
    ['/h2/hang', 504],
    ['/h2/midway', 0],
    ['/garbage', 502],
  ])('%s -> %i from the gateway, and the next request to the backend is served', async (path, status) => {
    // WHEN
    const r = await ask(path);

    // THEN the gateway answered or cut the response (the client's own deadline is far later)
    expect(r.status).toBe(status);
    expect(r.error).not.toBe('client timeout');
    expect((await ask('/h2/ok')).status).toBe(200);
  });
});
