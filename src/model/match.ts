/**
 * The one model of HTTPRoute and GRPCRoute matching that the constructs (synth-time ordering and checks) and the
 * gateway (`src/dataplane/engine`) share: precedence between matches, whether two matches overlap, whether one
 * contains the other, and what both match. Pure: no I/O, no cdk8s.
 *
 * Precedence (after hostnames, which the router decides first), continuing on ties:
 * - HTTPRoute: an Exact path, then a RegularExpression path, then a PathPrefix; within a type the value with more
 *   characters (for RegularExpression paths this is this gateway's choice: the spec leaves it to implementations);
 *   then a method match; then more header matches; then more query parameter matches.
 * - GRPCRoute: more characters in the service (a regular expression that is a plain literal, such as
 *   `task\.TaskService`, counts as the one name it matches; another regular expression by its pattern); then the
 *   method: Exact (or a plain literal) before
 *   RegularExpression before none, more characters first within a kind; then more header matches. (The spec counts
 *   characters; how regular expressions rank is this gateway's choice, made so that an exact method is never
 *   shadowed by a pattern that also selects it.)
 * - Both: the oldest route (`compareRouteAge`), then `namespace/name` alphabetically, then rule order, then match
 *   order.
 * Regular expressions are RE2 and match the whole value (RE2 FullMatch).
 */
import { literalPrefix as literalPrefix0, literalValue, tryRegex } from './regex';

export type PathType = 'Exact' | 'PathPrefix' | 'RegularExpression';
export type ValueType = 'Exact' | 'RegularExpression';

/** A header, query parameter or gRPC name condition. Header names are lower-cased; query names kept as written. */
export interface ValueCondition {
  readonly name: string;
  readonly type: ValueType;
  readonly value: string;
}

/** One match with the CRD defaults applied (the shape of the gateway's compiled match). */
export interface Match {
  /** HTTPRoute only; absent = PathPrefix "/". */
  readonly path?: { readonly type: PathType; readonly value: string };
  /** HTTPRoute only. */
  readonly method?: string;
  readonly headers: readonly ValueCondition[];
  /** HTTPRoute only. */
  readonly queryParams: readonly ValueCondition[];
  /** GRPCRoute only: service and/or method; absent = any call. */
  readonly grpc?: { readonly type: ValueType; readonly service?: string; readonly method?: string };
}

export type Tri = 'yes' | 'no' | 'unknown';

/** The names gRPC service and method conditions use in the normalized form. */
const SERVICE = ':service';
const METHOD = ':method';

interface Norm {
  readonly pathType: PathType;
  readonly pathValue: string;
  readonly method?: string;
  readonly headers: readonly ValueCondition[];
  readonly queryParams: readonly ValueCondition[];
  /** gRPC service/method as conditions named ':service' and ':method'. */
  readonly grpc: readonly ValueCondition[];
}

const norms = new WeakMap<Match, Norm>();

function norm(m: Match): Norm {
  let n = norms.get(m);
  if (n === undefined) {
    const grpc: ValueCondition[] = [];
    if (m.grpc?.service !== undefined) grpc.push({ name: SERVICE, type: m.grpc.type, value: m.grpc.service });
    if (m.grpc?.method !== undefined) grpc.push({ name: METHOD, type: m.grpc.type, value: m.grpc.method });
    n = {
      pathType: m.path?.type ?? 'PathPrefix',
      pathValue: m.path?.value ?? '/',
      method: m.method,
      headers: m.headers,
      queryParams: m.queryParams,
      grpc,
    };
    norms.set(m, n);
  }
  return n;
}

// ---------------------------------------------------------------- precedence

const PATH_RANK: Record<PathType, number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

/** [class, characters] of a gRPC condition: Exact (or literal) 0, RegularExpression 1, absent 2. */
function grpcKey(c: ValueCondition | undefined): [number, number] {
  if (c === undefined) return [2, 0];
  const canon = canonical(c);
  return canon.type === 'Exact' ? [0, canon.value.length] : [1, canon.value.length];
}

