/**
 * A backend on a raw socket that parses HTTP/1.1 requests strictly itself (Content-Length or chunked with
 * extensions and trailers; anything else ends the connection), so that a test sees exactly the requests
 * the gateway wrote on each upstream connection, smuggled ones included. Every request gets a number
 * (`seq`, in arrival order over all connections); the default answer is 200 with `x-seq`, `x-echo-id`
 * (the request's `x-id`) and a body `SEQ METHOD TARGET`. A test may answer otherwise (`behave`).
 */
import * as net from 'net';

export interface RawRequest {
  readonly seq: number;
  /** Connection number (in accept order) and the request's index on that connection. */
  readonly conn: number;
  readonly index: number;
  readonly method: string;
  readonly target: string;
  readonly version: string;
  /** [lower-case name, value] in arrival order. */
  readonly headers: readonly [string, string][];
  readonly body: Buffer;
  readonly chunked: boolean;
}

export interface RawBackendConnection {
  readonly id: number;
  readonly socket: net.Socket;
  closed: boolean;
  /** Bytes the backend could not parse as a request (the connection was then closed). */
  garbage?: string;
}

/** What to do with a parsed request: write `reply` (default answer when undefined), or 'destroy' the connection, or 'hold' (answer later). */
export type Behaviour = (req: RawRequest, conn: RawBackendConnection) => string | Buffer | 'destroy' | 'hold' | undefined;

export interface RawBackend {
  readonly port: number;
  readonly address: string;
  readonly requests: RawRequest[];
  readonly connections: RawBackendConnection[];
  /** The default answer to `req`. */
  answer(req: RawRequest, extraHeaders?: string): string;
  close(): Promise<void>;
}

export function header(req: RawRequest, name: string): string | undefined {
  return req.headers.find(([n]) => n === name)?.[1];
}

/** Parses one request at the start of `buf`: the request and the bytes it took, 'more' when incomplete, or an error text. */
export function parseRequest(buf: Buffer): { method: string; target: string; version: string; headers: [string, string][]; body: Buffer; chunked: boolean; used: number } | 'more' | string {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return buf.length > 64 * 1024 ? 'head too large' : 'more';
  const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0]);
  if (!m) return `bad request line ${JSON.stringify(lines[0].slice(0, 60))}`;
  const headers: [string, string][] = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c <= 0 || /\s/.test(l.slice(0, c))) return `bad header line ${JSON.stringify(l.slice(0, 60))}`;
    headers.push([l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()]);
  }
  const te = headers.filter(([n]) => n === 'transfer-encoding');
  const cl = headers.filter(([n]) => n === 'content-length');
  if (te.length > 0 && cl.length > 0) return 'both content-length and transfer-encoding';
  let at = headEnd + 4;
  if (te.length > 0) {
    if (te.length !== 1 || te[0][1].toLowerCase() !== 'chunked') return `transfer-encoding ${te.map(([, v]) => v).join(',')}`;
    const parts: Buffer[] = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return 'more';
      const size = /^([0-9a-fA-F]+)(;.*)?$/.exec(buf.subarray(at, eol).toString('latin1'));
      if (!size) return 'bad chunk size';
      const n = parseInt(size[1], 16);
      at = eol + 2;
      if (n === 0) {
        // trailers, then an empty line
        for (;;) {
          const tEol = buf.indexOf('\r\n', at);
          if (tEol < 0) return 'more';
          const empty = tEol === at;
          at = tEol + 2;
          if (empty) break;
        }
        return { method: m[1], target: m[2], version: m[3], headers, body: Buffer.concat(parts), chunked: true, used: at };
      }
      if (buf.length < at + n + 2) return 'more';
      parts.push(buf.subarray(at, at + n));
      if (buf[at + n] !== 0x0d || buf[at + n + 1] !== 0x0a) return 'chunk not followed by CRLF';
      at += n + 2;
    }
  }
  if (cl.length > 1) return 'several content-length';
  const len = cl.length ? Number(cl[0][1]) : 0;
  if (!Number.isInteger(len) || len < 0) return 'bad content-length';
  if (buf.length < at + len) return 'more';
  return { method: m[1], target: m[2], version: m[3], headers, body: buf.subarray(at, at + len), chunked: false, used: at + len };
}

