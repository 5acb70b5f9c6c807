/**
 * Slow clients, connection limits and HTTP/2 floods: each is cut off or bounded, and the gateway keeps
 * serving everybody else.
 */
import * as http2 from 'http2';
import * as net from 'net';
import * as tls from 'tls';
import { generate } from 'selfsigned';
import { H2_PREFACE, get, goawayCode, h2Frame, h2Get, h2Rst, parseFrames, rawH2, rawRequest, sleep } from './helpers';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, requestH2, routeDoc, startBackend, startGateway } from '../dataplane/proxy/helpers';

const HEADER_TIMEOUT = 600;
let fast: Backend;
let slow: Backend;
let gw: StartedGateway;

beforeAll(async () => {
  fast = await startBackend('fast');
  slow = await startBackend('slow', (_req, res) => {
    const t = setTimeout(() => res.end('{"backend":"slow"}'), 1_500);
    res.on('close', () => clearTimeout(t));
    return true;
  });
  gw = await startGateway([
    gatewayDoc(),
    routeDoc('fast', [{ matches: [{ path: { type: 'PathPrefix', value: '/fast' } }], backendRefs: [backendRef('fast')] }]),
    routeDoc('slow', [{ matches: [{ path: { type: 'PathPrefix', value: '/slow' } }], backendRefs: [backendRef('slow')] }]),
  ], { [`${NS}/fast:8080`]: fast.address, [`${NS}/slow:8080`]: slow.address }, {
    limits: { headerTimeoutMs: HEADER_TIMEOUT, maxConcurrentStreams: 20, maxPrematureResets: 50 },
  });
});

afterAll(async () => {
  await gw?.close();
  await fast?.close();
  await slow?.close();
});

/** The gateway still answers a normal request. */
async function stillServing(): Promise<void> {
  const r = await request(gw.port(), { path: '/fast/ok', host: 'example.com', timeoutMs: 10_000 });
  expect(r.status).toBe(200);
}

describe('slow clients', () => {
  test('headers dribbled one line at a time are cut off with 408 after the header timeout', async () => {
    const lines = ['GET /fast/slowloris HTTP/1.1\r\n', 'Host: example.com\r\n', ...Array.from({ length: 40 }, (_, i) => `X-Drip-${i}: 1\r\n`)];
    const a = await rawRequest(gw.port(), lines, { gapMs: 100, waitMs: 5_000 });
    expect(a.status).toBe(408);
    expect(a.body).toMatch(/the request head was not complete within 600 ms/);
    expect(a.closed).toBe(true);
    // (the 408 came while the client was still sending lines: a complete head would have reached the backend)
    expect(a.elapsedMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
    expect(fast.seen.map((r) => r.path)).not.toContain('/fast/slowloris');
    await stillServing();
  });

  test('a connection that sends nothing is closed after the header timeout', async () => {
    const a = await rawRequest(gw.port(), [], { waitMs: 10_000 });
    expect(a.closed).toBe(true);
    expect(a.raw).toBe('');
    expect(a.elapsedMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
  });

  test('a connection that stops inside the HTTP/2 preface is closed after the header timeout', async () => {
    const a = await rawRequest(gw.port(), H2_PREFACE.subarray(0, 10), { waitMs: 10_000 });
    expect(a.closed).toBe(true);
    expect(a.elapsedMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
  });

  test('HTTP/2: a header block dribbled in CONTINUATION frames is cut off after the header timeout', async () => {
    const value = 'v'.repeat(100);
    const block = Buffer.concat([Buffer.from([0x82, 0x86, 0x04, 6]), Buffer.from('/fast/'), Buffer.from([0x01, 11]), Buffer.from('example.com'),
      Buffer.from([0x00, 7]), Buffer.from('x-slowh'), Buffer.from([value.length]), Buffer.from(value)]);
    const socket = net.connect(gw.port(), '127.0.0.1');
    socket.on('error', () => undefined);
    const frames: Buffer[] = [];
    socket.on('data', (c: Buffer) => frames.push(c));
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    socket.write(Buffer.concat([H2_PREFACE, h2Frame(0x4, 0, 0), h2Frame(0x1, 0x1, 1, block.subarray(0, 10))]));
    // nghttp2 itself ends a session after 8 CONTINUATION frames; this client stays under that, slowly.
    let at = 10;
    let sent = 0;
    const drip = setInterval(() => {
      if (sent++ < 6 && !socket.destroyed) socket.write(h2Frame(0x9, 0, 1, block.subarray(at, ++at)));
    }, 150);
    const closedAfter = await new Promise<number>((resolve) => {
      socket.once('close', () => resolve(Date.now() - started));
      setTimeout(() => resolve(-1), 10_000);
    });
    clearInterval(drip);
    socket.destroy();
    // (the client stops after 6 frames and keeps the connection open: only the gateway's timeout closes it)
    expect(closedAfter).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
    expect(goawayCode(parseFrames(Buffer.concat(frames)))).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await stillServing();
  });

  test('HTTP/2: a connection without an open stream gets GOAWAY after the header timeout; one with a stream in progress does not', async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    try {
      const goaway = new Promise<number>((resolve) => session.once('goaway', (code) => resolve(code)));
      const r = await new Promise<number>((resolve, reject) => {
        const s = session.request({ ':path': '/slow/long', ':authority': 'example.com' });
        s.on('response', (h) => resolve(Number(h[':status'])));
        s.on('error', reject);
        s.resume();
        s.end();
      });
      expect(r).toBe(200); // the 1.5 s request outlived the 600 ms idle timeout: an open stream counts
      expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      session.close();
    }
  });

  test('an idle keep-alive connection does not count against the header timeout of its next request', async () => {
    const a = await rawRequest(gw.port(), [
      'GET /fast/1 HTTP/1.1\r\nHost: example.com\r\n\r\n',
      'GET /fast/2 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n',
    ], { gapMs: HEADER_TIMEOUT + 400, waitMs: 5_000 });
    expect(a.statuses).toStrictEqual([200, 200]);
  });
});

describe('connection limits', () => {
  test('past --max-connections new connections are closed at once; one closing makes room', async () => {
    const limited = await startGateway([
      gatewayDoc(),
      routeDoc('fast', [{ backendRefs: [backendRef('fast')] }]),
    ], { [`${NS}/fast:8080`]: fast.address }, { limits: { maxConnections: 5 } });
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const s = net.connect(limited.port(), '127.0.0.1');
        s.on('error', () => undefined);
        const answered = new Promise<void>((resolve) => s.once('data', () => resolve()));
        s.write('GET /keep HTTP/1.1\r\nHost: example.com\r\n\r\n');
        await answered;
        open.push(s);
      }
      const refused = await rawRequest(limited.port(), get('/over'), { waitMs: 2_000 });
      expect(refused.closed).toBe(true);
      expect(refused.raw).toBe('');
      open.shift()!.destroy();
      await sleep(100);
      const ok = await rawRequest(limited.port(), get('/room'));
      expect(ok.status).toBe(200);
    } finally {
      open.forEach((s) => s.destroy());
      await limited.close();
    }
  });
});

