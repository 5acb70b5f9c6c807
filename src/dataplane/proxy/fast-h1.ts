/**
 * A lean HTTP/1.1 upstream client for the common exchange (no request body, no retry, no timeout): pooled
 * keep-alive sockets per endpoint, responses parsed by Node's own HTTP parser (llhttp, as `http` uses),
 * the response head and body handed to a sink as they arrive. No ClientRequest / IncomingMessage / Agent
 * objects, no promises, no streams: what a profile of the gateway showed to cost most per request.
 *
 * The request head is written by the caller's pipeline (`requestHead`), already filtered (hop-by-hop
 * stripped, modifiers applied, X-Forwarded-* set). A pooled socket that the backend closed while it was
 * idle is detected when it fails before any response byte, and the request is sent once more on a new
 * connection (it has no body, so this is safe). Idle sockets are closed after `idleTimeoutMs` (below the
 * usual 5 s server keep-alive timeout), and at most `maxIdle` are kept per endpoint.
 */
import * as net from 'net';
import { UpstreamError, classifyUpstreamError } from './errors';
import { ForwardedInfo, INVALID_NAME, INVALID_VALUE, connectionTokens, isHopByHop } from './headers';

/** Node's HTTP parser binding (the one `http` uses), when this Node exposes it. */
interface Parser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  /** Reads the stream's bytes itself, in C++ (as Node's `http` server does): no 'data' events, no Buffer per read. */
  consume?(handle: object): void;
  [callback: number]: unknown;
}
interface ParserClass {
  readonly RESPONSE: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  /** Called after each read a consuming parser executed: bytes parsed, or the parse error. */
  readonly kOnExecute?: number;
  new (): Parser;
}

/** A net.Socket's libuv stream handle (what `consume` reads from), when it has one. */
export interface StreamHandle {
  readonly isStreamBase?: boolean;
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

/** The socket's stream handle, if a parser can consume it. */
export function streamHandle(socket: net.Socket): StreamHandle | undefined {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  return handle && handle.isStreamBase === true && typeof handle.readStop === 'function' ? handle : undefined;
}

/**
 * Stops (or restarts) reading a socket whose bytes a parser consumes: `socket.pause()` only stops the
 * Readable side, which a consuming parser bypasses. `reading` is the flag net.Socket keeps for the same.
 */
export function setReading(socket: net.Socket, on: boolean): void {
  const handle = streamHandle(socket);
  if (!handle || socket.destroyed || handle.reading === on) return;
  handle.reading = on;
  if (on) handle.readStart();
  else handle.readStop();
}

function loadParser(): ParserClass | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const p = require('_http_common').HTTPParser as ParserClass;
    return typeof p === 'function' && typeof p.kOnHeadersComplete === 'number' ? p : undefined;
  } catch {
    return undefined;
  }
}

const HTTPParser = loadParser();

/** Whether this Node exposes the parser the lean client needs (else callers use the general path). */
export const FAST_H1_AVAILABLE = HTTPParser !== undefined;

/** Receives one response, in order: `head`, `data`*, then `end`; or `error` at any point. */
export interface H1Sink {
  /** The final response head: status and the raw header list `[name, value, name, value, ...]`. */
  head(status: number, rawHeaders: readonly string[]): void;
  /** A body chunk; return false to stop reading until `H1Exchange.resume()`. */
  data(chunk: Buffer): boolean;
  /** The response is complete; `trailers` as a raw list when the backend sent any. */
  end(trailers: readonly string[] | undefined): void;
  /** The exchange failed; `afterHead` when `head` was already delivered. */
  error(err: UpstreamError, afterHead: boolean): void;
  /** Called after each chunk the backend sent was parsed (what the calls above wrote can be sent on). */
  flush?(): void;
}

/** A started exchange. */
export interface H1Exchange {
  /** Cancels it (the socket is closed, the sink hears nothing more). */
  abort(): void;
  /** Resumes reading after `data` returned false. */
  resume(): void;
}

export interface H1PoolOptions {
  /** Idle sockets kept per endpoint. Default 64. */
  readonly maxIdle?: number;
  /** Idle sockets older than this are closed. Default 4 s. */
  readonly idleTimeoutMs?: number;
}

