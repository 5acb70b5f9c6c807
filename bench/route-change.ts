/* eslint-disable import/no-extraneous-dependencies */ // bench/ is not shipped; its tools are dev dependencies
/**
 * Route changes in controller mode, the measurements public gateway benchmarks make of Envoy Gateway, Istio and
 * agentgateway. Prints the results and writes its section of bench/RESULTS.md ("Route changes through the API").
 *
 *   npx ts-node --transpile-only bench/route-change.ts [--routes 1000] [--writes 30] [--churn 100] [--clients 8]
 *                                                      [--rss-routes 10000] [--out bench/RESULTS.md]
 *
 * What it does:
 * - starts etcd and kube-apiserver on 127.0.0.1 (test/kube/harness.ts; the binaries of scripts/kube-binaries.sh),
 *   an HTTP echo backend in this process, and `cdk8s-gateway serve --kubernetes` as a child process (the
 *   conformance harness's launcher, test/conformance/harness/gateway.ts), the backend reached through an
 *   EndpointSlice (a documentation address translated to 127.0.0.1, as in the conformance run through the API);
 * - creates a GatewayClass, a Gateway and `--routes` HTTPRoutes (`Exact /r<i>` each), and waits until the last is served
 *   and its status written (the first status pass, a write per route, is over), then 1 s more (the last writes of that
 *   pass, in flight four at a time, and their watch events);
 * - latency: `--writes` times, creates one more HTTPRoute and polls its path back to back (one keep-alive
 *   connection) until it answers 200: the time from the start of the create call to that answer, the create
 *   call's own time, and the time from the route's watch event (a watch of HTTPRoutes in this process, as the
 *   gateway's informer has) to that answer: the part of the gateway, apart from the API server's;
 * - churn under load: `--clients` keep-alive clients send `GET /r<random>` one after another (routes that never
 *   change) while `--churn` HTTPRoutes are added, changed (their path) and removed one API call after another;
 *   every answer to the clients must be 200 (the goal: zero failed requests);
 * - memory: routes are added up to `--rss-routes`; once the last is served, its status written and 3 s have passed,
 *   the gateway's VmRSS (and the V8 heap from its /metrics).
 * Every process it starts is stopped on exit.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { writeResultsSection } from './sections';
import { GATEWAY_CONTROLLER_NAME } from '../src/dataplane/controller/constants';
import type { KubeObject } from '../src/dataplane/kube/client';
import { GATEWAY_NODE_FLAGS } from '../src/dataplane/memory';
import { startGateway, type RunningGateway } from '../test/conformance/harness/gateway';
import { apply, refOf, startKube } from '../test/kube/harness';
import { startHttpEcho } from '../test/util/echo';

const ROOT = path.resolve(__dirname, '..');
const NS = 'bench';
const POD = '192.0.2.1';

interface Options {
  routes: number;
  writes: number;
  churn: number;
  clients: number;
  rssRoutes: number;
  out: string;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { routes: 1000, writes: 30, churn: 100, clients: 8, rssRoutes: 10_000, out: path.join(ROOT, 'bench', 'RESULTS.md') };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const count = (flag: string) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, at least 0`);
      return n;
    };
    switch (argv[i]) {
      case '--routes': o.routes = count('--routes'); break;
      case '--writes': o.writes = count('--writes'); break;
      case '--churn': o.churn = count('--churn'); break;
      case '--clients': o.clients = Math.max(1, count('--clients')); break;
      case '--rss-routes': o.rssRoutes = count('--rss-routes'); break;
      case '--out': o.out = path.resolve(value()); break;
      default: throw new Error(`unknown option ${argv[i]} (see the usage at the top of bench/route-change.ts)`);
    }
  }
  return o;
}

function route(name: string, pathValue: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: 'gw' }],
      rules: [{ matches: [{ path: { type: 'Exact', value: pathValue } }], backendRefs: [{ name: 'echo', port: 8080 }] }],
    },
  } as KubeObject;
}

/** Runs `fn` over 0..n-1 with `limit` at a time. */
async function each(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    for (let i = next++; i < n; i = next++) await fn(i);
  }));
}

