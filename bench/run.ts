/* eslint-disable import/no-extraneous-dependencies, no-bitwise */ // bench/ is not shipped; its tools are dev dependencies
/**
 * The gateway benchmark: `cdk8s-gateway serve` side by side with nginx and two Node proxies, on the same
 * route table, request mix and load, at several table sizes; then gRPC unary calls through the gateway
 * against direct and against two floors of Node's http2 on both sides. Prints the results and writes bench/RESULTS.md.
 *
 *   npx ts-node --transpile-only bench/run.ts [--sizes 10,100,1000,10000] [--rounds 3] [--duration 5]
 *                                             [--connections 64] [--no-grpc] [--out bench/RESULTS.md]
 *                                             [--candidates] [--workers 1,2] [--gateway-node-args '--flag ...']
 *
 * Every process runs on the Node that runs this script: on Node 24 LTS (the image's),
 *   bash scripts/node.sh 24 node_modules/ts-node/dist/bin.js --transpile-only bench/run.ts ...
 * --candidates adds the floor with Node's own HTTP client (the upstream candidate undici was chosen against) and
 * the floor with the llhttp WASM server of bench/llhttp-server.ts in place of Node's (the client-side candidate);
 * --workers N,... adds the gateway with `serve --workers N` on both CPUs (compare its CPU per request).
 *
 * What it does:
 * - installs what is missing: nginx and wrk (and h2load for gRPC) from Debian packages (`apt-get install
 *   nginx-light wrk nghttp2-client`, as root), the Node peers with `npm ci` when node_modules lacks them;
 * - bundles the gateway (src/dataplane/main.ts, as the container image does; it runs with the image's Node flags,
 *   GATEWAY_NODE_FLAGS, or --gateway-node-args), the echo backends and the Node peers with esbuild into bench/.work/;
 * - starts the echo backends (one process, one port per Service) and, per table size, nginx (one worker,
 *   keep-alive upstreams), fastify + @fastify/reply-from, http-proxy and the gateway (one process,
 *   --no-access-log), all generated from bench/table.ts and all on 127.0.0.1, and the floor
 *   (bench/floor.ts: Node's http server and the upstream pools with no pipeline between them, which does not
 *   route by the table);
 * - checks that every contestant sends every request of the mix to the backend the table says;
 * - pins every server to CPU 0 and wrk (-t1) to CPU 1 (taskset), warms each contestant up, then runs
 *   `--rounds` rounds, each contestant once per round in a rotating order, and reports the median round;
 * - proxy CPU per request from /proc/<pid>/stat (utime + stime, every process of the contestant), resident
 *   memory (VmRSS) sampled during the load, wrk's p50 / p99.
 * Every process it starts is stopped on exit (also on Ctrl-C).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { RouterResult, routerMarkdown, runRouterBench } from './router';
import {
  BenchTable, LISTENER_PORT, backendsMap, gatewayObjects, nginxConfig, scaleTable, wrkScript,
} from './table';
import { GATEWAY_NODE_FLAGS } from '../src/dataplane/memory';

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(ROOT, 'bench', '.work');
const SERVER_CPU = '0';
const LOAD_CPU = '1';

// ------------------------------------------------------------------ options

interface Options {
  sizes: number[];
  rounds: number;
  duration: number;
  connections: number;
  grpc: boolean;
  router: boolean;
  out: string;
  /** Instead of the comparison: profile the gateway (--cpu-prof) under the same load, write bench/PROFILE.md. */
  profile: boolean;
  /** Also the candidates the gateway's HTTP engine was chosen against (the floor with Node's own HTTP client). */
  candidates: boolean;
  /** Also the gateway with `serve --workers N` for each N, its processes on both CPUs. */
  workers: number[];
  /** The gateway's Node flags (default GATEWAY_NODE_FLAGS, the image's; `--gateway-node-args ''` for Node's defaults). */
  gatewayNodeArgs: string[];
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { sizes: [10, 100, 1000, 10000], rounds: 3, duration: 5, connections: 64, grpc: true, router: true, out: path.join(ROOT, 'bench', 'RESULTS.md'), profile: false, candidates: false, workers: [], gatewayNodeArgs: [...GATEWAY_NODE_FLAGS] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--sizes') o.sizes = v().split(',').map(Number).filter((n) => n > 0);
    else if (a === '--rounds') o.rounds = Math.max(1, Number(v()));
    else if (a === '--duration') o.duration = Math.max(1, Number(v()));
    else if (a === '--connections') o.connections = Math.max(1, Number(v()));
    else if (a === '--no-grpc') o.grpc = false;
    else if (a === '--no-router') o.router = false;
    else if (a === '--out') o.out = path.resolve(v());
    else if (a === '--profile') o.profile = true;
    else if (a === '--candidates') o.candidates = true;
    else if (a === '--gateway-node-args') o.gatewayNodeArgs = v().split(' ').filter(Boolean);
    else if (a === '--workers') o.workers = v().split(',').map(Number).filter((n) => n > 0);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ------------------------------------------------------------------ processes

const started: ChildProcess[] = [];

function cleanup(): void {
  for (const p of started) {
    if (p.exitCode === null && p.signalCode === null && p.pid) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

/** Starts a process pinned to the server CPU; resolves when `ready(line)` accepts a stdout line. */
function startPinned(
  name: string, cmd: string, args: string[], ready: (line: string) => boolean, options: { cwd?: string; cpus?: string } = {},
): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn('taskset', ['-c', options.cpus ?? SERVER_CPU, cmd, ...args], { cwd: options.cwd ?? WORK, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (c) => {
    stderr += c;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      if (!done) reject(new Error(`${name} did not become ready in 120 s: ${stderr.slice(-2000)}`));
    }, 120_000);
    proc.stdout!.on('data', (c) => {
      if (done) return;
      buf += c;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (ready(line)) {
          done = true;
          clearTimeout(timer);
          proc.stdout!.resume();
          resolve({ proc, line });
          return;
        }
      }
    });
    proc.once('exit', (code) => {
      if (!done) {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}: ${stderr.slice(-2000)}`));
      }
    });
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------ /proc

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The process and all its descendants (nginx: master + worker; taskset execs, so pid is the server). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of fs.readdirSync(`/proc/${out[i]}/task`)) {
        const children = fs.readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (children) for (const c of children.split(/\s+/)) out.push(Number(c));
      }
    } catch {
      // exited
    }
  }
  return out;
}

/** utime + stime of the processes, in seconds. */
function cpuSeconds(pids: readonly number[]): number {
  const [user, sys] = cpuSplit(pids);
  return user + sys;
}

/** [utime, stime] of the processes, in seconds. */
function cpuSplit(pids: readonly number[]): [number, number] {
  let user = 0;
  let sys = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(fields[11]); // utime, stime: fields 14, 15 of stat
      sys += Number(fields[12]);
    } catch {
      // exited
    }
  }
  return [user / CLK_TCK, sys / CLK_TCK];
}

function rssMb(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // exited
    }
  }
  return kb / 1024;
}

// ------------------------------------------------------------------ tools

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureTools(grpc: boolean): void {
  const missing = [['nginx', 'nginx-light'], ['wrk', 'wrk'], ...(grpc ? [['h2load', 'nghttp2-client']] : [])].filter(([cmd]) => !have(cmd));
  if (missing.length > 0) {
    const pkgs = missing.map(([, pkg]) => pkg);
    if (process.getuid?.() !== 0) throw new Error(`missing ${missing.map(([c]) => c).join(', ')}: run apt-get install -y ${pkgs.join(' ')} as root`);
    console.log(`installing ${pkgs.join(' ')} ...`);
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs.join(' ')}`], { stdio: 'inherit' });
  }
  for (const cmd of ['taskset', 'getconf']) if (!have(cmd)) throw new Error(`${cmd} is required (util-linux / libc-bin)`);
  const peers = ['fastify', '@fastify/reply-from', 'http-proxy', 'esbuild', '@grpc/grpc-js'];
  if (peers.some((p) => !fs.existsSync(path.join(ROOT, 'node_modules', p, 'package.json')))) {
    console.log('installing the Node dev dependencies (npm ci) ...');
    execFileSync('npm', ['ci'], { cwd: ROOT, stdio: 'inherit' });
  }
}

function bundle(): void {
  fs.mkdirSync(WORK, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild');
  const common = { bundle: true, platform: 'node', target: 'node22', logLevel: 'warning', sourcemap: true };
  esbuild.buildSync({ ...common, entryPoints: [path.join(ROOT, 'src/dataplane/main.ts')], outfile: path.join(WORK, 'gateway.js') });
  // as the image's bundle task does (.projenrc.ts)
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'one-byte-bundle.js'), path.join(WORK, 'gateway.js')], { stdio: 'inherit' });
  esbuild.buildSync({ ...common, entryPoints: [path.join(ROOT, 'bench/backend.ts')], outfile: path.join(WORK, 'backend.js') });
  esbuild.buildSync({ ...common, packages: 'external', entryPoints: [path.join(ROOT, 'bench/peers.ts')], outfile: path.join(WORK, 'peers.js') });
  esbuild.buildSync({ ...common, packages: 'external', entryPoints: [path.join(ROOT, 'bench/grpc.ts')], outfile: path.join(WORK, 'grpc.js') });
  esbuild.buildSync({ ...common, entryPoints: [path.join(ROOT, 'bench/floor.ts')], outfile: path.join(WORK, 'floor.js') });
}