/** A request-target `http.request` refuses (node:_http_client INVALID_PATH_REGEX). */
const INVALID_PATH = /[^\u0021-\u00ff]/;

/**
 * The request head: request line, `host`, then every header (name lowercase, one line per value;
 * several `cookie` values joined with '; ' as HTTP/1.1 requires). Throws on a name or value that
 * `http.request` would refuse (e.g. a CR/LF from a filter value).
 */
export function requestHead(method: string, target: string, authority: string, headers: ReadonlyMap<string, readonly string[]>): string {
  if (INVALID_PATH.test(target) || INVALID_VALUE.test(authority)) throw new TypeError('invalid request-target or authority');
  let head = `${method} ${target} HTTP/1.1\r\nhost: ${authority}\r\n`;
  for (const [name, values] of headers) {
    if (values.length === 0 || name === 'host') continue;
    if (INVALID_NAME.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (name === 'cookie' && values.length > 1) {
      const v = values.join('; ');
      if (INVALID_VALUE.test(v)) throw new TypeError(`invalid value of header ${name}`);
      head += `cookie: ${v}\r\n`;
      continue;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (INVALID_VALUE.test(v)) throw new TypeError(`invalid value of header ${name}`);
      head += `${name}: ${v}\r\n`;
    }
  }
  return `${head}\r\n`;
}


/**
 * The request head written straight from a request's raw header list `[name, value, ...]` (one value
 * per name, names and values checked by llhttp): the same lines `requestHead` writes for that list after
 * `stripHopByHop`, the removal of `expect` and `setForwarded`, without building the list. `zeroLength`
 * adds `content-length: 0` when the request has none (a POST, PUT or PATCH without body).
 */
export function requestHeadFromRaw(method: string, target: string, authority: string, raw: readonly string[],
  forwarded: ForwardedInfo, zeroLength: boolean): string {
  if (INVALID_PATH.test(target) || INVALID_VALUE.test(authority)) throw new TypeError('invalid request-target or authority');
  const named = connectionTokens(raw);
  let head = `${method} ${target} HTTP/1.1\r\nhost: ${authority}\r\n`;
  let forwardedFor: string | undefined;
  let hasLength = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'host' || name === 'expect' || isHopByHop(name) || (named !== undefined && named.includes(name))) continue;
    if (name === 'x-forwarded-for') {
      forwardedFor = raw[i + 1];
      continue;
    }
    if (name === 'x-forwarded-proto' || (name === 'x-forwarded-host' && forwarded.host)) continue;
    if (name === 'content-length') hasLength = true;
    head += `${name}: ${raw[i + 1]}\r\n`;
  }
  if (zeroLength && !hasLength) head += 'content-length: 0\r\n';
  const client = forwarded.clientAddress;
  if (client) {
    const addr = client.startsWith('::ffff:') ? client.slice(7) : client;
    forwardedFor = forwardedFor ? `${forwardedFor}, ${addr}` : addr;
  }
  if (forwardedFor !== undefined) head += `x-forwarded-for: ${forwardedFor}\r\n`;
  head += `x-forwarded-proto: ${forwarded.proto}\r\n`;
  if (forwarded.host) head += `x-forwarded-host: ${forwarded.host}\r\n`;
  return `${head}\r\n`;
}

class Connection {
  readonly socket: net.Socket;
  /** The current exchange's sink; undefined while idle. */
  sink: H1Sink | undefined;
  /** Served at least one exchange (a failure before any byte may be a close while idle). */
  reused = false;
  /** When it became idle (ms, performance.now()). */
  idleSince = 0;
  private headSeen = false;
  private informational = false;
  private received = 0;
  private keepAlive = false;
  private skipBody = false;
  private partial: string[] | undefined;
  /** The parser reads the socket itself (`consume`); else 'data' events feed it. */
  private readonly consumed: boolean;
  /** The sink that received a head or body from the chunk being parsed: flushed after it. */
  private toFlush: H1Sink | undefined;
  /** The pool's record of the exchange in progress (told when it is done or failed). */
  private owner: PoolExchange | undefined;

