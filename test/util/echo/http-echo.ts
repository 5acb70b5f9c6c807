/**
 * An HTTP echo backend that answers like upstream Gateway API conformance's echo-basic
 * (conformance/echo-basic/echo-basic.go, Apache-2.0): a JSON description of the request it received.
 *
 * One instance is one "pod": an HTTP/1.1 port (echo-basic's HTTP_PORT, 3000) that also accepts
 * WebSocket upgrades on /ws, and an h2c port (H2C_PORT, 3001) that only speaks HTTP/2 with prior knowledge.
 * Everything listens on 127.0.0.1, port 0. Every request received is recorded in an in-process log
 * (the equivalent of echo-basic's "Echoing back request made to <request-URI>" line).
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import { WebSocketServer } from 'ws';
import { canonicalHeaderKey, parseGoDuration } from './go';

/** Who this echo instance claims to be (echo-basic's NAMESPACE, POD_NAME, SERVICE_NAME, INGRESS_NAME). */
export interface EchoIdentity {
  readonly namespace: string;
  readonly pod: string;
  readonly service?: string;
  readonly ingress?: string;
}

/** The JSON body an echo answer carries (field order as echo-basic). */
export interface EchoedRequest {
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly proto: string;
  readonly headers: Record<string, string[]>;
  readonly httpPort: string;
  readonly namespace: string;
  readonly ingress: string;
  readonly service: string;
  readonly pod: string;
}

/** One request the instance received. */
export interface EchoLogEntry {
  /** The request-URI exactly as received (path plus query). */
  readonly uri: string;
  readonly method: string;
  readonly proto: string;
  readonly host: string;
  /** Which port received it. */
  readonly port: 'http' | 'h2c';
  /** Milliseconds since the epoch. */
  readonly at: number;
}

