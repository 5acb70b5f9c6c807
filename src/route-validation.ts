// Checks shared by HttpRoute and GrpcRoute. Internal: not exported from index.ts.
import { MatchType } from './header-match';
import { ParentRef, parentNoun } from './parent-ref';
import { q } from './validation';

/** @internal */
export interface RuleSummary {
  readonly name?: string;
  /** Matches after defaults (an HTTPRoute rule without matches counts one). */
  readonly matches: number;
  /** Matches as the CRD's total-matches rule counts them (after the API server's defaults). */
  readonly explicitMatches: number;
}

/**
 * hostnames <= 16; parentRefs <= 32 and the two sectionName CEL rules; in-app Gateway listeners exist; rules <= 16;
 * total matches <= 128; rule names unique.
 */
export function validateRouteCommon(
  path: string, kind: string, namespace: string | undefined, parentRefs: ParentRef[], hostnames: string[], rules: RuleSummary[],
  maxHostnames: number = 16,
): string[] {
  const errors: string[] = [];
  if (parentRefs.length > 32) errors.push(`${path}: the route has ${parentRefs.length} parentRefs; at most 32 are allowed`);
  if (hostnames.length > maxHostnames) errors.push(`${path}: the route has ${hostnames.length} hostnames; at most ${maxHostnames} are allowed (use a wildcard such as "*.example.com" or split the route)`);
  const byParent = new Map<string, ParentRef[]>();
  for (const p of parentRefs) {
    const key = p._parentKey(namespace);
    byParent.set(key, [...(byParent.get(key) ?? []), p]);
  }
  for (const refs of byParent.values()) {
    if (refs.length < 2) continue;
    const noun = parentNoun(refs[0].kind);
    const parent = `${noun} ${q(refs[0]._parentName(namespace))}`;
    if (refs.some((r) => r.sectionName === undefined)) {
      errors.push(`${path}: parentRefs reference ${parent} ${refs.length} times, not all with a sectionName; give every reference to the same ${noun} a distinct sectionName (or reference it once)`);
      continue;
    }
    const seen = new Set<string>();
    for (const r of refs) {
      if (seen.has(r.sectionName!)) {
        errors.push(`${path}: parentRefs reference listener ${q(r.sectionName)} of ${parent} twice; sectionName must be unique per ${noun}, remove the repeat`);
      }
      seen.add(r.sectionName!);
    }
  }
  for (const p of parentRefs) errors.push(...p._validate({ kind, namespace, hostnames }).map((e) => `${path}: ${e}`));
  if (rules.length > 16) errors.push(`${path}: the route has ${rules.length} rules; at most 16 are allowed (split the route)`);
  const total = rules.reduce((n, r) => n + r.explicitMatches, 0);
  if (total > 128) errors.push(`${path}: the route has ${total} matches across its rules; at most 128 are allowed (split the route)`);
  const names = new Set<string>();
  for (const r of rules) {
    if (r.name === undefined) continue;
    if (names.has(r.name)) errors.push(`${path}: two rules are named ${q(r.name)}; rule names must be unique in a route`);
    names.add(r.name);
  }
  return errors;
}

/**
 * A rule in messages raised while its route is built, before its emitted position (`ruleLabel`) is known: by its
 * name, else as the n-th rule added (e.g. `rule "api"`, `the 2nd rule added`).
 */
export function addedLabel(index: number, name: string | undefined): string {
  if (name !== undefined) return `rule ${q(name)}`;
  const n = index + 1;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `the ${n}${suffix} rule added`;
}

export function normalizeConditions(what: string, kind: 'header' | 'query parameter', items: Array<{ name: string; type: MatchType; value: string }>, caseInsensitive: boolean) {
  if (items.length > 16) {
    throw new Error(`${what} has ${items.length} ${kind} matches; at most 16 are allowed`);
  }
  const seen = new Map<string, string>();
  return items.map((h) => {
    const key = caseInsensitive ? h.name.toLowerCase() : h.name;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new Error(`${what} matches ${kind} ${q(other)} twice${other !== h.name ? ` (as ${q(other)} and ${q(h.name)}; ${kind} names are case-insensitive)` : ''}; the gateway would ignore the second, so keep one`);
    }
    seen.set(key, h.name);
    return { name: key, type: h.type, value: h.value };
  });
}

export function renderConditions(items: Array<{ name: string; type: MatchType; value: string }> | undefined): any[] | undefined {
  return items === undefined || items.length === 0 ? undefined : items.map((h) => ({ name: h.name, type: h.type, value: h.value }));
}