function versionOf(pkg: string): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

function commandOutput(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

// ------------------------------------------------------------------ contestants

/** Node's http server and the upstream pools with nothing between them (bench/floor.ts). */
const FLOOR = 'floor (no gateway pipeline)';
/** The same with Node's own HTTP client instead of undici (--candidates). */
const FLOOR_NODE_CLIENT = 'floor, Node http client';
/** The same with the llhttp WASM server (bench/llhttp-server.ts) instead of Node's http server (--candidates). */
const FLOOR_LLHTTP_SERVER = 'floor, llhttp WASM server';

interface Contestant {
  readonly name: string;
  readonly port: number;
  /** The proxy's root pid; undefined for direct (the backend is measured separately). */
  readonly pid?: number;
  readonly proc?: ChildProcess;
  /** Does not route by the table (the floor): not checked against it. */
  readonly unrouted?: boolean;
}

async function startContestants(table: BenchTable, size: number, ports: Map<string, number>, dir: string, opts: Options): Promise<Contestant[]> {
  fs.mkdirSync(dir, { recursive: true });
  const out: Contestant[] = [{ name: 'direct', port: ports.get(table.requests[0].expect[0])! }];

  const nginxPort = await freePort();
  fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(table, { listen: nginxPort, ports, workDir: dir }));
  const nginx = spawn('taskset', ['-c', SERVER_CPU, 'nginx', '-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'nginx-error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(nginx);
  await waitForPort(nginxPort, 'nginx', nginx);
  out.push({ name: 'nginx', port: nginxPort, pid: nginx.pid, proc: nginx });

  for (const peer of ['fastify', 'http-proxy']) {
    const port = await freePort();
    const config = path.join(dir, `${peer}.json`);
    fs.writeFileSync(config, JSON.stringify({ table: size, ports: Object.fromEntries(ports), listen: port }));
    const { proc } = await startPinned(peer, process.execPath, [path.join(WORK, 'peers.js'), peer, config], (l) => l === 'ready');
    out.push({ name: peer === 'fastify' ? 'fastify + reply-from' : 'http-proxy', port, pid: proc.pid, proc });
  }

  const gwPort = await freePort();
  fs.writeFileSync(path.join(dir, 'routes.yaml'), gatewayObjects(table).map((o) => YAML.stringify(o)).join('---\n'));
  fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify(backendsMap(table, ports)));
  const { proc: gw } = await startPinned('gateway', process.execPath, [
    ...opts.gatewayNodeArgs, path.join(WORK, 'gateway.js'), 'serve',
    '--routes', path.join(dir, 'routes.yaml'),
    '--backends', path.join(dir, 'backends.json'),
    '--listen', `${LISTENER_PORT}=127.0.0.1:${gwPort}`,
    '--admin', '127.0.0.1:0',
    '--no-access-log', '--no-watch',
  ], (l) => l.includes('"msg":"ready"'));
  out.push({ name: 'cdk8s-gateway', port: gwPort, pid: gw.pid, proc: gw });

  const floorPort = await freePort();
  const floorConfig = path.join(dir, 'floor.json');
  fs.writeFileSync(floorConfig, JSON.stringify({ ports: Object.fromEntries(ports), listen: floorPort }));
  const { proc: floor } = await startPinned('floor', process.execPath, [path.join(WORK, 'floor.js'), floorConfig], (l) => l === 'ready');
  out.push({ name: FLOOR, port: floorPort, pid: floor.pid, proc: floor, unrouted: true });

  if (opts.candidates) {
    for (const [name, variant] of [[FLOOR_NODE_CLIENT, { client: 'node' }], [FLOOR_LLHTTP_SERVER, { server: 'llhttp' }]] as const) {
      const port = await freePort();
      const config = path.join(dir, `floor-${Object.values(variant)[0]}.json`);
      fs.writeFileSync(config, JSON.stringify({ ports: Object.fromEntries(ports), listen: port, ...variant }));
      const { proc } = await startPinned(name, process.execPath, [path.join(WORK, 'floor.js'), config], (l) => l === 'ready');
      out.push({ name, port, pid: proc.pid, proc, unrouted: true });
    }
  }
  for (const n of opts.workers) {
    // Several processes are measured on both CPUs (wrk shares CPU 1 with them): their CPU per request, not their
    // req/s, is what compares with one process.
    const port = await freePort();
    const { proc } = await startPinned(`gateway (${n} workers)`, process.execPath, [
      ...opts.gatewayNodeArgs, path.join(WORK, 'gateway.js'), 'serve',
      '--routes', path.join(dir, 'routes.yaml'),
      '--backends', path.join(dir, 'backends.json'),
      '--listen', `${LISTENER_PORT}=127.0.0.1:${port}`,
      '--admin', '127.0.0.1:0',
      '--no-access-log', '--no-watch', '--workers', String(n),
    ], (l) => l.includes('"msg":"ready"'), { cpus: '0,1' });
    out.push({ name: `cdk8s-gateway, ${n} worker${n === 1 ? '' : 's'} (CPUs 0-1)`, port, pid: proc.pid, proc });
  }
  return out;
}

async function waitForPort(port: number, name: string, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function get(port: number, host: string, target: string, headers: Record<string, string>): Promise<{ status: number; backend?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, headers: { ...headers, host }, agent }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, backend: res.headers['x-backend'] as string | undefined }));
    });
    req.once('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Every request of the mix reaches one of the backends the table names, through every proxy (the floor: some backend). */
async function verify(table: BenchTable, contestants: readonly Contestant[]): Promise<void> {
  for (const c of contestants) {
    if (c.name === 'direct') continue;
    for (const r of table.requests) {
      if (c.unrouted) {
        const got = await get(c.port, r.host, r.target, r.headers as Record<string, string>);
        if (got.status !== 200 || !got.backend) throw new Error(`${c.name}: ${r.host}${r.target} answered ${got.status}`);
        continue;
      }
      const got = await get(c.port, r.host, r.target, r.headers as Record<string, string>);
      if (got.status !== 200 || !got.backend || !r.expect.includes(got.backend)) {
        throw new Error(`${c.name}: ${r.host}${r.target} ${JSON.stringify(r.headers)} answered ${got.status} by ${got.backend}; the table says ${r.expect.join(' or ')}`);
      }
    }
  }
}

// ------------------------------------------------------------------ wrk

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  cpuUsPerReq?: number;
  /** Share of the proxy CPU spent in the kernel (stime). */
  sysShare?: number;
  backendUsPerReq: number;
  /** Largest and median VmRSS sampled every 250 ms during the load. */
  rssMb?: number;
  rssMedianMb?: number;
}

