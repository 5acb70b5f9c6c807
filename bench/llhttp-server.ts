/* eslint-disable import/no-extraneous-dependencies */ // bench/ is not shipped; its tools are dev dependencies
/**
 * A minimal HTTP/1.1 server on `net.createServer` whose request parser is the llhttp WebAssembly that undici
 * ships (the parser undici's own client runs in response mode, here allocated in request mode): the candidate
 * for the gateway's client side measured against Node's `http` server (bench/floor.ts, `"server": "llhttp"`;
 * `bench/run.ts --candidates`). On Node 24 at 10 rules, the floor on it took 33.7-35.9 µs of CPU per request
 * against 43.8-45.7 µs on Node's server, in four runs on the shared 2-core machine.
 *
 * What it does: one parser per connection; keep-alive; pipelined requests answered in order (at most
 * PIPELINE_LIMIT waiting, then the socket is paused); a request is handed over once complete (its body, if any,
 * buffered up to MAX_BODY); a response is written as one `socket.write` of the head and the body when the body
 * arrives in one piece with its Content-Length, chunked when the length is unknown.
 * What it refuses, with an answer and `Connection: close`, reading nothing more from the connection: whatever
 * llhttp refuses (bad request line, unknown or lowercase method, header syntax, obs-fold, bare CR or LF, control
 * characters, Transfer-Encoding with Content-Length, duplicate Content-Length, a Transfer-Encoding not ending in
 * chunked, bad chunk framing, ...) with 400; an HTTP/1.1 request without exactly one Host with 400; a head above
 * MAX_HEAD bytes with 431; a body above MAX_BODY with 413; a version other than 1.x (`HTTP/2.0`, HTTP/0.9) with
 * 505. An Upgrade or CONNECT request is answered like any other and the connection closed after it (no tunnels).
 * A request head not complete within HEADERS_TIMEOUT_MS gets 408; a connection idle for IDLE_MS is closed.
 */
import * as net from 'net';
import * as constants from 'undici/lib/llhttp/constants.js';

/** Requests parsed but not yet answered on one connection before it stops reading. */
export const PIPELINE_LIMIT = 16;
/** Request line plus header lines, in bytes (Node's default `maxHeaderSize`). */
export const MAX_HEAD = 16 * 1024;
/** A request body buffered before the request is handed over. */
export const MAX_BODY = 1024 * 1024;
/** A connection with no traffic for this long is closed (Node's default `keepAliveTimeout`). */
export const IDLE_MS = 5_000;
/** How long a connection being closed after an answer still reads (and drops) what the client sends. */
export const LINGER_MS = 2_000;
/** A request head (from its first byte, or from the connection for the first one) must be complete this soon (Node's default). */
export const HEADERS_TIMEOUT_MS = 60_000;

export interface LlhttpServerOptions {
  /** Default HEADERS_TIMEOUT_MS. */
  readonly headersTimeoutMs?: number;
  /** How often heads in progress are checked against the timeout (default 1 s; Node's server checks every 30 s). */
  readonly checkEveryMs?: number;
  /** The clock the timeout is measured with (default Date.now). */
  readonly now?: () => number;
}

/** One parsed request. */
export interface LlhttpRequest {
  readonly method: string;
  /** The request-target as sent. */
  readonly url: string;
  /** `[name, value, name, value, ...]` as sent (Node's `rawHeaders` shape). */
  readonly rawHeaders: string[];
  /** The (single) Host value; '' for an HTTP/1.0 request without one. */
  readonly host: string;
  readonly httpMinor: number;
  /** The buffered body, or undefined when there was none. */
  readonly body: Buffer | undefined;
  readonly remoteAddress: string | undefined;
}

/** The answer to one request; written to the socket in request order. */
export interface LlhttpResponse {
  /** The head: names lowercase (or any case), values strings or arrays; framing headers are the server's. */
  writeHead(status: number, headers: Record<string, string | string[] | undefined>): void;
  /** A body chunk; false when the socket's buffer is full (wait for `onDrain`). */
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): void;
  /** Gives up: the connection is closed (the answer is cut). */
  destroy(): void;
  /** Called once when the socket's buffer drains after `write` returned false. */
  onDrain(fn: () => void): void;
  /** Called once when the connection closes before this answer ended. */
  onAbort(fn: () => void): void;
}

