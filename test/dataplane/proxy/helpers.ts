/**
 * Test helpers for the proxy: echo backends, a gateway started in-process on 127.0.0.1:0, and small
 * HTTP clients. Everything listens on 127.0.0.1 port 0 and is closed by the returned handles.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { AccessLogEntry, TlsAccessLogEntry } from '../../../src/dataplane/proxy/access-log';
import { GatewayServer, GatewayServerOptions } from '../../../src/dataplane/serve';

export interface EchoRecord {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly backend: string;
  /** Client port of the connection the request came on (tells connections apart). */
  readonly remotePort: number;
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  readonly seen: EchoRecord[];
  /** Requests whose connection closed before the response was complete. */
  readonly aborted: string[];
  /** Connections open to it now. */
  openConnections(): number;
  close(): Promise<void>;
}

export type BackendBehaviour = (req: http.IncomingMessage, res: http.ServerResponse, record: EchoRecord) => boolean | void;

/** An HTTP/1.1 echo backend: answers JSON describing the request (headers joined with ','), unless `behaviour` handled it. */
export async function startBackend(name: string, behaviour?: BackendBehaviour): Promise<Backend> {
  const seen: EchoRecord[] = [];
  const aborted: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headersDistinct)) headers[k] = (v ?? []).join(',');
      const record: EchoRecord = { method: req.method!, path: req.url!, host: req.headers.host ?? '', headers, body: Buffer.concat(chunks).toString(), backend: name, remotePort: req.socket.remotePort ?? 0 };
      seen.push(record);
      res.on('close', () => {
        if (!res.writableFinished) aborted.push(req.url!);
      });
      if (behaviour && behaviour(req, res, record)) return;
      const body = JSON.stringify(record);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    seen,
    aborted,
    openConnections: () => sockets.size,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

export interface StartedGateway {
  readonly server: GatewayServer;
  readonly logs: any[];
  readonly access: AccessLogEntry[];
  /** The access log's entries of TLS listener connections. */
  readonly tlsAccess: TlsAccessLogEntry[];
  readonly dir: string;
  readonly adminPort: number;
  /** Bound port of (gateway, listener port). */
  port(listenerPort?: number, gateway?: string): number;
  close(): Promise<void>;
}

export const NS = 'gateway-conformance-infra';

/** A Gateway `same-namespace` in gateway-conformance-infra with one HTTP listener on 80 (plus extra listeners). */
export function gatewayDoc(listeners: any[] = [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }], name = 'same-namespace'): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: NS },
    spec: { gatewayClassName: 'test', listeners },
  };
}

/** An HTTPRoute attached to `same-namespace`. */
export function routeDoc(name: string, rules: any[], extra: any = {}): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: { parentRefs: [{ name: 'same-namespace' }], ...extra, rules },
  };
}

/** A GRPCRoute attached to `same-namespace`. */
export function grpcRouteDoc(name: string, rules: any[], extra: any = {}): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name, namespace: NS },
    spec: { parentRefs: [{ name: 'same-namespace' }], ...extra, rules },
  };
}

export function backendRef(name: string, extra: any = {}): any {
  return { name, port: 8080, ...extra };
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gw-test-'));
}

export function writeYaml(file: string, docs: any[]): void {
  fs.writeFileSync(file, docs.map((d) => YAML.stringify(d)).join('---\n'));
}