  constructor(readonly key: string, host: string, port: number, private readonly pool: H1Pool) {
    const socket = net.connect({ host, port, noDelay: true });
    this.socket = socket;
    const parser = new HTTPParser!();
    parser.initialize(HTTPParser!.RESPONSE, {}, 0, 0);
    parser[HTTPParser!.kOnHeaders] = (headers: string[]) => {
      this.partial = this.partial ? this.partial.concat(headers) : headers;
    };
    parser[HTTPParser!.kOnHeadersComplete] = (_vMajor: number, _vMinor: number, headers: string[] | undefined, _m: unknown, _u: unknown,
      status: number, _msg: unknown, _upgrade: boolean, keepAlive: boolean): number => {
      const raw = headers ?? this.partial ?? [];
      this.partial = undefined;
      if (status >= 100 && status < 200 && status !== 101) {
        this.informational = true; // 1xx: wait for the final answer
        return 0;
      }
      this.headSeen = true;
      this.keepAlive = keepAlive;
      const sink = this.sink;
      this.toFlush = sink;
      sink?.head(status, raw);
      return this.skipBody ? 1 : 0;
    };
    parser[HTTPParser!.kOnBody] = (chunk: Buffer) => {
      const sink = this.sink;
      this.toFlush = sink;
      if (sink && !sink.data(chunk)) this.pause();
    };
    parser[HTTPParser!.kOnMessageComplete] = () => {
      if (this.informational) {
        this.informational = false;
        return;
      }
      const sink = this.sink;
      const trailers = this.partial;
      this.partial = undefined;
      this.finishExchange(this.keepAlive);
      sink?.end(trailers);
    };
    const handle = streamHandle(socket);
    this.consumed = handle !== undefined && typeof parser.consume === 'function' && typeof HTTPParser!.kOnExecute === 'number';
    if (this.consumed) {
      // Called after each read: parse errors arrive here; EOF and read errors still reach the socket.
      parser[HTTPParser!.kOnExecute!] = (r: number | Error) => this.executed(r);
      parser.consume!(handle!);
    } else {
      socket.on('data', (data: Buffer) => {
        this.received += data.length;
        this.executed(parser.execute(data));
      });
    }
    socket.on('end', () => {
      // A response delimited by the end of the connection completes here.
      if (this.sink && this.headSeen) {
        const r = parser.finish();
        if (r !== undefined && typeof r !== 'number') this.fail(new UpstreamError('upstream-protocol', `${key}: ${(r as Error).message}`, r));
      }
    });
    socket.on('error', (err) => this.fail(new UpstreamError(classifyUpstreamError(err), `${key}: ${err.message}`, err)));
    socket.on('close', () => {
      this.fail(new UpstreamError('upstream-reset', `${key}: the backend closed the connection`));
      this.pool.forget(this);
      parser.close();
    });
  }

  private executed(r: number | Error): void {
    if (this.consumed) this.received++;
    const sink = this.toFlush;
    this.toFlush = undefined;
    if (typeof r !== 'number') this.fail(new UpstreamError(classifyUpstreamError(r), `${this.key}: ${(r as Error).message}`, r)); // an Error (possibly of another realm)
    sink?.flush?.();
  }

  /** Stops reading until `resume()` (the sink's client is not reading fast enough). */
  pause(): void {
    if (this.consumed) setReading(this.socket, false);
    else this.socket.pause();
  }

  resume(): void {
    if (this.consumed) setReading(this.socket, true);
    else this.socket.resume();
  }

  /** Starts an exchange on this (idle or new) connection. */
  start(owner: PoolExchange): void {
    this.sink = owner.sink;
    this.owner = owner;
    this.headSeen = false;
    this.informational = false;
    this.received = 0;
    this.skipBody = owner.skipBody;
    this.socket.write(owner.head, 'latin1');
  }

  private finishExchange(keepAlive: boolean): void {
    this.sink = undefined;
    this.owner = undefined;
    this.reused = true;
    this.pool.release(this, keepAlive);
  }

  private fail(err: UpstreamError): void {
    const sink = this.sink;
    if (!sink) return;
    const owner = this.owner;
    const noBytes = this.received === 0;
    this.sink = undefined;
    this.owner = undefined;
    this.socket.destroy();
    if (owner) owner.failed(this, err, noBytes && !this.headSeen);
    else sink.error(err, this.headSeen);
  }

  /** Cancels the exchange in progress. */
  abort(): void {
    this.sink = undefined;
    this.owner = undefined;
    this.socket.destroy();
  }