function get(agent: http.Agent, port: number, target: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, agent, headers: { host: 'bench.example.com' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Waits until the route's status has a parent entry (written by the controller's status pass). */
async function statusWritten(client: { get(ref: any): Promise<unknown> }, name: string, timeoutMs = 300_000): Promise<void> {
  const ref = refOf(route(name, ''));
  const deadline = Date.now() + timeoutMs;
  while (!((await client.get(ref)) as any).status?.parents?.length) {
    if (Date.now() > deadline) throw new Error(`route ${name} got no status within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls `target` back to back until it answers 200; the time of that answer (ms, performance.now). */
async function firstOk(agent: http.Agent, port: number, target: string, timeoutMs = 60_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if ((await get(agent, port, target)) === 200) return performance.now();
    if (performance.now() > deadline) throw new Error(`${target} was not served within ${timeoutMs} ms`);
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function heapMb(adminPort: number): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: adminPort, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  const m = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : NaN;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const load0 = os.loadavg();
  const kube = await startKube();
  const echo = await startHttpEcho({ namespace: NS, pod: 'echo-x-y' });
  let gateway: RunningGateway | undefined;
  try {
    const base: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'bench' }, spec: { controllerName: GATEWAY_CONTROLLER_NAME } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: NS },
        spec: { gatewayClassName: 'bench', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: NS }, spec: { ports: [{ name: 'http', port: 8080, targetPort: 3000 }] } },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'echo-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'echo' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: echo.httpPort, protocol: 'TCP' }],
        endpoints: [{ addresses: [POD], conditions: { ready: true } }],
      },
    ] as KubeObject[];
    for (const b of base) await apply(kube.client, b);
    const tCreate = performance.now();
    await each(o.routes, 16, (i) => apply(kube.client, route(`r${i}`, `/r${i}`)).then(() => undefined));
    const createMs = performance.now() - tCreate;

    const tStart = performance.now();
    gateway = await startGateway({
      kubernetes: { kubeconfig: kube.kubeconfig, gateways: [`${NS}/gw`], addresses: new Map([[POD, '127.0.0.1']]) },
      listen: ['80=127.0.0.1:0'],
      launcher: 'esbuild',
      // as the image runs it (Dockerfile, GatewayDeployment)
      nodeArgs: GATEWAY_NODE_FLAGS,
    });
    const port = gateway.portFor(`${NS}/gw`, 80)!;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    if (o.routes > 0) await firstOk(agent, port, `/r${o.routes - 1}`);
    const startMs = performance.now() - tStart;
    // the first status pass (a write per route) is over before the writes are timed: they measure a running gateway
    if (o.routes > 0) await statusWritten(kube.client, `r${o.routes - 1}`);
    const statusMs = performance.now() - tStart;
    await new Promise((r) => setTimeout(r, 1000));
    console.log(`${o.routes} routes created in ${createMs.toFixed(0)} ms; the gateway served the last ${startMs.toFixed(0)} ms after its start, `
      + `their status was written after ${statusMs.toFixed(0)} ms`);

    // Latency from an HTTPRoute write to the first request served by it.
    const latencies: number[] = [];
    const creates: number[] = [];
    const fromEvents: number[] = [];
    // when each route's ADDED event came (performance.now), from a watch of HTTPRoutes like the gateway's informer
    const added = new Map<string, number>();
    const routesRef = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespace: NS };
    const since = (await kube.client.list(routesRef, { limit: 1 })).metadata.resourceVersion;
    const watch = kube.client.watch(routesRef, { resourceVersion: since }, (event) => {
      if (event.type === 'ADDED') added.set(event.object.metadata.name, performance.now());
    });
    for (let k = 0; k < o.writes; k++) {
      const t0 = performance.now();
      await apply(kube.client, route(`w${k}`, `/w${k}`));
      creates.push(performance.now() - t0);
      const served = await firstOk(agent, port, `/w${k}`);
      latencies.push(served - t0);
      const event = added.get(`w${k}`);
      if (event !== undefined) fromEvents.push(served - event);
      console.log(`  write ${k + 1}: served after ${latencies[k].toFixed(1)} ms (create call ${creates[k].toFixed(1)} ms, `
        + `watch event ${event === undefined ? 'not seen' : `${(event - t0).toFixed(1)} ms`})`);
    }
    watch.stop();

    // Churn under load: clients on routes that never change, while others are added, changed and removed.
    let stop = false;
    let sent = 0;
    const failures: string[] = [];
    const stable = Math.max(1, o.routes);
    const clients = Array.from({ length: o.clients }, async (_x, c) => {
      const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let seed = c + 1;
      while (!stop) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const target = o.routes > 0 ? `/r${seed % stable}` : '/w0';
        const status = await get(a, port, target);
        sent++;
        if (status !== 200) failures.push(`${target}: ${status || 'no answer'}`);
      }
      a.destroy();
    });
    const tChurn = performance.now();
    for (let i = 0; i < o.churn; i++) await apply(kube.client, route(`c${i}`, `/c${i}`));
    for (let i = 0; i < o.churn; i++) await apply(kube.client, route(`c${i}`, `/c${i}-v2`));
    for (let i = 0; i < o.churn; i++) await kube.client.delete(refOf(route(`c${i}`, '')));
    const churnMs = performance.now() - tChurn;
    stop = true;
    await Promise.all(clients);
    console.log(`churn: ${3 * o.churn} API writes in ${churnMs.toFixed(0)} ms; ${sent} requests, ${failures.length} failed`);

    // Memory with many routes.
    let rss: { routes: number; rss: number; heap: number } | undefined;
    if (o.rssRoutes > o.routes) {
      await each(o.rssRoutes - o.routes, 16, (i) => apply(kube.client, route(`r${o.routes + i}`, `/r${o.routes + i}`)).then(() => undefined));
      await firstOk(agent, port, `/r${o.rssRoutes - 1}`, 300_000);
      // then the status pass that follows: the last route's status written
      await statusWritten(kube.client, `r${o.rssRoutes - 1}`);
      await new Promise((r) => setTimeout(r, 3_000));
      rss = { routes: o.rssRoutes + o.writes, rss: rssMb(gateway.pid), heap: await heapMb(gateway.adminPort) };
      console.log(`memory: ${rss.routes} routes, RSS ${rss.rss.toFixed(0)} MB, V8 heap used ${rss.heap.toFixed(0)} MB`);
    }
    agent.destroy();

    const load1 = os.loadavg();
    const cpus = os.cpus();
    const sorted = [...latencies].sort((a, b) => a - b);
    const sortedCreates = [...creates].sort((a, b) => a - b);
    const sortedEvents = [...fromEvents].sort((a, b) => a - b);
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    const md = [
      '## Route changes through the API',
      '',
      `Written by \`bench/route-change.ts\`. Command: \`npx ts-node --transpile-only bench/route-change.ts ${process.argv.slice(2).join(' ')}\`.`.replace(' `.', '`.'),
      '',
      `- date: ${started.toISOString()} (took ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min)`,
      `- machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}; node ${process.version}`,
      `- load average (1, 5, 15 min) before: ${load0.map((x) => x.toFixed(2)).join(' ')}; after: ${load1.map((x) => x.toFixed(2)).join(' ')}`,
      `- etcd, kube-apiserver, \`serve --kubernetes\` (a child process, sources transpiled by esbuild, with the image's Node flags \`${GATEWAY_NODE_FLAGS.join(' ')}\`) `
        + 'and this harness (echo backend, clients) on the same machine, not pinned to CPUs',
      '- the writes are timed one after another, from 1 s after the last of the first status pass (a write per route) was written; '
        + 'each is polled back to back on one keep-alive connection until it answers 200',
      '',
      '| measurement | result | goal |',
      '| --- | --- | --- |',
      `| write -> first request served, ${o.routes.toLocaleString('en-US')} routes present (their status written), ${o.writes} writes | p50 ${ms(quantile(sorted, 0.5))}, `
        + `p90 ${ms(quantile(sorted, 0.9))}, max ${ms(sorted[sorted.length - 1] ?? NaN)} (the create call itself: p50 ${ms(quantile(sortedCreates, 0.5))}, `
        + `max ${ms(sortedCreates[sortedCreates.length - 1] ?? NaN)}) | at most 50 ms |`,
      `| the gateway's part: the route's watch event -> first request served (${fromEvents.length} of ${o.writes} events seen) `
        + `| p50 ${ms(quantile(sortedEvents, 0.5))}, p90 ${ms(quantile(sortedEvents, 0.9))}, max ${ms(sortedEvents[sortedEvents.length - 1] ?? NaN)} | |`,
      `| requests failed while ${o.churn} routes were added, changed and removed (${3 * o.churn} API writes in ${(churnMs / 1000).toFixed(1)} s) `
        + `| ${failures.length} of ${sent.toLocaleString('en-US')}${failures.length ? ` (first: ${failures[0]})` : ''} | 0 |`,
      ...(rss ? [`| RSS with ${rss.routes.toLocaleString('en-US')} routes | ${rss.rss.toFixed(0)} MB (V8 heap used ${rss.heap.toFixed(0)} MB) | under 150 MB |`] : []),
      '',
    ];
    const section = `${md.join('\n')}\n`;
    console.log(`\n${section}`);
    writeResultsSection(o.out, '## Route changes through the API', section);
  } finally {
    await gateway?.stop();
    await echo.close();
    await kube.stop();
  }
}

// A signal ends the run through process.exit, whose handlers stop the API server, etcd and the gateway.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