function toMicros(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n : m[2] === 'ms' ? n * 1000 : n * 1e6;
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  raw: string;
}

function runWrk(port: number, script: string, seconds: number, connections: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', LOAD_CPU, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(p);
    let raw = '';
    p.stdout!.on('data', (c) => (raw += c));
    p.stderr!.on('data', (c) => (raw += c));
    p.once('error', reject);
    p.once('exit', () => {
      const num = (re: RegExp) => {
        const m = re.exec(raw);
        return m ? m[1] : undefined;
      };
      const rps = Number(num(/Requests\/sec:\s+([\d.]+)/));
      const requests = Number(num(/(\d+) requests in/));
      const non2xx = Number(num(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0);
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
      const errors = non2xx + (sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0);
      const p50 = toMicros(num(/\s50%\s+(\S+)/) ?? '');
      const p99 = toMicros(num(/\s99%\s+(\S+)/) ?? '');
      if (!(rps > 0)) reject(new Error(`wrk failed: ${raw}`));
      else resolve({ rps, p50, p99, requests, errors, raw });
    });
  });
}

async function measure(c: Contestant, backendPid: number, script: string, opts: Options): Promise<Sample> {
  const pids = c.pid ? processTree(c.pid) : [];
  const [user0, sys0] = cpuSplit(pids);
  const back0 = cpuSeconds([backendPid]);
  const rss: number[] = [];
  const sampler = setInterval(() => {
    if (pids.length) rss.push(rssMb(pids));
  }, 250);
  const w = await runWrk(c.port, script, opts.duration, opts.connections);
  clearInterval(sampler);
  const [user1, sys1] = cpuSplit(pids);
  const cpu = user1 - user0 + sys1 - sys0;
  const back = cpuSeconds([backendPid]) - back0;
  return {
    rps: w.rps,
    p50: w.p50,
    p99: w.p99,
    requests: w.requests,
    errors: w.errors,
    cpuUsPerReq: c.pid ? (cpu * 1e6) / w.requests : undefined,
    sysShare: c.pid && cpu > 0 ? (sys1 - sys0) / cpu : undefined,
    backendUsPerReq: (back * 1e6) / w.requests,
    rssMb: c.pid ? Math.max(...rss) : undefined,
    rssMedianMb: c.pid ? median(rss) : undefined,
  };
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  size: number;
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpu?: number;
  backend: number;
  rss?: number;
  rssMedian?: number;
  sys?: number;
  errors: number;
  rounds: number[];
}

