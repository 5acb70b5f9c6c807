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

/**
 * Meters regular-expression matches on long inputs. Matching is linear in the input (RE2), yet a
 * pattern with a large program on an 8 KiB path costs about a millisecond of the one event loop; the
 * proxy installs a guard that bounds that time per second. None is installed by default.
 */
export interface RegexGuard {
  /** Inputs at least this long are metered. */
  readonly longInput: number;
  /** Whether a match on an input of `length` characters may run now. */
  admit(length: number): boolean;
  /** Milliseconds an admitted match took. */
  spent(ms: number): void;
}

let regexGuard: RegexGuard | undefined;

/** Installs (or with undefined removes) the process-wide regex guard. */
export function setRegexGuard(guard: RegexGuard | undefined): void {
  regexGuard = guard;
}

/** Thrown by a matcher when the guard refuses a match; the router answers `overloaded`. */
export class RegexBudgetExceeded extends Error {
  constructor(length: number) {
    super(`the regular-expression time budget is spent (a match on ${length} characters was refused)`);
    this.name = 'RegexBudgetExceeded';
  }
}

/** `re.matches`, metered by the installed guard on long inputs. */
function guardedMatcher(re: RE2JS): (s: string) => boolean {
  return (s: string) => {
    const guard = regexGuard;
    if (guard === undefined || s.length < guard.longInput) return re.matches(s);
    if (!guard.admit(s.length)) throw new RegexBudgetExceeded(s.length);
    const started = performance.now();
    try {
      return re.matches(s);
    } finally {
      guard.spent(performance.now() - started);
    }
  };
}

const regexCache = new Map<string, (s: string) => boolean>();
const REGEX_CACHE_LIMIT = 50_000;

/**
 * A compiled RE2 whole-string matcher. Throws the RE2JS syntax error on a bad pattern. Compiled
 * matchers are immutable, so they are shared by pattern (also across reloads; the cache is bounded).
 * A string that lacks the pattern's literal prefix or its longest required literal is rejected without
 * running the regex engine (see `requiredRuns`).
 */
export function compileRegex(pattern: string): (s: string) => boolean {
  let fn = regexCache.get(pattern);
  if (fn) return fn;
  const re = RE2JS.compile(pattern);
  const matches = guardedMatcher(re);
  const prefix = literalPrefix(pattern);
  let longest = '';
  for (const r of requiredRuns(pattern) ?? []) if (r.text.length > longest.length) longest = r.text;
  if (longest.length <= prefix.length) longest = '';
  if (prefix && longest) fn = (s: string) => s.startsWith(prefix) && s.includes(longest) && matches(s);
  else if (prefix) fn = (s: string) => s.startsWith(prefix) && matches(s);
  else if (longest) fn = (s: string) => s.includes(longest) && matches(s);
  else fn = (s: string) => matches(s);
  if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
  regexCache.set(pattern, fn);
  return fn;
}

/** A run of literal text every whole-string match of a pattern contains. */
export interface LiteralRun {
  readonly text: string;
  /** The run starts the pattern: every match starts with it. */
  readonly start: boolean;
  /** The run ends the pattern: every match ends with it. */
  readonly end: boolean;
}

const ESCAPE_CLASSES = 'dDsSwWbBAzaftnrv';

/**
 * The literal runs every whole-string match of an RE2 `pattern` contains, in pattern order; [] when
 * there are none, undefined when the pattern is outside what this conservative reader understands
 * (an alternation at the top level, flags such as `(?i)`, `\x`/`\p`/`\Q` escapes, unbalanced groups).
 * Groups, classes, `.` and escaped classes end a run; a character made optional (`?`, `*`, `{`) is left
 * out; `x+` ends a run after `x` and starts the next with `x`.
 */
export function requiredRuns(pattern: string): LiteralRun[] | undefined {
  if (/\(\?(?!:|P<)/.test(pattern)) return undefined; // flags such as (?i) change what a literal matches
  const runs: LiteralRun[] = [];
  let run = '';
  let runStart = -1;
  let i = 0;
  const n = pattern.length;
  if (pattern[0] === '^') i = 1;
  const close = (atEnd: boolean) => {
    if (run) runs.push({ text: run, start: runStart === (pattern[0] === '^' ? 1 : 0), end: atEnd });
    run = '';
    runStart = -1;
  };
  /** Skips a quantifier at `i` (and a lazy '?'); returns false when there is none. */
  const skipQuantifier = (): boolean | undefined => {
    const q = pattern[i];
    if (q === '*' || q === '?' || q === '+') {
      i++;
    } else if (q === '{') {
      const close2 = pattern.indexOf('}', i);
      if (close2 < 0 || !/^\{\d+(,\d*)?\}$/.test(pattern.slice(i, close2 + 1))) return undefined;
      i = close2 + 1;
    } else {
      return false;
    }
    if (pattern[i] === '?') i++;
    return true;
  };
  while (i < n) {
    const c = pattern[i];
    if (c === '|') return undefined;
    if (c === ')') return undefined;
    if (c === '$' && i === n - 1) break;
    let literal: string | undefined;
    let atomStart = i;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return undefined;
      if (/[A-Za-z0-9]/.test(e)) {
        if (!ESCAPE_CLASSES.includes(e)) return undefined;
        i += 2;
      } else {
        literal = e;
        i += 2;
      }
    } else if (c === '(') {
      let depth = 0;
      for (; i < n; i++) {
        const d = pattern[i];
        if (d === '\\') { i++; continue; }
        if (d === '[') {
          const end = classEnd(pattern, i);
          if (end < 0) return undefined;
          i = end;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      if (i >= n) return undefined;
      i++;
    } else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) return undefined;
      i = end + 1;
    } else if ('.^$*+?{'.includes(c)) {
      i++;
      if ('*+?{'.includes(c)) return undefined; // a quantifier with nothing to repeat
    } else {
      literal = c;
      i++;
    }
    if (literal === undefined) {
      close(false);
      if (skipQuantifier() === undefined) return undefined;
      continue;
    }
    const q = pattern[i];
    if (q === '*' || q === '?' || q === '{') {
      close(false);
      if (skipQuantifier() === undefined) return undefined;
      continue;
    }
    if (!run) runStart = atomStart;
    run += literal;
    if (q === '+') {
      skipQuantifier();
      close(false);
      run = literal;
      runStart = Number.NaN; // not at the start any more
    }
  }
  close(true);
  return runs;
}

/** Index of the ']' that closes the class opened at `open`, or -1. */
function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') { i++; continue; }
    if (c === '[' && pattern[i + 1] === ':') {
      const end = pattern.indexOf(':]', i + 2);
      if (end < 0) return -1;
      i = end + 1;
      continue;
    }
    if (c === ']') return i;
  }
  return -1;
}

/**
 * Whole path segments every match of a path regex must contain: `lit` when a required run contains
 * `/lit/`, or ends with `/lit` at the end of the pattern. The router indexes regexes by one of them.
 */
export function requiredSegments(pattern: string): string[] {
  const out: string[] = [];
  for (const r of requiredRuns(pattern) ?? []) {
    const parts = r.text.split('/');
    for (let k = 1; k < parts.length - 1; k++) if (parts[k]) out.push(parts[k]);
    if (r.end && parts.length > 1 && parts[parts.length - 1]) out.push(parts[parts.length - 1]);
  }
  return [...new Set(out)];
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
