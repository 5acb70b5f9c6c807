/**
 * Service backends balanced per request over the ready endpoints of their EndpointSlices (EndpointRegistry),
 * over real sockets: the slices publish TEST-NET-1 addresses (192.0.2.x, as the API server would accept
 * them), which the gateway's address translation sends to local servers on 127.0.0.1.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { EchoService, GrpcBackend, SERVICE, startGrpcBackend } from './grpc-helpers';
import { Backend, NS, StartedGateway, gatewayDoc, grpcRouteDoc, request, routeDoc, startBackend, startGateway, until } from './helpers';
import { EndpointRegistry, LOAD_BALANCING_ANNOTATION } from '../../../src/dataplane/endpoints/registry';
import { endpointSlice, serviceObject } from '../endpoints/fixtures';
import { seeded } from '../engine/helpers';

/** `192.0.2.x:8080` (published in slices) -> the local port it stands for. */
const translation = new Map<string, number>();
let nextAddress = 1;

/** A TEST-NET-1 address for a local server (slices list port 8080). */
function publish(localPort: number): string {
  const ip = `192.0.2.${nextAddress++}`;
  translation.set(`${ip}:8080`, localPort);
  return ip;
}

const SERVICES: Record<string, Record<string, string> | undefined> = {
  'web': undefined,
  'busy': { [LOAD_BALANCING_ANNOTATION]: 'least-request' },
  'h2busy': { [LOAD_BALANCING_ANNOTATION]: 'least-request' },
  'flaky': undefined,
  'empty': undefined,
  'later': undefined,
  'drain': undefined,
  'unready': undefined,
  'h2': undefined,
  'grpc': undefined,
  'grpc-empty': undefined,
  'chat': undefined,
  'primary': undefined,
  'kept': undefined,
  'shadow': undefined,
  'unknown': undefined,
};

/** A Service object of the input (and, except `unknown`, of the registry): port 80 named http. */
function service(name: string): any {
  return serviceObject(name, [{ name: 'http', port: 80 }], { namespace: NS, ...(SERVICES[name] ? { annotations: SERVICES[name] } : {}) });
}

/** Publishes the slice of Service `name` listing `endpoints` (local ports; each ready unless said otherwise); returns their addresses. */
function slice(registry: EndpointRegistry, name: string, endpoints: { port: number; ready?: boolean; ip?: string }[],
  appProtocol?: string): string[] {
  const ips = endpoints.map((e) => e.ip ?? publish(e.port));
  const problems = registry.upsertSlice(endpointSlice(`${name}-abcde`, name, endpoints.map((e, i) => ({ ip: ips[i], ready: e.ready })), {
    namespace: NS, ports: [{ name: 'http', port: 8080, ...(appProtocol ? { appProtocol } : {}) }],
  }));
  expect(problems).toEqual([]);
  return ips;
}

/** A backend that holds requests to paths ending in /hold until released. */
async function holdingBackend(name: string, held: http.ServerResponse[]): Promise<Backend> {
  return startBackend(name, (req, res) => {
    if (!req.url!.endsWith('/hold')) return false;
    held.push(res);
    return true;
  });
}

interface H2Backend {
  readonly name: string;
  readonly port: number;
  readonly served: string[];
  readonly held: http2.ServerHttp2Stream[];
  sessions(): number;
  close(): Promise<void>;
}

/** An HTTP/2 cleartext backend answering its name; holds streams to paths ending in /hold (unless `hold` is false). */
async function startH2Backend(name: string, hold = true): Promise<H2Backend> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  const served: string[] = [];
  const held: http2.ServerHttp2Stream[] = [];
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const target = String(headers[':path']);
    served.push(target);
    if (hold && target.endsWith('/hold')) {
      held.push(stream);
      return;
    }
    stream.respond({ ':status': 200 });
    stream.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    name,
    port: (server.address() as net.AddressInfo).port,
    served,
    held,
    sessions: () => sessions.size,
    close: () => new Promise((r) => {
      for (const s of sessions) s.destroy();
      server.close(() => r());
    }),
  };
}

function count<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

