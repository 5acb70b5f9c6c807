/**
 * Upstream connection pools and one request attempt to one endpoint: HTTP/1.1 through undici `Client`s
 * (one connection each: keep-alive, no pipelining, llhttp in WASM), HTTP/2 cleartext (prior knowledge)
 * through one shared Node `http2` session per endpoint.
 *
 * The HTTP/1.1 pool is a stack of idle clients per endpoint rather than undici's `Pool`: a request gets a
 * client of its own, which goes back to the stack when the answer is complete and is closed when the
 * exchange fails or is cancelled. (Aborting a request in flight on a `Pool`'s client makes undici 7 open
 * a new connection that no request uses, nodejs/undici#5845; closing the client does not.)
 *
 * What undici guarantees here, and the tests of test/dataplane/proxy/upstream-strict.test.ts check: a
 * request body is always framed (Content-Length, or chunked when its length is unknown, for every
 * method); a pooled connection that receives bytes while no request is waiting for them is closed, not
 * reused; a request whose connection fails after it was written is failed, never written again.
 */
import * as http from 'http';
import * as http2 from 'http2';
import type * as net from 'net';
import { Readable } from 'stream';
import { Client, Dispatcher } from 'undici';
import type { UpstreamTlsOptions } from './backend-tls';
import { UpstreamError, classifyUpstreamError } from './errors';
import { HeaderList, headerList, toOutgoing } from './headers';
import { InFlight, InFlightEntry } from './in-flight';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export function endpointKey(ep: Endpoint): string {
  return ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

/**
 * Where the transport connects for an endpoint, like undici's `connect` option: the identity by default.
 * Pools, metrics and logs keep the endpoint's own address; only the socket goes elsewhere. Tests use it
 * to reach local servers through addresses the Kubernetes API accepts in EndpointSlices (it refuses
 * 127.0.0.0/8), e.g. 192.0.2.x (TEST-NET-1) translated to 127.0.0.1 ports.
 */
export type AddressTranslation = (host: string, port: number) => Endpoint;

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
  /** Connect over TLS with these settings (BackendTLSPolicy); absent = cleartext. */
  readonly tls?: UpstreamTlsOptions;
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
  /** How long an idle upstream connection is kept; below the usual 5 s server keep-alive timeout. Default 4 s. */
  readonly idleTimeoutMs?: number;
  /** How long establishing a connection to an endpoint may take (then 503). Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Where to connect for an endpoint (see AddressTranslation); default the endpoint itself. */
  readonly translate?: AddressTranslation;
  /**
   * Endpoints `retain` keeps whatever the table says: those an EndpointRegistry has ready (the table names
   * Services, not their pods); default none.
   */
  readonly retained?: (key: string) => boolean;
}

/** A response head as undici parses it: lowercase names, repeated names as arrays. */
export type ResponseHead = Record<string, string | string[] | undefined>;

/** Receives one HTTP/1.1 exchange's answer (`UpstreamPools.dispatch`). */
export interface H1Sink {
  /**
   * The final response head (1xx are not delivered): names lowercase, a repeated name's values in an
   * array; the sink's to keep and change.
   */
  head(status: number, headers: ResponseHead): void;
  /** A body chunk; return false to stop reading until `H1Exchange.resume()`. */
  data(chunk: Buffer): boolean;
  /** The response is complete; `trailers` when the backend sent any. */
  end(trailers: HeaderList | undefined): void;
  /** The exchange failed; `afterHead` when `head` was already delivered. Called at most once, never after `end`. */
  error(err: UpstreamError, afterHead: boolean): void;
}

/** A dispatched HTTP/1.1 exchange. */
export interface H1Exchange {
  /** Cancels it (the upstream connection is closed; the sink hears nothing more). */
  abort(): void;
  /** Resumes reading after `H1Sink.data` returned false. */
  resume(): void;
}

