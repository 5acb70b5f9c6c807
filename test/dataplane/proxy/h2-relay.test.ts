/**
 * The HTTP/2 direct path (H2Relay in handler.ts): an HTTP/2 client's request to an HTTP/2 backend, with no retry,
 * mirror or route timeout, relayed stream to stream. These tests drive it over real sockets with a raw HTTP/2
 * backend whose behaviour each path picks.
 */
import { createHash } from 'crypto';
import * as http2 from 'http2';
import * as net from 'net';
import { H2Answer, NS, StartedGateway, backendRef, gatewayDoc, h2Exchange, routeDoc, startGateway, until } from './helpers';

/** A deterministic body of `size` bytes, different for each `seed`. */
function bodyOf(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    b[i] = Math.floor(x / 8388608);
  }
  return b;
}

const MiB = 1024 * 1024;
const KiB = 1024;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** One request on `session` (POST to h2.example.com unless `headers` say otherwise), with `body` if any. */
function exchange(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<H2Answer> {
  return h2Exchange(session, { ':method': 'POST', ':authority': 'h2.example.com', ...headers }, { body, endStream: body === undefined, timeoutMs: 10_000 });
}

describe('HTTP/2 client to HTTP/2 backend, stream to stream', () => {
  let backend: http2.Http2Server;
  /** Paths whose backend stream the gateway reset with CANCEL. */
  const cancelled: string[] = [];
  /** How the request stream of an upload ended at the backend: 'ended' (END_STREAM) or 'reset CODE'. */
  const uploads = new Map<string, string>();
  let gw: StartedGateway;
  let session: http2.ClientHttp2Session;

  beforeAll(async () => {
    backend = http2.createServer();
    backend.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      stream.on('error', () => undefined);
      stream.on('close', () => {
        if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) cancelled.push(path);
      });
      if (path === '/pkg.Svc/TrailersOnly') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'not here' }, { endStream: true });
        return;
      }
      if (path === '/reset-before') {
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      if (path === '/reset-midway') {
        stream.respond({ ':status': 200 });
        stream.write('part of an answer');
        // (destroy with an error sends RST_STREAM alone; close(code) would end the stream first)
        setTimeout(() => stream.destroy(new Error('the backend failed')), 50);
        return;
      }
      if (path === '/pkg.Svc/Hang') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        stream.write(Buffer.from([0, 0, 0, 0, 0]));
        return; // never ends: the gateway's deadline cuts it
      }
      if (path === '/upload-cut') {
        // reads the upload; tells how its request stream finished
        stream.on('data', () => {
          if (!uploads.has(path)) uploads.set(path, 'receiving');
        });
        stream.on('end', () => uploads.set(path, 'ended'));
        stream.on('close', () => {
          if (uploads.get(path) !== 'ended') uploads.set(path, `reset ${stream.rstCode}`);
        });
        return;
      }
      if (path === '/early') {
        // answers without reading the (large) request body
        stream.respond({ ':status': 413, 'content-type': 'text/plain' });
        stream.end('too large');
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const received = Buffer.concat(chunks);
        const size = Number(headers['x-answer-size'] ?? received.length);
        stream.respond({ ':status': 200, 'x-request-sha': sha(received), 'x-drop': 'backend', 'x-seen-authority': String(headers[':authority']) }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'from the backend', 'grpc-status': '0' }));
        stream.end(headers['x-answer-size'] === undefined ? received : bodyOf(size, 7));
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const docs = [
      gatewayDoc(),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'h2', namespace: NS }, spec: { ports: [{ port: 8080, appProtocol: 'kubernetes.io/h2c' }] } },
      routeDoc('h2', [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/modified' } }],
          filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-added', value: 'by the route' }], remove: ['x-drop'] } }],
          backendRefs: [backendRef('h2')],
        },
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backendRef('h2')] },
      ], { hostnames: ['h2.example.com'] }),
    ];
    gw = await startGateway(docs, { [`${NS}/h2:8080`]: `127.0.0.1:${(backend.address() as net.AddressInfo).port}` });
    session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    session.on('error', () => undefined);
  });

  afterAll(async () => {
    session?.close();
    await gw?.close();
    await new Promise<void>((r) => backend.close(() => r()));
  });

  test('large bodies cross both ways intact, with the backend\'s trailers', async () => {
    // GIVEN a 3 MiB request body and a 5 MiB answer: both larger than HTTP/2's default windows
    const body = bodyOf(3 * MiB, 1);
    // WHEN it is sent through the gateway
    const a = await exchange(session, { ':path': '/big', 'x-answer-size': String(5 * MiB) }, body);
    // THEN the backend received every byte, and the client every byte of the answer and its trailers
    expect(a.rstCode).toBeUndefined();
    expect(a.head[':status']).toBe(200);
    expect(a.head['x-request-sha']).toBe(sha(body));
    expect(sha(a.body)).toBe(sha(bodyOf(5 * MiB, 7)));
    expect(a.trailers).toMatchObject({ 'x-trailer': 'from the backend', 'grpc-status': '0' });
    await until(() => gw.access.some((e) => e.path === '/big'));
    expect(gw.access.find((e) => e.path === '/big')).toMatchObject({ status: 200, bytes: 5 * MiB, error: undefined, protocol: 'HTTP/2' });
  });

  test('concurrent streams on one connection each get their own answer', async () => {
    // GIVEN 40 streams at once on one client connection, each with its own body (seeded sizes up to 200 KiB)
    const sizes = Array.from({ length: 40 }, (_, i) => (i * 7919) % (200 * KiB));
    // WHEN they are all sent together
    const answers = await Promise.all(sizes.map((size, i) => exchange(session, { ':path': `/echo/${i}` }, bodyOf(size, 100 + i))));
    // THEN each answer is the echo of its own request
    answers.forEach((a, i) => {
      expect(a.rstCode).toBeUndefined();
      expect(sha(a.body)).toBe(sha(bodyOf(sizes[i], 100 + i)));
    });
  });

  test('a trailers-only answer stays one HEADERS frame that ends the stream', async () => {
    // WHEN the backend answers a gRPC call with headers only (END_STREAM on HEADERS)
    const a = await exchange(session, { ':path': '/pkg.Svc/TrailersOnly', 'content-type': 'application/grpc', 'te': 'trailers' }, Buffer.from([0, 0, 0, 0, 0]));
    // THEN the client gets the status in the one HEADERS frame, no body and no separate trailers
    expect(a.rstCode).toBeUndefined();
    expect(a.head).toMatchObject({ ':status': 200, 'grpc-status': '5', 'grpc-message': 'not here' });
    expect(a.body.length).toBe(0);
    expect(a.trailers).toBeUndefined();
    await until(() => gw.access.some((e) => e.path === '/pkg.Svc/TrailersOnly'));
    expect(gw.access.find((e) => e.path === '/pkg.Svc/TrailersOnly')).toMatchObject({ status: 200, grpcStatus: 5, error: undefined });
  });

  test('the route\'s response header modifier applies; the backend sees the client\'s authority', async () => {
    const a = await exchange(session, { ':path': '/modified' }, Buffer.from('x'));
    expect(a.head).toMatchObject({ ':status': 200, 'x-added': 'by the route', 'x-seen-authority': 'h2.example.com' });
    expect(a.head['x-drop']).toBeUndefined();
  });

  test('a backend stream reset before the answer gets 502', async () => {
    const a = await exchange(session, { ':path': '/reset-before' });
    expect(a.head[':status']).toBe(502);
    await until(() => gw.access.some((e) => e.path === '/reset-before'));
    expect(gw.access.find((e) => e.path === '/reset-before')).toMatchObject({ status: 502, error: 'upstream-reset' });
  });

  test('a backend stream reset in the middle of the answer resets the client\'s stream: a cut answer never looks complete', async () => {
    const a = await exchange(session, { ':path': '/reset-midway' });
    expect(a.head[':status']).toBe(200);
    expect(a.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect(a.trailers).toBeUndefined();
    await until(() => gw.access.some((e) => e.path === '/reset-midway'));
    expect(gw.access.find((e) => e.path === '/reset-midway')).toMatchObject({ error: 'upstream-reset' });
  });

  test('grpc-timeout elapsing after the answer started resets the client\'s stream and cancels the backend\'s', async () => {
    // GIVEN a backend that sends its headers and one message, then never ends
    const a = await exchange(session, { ':path': '/pkg.Svc/Hang', 'content-type': 'application/grpc', 'te': 'trailers', 'grpc-timeout': '200m' }, Buffer.from([0, 0, 0, 0, 0]));
    // THEN the gateway cut it at the deadline: the client's stream is reset, the backend's cancelled
    expect(a.head[':status']).toBe(200);
    expect(a.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect(a.trailers).toBeUndefined();
    await until(() => cancelled.includes('/pkg.Svc/Hang'));
    await until(() => gw.access.some((e) => e.path === '/pkg.Svc/Hang'));
    expect(gw.access.find((e) => e.path === '/pkg.Svc/Hang')).toMatchObject({ error: 'grpc-deadline' });
  });

  test('a client that goes away in the middle of its upload: the backend sees the stream reset, never a complete body', async () => {
    // GIVEN a client sending a body without content-length, part of it sent
    const stream = session.request({ ':method': 'POST', ':path': '/upload-cut', ':authority': 'h2.example.com' });
    stream.on('error', () => undefined);
    stream.write(bodyOf(64 * KiB, 9));
    await until(() => uploads.get('/upload-cut') === 'receiving');
    // WHEN it resets its stream (destroy with an error: RST_STREAM alone; close(code) would first end the body)
    stream.destroy(new Error('the client gave up'));
    // THEN the backend's request stream is reset too, and did not end as if the body were complete
    await until(() => uploads.get('/upload-cut')?.startsWith('reset') === true);
    expect(uploads.get('/upload-cut')).toBe(`reset ${http2.constants.NGHTTP2_INTERNAL_ERROR}`);
  });

  test('an answer sent before the request body was read reaches the client; the connection stays usable', async () => {
    // GIVEN a backend that answers 413 at once, without reading a 2 MiB body
    const a = await exchange(session, { ':path': '/early' }, bodyOf(2 * MiB, 3));
    // THEN the client gets that answer
    expect(a.head[':status']).toBe(413);
    expect(a.body.toString()).toBe('too large');
    // AND the same client connection still works
    const next = await exchange(session, { ':path': '/after-early' }, Buffer.from('next'));
    expect(next.body.toString()).toBe('next');
  });
});