describe('Service backends over EndpointSlices', () => {
  let gw: StartedGateway;
  let registry: EndpointRegistry;
  const closers: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    registry = new EndpointRegistry({ random: seeded(2024) });
    for (const name of Object.keys(SERVICES)) if (name !== 'unknown') expect(registry.upsertService(service(name))).toEqual([]);
    const to = (name: string) => [{ name, port: 80 }];
    const prefix = (value: string) => [{ path: { type: 'PathPrefix', value } }];
    const method = (m: string) => [{ method: { service: SERVICE, method: m } }];
    const docs = [
      gatewayDoc(),
      ...Object.keys(SERVICES).map(service),
      routeDoc('eps', [
        { matches: prefix('/web'), backendRefs: to('web') },
        { matches: prefix('/busy'), backendRefs: to('busy') },
        { matches: prefix('/h2busy'), backendRefs: to('h2busy') },
        { matches: prefix('/flaky'), retry: { codes: [503], attempts: 1 }, backendRefs: to('flaky') },
        { matches: prefix('/empty'), backendRefs: to('empty') },
        { matches: prefix('/later'), backendRefs: to('later') },
        { matches: prefix('/drain'), backendRefs: to('drain') },
        { matches: prefix('/unready'), backendRefs: to('unready') },
        { matches: prefix('/h2'), backendRefs: to('h2') },
        { matches: prefix('/chat'), backendRefs: to('chat') },
        { matches: prefix('/unknown'), backendRefs: to('unknown') },
        { matches: prefix('/kept'), backendRefs: to('kept') },
        { matches: prefix('/mirrored'), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 } } }], backendRefs: to('primary') },
        { matches: prefix('/missing'), backendRefs: to('not-a-service') },
      ], { hostnames: ['eps.example.com'] }),
      grpcRouteDoc('grpc', [
        { matches: method('Echo'), backendRefs: to('grpc') },
        { matches: method('EchoTwo'), backendRefs: to('grpc-empty') },
      ], { hostnames: ['grpc.example.com'] }),
    ];
    gw = await startGateway(docs, {}, {
      backendsFile: undefined,
      endpoints: registry,
      translateAddress: (host, port) => {
        const local = translation.get(`${host}:${port}`);
        return local !== undefined ? { host: '127.0.0.1', port: local } : { host, port };
      },
    });
  });

  afterAll(async () => {
    await gw?.close();
    for (const c of closers) await c();
  });

  const get = (target: string) => request(gw.port(), { path: target, host: 'eps.example.com' });

  /**
   * Sends `n` requests to `target` one after another: each is waited for, unless the slow endpoint holds it
   * (`held()` grew); returns the held ones' replies.
   */
  async function sendUnlessHeld(target: string, n: number, seen: () => number, held: () => number): Promise<Promise<unknown>[]> {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const reply = get(target);
      await until(() => seen() === i + 1);
      if (held() > pending.length) pending.push(reply);
      else expect((await reply).status).toBe(200);
    }
    return pending;
  }

  async function backends(...names: string[]): Promise<Backend[]> {
    const started = await Promise.all(names.map((n) => startBackend(n)));
    closers.push(...started.map((b) => () => b.close()));
    return started;
  }

  test('round robin: 30 requests over three endpoints of one Service give each exactly 10', async () => {
    // GIVEN Service web with three ready endpoints
    const [a, b, c] = await backends('web-a', 'web-b', 'web-c');
    const ips = slice(registry, 'web', [a, b, c]);
    // WHEN 30 requests are sent one after another
    for (let i = 0; i < 30; i++) expect((await get('/web')).status).toBe(200);
    // THEN each endpoint got exactly 10, and the access log names the published addresses
    expect([a.seen.length, b.seen.length, c.seen.length]).toEqual([10, 10, 10]);
    const upstreams = gw.access.filter((e) => e.path === '/web').map((e) => e.upstream);
    expect(count(upstreams, String)).toEqual(Object.fromEntries(ips.map((ip) => [`${ip}:8080`, 10])));
  });

  test('least-request: an endpoint whose requests are still in flight gets no new ones while the others are idle', async () => {
    // GIVEN Service busy (least-request) with a slow endpoint that holds every request, and two fast ones
    const held: http.ServerResponse[] = [];
    const slow = await holdingBackend('busy-slow', held);
    closers.push(() => slow.close());
    const [f1, f2] = await backends('busy-f1', 'busy-f2');
    slice(registry, 'busy', [slow, f1, f2]);
    // WHEN 15 requests are sent one after another, each waited for unless the slow endpoint holds it
    const pending = await sendUnlessHeld('/busy/hold', 15, () => slow.seen.length + f1.seen.length + f2.seen.length, () => held.length);
    // THEN the slow endpoint got at most the one request it was picked for before it was busy (round robin: 5)
    expect(slow.seen.length).toBeLessThanOrEqual(1);
    expect(f1.seen.length + f2.seen.length).toBeGreaterThanOrEqual(14);
    for (const res of held) res.end('late');
    await Promise.all(pending);
  });

  test('least-request over HTTP/2 endpoints: streams in flight count as load', async () => {
    // GIVEN Service h2busy (least-request, h2c) with a slow pod that holds every stream, and two fast ones
    const slow = await startH2Backend('h2busy-slow');
    const fast = await Promise.all(['h2busy-f1', 'h2busy-f2'].map((n) => startH2Backend(n, false)));
    closers.push(...[slow, ...fast].map((p) => () => p.close()));
    slice(registry, 'h2busy', [slow, ...fast], 'kubernetes.io/h2c');
    // WHEN 15 requests are sent one after another
    const pending = await sendUnlessHeld('/h2busy/hold', 15, () => [slow, ...fast].reduce((n, p) => n + p.served.length, 0), () => slow.held.length);
    // THEN the slow pod got at most one
    expect(slow.served.length).toBeLessThanOrEqual(1);
    for (const stream of slow.held) {
      stream.respond({ ':status': 200 });
      stream.end('late');
    }
    await Promise.all(pending);
  });

  test('gRPC: 60 calls from 4 client connections spread over 3 pods, 20 each (one HTTP/2 session per pod, an endpoint per call)', async () => {
    // GIVEN Service grpc with three pods
    const pods: GrpcBackend[] = await Promise.all([1, 2, 3].map((i) => startGrpcBackend(`pod-${i}`)));
    closers.push(() => pods.forEach((p) => p.server.forceShutdown()));
    slice(registry, 'grpc', pods.map((p) => ({ port: Number(p.address.split(':')[1]) })));
    // WHEN 4 clients, each on its own connection, make 15 calls each
    const clients = [1, 2, 3, 4].map(() => new EchoService(`127.0.0.1:${gw.port()}`, grpc.credentials.createInsecure(), {
      'grpc.default_authority': 'grpc.example.com', 'grpc.use_local_subchannel_pool': 1,
    }));
    closers.push(() => clients.forEach((c) => c.close()));
    const call = (client: any) => new Promise<any>((resolve, reject) => client.Echo({}, (err: any, res: any) => (err ? reject(err) : resolve(res))));
    const replies = (await Promise.all(clients.map(async (client) => {
      const out: any[] = [];
      for (let i = 0; i < 15; i++) out.push(await call(client));
      return out;
    }))).flat();
    // THEN every pod answered exactly 20
    expect(count(replies, (r) => r.backend)).toEqual({ 'pod-1': 20, 'pod-2': 20, 'pod-3': 20 });
  });

  test('HTTP/2 cleartext endpoints (slice port appProtocol kubernetes.io/h2c) get a request each in turn', async () => {
    // GIVEN Service h2 whose slice port says h2c
    const pods = await Promise.all(['h2-a', 'h2-b', 'h2-c'].map((n) => startH2Backend(n)));
    closers.push(...pods.map((p) => () => p.close()));
    slice(registry, 'h2', pods, 'kubernetes.io/h2c');
    // WHEN 9 HTTP/1.1 requests come in
    const bodies: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await get('/h2');
      expect(r.status).toBe(200);
      bodies.push(r.body);
    }
    // THEN each HTTP/2 backend answered 3, each over one session
    expect(count(bodies, String)).toEqual({ 'h2-a': 3, 'h2-b': 3, 'h2-c': 3 });
    expect(pods.map((p) => p.sessions())).toEqual([1, 1, 1]);
  });

  test('an endpoint removed mid-flight: its request in flight completes, no new request reaches it, its connections close', async () => {
    // GIVEN Service drain with three endpoints, each with a pooled connection
    const held: http.ServerResponse[] = [];
    const pods = await Promise.all(['drain-a', 'drain-b', 'drain-c'].map((n) => holdingBackend(n, held)));
    closers.push(...pods.map((p) => () => p.close()));
    const ips = slice(registry, 'drain', pods);
    for (let i = 0; i < 3; i++) expect((await get('/drain')).status).toBe(200);
    // WHEN a request is in flight on one of them, and the slice drops that endpoint
    const inFlight = get('/drain/hold');
    await until(() => held.length === 1);
    const victim = pods.findIndex((p) => p.seen.some((r) => r.path === '/drain/hold'));
    slice(registry, 'drain', pods.map((p, i) => ({ port: p.port, ip: ips[i] })).filter((_, i) => i !== victim));
    // THEN new requests go to the two others only
    for (let i = 0; i < 6; i++) expect((await get('/drain')).status).toBe(200);
    expect(pods[victim].seen.length).toBe(2);
    expect(pods.filter((_, i) => i !== victim).map((p) => p.seen.length)).toEqual([4, 4]);
    // AND the request in flight completes
    held[0].end('finished');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('finished');
    // AND then its connections close, while the others keep theirs
    await until(() => pods[victim].openConnections() === 0);
    expect(pods.filter((_, i) => i !== victim).every((p) => p.openConnections() > 0)).toBe(true);
  });

  test('an HTTP/2 endpoint removed mid-flight: its stream completes, then its session closes', async () => {
    // GIVEN Service h2 moved to three fresh HTTP/2 pods
    const pods = await Promise.all(['h2-x', 'h2-y', 'h2-z'].map((n) => startH2Backend(n)));
    closers.push(...pods.map((p) => () => p.close()));
    const ips = slice(registry, 'h2', pods, 'kubernetes.io/h2c');
    for (let i = 0; i < 3; i++) expect((await get('/h2')).status).toBe(200);
    // WHEN one holds a stream and leaves the slice
    const inFlight = get('/h2/hold');
    await until(() => pods.some((p) => p.held.length === 1));
    const victim = pods.findIndex((p) => p.held.length === 1);
    slice(registry, 'h2', pods.map((p, i) => ({ port: p.port, ip: ips[i] })).filter((_, i) => i !== victim), 'kubernetes.io/h2c');
    for (let i = 0; i < 4; i++) expect((await get('/h2')).status).toBe(200);
    // THEN it got nothing new, its stream completes, and its session closes
    expect(pods[victim].served).toEqual(['/h2', '/h2/hold']);
    pods[victim].held[0].respond({ ':status': 200 });
    pods[victim].held[0].end('done');
    expect((await inFlight).body).toBe('done');
    await until(() => pods[victim].sessions() === 0);
    expect(pods.filter((_, i) => i !== victim).map((p) => p.sessions())).toEqual([1, 1]);
  });

  test('an endpoint that becomes not ready gets no new requests and its idle connections close', async () => {
    // GIVEN Service unready with two endpoints, both used once
    const [a, b] = await backends('unready-a', 'unready-b');
    const ips = slice(registry, 'unready', [a, b]);
    for (let i = 0; i < 2; i++) expect((await get('/unready')).status).toBe(200);
    expect([a.seen.length, b.seen.length]).toEqual([1, 1]);
    // WHEN b's ready condition turns false
    slice(registry, 'unready', [{ port: a.port, ip: ips[0] }, { port: b.port, ip: ips[1], ready: false }]);
    // THEN every new request goes to a, and b's pooled connection closes
    for (let i = 0; i < 4; i++) expect((await get('/unready')).status).toBe(200);
    expect([a.seen.length, b.seen.length]).toEqual([5, 1]);
    await until(() => b.openConnections() === 0);
  });

  test('retries move to another endpoint', async () => {
    // GIVEN Service flaky (retry on 503, one retry): one endpoint always answers 503, two answer 200
    const bad = await startBackend('flaky-bad', (_req, res) => {
      res.writeHead(503, { 'content-length': '0' });
      res.end();
      return true;
    });
    closers.push(() => bad.close());
    const [b, c] = await backends('flaky-b', 'flaky-c');
    slice(registry, 'flaky', [bad, b, c]);
    // WHEN 9 requests are sent
    for (let i = 0; i < 9; i++) expect((await get(`/flaky?request=${i}`)).status).toBe(200);
    // THEN every request succeeded on a good endpoint, and none was tried twice on the bad one (the retries
    // take their turn: bad, good | good | bad, good | ... puts the bad one first for requests 0, 2, 4, 6, 8)
    expect(b.seen.length + c.seen.length).toBe(9);
    expect(bad.seen.map((r) => r.path)).toEqual([0, 2, 4, 6, 8].map((i) => `/flaky?request=${i}`));
  });

  test('fails with 503 (gRPC UNAVAILABLE) for a Service without ready endpoints; an invalid backendRef stays 500', async () => {
    // GIVEN Service empty with only a not-ready endpoint, Service unknown never seen by the registry
    slice(registry, 'empty', [{ port: 1, ready: false }]);
    // WHEN requests go to them
    const empty = await get('/empty');
    const unknown = await get('/unknown');
    const missing = await get('/missing');
    // THEN 503 with the catalog's message, and 500 for a backendRef to a Service that does not exist
    expect(empty.status).toBe(503);
    expect(empty.body).toBe('the backend has no ready endpoints\n');
    expect(unknown.status).toBe(503);
    expect(missing.status).toBe(500);
    expect(gw.access.find((e) => e.path === '/empty')?.error).toBe('no-ready-endpoints');
    // AND a gRPC call to a Service without endpoints fails with UNAVAILABLE
    const client = new EchoService(`127.0.0.1:${gw.port()}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'grpc.example.com' });
    closers.push(() => client.close());
    const err = await new Promise<grpc.ServiceError>((resolve) => client.EchoTwo({}, (e: grpc.ServiceError) => resolve(e)));
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.details).toBe('the backend has no ready endpoints');
  });

  test('slices added later are used without a reload', async () => {
    // GIVEN Service later without slices
    const table = gw.server.current;
    expect((await get('/later')).status).toBe(503);
    // WHEN its slice appears
    const [a] = await backends('later-a');
    slice(registry, 'later', [a]);
    // THEN the next request reaches it, with the same table
    const reply = await get('/later');
    expect(reply.status).toBe(200);
    expect(reply.json().backend).toBe('later-a');
    expect(gw.server.current).toBe(table);
  });

  test('a WebSocket upgrade goes to a ready endpoint through the address translation', async () => {
    // GIVEN Service chat with one endpoint that accepts the upgrade
    const upgrades: string[] = [];
    const server = http.createServer();
    server.on('upgrade', (req, socket) => {
      upgrades.push(req.url!);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    slice(registry, 'chat', [{ port: (server.address() as net.AddressInfo).port }]);
    // WHEN a client asks for an upgrade
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port(), path: '/chat', headers: { host: 'eps.example.com', connection: 'upgrade', upgrade: 'websocket' } });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode!);
      });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('error', reject);
      req.end();
    });
    // THEN the backend behind the published address switched protocols
    expect(status).toBe(101);
    expect(upgrades).toEqual(['/chat']);
  });

  test('a request mirror to a Service sends its copies to the Service\'s ready endpoints in turn', async () => {
    // GIVEN Service primary with one endpoint and Service shadow (the mirror) with two
    const [p, m1, m2] = await backends('primary-a', 'shadow-a', 'shadow-b');
    slice(registry, 'primary', [p]);
    slice(registry, 'shadow', [m1, m2]);
    // WHEN 4 requests are sent
    for (let i = 0; i < 4; i++) expect((await get(`/mirrored?copy=${i}`)).status).toBe(200);
    // THEN the primary answered all 4 and each mirror endpoint received 2 copies
    expect(p.seen.length).toBe(4);
    await until(() => m1.seen.length + m2.seen.length === 4);
    expect([m1.seen.length, m2.seen.length]).toEqual([2, 2]);
  });

  test('a reload keeps the pooled connections of ready endpoints (the table names the Service, not its pods)', async () => {
    // GIVEN Service kept with two endpoints, each with a pooled connection
    const pods = await backends('kept-a', 'kept-b');
    slice(registry, 'kept', pods);
    for (let i = 0; i < 2; i++) expect((await get('/kept')).status).toBe(200);
    const ports = pods.map((p) => p.seen[0].remotePort);
    // WHEN the input changes and is reloaded
    fs.appendFileSync(path.join(gw.dir, 'routes.yaml'), '\n# changed\n');
    const before = gw.server.current;
    await gw.server.reload();
    expect(gw.server.current).not.toBe(before);
    // THEN the next requests come over the same connections
    for (let i = 0; i < 2; i++) expect((await get('/kept')).status).toBe(200);
    expect(pods.map((p) => p.seen[1].remotePort)).toEqual(ports);
  });
});