export async function startRawBackend(behave: Behaviour = () => undefined): Promise<RawBackend> {
  const requests: RawRequest[] = [];
  const connections: RawBackendConnection[] = [];
  const answer = (req: RawRequest, extra = ''): string => {
    const body = `${req.seq} ${req.method} ${req.target}`;
    const id = header(req, 'x-id');
    return `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-seq: ${req.seq}\r\n${id !== undefined ? `x-echo-id: ${id}\r\n` : ''}${extra}`
      + `content-length: ${Buffer.byteLength(body)}\r\n\r\n${req.method === 'HEAD' ? '' : body}`;
  };
  const server = net.createServer((socket) => {
    const conn: RawBackendConnection = { id: connections.length, socket, closed: false };
    connections.push(conn);
    let buf = Buffer.alloc(0);
    let index = 0;
    socket.on('error', () => undefined);
    socket.on('close', () => (conn.closed = true));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = parseRequest(buf);
        if (parsed === 'more') return;
        if (typeof parsed === 'string') {
          conn.garbage = `${parsed}: ${JSON.stringify(buf.toString('latin1').slice(0, 120))}`;
          socket.destroy();
          return;
        }
        buf = buf.subarray(parsed.used);
        const { used: _, ...fields } = parsed;
        const req: RawRequest = { seq: requests.length, conn: conn.id, index: index++, ...fields };
        requests.push(req);
        const what = behave(req, conn);
        if (what === 'destroy') {
          socket.destroy();
          return;
        }
        if (what === 'hold') continue;
        socket.write(what ?? answer(req));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    requests,
    connections,
    answer,
    close: () => new Promise<void>((resolve) => {
      for (const c of connections) c.socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** One response parsed off a client connection. */
export interface ParsedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Splits the bytes a client received into responses (Content-Length, chunked, or until the end), given
 * which of them answer a HEAD (no body). Stops at the first thing that is not a response.
 */
export function parseResponses(raw: Buffer, isHead: (i: number) => boolean = () => false): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const lines = raw.subarray(at, headEnd).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) break;
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      if (c > 0) headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    const status = Number(m[1]);
    at = headEnd + 4;
    let body = '';
    if (isHead(out.length) || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      // no body
    } else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const eol = raw.indexOf('\r\n', at);
        if (eol < 0) return out;
        const n = parseInt(raw.subarray(at, eol).toString('latin1'), 16);
        at = eol + 2;
        if (!(n > 0)) {
          const end = raw.indexOf('\r\n\r\n', at - 2);
          at = end < 0 ? raw.length : end + 4;
          break;
        }
        parts.push(raw.subarray(at, at + n));
        at += n + 2;
      }
      body = Buffer.concat(parts).toString('latin1');
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (raw.length < at + n) break;
      body = raw.subarray(at, at + n).toString('latin1');
      at += n;
    } else {
      body = raw.subarray(at).toString('latin1');
      at = raw.length;
    }
    out.push({ status, headers, body });
  }
  return out;
}

/**
 * Writes `parts` on a fresh connection to `port` (each after the previous one's `gapMs`), collects what
 * comes back until the server closes the connection, `expect` responses arrived, or `waitMs` passes.
 */
export interface ExchangeOptions {
  readonly waitMs?: number;
  readonly gapMs?: number;
  /** Stop (50 ms later) once this many responses arrived. */
  readonly expect?: number;
  /** Which responses answer a HEAD (no body). */
  readonly isHead?: (i: number) => boolean;
  /** Half-close the connection after the last write. */
  readonly endAfterWrite?: boolean;
}

export interface Exchanged {
  readonly raw: Buffer;
  readonly responses: ParsedResponse[];
  readonly closed: boolean;
}

export function exchangeRaw(port: number, parts: (string | Buffer)[], options: ExchangeOptions = {}): Promise<Exchanged> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      resolve({ raw, responses: parseResponses(raw, options.isHead), closed });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (options.expect !== undefined && parseResponses(Buffer.concat(chunks), options.isHead).length >= options.expect) {
        // a little longer, to see anything that should not come
        timers.push(setTimeout(finish, 50));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', () => {
      parts.forEach((p, i) => {
        const write = () => {
          if (socket.destroyed) return;
          socket.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
          if (i === parts.length - 1 && options.endAfterWrite) socket.end();
        };
        if (i === 0) write();
        else timers.push(setTimeout(write, i * (options.gapMs ?? 30)));
      });
    });
    timers.push(setTimeout(finish, options.waitMs ?? 3_000));
  });
}