describe('HTTP/1.1 pipelining', () => {
  let counting: Backend;
  let pgw: StartedGateway;
  let concurrent = 0;
  let maxConcurrent = 0;
  beforeAll(async () => {
    counting = await startBackend('counting', (_req, res) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      setTimeout(() => {
        concurrent--;
        res.end('{"backend":"counting"}');
      }, 5);
      return true;
    });
    pgw = await startGateway([gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('counting')] }])], { [`${NS}/counting:8080`]: counting.address }, { accessLogSink: () => undefined });
  });
  afterAll(async () => {
    await pgw?.close();
    await counting?.close();
  });

  test('pipelined requests of one connection are handled one at a time, all answered in order', async () => {
    maxConcurrent = 0;
    const reqs = Array.from({ length: 50 }, (_, i) => `GET /p/${i} HTTP/1.1\r\nHost: example.com\r\n\r\n`).join('');
    const a = await rawRequest(pgw.port(), reqs, { untilResponses: 50, waitMs: 10_000 });
    expect(a.statuses).toStrictEqual(Array(50).fill(200));
    expect(counting.seen.slice(-50).map((r) => r.path)).toStrictEqual(Array.from({ length: 50 }, (_, i) => `/p/${i}`));
    expect(maxConcurrent).toBe(1);
  });

  test('a packet of 2,000 pipelined requests opens one upstream request at a time and the connection is closed', async () => {
    maxConcurrent = 0;
    const before = counting.seen.length;
    const reqs = 'GET /flood HTTP/1.1\r\nHost: example.com\r\n\r\n'.repeat(2_000);
    const a = await rawRequest(pgw.port(), reqs, { waitMs: 5_000 });
    expect(a.closed).toBe(true);
    expect(maxConcurrent).toBe(1);
    expect(counting.seen.length - before).toBeLessThanOrEqual(65);
    expect(pgw.server.sockets.get(`${NS}/same-namespace:80`)!.inFlight).toBe(0);
    await stillServing();
  });
});