/** The median round by req/s, with the medians of the other figures over the rounds. */
function summarize(size: number, name: string, samples: Sample[]): Row {
  return {
    size,
    name,
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    cpu: samples[0].cpuUsPerReq === undefined ? undefined : median(samples.map((s) => s.cpuUsPerReq!)),
    backend: median(samples.map((s) => s.backendUsPerReq)),
    rss: samples[0].rssMb === undefined ? undefined : Math.max(...samples.map((s) => s.rssMb!)),
    rssMedian: samples[0].rssMedianMb === undefined ? undefined : median(samples.map((s) => s.rssMedianMb!)),
    sys: samples[0].sysShare === undefined ? undefined : median(samples.map((s) => s.sysShare!)),
    errors: samples.reduce((a, s) => a + s.errors, 0),
    rounds: samples.map((s) => s.rps),
  };
}

// ------------------------------------------------------------------ gRPC

interface GrpcRow {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpu?: number;
  rounds: number[];
}

/** Node's http2 server (compatibility API, as the gateway's listeners) and an HTTP/2 backend stream per call, nothing between. */
const GRPC_FLOOR_COMPAT = 'floor, Node http2 (compatibility API)';
/** The same on Node's http2 core API (`'stream'` events). */
const GRPC_FLOOR_CORE = 'floor, Node http2 (core API)';

