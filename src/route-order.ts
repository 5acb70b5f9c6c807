// Precedence, ordering and reachability of HTTPRoute matches. Internal: not exported from index.ts.
//
// The Gateway API selects, across all rules of all routes attached to the same listener and hostname, the match
// with (continuing on ties): an Exact path; the PathPrefix with the most characters; a method; the most header
// matches; the most query parameter matches. RegularExpression paths are implementation-specific: this library
// ranks them between Exact and PathPrefix. Remaining ties go to the oldest route, then to the first rule in list
// order. Regular expressions (paths, header and query values) are RE2 and match the whole value, as RE2's
// FullMatch does: `/img/.*` matches `/img/a.png` and not `/b/img/a.png`.
//
// A rule may hold matches of different specificity and must not be split (its name, filters and status belong to
// one rule), so sorting rules by their most specific match alone could let a first-match gateway pick a less
// specific match of an earlier rule where the spec picks a more specific match of a later one. `orderRules`
// therefore emits a topological order of the constraints "rule i must come before rule j" (some match of i wins
// over an overlapping match of j, or they tie and i was written first), choosing among the available rules by
// (most specific match, author order). Without mixed-specificity conflicts this is exactly the stable sort by
// most specific match. When the constraints form a cycle no order routes the same way under both semantics:
// that fails synth, naming the rules and matches, and the author moves the offending match into its own rule.
// Overlaps that cannot be decided (regular expressions against each other or against prefixes) give soft
// constraints: honoured when possible, otherwise reported as a warning.
import { MatchType } from './header-match';
import { PathMatchType } from './path-match';
import { q, regexMatchesWhole } from './validation';

/** @internal */
export interface ValueCondition {
  /** Header names are lower-cased; query parameter names are kept as written. */
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/** One match with the CRD defaults applied. @internal */
export interface AnalyzedMatch {
  readonly pathType: PathMatchType;
  readonly pathValue: string;
  readonly method?: string;
  readonly headers: ValueCondition[];
  readonly queryParams: ValueCondition[];
}

export type Tri = 'yes' | 'no' | 'unknown';

function pathClass(m: AnalyzedMatch): number {
  switch (m.pathType) {
    case PathMatchType.EXACT: return 0;
    case PathMatchType.REGULAR_EXPRESSION: return 1;
    default: return 2;
  }
}

/**
 * Negative when `a` takes precedence over `b` for a request both match, positive when `b` does, 0 on a tie.
 */
export function comparePrecedence(a: AnalyzedMatch, b: AnalyzedMatch): number {
  const ca = pathClass(a);
  const cb = pathClass(b);
  if (ca !== cb) return ca - cb;
  if (a.pathType === PathMatchType.PATH_PREFIX && a.pathValue.length !== b.pathValue.length) {
    return b.pathValue.length - a.pathValue.length;
  }
  const ma = a.method === undefined ? 1 : 0;
  const mb = b.method === undefined ? 1 : 0;
  if (ma !== mb) return ma - mb;
  if (a.headers.length !== b.headers.length) return b.headers.length - a.headers.length;
  return b.queryParams.length - a.queryParams.length;
}

function normPrefix(p: string): string {
  return p === '/' ? '/' : p.replace(/\/$/, '');
}

/** Whether the request path or prefix `path` lies under the PathPrefix `prefix`, element by element. */
function underPrefix(path: string, prefix: string): boolean {
  const np = normPrefix(prefix);
  if (np === '/') return true;
  const n = path === '/' ? '/' : path;
  return n === np || n.startsWith(np + '/');
}

function tryRegex(pattern: string, value: string): boolean {
  try {
    return regexMatchesWhole(pattern, value);
  } catch {
    return false;
  }
}

/** Provably: every path that `b` matches, `a` matches. */
function pathContains(a: AnalyzedMatch, b: AnalyzedMatch): boolean {
  switch (a.pathType) {
    case PathMatchType.EXACT:
      return b.pathType === PathMatchType.EXACT && a.pathValue === b.pathValue;
    case PathMatchType.PATH_PREFIX:
      if (b.pathType === PathMatchType.EXACT) return underPrefix(b.pathValue, a.pathValue);
      if (b.pathType === PathMatchType.PATH_PREFIX) return underPrefix(normPrefix(b.pathValue), a.pathValue);
      return false;
    default:
      if (b.pathType === PathMatchType.REGULAR_EXPRESSION) return a.pathValue === b.pathValue;
      if (b.pathType === PathMatchType.EXACT) return tryRegex(a.pathValue, b.pathValue);
      return false;
  }
}

/**
 * The literal text every whole-string match of `pattern` starts with ('' when unknown), e.g. "/img/" for "/img/.*".
 */
function literalPrefix(pattern: string): string {
  if (pattern.includes('|')) return '';
  let i = pattern.startsWith('^') ? 1 : 0;
  let out = '';
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if ('\\.+*?()[]{}^$'.includes(c)) {
      // A quantifier makes the previous character optional.
      if ('*?{'.includes(c)) out = out.slice(0, -1);
      break;
    }
    out += c;
  }
  return out;
}

