/**
 * Runs the real gateway (`cdk8s-gateway serve`) as a child process and follows its JSON-lines log:
 * `listening` (one per bound socket), `admin listening`, `ready`, and `reloaded` after an input change.
 *
 * Launchers: the package bin (`node bin/cdk8s-gateway`, needs the jsii build in lib/) or, when lib/ is
 * missing or older than src/dataplane, the TypeScript sources transpiled on load, with esbuild (`esbuild`,
 * the default for sources: a gateway starts in a fraction of ts-node's time) or with ts-node (`ts`).
 * CONFORMANCE_GATEWAY=bin|esbuild|ts|bundle forces one (`bundle`: the image's single-file build in dist/gateway/).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export type Launcher = 'bin' | 'esbuild' | 'ts' | 'bundle';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Which launcher to use, and why. */
export function chooseLauncher(): { launcher: Launcher; why: string } {
  const forced = process.env.CONFORMANCE_GATEWAY;
  if (forced === 'bin' || forced === 'esbuild' || forced === 'ts' || forced === 'bundle') return { launcher: forced, why: 'CONFORMANCE_GATEWAY' };
  const sources: Launcher = hasEsbuild() ? 'esbuild' : 'ts';
  const built = path.join(REPO_ROOT, 'lib', 'dataplane', 'serve.js');
  if (!fs.existsSync(built)) return { launcher: sources, why: 'lib/dataplane/serve.js is missing' };
  const libTime = Math.min(...['main.js', 'cli.js', 'serve.js'].map((f) => {
    const p = path.join(REPO_ROOT, 'lib', 'dataplane', f);
    return fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0;
  }));
  if (libTime < newestMtime(path.join(REPO_ROOT, 'src', 'dataplane'))) return { launcher: sources, why: 'lib/dataplane is older than src/dataplane' };
  return { launcher: 'bin', why: 'lib/dataplane is up to date' };
}

function hasEsbuild(): boolean {
  try {
    require.resolve('esbuild', { paths: [REPO_ROOT] });
    return true;
  } catch {
    return false;
  }
}

/** How a launcher shows in reports. */
export function describeLauncher(launcher: Launcher): string {
  switch (launcher) {
    case 'bin':
      return '`node bin/cdk8s-gateway serve`';
    case 'esbuild':
      return '`src/dataplane/cli.ts serve` transpiled by esbuild';
    case 'ts':
      return '`src/dataplane/cli.ts serve` through ts-node';
    case 'bundle':
      return '`node dist/gateway/cdk8s-gateway.js serve` (the image bundle)';
  }
}

export function serveCommand(launcher: Launcher, args: readonly string[]): { command: string; args: string[] } {
  if (launcher === 'bin') return { command: process.execPath, args: [path.join(REPO_ROOT, 'bin', 'cdk8s-gateway'), 'serve', ...args] };
  // The single-file runtime of the container image (`npx projen bundle:gateway`).
  if (launcher === 'bundle') return { command: process.execPath, args: [path.join(REPO_ROOT, 'dist', 'gateway', 'cdk8s-gateway.js'), 'serve', ...args] };
  return {
    command: process.execPath,
    args: [
      '-r',
      launcher === 'esbuild' ? path.join(__dirname, 'esbuild-register.js') : 'ts-node/register/transpile-only',
      '-e',
      "require('./src/dataplane/cli').main(process.argv.slice(1)).then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 1; })",
      '--',
      'serve',
      ...args,
    ],
  };
}

export interface LogLine {
  level?: string;
  msg?: string;
  [k: string]: unknown;
}

export interface RunningGateway {
  readonly adminPort: number;
  /** The process id (for its memory). */
  readonly pid: number;
  /** The command line it was started with. */
  readonly command: string;
  /** Bound port for a Gateway listener port (`ns/name:port`). */
  portFor(gateway: string, listenerPort: number): number | undefined;
  /** Every JSON log line so far. */
  lines(): readonly LogLine[];
  /** How many `reloaded` lines were seen. */
  reloads(): number;
  /** Resolves true when more than `seen` reloads were logged, false after `timeoutMs`. */
  waitForReload(seen: number, timeoutMs: number): Promise<boolean>;
  /** The last lines of output (stdout and stderr), for failure messages. */
  tail(n?: number): string;
  stop(): Promise<void>;
}

/** Controller mode: the gateway reads the API server instead of files. */
export interface KubernetesInput {
  readonly kubeconfig: string;
  /** The Gateways to serve (`--gateway`). */
  readonly gateways: readonly string[];
  /** Pod address -> the local host it is reached on (harness/kube-objects.ts). */
  readonly addresses: ReadonlyMap<string, string>;
}