/** Starts a gateway in-process: docs in a temp dir, backends map `NS/name:8080` -> address, listener 80 on 127.0.0.1:0. */
export async function startGateway(
  docs: any[], backends: Record<string, string | string[]>, extra: Partial<GatewayServerOptions> = {},
): Promise<StartedGateway> {
  const dir = tmpDir();
  writeYaml(path.join(dir, 'routes.yaml'), docs);
  fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify(backends));
  const logs: any[] = [];
  const access: AccessLogEntry[] = [];
  const tlsAccess: TlsAccessLogEntry[] = [];
  const ports = new Set<number>();
  for (const d of docs) if (d.kind === 'Gateway') for (const l of d.spec.listeners) ports.add(l.port);
  const server = new GatewayServer({
    routes: [path.join(dir, 'routes.yaml')],
    gateways: [],
    listen: [...ports].map((p) => ({ listenerPort: p, bind: { host: '127.0.0.1', port: 0 } })),
    backendsFile: path.join(dir, 'backends.json'),
    admin: { host: '127.0.0.1', port: 0 },
    accessLog: true,
    watch: false,
    drainTimeoutMs: 2_000,
    logger: (level, msg, fields) => logs.push({ level, msg, ...fields }),
    accessLogSink: (e) => {
      if ('kind' in e) tlsAccess.push(e);
      else access.push(e);
    },
    ...extra,
  });
  await server.start();
  return {
    server,
    logs,
    access,
    tlsAccess,
    dir,
    port: (listenerPort = 80, gateway = `${NS}/same-namespace`) => {
      const l = server.sockets.get(`${gateway}:${listenerPort}`);
      if (!l) throw new Error(`no socket for ${gateway}:${listenerPort}`);
      return l.port;
    },
    get adminPort() {
      return server.adminAddress!.port;
    },
    close: async () => {
      await server.stop(500);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: string;
  json(): any;
}

/** One HTTP/1.1 request on a fresh connection (keep-alive off), with a timeout. */
export interface RequestOptions {
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  readonly agent?: http.Agent;
  readonly timeoutMs?: number;
}

export function request(port: number, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...(options.headers ?? {}) };
    if (options.host !== undefined) headers.host = options.host;
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers, agent: options.agent ?? false });
    req.setTimeout(options.timeoutMs ?? 5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body, json: () => JSON.parse(body) });
      });
    });
    req.end(options.body);
  });
}

/** What one HTTP/2 request got back, and how its stream closed. */
export interface H2Answer {
  readonly head: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The trailers, if the answer had any. */
  readonly trailers: http2.IncomingHttpHeaders | undefined;
  /** The RST_STREAM code that closed the stream; undefined when it ended cleanly (END_STREAM, or NO_ERROR). */
  readonly rstCode: number | undefined;
  /** The stream's error, if it had one (a reset with an error code, a session that failed). */
  readonly error: Error | undefined;
}

/**
 * One request on an HTTP/2 session: opens a stream with `headers` (`endStream` as given, else Node's default for the
 * method), sends `body` if any and ends its side, and resolves once the stream has closed (it is cancelled after
 * `timeoutMs`) with what came back and how it closed.
 */
export function h2Exchange(
  session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, options: { body?: Buffer; endStream?: boolean; timeoutMs?: number } = {},
): Promise<H2Answer> {
  return new Promise((resolve) => {
    const stream = session.request(headers, options.endStream === undefined ? {} : { endStream: options.endStream });
    const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), options.timeoutMs ?? 5_000);
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    let error: Error | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      head = h;
    });
    stream.on('trailers', (t) => {
      trailers = t;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (e) => {
      error = e;
    });
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ head, body: Buffer.concat(chunks), trailers, rstCode: stream.rstCode || undefined, error });
    });
    if (!stream.writableEnded) stream.end(options.body);
  });
}

/** One HTTP/2 cleartext (prior knowledge) request, on a connection of its own; rejects when the stream or connection fails. */
export async function requestH2(
  port: number, options: { method?: string; path?: string; authority?: string; headers?: Record<string, string> } = {},
): Promise<Reply & { trailers: http2.IncomingHttpHeaders }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const failed = new Promise<never>((_, reject) => session.on('error', reject));
    const headers = { ':method': options.method ?? 'GET', ':path': options.path ?? '/', ':authority': options.authority ?? 'example.com', ...(options.headers ?? {}) };
    const a = await Promise.race([h2Exchange(session, headers), failed]);
    if (a.error) throw a.error;
    const body = a.body.toString();
    return { status: Number(a.head[':status']), headers: a.head as any, rawHeaders: [], body, json: () => JSON.parse(body), trailers: a.trailers ?? {} };
  } finally {
    session.close();
  }
}

/** Waits until `predicate` holds, checking every 10 ms, at most `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
