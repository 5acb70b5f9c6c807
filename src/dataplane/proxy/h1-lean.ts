/**
 * The lean HTTP/1.1 server of cleartext listeners: the common request (HTTP/1.1, no body, no Upgrade,
 * no `Expect`) is read with Node's own parser (llhttp with the same strict settings and header limit as
 * `http`, see limits.ts) straight off the socket, and answered through `LeanResponse`, which writes the
 * response head and body to the socket itself. No IncomingMessage / ServerResponse / stream objects per
 * request: a profile of the gateway showed them to cost more than the routing and forwarding together.
 *
 * Anything else (a request with a body, Upgrade, CONNECT, `Expect`, HTTP/1.0, repeated header names, a
 * method other than GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS and TRACE), and any request that needs
 * the general pipeline (a gRPC content type; a route with retries, timeouts, mirrors or HTTP/2 backends),
 * is handed over with its connection to Node's `http` server before anything is answered: the request's
 * head (as llhttp read it, see requestHeadBytes) and whatever the client sent after it are put back on
 * the socket, and that server reads them again. A connection handed over stays with Node's server.
 *
 * Requests of one connection are answered one at a time. The parser reads the socket itself (in C++, as
 * Node's server does) and a request is answered from its callback; a request pipelined behind the one
 * being answered stops it, and the connection then keeps the bytes that follow as raw bytes (at most
 * MAX_WAITING_BYTES, else the connection is closed), each request parsed once the previous one is
 * answered and the socket's buffer has drained. The header timeout (408) and the keep-alive timeout are
 * checked by one sweep per listener, as Node's server does.
 */
import * as http from 'http';
import * as net from 'net';
import { setReading, streamHandle } from './fast-h1';
import { INVALID_NAME, INVALID_VALUE, connectionTokens, isHopByHop } from './headers';
import { ConnectionLimits, answerClientError } from './limits';

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  close(): void;
  /** Reads the stream's bytes itself, in C++ (as Node's `http` server does); `unconsume` gives them back. */
  consume(handle: object): void;
  unconsume(): void;
  /** A copy of the read buffer being parsed (from a `kOnExecute` callback). */
  getCurrentBuffer(): Buffer;
  /** Whether the last message's head is complete (false from the first byte of the next one). */
  headersCompleted(): boolean;
  [callback: number]: unknown;
}
interface ParserClass {
  readonly REQUEST: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  /** Called after each read a consuming parser executed: bytes parsed, or the parse error. */
  readonly kOnExecute: number;
  new (): Parser;
}

function loadParser(): { parser: ParserClass } | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const p = require('_http_common').HTTPParser as ParserClass;
    if (typeof p !== 'function' || typeof p.kOnHeadersComplete !== 'number' || typeof p.kOnExecute !== 'number') return undefined;
    for (const fn of ['consume', 'unconsume', 'getCurrentBuffer', 'headersCompleted']) {
      if (typeof (p.prototype as any)[fn] !== 'function') return undefined;
    }
    return { parser: p };
  } catch {
    return undefined;
  }
}

/**
 * Method names by llhttp's method number (its stable `llhttp_method` enum, shared with http_parser): to
 * write a head again for Node's server, which names them all.
 */
export const LLHTTP_METHODS: readonly string[] = [
  'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND',
  'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE',
  'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH', 'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK', 'SOURCE', 'PRI',
  'DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER', 'REDIRECT', 'RECORD',
  'FLUSH', 'QUERY',
];

/** The methods the lean server answers, by llhttp's method number; any other method is handed over. */
const LEAN_METHODS: Readonly<Record<number, string>> = { 0: 'DELETE', 1: 'GET', 2: 'HEAD', 3: 'POST', 4: 'PUT', 6: 'OPTIONS', 7: 'TRACE', 28: 'PATCH' };

const BINDING = loadParser();

/** Whether this Node exposes what the lean server needs (else every connection goes to Node's server). */
export const LEAN_H1_AVAILABLE = BINDING !== undefined;

/** Bytes of pipelined requests a connection may have waiting behind the one being answered; more close it. */
export const MAX_WAITING_BYTES = 64 * 1024;