async function grpcBench(opts: Options): Promise<GrpcRow[]> {
  const dir = path.join(WORK, 'grpc');
  fs.mkdirSync(dir, { recursive: true });
  const { proc: echo, line } = await startPinned('grpc echo', process.execPath, [path.join(WORK, 'grpc.js'), 'echo'], (l) => l.startsWith('{'));
  const echoPort = JSON.parse(line).port as number;
  const gwPort = await freePort();
  const routes = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'grpc', namespace: 'bench' }, spec: { gatewayClassName: 'cdk8s-gateway', listeners: [{ name: 'grpc', port: 50051, protocol: 'HTTP' }] } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'echo', namespace: 'bench' },
      spec: {
        parentRefs: [{ name: 'grpc' }],
        hostnames: ['grpc.example.com'],
        rules: [
          { matches: [{ method: { service: 'bench.Other' } }], backendRefs: [{ name: 'other', port: 9000 }] },
          { matches: [{ method: { service: 'bench.Echo', method: 'Echo' } }], backendRefs: [{ name: 'echo', port: 9000 }] },
        ],
      },
    },
  ];
  fs.writeFileSync(path.join(dir, 'routes.yaml'), routes.map((o) => YAML.stringify(o)).join('---\n'));
  fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ 'bench/echo:9000': `127.0.0.1:${echoPort}`, 'bench/other:9000': `127.0.0.1:${echoPort}` }));
  const { proc: gw } = await startPinned('gateway (gRPC)', process.execPath, [
    ...opts.gatewayNodeArgs, path.join(WORK, 'gateway.js'), 'serve', '--routes', path.join(dir, 'routes.yaml'), '--backends', path.join(dir, 'backends.json'),
    '--listen', `50051=127.0.0.1:${gwPort}`, '--admin', '127.0.0.1:0', '--no-access-log', '--no-watch',
  ], (l) => l.includes('"msg":"ready"'));
  // A real gRPC client call through the gateway first.
  const check = spawnSync(process.execPath, [path.join(WORK, 'grpc.js'), 'call', `127.0.0.1:${gwPort}`, 'grpc.example.com'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`gRPC call through the gateway failed: ${check.stdout}${check.stderr}`);
  const body = path.join(dir, 'request.bin');
  const payload = Buffer.from('a small gRPC request message');
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(payload.length, 1);
  payload.copy(frame, 5);
  fs.writeFileSync(body, frame);
  const targets = [{ name: 'direct', port: echoPort, pid: undefined as number | undefined }, { name: 'cdk8s-gateway', port: gwPort, pid: gw.pid }];
  // The floors of HTTP/2 on both sides (bench/floor.ts), with the gateway's Node flags: what Node's http2 costs per call.
  const floors: ChildProcess[] = [];
  for (const [name, server] of [[GRPC_FLOOR_COMPAT, 'h2'], [GRPC_FLOOR_CORE, 'h2-core']] as const) {
    const port = await freePort();
    const config = path.join(dir, `floor-${server}.json`);
    fs.writeFileSync(config, JSON.stringify({ ports: { echo: echoPort }, listen: port, server }));
    const { proc } = await startPinned(name, process.execPath, [...opts.gatewayNodeArgs, path.join(WORK, 'floor.js'), config], (l) => l === 'ready');
    floors.push(proc);
    const call = spawnSync(process.execPath, [path.join(WORK, 'grpc.js'), 'call', `127.0.0.1:${port}`, 'grpc.example.com'], { encoding: 'utf8' });
    if (call.status !== 0) throw new Error(`gRPC call through ${name} failed: ${call.stdout}${call.stderr}`);
    targets.push({ name, port, pid: proc.pid });
  }
  const samples = new Map<string, { rps: number; p50: number; p99: number; cpu?: number }[]>(targets.map((t) => [t.name, []]));
  const h2load = (port: number, seconds: number) => {
    const r = spawnSync('taskset', ['-c', LOAD_CPU, 'h2load', '-t1', '-c16', '-m8', `-D${seconds}`, '--warm-up-time=1', '-d', body,
      '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-H', ':authority: grpc.example.com',
      `http://127.0.0.1:${port}/bench.Echo/Echo`], { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(out)?.[1]);
    const done = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(out);
    const lat = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(out);
    if (!(rps > 0) || !done || Number(done[3]) > 0) throw new Error(`h2load failed: ${out}`);
    return { rps, done: Number(done[1]), mean: lat ? toMicros(lat[3]) : NaN, raw: out };
  };
  for (const t of targets) h2load(t.port, 2);
  for (let round = 0; round < opts.rounds; round++) {
    for (const t of round % 2 ? [...targets].reverse() : targets) {
      const pids = t.pid ? processTree(t.pid) : [];
      const c0 = cpuSeconds(pids);
      const r = h2load(t.port, opts.duration);
      const cpu = t.pid ? ((cpuSeconds(pids) - c0) * 1e6) / (r.rps * opts.duration) : undefined;
      samples.get(t.name)!.push({ rps: r.rps, p50: r.mean, p99: NaN, cpu });
    }
  }
  await stop(gw);
  for (const f of floors) await stop(f);
  await stop(echo);
  return targets.map((t) => {
    const s = samples.get(t.name)!;
    return {
      name: t.name,
      rps: median(s.map((x) => x.rps)),
      p50: median(s.map((x) => x.p50)),
      p99: NaN,
      cpu: t.pid ? median(s.map((x) => x.cpu!)) : undefined,
      rounds: s.map((x) => x.rps),
    };
  });
}

// ------------------------------------------------------------------ profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Which source file of the bundle a line belongs to (esbuild marks each module with `// path`). */
function bundleSources(file: string): (line: number) => string {
  const marks: { line: number; source: string }[] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((l, i) => {
    const m = /^\/\/ (src\/\S+|node_modules\/\S+)$/.exec(l);
    if (m) marks.push({ line: i, source: m[1].replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, '$1') });
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = '';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].line <= line) {
        found = marks[mid].source;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  };
}

