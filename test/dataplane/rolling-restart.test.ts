/**
 * Zero failed requests across a rolling restart. Two gateway processes sit behind a TCP balancer written here that
 * behaves like kube-proxy: round robin per connection, and a terminating backend is removed only a while after its
 * SIGTERM (endpoint removal takes time to reach every node), so new connections keep arriving at a gateway that is
 * shutting down. Under a load of keep-alive and new connections, the two processes are restarted one after the other
 * (SIGTERM, wait for the exit, start a new one, the balancer adds it once /readyz answers 200).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { Backend, NS, backendRef, gatewayDoc, routeDoc, startBackend, tmpDir, writeYaml } from './proxy/helpers';
import { GatewayProcess, spawnGatewayProcess } from '../util/gateway-process';

/** How long after SIGTERM the balancer still sends new connections to the terminating gateway. */
const REMOVAL_DELAY_MS = 300;

/** Round robin per connection over the backends' ports; `remove` after a delay, as kube-proxy. */
class Balancer {
  readonly server: net.Server;
  /** Connections sent to each port. */
  readonly routed = new Map<number, number>();
  private backends: number[] = [];
  private next = 0;
  private readonly sockets = new Set<net.Socket>();

  constructor() {
    this.server = net.createServer((client) => {
      if (this.backends.length === 0) {
        client.destroy();
        return;
      }
      const port = this.backends[this.next++ % this.backends.length];
      this.routed.set(port, (this.routed.get(port) ?? 0) + 1);
      const upstream = net.connect(port, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', (hadError) => (hadError ? upstream.destroy() : upstream.end()));
      upstream.on('close', (hadError) => (hadError ? client.destroy() : client.end()));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  add(port: number): void {
    this.backends.push(port);
  }

  remove(port: number): void {
    this.backends = this.backends.filter((p) => p !== port);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

interface Failure {
  readonly id: number;
  readonly error: string;
}

/**
 * `keepAlive` clients each reuse one connection (and open a new one when told `Connection: close`), `fresh` clients
 * open a connection per request; every 10th request takes 200 ms at the backend, so requests are in flight when a
 * gateway drains. Runs until `stop()` or `maxRequests`.
 */
function startLoad(port: number, keepAlive: number, fresh: number, maxRequests: number) {
  let sent = 0;
  let answered = 0;
  let stopping = false;
  const failures: Failure[] = [];
  const one = (agent: http.Agent | false, id: number) => new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/r/${id}${id % 10 === 0 ? '/slow' : ''}`, headers: { host: 'example.com' }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode === 200 && JSON.parse(body).path.startsWith(`/r/${id}`)) answered++;
        else failures.push({ id, error: `status ${res.statusCode}: ${body.slice(0, 200)}` });
        resolve();
      });
      res.on('error', (err) => {
        failures.push({ id, error: `response: ${err.message}` });
        resolve();
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (err: any) => {
      failures.push({ id, error: `${err.code ?? ''} ${err.message}` });
      resolve();
    });
  });
  const worker = async (agent: http.Agent | false) => {
    while (!stopping && sent < maxRequests) await one(agent, sent++);
    if (agent) agent.destroy();
  };
  const workers = [
    ...Array.from({ length: keepAlive }, () => worker(new http.Agent({ keepAlive: true, maxSockets: 1 }))),
    ...Array.from({ length: fresh }, () => worker(false)),
  ];
  return {
    get sent() {
      return sent;
    },
    get answered() {
      return answered;
    },
    failures,
    async stop() {
      stopping = true;
      await Promise.all(workers);
    },
  };
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function readyz(adminPort: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: adminPort, path: '/readyz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', () => resolve(0));
  });
}

describe('rolling restart behind a balancer that keeps sending to terminating gateways', () => {
  let dir: string;
  let backend: Backend;
  let balancer: Balancer;
  const children: GatewayProcess[] = [];

  beforeEach(async () => {
    backend = await startBackend('app', (req, res) => {
      if (!req.url!.endsWith('/slow')) return false;
      setTimeout(() => res.end(JSON.stringify({ path: req.url })), 200);
      return true;
    });
    dir = tmpDir();
    writeYaml(path.join(dir, 'routes.yaml'), [gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('app')] }])]);
    fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/app:8080`]: backend.address }));
    balancer = new Balancer();
  });