/** How long an idle keep-alive connection is kept (as `keepAliveTimeout` of the `http` server). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

const LEAN = Symbol('lean');

/** Body bytes a response keeps with its head for one write (the socket's default high-water mark). */
const PENDING_MAX = 16 * 1024;

/**
 * A request read by the lean server: the part of `http.IncomingMessage` the request pipeline reads.
 * `headers` has one value per name (requests with a repeated header name are handed over), so there is
 * no `headersDistinct`.
 */
export interface LeanRequest {
  readonly [LEAN]: true;
  readonly method: string;
  url: string;
  readonly httpVersion: '1.1';
  readonly httpVersionMajor: 1;
  readonly httpVersionMinor: 1;
  readonly headers: Record<string, string>;
  readonly rawHeaders: readonly string[];
  readonly socket: net.Socket;
}

/** Whether a request came from the lean server. */
export function isLeanRequest(req: object): req is LeanRequest {
  return (req as Partial<LeanRequest>)[LEAN] === true;
}

/** What a lean connection reports to the listener. */
export interface LeanServerOptions {
  readonly limits: ConnectionLimits;
  /** A request to answer (through `res`, or by `res.handOver()` during this call). */
  request(req: LeanRequest, res: LeanResponse): void;
  /** The connection leaves the lean server: `bytes` are the unanswered bytes it read, to be read again. */
  handOver(socket: net.Socket, bytes: Buffer): void;
}


let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

type Listener = () => void;
/** No listener, one (most responses have one per event), or several. */
type Listeners = Listener | Listener[] | undefined;

function addListener(list: Listeners, fn: Listener): Listeners {
  if (list === undefined) return fn;
  if (typeof list === 'function') return [list, fn];
  list.push(fn);
  return list;
}

function callListeners(list: Listeners): void {
  if (list === undefined) return;
  if (typeof list === 'function') list();
  else for (const fn of list) fn();
}

/**
 * The response of a lean request: the part of `http.ServerResponse` the request pipeline uses
 * (`writeHead`, `write`, `end`, `addTrailers`, `destroy`, `setHeader('connection', 'close')`, and the
 * `finish`, `close` and `drain` events through `once`). Framing as Node's server does it: the
 * Content-Length given, else chunked; no body for HEAD, 1xx, 204 and 304.
 */
export class LeanResponse {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  /** Set when the request was handed over to Node's server instead. */
  handedOver = false;
  /**
   * Set by a writer that calls `uncork()` itself after each batch of writes (the lean client, after each
   * chunk from the backend); otherwise what is written is sent on at the next tick at the latest.
   */
  flushedByWriter = false;
  private closeAfter: boolean;
  private chunked = false;
  private bodyAllowed = true;
  private trailers: string | undefined;
  /** A flush is due (at the writer's `uncork()`, else at the next tick). */
  private corked = false;
  /** The socket is corked (what was written since the head goes out in one `writev`). */
  private socketCorked = false;
  /**
   * The head and the small body chunks written after it, as one latin1 string not yet given to the socket:
   * a small answer goes out in one `write` (no `writev` of a head and a body). Undefined once flushed.
   */
  private pending: string | undefined;
  private closed = false;
  private onFinish: Listeners;
  private onClose: Listeners;

  constructor(private readonly conn: LeanConnection, readonly socket: net.Socket, keepAlive: boolean, private readonly head: boolean) {
    this.closeAfter = !keepAlive;
  }

  /** Subscribes to `finish` (the response is written), `close` (after finish, or the connection closed first) or `drain`. */
  once(event: string, fn: Listener): this {
    if (event === 'finish') {this.onFinish = addListener(this.onFinish, fn);} else if (event === 'close') {
      if (this.closed) process.nextTick(fn);
      else this.onClose = addListener(this.onClose, fn);
    } else if (event === 'drain') {this.socket.once('drain', fn);} else {throw new Error(`internal: LeanResponse has no '${event}' event`);}
    return this;
  }

  /** Only `connection: close` is supported (a draining listener asks clients to go away). */
  setHeader(name: string, value: string): void {
    if (name.toLowerCase() !== 'connection' || value.toLowerCase() !== 'close') throw new Error(`internal: LeanResponse.setHeader(${name}) is not supported`);
    if (!this.headersSent) this.closeAfter = true;
  }

