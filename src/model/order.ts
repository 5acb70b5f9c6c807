/**
 * Emitted rule order and reachability within one route, from the shared match model (`match.ts`). Pure: no I/O.
 *
 * A rule may hold matches of different specificity and must not be split (its name, filters and status belong to
 * one rule), so sorting rules by their most specific match alone could let a first-match gateway pick a less
 * specific match of an earlier rule where the spec picks a more specific match of a later one. `orderRules`
 * therefore emits a topological order of the constraints "rule i must come before rule j" (some match of i wins
 * over an overlapping match of j, or they tie and i was written first), choosing among the available rules by
 * (most specific match, author order). Without mixed-specificity conflicts this is exactly the stable sort by
 * most specific match. When the constraints form a cycle no order routes the same way under both semantics:
 * that is an error naming the rules and matches, and the author moves the offending match into its own rule.
 * Overlaps that cannot be decided (regular expressions against each other or against prefixes) give soft
 * constraints: honoured when possible, otherwise reported as a warning.
 */
import { comparePrecedence, describeMatch, EMPTY, intersect, Match, matchContains, matchContainsIntersection, matchEquivalent, matchOverlap, UNKNOWN } from './match';
import { ruleLabel } from './rule-label';

/** The rules of one route in the order they were written. */
export interface RuleForOrdering {
  readonly matches: readonly Match[];
}

interface Edge {
  readonly from: number;
  readonly to: number;
  readonly hard: boolean;
  readonly why: (label: (i: number) => string) => string;
}

export interface OrderResult {
  /** Author indices in emitted order. */
  readonly order: number[];
  /** Emitted position of each author index. */
  readonly position: number[];
  readonly errors: string[];
  readonly warnings: string[];
}

/**
 * Orders rules so that first-match and spec precedence select the same rule for every request (see above).
 * `label(authorIndex, position)` names a rule in messages, e.g. `rule 2` or `rule "api"`.
 */
