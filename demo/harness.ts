/**
 * Runs one example app through the real gateway: its synthesized YAML (plus the lesson's Gateway when the app
 * does not define one), echo backends for every Service it names, `cdk8s-gateway serve` as a child process, and
 * the lesson's requests over real sockets. Used by `npm run demo` and by the end-to-end tests.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { LessonApp, LessonRequest } from './lesson';
import { chooseLauncher, startGateway, RunningGateway } from '../test/conformance/harness/gateway';
import { EchoFleet, EchoSpec, startEchoFleet } from '../test/util/echo/fleet';

/** The lesson's Gateway: an HTTP listener on 80 and one on 50051 for gRPC (see examples/grpc-route). */
export function lessonGateway(namespace: string): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'task-api-gateway', namespace },
    spec: {
      gatewayClassName: 'eg',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'grpc', port: 50051, protocol: 'HTTP' }],
    },
  };
}

/** Every object of the YAML files in `dir` (not recursive). */
export function readObjects(dir: string): any[] {
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o && typeof o === 'object');
}

/**
 * The Services the routes name (backendRefs and RequestMirror backendRefs), as echo specs: GRPCRoute backends
 * speak HTTP/2 cleartext, the others HTTP/1.1.
 */
export function backendSpecs(objects: readonly any[]): EchoSpec[] {
  const specs = new Map<string, EchoSpec>();
  for (const o of objects) {
    if (o.kind !== 'HTTPRoute' && o.kind !== 'GRPCRoute') continue;
    const ns = o.metadata?.namespace ?? 'default';
    for (const rule of o.spec?.rules ?? []) {
      const refs = [
        ...(rule.backendRefs ?? []),
        ...[...(rule.filters ?? []), ...(rule.backendRefs ?? []).flatMap((b: any) => b.filters ?? [])]
          .filter((f: any) => f?.type === 'RequestMirror').map((f: any) => f.requestMirror.backendRef),
      ];
      for (const ref of refs) {
        if ((ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '') continue;
        const spec: EchoSpec = { namespace: ref.namespace ?? ns, service: ref.name, port: ref.port, kind: o.kind === 'GRPCRoute' ? 'h2c' : 'http' };
        specs.set(`${spec.namespace}/${spec.service}:${spec.port}`, spec);
      }
    }
  }
  return [...specs.values()];
}

/** One answered request (or batch, for splits). */
export interface LessonResult {
  readonly app: string;
  readonly request: string;
  readonly expected: string;
  readonly answered: string;
  readonly ok: boolean;
  readonly note?: string;
}

/** A running example: echo backends + gateway on the app's YAML. */
export interface RunningExample {
  readonly gateway: RunningGateway;
  readonly fleet: EchoFleet;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Starts echo backends and the gateway for the objects in `dir` (adding the lesson's Gateway for every namespace
 * whose routes have no Gateway in the input). `extraListen` maps more listener ports than 80 and 50051.
 */
export async function startExample(dir: string): Promise<RunningExample> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-demo-'));
  const objects = readObjects(dir);
  const routesDir = path.join(work, 'routes');
  fs.mkdirSync(routesDir);
  for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x))) fs.copyFileSync(path.join(dir, f), path.join(routesDir, f));
  const gateways = new Set(objects.filter((o) => o.kind === 'Gateway').map((o) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`));
  const namespaces = new Set(objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute').map((o) => o.metadata?.namespace ?? 'default'));
  for (const ns of namespaces) {
    if (!gateways.has(`${ns}/task-api-gateway`)) {
      fs.writeFileSync(path.join(routesDir, `Gateway.${ns}.task-api-gateway.yaml`), JSON.stringify(lessonGateway(ns)));
    }
  }
  const fleet = await startEchoFleet(backendSpecs(objects));
  const backendsFile = path.join(work, 'backends.json');
  fs.writeFileSync(backendsFile, JSON.stringify(fleet.map));
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      routesDir,
      backendsFile,
      listen: ['80=127.0.0.1:0', '50051=127.0.0.1:0'],
      launcher: chooseLauncher().launcher,
    });
  } catch (e) {
    await fleet.close();
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
  return {
    gateway,
    fleet,
    dir: routesDir,
    stop: async () => {
      await gateway.stop();
      await fleet.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

interface Answer {
  status: number;
  backend?: string;
  grpcStatus?: number;
}

function podToService(pod: unknown): string | undefined {
  return typeof pod === 'string' && pod.endsWith('-x-y') ? pod.slice(0, -'-x-y'.length) : undefined;
}

function sendHttp(port: number, r: LessonRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: r.method ?? 'GET',
      path: r.path,
      agent: false,
      headers: { host: r.host ?? 'localhost', ...(r.headers ?? {}) },
      timeout: 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let backend: string | undefined;
        try {
          backend = podToService(JSON.parse(Buffer.concat(chunks).toString('utf8')).pod);
        } catch {
          backend = undefined;
        }
        resolve({ status: res.statusCode ?? 0, backend });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end(r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH' ? '{"title":"New task"}' : undefined);
  });
}

function sendGrpc(port: number, r: LessonRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error('timed out after 10 s'));
    }, 10_000);
    const stream = session.request({
      ':method': 'POST', ':path': r.path, ':authority': r.host ?? 'localhost', 'content-type': 'application/grpc', 'te': 'trailers',
    });
    let status = 0;
    let grpcStatus: number | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      if (h['grpc-status'] !== undefined) grpcStatus = Number(h['grpc-status']);
    });
    stream.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) grpcStatus = Number(t['grpc-status']);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      clearTimeout(timer);
      session.close();
      let backend: string | undefined;
      try {
        backend = podToService(JSON.parse(Buffer.concat(chunks).toString('utf8')).pod);
      } catch {
        backend = undefined;
      }
      resolve({ status, backend, grpcStatus });
    });
    stream.on('error', (e) => {
      clearTimeout(timer);
      session.destroy();
      reject(e);
    });
    // An empty message: 1 byte compressed flag + 4 bytes length.
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

function describeRequest(r: LessonRequest): string {
  const headers = Object.entries(r.headers ?? {}).map(([k, v]) => ` -H '${k}: ${v}'`).join('');
  const host = r.host ? `//${r.host}` : '';
  const target = `${r.grpc ? 'grpc ' : `${r.method ?? 'GET'} `}${host}${r.port && r.port !== 80 ? `:${r.port}` : ''}${r.path}${headers}`;
  return r.split ? `${r.split.requests} x ${target}` : target;
}

/** Sends the app's requests through the running example and judges every answer. */
export async function runRequests(app: LessonApp, example: RunningExample): Promise<LessonResult[]> {
  const name = app.variant ? `${app.section}/${app.variant}` : app.section;
  const results: LessonResult[] = [];
  for (const r of app.requests) {
    const listenerPort = r.port ?? 80;
    const port = example.gateway.portFor('', listenerPort);
    if (port === undefined) throw new Error(`${name}: the gateway bound no socket for listener port ${listenerPort}`);
    const send = () => (r.grpc ? sendGrpc(port, r) : sendHttp(port, r));
    if (r.split) {
      const counts = new Map<string, number>();
      for (let i = 0; i < r.split.requests; i++) {
        const a = await send();
        const key = a.status === 200 && a.backend ? a.backend : `status ${a.status}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const n = r.split.requests;
      const ok = [...counts.keys()].every((k) => k in r.split!.shares) && Object.entries(r.split.shares).every(([b, share]) => {
        // Within four standard deviations of the binomial count (exact for shares of 0 and 1).
        const got = counts.get(b) ?? 0;
        const sd = Math.sqrt(n * share * (1 - share));
        return Math.abs(got - n * share) <= 4 * sd;
      });
      results.push({
        app: name,
        request: describeRequest(r),
        expected: Object.entries(r.split.shares).map(([b, s]) => `${b} ${Math.round(s * 100)}%`).join(', '),
        answered: [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([b, c]) => `${b} ${((c / n) * 100).toFixed(1)}%`).join(', '),
        ok,
        note: r.note,
      });
      continue;
    }
    const before = r.grpc ? undefined : receivedCounts(example, r.method ?? 'GET', r.path);
    const a = await send();
    if (before && a.backend === undefined) {
      // No echo body names the backend (a HEAD answer, the echo's own /health page): the backend is the echo whose
      // log got the request.
      const after = receivedCounts(example, r.method ?? 'GET', r.path);
      a.backend = [...after.entries()].find(([svc, n]) => n > (before.get(svc) ?? 0))?.[0];
    }
    let expected: string;
    let answered: string;
    let ok: boolean;
    if (r.grpcStatus !== undefined) {
      expected = `gateway: grpc-status ${r.grpcStatus}`;
      answered = a.grpcStatus !== undefined && !a.backend ? `gateway: grpc-status ${a.grpcStatus}` : `${a.backend ?? 'status'} ${a.status}`;
      ok = a.grpcStatus === r.grpcStatus && !a.backend;
    } else if (r.backend === undefined) {
      expected = `gateway: ${r.status}`;
      answered = a.backend ? `${a.backend} (${a.status})` : `gateway: ${a.status}`;
      ok = a.status === r.status && !a.backend;
    } else {
      expected = r.backend;
      answered = a.backend ? (a.status === 200 ? a.backend : `${a.backend} (${a.status})`) : `gateway: ${a.status}`;
      ok = a.status === (r.status ?? 200) && a.backend === r.backend;
    }
    for (const mirror of r.mirroredTo ?? []) {
      const echo = example.fleet.http(`${namespaceOf(example)}/${mirror}`);
      const seen = echo ? await echo.waitForRequest(r.path, 5_000) : false;
      expected += ` + copy to ${mirror}`;
      answered += seen ? ` + copy to ${mirror}` : ` (no copy reached ${mirror})`;
      ok &&= seen;
    }
    results.push({ app: name, request: describeRequest(r), expected, answered, ok, note: r.note });
  }
  return results;
}

/** Service name -> how many `method` requests for `uri` its echo received. */
function receivedCounts(example: RunningExample, method: string, uri: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of Object.keys(example.fleet.map)) {
    const nsName = key.slice(0, key.lastIndexOf(':'));
    const echo = example.fleet.http(nsName);
    if (echo) counts.set(nsName.slice(nsName.indexOf('/') + 1), echo.requests().filter((e) => e.method === method && e.uri === uri).length);
  }
  return counts;
}

function namespaceOf(example: RunningExample): string {
  const route = readObjects(example.dir).find((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute');
  return route?.metadata?.namespace ?? 'default';
}
