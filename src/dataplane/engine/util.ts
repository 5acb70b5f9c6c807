/**
 * Small shared helpers of the engine: hostnames, durations and RE2 regexes.
 */
import { RE2JS } from 're2js';
import { literalPrefix, requiredRuns } from '../../model/regex';

// Hostname and RE2 literal analysis live in the shared model; re-exported for the engine's modules.
export { hostnameMatches, intersectHostnames, labelCount } from '../../model/hostname';
export type { LiteralRun } from '../../model/regex';
export { literalPrefix, requiredRuns, requiredSegments } from '../../model/regex';

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