function prefixesDiverge(a: string, b: string): boolean {
  return !a.startsWith(b) && !b.startsWith(a);
}

function pathOverlap(a: AnalyzedMatch, b: AnalyzedMatch): Tri {
  if (a.pathType === PathMatchType.REGULAR_EXPRESSION || b.pathType === PathMatchType.REGULAR_EXPRESSION) {
    const [r, o] = a.pathType === PathMatchType.REGULAR_EXPRESSION ? [a, b] : [b, a];
    const literal = literalPrefix(r.pathValue);
    if (o.pathType === PathMatchType.REGULAR_EXPRESSION) {
      if (r.pathValue === o.pathValue) return 'yes';
      return prefixesDiverge(literal, literalPrefix(o.pathValue)) ? 'no' : 'unknown';
    }
    if (o.pathType === PathMatchType.EXACT) return tryRegex(r.pathValue, o.pathValue) ? 'yes' : 'no';
    const np = normPrefix(o.pathValue);
    if (tryRegex(r.pathValue, np) || tryRegex(r.pathValue, np === '/' ? '/' : np + '/')) return 'yes';
    // Paths under the prefix are np itself or start with np + '/'; paths the regex matches start with its literal.
    if (np !== '/' && !np.startsWith(literal) && !literal.startsWith(np + '/')) return 'no';
    return 'unknown';
  }
  if (a.pathType === PathMatchType.EXACT && b.pathType === PathMatchType.EXACT) return a.pathValue === b.pathValue ? 'yes' : 'no';
  if (a.pathType === PathMatchType.EXACT) return underPrefix(a.pathValue, b.pathValue) ? 'yes' : 'no';
  if (b.pathType === PathMatchType.EXACT) return underPrefix(b.pathValue, a.pathValue) ? 'yes' : 'no';
  return underPrefix(normPrefix(a.pathValue), b.pathValue) || underPrefix(normPrefix(b.pathValue), a.pathValue) ? 'yes' : 'no';
}

/** The string a regular expression matches when it has no metacharacters (a whole-value match of a literal). */
function literalValue(pattern: string): string | undefined {
  return /[\\.+*?()|[\]{}^$]/.test(pattern) ? undefined : pattern;
}

/**
 * A regular expression condition that is a plain literal as the Exact condition it is equivalent to (same values,
 * same weight in precedence), so that `x ~ "2"` and `x = "2"` compare equal.
 */
function canonical(c: ValueCondition): ValueCondition {
  const literal = c.type === MatchType.REGULAR_EXPRESSION ? literalValue(c.value) : undefined;
  return literal === undefined ? c : { name: c.name, type: MatchType.EXACT, value: literal };
}

/** Provably: every value that satisfies `b` satisfies `a` (same name). */
function conditionContains(ra: ValueCondition, rb: ValueCondition): boolean {
  const [a, b] = [canonical(ra), canonical(rb)];
  if (a.type === MatchType.EXACT) return b.type === MatchType.EXACT && a.value === b.value;
  if (b.type === MatchType.REGULAR_EXPRESSION) return a.value === b.value;
  return tryRegex(a.value, b.value);
}

function conditionOverlap(ra: ValueCondition, rb: ValueCondition): Tri {
  const [a, b] = [canonical(ra), canonical(rb)];
  if (a.type === MatchType.EXACT && b.type === MatchType.EXACT) return a.value === b.value ? 'yes' : 'no';
  if (a.type === MatchType.REGULAR_EXPRESSION && b.type === MatchType.REGULAR_EXPRESSION) return a.value === b.value ? 'yes' : 'unknown';
  const [r, e] = a.type === MatchType.REGULAR_EXPRESSION ? [a, b] : [b, a];
  return tryRegex(r.value, e.value) ? 'yes' : 'no';
}