export type LlhttpHandler = (req: LlhttpRequest, res: LlhttpResponse) => void;

// ------------------------------------------------------------------ the WebAssembly parser

/** The part of the WebAssembly global it uses (the project's TypeScript lib has no WebAssembly types). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

interface LlhttpExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  llhttp_alloc(type: number): number;
  llhttp_free(ptr: number): void;
  llhttp_execute(ptr: number, data: number, len: number): number;
  llhttp_resume(ptr: number): void;
  llhttp_get_method(ptr: number): number;
  llhttp_get_http_minor(ptr: number): number;
  llhttp_get_http_major(ptr: number): number;
  llhttp_get_error_pos(ptr: number): number;
  llhttp_get_error_reason(ptr: number): number;
  malloc(size: number): number;
  free(ptr: number): void;
}

const ERR = constants.ERROR;
const METHOD_NAMES: string[] = [];
for (const [name, code] of Object.entries(constants.METHODS)) METHOD_NAMES[code] = name;
const ERROR_NAMES: string[] = [];
for (const [name, code] of Object.entries(ERR)) ERROR_NAMES[code] = `HPE_${name}`;

/** The parser whose callbacks are running (llhttp_execute is synchronous and never re-entered). */
let current: Connection | undefined;
/** The chunk being parsed and where it sits in WebAssembly memory. */
let currentChunk: Buffer = Buffer.alloc(0);
let chunkPtr = 0;
let chunkCapacity = 0;

function instantiate(): LlhttpExports {
  // a span callback's `at` is an address in WebAssembly memory: minus chunkPtr, an offset in currentChunk
  const imports = {
    env: {
      wasm_on_message_begin: () => current!.onMessageBegin(),
      wasm_on_url: (_p: number, at: number, len: number) => current!.onUrl(at - chunkPtr, len),
      wasm_on_status: () => 0,
      wasm_on_header_field: (_p: number, at: number, len: number) => current!.onHeaderField(at - chunkPtr, len),
      wasm_on_header_value: (_p: number, at: number, len: number) => current!.onHeaderValue(at - chunkPtr, len),
      wasm_on_headers_complete: (_p: number, _status: number, upgrade: number, keepAlive: number) =>
        current!.onHeadersComplete(upgrade === 1, keepAlive === 1),
      wasm_on_body: (_p: number, at: number, len: number) => current!.onBody(at - chunkPtr, len),
      wasm_on_message_complete: () => current!.onMessageComplete(),
    },
  };
  let mod: object;
  try {
    // SIMD when the CPU and Node have it, as undici's client does
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = new WebAssemblyApi.Module(require('undici/lib/llhttp/llhttp_simd-wasm.js'));
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = new WebAssemblyApi.Module(require('undici/lib/llhttp/llhttp-wasm.js'));
  }
  return new WebAssemblyApi.Instance(mod, imports).exports as LlhttpExports;
}

let llhttp: LlhttpExports | undefined;

/** What the parser says about the request it refused. */
function errorReason(ptr: number): string {
  const at = llhttp!.llhttp_get_error_reason(ptr);
  if (!at) return '';
  const mem = new Uint8Array(llhttp!.memory.buffer);
  const end = mem.indexOf(0, at);
  return Buffer.from(mem.buffer, at, end - at).toString('latin1');
}

// ------------------------------------------------------------------ connections

const REASONS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 431: 'Request Header Fields Too Large', 505: 'HTTP Version Not Supported' };

function reason(status: number): string {
  return REASONS[status] ?? (status < 300 ? 'OK' : status < 400 ? 'Redirect' : status < 500 ? 'Client Error' : 'Server Error');
}

const enum Last { None, Field, Value }