  /** Throws a TypeError (and writes nothing) on a header name or value that cannot be written, as Node does. */
  writeHead(status: number, headers: Readonly<Record<string, string | number | readonly string[]>> = {}): this {
    if (this.headersSent) throw new Error('internal: response head written twice');
    let text = '';
    let hasLength = false;
    let hasDate = false;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (name === '' || INVALID_NAME.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
      if (lower === 'content-length') {hasLength = true;} else if (lower === 'date') {hasDate = true;} else if (lower === 'connection') {
        if (String(value).toLowerCase() === 'close') this.closeAfter = true;
        continue;
      } else if (lower === 'transfer-encoding') {continue;} // framing is this hop's
      if (typeof value === 'string' || typeof value === 'number') {
        const v = String(value);
        if (INVALID_VALUE.test(v)) throw new TypeError(`invalid value of header ${name}`);
        text += `${name}: ${v}\r\n`;
      } else {
        for (const v of value) {
          if (INVALID_VALUE.test(v)) throw new TypeError(`invalid value of header ${name}`);
          text += `${name}: ${v}\r\n`;
        }
      }
    }
    this.finishHead(status, text, hasLength, hasDate);
    return this;
  }

  /**
   * Writes the head of a backend's answer as it came, names lowercased: llhttp checked its names and
   * values. Hop-by-hop headers, and the headers the backend's Connection header names, are left out.
   * Returns the value of its `grpc-status` header, if any.
   */
  writeUpstreamHead(status: number, raw: readonly string[]): string | undefined {
    if (this.headersSent) throw new Error('internal: response head written twice');
    const named = connectionTokens(raw);
    let text = '';
    let hasLength = false;
    let hasDate = false;
    let grpcStatus: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (isHopByHop(name) || (named !== undefined && named.includes(name))) continue;
      if (name === 'content-length') hasLength = true;
      else if (name === 'date') hasDate = true;
      else if (name === 'grpc-status') grpcStatus ??= raw[i + 1];
      text += `${name}: ${raw[i + 1]}\r\n`;
    }
    this.finishHead(status, text, hasLength, hasDate);
    return grpcStatus;
  }

  private finishHead(status: number, headerLines: string, hasLength: boolean, hasDate: boolean): void {
    let text = headerLines;
    this.bodyAllowed = !this.head && status >= 200 && status !== 204 && status !== 304;
    if (!hasDate) text += `date: ${httpDate()}\r\n`;
    if (this.bodyAllowed && !hasLength) {
      this.chunked = true;
      text += 'transfer-encoding: chunked\r\n';
    }
    if (this.closeAfter) text += 'connection: close\r\n';
    this.statusCode = status;
    this.headersSent = true;
    if (this.destroyed) return;
    this.cork();
    this.pending = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Unknown'}\r\n${text}\r\n`;
  }

  /** Writes a body chunk; false when the socket buffer is full (wait for `drain`). */
  write(chunk: Buffer | string): boolean {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.destroyed || !this.bodyAllowed) return true;
    const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (length === 0) return true;
    const pending = this.pending;
    // Bytes and ASCII text are their own latin1 string; a few KiB join the head in the pending write.
    if (pending !== undefined && pending.length + length <= PENDING_MAX && (typeof chunk !== 'string' || length === chunk.length)) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      this.pending = this.chunked ? `${pending}${length.toString(16)}\r\n${text}\r\n` : pending + text;
      return true;
    }
    this.flushPending();
    if (!this.chunked) return this.socket.write(chunk);
    this.socket.cork();
    this.socket.write(`${length.toString(16)}\r\n`, 'latin1');
    this.socket.write(chunk);
    const more = this.socket.write('\r\n', 'latin1');
    this.socket.uncork();
    return more;
  }

  /** Trailers, sent after a chunked body (dropped otherwise, as Node does). */
  addTrailers(headers: Readonly<Record<string, string | readonly string[]>>): void {
    let text = '';
    for (const name in headers) {
      const value = headers[name];
      if (name === '' || INVALID_NAME.test(name)) throw new TypeError(`invalid trailer name ${JSON.stringify(name)}`);
      for (const v of typeof value === 'string' ? [value] : value) {
        if (INVALID_VALUE.test(v)) throw new TypeError(`invalid value of trailer ${name}`);
        text += `${name}: ${v}\r\n`;
      }
    }
    this.trailers = (this.trailers ?? '') + text;
  }

  /** Ends the response (with a last chunk); the connection then reads the next request or closes. */
  end(chunk?: Buffer | string): this {
    if (this.writableEnded) return this;
    if (!this.headersSent) {
      if (chunk !== undefined && this.statusCode >= 200) {
        // The whole body is known: Content-Length rather than chunked.
        this.writeHead(this.statusCode, { 'content-length': typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length });
      } else {
        this.writeHead(this.statusCode);
      }
    }
    if (chunk !== undefined) this.write(chunk);
    this.writableEnded = true;
    if (!this.destroyed && this.chunked) {
      const last = `0\r\n${this.trailers ?? ''}\r\n`;
      if (this.pending !== undefined) this.pending += last;
      else this.socket.write(last, 'latin1');
    }
    this.uncork();
    if (this.destroyed) return this;
    const listeners = this.onFinish;
    this.onFinish = undefined;
    callListeners(listeners);
    this.emitClose();
    this.conn.finished(this, this.closeAfter);
    return this;
  }

  /** Cuts the response (and the connection: its framing cannot be completed). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pending = undefined;
    this.uncork();
    this.socket.destroy();
    this.emitClose();
  }

  /**
   * Hands the request (and its connection) over to Node's server, which reads it again from its first
   * byte (its head as llhttp read it); only during the `request` call that gave it, before anything is written.
   */
  handOver(): void {
    if (this.headersSent || this.handedOver) throw new Error('internal: a lean request can only be handed over before its response starts');
    this.handedOver = true;
    this.writableEnded = true;
    this.conn.handOver();
    this.emitClose();
  }

  /** @internal the connection closed (or the response ended). */
  emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    const listeners = this.onClose;
    this.onClose = undefined;
    callListeners(listeners);
  }

  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    if (!this.flushedByWriter) process.nextTick(uncorkLater, this);
  }

  /** The pending string goes to the socket, which stays corked until `uncork()`: later chunks join it in one `writev`. */
  private flushPending(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    if (!this.socketCorked) {
      this.socketCorked = true;
      this.socket.cork();
    }
    this.socket.write(pending, 'latin1');
  }

  /** Sends on what was written since the response head (writes are batched into one system call). */
  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      this.socket.write(pending, 'latin1');
    }
    if (this.socketCorked) {
      this.socketCorked = false;
      this.socket.uncork();
    }
  }
}

