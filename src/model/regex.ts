/**
 * Static analysis of RE2 patterns shared by the constructs and the gateway: the literal text every whole-string
 * match starts with, the literal runs and path segments every match contains, and whether a pattern is a plain
 * literal. Pure: no I/O.
 */
import { RE2JS } from 're2js';

const wholeMatchers = new Map<string, RE2JS>();

/** Whether the RE2 pattern matches the whole of `value` (as RE2's FullMatch). Throws on an invalid pattern. */
export function regexMatchesWhole(pattern: string, value: string): boolean {
  let re = wholeMatchers.get(pattern);
  if (re === undefined) {
    re = RE2JS.compile(pattern);
    if (wholeMatchers.size > 10_000) wholeMatchers.clear();
    wholeMatchers.set(pattern, re);
  }
  return re.matches(value);
}

/** `regexMatchesWhole`, false for an invalid pattern. */
export function tryRegex(pattern: string, value: string): boolean {
  try {
    return regexMatchesWhole(pattern, value);
  } catch {
    return false;
  }
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
 * The one string `pattern` matches when it is a plain literal (characters without meaning, and punctuation
 * escaped with '\', e.g. `task\.TaskService` is "task.TaskService"); undefined otherwise.
 */
export function literalValue(pattern: string): string | undefined {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return undefined;
      out += n;
      i++;
      continue;
    }
    if ('.+*?()|[]{}^$'.includes(c)) return undefined;
    out += c;
  }
  return out;
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