export interface HttpEchoServer {
  readonly identity: EchoIdentity;
  /** Always '127.0.0.1'. */
  readonly host: string;
  /** HTTP/1.1 (and WebSocket) port. */
  readonly httpPort: number;
  /** HTTP/2 cleartext, prior knowledge only. */
  readonly h2cPort: number;
  /** Every request received so far, oldest first. */
  requests(): readonly EchoLogEntry[];
  /** How many received requests had exactly this request-URI. */
  count(uri: string): number;
  /** Resolves true as soon as a request with this request-URI was received, false after `timeoutMs`. */
  waitForRequest(uri: string, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Starts one echo instance. */
export async function startHttpEcho(identity: EchoIdentity): Promise<HttpEchoServer> {
  const log: EchoLogEntry[] = [];
  const retryCounters = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  let httpPort = 0;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const handle = (req: AnyRequest, res: AnyResponse, port: 'http' | 'h2c') => {
    const uri = req.url ?? '';
    const host = hostOf(req);
    const proto = req.httpVersionMajor === 2 ? 'HTTP/2.0' : `HTTP/${req.httpVersion}`;
    req.resume();
    if (port === 'h2c' && req.httpVersionMajor !== 2) {
      send(res, 400, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Expected h2c request');
      return;
    }
    log.push({ uri, method: req.method ?? '', proto, host, port, at: Date.now() });

    const queryAt = uri.indexOf('?');
    const path = (queryAt < 0 ? uri : uri.slice(0, queryAt)).replace(/\/\//g, '/');
    const query = new URLSearchParams(queryAt < 0 ? '' : uri.slice(queryAt + 1));

    if (path === '/health') {
      send(res, 200, {}, 'OK');
      return;
    }
    if (path.startsWith('/status/')) {
      const m = /^\/status\/(\d\d\d)$/.exec(uri);
      send(res, m ? Number(m[1]) : 400, {}, '');
      return;
    }
    if (path === '/ws') {
      // A plain request to the WebSocket endpoint (the upgrade is handled on 'upgrade').
      send(res, 400, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Bad Request');
      return;
    }
    const echo = () => echoAnswer(req, res, uri, host, proto);
    if (path.startsWith('/retry/')) {
      retry(req, res, query, echo);
      return;
    }
    echo();
  };

  const echoAnswer = (req: AnyRequest, res: AnyResponse, uri: string, host: string, proto: string) => {
    const delay = new URLSearchParams(uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '').get('delay');
    let delayMs = 0;
    if (delay) {
      try {
        delayMs = parseGoDuration(delay);
      } catch (e: any) {
        send(res, 500, jsonHeaders(), JSON.stringify({ message: e.message }));
        return;
      }
    }
    const answer = () => {
      const headers = requestHeaders(req);
      const body: EchoedRequest = {
        path: uri,
        host,
        method: req.method ?? '',
        proto,
        headers,
        httpPort: String(httpPort),
        namespace: identity.namespace,
        ingress: identity.ingress ?? '',
        service: identity.service ?? '',
        pod: identity.pod,
      };
      const out = echoSetHeaders(headers['X-Echo-Set-Header'] ?? []);
      for (const [k, v] of Object.entries(jsonHeaders())) out.set(k, v);
      send(res, 200, out, JSON.stringify(body, null, ' '));
    };
    if (delayMs > 0) later(delayMs, answer);
    else answer();
  };

  const retry = (req: AnyRequest, res: AnyResponse, query: URLSearchParams, echo: () => void) => {
    const uuid = query.get('uuid');
    if (!uuid) {
      send(res, 400, jsonHeaders(), JSON.stringify({ message: 'missing uuid query parameter' }));
      return;
    }
    const succeedAfter = Number(query.get('succeedAfter') ?? '0');
    const code = query.get('responseCode');
    const attempt = (retryCounters.get(uuid) ?? 0) + 1;
    retryCounters.set(uuid, attempt);
    if (attempt > succeedAfter) {
      echo();
      return;
    }
    const fail = () => {
      if (code) send(res, Number(code), jsonHeaders(), JSON.stringify({ message: `failing attempt ${attempt} of ${succeedAfter}` }));
      else resetConnection(req);
    };
    const delayRetry = query.get('delayRetry');
    let ms = 0;
    try {
      ms = delayRetry ? parseGoDuration(delayRetry) : 0;
    } catch {
      ms = 0;
    }
    if (ms > 0) later(ms, fail);
    else fail();
  };

  // HTTP/1.1 port, with the WebSocket echo on /ws.
  const httpServer = http.createServer((req, res) => handle(req, res, 'http'));
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  httpServer.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    log.push({ uri: req.url ?? '', method: req.method ?? '', proto: `HTTP/${req.httpVersion}`, host: req.headers.host ?? '', port: 'http', at: Date.now() });
    if (path !== '/ws' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  httpServer.on('connection', (s: net.Socket) => track(sockets, s));

  // h2c port: HTTP/2 prior knowledge goes to the HTTP/2 server, anything else gets 400 from an HTTP/1 server.
  const h2Server = http2.createServer({}, (req, res) => handle(req, res, 'h2c'));
  const h1Refuser = http.createServer((req, res) => handle(req, res, 'h2c'));
  const h2cServer = net.createServer((socket) => {
    track(sockets, socket);
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && seen.length < H2_PREFACE.length) return;
      socket.removeListener('data', onData);
      socket.pause();
      socket.unshift(seen);
      if (isH2) {
        // The HTTP/2 session reads what is already buffered itself (socket.read() on the next tick).
        h2Server.emit('connection', socket);
      } else {
        h1Refuser.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });

  httpPort = await listen(httpServer);
  const h2cPort = await listen(h2cServer);

  const server: HttpEchoServer = {
    identity,
    host: '127.0.0.1',
    httpPort,
    h2cPort,
    requests: () => log.slice(),
    count: (uri) => log.filter((e) => e.uri === uri).length,
    waitForRequest: async (uri, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (log.some((e) => e.uri === uri)) return true;
        if (Date.now() >= deadline) return false;
        await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
      }
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of wss.clients) c.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await Promise.all([closeServer(httpServer), closeServer(h2cServer)]);
      h2Server.close();
      h1Refuser.close();
    },
  };
  return server;
}

function hostOf(req: AnyRequest): string {
  if (req.httpVersionMajor === 2) {
    const h = req.headers as http2.IncomingHttpHeaders;
    return (h[':authority'] as string | undefined) ?? (h.host as string | undefined) ?? '';
  }
  return (req.headers.host as string | undefined) ?? '';
}

/** Request headers as Go's `http.Header`: canonical names -> every value in order; Host and pseudo-headers left out. */
export function requestHeaders(req: { rawHeaders: string[] }): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.startsWith(':') || name.toLowerCase() === 'host') continue;
    const key = canonicalHeaderKey(name);
    (out[key] ??= []).push(raw[i + 1]);
  }
  return out;
}

/**
 * echo-basic's `writeEchoResponseHeaders`: every `X-Echo-Set-Header` value is a comma-separated list of
 * `Name:value`; each becomes a response header under exactly that name (a repeated name is joined with ',').
 */
export function echoSetHeaders(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const list of values) {
    for (const kv of list.split(',')) {
      const item = kv.trim();
      const colon = item.indexOf(':');
      const name = colon < 0 ? item : item.slice(0, colon);
      const value = colon < 0 ? '' : item.slice(colon + 1);
      if (name === '') continue;
      const prev = out.get(name);
      out.set(name, prev === undefined ? value : `${prev},${value.trim()}`);
    }
  }
  return out;
}

function jsonHeaders(): Record<string, string> {
  return { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' };
}

function send(res: AnyResponse, status: number, headers: Map<string, string> | Record<string, string>, body: string) {
  if (res.headersSent || (res as any).destroyed) return;
  const entries = headers instanceof Map ? [...headers.entries()] : Object.entries(headers);
  // Names that differ only in case become one header with several values (HTTP/2 needs lower case anyway).
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of entries) {
    const g = grouped.get(name.toLowerCase());
    if (g) g.values.push(value);
    else grouped.set(name.toLowerCase(), { name, values: [value] });
  }
  try {
    for (const { name, values } of grouped.values()) {
      (res as http.ServerResponse).setHeader(name, values.length === 1 ? values[0] : values);
    }
    const buf = Buffer.from(body);
    (res as http.ServerResponse).setHeader('Content-Length', String(buf.length));
    (res as http.ServerResponse).writeHead(status);
    (res as http.ServerResponse).end(buf);
  } catch {
    // the client went away or sent a name Node refuses; nothing to answer
  }
}

function resetConnection(req: AnyRequest) {
  if (req.httpVersionMajor === 2) {
    (req as http2.Http2ServerRequest).stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  } else {
    const s = req.socket as net.Socket;
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  }
}

function track(set: Set<net.Socket>, s: net.Socket) {
  set.add(s);
  s.once('close', () => set.delete(s));
}

export function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    const done = setTimeout(resolve, 2000);
    server.close(() => {
      clearTimeout(done);
      resolve();
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
