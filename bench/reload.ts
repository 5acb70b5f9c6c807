/* eslint-disable import/no-extraneous-dependencies */ // bench/ is not shipped; its tools are dev dependencies
/**
 * Reloads under load, and YAML parse time by input size. Prints the results and writes its section of
 * bench/RESULTS.md ("Reloads under load").
 *
 *   npx ts-node --transpile-only bench/reload.ts [--routes 5000] [--rounds 3] [--connections 16] [--before 8]
 *                                                [--baseline REF] [--gateway-node-args '--flag ...']
 *                                                [--yaml 1,2,4,8] [--out bench/RESULTS.md]
 *
 * What it does:
 * - bundles the gateway (src/dataplane/main.ts, as the image does) with esbuild into bench/.work/reload/; with
 *   `--baseline REF` also the gateway of that git commit (`git archive`), measured the same way for comparison;
 * - starts an echo backend in this process and the gateway as a child process (`serve --no-access-log`, watching its
 *   input) on 127.0.0.1, with one Gateway and one HTTPRoute (`PathPrefix /`);
 * - keeps `--connections` keep-alive clients sending `GET /x` one after another and records every latency;
 * - per round: `--before` seconds of load, then the routes file is replaced (written beside, renamed into place) by
 *   one with `--routes` more HTTPRoutes (a PathPrefix and a header match each); "during" is from the rename to the
 *   gateway's `reloaded` log line; "after" the 3 s that follow; "in compile" the last `compileMs` before `reloaded`
 *   (the gateway logs how long its compile on the serving thread took); then the input goes back to the single route;
 * - reports p50 / p99 / max of the other requests' latency before, during and after, the reload's duration, and
 *   the ratio of p99 during to p99 before (the goal: at most 2x), and of p99 in the compile to p99 before;
 * - `--gateway-node-args` starts the gateway's node with these flags (e.g. GC settings), every contestant alike, and
 *   writes a section of its own;
 * - latencies are kept in blocks of numbers (not an object per request) so that this process's own garbage
 *   collection stays small;
 * - `--yaml` (first, before any load): the time `parsePlainDocuments` (what the reload's worker runs) takes on
 *   generated route YAML of each size in MB (median of 3), to check that it grows linearly.
 * Every process it starts is stopped on exit.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { writeResultsSection } from './sections';
import { parsePlainDocuments } from '../src/dataplane/config/load';

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(ROOT, 'bench', '.work', 'reload');
const NS = 'bench';

interface Options {
  routes: number;
  rounds: number;
  connections: number;
  beforeSeconds: number;
  baseline?: string;
  gatewayNodeArgs: string[];
  yaml: number[];
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { routes: 5000, rounds: 3, connections: 16, beforeSeconds: 8, gatewayNodeArgs: [], yaml: [1, 2, 4, 8], out: path.join(ROOT, 'bench', 'RESULTS.md') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--routes': o.routes = Number(v); i++; break;
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--connections': o.connections = Number(v); i++; break;
      case '--before': o.beforeSeconds = Number(v); i++; break;
      case '--baseline': o.baseline = v; i++; break;
      case '--gateway-node-args': o.gatewayNodeArgs = v.split(' ').filter(Boolean); i++; break;
      case '--yaml': o.yaml = v === 'none' ? [] : v.split(',').map(Number); i++; break;
      case '--out': o.out = path.resolve(v); i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

// ------------------------------------------------------------------ input

function gateway(): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: NS },
    spec: { gatewayClassName: 'cdk8s-gateway', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  };
}

function httpRoute(name: string, path_: string, header?: [string, string]): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: 'gw' }],
      hostnames: [`${name}.example.com`, 'bench.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: path_ }, ...(header ? { headers: [{ name: header[0], value: header[1] }] } : {}) }],
        backendRefs: [{ name: 'echo', port: 8080 }],
      }],
    },
  };
}

function routesYaml(extra: number): string {
  const docs = [gateway(), httpRoute('base', '/')];
  for (let i = 0; i < extra; i++) docs.push(httpRoute(`r${String(i).padStart(5, '0')}`, `/r${i}`, ['x-tenant', `t${i}`]));
  return docs.map((d) => YAML.stringify(d)).join('---\n');
}

/** Route YAML of about `mb` MB: HTTPRoutes as above. */
function yamlOfSize(mb: number): string {
  const parts = [YAML.stringify(gateway())];
  let size = parts[0].length;
  for (let i = 0; size < mb * 1_000_000; i++) {
    const s = YAML.stringify(httpRoute(`r${i}`, `/r${i}`, ['x-tenant', `t${i}`]));
    parts.push(s);
    size += s.length + 4;
  }
  return parts.join('---\n');
}