function compareNorm(a: Norm, b: Norm): number {
  const byPath = PATH_RANK[a.pathType] - PATH_RANK[b.pathType] || b.pathValue.length - a.pathValue.length;
  if (byPath !== 0) return byPath;
  const sa = grpcKey(a.grpc.find((c) => c.name === SERVICE));
  const sb = grpcKey(b.grpc.find((c) => c.name === SERVICE));
  if (sa[1] !== sb[1]) return sb[1] - sa[1];
  const ma0 = grpcKey(a.grpc.find((c) => c.name === METHOD));
  const mb0 = grpcKey(b.grpc.find((c) => c.name === METHOD));
  if (ma0[0] !== mb0[0]) return ma0[0] - mb0[0];
  if (ma0[1] !== mb0[1]) return mb0[1] - ma0[1];
  const ma = a.method === undefined ? 1 : 0;
  const mb = b.method === undefined ? 1 : 0;
  if (ma !== mb) return ma - mb;
  if (a.headers.length !== b.headers.length) return b.headers.length - a.headers.length;
  return b.queryParams.length - a.queryParams.length;
}

/**
 * Negative when `a` takes precedence over `b` for a request both match, positive when `b` does, 0 on a tie (then
 * the route age, the route name, the rule and the match order decide).
 */
export function comparePrecedence(a: Match, b: Match): number {
  return compareNorm(norm(a), norm(b));
}

/** Why `a` beats `b` (a short phrase such as "Exact path beats PathPrefix"), or undefined on a tie. */
export function precedenceReason(a: Match, b: Match): string | undefined {
  const x = norm(a);
  const y = norm(b);
  if (PATH_RANK[x.pathType] !== PATH_RANK[y.pathType]) return `${x.pathType} path beats ${y.pathType}`;
  if (x.pathValue.length !== y.pathValue.length) {
    return `a ${x.pathType} path of ${x.pathValue.length} characters beats one of ${y.pathValue.length}`;
  }
  const kind = (k: [number, number]) => ['an Exact', 'a RegularExpression', 'no'][k[0]];
  const sa = grpcKey(x.grpc.find((c) => c.name === SERVICE));
  const sb = grpcKey(y.grpc.find((c) => c.name === SERVICE));
  if (sa[1] !== sb[1]) return `a service of ${sa[1]} characters beats one of ${sb[1]}`;
  const ma = grpcKey(x.grpc.find((c) => c.name === METHOD));
  const mb = grpcKey(y.grpc.find((c) => c.name === METHOD));
  if (ma[0] !== mb[0]) return `${kind(ma)} method match beats ${kind(mb)} method match`;
  if (ma[1] !== mb[1]) return `a method of ${ma[1]} characters beats one of ${mb[1]}`;
  if ((x.method === undefined) !== (y.method === undefined)) return 'a method match beats none';
  const plural = (n: number, w: string) => `${n} ${w} match${n === 1 ? '' : 'es'}`;
  if (x.headers.length !== y.headers.length) return `${plural(x.headers.length, 'header')} beat ${y.headers.length}`;
  if (x.queryParams.length !== y.queryParams.length) return `${plural(x.queryParams.length, 'query parameter')} beat ${y.queryParams.length}`;
  return undefined;
}

/** A route for the tie-breaks after match precedence. */
export interface RouteIdentity {
  /** Creation time (epoch ms); undefined = not created yet (younger than any created route). */
  readonly created?: number;
  readonly namespace: string;
  readonly name: string;
}