/** One HTTP/1.1 request to dispatch. */
export interface H1Request {
  readonly method: string;
  /** Request-target: path plus '?query'. */
  readonly path: string;
  /** Value for Host. */
  readonly authority: string;
  /** Already filtered (hop-by-hop stripped, modifiers applied, X-Forwarded-* set); no Host. */
  readonly headers: HeaderList;
  /** A buffered body, a stream (sent chunked unless `headers` has its Content-Length), or none. */
  readonly body: Buffer | Readable | undefined;
  /** Connect over TLS with these settings (BackendTLSPolicy); absent = cleartext. */
  readonly tls?: UpstreamTlsOptions;
}

/** A request for `openH2`: its body, if any, is written to the stream by the caller. */
export interface H2Request {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  /** The fields to send (hop-by-hop ones already removed); `host` is left out (`:authority` carries it). */
  readonly headers: HeaderList;
  /** Sent as `content-length` in place of the field's value (a buffered body's length). */
  readonly contentLength?: number;
  readonly tls?: UpstreamTlsOptions;
}

/** undici's handler of one exchange, forwarding to an H1Sink: one object per request, no stream, no promise. */
class SinkHandler implements Dispatcher.DispatchHandler, H1Exchange {
  private controller: Dispatcher.DispatchController | undefined;
  private headed = false;
  private finished = false;

  constructor(private readonly sink: H1Sink, private readonly address: string,
    private readonly pool: EndpointPool, private readonly client: Client) {
    pool.active++;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: ResponseHead): void {
    if (this.finished || status < 200) return;
    this.headed = true;
    this.sink.head(status, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.finished) return;
    if (!this.sink.data(chunk)) controller.pause();
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.active--;
    this.pool.release(this.client);
    let any = false;
    for (const _ in trailers) {
      any = true;
      break;
    }
    this.sink.end(any ? headerList(trailers) : undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: any): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.active--;
    this.pool.discard(this.client);
    this.sink.error(err instanceof UpstreamError ? err : new UpstreamError(classifyUpstreamError(err), `${this.address}: ${err?.message ?? err}`, err), this.headed);
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.active--;
    this.pool.discard(this.client);
  }

  resume(): void {
    this.controller?.resume();
  }
}

const ignore = () => undefined;

const POOL_ENTRY = Symbol('pool entry');
/** A client with its entry in its pool's list. */
type PooledClient = Client & { [POOL_ENTRY]?: InFlightEntry<Client> };

/** The HTTP/1.1 clients of one endpoint: one connection each, the idle ones on a stack (the most recently used first). */
class EndpointPool {
  /** Exchanges in flight on its clients. */
  active = 0;
  private readonly idle: Client[] = [];
  /** Every client of the endpoint (a list, not a Set: clients come and go per request with backends that close; InFlight). */
  private readonly clients = new InFlight<Client>();

  constructor(private readonly origin: string, private readonly options: Client.Options) {}

  /** An idle client, or a new one. */
  acquire(): Client {
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (!c.destroyed && !c.closed) return c;
    }
    const c: PooledClient = new Client(this.origin, this.options);
    c[POOL_ENTRY] = this.clients.add(c);
    // undici reports a failure of a handler itself as 'error' on the client: never an unhandled event.
    (c as unknown as NodeJS.EventEmitter).on('error', ignore);
    // Its connection closed while idle (keep-alive timeout, the backend closed it, bytes nobody asked for).
    c.on('disconnect', () => {
      const i = this.idle.indexOf(c);
      if (i >= 0) {
        this.idle.splice(i, 1);
        this.forget(c);
        c.close().catch(ignore);
      }
    });
    return c;
  }

  /** The exchange on `c` is complete: `c` may take the next request. */
  release(c: Client): void {
    if (!c.destroyed && !c.closed) this.idle.push(c);
  }

  /** The exchange on `c` failed or was cancelled: its connection is closed, never reused. */
  discard(c: Client): void {
    this.forget(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    c.destroy().catch(ignore);
  }

  /** Takes `c` out of the list of the endpoint's clients (once; later calls do nothing). */
  private forget(c: PooledClient): void {
    const entry = c[POOL_ENTRY];
    if (entry) this.clients.delete(entry);
    c[POOL_ENTRY] = undefined;
  }

  /** Closes every client: at once, or once the requests on them are answered. */
  close(graceful: boolean): void {
    for (const c of this.clients) {
      this.forget(c);
      (graceful ? c.close() : c.destroy()).catch(ignore);
    }
    this.idle.length = 0;
  }
}

