/**
 * Semantic comparison of synthesized Gateway API objects with the lesson fixtures in `test/fixtures/seed/`.
 *
 * Two objects are "the same" when a Gateway API implementation routes with them identically:
 *
 * - defaults the API server fills in are applied to both sides first (parentRef group/kind/namespace, backendRef
 *   group/kind/namespace/weight, path match type/value, header/query param match type, gRPC method match type,
 *   implicit match-everything rules, listener allowedRoutes, redirect status code);
 * - lists whose order the spec gives no meaning to are compared as multisets (parentRefs, hostnames, backendRefs,
 *   the headers and query params of one match, the matches of one rule);
 * - rules are flattened into one entry per match (a rule matches if ANY of its matches does) and put into the spec's
 *   precedence order with a STABLE sort: entries the spec ranks differently may appear in any order, entries the
 *   spec ranks equally keep their relative order, because for them the spec grants the FIRST rule in list order.
 *   Equally ranked entries that can never match the same request (different Exact/PathPrefix values of the same
 *   length, different methods, different exact gRPC names) are ordered by value, since their order is meaningless.
 *
 * HTTPRoute precedence (CRD `spec.rules[].matches`): Exact path, then PathPrefix with the most characters, then
 * method, then most header matches, then most query param matches. The spec leaves RegularExpression paths
 * implementation-specific; here they rank after Exact and before PathPrefix (Envoy Gateway's order, the `eg` class
 * the lesson uses), a longer pattern first, as this project's gateway ranks them (src/model/match.ts).
 *
 * GRPCRoute precedence (CRD `spec.rules[].matches`): most characters in the service (a plain-literal regular
 * expression counts as its name); then the method, Exact (or a plain literal) before
 * RegularExpression before absent, more characters first; then most header matches (the gateway's ranking of
 * regular expressions, src/model/match.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { literalValue } from '../../src/model/regex';

/** A Kubernetes object as synthesized or parsed: plain JSON. */
export type KubeObject = { readonly [key: string]: any };

const SEED_DIR = path.join(__dirname, '..', 'fixtures', 'seed');

/** The single object of `test/fixtures/seed/<section>/<name>.yaml`. */
export function loadSeed(section: string, name: string): KubeObject {
  const file = path.join(SEED_DIR, section, `${name}.yaml`);
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(docs) || docs.length !== 1) {
    throw new Error(`${file}: expected exactly one YAML document`);
  }
  const [doc] = docs;
  if (doc.errors.length > 0) {
    throw new Error(`${file}: ${doc.errors.map(e => e.message).join('; ')}`);
  }
  return doc.toJS();
}

/** The object of `kind` named `name` among `objects`; throws (listing what is there) when absent or ambiguous. */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter(o => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) {
    const present = objects.map(o => `${o.kind}/${o.metadata?.name}`).join(', ');
    throw new Error(`expected exactly one ${kind}/${name}, found ${found.length} among [${present}]`);
  }
  return found[0];
}

// ---------------------------------------------------------------------------------------------------------------
// canonical JSON: key order never matters

function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) {
        out[key] = sortKeys(v);
      }
    }
    return out;
  }
  return value;
}