/** Older first (a route with a creation time is older than one without), then `namespace/name` alphabetically. */
export function compareRouteAge(a: RouteIdentity, b: RouteIdentity): number {
  if (a.created !== b.created) {
    if (a.created === undefined) return 1;
    if (b.created === undefined) return -1;
    if (a.created !== b.created) return a.created - b.created;
  }
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// ---------------------------------------------------------------- paths

function normPrefix(p: string): string {
  let v = p;
  while (v.length > 1 && v.endsWith('/')) v = v.slice(0, -1);
  return v;
}

/** Whether the request path or prefix `path` lies under the PathPrefix `prefix`, element by element. */
function underPrefix(path: string, prefix: string): boolean {
  const np = normPrefix(prefix);
  if (np === '/') return true;
  return path === np || path.startsWith(np + '/');
}

/** Provably: every path that `b` matches, `a` matches. */
function pathContains(a: Norm, b: Norm): boolean {
  switch (a.pathType) {
    case 'Exact':
      return b.pathType === 'Exact' && a.pathValue === b.pathValue;
    case 'PathPrefix':
      if (b.pathType === 'Exact') return underPrefix(b.pathValue, a.pathValue);
      if (b.pathType === 'PathPrefix') return underPrefix(normPrefix(b.pathValue), a.pathValue);
      return false;
    default: {
      if (b.pathType === 'Exact') return tryRegex(a.pathValue, b.pathValue);
      if (a.pathValue === b.pathValue) return true;
      // `LIT.*` matches every path that starts with LIT: every path under a prefix, or of a `LIT2.*`, that does.
      const lit = anyAfterLiteral(a.pathValue);
      if (lit === undefined) return false;
      if (b.pathType === 'PathPrefix') return normPrefix(b.pathValue).startsWith(lit) || (lit === '/' && b.pathValue.startsWith('/'));
      const litB = anyAfterLiteral(b.pathValue);
      return litB !== undefined && litB.startsWith(lit);
    }
  }
}

/** LIT when `pattern` is a plain literal followed by `.*` (any continuation), e.g. "/b" for `/b.*`. */
function anyAfterLiteral(pattern: string): string | undefined {
  if (!pattern.endsWith('.*') || pattern.endsWith('\\.*')) return undefined;
  return literalValue(pattern.slice(0, -2));
}

function prefixesDiverge(a: string, b: string): boolean {
  return !a.startsWith(b) && !b.startsWith(a);
}

function pathOverlap(a: Norm, b: Norm): Tri {
  if (a.pathType === 'RegularExpression' || b.pathType === 'RegularExpression') {
    const [r, o] = a.pathType === 'RegularExpression' ? [a, b] : [b, a];
    const literal = literalPrefix0(r.pathValue);
    if (o.pathType === 'RegularExpression') {
      if (r.pathValue === o.pathValue) return 'yes';
      return prefixesDiverge(literal, literalPrefix0(o.pathValue)) ? 'no' : 'unknown';
    }
    if (o.pathType === 'Exact') return tryRegex(r.pathValue, o.pathValue) ? 'yes' : 'no';
    const np = normPrefix(o.pathValue);
    if (tryRegex(r.pathValue, np) || tryRegex(r.pathValue, np === '/' ? '/' : np + '/')) return 'yes';
    // Paths under the prefix are np itself or start with np + '/'; paths the regex matches start with its literal.
    if (np !== '/' && !np.startsWith(literal) && !literal.startsWith(np + '/')) return 'no';
    return 'unknown';
  }
  if (a.pathType === 'Exact' && b.pathType === 'Exact') return a.pathValue === b.pathValue ? 'yes' : 'no';
  if (a.pathType === 'Exact') return underPrefix(a.pathValue, b.pathValue) ? 'yes' : 'no';
  if (b.pathType === 'Exact') return underPrefix(b.pathValue, a.pathValue) ? 'yes' : 'no';
  return underPrefix(normPrefix(a.pathValue), b.pathValue) || underPrefix(normPrefix(b.pathValue), a.pathValue) ? 'yes' : 'no';
}

// ---------------------------------------------------------------- conditions

/**
 * A regular expression condition that is a plain literal as the Exact condition it is equivalent to (same values,
 * same weight in precedence), so that `x ~ "2"` and `x = "2"` compare equal.
 */
function canonical(c: ValueCondition): ValueCondition {
  const literal = c.type === 'RegularExpression' ? literalValue(c.value) : undefined;
  return literal === undefined ? c : { name: c.name, type: 'Exact', value: literal };
}

/** Provably: every value that satisfies `b` satisfies `a` (same name). */
function conditionContains(ra: ValueCondition, rb: ValueCondition): boolean {
  const [a, b] = [canonical(ra), canonical(rb)];
  if (a.type === 'Exact') return b.type === 'Exact' && a.value === b.value;
  if (b.type === 'RegularExpression') return a.value === b.value;
  return tryRegex(a.value, b.value);
}

function conditionOverlap(ra: ValueCondition, rb: ValueCondition): Tri {
  const [a, b] = [canonical(ra), canonical(rb)];
  if (a.type === 'Exact' && b.type === 'Exact') return a.value === b.value ? 'yes' : 'no';
  if (a.type === 'RegularExpression' && b.type === 'RegularExpression') return a.value === b.value ? 'yes' : 'unknown';
  const [r, e] = a.type === 'RegularExpression' ? [a, b] : [b, a];
  return tryRegex(r.value, e.value) ? 'yes' : 'no';
}

function conditionsContain(a: readonly ValueCondition[], b: readonly ValueCondition[]): boolean {
  return a.every((ca) => b.some((cb) => cb.name === ca.name && conditionContains(ca, cb)));
}

function conditionsOverlap(a: readonly ValueCondition[], b: readonly ValueCondition[]): Tri {
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

// ---------------------------------------------------------------- matches

function containsNorm(a: Norm, b: Norm): boolean {
  return pathContains(a, b)
    && (a.method === undefined || a.method === b.method)
    && conditionsContain(a.grpc, b.grpc)
    && conditionsContain(a.headers, b.headers)
    && conditionsContain(a.queryParams, b.queryParams);
}

/** Provably: every request that `b` matches, `a` matches. */
export function matchContains(a: Match, b: Match): boolean {
  return containsNorm(norm(a), norm(b));
}

/** Whether some request matches both `a` and `b` ('unknown' when regular expressions leave it open). */
export function matchOverlap(a: Match, b: Match): Tri {
  const x = norm(a);
  const y = norm(b);
  if (x.method !== undefined && y.method !== undefined && x.method !== y.method) return 'no';
  const parts = [
    pathOverlap(x, y), conditionsOverlap(x.grpc, y.grpc), conditionsOverlap(x.headers, y.headers), conditionsOverlap(x.queryParams, y.queryParams),
  ];
  if (parts.includes('no')) return 'no';
  return parts.includes('unknown') ? 'unknown' : 'yes';
}

/** Whether `a` and `b` match exactly the same requests with the same precedence. */
export function matchEquivalent(a: Match, b: Match): boolean {
  return comparePrecedence(a, b) === 0 && matchContains(a, b) && matchContains(b, a);
}

export const EMPTY = 'empty';
export const UNKNOWN = 'unknown';

/** The requests both `a` and `b` match, in normalized form. */
export type Intersection = Norm | typeof EMPTY | typeof UNKNOWN;

function intersectConditions(a: readonly ValueCondition[], b: readonly ValueCondition[]): ValueCondition[] | typeof EMPTY | typeof UNKNOWN {
  const out = a.map(canonical);
  for (const cb of b.map(canonical)) {
    const k = out.findIndex((c) => c.name === cb.name);
    if (k < 0) {
      out.push(cb);
      continue;
    }
    const ca = out[k];
    if (ca.type === cb.type && ca.value === cb.value) continue;
    if (ca.type === 'Exact' && cb.type === 'Exact') return EMPTY;
    if (ca.type === 'RegularExpression' && cb.type === 'RegularExpression') return UNKNOWN;
    const [r, e] = ca.type === 'RegularExpression' ? [ca, cb] : [cb, ca];
    if (!tryRegex(r.value, e.value)) return EMPTY;
    out[k] = e;
  }
  return out;
}

/**
 * The requests both `a` and `b` match, as one match; `empty` when there are none, `unknown` when the conjunction
 * of two different regular expressions cannot be written as one match.
 */
export function intersect(a: Match, b: Match): Intersection {
  const x = norm(a);
  const y = norm(b);
  if (x.method !== undefined && y.method !== undefined && x.method !== y.method) return EMPTY;
  let path: { pathType: PathType; pathValue: string };
  const xRegex = x.pathType === 'RegularExpression';
  const yRegex = y.pathType === 'RegularExpression';
  if (xRegex || yRegex) {
    const [r, o] = xRegex ? [x, y] : [y, x];
    if (o.pathType === 'RegularExpression') {
      if (r.pathValue !== o.pathValue) return UNKNOWN;
      path = r;
    } else if (o.pathType === 'Exact') {
      if (!tryRegex(r.pathValue, o.pathValue)) return EMPTY;
      path = o;
    } else if (normPrefix(o.pathValue) === '/') {
      path = r;
    } else {
      return UNKNOWN;
    }
  } else if (x.pathType === 'Exact' || y.pathType === 'Exact') {
    const [e, o] = x.pathType === 'Exact' ? [x, y] : [y, x];
    const ok = o.pathType === 'Exact' ? e.pathValue === o.pathValue : underPrefix(e.pathValue, o.pathValue);
    if (!ok) return EMPTY;
    path = e;
  } else if (underPrefix(normPrefix(y.pathValue), x.pathValue)) {
    path = y;
  } else if (underPrefix(normPrefix(x.pathValue), y.pathValue)) {
    path = x;
  } else {
    return EMPTY;
  }
  const grpc = intersectConditions(x.grpc, y.grpc);
  const headers = intersectConditions(x.headers, y.headers);
  const queryParams = intersectConditions(x.queryParams, y.queryParams);
  if (grpc === EMPTY || headers === EMPTY || queryParams === EMPTY) return EMPTY;
  if (grpc === UNKNOWN || headers === UNKNOWN || queryParams === UNKNOWN) return UNKNOWN;
  return { pathType: path.pathType, pathValue: path.pathValue, method: x.method ?? y.method, headers, queryParams, grpc };
}

/** Provably: every request of the intersection `both` matches `a`. */
export function matchContainsIntersection(a: Match, both: Norm): boolean {
  return containsNorm(norm(a), both);
}

// ---------------------------------------------------------------- descriptions

function q(v: unknown): string {
  return JSON.stringify(v);
}

function describeCondition(kind: string, c: ValueCondition): string {
  return c.type === 'Exact' ? `${kind} ${c.name} = ${q(c.value)}` : `${kind} ${c.name} ~ ${q(c.value)}`;
}

/**
 * A short human description of a match, e.g. `path prefix "/api", method GET, header x-v = "2"` or
 * `service = "demo.Admin", method ~ "Del.*"`.
 */
export function describeMatch(m: Match, grpcRoute: boolean = m.grpc !== undefined): string {
  const parts: string[] = [];
  if (grpcRoute) {
    if (m.grpc === undefined && m.headers.length === 0) parts.push('any call');
    const op = m.grpc?.type === 'Exact' ? '=' : '~';
    if (m.grpc?.service !== undefined) parts.push(`service ${op} ${q(m.grpc.service)}`);
    if (m.grpc?.method !== undefined) parts.push(`method ${op} ${q(m.grpc.method)}`);
  } else {
    const p = norm(m);
    const path = p.pathType === 'Exact' ? 'exact path' : p.pathType === 'PathPrefix' ? 'path prefix' : 'path regex';
    parts.push(`${path} ${q(p.pathValue)}`);
  }
  if (m.method !== undefined) parts.push(`method ${m.method}`);
  parts.push(...m.headers.map((h) => describeCondition('header', h)));
  parts.push(...m.queryParams.map((h) => describeCondition('query', h)));
  return parts.join(', ');
}