/** `[name, value, ...]` for undici, with Host; repeated Cookie lines joined with '; ' (RFC 9110 section 5.3). */
function undiciHeaders(authority: string, headers: HeaderList): string[] {
  const out: string[] = ['host', authority];
  for (const [name, values] of headers) {
    if (name === 'host' || values.length === 0) continue;
    if (name === 'cookie' && values.length > 1) {
      out.push(name, values.join('; '));
      continue;
    }
    for (const v of values) out.push(name, v);
  }
  return out;
}

export class UpstreamPools {
  private readonly h1Pools = new Map<string, EndpointPool>();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly options: Required<Omit<PoolOptions, 'translate' | 'retained'>>;
  private readonly translate: AddressTranslation | undefined;
  private readonly retained: ((key: string) => boolean) | undefined;
  /** HTTP/2 streams in flight per endpoint. */
  private readonly h2Active = new Map<string, number>();
  /** The TLS pool of an endpoint reached over TLS (BackendTLSPolicy), for `inFlight`. */
  private readonly tlsPools = new Map<string, EndpointPool>();
  /** A pool or session over TLS was ever made. */
  private tlsInUse = false;

  constructor(options: PoolOptions = {}) {
    this.options = {
      idleTimeoutMs: options.idleTimeoutMs ?? 4_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    this.translate = options.translate;
    this.retained = options.retained;
  }

  /** Exchanges in flight to the endpoint `host:port` (HTTP/1.1 and HTTP/2, mirrors included). */
  readonly inFlight = (key: string): number =>
    (this.h1Pools.get(key)?.active ?? 0) + (this.tlsInUse ? this.tlsPools.get(key)?.active ?? 0 : 0) + (this.h2Active.get(key) ?? 0);

  /** Where the transport connects for `ep` (the address translation applied). */
  connectAddress(ep: Endpoint): Endpoint {
    return this.translate ? this.translate(ep.host, ep.port) : ep;
  }

  /** The HTTP/1.1 pool of an endpoint (created on first use); over TLS, one pool per endpoint and TLS settings. */
  private h1Pool(ep: Endpoint, tls: UpstreamTlsOptions | undefined): EndpointPool {
    const address = endpointKey(ep);
    const key = poolKey(address, tls);
    let pool = this.h1Pools.get(key);
    if (!pool) {
      pool = new EndpointPool(`${tls ? 'https' : 'http'}://${endpointKey(this.connectAddress(ep))}`, {
        ...(tls ? { connect: tls.connect } : {}),
        // One request at a time per connection: a request is never queued behind another.
        pipelining: 1,
        keepAliveTimeout: this.options.idleTimeoutMs,
        keepAliveMaxTimeout: this.options.idleTimeoutMs,
        connectTimeout: this.options.connectTimeoutMs,
        // Deadlines are the route's (timeouts.request / backendRequest), not the transport's.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.h1Pools.set(key, pool);
      if (tls) {
        this.tlsPools.set(address, pool);
        this.tlsInUse = true;
      }
    }
    return pool;
  }

  /**
   * Sends one HTTP/1.1 request to `ep` and streams the answer into `sink`: the hot path (no Readable,
   * no promise per request).
   */
  dispatch(ep: Endpoint, req: H1Request, sink: H1Sink): H1Exchange {
    const address = endpointKey(ep);
    const pool = this.h1Pool(ep, req.tls);
    const client = pool.acquire();
    const handler = new SinkHandler(sink, address, pool, client);
    try {
      const options: Dispatcher.DispatchOptions & { servername?: string } = {
        path: req.path,
        method: req.method as Dispatcher.HttpMethod,
        headers: undiciHeaders(req.authority, req.headers),
        body: req.body ?? null,
        // Not written again on another connection when this one fails (undici retries nothing itself either).
        idempotent: false,
        blocking: req.method !== 'HEAD',
        upgrade: null,
      };
      // Over TLS undici would take the SNI from the Host header (its `servername` request option); the policy names it.
      if (req.tls) options.servername = req.tls.connect.servername;
      client.dispatch(options, handler);
    } catch (err: any) {
      handler.onResponseError(undefined, err);
    }
    return handler;
  }

  /** The HTTP/2 session of an endpoint (h2 over TLS with `tls`); a closed or failed session is replaced. */
  session(ep: Endpoint, tls?: UpstreamTlsOptions): http2.ClientHttp2Session {
    const key = poolKey(endpointKey(ep), tls);
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const target = endpointKey(this.connectAddress(ep));
    if (tls) this.tlsInUse = true;
    const session = tls
      ? http2.connect(`https://${target}`, { ...tls.connect, ALPNProtocols: ['h2'] })
      : http2.connect(`http://${target}`);
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

  /**
   * Destroys `socket` (a TCP or TLS connection to a backend, a TLSRoute's stream) when it is not connected, TLS
   * handshake included, within the connect timeout.
   */
  guardSocket(socket: net.Socket, connectedEvent: 'connect' | 'secureConnect'): void {
    const ms = this.options.connectTimeoutMs;
    const timer = setTimeout(() => socket.destroy(connectTimeout(socket.remoteAddress ?? 'the backend', ms)), ms);
    socket.once(connectedEvent, () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
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

  /** An attempt over `dispatch`, for the general pipeline (retries, mirrors): the body as a Readable. */
  private sendH1(req: AttemptRequest): Attempt {
    const address = endpointKey(req.endpoint);
    let headers = req.headers;
    if (Buffer.isBuffer(req.body)) {
      headers = new Map(headers);
      headers.set('content-length', [String(req.body.length)]);
    }
    let exchange: H1Exchange | undefined;
    const response = new Promise<AttemptResponse>((resolve, reject) => {
      let body: Readable | undefined;
      let trailers: HeaderList = new Map();
      const h1: H1Request = { method: req.method, path: req.path, authority: req.authority, headers, body: req.body, tls: req.tls };
      exchange = this.dispatch(req.endpoint, h1, {
        head: (status, h) => {
          body = new Readable({ read: () => exchange?.resume() });
          const abort = () => exchange?.abort();
          resolve({ status, headers: headerList(h), body, trailers: () => trailers, address, endAfterHeaders: false, abort });
        },
        data: (chunk) => body!.push(chunk),
        end: (t) => {
          if (t) trailers = t;
          body!.push(null);
        },
        error: (err, afterHead) => {
          if (afterHead) body!.destroy(err);
          else reject(err);
        },
      });
    });
    return { response, abort: () => exchange?.abort() };
  }

  /**
   * Opens one stream to `ep` on its HTTP/2 session: the request's fields as HTTP/2 headers (`host` becomes
   * `:authority`), counted in `inFlight` until the stream closes. `endStream`: the request has no body.
   * Throws an UpstreamError when the session cannot take a stream.
   */
  openH2(ep: Endpoint, req: H2Request, endStream: boolean): http2.ClientHttp2Stream {
    const address = endpointKey(ep);
    try {
      const session = this.session(ep, req.tls);
      const pseudo: http2.OutgoingHttpHeaders = {
        ':method': req.method,
        ':path': req.path,
        ':authority': req.authority,
        ':scheme': req.tls ? 'https' : 'http',
      };
      const headers = toOutgoing(req.headers, pseudo, 'host');
      if (req.contentLength !== undefined) headers['content-length'] = String(req.contentLength);
      const stream = session.request(headers, { endStream });
      this.h2Active.set(address, (this.h2Active.get(address) ?? 0) + 1);
      stream.once('close', () => {
        const n = (this.h2Active.get(address) ?? 1) - 1;
        if (n > 0) this.h2Active.set(address, n);
        else this.h2Active.delete(address);
      });
      return stream;
    } catch (err: any) {
      throw new UpstreamError(classifyUpstreamError(err), `${address}: ${err.message}`, err);
    }
  }

  private sendH2(req: AttemptRequest): Attempt {
    const address = endpointKey(req.endpoint);
    let stream: http2.ClientHttp2Stream;
    const buffered = Buffer.isBuffer(req.body) ? req.body : undefined;
    try {
      stream = this.openH2(req.endpoint, { ...req, contentLength: buffered?.length }, req.body === undefined || buffered?.length === 0);
    } catch (err: any) {
      return { response: Promise.reject(err), abort: () => undefined };
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
          abort: () => resetStream(stream, http2.constants.NGHTTP2_CANCEL),
        });
      });
    });
    if (req.body !== undefined && !(Buffer.isBuffer(req.body) && req.body.length === 0)) writeBody(req.body, stream);
    return { response, abort: () => resetStream(stream, http2.constants.NGHTTP2_CANCEL) };
  }

  /** Number of endpoints with a pool (HTTP/1.1 pools plus HTTP/2 sessions). */
  get size(): number {
    return this.h1Pools.size + this.sessions.size;
  }

  /**
   * Forgets the pools of endpoints not in `keep` (after a reload) nor `retained`. Requests in flight on them
   * finish: HTTP/1.1 pools and HTTP/2 sessions close once their requests are answered.
   */
  retain(keep: ReadonlySet<string>): void {
    for (const key of new Set([...this.h1Pools.keys(), ...this.sessions.keys()].map(endpointOfPool))) {
      if (!keep.has(key) && !this.retained?.(key)) this.drain(key);
    }
  }

  /**
   * Drains the endpoint `host:port` (it left the configuration or its Service): the requests in flight
   * on its connections finish, then the connections close; a later request to it opens new ones.
   */
  drain(key: string): void {
    // Pools over TLS have keys of their own (poolKey): looked for only when there are any.
    const keys = this.tlsInUse ? [...this.h1Pools.keys(), ...this.sessions.keys()].filter((k) => endpointOfPool(k) === key) : [key];
    for (const k of keys) {
      const pool = this.h1Pools.get(k);
      if (pool) {
        this.h1Pools.delete(k);
        pool.close(true);
      }
      const session = this.sessions.get(k);
      if (session) {
        this.sessions.delete(k);
        session.close();
      }
    }
    this.tlsPools.delete(key);
  }

  /** Closes every pooled connection. */
  close(): void {
    for (const pool of this.h1Pools.values()) pool.close(false);
    this.h1Pools.clear();
    this.tlsPools.clear();
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }
}

/**
 * Resets an HTTP/2 stream so that the peer never takes what it received for complete. Node's `close(code)` first
 * ends the writable side when it is still open, which sends END_STREAM (a cut body then looks complete) and, on a
 * server stream, no RST_STREAM at all; `destroy()` without an error sends RST_STREAM NO_ERROR, which clients take
 * for a complete answer too. So a stream whose writable side has ended is closed with `code`, and one still
 * sending is destroyed with an error: RST_STREAM INTERNAL_ERROR and nothing before it.
 */
export function resetStream(stream: http2.Http2Stream, code: number): void {
  if (stream.destroyed) return;
  if (stream.writableEnded) stream.close(code);
  else stream.destroy(new Error(`HTTP/2 stream reset while still sending (code ${code} asked)`));
}

/** A pool's key: the endpoint, and the TLS settings' id when it is reached over TLS. */
function poolKey(address: string, tls: UpstreamTlsOptions | undefined): string {
  return tls ? `${address} ${tls.id}` : address;
}

/** The endpoint `host:port` of a pool key. */
function endpointOfPool(key: string): string {
  const space = key.indexOf(' ');
  return space < 0 ? key : key.slice(0, space);
}

function connectTimeout(address: string, ms: number): Error {
  return Object.assign(new Error(`could not connect to ${address} within ${ms} ms`), { code: 'ECONNTIMEOUT' });
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