  afterEach(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await balancer.close();
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A new gateway; resolves once /readyz answers 200, with its listener port and admin port. */
  async function start(shutdownDelay: string): Promise<{ gw: GatewayProcess; port: number }> {
    const gw = spawnGatewayProcess([
      '--routes', dir, '--backends', path.join(dir, 'backends.json'), '--listen', '80=127.0.0.1:0', '--admin', '127.0.0.1:0',
      '--shutdown-delay', shutdownDelay, '--drain-timeout', '10s', '--no-access-log', '--no-watch',
    ]);
    children.push(gw);
    await gw.line((l) => l.msg === 'ready', 60_000);
    const port = gw.lines.find((l) => l.msg === 'listening').port;
    const admin = gw.lines.find((l) => l.msg === 'admin listening').port;
    expect(await readyz(admin)).toStrictEqual(200);
    return { gw, port };
  }

  /** Two gateways behind the balancer, and a load that has had 300 requests answered. */
  async function underLoad(shutdownDelay: string) {
    const lbPort = await balancer.listen();
    const gateways = [await start(shutdownDelay), await start(shutdownDelay)];
    for (const g of gateways) balancer.add(g.port);
    const load = startLoad(lbPort, 6, 4, 200_000);
    await waitFor(() => load.answered >= 300, 'requests before the restart', 60_000).catch(async (err) => {
      await load.stop();
      throw err;
    });
    return { gateways, load };
  }

  /**
   * SIGTERM; the balancer removes the gateway REMOVAL_DELAY_MS after it logged its shutdown; resolves with what
   * happened once the process exited.
   */
  async function terminate(g: { gw: GatewayProcess; port: number }) {
    const routedBefore = balancer.routed.get(g.port) ?? 0;
    g.gw.child.kill('SIGTERM');
    const shuttingDown = await g.gw.line((l) => l.msg === 'shutting down', 10_000);
    const admin = g.gw.lines.find((l) => l.msg === 'admin listening').port;
    const readyzAfterSignal = await readyz(admin);
    await new Promise((r) => setTimeout(r, REMOVAL_DELAY_MS));
    const drainingBeforeRemoval = g.gw.lines.some((l) => l.msg === 'draining');
    balancer.remove(g.port);
    const code = await Promise.race([g.gw.exited, new Promise<string>((r) => setTimeout(() => r('did not exit in 30 s'), 30_000))]);
    return { code, shuttingDown, readyzAfterSignal, drainingBeforeRemoval, routedAfterSignal: (balancer.routed.get(g.port) ?? 0) - routedBefore };
  }

  test('with --shutdown-delay, restarting both gateways one after the other under load fails no request', async () => {
    // GIVEN two gateways behind the balancer, under load
    const { gateways, load } = await underLoad('3s');
    try {
      // WHEN each gateway is replaced in turn
      for (let i = 0; i < 2; i++) {
        const old = gateways[i];
        const result = await terminate(old);
        // THEN it reported unready at once, still took new connections after SIGTERM, and exited 0
        expect(result.readyzAfterSignal).toStrictEqual(503);
        expect(result.drainingBeforeRemoval).toBe(false);
        expect(result.routedAfterSignal).toBeGreaterThan(0);
        expect(result.code).toStrictEqual(0);
        const next = await start('3s');
        balancer.add(next.port);
        gateways[i] = next;
        const seen = load.answered;
        await waitFor(() => load.answered >= seen + 300, 'requests after the restart', 60_000);
      }
    } finally {
      await load.stop();
    }
    // THEN every request was answered by the backend
    expect(load.failures).toStrictEqual([]);
    expect(load.answered).toStrictEqual(load.sent);
    expect(load.answered).toBeGreaterThanOrEqual(900);
  }, 180_000);

  test('without a shutdown delay the same restart fails requests (the balancer test can see failures)', async () => {
    // GIVEN
    const { gateways, load } = await underLoad('0s');
    try {
      // WHEN one gateway is stopped; the balancer keeps sending to it for REMOVAL_DELAY_MS
      const result = await terminate(gateways[0]);
      expect(result.code).toStrictEqual(0);
    } finally {
      await load.stop();
    }
    // THEN connections sent to it after its listener closed failed
    expect(load.failures.length).toBeGreaterThan(0);
    expect(load.failures[0].error).toMatch(/ECONNRESET|socket hang up|EPIPE/);
  }, 120_000);
});
