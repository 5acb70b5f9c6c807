/**
 * The request-target policy: what the gateway accepts as a request-target and the one normalized path
 * that is both matched by the router and forwarded to the backend (so a route can never be bypassed by
 * spelling a path differently from how the backend will read it). Pure; used by the proxy for every
 * request (HTTP/1.1, HTTP/2, WebSocket upgrades) and by `explain` / `RouteTester`, so that they agree.
 *
 * In order:
 * 1. Longer than `maxUriBytes` (default 8 KiB): 414.
 * 2. `CONNECT` (authority-form): 405, the gateway opens no tunnels.
 * 3. `*` (asterisk-form): only with OPTIONS, answered by the gateway itself; otherwise 400.
 * 4. Absolute-form (`http://host/path`, HTTP/1.1 proxies send it): accepted for the schemes http and
 *    https without userinfo; its authority replaces the Host header (RFC 9112 3.2.2) and its path goes
 *    on as origin-form. Any other target that does not start with '/' (origin-form): 400.
 * 5. Characters: the path and the query may hold visible ASCII only; controls (NUL included), space,
 *    DEL, bytes above 0x7E, '#', and in the path '\' (some servers read it as '/') are rejected with 400.
 * 6. Percent-encoding (path and query): '%' must be followed by two hex digits (400 otherwise). In the
 *    path, an encoded '/' or '\' (`%2F`, `%5C`) and encoded controls (`%00`..`%1F`, `%7F`) are rejected
 *    with 400 (a backend that decodes them would see other segments than the router); escapes of
 *    unreserved characters (`%41` = 'A', `%2E` = '.', `%7E` = '~') are decoded (RFC 3986 6.2.2.2); every
 *    other escape is kept as received.
 * 7. Runs of '/' are merged into one (`//a///b` = `/a/b`).
 * 8. Dot-segments are removed (RFC 3986 5.2.4: `/a/./b/../c` = `/a/c`, never above the root; `%2e%2e`
 *    counts, step 6 decoded it). A segment that is a dot-segment with parameters (`..;x`, `.;x`), which
 *    servlet containers read as a dot-segment, is rejected with 400.
 * The query is forwarded exactly as received. Paths stay case-sensitive.
 */

/** Limit of a request-target (path and query) in bytes, by default. */
export const DEFAULT_MAX_URI_BYTES = 8192;

export interface TargetOptions {
  /** Longest accepted request-target (path plus '?query'); longer ones get 414. */
  readonly maxUriBytes?: number;
}

export type TargetVerdict =
  | {
    readonly ok: true;
    /** The normalized path ('/' ...), or '*' for `OPTIONS *`. */
    readonly path: string;
    /** The query as received, without '?' ('' when none). */
    readonly query: string;
    /** Absolute-form only: the authority it names (replaces Host). */
    readonly authority?: string;
  }
  | {
    readonly ok: false;
    readonly status: 400 | 405 | 414;
    /** Why, in words a client developer can act on. */
    readonly reason: string;
  };

const HEX = /^[0-9A-Fa-f]{2}$/;
/** Controls, space, DEL, non-ASCII, '\\' and '#': never raw in a path. */
const FORBIDDEN_IN_PATH = /[^\x21-\x7e]|[\\#]/;
const FORBIDDEN_IN_QUERY = /[^\x21-\x7e]|#/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

function isUnreserved(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39)
    || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e;
}

