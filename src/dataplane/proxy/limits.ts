/**
 * Connection-level limits of the listener sockets, in one place: Node's own HTTP/1.1 parser and
 * HTTP/2 session settings where they fit, and small guards where they do not.
 *
 * - HTTP/1.1: the strict parser (`insecureHTTPParser: false`: no Content-Length with Transfer-Encoding,
 *   no duplicate Content-Length, no obs-fold, no bare LF or CR, no control characters in names or values),
 *   `maxHeaderSize` for the request line plus headers, `headersTimeout` checked every 50 ms to 1 s.
 * - Parse errors are answered in one place (`answerClientError`): 408 header timeout, 414 request line
 *   too long, 431 headers too large, 400 otherwise; always with `connection: close`, and never in the
 *   middle of a response already started.
 * - A connection must send its first bytes within the header timeout (the HTTP/2 preface sniffing and
 *   the TLS handshake included).
 * - HTTP/2: `maxConcurrentStreams` advertised and enforced, `maxSessionRejectedStreams` and
 *   `maxSessionInvalidFrames` end flooding sessions, `maxHeaderListSize` bounds a header block, and
 *   `guardH2Session` ends a session whose client resets most of its streams before their answer
 *   (the "rapid reset" pattern, CVE-2023-44487).
 * - `ConnectionLimiter`: connections open at once over every listener socket of the process.
 * - `Http1Pipeline`: pipelined HTTP/1.1 requests are handled one at a time per connection.
 * - `RegexBudget`: the share of the event loop that regex matches on long inputs may take.
 * - The `serve` flags of all of these (`LIMITS_USAGE`, `parseLimitFlag`).
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import { DEFAULT_MAX_URI_BYTES } from '../engine/path-policy';
import type { RegexGuard } from '../engine/util';

export interface ConnectionLimits {
  /** Request line plus header fields (HTTP/1.1), header list (HTTP/2), in bytes. */
  readonly maxHeaderBytes: number;
  /** Request-target (path plus query) in bytes; longer gets 414. */
  readonly maxUriBytes: number;
  /** Time a client has to send a complete request head (and its first bytes, and the TLS handshake). */
  readonly headerTimeoutMs: number;
  /** Client connections open at once over every listener socket. */
  readonly maxConnections: number;
  /** Streams open at once on one HTTP/2 connection. */
  readonly maxConcurrentStreams: number;
  /**
   * HTTP/2: a connection whose client has reset this many streams before their answer, more than half
   * of all its streams, is closed with GOAWAY ENHANCE_YOUR_CALM.
   */
  readonly maxPrematureResets: number;
  /**
   * Milliseconds per second that regular-expression matches on inputs of 1 KiB or more may take (then
   * 503 for the requests that need one); 0 = unlimited.
   */
  readonly regexBudgetMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxHeaderBytes: 16 * 1024,
  maxUriBytes: DEFAULT_MAX_URI_BYTES,
  headerTimeoutMs: 10_000,
  maxConnections: 10_000,
  maxConcurrentStreams: 100,
  maxPrematureResets: 100,
  regexBudgetMs: 5,
};

/** Options of the HTTP/1.1 server of a cleartext listener. */
export function h1ServerOptions(limits: ConnectionLimits): http.ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    insecureHTTPParser: false,
    requireHostHeader: true,
    headersTimeout: limits.headerTimeoutMs,
    // requestTimeout 0: long uploads and streams are bounded by the route's timeouts, not by the transport.
    requestTimeout: 0,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headerTimeoutMs / 4))),
  };
}

/** Options (and SETTINGS) of the HTTP/2 servers of every listener. */
export function h2ServerOptions(limits: ConnectionLimits): http2.ServerOptions {
  return {
    maxSessionInvalidFrames: 100,
    maxSessionRejectedStreams: 100,
    maxHeaderListPairs: 256,
    // The handshake (TLS) and the first bytes must come within the header timeout.
    unknownProtocolTimeout: limits.headerTimeoutMs,
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderBytes,
    },
  };
}