/** Top self-time functions of a .cpuprofile. */
type ProfileRow = { fn: string; where: string; selfMs: number; share: number };

export function summarizeProfile(profileFile: string, bundleFile: string, top = 30): { rows: ProfileRow[]; own: ProfileRow[]; totalMs: number } {
  const prof = JSON.parse(fs.readFileSync(profileFile, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const sourceOf = bundleSources(bundleFile);
  const agg = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const cf = n.callFrame;
    total += us;
    const fn = cf.functionName || (cf.url ? '(anonymous)' : n.callFrame.functionName || '(native)');
    let where = cf.url ? path.basename(cf.url) : '';
    if (cf.url.endsWith('gateway.js')) where = sourceOf(cf.lineNumber) || 'gateway.js';
    else if (cf.url.startsWith('node:')) where = cf.url;
    const key = `${fn}@${where}`;
    const a = agg.get(key) ?? { fn, where, us: 0 };
    a.us += us;
    agg.set(key, a);
  }
  const toRow = (a: { fn: string; where: string; us: number }): ProfileRow =>
    ({ fn: a.fn, where: a.where, selfMs: a.us / 1000, share: a.us / total });
  const rows = [...agg.values()].sort((a, b) => b.us - a.us).slice(0, top).map(toRow);
  // Inclusive time of the gateway's own functions (src/...): self time of every sample below them.
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (!cf.url.endsWith('gateway.js')) continue;
      const where = sourceOf(cf.lineNumber);
      if (!where.startsWith('src/')) continue;
      const key = `${cf.functionName || '(anonymous)'}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const a = inclusive.get(key) ?? { fn: cf.functionName || '(anonymous)', where, us: 0 };
      a.us += us;
      inclusive.set(key, a);
    }
  }
  const own = [...inclusive.values()].sort((a, b) => b.us - a.us).slice(0, 20).map(toRow);
  return { rows, own, totalMs: total / 1000 };
}

async function profileGateway(opts: Options): Promise<void> {
  const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const sections: string[] = [];
  const tables = opts.sizes.map((n) => scaleTable(n));
  const services = [...new Set(tables.flatMap((t) => t.services))];
  const { proc: backend, line } = await startPinned('echo backends', process.execPath, [path.join(WORK, 'backend.js'), ...services], (l) => l.startsWith('{'));
  const ports = new Map<string, number>(Object.entries(JSON.parse(line)));
  for (const [i, t] of tables.entries()) {
    const size = opts.sizes[i];
    const dir = path.join(WORK, `profile-${size}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'routes.yaml'), gatewayObjects(t).map((o) => YAML.stringify(o)).join('---\n'));
    fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify(backendsMap(t, ports)));
    const script = path.join(dir, 'mix.lua');
    fs.writeFileSync(script, wrkScript(t));
    const port = await freePort();
    const { proc } = await startPinned('gateway', process.execPath, [
      '--cpu-prof', '--cpu-prof-dir', dir,
      ...opts.gatewayNodeArgs, path.join(WORK, 'gateway.js'), 'serve', '--routes', path.join(dir, 'routes.yaml'), '--backends', path.join(dir, 'backends.json'),
      '--listen', `${LISTENER_PORT}=127.0.0.1:${port}`, '--admin', '127.0.0.1:0', '--no-access-log', '--no-watch',
    ], (l) => l.includes('"msg":"ready"'));
    await runWrk(port, script, 2, opts.connections);
    const w = await runWrk(port, script, opts.duration, opts.connections);
    await stop(proc);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    const { rows, own, totalMs } = summarizeProfile(path.join(dir, file), path.join(WORK, 'gateway.js'));
    console.log(`\n== ${t.name}: ${fmt(w.rps)} req/s under the profiler`);
    const lines = [
      `## ${t.name}`,
      '',
      `${fmt(w.rps)} req/s under the profiler (wrk -t1 -c${opts.connections}, warm-up 2 s, then ${opts.duration} s; the profile covers start-up too, ${fmt(totalMs)} ms of samples).`,
      '',
      '| self % | self ms | function | where |',
      '| ---: | ---: | --- | --- |',
      ...rows.map((r) => `| ${fmt(r.share * 100, 1)} | ${fmt(r.selfMs)} | \`${r.fn}\` | ${r.where} |`),
      '',
      'The gateway\'s own functions by inclusive time (their callees included):',
      '',
      '| total % | total ms | function | where |',
      '| ---: | ---: | --- | --- |',
      ...own.map((r) => `| ${fmt(r.share * 100, 1)} | ${fmt(r.selfMs)} | \`${r.fn}\` | ${r.where} |`),
      '',
    ];
    console.log(lines.join('\n'));
    sections.push(lines.join('\n'));
  }
  await stop(backend);
  const commit = commandOutput('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = commandOutput('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src/dataplane']) ? ' (with uncommitted changes in src/dataplane)' : '';
  const md = [
    '# Gateway hot-path profile',
    '',
    `Written by \`npx ts-node --transpile-only bench/run.ts --profile ${process.argv.slice(2).filter((a) => a !== '--profile').join(' ')}\`: the gateway bundle run with \`node --cpu-prof\`, the request mix of bench/table.ts from wrk, top self-time functions (source file from the bundle's module markers; "(garbage collector)", "(program)" and "(idle)" are V8's own buckets).`,
    '',
    `- date: ${new Date().toISOString()}; machine: ${machine()}; load average before: ${loadBefore}; node ${process.version}; cdk8s-gateway at ${commit}${dirty}`,
    '',
    ...sections,
  ].join('\n');
  const out = opts.out.endsWith('RESULTS.md') ? path.join(path.dirname(opts.out), 'PROFILE.md') : opts.out;
  fs.writeFileSync(out, md);
  console.log(`written to ${path.relative(ROOT, out)}`);
}

