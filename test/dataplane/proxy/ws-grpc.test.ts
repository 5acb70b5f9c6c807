import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as grpc from '@grpc/grpc-js';
import WebSocket, { WebSocketServer } from 'ws';
import { EchoService, GrpcBackend, SERVICE, closedPort, startGrpcBackend } from './grpc-helpers';
import { NS, StartedGateway, gatewayDoc, grpcRouteDoc, requestH2, routeDoc, startGateway, until } from './helpers';

describe('WebSocket and gRPC through the gateway', () => {
  let gw: StartedGateway;
  let wsHttp: http.Server;
  let wsServer: WebSocketServer;
  let g1: GrpcBackend;
  let g2: GrpcBackend;
  let client: any;

  beforeAll(async () => {
    wsHttp = http.createServer((_req, res) => res.end('plain'));
    wsServer = new WebSocketServer({ server: wsHttp, path: '/ws' });
    wsServer.on('connection', (sock, req) => {
      sock.send(`hello ${req.headers['x-forwarded-proto']}`);
      sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
    });
    await new Promise<void>((r) => wsHttp.listen(0, '127.0.0.1', r));
    g1 = await startGrpcBackend('grpc-infra-backend-v1');
    g2 = await startGrpcBackend('grpc-infra-backend-v2');
    const method = (m: string) => ({ method: { service: SERVICE, method: m } });
    const docs = [
      gatewayDoc([{ name: 'http', port: 80, protocol: 'HTTP' }]),
      routeDoc('ws', [
        { matches: [{ path: { type: 'PathPrefix', value: '/ws' } }], backendRefs: [{ name: 'ws-backend', port: 8080 }] },
        { matches: [{ path: { type: 'PathPrefix', value: '/refused' } }], backendRefs: [{ name: 'ws-refused', port: 8080 }] },
      ], { hostnames: ['ws.example.com'] }),
      grpcRouteDoc('grpc', [
        { matches: [method('Echo')], backendRefs: [{ name: 'grpc-infra-backend-v1', port: 8080 }] },
        { matches: [method('EchoTwo')], backendRefs: [{ name: 'grpc-infra-backend-v2', port: 8080 }] },
        { matches: [method('Fail'), method('Slow'), method('Chat')], backendRefs: [{ name: 'grpc-infra-backend-v1', port: 8080 }] },
      ], { hostnames: ['grpc.example.com'] }),
    ];
    gw = await startGateway(docs, {
      [`${NS}/ws-backend:8080`]: `127.0.0.1:${(wsHttp.address() as net.AddressInfo).port}`,
      [`${NS}/ws-refused:8080`]: `127.0.0.1:${await closedPort()}`,
      [`${NS}/grpc-infra-backend-v1:8080`]: g1.address,
      [`${NS}/grpc-infra-backend-v2:8080`]: g2.address,
    });
    client = new EchoService(`127.0.0.1:${gw.port()}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'grpc.example.com' });
  });

  afterAll(async () => {
    client?.close();
    await gw?.close();
    wsServer?.close();
    for (const c of wsServer?.clients ?? []) c.terminate();
    await new Promise<void>((r) => wsHttp.close(() => r()));
    g1?.server.forceShutdown();
    g2?.server.forceShutdown();
  });

  test('WebSocket upgrade: text and binary frames are echoed through the gateway', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port()}/ws`, { headers: { host: 'ws.example.com' } });
    const messages: { data: Buffer; binary: boolean }[] = [];
    ws.on('message', (data: Buffer, binary) => messages.push({ data, binary }));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send('Websocket Support!');
    ws.send(Buffer.from([1, 2, 3, 4, 5, 6, 7]), { binary: true });
    await until(() => messages.length >= 3);
    ws.close();
    expect(messages[0].data.toString()).toBe('hello http');
    expect(messages[1]).toMatchObject({ binary: false });
    expect(messages[1].data.toString()).toBe('Websocket Support!');
    expect(messages[2].binary).toBe(true);
    expect([...messages[2].data]).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test.each([
    ['other.example.com', '/ws', 404],
    ['ws.example.com', '/refused', 503],
  ])('WebSocket upgrade to %s%s gets %d', async (host, target, expected) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port()}${target}`, { headers: { host } });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(expected);
  });

  const call = (m: string, req: any = {}, options: grpc.CallOptions = {}) => new Promise<{ err: grpc.ServiceError | null; res: any }>((resolve) => {
    client[m](req, new grpc.Metadata(), options, (err: grpc.ServiceError | null, res: any) => resolve({ err, res }));
  });

  test('gRPC unary calls are routed by method to HTTP/2 backends', async () => {
    const one = await call('Echo');
    expect(one.err).toBeNull();
    expect(one.res).toMatchObject({ message: 'Echo', backend: 'grpc-infra-backend-v1', authority: `/${SERVICE}/Echo` });
    const two = await call('EchoTwo');
    expect(two.res).toMatchObject({ message: 'EchoTwo', backend: 'grpc-infra-backend-v2' });
  });

  test('a bidirectional gRPC stream flows message by message through the gateway', async () => {
    const chat = client.Chat();
    const replies: string[] = [];
    chat.on('data', (r: any) => {
      replies.push(r.message);
      if (replies.length < 3) chat.write({ message: `m${replies.length + 1}` });
      else chat.end();
    });
    const ended = new Promise<void>((resolve, reject) => {
      chat.on('end', resolve);
      chat.on('error', reject);
    });
    chat.write({ message: 'm1' }); // each next message is only sent after the previous answer came back
    await ended;
    expect(replies).toEqual(['echo m1', 'echo m2', 'echo m3']);
  });

  test('a gRPC-looking request matched by an HTTPRoute goes to its backend over the protocol of the Service port (HTTP/1.1 here)', async () => {
    const res = await requestH2(gw.port(), { method: 'POST', path: '/ws/x', authority: 'ws.example.com', headers: { 'content-type': 'application/grpc' } });
    expect([res.status, res.body]).toEqual([200, 'plain']);
  });

  test('an unmatched gRPC method gets UNIMPLEMENTED from the gateway', async () => {
    const r = await call('EchoThree');
    expect(r.err?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(gw.access.find((e) => e.path === `/${SERVICE}/EchoThree`)).toMatchObject({ status: 200, grpcStatus: 12, error: 'no-route' });
  });

  test('grpc-status and grpc-message trailers of the backend reach the client', async () => {
    const r = await call('Fail');
    expect(r.err?.code).toBe(grpc.status.NOT_FOUND);
    expect(r.err?.details).toBe('no such thing');
    await until(() => gw.access.some((e) => e.path.endsWith('/Fail')));
    expect(gw.access.find((e) => e.path.endsWith('/Fail'))).toMatchObject({ status: 200, grpcStatus: 5, error: undefined });
  });

  test('the gateway honours grpc-timeout: DEADLINE_EXCEEDED and the backend call is cancelled', async () => {
    const before = g1.cancelled.length;
    // raw HTTP/2 so that the deadline is enforced by the gateway, not by the client library
    const session = http2.connect(`http://127.0.0.1:${gw.port()}`);
    const frame = Buffer.from([0, 0, 0, 0, 3, 0x10, 0xd0, 0x0f]); // EchoRequest{delay_ms: 2000}
    const stream = session.request({ ':method': 'POST', ':path': `/${SERVICE}/Slow`, ':authority': 'grpc.example.com', 'content-type': 'application/grpc', 'te': 'trailers', 'grpc-timeout': '150m' });
    stream.end(frame);
    const head = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
      stream.on('response', resolve);
      stream.on('error', reject);
    });
    stream.resume();
    session.close();
    expect(head[':status']).toBe(200);
    expect(head['grpc-status']).toBe('4');
    await until(() => g1.cancelled.length > before);
  });
});
