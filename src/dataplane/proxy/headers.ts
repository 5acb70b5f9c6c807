/**
 * Header handling shared by every transport: a case-insensitive multi-map, hop-by-hop stripping,
 * X-Forwarded-* and the Gateway API header modifiers (set / add / remove).
 */
import { randomUUID } from 'crypto';
import type { HeaderModifier } from '../engine/model';

/** A character a header value cannot carry (what node:_http_common checkInvalidHeaderChar refuses). */
export const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A character a header name cannot carry (RFC 9110 token). */
export const INVALID_NAME = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Lower-case name -> every value, in arrival order. */
export type HeaderList = Map<string, string[]>;

/** Builds a HeaderList from Node's `headersDistinct` (preferred) or `headers` shape; pseudo-headers are dropped. */
export function headerList(headers: Record<string, string | string[] | number | undefined> | undefined): HeaderList {
  const out: HeaderList = new Map();
  if (!headers) return out;
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined || rawName.startsWith(':')) continue;
    const name = rawName.toLowerCase();
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    const prev = out.get(name);
    if (prev) prev.push(...values);
    else out.set(name, [...values]);
  }
  return out;
}

/**
 * A request's header fields from its raw list `[name, value, name, value, ...]` (Node's `rawHeaders`, on
 * HTTP/1.1 and HTTP/2 alike): every line of every name in arrival order, pseudo-headers left out. Node's
 * `req.headers` keeps only the first line of some names (authorization, user-agent, ...).
 */
export function rawHeaderList(raw: readonly string[]): HeaderList {
  const out: HeaderList = new Map();
  for (let i = 0; i < raw.length; i += 2) {
    const rawName = raw[i];
    if (rawName.charCodeAt(0) === 0x3a /* ':' */) continue;
    const name = rawName.toLowerCase();
    const prev = out.get(name);
    if (prev) prev.push(raw[i + 1]);
    else out.set(name, [raw[i + 1]]);
  }
  return out;
}

/**
 * What the router matches header conditions against: every name once, its lines joined with ', '
 * (RFC 9110 section 5.3), `cookie` lines with '; ' (RFC 9113 section 8.2.3).
 */
export function matchView(headers: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of headers) {
    out[name] = values.length === 1 ? values[0] : values.join(name === 'cookie' ? '; ' : ', ');
  }
  return out;
}

/**
 * Sets the field `name` of a header object. A field named `__proto__` is a field like any other (a token): an
 * assignment would set the object's prototype (several values) or do nothing (one), and the field would be lost.
 */
export function setField<V>(fields: Record<string, V>, name: string, value: V): void {
  if (name === '__proto__') Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  else fields[name] = value;
}

/**
 * Plain object for `http.request` / `http2 session.request` / `res.writeHead`; one value stays a string. The fields
 * are added to `out` (a new object by default), all but the one named `except`.
 */
export function toOutgoing<T extends Record<string, string | string[] | number | undefined> = Record<string, string | string[]>>(
  headers: HeaderList, out: T = {} as T, except?: string,
): T {
  for (const [name, values] of headers) {
    if (values.length === 0 || name === except) continue;
    setField<string | string[] | number | undefined>(out, name, values.length === 1 ? values[0] : [...values]);
  }
  return out;
}

/** The first value of a header, or undefined. */
export function first(headers: HeaderList, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0];
}

export const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'http2-settings'];

/**
 * Whether a lowercase header name is one of HOP_BY_HOP: by length, then by comparing the few names of
 * that length (no hashing of a name that arrived in a request or response).
 */
export function isHopByHop(lower: string): boolean {
  switch (lower.length) {
    case 2: return lower === 'te';
    case 7: return lower === 'trailer' || lower === 'upgrade';
    case 10: return lower === 'connection' || lower === 'keep-alive';
    case 14: return lower === 'http2-settings';
    case 16: return lower === 'proxy-connection';
    case 17: return lower === 'transfer-encoding';
    case 18: return lower === 'proxy-authenticate';
    case 19: return lower === 'proxy-authorization';
    default: return false;
  }
}

/**
 * The header names the Connection header(s) of a raw list `[name, value, ...]` name, lowercase (to be
 * left out with the hop-by-hop headers), or undefined when there is none.
 */
export function connectionTokens(raw: readonly string[]): string[] | undefined {
  let named: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      const value = raw[i + 1];
      // The usual values name no header that is not left out anyway.
      const usual = value.length === 10 || value.length === 5 ? value.toLowerCase() : '';
      if (usual === 'keep-alive' || usual === 'close') continue;
      for (const t of value.split(',')) (named ??= []).push(t.trim().toLowerCase());
    }
  }
  return named;
}

/**
 * A response head of undici's shape (lowercase names) without its hop-by-hop headers and those named in Connection.
 * A head with none of them is returned as it is; otherwise a new object is built: deleting properties would turn the
 * head into a slower dictionary object on nearly every response, since backends send Connection and Keep-Alive.
 */