/**
 * The HTTP/1.1 settings of a TLS listener (an `http2.createSecureServer` with `allowHTTP1`), which
 * takes no http.ServerOptions: the same header timeout and checking interval as cleartext.
 */
export function applyH1Timeouts(server: net.Server, limits: ConnectionLimits): void {
  const s = server as any;
  const o = h1ServerOptions(limits);
  s.headersTimeout = o.headersTimeout;
  s.requestTimeout = 0;
  s.connectionsCheckingInterval = o.connectionsCheckingInterval;
  s.maxHeaderSize = limits.maxHeaderBytes;
  s.maxHeadersCount = 0;
}

/**
 * Settings of an HTTP/1.1 server that are properties rather than options: no `maxHeadersCount` (Node
 * would drop the fields after the 2,000th unseen; the request guard counts them and answers 431).
 */
export function applyH1Properties(server: http.Server): void {
  server.maxHeadersCount = 0;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

/** Status and message for an HTTP/1.1 parse error (Node's `clientError`). */
export function clientErrorStatus(err: any, limits: ConnectionLimits): { status: number; message: string } {
  const code: string = err?.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, message: `the request head was not complete within ${limits.headerTimeoutMs} ms` };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    const raw: Buffer | undefined = err?.rawPacket;
    const eol = raw ? raw.indexOf(0x0a) : -1;
    const lineTooLong = raw !== undefined && (eol < 0 ? raw.length > limits.maxUriBytes : eol > limits.maxUriBytes);
    return lineTooLong
      ? { status: 414, message: `the request line is longer than ${limits.maxUriBytes} bytes` }
      : { status: 431, message: `the request head is larger than ${limits.maxHeaderBytes} bytes` };
  }
  const reason = String(err?.reason ?? err?.message ?? 'malformed request').replace(/[^\x20-\x7e]/g, '');
  return { status: 400, message: `malformed HTTP/1.1 request (${code || 'parse error'}: ${reason})` };
}

/**
 * Answers a parse error and closes the connection. Requests read before it on the same connection are
 * answered first, in order (`pipeline`), then the error; when the error is in the body of a request
 * being answered, that answer is cut if it has started, else the error replaces it. Bytes after a request that closes its connection (`Connection: close`, HTTP/1.0
 * without keep-alive) are not an error: they are ignored, and the answer to that request, in progress,
 * is left to finish.
 */