/** One request being parsed. */
class Connection {
  private readonly ptr: number;
  // the message being parsed
  private url = '';
  private raw: string[] = [];
  private host = '';
  private last = Last.None;
  private headSize = 0;
  private body: Buffer[] | undefined;
  private bodySize = 0;
  private keepAlive = true;
  /** Set by a callback that refuses the message: the status to answer and why. */
  private refusal = 0;
  private refusalWhy = '';
  /** Requests completed by the current llhttp_execute and their answers, handed over after it returns. */
  private readonly parsed: Array<[LlhttpRequest, Answer]> = [];
  /** Answers in request order; the first one writes to the socket, the others buffer. */
  readonly queue: Answer[] = [];
  /** Bytes not parsed yet while the pipeline is full. */
  private held: Buffer | undefined;
  /** No more reading: an answer closes the connection, or it is closed. */
  private done = false;
  private freed = false;
  /** Closed, or its write side ended after an answer with Connection: close: nothing more is written. */
  closed = false;
  /** When the head being read began (-1: none is being read). */
  headSince: number;

  constructor(readonly socket: net.Socket, private readonly handler: LlhttpHandler, private readonly now: () => number,
    private readonly live: Set<Connection>) {
    this.headSince = now();
    live.add(this);
    this.ptr = llhttp!.llhttp_alloc(constants.TYPE.REQUEST);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.execute(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
  }

  // ---- llhttp callbacks (return 0 to go on, an error code to stop)

  onMessageBegin(): number {
    if (this.headSince < 0) this.headSince = this.now();
    this.url = '';
    this.raw = [];
    this.last = Last.None;
    this.headSize = 0;
    this.body = undefined;
    this.bodySize = 0;
    return 0;
  }

  onUrl(start: number, len: number): number {
    this.url += currentChunk.toString('latin1', start, start + len);
    return this.grow(len);
  }

  onHeaderField(start: number, len: number): number {
    const s = currentChunk.toString('latin1', start, start + len);
    if (this.last === Last.Field) this.raw[this.raw.length - 1] += s;
    else this.raw.push(s, '');
    this.last = Last.Field;
    return this.grow(len);
  }

  onHeaderValue(start: number, len: number): number {
    this.raw[this.raw.length - 1] += currentChunk.toString('latin1', start, start + len);
    this.last = Last.Value;
    return this.grow(len);
  }

  private grow(len: number): number {
    this.headSize += len;
    return this.headSize <= MAX_HEAD ? 0 : this.refuseIn(431, `the request head is larger than ${MAX_HEAD} bytes`);
  }

  /** A callback's refusal: llhttp stops with HPE_USER and `execute` answers `status`. */
  private refuseIn(status: number, why: string): number {
    this.refusal = status;
    this.refusalWhy = why;
    return ERR.USER;
  }

  onHeadersComplete(upgrade: boolean, keepAlive: boolean): number {
    this.headSince = -1;
    // an Upgrade or CONNECT is answered as a plain request, then the connection closes
    this.keepAlive = keepAlive && !upgrade;
    const major = llhttp!.llhttp_get_http_major(this.ptr);
    if (major !== 1) return this.refuseIn(505, `HTTP/${major}.${llhttp!.llhttp_get_http_minor(this.ptr)} is not served here: HTTP/1.0 and HTTP/1.1 only`);
    let hosts = 0;
    this.host = '';
    for (let i = 0; i < this.raw.length; i += 2) {
      if (this.raw[i].length === 4 && this.raw[i].toLowerCase() === 'host' && hosts++ === 0) this.host = this.raw[i + 1];
    }
    if (hosts === 1 || (hosts === 0 && llhttp!.llhttp_get_http_minor(this.ptr) === 0)) return 0;
    return this.refuseIn(400, `an HTTP/1.1 request needs exactly one Host header (it has ${hosts})`);
  }

  onBody(start: number, len: number): number {
    this.bodySize += len;
    if (this.bodySize > MAX_BODY) return this.refuseIn(413, `the request body is larger than ${MAX_BODY} bytes`);
    (this.body ??= []).push(currentChunk.subarray(start, start + len));
    return 0;
  }

  onMessageComplete(): number {
    const body = this.body === undefined ? undefined : this.body.length === 1 ? this.body[0] : Buffer.concat(this.body);
    const method = METHOD_NAMES[llhttp!.llhttp_get_method(this.ptr)];
    const httpMinor = llhttp!.llhttp_get_http_minor(this.ptr);
    const answer = new Answer(this, this.keepAlive, method === 'HEAD', httpMinor === 0);
    this.queue.push(answer);
    this.parsed.push([{
      method,
      url: this.url,
      rawHeaders: this.raw,
      host: this.host,
      httpMinor,
      body,
      remoteAddress: this.socket.remoteAddress,
    }, answer]);
    if (!this.keepAlive) {
      this.done = true;
      return ERR.PAUSED;
    }
    return this.queue.length >= PIPELINE_LIMIT ? ERR.PAUSED : 0;
  }

  // ---- reading

  private execute(chunk: Buffer): void {
    if (this.done) return;
    if (this.held) {
      // the pipeline is full: keep the bytes until it drains
      this.held = Buffer.concat([this.held, chunk]);
      return;
    }
    const ll = llhttp!;
    if (chunk.length > chunkCapacity) {
      if (chunkPtr) ll.free(chunkPtr);
      chunkCapacity = Math.ceil(chunk.length / 4096) * 4096;
      chunkPtr = ll.malloc(chunkCapacity);
    }
    new Uint8Array(ll.memory.buffer, chunkPtr, chunk.length).set(chunk);
    let ret: number;
    current = this;
    currentChunk = chunk;
    try {
      ret = ll.llhttp_execute(this.ptr, chunkPtr, chunk.length);
    } finally {
      current = undefined;
    }
    if (ret === ERR.PAUSED && !this.done) {
      // PIPELINE_LIMIT answers are waiting: stop reading until the first is written
      this.held = chunk.subarray(ll.llhttp_get_error_pos(this.ptr) - chunkPtr);
      this.socket.pause();
    } else if (ret !== ERR.OK && ret !== ERR.PAUSED && ret !== ERR.PAUSED_UPGRADE) {
      this.refuse(this.refusal || 400, this.refusalWhy || `malformed request (${ERROR_NAMES[ret] ?? ret}: ${errorReason(this.ptr)})`);
    }
    this.handOver();
  }

  /** The head being read is older than `timeoutMs`: 408 after the answers before it, and the connection closes. */
  headTimedOut(timeoutMs: number): void {
    this.headSince = -1;
    if (!this.done) this.refuse(408, `the request head did not arrive within ${timeoutMs} ms`);
  }

  /** Answers the request being parsed with `status` and Connection: close, after the answers before it. */
  private refuse(status: number, why: string): void {
    this.done = true;
    const answer = new Answer(this, false, false);
    this.queue.push(answer);
    const body = Buffer.from(`${why}\n`, 'latin1');
    answer.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(body.length) });
    answer.end(body);
  }

  private handOver(): void {
    for (const [req, answer] of this.parsed.splice(0)) {
      if (this.closed) return;
      this.handler(req, answer);
    }
  }

  /** The first answer is complete: the next one may write; reading resumes when the pipeline has room. */
  answered(): void {
    this.queue.shift();
    while (this.queue.length) {
      if (!this.queue[0].flush()) break;
      this.queue.shift();
    }
    if (this.held && !this.done && this.queue.length < PIPELINE_LIMIT) {
      const rest = this.held;
      this.held = undefined;
      llhttp!.llhttp_resume(this.ptr);
      this.socket.resume();
      this.execute(rest);
    }
  }

  /**
   * After an answer with Connection: close: the write side ends; what the client still sends is read and
   * dropped (so that closing does not reset the connection and lose the answer) for at most LINGER_MS.
   */
  close(): void {
    this.done = true;
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private onClose(): void {
    if (this.freed) return;
    this.freed = true;
    this.live.delete(this);
    this.closed = true;
    this.done = true;
    llhttp!.llhttp_free(this.ptr);
    for (const a of this.queue.splice(0)) a.aborted();
  }
}