describe('HTTP/2 floods', () => {
  test('rapid reset: a client that resets every stream right after opening it gets GOAWAY ENHANCE_YOUR_CALM', async () => {
    const before = fast.seen.length;
    const frames: Buffer[] = [];
    for (let i = 0; i < 800; i++) {
      const id = 1 + 2 * i;
      frames.push(h2Get(id, `/fast/reset-${i}`), h2Rst(id));
    }
    // (the wait ends when the gateway closes the connection; 20 s bounds it on a busy machine)
    const r = await rawH2(gw.port(), Buffer.concat(frames), 20_000);
    expect(goawayCode(r.frames)).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect(r.closed).toBe(true);
    await sleep(200);
    // At most about the reset limit of streams were ever forwarded.
    expect(fast.seen.length - before).toBeLessThan(150);
    await stillServing();
  });

  test('stream flood: streams past maxConcurrentStreams are refused, then the session is closed', async () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < 400; i++) frames.push(h2Get(1 + 2 * i, `/slow/flood-${i}`));
    const r = await rawH2(gw.port(), Buffer.concat(frames), 20_000);
    const refused = r.frames.filter((f) => f.type === 0x3 && f.payload.readUInt32BE(0) === http2.constants.NGHTTP2_REFUSED_STREAM);
    expect(refused.length).toBeGreaterThan(0);
    expect(r.closed).toBe(true);
    // closed before the slow backend answered anything: no response HEADERS frame reached the client
    expect(r.frames.filter((f) => f.type === 0x1)).toStrictEqual([]);
    await sleep(300);
    expect(slow.seen.filter((s) => s.path.startsWith('/slow/flood-')).length).toBeLessThanOrEqual(20);
    await stillServing();
  });

  test.each([
    ['PING', () => h2Frame(0x6, 0, 0, Buffer.alloc(8))],
    ['SETTINGS', () => h2Frame(0x4, 0, 0, Buffer.from([0x00, 0x03, 0x00, 0x00, 0x00, 0x64]))],
  ])('%s flood (5 MB of frames) from a client that never reads its acknowledgements: the session is ended, others are served', async (_name, frame) => {
    const socket = net.connect(gw.port(), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.pause(); // never read the acknowledgements
    const closed = new Promise<number>((resolve) => {
      const started = Date.now();
      socket.once('close', () => resolve(Date.now() - started));
    });
    const burst = Buffer.concat(Array.from({ length: 2_000 }, frame));
    socket.write(Buffer.concat([H2_PREFACE, h2Frame(0x4, 0, 0)]));
    for (let i = 0; i < 150 && !socket.destroyed; i++) socket.write(burst);
    const ms = await Promise.race([closed, sleep(15_000).then(() => -1)]);
    socket.destroy();
    expect(ms).toBeGreaterThanOrEqual(0);
    await stillServing();
  });

  test('a well-behaved HTTP/2 client with many concurrent streams is served in full', async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    try {
      // A client waits for the server's SETTINGS (streams over its limit are refused before that).
      await new Promise((resolve) => session.once('remoteSettings', resolve));
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => new Promise<number>((resolve, reject) => {
        const s = session.request({ ':path': `/fast/ok-${i}`, ':authority': 'example.com' });
        s.on('response', (h) => resolve(Number(h[':status'])));
        s.on('error', reject);
        s.resume();
        s.end();
      })));
      expect(results.every((s) => s === 200)).toBe(true);
    } finally {
      session.close();
    }
    expect((await requestH2(gw.port(), { path: '/fast/after' })).status).toBe(200);
  });
});

describe('TLS listeners: the same timeouts and checks', () => {
  let tlsGw: StartedGateway;
  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'example.org' }], { keySize: 2048 } as any);
    tlsGw = await startGateway([
      gatewayDoc([{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ group: '', kind: 'Secret', name: 'cert' }] } }]),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: 'cert', namespace: NS },
        data: { 'tls.crt': Buffer.from(pems.cert).toString('base64'), 'tls.key': Buffer.from(pems.private).toString('base64') },
      },
      routeDoc('fast', [{ backendRefs: [backendRef('fast')] }]),
    ], { [`${NS}/fast:8080`]: fast.address }, { limits: { headerTimeoutMs: HEADER_TIMEOUT } });
  });
  afterAll(async () => {
    await tlsGw?.close();
  });

  /** A TLS connection (ALPN http/1.1) that writes `parts` 100 ms apart; resolves with what came back and when it closed. */
  function tlsExchange(parts: string[]): Promise<{ data: string; closedAfterMs: number }> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: tlsGw.port(443), servername: 'example.org', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      let data = '';
      let started = 0;
      const timers: NodeJS.Timeout[] = [];
      socket.on('data', (c: Buffer) => {
        data += c.toString('latin1');
      });
      socket.on('error', () => undefined);
      socket.on('secureConnect', () => {
        started = Date.now();
        parts.forEach((p, i) => timers.push(setTimeout(() => socket.writable && socket.write(p), i * 100)));
      });
      socket.on('close', () => {
        timers.forEach(clearTimeout);
        resolve({ data, closedAfterMs: Date.now() - started });
      });
      timers.push(setTimeout(() => socket.destroy(), 15_000));
    });
  }

  test('a connection that never starts the TLS handshake is closed after the header timeout', async () => {
    const a = await rawRequest(tlsGw.port(443), [], { waitMs: 10_000 });
    expect(a.closed).toBe(true);
    expect(a.elapsedMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
  });

  test('HTTP/1.1 over TLS: a dribbled head gets 408 after the header timeout', async () => {
    const r = await tlsExchange(['GET /x HTTP/1.1\r\n', 'Host: example.org\r\n', ...Array.from({ length: 40 }, (_, i) => `X-Drip-${i}: 1\r\n`)]);
    // (before the client's 40 lines were all sent: a complete head would have been routed)
    expect(r.data).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT - 50);
  });

  test('HTTP/1.1 over TLS: the path policy applies', async () => {
    const r = await tlsExchange(['GET /a%2Fb HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n']);
    expect(r.data).toMatch(/^HTTP\/1\.1 400 /);
    expect(r.data).toMatch(/encoded '\/' \(%2F\)/);
  });
});