export function answerClientError(err: any, socket: net.Socket, limits: ConnectionLimits, pipeline: Http1Pipeline): void {
  const inProgress = pipeline.inProgress(socket);
  if (err?.code === 'HPE_CLOSED_CONNECTION') {
    socket.pause();
    if (!inProgress) socket.destroy();
    return;
  }
  if (!socket.writable || err?.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const { status, message } = clientErrorStatus(err, limits);
  if (inProgress && pipeline.lastRequestComplete(socket)) {
    // An error in the head of a request after complete ones: nothing more is read; the answers due
    // are written, then this one. (An error in a body being forwarded cuts that request, below.)
    socket.pause();
    pipeline.whenIdle(socket, () => {
      if (socket.writable) writeAndClose(socket, status, message);
      else socket.destroy();
    });
    return;
  }
  if (pipeline.responseStarted(socket)) {
    socket.destroy();
    return;
  }
  writeAndClose(socket, status, message);
}

/** `CONNECT` over HTTP/1.1: 405, the gateway opens no tunnels. */
export function answerConnect(socket: net.Socket): void {
  writeAndClose(socket, 405, 'CONNECT is not supported: this gateway does not open tunnels', { allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' });
}

function writeAndClose(socket: net.Socket, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = `${message}\n`;
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`);
  // A client that never reads must not keep the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** Closes a connection that sends nothing (or not enough to tell its protocol) within the header timeout. */
export function firstBytesDeadline(socket: net.Socket, limits: ConnectionLimits): () => void {
  const timer = setTimeout(() => socket.destroy(), limits.headerTimeoutMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  return () => clearTimeout(timer);
}

/**
 * Counts the streams of an HTTP/2 session and those closed before their response headers (reset by the client);
 * past `maxPrematureResets` (and more than half of the streams) the session is closed with GOAWAY
 * ENHANCE_YOUR_CALM and destroyed. A session without an open stream for the header timeout is closed
 * gracefully (GOAWAY NO_ERROR).
 */
export function guardH2Session(session: http2.ServerHttp2Session, limits: ConnectionLimits, onAbuse?: () => void): void {
  let streams = 0;
  let premature = 0;
  let closed = false;
  // No open stream for the header timeout: GOAWAY (an idle HTTP/1.1 connection is closed after 5 s). This
  // also cuts off a client that dribbles a header block in CONTINUATION frames (no stream exists yet).
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (idle) clearTimeout(idle);
    idle = undefined;
    if (open > 0 || session.closed || session.destroyed) return;
    idle = setTimeout(() => {
      if (open > 0 || session.closed || session.destroyed) return;
      session.close();
      // close() waits for streams the client has begun but not finished announcing (a header block
      // still in CONTINUATION frames): give the GOAWAY a moment, then end the connection.
      setTimeout(() => {
        if (open === 0 && !session.destroyed) session.destroy();
      }, 200).unref();
    }, limits.headerTimeoutMs);
    idle.unref();
  };
  session.once('close', () => {
    if (idle) clearTimeout(idle);
  });
  armIdle();
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    streams++;
    open++;
    armIdle();
    stream.once('close', () => {
      open--;
      armIdle();
      // Closed before any response headers: reset by the client (whatever the error code), since the
      // gateway answers every stream it gives up on with a status, unless its client is gone already.
      if (closed || stream.headersSent) return;
      premature++;
      if (premature >= limits.maxPrematureResets && premature * 2 > streams) {
        closed = true;
        onAbuse?.();
        try {
          session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
        } catch {
          // already closing
        }
        setImmediate(() => session.destroy());
      }
    });
  });
}

/** Client connections open at once, over every listener socket that shares this limiter. */
export class ConnectionLimiter {
  private open = 0;
  private refusedCount = 0;

  constructor(readonly max: number) {}

  /** Connections open now. */
  get current(): number {
    return this.open;
  }

  /** Connections closed at once because the limit was reached. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Counts the socket until it closes; false (and the socket destroyed) when the limit is reached. */
  admit(socket: net.Socket): boolean {
    if (this.open >= this.max) {
      this.refusedCount++;
      socket.destroy();
      return false;
    }
    this.open++;
    socket.once('close', () => this.open--);
    return true;
  }
}

/**
 * Starts Node's header-timeout checks on an HTTP/1.1 server that never listens itself (the cleartext
 * listener hands it sockets after sniffing the protocol): Node starts them on 'listening'. Returns
 * the function that stops them.
 */
export function startHeaderTimeouts(server: http.Server): () => void {
  server.emit('listening');
  return () => {
    try {
      server.close();
    } catch {
      // never listened: nothing else to close
    }
  };
}

/** The `serve` flags of the limits, for its usage text. */
export const LIMITS_USAGE = `  --max-connections N  client connections open at once over every listener; more are closed at once;
                       default ${DEFAULT_LIMITS.maxConnections}.
  --max-header-size BYTES
                       request line plus headers (HTTP/1.1: 414 when the line is too long, else 431),
                       HTTP/2 header list; default ${DEFAULT_LIMITS.maxHeaderBytes}.
  --max-uri-length BYTES
                       request-target (path and query); longer gets 414; default ${DEFAULT_LIMITS.maxUriBytes}.
  --header-timeout DURATION
                       time a client has for its first bytes, the TLS handshake and a complete request
                       head; then 408 and the connection is closed; default ${DEFAULT_LIMITS.headerTimeoutMs / 1000}s.
  --max-concurrent-streams N
                       streams open at once on one HTTP/2 connection; default ${DEFAULT_LIMITS.maxConcurrentStreams}.
  --max-premature-resets N
                       an HTTP/2 connection whose client resets this many streams before their answer
                       (and more than half of its streams) is closed (rapid reset); default ${DEFAULT_LIMITS.maxPrematureResets}.
  --regex-budget DURATION
                       event-loop time per second that regular-expression matches on paths, headers or
                       query values of 1 KiB or more may take; past it such requests get 503; 0s = no
                       limit; default ${DEFAULT_LIMITS.regexBudgetMs}ms.`;

const INTEGER_FLAGS: Record<string, { key: keyof ConnectionLimits; min: number; max: number }> = {
  '--max-connections': { key: 'maxConnections', min: 1, max: 1_000_000 },
  '--max-header-size': { key: 'maxHeaderBytes', min: 1024, max: 1024 * 1024 },
  '--max-uri-length': { key: 'maxUriBytes', min: 64, max: 1024 * 1024 },
  '--max-concurrent-streams': { key: 'maxConcurrentStreams', min: 1, max: 10_000 },
  '--max-premature-resets': { key: 'maxPrematureResets', min: 1, max: 1_000_000 },
};

/**
 * If `flag` is one of the limit flags, records `value()` in `limits` and returns true. Throws an Error
 * whose message names the flag, the value and the accepted range.
 */
export function parseLimitFlag(
  flag: string,
  value: () => string,
  limits: { -readonly [K in keyof ConnectionLimits]?: number },
  parseDuration: (text: string, what: string) => number,
): boolean {
  if (flag === '--regex-budget') {
    const ms = parseDuration(value(), flag);
    if (ms > 1000) throw new Error(`${flag}: must be at most 1s (it is a share of each second)`);
    limits.regexBudgetMs = ms;
    return true;
  }
  if (flag === '--header-timeout') {
    const ms = parseDuration(value(), flag);
    if (ms < 100 || ms > 3_600_000) throw new Error(`${flag}: must be between 100ms and 1h`);
    limits.headerTimeoutMs = ms;
    return true;
  }
  const spec = INTEGER_FLAGS[flag];
  if (!spec) return false;
  const text = value();
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= spec.min && n <= spec.max)) throw new Error(`${flag}: '${text}' must be an integer from ${spec.min} to ${spec.max}`);
  limits[spec.key] = n;
  return true;
}

/**
 * The regex guard `serve` installs: a token bucket of milliseconds. Matches on inputs of `longInput`
 * characters or more (1 KiB: ordinary paths and header values are shorter and never metered) may
 * spend `msPerSecond` of the event loop per second, in bursts of up to one second's worth; past that,
 * requests whose routing needs such a match are answered 503 until the bucket refills.
 */
export class RegexBudget implements RegexGuard {
  readonly longInput = 1024;
  private tokens: number;
  private last = performance.now();
  private refusedCount = 0;

  constructor(private readonly msPerSecond: number) {
    this.tokens = msPerSecond;
  }

  /** Matches refused so far. */
  get refused(): number {
    return this.refusedCount;
  }

  admit(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.msPerSecond, this.tokens + ((now - this.last) / 1000) * this.msPerSecond);
    this.last = now;
    if (this.tokens > 0) return true;
    this.refusedCount++;
    return false;
  }

  spent(ms: number): void {
    this.tokens -= ms;
  }
}

/** Pipelined HTTP/1.1 requests a connection may have waiting behind the one being handled; more close it. */
export const MAX_PIPELINED = 64;

interface PipelineQueue {
  busy: boolean;
  /** A response that closes the connection was done: nothing after it is handled. */
  closing: boolean;
  waiting: { go: () => void; abandon: () => void }[];
  /** Run once no request is in progress or waiting (`whenIdle`). */
  idle: (() => void)[];
  /** The last request read. */
  last: http.IncomingMessage | undefined;
  /** The response being written. */
  current: http.ServerResponse | undefined;
}

/** Whether a response ends its connection: the request asked for it, or the response says `Connection: close`. */
function closesConnection(res: http.ServerResponse): boolean {
  if (!res.shouldKeepAlive) return true;
  const c = res.getHeader('connection');
  return c !== undefined && /(^|,)\s*close\s*(,|$)/i.test(String(c));
}

/**
 * HTTP/1.1 pipelining: the requests of one connection are handled one at a time, in order, as Envoy
 * and nginx do (Node's server would start them all at once: one packet of 2,000 pipelined requests
 * would open 2,000 upstream requests). A connection with more than MAX_PIPELINED requests waiting is
 * closed. Requests waiting behind a response that closes the connection (`Connection: close`: a
 * refusal, a client's own close) are never handled.
 */
export class Http1Pipeline {
  private readonly queues = new WeakMap<net.Socket, PipelineQueue>();

  /** Whether a request of the connection is being answered or waits for its turn. */
  inProgress(socket: net.Socket): boolean {
    const q = this.queues.get(socket);
    return q !== undefined && (q.busy || q.waiting.length > 0);
  }

  /** Whether the response being written on the connection has sent its head. */
  responseStarted(socket: net.Socket): boolean {
    return this.queues.get(socket)?.current?.headersSent === true;
  }

  /** Whether the last request read on the connection was read completely (its body included); true when none was. */
  lastRequestComplete(socket: net.Socket): boolean {
    return this.queues.get(socket)?.last?.complete ?? true;
  }

  /**
   * Runs `fn` once every request of the connection read so far has its response done (now, if none is
   * in progress); never when one of them closes the connection.
   */
  whenIdle(socket: net.Socket, fn: () => void): void {
    const q = this.queues.get(socket);
    if (!q || (!q.busy && q.waiting.length === 0)) {
      fn();
    } else if (!q.closing) {
      q.idle.push(fn);
    }
  }

  /**
   * The connection's queue, created on its first request. Its own method: a closure created in `run`
   * would share run's context, and the socket's 'close' listener would keep the first request and
   * response of the connection alive for as long as the connection lives.
   */
  private open(socket: net.Socket): PipelineQueue {
    const created: PipelineQueue = { busy: false, closing: false, waiting: [], idle: [], last: undefined, current: undefined };
    socket.once('close', () => {
      const dropped = created.waiting.splice(0);
      for (const w of dropped) w.abandon();
    });
    this.queues.set(socket, created);
    return created;
  }

  /**
   * Runs `start` now, or once the earlier requests of the same connection have their response done;
   * `abandon` instead when the connection closes first (the request is then never handled).
   */
  run(socket: net.Socket, res: http.ServerResponse, start: () => void, abandon: () => void): void {
    const queue = this.queues.get(socket) ?? this.open(socket);
    queue.last = res.req;
    const go = () => {
      if (socket.destroyed || queue.closing) {
        abandon();
        return;
      }
      queue.busy = true;
      queue.current = res;
      let finished = false;
      const next = () => {
        if (finished) return;
        finished = true;
        queue.busy = false;
        queue.current = undefined;
        // The response ended the connection: what was pipelined behind it is dropped.
        if (closesConnection(res)) {
          queue.closing = true;
          queue.idle.length = 0;
          for (const w of queue.waiting.splice(0)) w.abandon();
          return;
        }
        const following = queue.waiting.shift();
        if (following) following.go();
        else for (const fn of queue.idle.splice(0)) fn();
      };
      // 'close' ends every response (one tick after 'finish' on a kept-alive connection).
      res.once('close', next);
      start();
    };
    if (queue.closing) {
      abandon();
    } else if (!queue.busy) {
      go();
    } else if (queue.waiting.length >= MAX_PIPELINED) {
      abandon();
      socket.destroy();
    } else {
      queue.waiting.push({ go, abandon });
    }
  }
}