export function stripHopByHopHead<T extends Record<string, string | string[] | undefined>>(head: T): T {
  let found = false;
  for (const name in head) {
    if (isHopByHop(name)) {
      found = true;
      break;
    }
  }
  if (!found) return head;
  // The headers Connection names (the usual `keep-alive` and `close` name none that is not left out anyway).
  let named: Set<string> | undefined;
  const connection = head.connection;
  if (connection !== undefined) {
    for (const v of Array.isArray(connection) ? connection : [connection]) {
      for (const token of v.split(',')) {
        const t = token.trim().toLowerCase();
        if (t && !isHopByHop(t)) (named ??= new Set()).add(t);
      }
    }
  }
  const out: Record<string, string | string[] | undefined> = {};
  for (const name in head) {
    if (!isHopByHop(name) && !named?.has(name)) setField(out, name, head[name]);
  }
  return out as T;
}

export interface StripOptions {
  /** Keep `TE: trailers` (gRPC requires it end to end). */
  readonly keepTeTrailers?: boolean;
  /** Keep `Connection: upgrade` + `Upgrade` (a WebSocket handshake being forwarded). */
  readonly upgrade?: boolean;
}

/** Removes hop-by-hop headers and every header named in Connection, in place. */
export function stripHopByHop(headers: HeaderList, options: StripOptions = {}): HeaderList {
  const upgradeValue = options.upgrade ? headers.get('upgrade') : undefined;
  const te = options.keepTeTrailers ? headers.get('te') : undefined;
  const connection = headers.get('connection');
  if (connection !== undefined) {
    for (const v of connection) {
      for (const token of v.split(',')) {
        const t = token.trim().toLowerCase();
        if (t) headers.delete(t);
      }
    }
  }
  for (const n of HOP_BY_HOP) headers.delete(n);
  if (te && te.some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'trailers'))) {
    headers.set('te', ['trailers']);
  }
  if (upgradeValue) {
    headers.set('connection', ['upgrade']);
    headers.set('upgrade', upgradeValue);
  }
  return headers;
}

export interface ForwardedInfo {
  readonly clientAddress?: string;
  /** 'http' or 'https': the scheme the client used to reach the gateway. */
  readonly proto: string;
  /** The Host / :authority the client sent. */
  readonly host?: string;
}

/** Appends the client address to X-Forwarded-For and sets X-Forwarded-Proto and X-Forwarded-Host, in place. */
/** A connection's peer address as logged and forwarded: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as IPv4. */
export function clientAddress(remoteAddress: string | undefined): string | undefined {
  return remoteAddress?.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}

export function setForwarded(headers: HeaderList, info: ForwardedInfo): HeaderList {
  const addr = clientAddress(info.clientAddress);
  if (addr) {
    const prev = headers.get('x-forwarded-for');
    headers.set('x-forwarded-for', [prev && prev.length ? `${prev.join(', ')}, ${addr}` : addr]);
  }
  headers.set('x-forwarded-proto', [info.proto]);
  if (info.host) headers.set('x-forwarded-host', [info.host]);
  return headers;
}

/** An `x-request-id` the gateway keeps: 1 to 128 characters of letters, digits and `-._:+/=` (UUIDs, ULIDs, trace ids). */
const REQUEST_ID = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/**
 * The request's ID: the client's `x-request-id` when it sent exactly one valid value, otherwise a new random
 * UUID, which replaces whatever was sent (several values, or one that could forge log lines). The backend
 * receives it, and the access log records it.
 */
export function ensureRequestId(headers: HeaderList): string {
  const sent = headers.get('x-request-id');
  if (sent !== undefined && sent.length === 1 && REQUEST_ID.test(sent[0])) return sent[0];
  const id = randomUUID();
  headers.set('x-request-id', [id]);
  return id;
}

/**
 * Applies a RequestHeaderModifier / ResponseHeaderModifier in place: `set` replaces every value,
 * `add` appends a value (an existing header then has several), `remove` deletes; names are case-insensitive.
 */
export function applyHeaderModifier(headers: HeaderList, modifier: HeaderModifier | undefined): HeaderList {
  if (!modifier) return headers;
  for (const [name, value] of modifier.set) headers.set(name.toLowerCase(), [value]);
  for (const [name, value] of modifier.add) {
    const n = name.toLowerCase();
    const prev = headers.get(n);
    if (prev) prev.push(value);
    else headers.set(n, [value]);
  }
  for (const name of modifier.remove) headers.delete(name.toLowerCase());
  return headers;
}

/** Deep copy (mirrors and retries must not see later edits). */
export function cloneHeaders(headers: HeaderList): HeaderList {
  const out: HeaderList = new Map();
  for (const [k, v] of headers) out.set(k, [...v]);
  return out;
}