// ------------------------------------------------------------------ report

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function latency(us: number): string {
  if (!Number.isFinite(us)) return '–';
  return us >= 1000 ? `${fmt(us / 1000, 2)} ms` : `${fmt(us, 0)} µs`;
}

function resultsTable(rows: Row[]): string {
  const lines = [
    '| rules | contestant | req/s (median) | p50 | p99 | proxy CPU µs/req (sys %) | RSS MB median / max | vs direct | vs nginx | rounds req/s |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const direct = rows.find((x) => x.size === r.size && x.name === 'direct')!;
    const nginx = rows.find((x) => x.size === r.size && x.name === 'nginx')!;
    lines.push(`| ${fmt(r.size)} | ${r.name} | ${fmt(r.rps)} | ${latency(r.p50)} | ${latency(r.p99)} | ${fmt(r.cpu, 1)}${r.sys !== undefined ? ` (${fmt(r.sys * 100)}%)` : ''} | ${r.rss !== undefined ? `${fmt(r.rssMedian, 0)} / ${fmt(r.rss, 0)}` : '–'} | ${fmt((r.rps / direct.rps) * 100, 0)}% | ${r.name === 'direct' ? '–' : `${fmt(r.rps / nginx.rps, 2)}x`} | ${r.rounds.map((x) => fmt(x)).join(', ')}${r.errors ? ` (${r.errors} errors)` : ''} |`);
  }
  return lines.join('\n');
}