/** One answer: writes through when it is the connection's first, buffers otherwise. */
class Answer implements LlhttpResponse {
  private head: string | undefined;
  private headed = false;
  /** Bytes written before this answer's turn. */
  private pending: Buffer[] | undefined;
  private chunked = false;
  private ended = false;
  private drainFn: (() => void) | undefined;
  private abortFn: (() => void) | undefined;

  constructor(private readonly conn: Connection, private keepAlive: boolean, private readonly noBody: boolean, private readonly http10 = false) {}

  writeHead(status: number, headers: Record<string, string | string[] | undefined>): void {
    this.headed = true;
    let head = `HTTP/1.1 ${status} ${reason(status)}\r\n`;
    let length: string | undefined;
    for (const name in headers) {
      const v = headers[name];
      if (v === undefined) continue;
      const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : '';
      if (lower === 'content-length') {
        length = String(v);
        continue;
      }
      if (lower === 'transfer-encoding' || lower === 'connection') continue;
      if (typeof v === 'string') head += `${name}: ${v}\r\n`;
      else for (const one of v) head += `${name}: ${one}\r\n`;
    }
    const bodyless = this.noBody || status === 204 || status === 304 || status < 200;
    if (length !== undefined) {head += `content-length: ${length}\r\n`;} else if (!bodyless && this.http10) {
      // an HTTP/1.0 client knows no chunked coding: the end of the connection ends the body
      this.keepAlive = false;
    } else if (!bodyless) {
      head += 'transfer-encoding: chunked\r\n';
      this.chunked = true;
    }
    if (!this.keepAlive) head += 'connection: close\r\n';
    this.head = `${head}\r\n`;
    if (bodyless) this.chunked = false;
  }