function conditionsContain(a: ValueCondition[], b: ValueCondition[]): boolean {
  return a.every((ca) => b.some((cb) => cb.name === ca.name && conditionContains(ca, cb)));
}

function conditionsOverlap(a: ValueCondition[], b: ValueCondition[]): Tri {
  let result: Tri = 'yes';
  for (const ca of a) {
    const cb = b.find((c) => c.name === ca.name);
    if (cb === undefined) continue;
    const o = conditionOverlap(ca, cb);
    if (o === 'no') return 'no';
    if (o === 'unknown') result = 'unknown';
  }
  return result;
}

/** Provably: every request that `b` matches, `a` matches. */
export function matchContains(a: AnalyzedMatch, b: AnalyzedMatch): boolean {
  return pathContains(a, b)
    && (a.method === undefined || a.method === b.method)
    && conditionsContain(a.headers, b.headers)
    && conditionsContain(a.queryParams, b.queryParams);
}

/** Whether some request matches both `a` and `b`. */
export function matchOverlap(a: AnalyzedMatch, b: AnalyzedMatch): Tri {
  if (a.method !== undefined && b.method !== undefined && a.method !== b.method) return 'no';
  const parts = [pathOverlap(a, b), conditionsOverlap(a.headers, b.headers), conditionsOverlap(a.queryParams, b.queryParams)];
  if (parts.includes('no')) return 'no';
  return parts.includes('unknown') ? 'unknown' : 'yes';
}

/** Whether `a` and `b` match exactly the same requests with the same precedence. */
export function matchEquivalent(a: AnalyzedMatch, b: AnalyzedMatch): boolean {
  return comparePrecedence(a, b) === 0 && matchContains(a, b) && matchContains(b, a);
}

const EMPTY = 'empty';
const UNKNOWN = 'unknown';

function intersectConditions(a: ValueCondition[], b: ValueCondition[]): ValueCondition[] | typeof EMPTY | typeof UNKNOWN {
  const out = a.map(canonical);
  for (const cb of b.map(canonical)) {
    const k = out.findIndex((c) => c.name === cb.name);
    if (k < 0) {
      out.push(cb);
      continue;
    }
    const ca = out[k];
    if (ca.type === cb.type && ca.value === cb.value) continue;
    if (ca.type === MatchType.EXACT && cb.type === MatchType.EXACT) return EMPTY;
    if (ca.type === MatchType.REGULAR_EXPRESSION && cb.type === MatchType.REGULAR_EXPRESSION) return UNKNOWN;
    const [r, e] = ca.type === MatchType.REGULAR_EXPRESSION ? [ca, cb] : [cb, ca];
    if (!tryRegex(r.value, e.value)) return EMPTY;
    out[k] = e;
  }
  return out;
}

/**
 * The requests both `a` and `b` match, as one match; `empty` when there are none, `unknown` when the conjunction
 * of two different regular expressions cannot be written as one match.
 */
function intersect(a: AnalyzedMatch, b: AnalyzedMatch): AnalyzedMatch | typeof EMPTY | typeof UNKNOWN {
  if (a.method !== undefined && b.method !== undefined && a.method !== b.method) return EMPTY;
  let path: { pathType: PathMatchType; pathValue: string };
  const aRegex = a.pathType === PathMatchType.REGULAR_EXPRESSION;
  const bRegex = b.pathType === PathMatchType.REGULAR_EXPRESSION;
  if (aRegex || bRegex) {
    const [r, o] = aRegex ? [a, b] : [b, a];
    if (o.pathType === PathMatchType.REGULAR_EXPRESSION) {
      if (r.pathValue !== o.pathValue) return UNKNOWN;
      path = r;
    } else if (o.pathType === PathMatchType.EXACT) {
      if (!tryRegex(r.pathValue, o.pathValue)) return EMPTY;
      path = o;
    } else {
      return UNKNOWN;
    }
  } else if (a.pathType === PathMatchType.EXACT || b.pathType === PathMatchType.EXACT) {
    const [e, o] = a.pathType === PathMatchType.EXACT ? [a, b] : [b, a];
    const ok = o.pathType === PathMatchType.EXACT ? e.pathValue === o.pathValue : underPrefix(e.pathValue, o.pathValue);
    if (!ok) return EMPTY;
    path = e;
  } else if (underPrefix(normPrefix(b.pathValue), a.pathValue)) {
    path = b;
  } else if (underPrefix(normPrefix(a.pathValue), b.pathValue)) {
    path = a;
  } else {
    return EMPTY;
  }
  const headers = intersectConditions(a.headers, b.headers);
  const queryParams = intersectConditions(a.queryParams, b.queryParams);
  if (headers === EMPTY || queryParams === EMPTY) return EMPTY;
  if (headers === UNKNOWN || queryParams === UNKNOWN) return UNKNOWN;
  return { pathType: path.pathType, pathValue: path.pathValue, method: a.method ?? b.method, headers, queryParams };
}