function hex(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** A refused request-target. */
export type TargetRejection = Extract<TargetVerdict, { ok: false }>;

function reject(status: 400 | 405 | 414, reason: string): TargetRejection {
  return { ok: false, status, reason };
}

/** Quoted, cut to a readable length, controls escaped. */
function show(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}...` : s;
  return JSON.stringify(cut);
}

/**
 * Checks and normalizes a request-target (`req.url` of HTTP/1.1, `:path` of HTTP/2). Never throws.
 */
export function checkRequestTarget(method: string, target: string, options: TargetOptions = {}): TargetVerdict {
  const max = options.maxUriBytes ?? DEFAULT_MAX_URI_BYTES;
  if (typeof target !== 'string' || target === '') return reject(400, 'the request has no request-target');
  if (target.length > max) return reject(414, `the request-target is ${target.length} bytes long, more than the limit of ${max}`);
  if (method === 'CONNECT') return reject(405, 'CONNECT is not supported: this gateway does not open tunnels');
  if (target === '*') {
    return method === 'OPTIONS' ? { ok: true, path: '*', query: '' } : reject(400, `the request-target "*" is only allowed with OPTIONS (got ${method})`);
  }
  let authority: string | undefined;
  let rest = target;
  if (rest.charCodeAt(0) !== 0x2f /* '/' */) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(rest);
    if (!scheme) return reject(400, `the request-target ${show(target)} must start with "/" (origin-form) or be an absolute http(s) URL`);
    if (!/^https?$/i.test(scheme[1])) return reject(400, `the absolute-form request-target ${show(target)} must use http or https`);
    authority = scheme[2];
    const bad = checkAuthority(authority);
    if (bad) return reject(400, `the absolute-form request-target ${show(target)}: ${bad}`);
    if (authority === '') return reject(400, `the absolute-form request-target ${show(target)} has no host`);
    rest = rest.slice(scheme[0].length);
    if (rest === '') rest = '/';
    else if (rest.charCodeAt(0) === 0x3f /* '?' */) rest = `/${rest}`;
  }
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const path = normalizePath(rawPath);
  if (typeof path !== 'string') return path;
  const badQuery = checkQuery(query);
  if (badQuery) return reject(400, badQuery);
  return authority === undefined ? { ok: true, path, query } : { ok: true, path, query, authority };
}

/**
 * Steps 5-8 on a path that starts with '/': the normalized path, or a rejection.
 */
export function normalizePath(raw: string): string | TargetRejection {
  const bad = FORBIDDEN_IN_PATH.exec(raw);
  if (bad) {
    const c = bad[0].charCodeAt(0);
    if (c === 0x5c) return reject(400, "the path contains '\\', which must be percent-encoded (some servers read it as '/')");
    if (c === 0x23) return reject(400, "the request-target contains '#' (a fragment is never sent to a server)");
    return reject(400, `the path contains the character ${hex(c)}, which must be percent-encoded`);
  }
  let decoded = '';
  let from = 0;
  let changed = false;
  for (let i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
    const h = raw.slice(i + 1, i + 3);
    if (!HEX.test(h)) return reject(400, `the path has an invalid percent-encoding at ${show(raw.slice(i, i + 3))} ('%' must be followed by two hex digits)`);
    const v = parseInt(h, 16);
    if (v === 0x2f || v === 0x5c) return reject(400, `the path contains an encoded ${v === 0x2f ? "'/'" : "'\\'"} (%${h}), which this gateway rejects: a backend that decodes it would see other path segments`);
    if (v < 0x20 || v === 0x7f) return reject(400, `the path contains an encoded control character (%${h})`);
    if (isUnreserved(v)) {
      decoded += raw.slice(from, i) + String.fromCharCode(v);
      from = i + 3;
      changed = true;
    }
    i += 2;
  }
  if (changed) decoded += raw.slice(from);
  const s = changed ? decoded : raw;
  // Fast path: nothing to merge or remove.
  if (!s.includes('//') && !s.includes('/.')) return s;
  const merged = s.replace(/\/{2,}/g, '/');
  const input = merged.slice(1).split('/');
  const out: string[] = [];
  for (let k = 0; k < input.length; k++) {
    const seg = input[k];
    const last = k === input.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop();
      if (last) out.push('');
      continue;
    }
    if (seg.startsWith('.;') || seg.startsWith('..;')) {
      return reject(400, `the path segment ${show(seg)} is a dot-segment with parameters, which some servers resolve as ".."`);
    }
    out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** Why a query is rejected, or undefined. */
function checkQuery(query: string): string | undefined {
  const bad = FORBIDDEN_IN_QUERY.exec(query);
  if (bad) {
    const c = bad[0].charCodeAt(0);
    return c === 0x23 ? "the request-target contains '#' (a fragment is never sent to a server)" : `the query contains the character ${hex(c)}, which must be percent-encoded`;
  }
  const pct = BAD_PERCENT.exec(query);
  if (pct) return `the query has an invalid percent-encoding at ${show(query.slice(pct.index, pct.index + 3))} ('%' must be followed by two hex digits)`;
  return undefined;
}

const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]{0,5})?$/;

/**
 * Why a Host header / `:authority` / absolute-form authority is rejected, or undefined when it is
 * acceptable (`host`, `host:port`, `[v6]:port`, or empty). No userinfo, no path, no controls or spaces.
 */
export function checkAuthority(value: string): string | undefined {
  if (value.includes('@')) return `the authority ${show(value)} contains userinfo ('@'), which is not accepted`;
  if (!AUTHORITY.test(value)) return `the authority ${show(value)} is not a valid host[:port]`;
  return undefined;
}

/**
 * Whether a path value of a route (Exact or PathPrefix) is in the form requests are normalized to:
 * when not, the normalized form (a request can only ever match that); undefined when it is.
 */
export function unnormalizedPathValue(value: string): string | undefined {
  const n = normalizePath(value);
  if (typeof n !== 'string') return undefined; // reported by validation, not here
  return n === value ? undefined : n;
}