  write(chunk: Buffer): boolean {
    if (this.ended || this.noBody) return true;
    if (!this.headed) this.writeHead(200, {});
    if (this.chunked) return this.out(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, CRLF]));
    return this.out(chunk);
  }

  end(chunk?: Buffer): void {
    if (this.ended) return;
    if (!this.headed) this.writeHead(200, chunk ? { 'content-length': String(chunk.length) } : {});
    if (chunk && chunk.length) this.write(chunk);
    if (this.chunked) this.out(LAST_CHUNK);
    else if (this.head !== undefined) this.out(undefined);
    this.ended = true;
    if (this.conn.queue[0] === this) this.finish();
  }

  destroy(): void {
    this.ended = true;
    this.conn.socket.destroy();
  }

  onDrain(fn: () => void): void {
    this.drainFn = fn;
    this.conn.socket.once('drain', () => {
      const f = this.drainFn;
      this.drainFn = undefined;
      f?.();
    });
  }

  onAbort(fn: () => void): void {
    this.abortFn = fn;
  }

  aborted(): void {
    if (!this.ended) this.abortFn?.();
    this.ended = true;
  }

  /** Writes `body` (with the head, when it has not gone yet) in one write, or keeps it until this answer's turn. */
  private out(body: Buffer | undefined): boolean {
    let data: Buffer | undefined = body;
    if (this.head !== undefined) {
      const headLen = this.head.length;
      const all = Buffer.allocUnsafe(headLen + (body ? body.length : 0));
      all.write(this.head, 0, 'latin1');
      if (body) body.copy(all, headLen);
      data = all;
      this.head = undefined;
    }
    if (!data) return true;
    if (this.conn.queue[0] !== this) {
      (this.pending ??= []).push(data);
      return true;
    }
    return this.conn.closed ? true : this.conn.socket.write(data);
  }

  /** Its turn has come: writes what it kept; true when it has also ended. */
  flush(): boolean {
    if (this.pending) {
      const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
      this.pending = undefined;
      if (!this.conn.closed) this.conn.socket.write(data);
    }
    if (this.ended && !this.keepAlive) this.conn.close();
    return this.ended;
  }

  private finish(): void {
    if (!this.keepAlive) this.conn.close();
    this.conn.answered();
  }
}

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/**
 * The server; listen on it as on any `net.Server`. Nothing is instantiated until it is called; the timer that checks
 * heads in progress runs while it listens.
 */
export function createLlhttpServer(handler: LlhttpHandler, options: LlhttpServerOptions = {}): net.Server {
  llhttp ??= instantiate();
  const now = options.now ?? Date.now;
  const timeoutMs = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const live = new Set<Connection>();
  const server = net.createServer((socket) => void new Connection(socket, handler, now, live));
  let timer: NodeJS.Timeout | undefined;
  server.on('listening', () => {
    timer = setInterval(() => {
      const t = now();
      for (const c of live) if (c.headSince >= 0 && t - c.headSince > timeoutMs) c.headTimedOut(timeoutMs);
    }, options.checkEveryMs ?? 1_000).unref();
  });
  server.on('close', () => clearInterval(timer));
  return server;
}