/** A multiset: sorted by canonical form. */
function bag<T>(items: readonly T[] | undefined): T[] {
  return [...(items ?? [])].sort((a, b) => compareStrings(canonical(a), canonical(b)));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compact<T extends object>(obj: T): T {
  return JSON.parse(JSON.stringify(obj));
}

// ---------------------------------------------------------------------------------------------------------------
// defaults

function normalizeParentRef(ref: any, routeNamespace: string | undefined) {
  return compact({
    group: ref.group ?? 'gateway.networking.k8s.io',
    kind: ref.kind ?? 'Gateway',
    namespace: ref.namespace ?? routeNamespace,
    name: ref.name,
    sectionName: ref.sectionName,
    port: ref.port,
  });
}

function normalizeBackendObjectRef(ref: any, routeNamespace: string | undefined) {
  const { group, kind, namespace, name, port, weight, filters, ...rest } = ref;
  return compact({
    ...rest,
    group: group ?? '',
    kind: kind ?? 'Service',
    namespace: namespace ?? routeNamespace,
    name,
    port,
    weight,
    filters,
  });
}

function normalizeBackendRef(ref: any, routeNamespace: string | undefined) {
  const normalized = normalizeBackendObjectRef(ref, routeNamespace) as any;
  return compact({
    ...normalized,
    weight: ref.weight ?? 1,
    filters: ref.filters === undefined ? undefined : ref.filters.map((f: any) => normalizeFilter(f, routeNamespace)),
  });
}

function normalizeValueMatches(matches: readonly any[] | undefined, caseInsensitiveNames: boolean) {
  return bag((matches ?? []).map(m => ({
    name: caseInsensitiveNames ? String(m.name).toLowerCase() : m.name,
    type: m.type ?? 'Exact',
    value: m.value,
  })));
}

function normalizeHeaderModifier(mod: any) {
  return compact({
    set: mod.set === undefined ? undefined : bag(mod.set),
    add: mod.add === undefined ? undefined : bag(mod.add),
    remove: mod.remove === undefined ? undefined : [...mod.remove].sort(),
  });
}

function normalizeFilter(filter: any, routeNamespace: string | undefined) {
  switch (filter.type) {
    case 'RequestMirror':
      return compact({
        type: filter.type,
        requestMirror: {
          ...filter.requestMirror,
          backendRef: normalizeBackendObjectRef(filter.requestMirror.backendRef, routeNamespace),
        },
      });
    case 'RequestRedirect':
      return compact({ type: filter.type, requestRedirect: { statusCode: 302, ...filter.requestRedirect } });
    case 'RequestHeaderModifier':
      return { type: filter.type, requestHeaderModifier: normalizeHeaderModifier(filter.requestHeaderModifier) };
    case 'ResponseHeaderModifier':
      return { type: filter.type, responseHeaderModifier: normalizeHeaderModifier(filter.responseHeaderModifier) };
    default:
      return filter;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// rules -> entries in precedence order

/** One match of one rule, with everything the rule does when that match wins. */
export interface RouteEntry {
  /** 0-based rule index in the object as written. */
  readonly rule: number;
  /** 0-based match index in that rule. */
  readonly matchIndex: number;
  /** The normalized match. */
  readonly match: any;
  /** The normalized rule without its matches (filters, backendRefs, timeouts, ...). */
  readonly action: any;
  /** Precedence tuple: compared element by element, larger wins. */
  readonly rank: readonly number[];
  /** Orders equally ranked entries that can never match the same request; '' when they might. */
  readonly disjointKey: string;
}

const PATH_TYPE_RANK: Record<string, number> = { Exact: 3, RegularExpression: 2, PathPrefix: 1 };

/** What a rule does with the requests it matches (everything but its matches), normalized. */
function ruleAction(rule: any, ns: string | undefined): any {
  const { matches: _matches, filters, backendRefs, ...rest } = rule;
  return compact({
    ...rest,
    filters: filters === undefined || filters.length === 0 ? undefined : filters.map((f: any) => normalizeFilter(f, ns)),
    backendRefs: bag((backendRefs ?? []).map((b: any) => normalizeBackendRef(b, ns))),
  });
}

/** A rule's matches; a rule without matches has one match-everything entry. */
function effectiveMatches(rule: any): any[] {
  return rule.matches === undefined || rule.matches.length === 0 ? [{}] : rule.matches;
}

function httpEntries(route: KubeObject): RouteEntry[] {
  const ns = route.metadata?.namespace;
  const entries: RouteEntry[] = [];
  (route.spec?.rules ?? []).forEach((rule: any, ruleIndex: number) => {
    const action = ruleAction(rule, ns);
    const effective = effectiveMatches(rule);
    effective.forEach((m: any, matchIndex: number) => {
      const match = compact({
        path: { type: m.path?.type ?? 'PathPrefix', value: m.path?.value ?? '/' },
        method: m.method,
        headers: normalizeValueMatches(m.headers, true),
        queryParams: normalizeValueMatches(m.queryParams, false),
      }) as any;
      const isRegex = match.path.type === 'RegularExpression';
      entries.push({
        rule: ruleIndex,
        matchIndex,
        match,
        action,
        rank: [
          PATH_TYPE_RANK[match.path.type] ?? 0,
          match.path.value.length,
          match.method === undefined ? 0 : 1,
          match.headers.length,
          match.queryParams.length,
        ],
        disjointKey: isRegex ? '' : `${match.path.value}\u0000${match.method ?? ''}`,
      });
    });
  });
  return entries;
}

function grpcEntries(route: KubeObject): RouteEntry[] {
  const ns = route.metadata?.namespace;
  const entries: RouteEntry[] = [];
  (route.spec?.rules ?? []).forEach((rule: any, ruleIndex: number) => {
    const action = ruleAction(rule, ns);
    const effective = effectiveMatches(rule);
    effective.forEach((m: any, matchIndex: number) => {
      const method = m.method === undefined ? undefined : compact({
        type: m.method.type ?? 'Exact',
        service: m.method.service || undefined,
        method: m.method.method || undefined,
      }) as any;
      const match = compact({ method, headers: normalizeValueMatches(m.headers, true) }) as any;
      const exact = method !== undefined && method.type === 'Exact';
      entries.push({
        rule: ruleIndex,
        matchIndex,
        match,
        action,
        rank: [grpcRank(method?.type, method?.service)[1], ...grpcRank(method?.type, method?.method), match.headers.length],
        disjointKey: exact ? `${method.service ?? ''}/${method.method ?? ''}` : '',
      });
    });
  });
  return entries;
}

/** [kind, characters] of a gRPC service or method: Exact or a plain literal 2, RegularExpression 1, absent 0. */
function grpcRank(type: string | undefined, value: string | undefined): [number, number] {
  if (value === undefined) return [0, 0];
  const literal = type === 'RegularExpression' ? literalValue(value) : value;
  return literal === undefined ? [1, value.length] : [2, literal.length];
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? 0) - (a[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

/** The entries of an HTTPRoute or GRPCRoute, flattened and stably sorted into spec precedence order. */
export function routeEntries(route: KubeObject): RouteEntry[] {
  const entries = route.kind === 'GRPCRoute' ? grpcEntries(route) : httpEntries(route);
  return entries
    .map((entry, position) => ({ entry, position }))
    .sort((a, b) => {
      const byRank = compareRanks(a.entry.rank, b.entry.rank);
      if (byRank !== 0) {
        return byRank;
      }
      if (a.entry.disjointKey !== '' && b.entry.disjointKey !== '' && a.entry.disjointKey !== b.entry.disjointKey) {
        return compareStrings(a.entry.disjointKey, b.entry.disjointKey);
      }
      return a.position - b.position;
    })
    .map(x => x.entry);
}

function describeEntry(entry: RouteEntry): string {
  return `rule ${entry.rule + 1} match ${entry.matchIndex + 1}: ${canonical(entry.match)} -> ${canonical(entry.action)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// whole objects

function normalizeGateway(gw: KubeObject) {
  const { listeners, ...spec } = gw.spec ?? {};
  return {
    spec: compact(spec),
    listeners: bag((listeners ?? []).map((l: any) => compact({
      ...l,
      allowedRoutes: { ...l.allowedRoutes, namespaces: { from: 'Same', ...l.allowedRoutes?.namespaces } },
    }))),
  };
}

function routeHeader(route: KubeObject) {
  const ns = route.metadata?.namespace;
  const { parentRefs, hostnames, rules, ...rest } = route.spec ?? {};
  return {
    parentRefs: bag((parentRefs ?? []).map((p: any) => normalizeParentRef(p, ns))),
    hostnames: [...(hostnames ?? [])].sort(),
    rest: compact(rest),
  };
}

/**
 * The semantic differences between `actual` and `expected` (empty when they route identically), each a sentence
 * naming where and what.
 */
export function seedDifferences(actual: KubeObject, expected: KubeObject): string[] {
  const diffs: string[] = [];
  const where = `${expected.kind}/${expected.metadata?.name}`;
  const same = (label: string, a: unknown, e: unknown) => {
    if (canonical(a) !== canonical(e)) {
      diffs.push(`${where}: ${label} differs: got ${canonical(a)}, the lesson has ${canonical(e)}`);
    }
  };
  same('apiVersion', actual.apiVersion, expected.apiVersion);
  same('kind', actual.kind, expected.kind);
  same('metadata.name', actual.metadata?.name, expected.metadata?.name);
  same('metadata.namespace', actual.metadata?.namespace, expected.metadata?.namespace);
  if (diffs.length > 0) {
    return diffs;
  }

  if (expected.kind === 'Gateway') {
    const a = normalizeGateway(actual);
    const e = normalizeGateway(expected);
    same('spec', a.spec, e.spec);
    same('listeners', a.listeners, e.listeners);
    return diffs;
  }

  if (expected.kind !== 'HTTPRoute' && expected.kind !== 'GRPCRoute') {
    same('spec', actual.spec, expected.spec);
    return diffs;
  }

  const ah = routeHeader(actual);
  const eh = routeHeader(expected);
  same('parentRefs', ah.parentRefs, eh.parentRefs);
  same('hostnames', ah.hostnames, eh.hostnames);
  same('spec (other fields)', ah.rest, eh.rest);

  const got = routeEntries(actual);
  const want = routeEntries(expected);
  const key = (e: RouteEntry) => canonical({ match: e.match, action: e.action });
  const remaining = [...got];
  for (const w of want) {
    const i = remaining.findIndex(g => key(g) === key(w));
    if (i < 0) {
      diffs.push(`${where}: missing ${describeEntry(w)}`);
    } else {
      remaining.splice(i, 1);
    }
  }
  for (const g of remaining) {
    diffs.push(`${where}: unexpected ${describeEntry(g)}`);
  }
  if (diffs.length === 0) {
    const order = (entries: RouteEntry[]) => entries.map(e => key(e));
    if (canonical(order(got)) !== canonical(order(want))) {
      diffs.push(`${where}: equally ranked rules are in a different order, so a different rule wins their ties: got\n  `
        + got.map(e => describeEntry(e)).join('\n  ')
        + '\nthe lesson has\n  ' + want.map(e => describeEntry(e)).join('\n  '));
    }
  }
  return diffs;
}

/** Jest assertion: `actual` routes exactly as the lesson's `expected` object. */
export function expectMatchesSeed(actual: KubeObject, expected: KubeObject): void {
  expect(seedDifferences(actual, expected)).toStrictEqual([]);
}

/**
 * The places where a route's rules, as written, are NOT in spec precedence order (empty when they are): each
 * match must rank at most as high as every match written before it.
 */
export function precedenceViolations(route: KubeObject): string[] {
  const entries = route.kind === 'GRPCRoute' ? grpcEntries(route) : httpEntries(route);
  const violations: string[] = [];
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const cur = entries[i];
    if (compareRanks(prev.rank, cur.rank) > 0) {
      violations.push(`${route.kind}/${route.metadata?.name}: ${describeEntry(cur)} outranks the match before it `
        + `(${describeEntry(prev)})`);
    }
  }
  return violations;
}
