/**
 * Helpers of the reliability tests: raw HTTP/1.1 over a socket (bytes in, the answer and whether the
 * connection closed out), raw HTTP/2 frames, and a count of the process's open TCP handles.
 * Everything on 127.0.0.1, bounded by timeouts, and closed by the caller or on timeout.
 */
import * as net from 'net';

export interface RawAnswer {
  /** Status of the first response, or 0 when none came. */
  readonly status: number;
  /** Header lines of the first response, lower-case names. */
  readonly headers: Record<string, string>;
  /** Everything received. */
  readonly raw: string;
  /** Body of the first response (by content-length when given). */
  readonly body: string;
  /** Statuses of every response found in `raw` (pipelining). */
  readonly statuses: number[];
  /** The server closed the connection before `waitMs` elapsed. */
  readonly closed: boolean;
  /** Milliseconds from the first write to the close (or to the end of waiting). */
  readonly elapsedMs: number;
}

/**
 * Writes `bytes` (latin1 string or Buffer, or several written 50 ms apart) on a fresh connection and
 * collects what comes back until the server closes the connection or `waitMs` passes (then closes it).
 * With `untilResponses`, stops as soon as that many complete responses arrived.
 */
export function rawRequest(
  port: number, bytes: string | Buffer | (string | Buffer)[], options: { waitMs?: number; untilResponses?: number; gapMs?: number } = {},
): Promise<RawAnswer> {
  const waitMs = options.waitMs ?? 3_000;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const started = Date.now();
    let closed = false;
    let finished = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (finished) return;
      finished = true;
      timers.forEach(clearTimeout);
      const raw = Buffer.concat(chunks).toString('latin1');
      socket.destroy();
      resolve(parseAnswer(raw, closed, Date.now() - started));
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (options.untilResponses && countComplete(Buffer.concat(chunks).toString('latin1')) >= options.untilResponses) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', () => {
      const parts = Array.isArray(bytes) ? bytes : [bytes];
      parts.forEach((p, i) => {
        const write = () => {
          if (!socket.destroyed) socket.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
        };
        if (i === 0) write();
        else timers.push(setTimeout(write, i * (options.gapMs ?? 50)));
      });
    });
    timers.push(setTimeout(finish, waitMs));
  });
}

function parseAnswer(raw: string, closed: boolean, elapsedMs: number): RawAnswer {
  const statuses = [...raw.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? raw : raw.slice(0, headEnd);
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '') ? Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])![1]) : 0;
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  let body = headEnd < 0 ? '' : raw.slice(headEnd + 4);
  if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status, headers, raw, body, statuses, closed, elapsedMs };
}

/** Number of complete responses with content-length bodies in `raw`. */
function countComplete(raw: string): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const start = raw.indexOf('HTTP/1.', at);
    if (start < 0) return n;
    const end = raw.indexOf('\r\n\r\n', start);
    if (end < 0) return n;
    const cl = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(start, end));
    const len = cl ? Number(cl[1]) : 0;
    if (raw.length < end + 4 + len) return n;
    n++;
    at = end + 4 + len;
  }
}

/** `GET path HTTP/1.1` with Host and Connection: close. */
export function get(path: string, host = 'example.com', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;
}

// ------------------------------------------------------------------ HTTP/2 frames

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId % 0x80000000, 5);
  return Buffer.concat([head, payload]);
}

function hpackString(s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  if (b.length >= 127) throw new Error('test helper: HPACK strings must be shorter than 127 bytes');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/** A HEADERS frame (END_HEADERS, and END_STREAM unless `open`) for `GET path` without Huffman or indexing. */
export function h2Get(streamId: number, path: string, authority = 'example.com', open = false): Buffer {
  const block = Buffer.concat([
    Buffer.from([0x82, 0x86]), // :method GET, :scheme http (static table)
    Buffer.from([0x04]), hpackString(path), // :path, literal without indexing, indexed name 4
    Buffer.from([0x01]), hpackString(authority), // :authority, indexed name 1
  ]);
  return h2Frame(0x1, open ? 0x4 : 0x5, streamId, block);
}

export function h2Rst(streamId: number, code = 0x8 /* CANCEL */): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code, 0);
  return h2Frame(0x3, 0, streamId, p);
}

export const H2_SETTINGS = h2Frame(0x4, 0, 0);
export const H2_SETTINGS_ACK = h2Frame(0x4, 0x1, 0);

export interface H2Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** Splits received bytes into frames (incomplete tail ignored). */
export function parseFrames(buf: Buffer): H2Frame[] {
  const out: H2Frame[] = [];
  let at = 0;
  while (at + 9 <= buf.length) {
    const len = buf.readUIntBE(at, 3);
    if (at + 9 + len > buf.length) break;
    out.push({ type: buf[at + 3], flags: buf[at + 4], streamId: buf.readUInt32BE(at + 5) % 0x80000000, payload: buf.subarray(at + 9, at + 9 + len) });
    at += 9 + len;
  }
  return out;
}

/** Opens a raw HTTP/2 connection, writes `bytes`, collects frames until close or `waitMs`. */
export function rawH2(port: number, bytes: Buffer, waitMs = 3_000): Promise<{ frames: H2Frame[]; closed: boolean; elapsedMs: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const started = Date.now();
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ frames: parseFrames(Buffer.concat(chunks)), closed, elapsedMs: Date.now() - started });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', () => socket.write(Buffer.concat([H2_PREFACE, H2_SETTINGS, bytes])));
    const timer = setTimeout(finish, waitMs);
  });
}

/** The error code of the first GOAWAY frame, or undefined. */
export function goawayCode(frames: readonly H2Frame[]): number | undefined {
  const g = frames.find((f) => f.type === 0x7);
  return g ? g.payload.readUInt32BE(4) : undefined;
}

// ------------------------------------------------------------------ resources

/** Open TCP sockets and servers of this process (Node's own count of libuv handles). */
export function openTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
