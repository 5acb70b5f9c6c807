/**
 * Small shared helpers of the engine: hostnames, durations and RE2 regexes.
 */
import { RE2JS } from 're2js';

/**
 * Host header / :authority / SNI value -> the name routing uses: port removed (also for `[v6]:port`),
 * lowercased, one trailing dot removed.
 */
export function normalizeHost(host: string | undefined): string {
  if (typeof host !== 'string' || host.length === 0) return '';
  let h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end >= 0 ? h.slice(0, end + 1) : h;
  } else {
    const colon = h.lastIndexOf(':');
    // Exactly one ':' = host:port. More than one without brackets = a bare IPv6 address: keep it.
    if (colon >= 0 && h.indexOf(':') === colon) h = h.slice(0, colon);
  }
  h = h.toLowerCase();
  if (h.endsWith('.') && h.length > 1) h = h.slice(0, -1);
  return h;
}

/**
 * Whether `pattern` (a Gateway API hostname: exact, or `*.suffix`) matches the concrete `host`.
 * A wildcard matches one or more labels in front of the suffix, never the suffix itself.
 */
export function hostnameMatches(pattern: string | undefined, host: string): boolean {
  if (pattern === undefined) return true;
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1); // '.example.com'
    return host.length > suffix.length && host.endsWith(suffix) && host[host.length - suffix.length - 1] !== '.';
  }
  return pattern === host;
}

/** Number of labels of a hostname pattern (`*.a.b` has 3). */
export function labelCount(hostname: string): number {
  return hostname.split('.').length;
}

/**
 * Intersection of a route hostname and a listener hostname (both patterns): the more specific of the
 * two when one covers the other, else undefined. Per the HTTPRoute `hostnames` field description.
 */
export function intersectHostnames(route: string, listener: string | undefined): string | undefined {
  if (listener === undefined) return route;
  const rw = route.startsWith('*.');
  const lw = listener.startsWith('*.');
  if (!rw && !lw) return route === listener ? route : undefined;
  if (!rw && lw) return hostnameMatches(listener, route) ? route : undefined;
  if (rw && !lw) return hostnameMatches(route, listener) ? listener : undefined;
  // both wildcards: the longer suffix, if it ends with the shorter one.
  const rs = route.slice(1);
  const ls = listener.slice(1);
  if (rs.endsWith(ls)) return route;
  if (ls.endsWith(rs)) return listener;
  return undefined;
}

/** Gateway API Duration: `^([0-9]{1,5}(h|m|s|ms)){1,4}$` -> milliseconds; undefined when malformed. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text)) return undefined;
  let total = 0;
  const re = /([0-9]{1,5})(ms|h|m|s)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const n = Number(m[1]);
    switch (m[2]) {
      case 'h': total += n * 3_600_000; break;
      case 'm': total += n * 60_000; break;
      case 's': total += n * 1000; break;
      default: total += n;
    }
  }
  return total;
}

const regexCache = new Map<string, (s: string) => boolean>();
const REGEX_CACHE_LIMIT = 50_000;

/**
 * A compiled RE2 whole-string matcher. Throws the RE2JS syntax error on a bad pattern. Compiled
 * matchers are immutable, so they are shared by pattern (also across reloads; the cache is bounded).
 */
export function compileRegex(pattern: string): (s: string) => boolean {
  let fn = regexCache.get(pattern);
  if (fn) return fn;
  const re = RE2JS.compile(pattern);
  fn = (s: string) => re.matches(s);
  if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
  regexCache.set(pattern, fn);
  return fn;
}

/**
 * The literal text every whole-string match of `pattern` must start with (possibly ''). Conservative:
 * stops at the first metacharacter or before a character made optional by `?`, `*` or `{`, and gives ''
 * for any pattern containing '|'.
 */
export function literalPrefix(pattern: string): string {
  if (pattern.includes('|')) return '';
  let i = pattern.startsWith('^') ? 1 : 0;
  let out = '';
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) break;
      const q = pattern[i + 2];
      if (q === '?' || q === '*' || q === '{') break;
      out += n;
      i += 2;
      continue;
    }
    if ('.+*?()[]{}^$'.includes(c)) break;
    // A character made optional or repeatable-from-zero by the next token is not required.
    const q = pattern[i + 1];
    if (q === '?' || q === '*' || q === '{') break;
    out += c;
    i += 1;
  }
  return out;
}

/**
 * Percent-decodes a query component (names and values); '+' stays '+' (RFC 3986; not form decoding).
 * Malformed escapes are kept as they are; never throws.
 */
export function decodeComponent(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%[0-9A-Fa-f]{2}/g, (m) => {
      const code = parseInt(m.slice(1), 16);
      return code < 0x80 ? String.fromCharCode(code) : m;
    });
  }
}

/** Raw query (without '?') -> first value of each name, percent-decoded. A name without '=' has value ''. */
export function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof query !== 'string' || query === '') return out;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}