  isHeadSeen(): boolean {
    return this.headSeen;
  }
}

/** One request sent through the pool: the connection it is on, and what a retry on a new connection needs. */
class PoolExchange implements H1Exchange {
  private retried = false;

  constructor(private readonly pool: H1Pool, readonly key: string, readonly host: string, readonly port: number,
    readonly head: string, readonly sink: H1Sink, readonly skipBody: boolean, public conn: Connection) {}

  abort(): void {
    this.conn.abort();
  }

  resume(): void {
    this.conn.resume();
  }

  /** The exchange failed on `c`; `noBytes`: before the backend sent anything. */
  failed(c: Connection, err: UpstreamError, noBytes: boolean): void {
    // A pooled connection the backend closed while idle: once more on a new connection.
    if (noBytes && c.reused && !this.retried) {
      const fresh = this.pool.fresh(this.key, this.host, this.port);
      if (fresh) {
        this.retried = true;
        this.conn = fresh;
        fresh.start(this);
        return;
      }
    }
    this.sink.error(err, c.isHeadSeen());
  }
}

/** Keep-alive pools of lean HTTP/1.1 connections, per endpoint `host:port`. */
export class H1Pool {
  private readonly idle = new Map<string, Connection[]>();
  private readonly maxIdle: number;
  private readonly idleTimeoutMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: H1PoolOptions = {}) {
    this.maxIdle = options.maxIdle ?? 64;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 4_000;
  }

  /**
   * Sends a request without body (`head` from `requestHead`) to `host:port` (`key` names the endpoint,
   * e.g. `127.0.0.1:8080`); `skipBody` for HEAD requests.
   */
  send(key: string, host: string, port: number, head: string, sink: H1Sink, skipBody: boolean): H1Exchange {
    const exchange = new PoolExchange(this, key, host, port, head, sink, skipBody, this.acquire(key, host, port));
    exchange.conn.start(exchange);
    return exchange;
  }

  /** @internal a connection for a request sent once more (the pooled one had been closed by the backend). */
  fresh(key: string, host: string, port: number): Connection | undefined {
    if (this.closed) return undefined;
    this.ensureSweeper();
    return new Connection(key, host, port, this);
  }

  private acquire(key: string, host: string, port: number): Connection {
    const list = this.idle.get(key);
    if (list) {
      const now = performance.now();
      while (list.length > 0) {
        const c = list.pop()!;
        if (!c.socket.destroyed && now - c.idleSince < this.idleTimeoutMs) return c;
        c.socket.destroy();
      }
    }
    this.ensureSweeper();
    return new Connection(key, host, port, this);
  }

  /** @internal an exchange on `c` is complete. */
  release(c: Connection, keepAlive: boolean): void {
    if (!keepAlive || this.closed || c.socket.destroyed) {
      c.socket.destroy();
      return;
    }
    let list = this.idle.get(c.key);
    if (!list) this.idle.set(c.key, list = []);
    if (list.length >= this.maxIdle) {
      c.socket.destroy();
      return;
    }
    c.resume();
    c.idleSince = performance.now();
    list.push(c);
  }

  /** Called when a connection closed: it leaves the idle list. */
  forget(c: Connection): void {
    const list = this.idle.get(c.key);
    if (!list) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
  }

  private ensureSweeper(): void {
    if (this.sweeper || this.closed) return;
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const list of this.idle.values()) {
        for (const c of list.filter((x) => now - x.idleSince >= this.idleTimeoutMs)) c.socket.destroy();
      }
    }, Math.max(250, Math.floor(this.idleTimeoutMs / 4)));
    this.sweeper.unref();
  }

  /** The endpoints with a pool. */
  endpoints(): IterableIterator<string> {
    return this.idle.keys();
  }

  /** Forgets the pools of endpoints not in `keep` (after a reload); their idle sockets are closed. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, list] of [...this.idle]) {
      if (keep.has(key)) continue;
      this.idle.delete(key);
      for (const c of list) c.socket.destroy();
    }
  }

  /** Closes every idle connection; exchanges in progress finish on their own sockets. */
  close(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const list of this.idle.values()) for (const c of [...list]) c.socket.destroy();
    this.idle.clear();
  }
}
