/**
 * Upstream connection pools and one request attempt to one endpoint: HTTP/1.1 through a keep-alive
 * agent per endpoint, HTTP/2 cleartext (prior knowledge) through one shared session per endpoint.
 */
import * as http from 'http';
import * as http2 from 'http2';
import { Readable } from 'stream';
import { UpstreamError, classifyUpstreamError } from './errors';
import { H1Pool } from './fast-h1';
import { HeaderList, headerList, toOutgoing } from './headers';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export function endpointKey(ep: Endpoint): string {
  return ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

/** One request to send to one endpoint. */
export interface AttemptRequest {
  readonly endpoint: Endpoint;
  readonly protocol: 'http1' | 'h2c';
  readonly method: string;
  /** Request-target: path plus '?query'. */
  readonly path: string;
  /** Value for Host / :authority. */
  readonly authority: string;
  /** Already filtered (hop-by-hop stripped, modifiers applied, X-Forwarded-* set); no Host. */
  readonly headers: HeaderList;
  /** A buffered body (replayable), a stream (single use), or none. */
  readonly body: Buffer | Readable | undefined;
}

/** The backend's response head; `body` streams the rest, `trailers` resolves at its end. */
export interface AttemptResponse {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Readable;
  /** Trailers received after the body (HTTP/2 trailers, chunked HTTP/1.1 trailers); empty when none. */
  readonly trailers: () => HeaderList;
  /** `host:port` that answered. */
  readonly address: string;
  /** HTTP/2: the response head ended the stream (a gRPC trailers-only response). */
  readonly endAfterHeaders: boolean;
  /** Stops the exchange (destroys the upstream request/stream). */
  readonly abort: () => void;
}

/** A started attempt: `response` settles with the head or an UpstreamError; `abort` cancels it. */
export interface Attempt {
  readonly response: Promise<AttemptResponse>;
  readonly abort: () => void;
}

export interface PoolOptions {
  /** Idle keep-alive sockets kept per endpoint. Default 64. */
  readonly maxFreeSockets?: number;
  /** How long an idle upstream connection is kept; below the usual 5 s server keep-alive timeout. Default 4 s. */
  readonly idleTimeoutMs?: number;
  /** How long establishing a connection to an endpoint may take (then 503). Default 10 s. */
  readonly connectTimeoutMs?: number;
}

export class UpstreamPools {
  /** The lean HTTP/1.1 client of the common exchange (see fast-h1.ts). */
  readonly h1: H1Pool;
  private readonly agents = new Map<string, http.Agent>();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly options: Required<PoolOptions>;

  constructor(options: PoolOptions = {}) {
    this.options = {
      maxFreeSockets: options.maxFreeSockets ?? 64,
      idleTimeoutMs: options.idleTimeoutMs ?? 4_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    this.h1 = new H1Pool({ maxIdle: this.options.maxFreeSockets, idleTimeoutMs: this.options.idleTimeoutMs });
  }

  /** The keep-alive agent of an endpoint (created on first use). */
  agent(ep: Endpoint): http.Agent {
    const key = endpointKey(ep);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxFreeSockets: this.options.maxFreeSockets, timeout: this.options.idleTimeoutMs, scheduling: 'lifo' });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** The HTTP/2 session of an endpoint; a closed or failed session is replaced. */
  session(ep: Endpoint): http2.ClientHttp2Session {
    const key = endpointKey(ep);
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(`http://${key}`);
    const forget = () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    const connectTimer = setTimeout(() => {
      if (session.connecting) session.destroy(connectTimeout(key, this.options.connectTimeoutMs));
    }, this.options.connectTimeoutMs);
    connectTimer.unref();
    session.once('connect', () => clearTimeout(connectTimer));
    session.once('close', () => clearTimeout(connectTimer));
    session.on('error', forget);
    session.on('close', forget);
    session.on('goaway', forget);
    session.setTimeout(this.options.idleTimeoutMs, () => {
      forget();
      session.close();
    });
    session.unref();
    this.sessions.set(key, session);
    return session;
  }

  /** Destroys `request` with ECONNTIMEOUT when its new connection is not established within the connect timeout. */
  guardConnect(request: http.ClientRequest, address: string): void {
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => request.destroy(connectTimeout(address, this.options.connectTimeoutMs)), this.options.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
  }

  /** Starts one attempt. */
  send(req: AttemptRequest): Attempt {
    return req.protocol === 'h2c' ? this.sendH2(req) : this.sendH1(req);
  }

  private sendH1(req: AttemptRequest): Attempt {
    const address = endpointKey(req.endpoint);
    const headers = toOutgoing(req.headers);
    const cookie = req.headers.get('cookie');
    if (cookie && cookie.length > 1) headers.cookie = cookie.join('; ');
    headers.host = req.authority;
    if (Buffer.isBuffer(req.body)) {
      headers['content-length'] = String(req.body.length);
    } else if (req.body === undefined && bodyMethod(req.method)) {
      headers['content-length'] = '0';
    }
    const upstream = http.request({
      host: req.endpoint.host,
      port: req.endpoint.port,
      method: req.method,
      path: req.path,
      headers,
      agent: this.agent(req.endpoint),
      setHost: false,
    });
    this.guardConnect(upstream, address);
    const response = new Promise<AttemptResponse>((resolve, reject) => {
      upstream.on('error', (err) => reject(new UpstreamError(classifyUpstreamError(err), `${address}: ${err.message}`, err)));
      upstream.on('response', (res) => {
        resolve({
          status: res.statusCode ?? 502,
          headers: headerList(res.headersDistinct),
          body: res,
          trailers: () => headerList(res.trailersDistinct),
          address,
          endAfterHeaders: false,
          abort: () => upstream.destroy(),
        });
      });
    });
    writeBody(req.body, upstream);
    return { response, abort: () => upstream.destroy() };
  }

  private sendH2(req: AttemptRequest): Attempt {
    const address = endpointKey(req.endpoint);
    let stream: http2.ClientHttp2Stream;
    try {
      const session = this.session(req.endpoint);
      const outgoing = toOutgoing(req.headers);
      delete outgoing.host; // :authority carries it
      const headers: http2.OutgoingHttpHeaders = {
        ...outgoing,
        ':method': req.method,
        ':path': req.path,
        ':authority': req.authority,
        ':scheme': 'http',
      };
      if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
      stream = session.request(headers, { endStream: req.body === undefined || (Buffer.isBuffer(req.body) && req.body.length === 0) });
    } catch (err: any) {
      return { response: Promise.reject(new UpstreamError(classifyUpstreamError(err), `${address}: ${err.message}`, err)), abort: () => undefined };
    }
    let trailers: HeaderList = new Map();
    stream.on('trailers', (t) => {
      trailers = headerList(t as any);
    });
    const response = new Promise<AttemptResponse>((resolve, reject) => {
      // Settled once: the 'close' of every stream must not build errors (with stacks) for an answered request.
      let settled = false;
      const fail = (err: any) => {
        if (settled) return;
        settled = true;
        const cause = err?.cause ?? err;
        reject(new UpstreamError(classifyUpstreamError(cause), `${address}: ${cause?.message ?? err}`, err));
      };
      stream.on('error', fail);
      stream.on('close', () => {
        if (settled) return;
        if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) fail(new UpstreamError('upstream-reset', `stream reset (code ${stream.rstCode})`));
        else fail(new UpstreamError('upstream-reset', 'stream closed before a response'));
      });
      stream.on('response', (head, flags) => {
        if (settled) return;
        settled = true;
        resolve({
          status: Number(head[':status']) || 502,
          headers: headerList(head as any),
          body: stream,
          trailers: () => trailers,
          address,
          // eslint-disable-next-line no-bitwise
          endAfterHeaders: stream.endAfterHeaders || (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0,
          abort: () => stream.close(http2.constants.NGHTTP2_CANCEL),
        });
      });
    });
    if (req.body !== undefined && !(Buffer.isBuffer(req.body) && req.body.length === 0)) writeBody(req.body, stream);
    return { response, abort: () => { if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL); } };
  }

  /** Number of endpoints with a pool (HTTP/1.1 agents plus HTTP/2 sessions). */
  get size(): number {
    let h1Only = 0;
    for (const key of this.h1.endpoints()) if (!this.agents.has(key)) h1Only++;
    return this.agents.size + h1Only + this.sessions.size;
  }

  /**
   * Forgets the pools of endpoints not in `keep` (after a reload). Requests in flight on them finish:
   * HTTP/2 sessions close gracefully, idle HTTP/1.1 sockets expire by their idle timeout.
   */
  retain(keep: ReadonlySet<string>): void {
    this.h1.retain(keep);
    for (const key of [...this.agents.keys()]) if (!keep.has(key)) this.agents.delete(key);
    for (const [key, session] of [...this.sessions]) {
      if (!keep.has(key)) {
        this.sessions.delete(key);
        session.close();
      }
    }
  }

  /** Closes every pooled connection. */
  close(): void {
    this.h1.close();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }
}

function connectTimeout(address: string, ms: number): Error {
  return Object.assign(new Error(`could not connect to ${address} within ${ms} ms`), { code: 'ECONNTIMEOUT' });
}

function bodyMethod(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

function writeBody(body: Buffer | Readable | undefined, dest: NodeJS.WritableStream & { destroyed?: boolean }): void {
  if (body === undefined) {
    dest.end();
  } else if (Buffer.isBuffer(body)) {
    dest.end(body);
  } else {
    body.pipe(dest);
    body.on('error', () => (dest as any).destroy?.());
  }
}