// ------------------------------------------------------------------ processes

const children = new Set<ChildProcess>();
function stopAll(): void {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

function bundle(srcRoot: string, outfile: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild');
  const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', nodePaths: [path.join(ROOT, 'node_modules')] };
  esbuild.buildSync({ ...common, entryPoints: [path.join(srcRoot, 'src/dataplane/main.ts')], outfile });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A log line of the gateway: when this process read it, and its fields. */
interface LogLine {
  readonly at: number;
  readonly fields: Record<string, unknown>;
}

interface Gateway {
  readonly port: number;
  readonly process: ChildProcess;
  /** Resolves on the next log line with this msg. */
  next(msg: string, timeoutMs: number): Promise<LogLine>;
}

async function startGateway(script: string, dir: string, backendPort: number, nodeArgs: readonly string[]): Promise<Gateway> {
  fs.writeFileSync(path.join(dir, 'routes.yaml'), routesYaml(0));
  fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/echo:8080`]: `127.0.0.1:${backendPort}` }));
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, script, 'serve', '--routes', path.join(dir, 'routes.yaml'), '--backends', path.join(dir, 'backends.json'),
    '--listen', `80=127.0.0.1:${port}`, '--admin', '127.0.0.1:0', '--no-access-log'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const waiters: { msg: string; resolve(line: LogLine): void }[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let fields: Record<string, unknown>;
      try {
        fields = JSON.parse(line);
      } catch {
        continue;
      }
      const msg = fields.msg;
      if (msg === 'reload rejected') process.stderr.write(`gateway: ${line}\n`);
      const now = performance.now();
      for (const w of waiters.filter((x) => x.msg === msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve({ at: now, fields });
      }
    }
  });
  const gw: Gateway = {
    port,
    process: child,
    next: (msg, timeoutMs) => new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${msg}' from the gateway in ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ msg, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    }),
  };
  await gw.next('ready', 30_000);
  return gw;
}

// ------------------------------------------------------------------ load

/**
 * Latency samples (start time, latency) in blocks of numbers, not one object each: this process would otherwise hold
 * hundreds of thousands of small objects per round, and its own garbage collection pauses would show as latency.
 */
class Samples {
  private static readonly BLOCK = 65_536;
  private readonly blocks: Float64Array[] = [];
  private used = Samples.BLOCK;

  add(start: number, ms: number): void {
    if (this.used === Samples.BLOCK) {
      this.blocks.push(new Float64Array(Samples.BLOCK * 2));
      this.used = 0;
    }
    const block = this.blocks[this.blocks.length - 1];
    block[this.used * 2] = start;
    block[this.used * 2 + 1] = ms;
    this.used++;
  }

  /** The latencies of the requests started in [from, to), sorted. */
  between(from: number, to: number): Float64Array {
    const out: number[] = [];
    this.blocks.forEach((block, i) => {
      const n = i === this.blocks.length - 1 ? this.used : Samples.BLOCK;
      for (let j = 0; j < n; j++) if (block[j * 2] >= from && block[j * 2] < to) out.push(block[j * 2 + 1]);
    });
    return Float64Array.from(out).sort();
  }
}

class Load {
  readonly samples = new Samples();
  errors = 0;
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly agent: http.Agent;

  constructor(port: number, connections: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    for (let i = 0; i < connections; i++) this.loops.push(this.loop(port));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.agent.destroy();
  }

  private async loop(port: number): Promise<void> {
    while (this.running) {
      const start = performance.now();
      const ok = await new Promise<boolean>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/x', headers: { host: 'bench.example.com' }, agent: this.agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
          res.on('error', () => resolve(false));
        });
        req.setTimeout(10_000, () => req.destroy());
        req.on('error', () => resolve(false));
        req.end();
      });
      if (ok) this.samples.add(start, performance.now() - start);
      else this.errors++;
    }
  }
}

interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function stats(samples: Samples, from: number, to: number): Stats {
  const ms = samples.between(from, to);
  const q = (p: number) => (ms.length === 0 ? NaN : ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]);
  return { n: ms.length, p50: q(0.5), p99: q(0.99), max: ms.length ? ms[ms.length - 1] : NaN };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  readonly reloadMs: number;
  /** How long the gateway says its compile (on the serving thread) took, when it says. */
  readonly compileMs?: number;
  readonly before: Stats;
  readonly during: Stats;
  /** The requests started during the compile (the last `compileMs` before `reloaded`). */
  readonly compile?: Stats;
  /** The requests started from the rename to the compile: while the reader thread reads and parses the input. */
  readonly read?: Stats;
  readonly after: Stats;
  readonly errors: number;
}

async function measure(name: string, script: string, o: Options, backendPort: number): Promise<Round[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-reload-'));
  const gw = await startGateway(script, dir, backendPort, o.gatewayNodeArgs);
  const big = routesYaml(o.routes);
  const small = routesYaml(0);
  const replace = (text: string) => {
    fs.writeFileSync(path.join(dir, 'routes.yaml.new'), text);
    fs.renameSync(path.join(dir, 'routes.yaml.new'), path.join(dir, 'routes.yaml'));
  };
  const rounds: Round[] = [];
  try {
    for (let r = 0; r < o.rounds; r++) {
      const load = new Load(gw.port, o.connections);
      await sleep(2_000); // warm-up
      const beforeFrom = performance.now();
      await sleep(o.beforeSeconds * 1000);
      const t0 = performance.now();
      const reloaded = gw.next('reloaded', 120_000);
      replace(big);
      const line = await reloaded;
      const t1 = line.at;
      const compileMs = typeof line.fields.compileMs === 'number' ? line.fields.compileMs : undefined;
      await sleep(3_000);
      const t2 = performance.now();
      await load.stop();
      const round: Round = {
        reloadMs: t1 - t0,
        ...(compileMs !== undefined
          ? { compileMs, compile: stats(load.samples, t1 - compileMs, t1), read: stats(load.samples, t0, t1 - compileMs) }
          : {}),
        before: stats(load.samples, beforeFrom, t0),
        during: stats(load.samples, t0, t1),
        after: stats(load.samples, t1, t2),
        errors: load.errors,
      };
      rounds.push(round);
      console.log(`${name} round ${r + 1}: reload ${round.reloadMs.toFixed(0)} ms; p99 before ${round.before.p99.toFixed(2)} ms, during ${round.during.p99.toFixed(2)} ms `
        + `(${round.during.n} requests), after ${round.after.p99.toFixed(2)} ms; max during ${round.during.max.toFixed(1)} ms; `
        + `${round.compile ? `compile ${compileMs} ms, p99 in it ${round.compile.p99.toFixed(2)} ms; ` : ''}`
        + `${round.read ? `p99 in the read ${round.read.p99.toFixed(2)} ms; ` : ''}errors ${round.errors}`);
      const back = gw.next('reloaded', 120_000);
      replace(small);
      await back;
      await sleep(1_000);
    }
  } finally {
    gw.process.kill('SIGTERM');
    await new Promise((r) => gw.process.once('exit', r));
    children.delete(gw.process);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rounds;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

function yamlTimes(sizes: readonly number[]): { mb: number; bytes: number; docs: number; ms: number }[] {
  const out: { mb: number; bytes: number; docs: number; ms: number }[] = [];
  parsePlainDocuments(yamlOfSize(0.5), 'warm-up.yaml', (x) => JSON.stringify(x));
  for (const mb of sizes) {
    const text = yamlOfSize(mb);
    const times: number[] = [];
    let docs = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      docs = parsePlainDocuments(text, 'bench.yaml', (x) => JSON.stringify(x)).length;
      times.push(performance.now() - t0);
    }
    out.push({ mb, bytes: Buffer.byteLength(text), docs, ms: median(times) });
    console.log(`yaml ${mb} MB: ${median(times).toFixed(0)} ms (${docs} documents; runs ${times.map((t) => t.toFixed(0)).join(', ')})`);
  }
  return out;
}

const f2 = (n: number) => (n >= 10 ? n.toFixed(1) : n.toFixed(2));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const load0 = os.loadavg();
  fs.mkdirSync(WORK, { recursive: true });
  const contestants: { name: string; script: string }[] = [];
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: ROOT }).toString().trim() !== '';
  bundle(ROOT, path.join(WORK, 'gateway.js'));
  contestants.push({ name: `this tree (${head}${dirty ? ' + changes' : ''})`, script: path.join(WORK, 'gateway.js') });
  if (o.baseline) {
    const src = path.join(WORK, `baseline-${o.baseline.replace(/[^\w.-]/g, '_')}`);
    fs.rmSync(src, { recursive: true, force: true });
    fs.mkdirSync(src, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${o.baseline} src | tar -x -C ${src}`], { cwd: ROOT });
    bundle(src, path.join(src, 'gateway.js'));
    const ref = execFileSync('git', ['rev-parse', '--short', o.baseline], { cwd: ROOT }).toString().trim();
    contestants.push({ name: `${o.baseline} (${ref})`, script: path.join(src, 'gateway.js') });
  }
  const backend = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
    res.end('ok\n');
  });
  backend.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const backendPort = (backend.address() as net.AddressInfo).port;
  // YAML first, in a process that holds nothing else yet (the latency samples of the load would add GC work).
  const yaml = yamlTimes(o.yaml);
  const results: { name: string; rounds: Round[] }[] = [];
  for (const c of contestants) results.push({ name: c.name, rounds: await measure(c.name, c.script, o, backendPort) });
  backend.close();
  const load1 = os.loadavg();

  const cpus = os.cpus();
  // (a run with --gateway-node-args writes a section of its own, beside the one of the default settings)
  const heading = o.gatewayNodeArgs.length > 0 ? `## Reloads under load, the gateway's node started with ${o.gatewayNodeArgs.join(' ')}` : '## Reloads under load';
  const md: string[] = [
    heading,
    '',
    `Written by \`bench/reload.ts\`. Command: \`npx ts-node --transpile-only bench/reload.ts ${process.argv.slice(2).join(' ')}\`.`.replace(' `.', '`.'),
    '',
    `- date: ${started.toISOString()} (took ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min)`,
    `- machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}; node ${process.version}`,
    `- load average (1, 5, 15 min) before: ${load0.map((x) => x.toFixed(2)).join(' ')}; after: ${load1.map((x) => x.toFixed(2)).join(' ')}`,
    `- the gateway (esbuild bundle, one process, watching its input) and this harness (echo backend and ${o.connections} keep-alive clients `
      + 'sending `GET /x` one after another) on the same machine, not pinned to CPUs',
    `- per round: ${o.beforeSeconds} s of load ("before"), then the routes file is replaced by one with ${o.routes.toLocaleString('en-US')} more HTTPRoutes `
      + '(PathPrefix and header match each); "during" = requests started between the rename and the gateway\'s `reloaded` log line; '
      + '"after" = the next 3 s; "in compile" = requests started in the last `compileMs` (as the `reloaded` line says) before it, '
      + 'the part of the reload done on the serving thread; "in read" = requests started from the rename to the compile, while the reader '
      + 'thread reads and parses the input; then back to one route',
    ...(o.gatewayNodeArgs.length > 0 ? [`- the gateway's node started with \`${o.gatewayNodeArgs.join(' ')}\``] : []),
    '',
    '| gateway | round | reload ms | compile ms | requests during | p50 before | p99 before | p99 during | max during | p99 in read | p99 in compile | p99 after | p99 during / before | p99 in read / before | p99 in compile / before | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const inCompile = (x: Round) => (x.compile ? x.compile.p99 / x.before.p99 : NaN);
  const inRead = (x: Round) => (x.read ? x.read.p99 / x.before.p99 : NaN);
  const ratioText = (v: number) => (Number.isNaN(v) ? '' : `${v.toFixed(2)}x`);
  for (const r of results) {
    r.rounds.forEach((x, i) => md.push(`| ${r.name} | ${i + 1} | ${x.reloadMs.toFixed(0)} | ${x.compileMs ?? ''} | ${x.during.n} | ${f2(x.before.p50)} ms | ${f2(x.before.p99)} ms | `
      + `${f2(x.during.p99)} ms | ${f2(x.during.max)} ms | ${x.read ? `${f2(x.read.p99)} ms` : ''} | ${x.compile ? `${f2(x.compile.p99)} ms` : ''} | ${f2(x.after.p99)} ms | `
      + `${(x.during.p99 / x.before.p99).toFixed(2)}x | ${ratioText(inRead(x))} | ${ratioText(inCompile(x))} | ${x.errors} |`));
    const ratio = median(r.rounds.map((x) => x.during.p99 / x.before.p99));
    md.push(`| ${r.name} | median | ${median(r.rounds.map((x) => x.reloadMs)).toFixed(0)} | | | | ${f2(median(r.rounds.map((x) => x.before.p99)))} ms | `
      + `${f2(median(r.rounds.map((x) => x.during.p99)))} ms | | | | | ${ratio.toFixed(2)}x | ${ratioText(median(r.rounds.map(inRead)))} | ${ratioText(median(r.rounds.map(inCompile)))} | |`);
  }
  if (yaml.length > 0) {
    md.push('', 'YAML parse time by input size (`parsePlainDocuments`, what the reload worker runs; generated HTTPRoutes as above; median of 3, in this process before the load):', '',
      '| MB | documents | ms | ms per MB |', '| ---: | ---: | ---: | ---: |');
    for (const y of yaml) md.push(`| ${(y.bytes / 1e6).toFixed(1)} | ${y.docs.toLocaleString('en-US')} | ${y.ms.toFixed(0)} | ${(y.ms / (y.bytes / 1e6)).toFixed(0)} |`);
  }
  const section = `${md.join('\n')}\n`;
  console.log(`\n${section}`);
  writeResultsSection(o.out, heading, section);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