function uncorkLater(res: LeanResponse): void {
  res.uncork();
}

/** What llhttp reported of a request head. */
interface RequestHead {
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly raw: string[];
  readonly method: number;
  readonly url: string;
  readonly upgrade: boolean;
  readonly keepAlive: boolean;
}

/**
 * The bytes of a request head as llhttp read it: request line and header lines (whitespace around values
 * dropped, as llhttp drops it), for Node's server to read again. Names and values are byte strings
 * (latin1), so the bytes are the client's.
 */
export function requestHeadBytes(method: string, url: string, versionMajor: number, versionMinor: number, raw: readonly string[]): Buffer {
  let text = `${method} ${url} HTTP/${versionMajor}.${versionMinor}\r\n`;
  for (let i = 0; i < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}

function headBytes(head: RequestHead): Buffer {
  return requestHeadBytes(LLHTTP_METHODS[head.method] ?? `UNKNOWN-${head.method}`, head.url, head.versionMajor, head.versionMinor, head.raw);
}

/**
 * One client connection of the lean server.
 *
 * It starts in the *consuming* mode: the parser reads the socket's bytes itself, in C++ (as Node's own
 * server does), and a request head is answered from within the parser's callback; parsing goes on after
 * it (a lean request has no body). A head that cannot be answered now stops the parser where it ends:
 * a request to hand over (it goes to Node's server as its head, rebuilt from what llhttp read, and the
 * bytes after it), or a pipelined request behind the one being answered. In the second case the
 * connection moves to the *buffering* mode for good: bytes arrive as 'data' events and wait in
 * `buffered` (the stopped head rebuilt first), and each request is parsed when the previous one is
 * answered, its head's own bytes kept for a hand-over.
 */
class LeanConnection {
  /** The parser consumes the socket (the consuming mode); false once buffering, or when Node cannot. */
  private consuming: boolean;
  /** Buffering mode: bytes of the request being read (from its first byte), then of the requests after it. */
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** Chunks of `buffered` already given to the parser. */
  private parsedChunks = 0;
  private readonly parser: Parser;
  private current: LeanResponse | undefined;
  private partialHeaders: string[] | undefined;
  private partialUrl = '';
  private head: RequestHead | undefined;
  /** Buffering mode: the bytes of the request being answered (its head, then what followed it in the same chunk). */
  private currentBytes: Buffer[] | undefined;
  private currentRest: Buffer | undefined;
  /** Consuming mode: the head of the request being answered (rebuilt for a hand-over). */
  private currentHead: RequestHead | undefined;
  /** Consuming mode: the head the parser stopped at, and whether it is to be handed over (else it waits). */
  private stoppedAt: RequestHead | undefined;
  private stopToHandOver = false;
  /** Consuming mode: a request is being given to `options.request` (a hand-over now stops the parser). */
  private dispatching = false;
  /** Consuming mode: a parse error behind the request being answered, answered after it. */
  private failedAfter: { err: Error; bytes: Buffer } | undefined;
  private reading = false;
  /** The last response is written but the socket's buffer is full: read nothing more until it drains. */
  private waitingDrain = false;
  private gone = false;
  /** performance.now() when the first byte of an incomplete request head arrived; 0 when none is. */
  headStartedAt = 0;
  /** performance.now() when the connection became idle (no request, nothing buffered); 0 when busy. */
  idleSince: number;

  private readonly onData: (chunk: Buffer) => void;

  private readonly options: LeanServerOptions;

  constructor(readonly socket: net.Socket, private readonly server: LeanServer) {
    this.options = server.options;
    this.onData = (chunk: Buffer) => this.received(chunk);
    const { parser: HTTPParser } = BINDING!;
    this.parser = new HTTPParser();
    this.parser.initialize(HTTPParser.REQUEST, {}, this.options.limits.maxHeaderBytes, 0);
    this.parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
      this.partialHeaders = this.partialHeaders ? this.partialHeaders.concat(headers) : headers;
      this.partialUrl += url;
    };
    this.parser[HTTPParser.kOnHeadersComplete] = (versionMajor: number, versionMinor: number, headers: string[] | undefined, method: number,
      url: string | undefined, _status: unknown, _message: unknown, upgrade: boolean, keepAlive: boolean): number => {
      const head: RequestHead = {
        versionMajor,
        versionMinor,
        raw: headers ?? this.partialHeaders ?? [],
        method,
        url: url || this.partialUrl,
        upgrade,
        keepAlive,
      };
      this.partialHeaders = undefined;
      this.partialUrl = '';
      if (this.consuming) return this.headRead(head);
      this.head = head;
      // 2: "upgrade": llhttp stops right after the head, whatever follows stays unparsed.
      return 2;
    };
    this.parser[HTTPParser.kOnExecute] = (r: number | Error) => this.executed(r, undefined);
    this.idleSince = performance.now();
    server.connections.add(this);
    socket.setNoDelay(true);
    this.consuming = streamHandle(socket) !== undefined;
    socket.on('data', this.onData); // buffering mode only: a consuming parser takes the bytes before any 'data' event
    socket.once('close', () => this.closed());
  }

  /** @internal */
  start(bytes: Buffer): void {
    if (!this.consuming) {
      if (bytes.length > 0) this.received(bytes);
      return;
    }
    if (bytes.length > 0) this.executed(this.parser.execute(bytes), bytes);
    if (this.consuming && !this.gone) this.parser.consume(streamHandle(this.socket)!);
  }

  /**
   * Consuming mode, a request head read: answered now (0: parsing goes on), or the parser stops at its end
   * (2) and `executed` hands it over or starts buffering.
   */
  private headRead(head: RequestHead): number {
    if (this.gone) return 2;
    if (this.current || this.waitingDrain) {
      this.stoppedAt = head; // pipelined behind the request being answered
      return 2;
    }
    this.headStartedAt = 0;
    this.idleSince = 0;
    const req = this.prepare(head);
    if (!req) {
      this.stoppedAt = head;
      this.stopToHandOver = true;
      return 2;
    }
    const res = this.response(head, req);
    this.setCurrent(res);
    this.currentHead = head;
    this.dispatching = true;
    try {
      this.options.request(req, res);
    } finally {
      this.dispatching = false;
    }
    return this.stoppedAt ? 2 : 0;
  }

  /** Consuming mode: after each chunk the parser read (`chunk` when it was given by hand, else the parser's own read buffer). */
  private executed(r: number | Error, chunk: Buffer | undefined): void {
    if (this.gone) return;
    if (typeof r !== 'number') {
      const bytes = chunk ?? this.parser.getCurrentBuffer();
      if (!this.current) {
        this.parseError(r, [bytes]);
        return;
      }
      // Malformed bytes pipelined behind the request being answered: the error is answered after it.
      this.failedAfter = { err: r, bytes };
      this.consuming = false;
      this.parser.unconsume();
      this.socket.pause();
      return;
    }
    const stopped = this.stoppedAt;
    if (stopped) {
      this.stoppedAt = undefined;
      const rest = (chunk ?? this.parser.getCurrentBuffer()).subarray(r);
      const bytes = rest.length > 0 ? [headBytes(stopped), rest] : [headBytes(stopped)];
      if (this.stopToHandOver) {
        this.stopToHandOver = false;
        this.setCurrent(undefined);
        this.currentHead = undefined;
        this.giveAwayBytes(bytes);
      } else {
        this.startBuffering(bytes);
      }
      return;
    }
    if (!this.parser.headersCompleted()) {
      // The chunk ended inside a request head: the header timeout runs.
      if (this.headStartedAt === 0) this.headStartedAt = performance.now();
      this.idleSince = 0;
    }
  }

  /** Leaves the consuming mode for good: `bytes` (a stopped head rebuilt, what followed it) wait for their turn. */
  private startBuffering(bytes: Buffer[]): void {
    this.consuming = false;
    this.parser.unconsume();
    this.parser.initialize(BINDING!.parser.REQUEST, {}, this.options.limits.maxHeaderBytes, 0);
    this.buffered = bytes;
    this.bufferedBytes = 0;
    for (const b of bytes) this.bufferedBytes += b.length;
    this.parsedChunks = 0;
    if (this.current || this.waitingDrain) {
      if (this.bufferedBytes > MAX_WAITING_BYTES) this.socket.destroy();
      return;
    }
    this.readHeads();
  }

  private received(chunk: Buffer): void {
    if (this.gone) return;
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.current || this.waitingDrain) {
      if (this.bufferedBytes > MAX_WAITING_BYTES) this.socket.destroy();
      return;
    }
    this.readHeads();
  }

  /** Buffering mode: feeds buffered chunks to the parser until a request head is complete (then answers it) or the bytes run out. */
  private readHeads(): void {
    if (this.reading || this.consuming) return; // re-entered from a response finished synchronously: the loop below goes on
    this.reading = true;
    try {
      while (!this.gone && !this.current && !this.waitingDrain && this.parsedChunks < this.buffered.length) {
        const chunk = this.buffered[this.parsedChunks];
        const r = this.parser.execute(chunk);
        if (typeof r !== 'number') {
          this.parseError(r, this.buffered);
          return;
        }
        if (!this.head) {
          this.parsedChunks++;
          if (this.headStartedAt === 0) this.headStartedAt = performance.now();
          this.idleSince = 0;
          continue;
        }
        // The head ends at `r` in this chunk: what follows belongs to the next request.
        const head = this.head;
        this.head = undefined;
        const requestBytes = this.buffered.slice(0, this.parsedChunks + 1);
        const rest = chunk.subarray(r);
        const after = this.buffered.slice(this.parsedChunks + 1);
        this.dispatch(head, requestBytes, rest, after);
      }
    } finally {
      this.reading = false;
    }
  }

  /** The response to a request of `head` (it closes the connection after it when the client or a draining listener asks). */
  private response(head: RequestHead, req: LeanRequest): LeanResponse {
    return new LeanResponse(this, this.socket, head.keepAlive && !this.server.draining, req.method === 'HEAD');
  }

  /** The request of a head the lean server answers; undefined for one it hands over. */
  private prepare(head: RequestHead): LeanRequest | undefined {
    const method = LEAN_METHODS[head.method] as string | undefined;
    if (head.versionMajor !== 1 || head.versionMinor !== 1 || head.upgrade || method === undefined) return undefined;
    const headers: Record<string, string> = {};
    const raw = head.raw;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const value = raw[i + 1];
      // Repeated names: Node's own joining rules apply.
      if (headers[name] !== undefined || name === '__proto__') return undefined;
      if ((name === 'content-length' && value !== '0') || name === 'transfer-encoding' || name === 'expect' || name === 'upgrade') return undefined;
      headers[name] = value;
    }
    const req: LeanRequest = {
      [LEAN]: true,
      method,
      url: head.url,
      httpVersion: '1.1',
      httpVersionMajor: 1,
      httpVersionMinor: 1,
      headers,
      rawHeaders: raw,
      socket: this.socket,
    };
    return req;
  }

  private dispatch(head: RequestHead, requestBytes: Buffer[], rest: Buffer, after: Buffer[]): void {
    // Parsing restarts at the next request: the bytes after this head wait in `buffered`.
    this.buffered = rest.length > 0 ? [rest, ...after] : after;
    this.bufferedBytes = 0;
    for (const b of this.buffered) this.bufferedBytes += b.length;
    this.parsedChunks = 0;
    this.headStartedAt = 0;
    this.idleSince = 0;
    this.parser.initialize(BINDING!.parser.REQUEST, {}, this.options.limits.maxHeaderBytes, 0);
    const req = this.prepare(head);
    if (!req) {
      this.giveAway(requestBytes, rest);
      return;
    }
    const res = this.response(head, req);
    this.setCurrent(res);
    this.currentBytes = requestBytes;
    this.currentRest = rest;
    this.options.request(req, res);
  }

  /** The request being answered changes (the server counts requests in flight). */
  private setCurrent(res: LeanResponse | undefined): void {
    if (this.current === res) return;
    if (!this.current) this.server.inFlight++;
    else if (!res) this.server.inFlight--;
    this.current = res;
  }

  /** Draining: the response in progress, if its head is not written yet, asks the client to close. */
  drain(): void {
    if (this.current && !this.current.headersSent) this.current.setHeader('connection', 'close');
  }

  /** @internal the current request goes to Node's server (LeanResponse.handOver). */
  handOver(): void {
    if (this.consuming) {
      // The parser has not read past this head yet: it stops there, and the bytes go once it returns.
      if (!this.dispatching) throw new Error('internal: a lean request can only be handed over while it is being dispatched');
      this.stoppedAt = this.currentHead;
      this.stopToHandOver = true;
      this.setCurrent(undefined);
      this.currentHead = undefined;
      return;
    }
    const bytes = this.currentBytes ?? [];
    const rest = this.currentRest ?? Buffer.alloc(0);
    this.setCurrent(undefined);
    this.giveAway(bytes, rest);
  }

  private giveAway(requestBytes: Buffer[], rest: Buffer): void {
    // requestBytes' last chunk holds `rest` at its end, and `buffered` starts with `rest`: count it once.
    this.giveAwayBytes(rest.length > 0 ? [...requestBytes, ...this.buffered.slice(1)] : [...requestBytes, ...this.buffered]);
  }

  private giveAwayBytes(chunks: Buffer[]): void {
    this.leave();
    this.options.handOver(this.socket, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  }

  /** @internal the current response is written. */
  finished(res: LeanResponse, close: boolean): void {
    if (res !== this.current) return;
    this.setCurrent(undefined);
    this.currentBytes = undefined;
    this.currentRest = undefined;
    this.currentHead = undefined;
    if (close) {
      this.leave();
      this.socket.end();
      return;
    }
    if (this.failedAfter) {
      this.parseError(this.failedAfter.err, [this.failedAfter.bytes]);
      return;
    }
    if (this.socket.writableNeedDrain) {
      // A client that does not read its answers: stop reading its requests (TCP pushes back) until it does.
      this.waitingDrain = true;
      if (this.consuming) setReading(this.socket, false);
      else this.socket.pause();
      this.socket.once('drain', () => {
        this.waitingDrain = false;
        if (this.gone) return;
        if (this.consuming) setReading(this.socket, true);
        else this.socket.resume();
        if (this.bufferedBytes === 0) this.idleSince = performance.now();
        this.readHeads();
      });
      return;
    }
    if (this.bufferedBytes === 0) this.idleSince = performance.now();
    this.readHeads();
  }

  private parseError(err: Error, bytes: Buffer[]): void {
    (err as any).rawPacket = bytes.length === 1 ? bytes[0] : Buffer.concat(bytes);
    this.leave();
    answerClientError(err, this.socket, this.options.limits);
  }

  /** The sweep: 408 for a request head not complete in time, close for a keep-alive connection idle too long. */
  check(now: number): void {
    if (this.current || this.gone || this.waitingDrain) return;
    if (this.headStartedAt > 0 && now - this.headStartedAt > this.options.limits.headerTimeoutMs) {
      this.leave();
      answerClientError({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }, this.socket, this.options.limits);
    } else if (this.idleSince > 0 && now - this.idleSince > KEEP_ALIVE_TIMEOUT_MS) {
      this.leave();
      this.socket.destroy();
    }
  }

  /** Stops reading: the connection closes or moves to Node's server. */
  private leave(): void {
    if (this.gone) return;
    this.gone = true;
    this.server.connections.delete(this);
    this.socket.off('data', this.onData);
    this.release();
  }

  /**
   * Lets go of the parser: the socket's bytes go back to its 'data' events, and the parser is closed once
   * the call stack it may be on (one of its own callbacks) has unwound, as Node's server does.
   */
  private release(): void {
    if (this.consuming) {
      this.consuming = false;
      this.parser.unconsume();
    }
    setImmediate(closeParser, this.parser);
  }

  private closed(): void {
    const res = this.current;
    this.setCurrent(undefined);
    if (!this.gone) {
      this.gone = true;
      this.server.connections.delete(this);
      this.socket.off('data', this.onData);
      this.release();
    }
    res?.emitClose();
  }

  /** Closes the connection if no request is being answered (a listener draining). */
  closeIdle(): void {
    if (!this.current) this.socket.destroy();
  }
}