function describeCondition(kind: string, c: ValueCondition): string {
  return c.type === MatchType.EXACT ? `${kind} ${c.name} = ${q(c.value)}` : `${kind} ${c.name} ~ ${q(c.value)}`;
}

/** A short human description of a match, e.g. `prefix "/api", method GET, header x-v = "2"`. */
export function describeMatch(m: AnalyzedMatch): string {
  const path = m.pathType === PathMatchType.EXACT ? 'exact path' : m.pathType === PathMatchType.PATH_PREFIX ? 'path prefix' : 'path regex';
  const parts = [`${path} ${q(m.pathValue)}`];
  if (m.method !== undefined) parts.push(`method ${m.method}`);
  parts.push(...m.headers.map((h) => describeCondition('header', h)));
  parts.push(...m.queryParams.map((h) => describeCondition('query', h)));
  return parts.join(', ');
}

/** @internal */
export interface RuleForOrdering {
  /** How the rule is named in messages, e.g. `rule 2 ("api")`. */
  readonly label: string;
  readonly matches: AnalyzedMatch[];
}

interface Edge {
  readonly from: number;
  readonly to: number;
  readonly hard: boolean;
  readonly why: string;
}

/** @internal */
export interface OrderResult {
  /** Author indices in emitted order. */
  readonly order: number[];
  readonly errors: string[];
  readonly warnings: string[];
}

/** Orders rules so that first-match and spec precedence select the same rule for every request (see above). */
export function orderRules(rules: RuleForOrdering[]): OrderResult {
  const n = rules.length;
  const best = rules.map((r) => r.matches.reduce((x, y) => (comparePrecedence(y, x) < 0 ? y : x)));
  const edges: Edge[] = [];
  const m = (i: number, x: number) => `${rules[i].label} match ${x + 1} (${describeMatch(rules[i].matches[x])})`;
  // Whether, among requests matching both `w` (of rule wi) and `l`, a match of a rule other than wi always wins
  // over `w`: then those requests never select rule wi, and rule wi need not come before l's rule for them.
  const covered = (w: AnalyzedMatch, wi: number, l: AnalyzedMatch): boolean => {
    const both = intersect(w, l);
    if (both === EMPTY) return true;
    if (both === UNKNOWN) return false;
    return rules.some((r, k) => k !== wi && r.matches.some((c) => {
      const p = comparePrecedence(c, w);
      return (p < 0 || (p === 0 && k < wi)) && matchContains(c, both);
    }));
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      rules[i].matches.forEach((a, x) => rules[j].matches.forEach((b, y) => {
        const o = matchOverlap(a, b);
        if (o === 'no') return;
        const c = comparePrecedence(a, b);
        if (c <= 0 ? covered(a, i, b) : covered(b, j, a)) return;
        if (c === 0) {
          edges.push({ from: i, to: j, hard: true, why: `${m(i, x)} ties with ${m(j, y)} and comes first` });
        } else if (c < 0) {
          edges.push({ from: i, to: j, hard: o === 'yes', why: `${m(i, x)} takes precedence over ${m(j, y)}` });
        } else {
          edges.push({ from: j, to: i, hard: o === 'yes', why: `${m(j, y)} takes precedence over ${m(i, x)}` });
        }
      }));
    }
  }
  const priority = (i: number, k: number) => comparePrecedence(best[i], best[k]) || i - k;
  const kahn = (use: Edge[]): number[] | undefined => {
    const indegree = new Array<number>(n).fill(0);
    for (const e of use) indegree[e.to]++;
    const done = new Array<boolean>(n).fill(false);
    const order: number[] = [];
    while (order.length < n) {
      let pick = -1;
      for (let i = 0; i < n; i++) {
        if (!done[i] && indegree[i] === 0 && (pick < 0 || priority(i, pick) < 0)) pick = i;
      }
      if (pick < 0) return undefined;
      done[pick] = true;
      order.push(pick);
      for (const e of use) if (e.from === pick) indegree[e.to]--;
    }
    return order;
  };
  const all = kahn(edges);
  if (all !== undefined) return { order: all, errors: [], warnings: [] };
  const hardEdges = edges.filter((e) => e.hard);
  const hard = kahn(hardEdges);
  if (hard !== undefined) {
    const cycle = findCycle(n, edges);
    return {
      order: hard,
      errors: [],
      warnings: [`rules ${cycle.map((e) => rules[e.from].label).join(', ')} may be selected differently by a first-match gateway than the spec says (${cycle.map((e) => e.why).join('; ')}; the regular expressions involved may or may not overlap); give each rule matches of one specificity`],
    };
  }
  const cycle = findCycle(n, hardEdges);
  return {
    order: rules.map((_, i) => i).sort((a, b) => priority(a, b)),
    errors: [`rules ${cycle.map((e) => rules[e.from].label).join(' and ')} cannot be ordered so that a first-match gateway selects the same rule as the spec: ${cycle.map((e) => e.why).join(', but ')}; move the less specific match into a rule of its own`],
    warnings: [],
  };
}