function machine(): string {
  const cpu = os.cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? '?'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Linux ${os.release()}`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  ensureTools(opts.grpc);
  bundle();
  if (opts.profile) return profileGateway(opts);
  const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const startedAt = new Date();
  const allServices = new Set<string>();
  const tables = opts.sizes.map((n) => scaleTable(n));
  for (const t of tables) for (const s of t.services) allServices.add(s);
  let routerRows: RouterResult[] = [];
  if (opts.router) {
    console.log('== router alone (bench/router.ts)');
    routerRows = runRouterBench(opts.sizes, 450);
    console.log(routerMarkdown(routerRows));
  }
  const { proc: backend, line } = await startPinned('echo backends', process.execPath, [path.join(WORK, 'backend.js'), ...allServices], (l) => l.startsWith('{'));
  const ports = new Map<string, number>(Object.entries(JSON.parse(line)));
  const rows: Row[] = [];
  for (const [i, t] of tables.entries()) {
    const size = opts.sizes[i];
    const dir = path.join(WORK, `rules-${size}`);
    console.log(`\n== ${t.name}: ${t.rules.length} rules, ${new Set(t.rules.map((r) => r.host)).size} hostnames, ${t.requests.length} requests in the mix`);
    fs.writeFileSync(path.join(WORK, `mix-${size}.lua`), wrkScript(t));
    const script = path.join(WORK, `mix-${size}.lua`);
    const contestants = await startContestants(t, size, ports, dir, opts);
    await verify(t, contestants);
    console.log('   every contestant routes every request of the mix as the table says (the floor: to some backend)');
    for (const c of contestants) await runWrk(c.port, script, 2, opts.connections); // warm-up (JIT, pools)
    const samples = new Map<string, Sample[]>(contestants.map((c) => [c.name, []]));
    for (let round = 0; round < opts.rounds; round++) {
      const order = contestants.map((_, k) => contestants[(k + round) % contestants.length]);
      for (const c of order) {
        const s = await measure(c, backend.pid!, script, opts);
        samples.get(c.name)!.push(s);
        console.log(`   round ${round + 1} ${c.name.padEnd(22)} ${fmt(s.rps).padStart(7)} req/s  p50 ${latency(s.p50)}  p99 ${latency(s.p99)}  cpu ${fmt(s.cpuUsPerReq, 1)} µs/req${s.sysShare !== undefined ? ` (${fmt(s.sysShare * 100)}% sys)` : ''}${s.rssMb ? `  rss ${fmt(s.rssMb)} MB` : ''}${s.errors ? `  ${s.errors} errors` : ''}`);
      }
    }
    for (const c of contestants) rows.push(summarize(size, c.name, samples.get(c.name)!));
    for (const c of contestants) if (c.proc) await stop(c.proc);
  }
  let grpcRows: GrpcRow[] = [];
  if (opts.grpc) {
    console.log('\n== gRPC unary');
    grpcRows = await grpcBench(opts);
  }
  await stop(backend);
  const loadAfter = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const commit = commandOutput('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = commandOutput('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src/dataplane']) ? ' (with uncommitted changes in src/dataplane)' : '';
  const node = process.version.split('.')[0].slice(1);
  const cmd = `bash scripts/node.sh ${node} node_modules/ts-node/dist/bin.js --transpile-only bench/run.ts ${process.argv.slice(2).join(' ')}`.trim();
  const md = [
    '# Gateway benchmark results',
    '',
    `Written by \`bench/run.ts\`; do not edit by hand. Command: \`${cmd}\`.`,
    '',
    `- date: ${startedAt.toISOString()} (took ${fmt((Date.now() - startedAt.getTime()) / 60000, 1)} min)`,
    `- machine: ${machine()}`,
    `- load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`,
    `- versions: node ${process.version}, ${commandOutput('nginx', ['-v']).replace('nginx version: ', '')}, ${commandOutput('wrk', ['-v']).split('\n')[0].split(' Copyright')[0]}, fastify ${versionOf('fastify')}, @fastify/reply-from ${versionOf('@fastify/reply-from')}, http-proxy ${versionOf('http-proxy')}, cdk8s-gateway ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version} at ${commit}${dirty}`,
    `- load: \`wrk -t1 -c${opts.connections} -d${opts.duration}s\` on CPU ${LOAD_CPU}; every server (proxy and echo backends) on CPU ${SERVER_CPU}; HTTP/1.1 keep-alive; ${opts.rounds} rounds, contestants interleaved in a rotating order; the median is reported`,
    `- the gateway's Node flags: ${opts.gatewayNodeArgs.length ? `\`${opts.gatewayNodeArgs.join(' ')}\`` : 'none (Node\'s defaults)'}`,
    '- proxy CPU µs/req: utime + stime of the proxy\'s processes (/proc/<pid>/stat) over the round / requests completed (sys %: the stime share); RSS: VmRSS of the proxy\'s processes sampled every 250 ms during the load, median and largest',
    '',
    resultsTable(rows),
    '',
    `Echo backend CPU per request (the same process for every contestant): ${[...new Set(rows.map((r) => r.size))].map((s) => `${fmt(s)} rules ${rows.filter((r) => r.size === s).map((r) => `${r.name} ${fmt(r.backend, 1)} µs`).join(', ')}`).join('; ')}.`,
    '',
  ];
  if (grpcRows.length) {
    md.push('## gRPC unary', '', `\`h2load -t1 -c16 -m8 -D${opts.duration}\` (POST of one small gRPC message, \`content-type: application/grpc\`) on CPU ${LOAD_CPU}; gRPC echo (@grpc/grpc-js ${versionOf('@grpc/grpc-js')}) and proxies on CPU ${SERVER_CPU}; a GRPCRoute with two rules; the floors (bench/floor.ts: each call relayed stream to stream through Node's http2 on both sides, no routing) with the gateway's Node flags; median of ${opts.rounds} rounds.`, '');
    md.push('| contestant | calls/s (median) | mean latency | proxy CPU µs/call | vs direct | rounds calls/s |', '| --- | ---: | ---: | ---: | ---: | --- |');
    const direct = grpcRows.find((r) => r.name === 'direct')!;
    for (const r of grpcRows) md.push(`| ${r.name} | ${fmt(r.rps)} | ${latency(r.p50)} | ${fmt(r.cpu, 1)} | ${fmt((r.rps / direct.rps) * 100, 0)}% | ${r.rounds.map((x) => fmt(x)).join(', ')} |`);
    md.push('');
  }
  if (routerRows.length) {
    md.push('## The router alone', '', 'ns per `route(table, request)` decision (bench/router.ts, in the harness process before the servers start; median of three runs of at least 150 ms each), by table shape; "vs smallest" is the ratio to the same shape at the smallest size.', '');
    md.push(routerMarkdown(routerRows), '');
  }
  // Sections other benchmarks write into the same file (bench/reload.ts: "Reloads under load") are kept.
  const existing = fs.existsSync(opts.out) ? fs.readFileSync(opts.out, 'utf8') : '';
  const foreign = existing.indexOf('\n## Reloads under load');
  const text = `${md.join('\n').trimEnd()}\n${foreign >= 0 ? existing.slice(foreign) : ''}`;
  fs.writeFileSync(opts.out, text);
  console.log(`\n${text}`);
  console.log(`written to ${path.relative(ROOT, opts.out)}`);
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (err) => {
    console.error(`bench: ${err?.stack ?? err}`);
    cleanup();
    process.exit(1);
  },
);