export interface GatewayOptions {
  /** File mode: `--routes` and `--backends`. */
  routesDir?: string;
  backendsFile?: string;
  /** Controller mode instead of files. */
  kubernetes?: KubernetesInput;
  listen: readonly string[];
  launcher: Launcher;
  readyTimeoutMs?: number;
  /** More `serve` arguments, after the ones above (e.g. `--gateway`, `--drain-timeout`). */
  extraArgs?: readonly string[];
  /** Node flags for the gateway process (e.g. the image's `GATEWAY_NODE_FLAGS`). */
  nodeArgs?: readonly string[];
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** `serve` for controller mode through harness/kube-serve.ts (the address translation has no flag). */
function kubeServeCommand(launcher: Launcher, args: readonly string[]): { command: string; args: string[] } {
  const register = launcher === 'ts' ? 'ts-node/register/transpile-only' : path.join(__dirname, 'esbuild-register.js');
  return { command: process.execPath, args: ['-r', register, path.join(__dirname, 'kube-serve.ts'), ...args] };
}

export async function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const k = o.kubernetes;
  const input = k
    ? ['--kubernetes', '--kubeconfig', k.kubeconfig, ...k.gateways.flatMap((g) => ['--gateway', g]), '--lease', 'default/conformance-gateway', '--identity', 'conformance']
    : ['--routes', o.routesDir!, '--backends', o.backendsFile!];
  const args = [...input, '--admin', '127.0.0.1:0', ...o.listen.flatMap((l) => ['--listen', l]), ...(o.extraArgs ?? [])];
  const cmd = k ? kubeServeCommand(o.launcher, args) : serveCommand(o.launcher, args);
  cmd.args.unshift(...(o.nodeArgs ?? []));
  const env = { ...process.env, NODE_ENV: 'production', ...(k ? { CONFORMANCE_POD_ADDRESSES: JSON.stringify(Object.fromEntries(k.addresses)) } : {}) };
  const child = spawn(cmd.command, cmd.args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  live.add(child);
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const listening = new Map<string, number>();
  const byPort = new Map<number, number[]>();
  let adminPort = 0;
  let ready = false;
  let reloads = 0;
  let exited: string | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const keep = (s: string) => {
    raw.push(s);
    if (raw.length > 400) raw.splice(0, raw.length - 400);
  };
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    let j: LogLine;
    try {
      j = JSON.parse(line);
    } catch {
      return;
    }
    if (!j || typeof j !== 'object') return;
    lines.push(j);
    if (lines.length > 10_000) lines.splice(0, lines.length - 10_000);
    if (j.msg === 'listening' && typeof j.port === 'number') {
      const lp = Number(j.listenerPort);
      if (typeof j.gateway === 'string') listening.set(`${j.gateway}:${lp}`, j.port);
      byPort.set(lp, [...(byPort.get(lp) ?? []), j.port]);
    } else if (j.msg === 'admin listening' && typeof j.port === 'number') {
      adminPort = j.port;
    } else if (j.msg === 'ready') {
      ready = true;
    } else if (j.msg === 'reloaded') {
      reloads++;
    }
    notify();
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => keep(`[stderr] ${line}`));
  child.on('exit', (code, signal) => {
    live.delete(child);
    exited = `exited with ${signal ?? `code ${code}`}`;
    notify();
  });

  const waitFor = (cond: () => boolean, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (cond()) return resolve(true);
      const check = () => {
        if (cond() || exited) {
          clearTimeout(t);
          waiters.delete(check);
          resolve(cond());
        }
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        resolve(cond());
      }, timeoutMs);
      waiters.add(check);
    });

  const tail = (n = 40) => raw.slice(-n).join('\n');
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });

  const ok = await waitFor(() => ready, o.readyTimeoutMs ?? 60_000);
  if (!ok) {
    await stop();
    const stderr = raw.filter((l) => l.startsWith('[stderr] ')).slice(-15).map((l) => l.slice('[stderr] '.length));
    throw new Error(
      `the gateway did not log "ready" (${exited ?? 'timed out'}): ${stderr.length ? stderr.join('\n') : tail(15)}\ncommand: ${cmd.command} ${cmd.args.join(' ')}`,
    );
  }
  return {
    portFor: (gateway, listenerPort) => {
      const exact = listening.get(`${gateway}:${listenerPort}`);
      if (exact !== undefined) return exact;
      const any = byPort.get(listenerPort);
      return any && any.length === 1 ? any[0] : undefined;
    },
    adminPort,
    pid: child.pid!,
    lines: () => lines.slice(),
    reloads: () => reloads,
    waitForReload: (seen, timeoutMs) => waitFor(() => reloads > seen, timeoutMs),
    tail,
    command: `${path.basename(cmd.command)} ${cmd.args.join(' ')}`,
    stop,
  };
}