function findCycle(n: number, edges: Edge[]): Edge[] {
  // Depth-first search for a cycle; returns its edges in order.
  const state = new Array<number>(n).fill(0);
  const stack: Edge[] = [];
  let found: Edge[] | undefined;
  const visit = (v: number): void => {
    state[v] = 1;
    for (const e of edges) {
      if (found) return;
      if (e.from !== v) continue;
      if (state[e.to] === 1) {
        const start = stack.findIndex((s) => s.from === e.to);
        found = [...stack.slice(start < 0 ? stack.length : start), e];
        return;
      }
      if (state[e.to] === 0) {
        stack.push(e);
        visit(e.to);
        stack.pop();
      }
    }
    state[v] = 2;
  };
  for (let v = 0; v < n && !found; v++) if (state[v] === 0) visit(v);
  return found ?? [];
}

/** @internal */
export interface LocatedMatch {
  /** e.g. `rule 2 ("api") match 1`. */
  readonly label: string;
  /** Emitted rule position (selection order on ties). */
  readonly rule: number;
  readonly match: AnalyzedMatch;
}

/**
 * Matches of one route that can never select their rule: an identical match in the same rule, or a match whose
 * every request is taken by a match of another rule that wins (higher precedence, or a tie and an earlier rule).
 */
export function findUnreachable(matches: LocatedMatch[]): string[] {
  const errors: string[] = [];
  const byRule = new Map<number, LocatedMatch[]>();
  for (const lm of matches) byRule.set(lm.rule, [...(byRule.get(lm.rule) ?? []), lm]);
  for (const b of matches) {
    for (const a of matches) {
      if (a === b) continue;
      if (a.rule === b.rule) {
        // Within one rule only exact repeats are reported (the rule is selected either way).
        const sameRule = byRule.get(a.rule)!;
        if (sameRule.indexOf(a) < sameRule.indexOf(b) && matchEquivalent(a.match, b.match)) {
          errors.push(`${b.label} (${describeMatch(b.match)}) repeats ${a.label}; remove one of them`);
          break;
        }
        continue;
      }
      const c = comparePrecedence(a.match, b.match);
      const wins = c < 0 || (c === 0 && a.rule < b.rule);
      if (wins && matchContains(a.match, b.match)) {
        const same = matchEquivalent(a.match, b.match);
        errors.push(`${b.label} (${describeMatch(b.match)}) can never be selected: ${same ? 'it is the same match as' : 'every request it matches is taken by'} ${a.label}${same ? '' : ` (${describeMatch(a.match)})`}; remove it or make it more specific`);
        break;
      }
    }
  }
  return errors;
}
