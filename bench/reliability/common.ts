/**
 * Shared pieces of the reliability scripts: the gateway bundled as in the image (esbuild, into a temp
 * directory) and run as its own process, so that its memory is measured alone; fast echo backends;
 * the resident set size of a process.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';

const ROOT = path.resolve(__dirname, '../..');

/** Bundles src/dataplane/main.ts with esbuild (what `npx projen bundle:gateway` builds) into a temp dir. */
export function bundleGateway(): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bundle-')), 'cdk8s-gateway.js');
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [
    path.join(ROOT, 'src/dataplane/main.ts'), '--bundle', '--platform=node', '--target=node20', `--outfile=${out}`, '--log-level=warning',
  ], { stdio: 'inherit' });
  return out;
}

export interface RunningGateway {
  readonly child: ChildProcess;
  readonly port: number;
  readonly adminPort: number;
  readonly dir: string;
  /** Resident set size in bytes (from /proc). */
  rss(): number;
  /** A Prometheus sample from /metrics, e.g. ('gateway_config_reloads_total', 'result="applied"'); NaN when absent. */
  metric(name: string, label?: string): Promise<number>;
  stop(): Promise<number | null>;
}

/** Writes the YAML docs and backends map to a temp dir and starts `serve` on 127.0.0.1:0. */
export async function runGateway(
  bundle: string, docs: any[], backends: Record<string, string | string[]>, extraArgs: string[] = [],
): Promise<RunningGateway> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-'));
  fs.writeFileSync(path.join(dir, 'routes.yaml'), docs.map((d) => YAML.stringify(d)).join('---\n'));
  fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify(backends));
  const child = spawn(process.execPath, [bundle, 'serve', '--routes', path.join(dir, 'routes.yaml'), '--backends', path.join(dir, 'backends.json'),
    '--listen', '80=127.0.0.1:0', '--admin', '127.0.0.1:0', '--no-access-log', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: any[] = [];
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      try {
        lines.push(JSON.parse(buf.slice(0, nl)));
      } catch {
        // not JSON
      }
      buf = buf.slice(nl + 1);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.msg === 'ready')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gateway did not start: ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = lines.find((l) => l.msg === 'listening').port;
  const adminPort = lines.find((l) => l.msg === 'admin listening').port;
  return {
    child,
    port,
    adminPort,
    dir,
    rss: () => rssOf(child.pid!),
    metric: async (name, label) => {
      const text = await get(adminPort, '/metrics');
      const labels = label ? `\\{[^}]*${label}[^}]*\\}` : '(?:\\{[^}]*\\})?';
      const m = new RegExp(`^${name}${labels} ([0-9.e+]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : NaN;
    },
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

function get(port: number, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** A minimal, fast HTTP/1.1 backend answering a short JSON body naming itself. */
export async function echoBackend(name: string, delayMs = 0): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const body = JSON.stringify({ backend: name });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise((r) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => r());
    }),
  };
}

export async function closedAddress(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `127.0.0.1:${port}`;
}

export const NS = 'bench';

export function gatewayDoc(): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: NS },
    spec: { gatewayClassName: 'bench', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  };
}

export function routeDoc(name: string, rules: any[]): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: { parentRefs: [{ name: 'gw' }], rules },
  };
}

export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