function closeParser(parser: Parser): void {
  parser.close();
}

/** The lean server of one listener socket: `serve` each accepted socket (after the protocol sniffing). */
export class LeanServer {
  /** @internal connections reading requests */
  readonly connections = new Set<LeanConnection>();
  /** Requests being answered (one at most per connection). */
  inFlight = 0;
  /** Set by `drain()`: every response from now on closes its connection. */
  draining = false;
  private readonly sweep: NodeJS.Timeout;

  constructor(readonly options: LeanServerOptions, checkIntervalMs: number) {
    this.sweep = setInterval(() => {
      const now = performance.now();
      for (const c of [...this.connections]) c.check(now);
    }, checkIntervalMs);
    this.sweep.unref();
  }

  /** Reads requests from `socket` (flowing); `bytes` were read from it already (the sniffed first bytes). */
  serve(socket: net.Socket, bytes: Buffer): void {
    new LeanConnection(socket, this).start(bytes);
  }

  /**
   * The listener is draining, as Node's server on close: connections between requests are closed at once,
   * and responses not yet started, and all later ones, carry `Connection: close`.
   */
  drain(): void {
    this.draining = true;
    for (const c of [...this.connections]) {
      c.drain();
      c.closeIdle();
    }
  }

  /** Connections reading requests (not handed over). */
  get size(): number {
    return this.connections.size;
  }

  /** Stops the sweep. */
  close(): void {
    clearInterval(this.sweep);
  }
}