export function orderRules(
  rules: readonly RuleForOrdering[], label: (authorIndex: number, position: number) => string, grpcRoute = false,
): OrderResult {
  const n = rules.length;
  const best = rules.map((r) => r.matches.reduce((x, y) => (comparePrecedence(y, x) < 0 ? y : x)));
  const edges: Edge[] = [];
  const m = (l: (i: number) => string, i: number, x: number) => `${l(i)} match ${x + 1} (${describeMatch(rules[i].matches[x], grpcRoute)})`;
  // Whether, among requests matching both `w` (of rule wi) and `l`, a match of a rule other than wi always wins
  // over `w`: then those requests never select rule wi, and rule wi need not come before l's rule for them.
  const covered = (w: Match, wi: number, l: Match): boolean => {
    const both = intersect(w, l);
    if (both === EMPTY) return true;
    if (both === UNKNOWN) return false;
    return rules.some((r, k) => k !== wi && r.matches.some((c) => {
      const p = comparePrecedence(c, w);
      return (p < 0 || (p === 0 && k < wi)) && matchContainsIntersection(c, both);
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
          edges.push({ from: i, to: j, hard: true, why: (l) => `${m(l, i, x)} ties with ${m(l, j, y)} and comes first` });
        } else if (c < 0) {
          edges.push({ from: i, to: j, hard: o === 'yes', why: (l) => `${m(l, i, x)} takes precedence over ${m(l, j, y)}` });
        } else {
          edges.push({ from: j, to: i, hard: o === 'yes', why: (l) => `${m(l, j, y)} takes precedence over ${m(l, i, x)}` });
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
  const result = (order: number[], errors: (l: (i: number) => string) => string[], warnings: (l: (i: number) => string) => string[]): OrderResult => {
    const position = new Array<number>(n);
    order.forEach((authorIndex, pos) => { position[authorIndex] = pos; });
    const l = (i: number) => label(i, position[i]);
    return { order, position, errors: errors(l), warnings: warnings(l) };
  };
  const all = kahn(edges);
  if (all !== undefined) return result(all, () => [], () => []);
  const hardEdges = edges.filter((e) => e.hard);
  const hard = kahn(hardEdges);
  if (hard !== undefined) {
    const cycle = findCycle(n, edges);
    return result(hard, () => [], (l) => [`${cycle.map((e) => l(e.from)).join(', ')} may be selected differently by a first-match gateway than the spec says (${cycle.map((e) => e.why(l)).join('; ')}; the regular expressions involved may or may not overlap); give each rule matches of one specificity`]);
  }
  const cycle = findCycle(n, hardEdges);
  return result(rules.map((_, i) => i).sort((a, b) => priority(a, b)),
    (l) => [`${cycle.map((e) => l(e.from)).join(' and ')} cannot be ordered so that a first-match gateway selects the same rule as the spec: ${cycle.map((e) => e.why(l)).join(', but ')}; move the less specific match into a rule of its own`],
    () => []);
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

export interface LocatedMatch {
  /** e.g. `rule 2 match 1`. */
  readonly label: string;
  /** Emitted rule position (selection order on ties). */
  readonly rule: number;
  readonly match: Match;
}

/** A rule of a route as written: its optional name and its matches (an empty match list already made match-all). */
export interface NamedRule {
  readonly name?: string;
  readonly matches: readonly Match[];
}

/** `orderRules` for the rules of one HTTPRoute or GRPCRoute, each named by `ruleLabel` at its emitted position. */
export function orderRouteRules(rules: readonly NamedRule[], grpcRoute: boolean): OrderResult {
  return orderRules(rules, (i, pos) => ruleLabel(pos, rules[i].name), grpcRoute);
}

/** Every match of a route's rules with its rule's emitted `position` and its label there, e.g. `rule 0 match 1`. */
export function locateMatches(rules: readonly NamedRule[], position: readonly number[]): LocatedMatch[] {
  return rules.flatMap((r, i) => r.matches.map((match, x) => ({ label: `${ruleLabel(position[i], r.name)} match ${x + 1}`, rule: position[i], match })));
}

/**
 * Matches of one route that can never select their rule: an identical match in the same rule, or a match whose
 * every request is taken by a match of another rule that wins (higher precedence, or a tie and an earlier rule).
 *
 * Without regular expressions this is complete: a request under the match's path at a segment no other match
 * names, with a method no other match names and only the match's own headers and query parameters, is taken by a
 * winning match only if that match contains the whole match; so a match no single winning match contains is
 * selected by some request. With regular expressions a match covered only by several others together is not
 * found (and overlaps that cannot be decided are warnings of `orderRules`).
 */
export function findUnreachable(matches: readonly LocatedMatch[], grpcRoute = false): string[] {
  const errors: string[] = [];
  const d = (m: Match) => describeMatch(m, grpcRoute);
  const byRule = new Map<number, LocatedMatch[]>();
  for (const lm of matches) byRule.set(lm.rule, [...(byRule.get(lm.rule) ?? []), lm]);
  for (const b of matches) {
    for (const a of matches) {
      if (a === b) continue;
      if (a.rule === b.rule) {
        // Within one rule only exact repeats are reported (the rule is selected either way).
        const sameRule = byRule.get(a.rule)!;
        if (sameRule.indexOf(a) < sameRule.indexOf(b) && matchEquivalent(a.match, b.match)) {
          errors.push(`${b.label} (${d(b.match)}) repeats ${a.label}; remove one of them`);
          break;
        }
        continue;
      }
      const c = comparePrecedence(a.match, b.match);
      const wins = c < 0 || (c === 0 && a.rule < b.rule);
      if (wins && matchContains(a.match, b.match)) {
        const same = matchEquivalent(a.match, b.match);
        errors.push(`${b.label} (${d(b.match)}) can never be selected: ${same ? 'it is the same match as' : 'every request it matches is taken by'} ${a.label}${same ? '' : ` (${d(a.match)})`}; remove it or make it more specific`);
        break;
      }
    }
  }
  return errors;
}
