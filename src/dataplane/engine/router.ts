/**
 * The pure router: `route(table, request) -> Decision`. No I/O, no clock, never throws.
 *
 * Order of decisions:
 * 1. The socket: (`request.gateway`, `request.port`) selects the listeners on that port.
 * 2. The listener: the single most specific listener whose hostname matches the Host (exact, then
 *    wildcards with more labels, then no hostname). Listener isolation: only routes attached to that
 *    listener are considered. On an HTTPS port with SNI, the SNI selects the listener; when the Host
 *    would select a different listener the answer is 421 (misdirected).
 * 3. Route hostnames: candidate rules are grouped by the route hostname that matches the Host; an
 *    exact hostname comes first, then wildcards by decreasing length, then routes without hostnames
 *    (HTTPRoute `hostnames`: precedence to the most characters of a matching non-wildcard hostname,
 *    then of a matching hostname). A group without a matching rule falls through to the next group.
 * 4. Within a group, the spec's match precedence (see `compareEntries` in compile.ts), precomputed
 *    as a rank at compile time; lookups touch only candidate entries (exact path map, prefix map keyed
 *    by whole-segment prefixes, regexes keyed by their literal prefix up to its last '/').
 *
 * HTTPRoute and GRPCRoute on one listener: compile keeps only one of two routes of different kinds
 * whose hostnames intersect (the spec's rule), so a hostname belongs to one kind. A gRPC request
 * (`request.grpc` set) is matched against the GRPCRoutes whose hostnames match the Host; when no
 * GRPCRoute covers that Host it is matched against the HTTPRoutes like any HTTP/2 POST. A request that
 * is not gRPC never matches a GRPCRoute.
 *
 * Path policy: the path is matched exactly as given (after removing the query), case-sensitive; the
 * proxy and `explain` give it the normalized path of `path-policy.ts` (escapes of unreserved characters
 * decoded, slashes merged, dot-segments removed), which is also the path forwarded to the backend. Exact matches compare the raw string;
 * PathPrefix matches whole segments of the raw string (`/foo` matches `/foo`, `/foo/`, `/foo/bar`, not
 * `/foobar`; a trailing '/' of the prefix value is ignored); RegularExpression must match the whole raw path.
 * Header matching: names case-insensitive, repeated header lines joined with ', '. Query params: names
 * and values compared after percent-decoding ('+' is kept), the first occurrence of a name counts.
 */
import { prefixKey } from './compile';
import {
  CompiledListener, CompiledPort, CompiledTable, Condition, Decision, GrpcBucket, HostBuckets, HttpBucket, IndexEntry,
  RegexGroup, RequestContext, RouteRequest, RoutedDecision,
} from './model';
import { RegexBudgetExceeded, hostnameMatches, normalizeHost, parseQuery } from './util';

const portCache = new WeakMap<CompiledTable, Map<string, Map<number, CompiledPort>>>();

/** The listeners of (gateway, port), or undefined. */
export function findPort(table: CompiledTable, gateway: string, port: number): CompiledPort | undefined {
  let map = portCache.get(table);
  if (!map) {
    map = new Map();
    for (const g of table.gateways) map.set(g.key, new Map(g.ports.map((p) => [p.port, p])));
    portCache.set(table, map);
  }
  return map.get(gateway)?.get(port);
}

/** The most specific listener of the port whose hostname matches `host`. */
export function selectListener(port: CompiledPort, host: string): CompiledListener | undefined {
  for (const l of port.listeners) if (hostnameMatches(l.hostname, host)) return l;
  return undefined;
}

function routed(listener: CompiledListener, e: IndexEntry, hostname: string | undefined): RoutedDecision {
  const p = e.match.path;
  const d: { -readonly [K in keyof RoutedDecision]: RoutedDecision[K] } = { outcome: 'routed', listener, rule: e.rule, match: e.match };
  if (hostname !== undefined) d.hostname = hostname;
  if (p !== undefined && p.type === 'PathPrefix') d.matchedPathPrefix = p.value;
  return d;
}

/** Request values quoted in reasons are cut to a readable length. */
function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** Decides what to do with a request. Never throws. */
export function route(table: CompiledTable, req: RouteRequest): Decision {
  try {
    return decide(table, req);
  } catch (e: any) {
    if (e instanceof RegexBudgetExceeded) return { outcome: 'overloaded', reason: e.message };
    // Defensive: a bug must not take the proxy down; the request is answered 404 with the reason.
    return { outcome: 'not-found', reason: `internal routing error: ${e?.message ?? String(e)}` };
  }
}

function decide(table: CompiledTable, req: RouteRequest): Decision {
  const port = findPort(table, String(req.gateway), Number(req.port));
  if (!port) return { outcome: 'not-found', reason: `no listener for gateway ${clip(String(req.gateway))} port ${req.port}` };
  const host = normalizeHost(req.host);
  const byHost = selectListener(port, host);
  let listener = byHost;
  if (port.protocol === 'HTTPS' && req.sni) {
    const sni = normalizeHost(req.sni);
    const bySni = selectListener(port, sni);
    if (bySni && byHost && bySni !== byHost) {
      return {
        outcome: 'misdirected',
        listener: bySni,
        reason: `the TLS server name "${clip(sni)}" selected listener "${bySni.name}" but host "${clip(host)}" belongs to listener "${byHost.name}"`,
      };
    }
    listener = bySni ?? byHost;
  }
  if (!listener) return { outcome: 'not-found', reason: `no listener of ${req.gateway} port ${req.port} accepts host "${clip(host)}"` };

  const path = typeof req.path === 'string' ? req.path : String(req.path ?? '');
  const ctx: RequestContext = {};
  if (req.grpc && typeof req.grpc.service === 'string' && typeof req.grpc.method === 'string') {
    if (anyBucket(listener.index.grpc, host)) {
      const hit = firstInBuckets(listener.index.grpc, host, (b) => lookupGrpc(b, req, ctx));
      if (hit) return routed(listener, hit.entry, hit.hostname);
      return { outcome: 'not-found', listener, reason: `no GRPCRoute rule of listener "${listener.name}" matches ${clip(`${req.grpc.service}/${req.grpc.method}`)}` };
    }
  }
  const hit = firstInBuckets(listener.index.http, host, (b) => lookupHttp(b, path, req, ctx));
  if (hit) return routed(listener, hit.entry, hit.hostname);
  return {
    outcome: 'not-found',
    listener,
    reason: listener.attachedRoutes === 0
      ? `no route is attached to listener "${listener.name}"`
      : `no rule of the routes attached to listener "${listener.name}" matches host "${clip(host)}" path "${clip(path)}"`,
  };
}

/**
 * Calls `visit` with each bucket whose hostname matches `host`, in precedence order, until it returns
 * an entry: the exact hostname, then wildcards from the longest suffix to the shortest, then routes
 * without hostnames.
 */
function firstInBuckets<B>(
  hb: HostBuckets<B>,
  host: string,
  visit: (bucket: B, hostname: string | undefined) => IndexEntry | undefined,
): { entry: IndexEntry; hostname?: string } | undefined {
  const exact = hb.exact.get(host);
  if (exact) {
    const e = visit(exact, host);
    if (e) return { entry: e, hostname: host };
  }
  if (hb.wildcard.size > 0) {
    // '.b.example.com', '.example.com', '.com' for 'a.b.example.com': longest suffix first.
    for (let i = host.indexOf('.'); i > 0 && i < host.length - 1; i = host.indexOf('.', i + 1)) {
      if (host.charCodeAt(i - 1) === 46 /* '.' */) continue; // empty label
      const suffix = host.slice(i);
      const b = hb.wildcard.get(suffix);
      if (b) {
        const e = visit(b, `*${suffix}`);
        if (e) return { entry: e, hostname: `*${suffix}` };
      }
    }
  }
  if (hb.any) {
    const e = visit(hb.any, undefined);
    if (e) return { entry: e };
  }
  return undefined;
}

/** Whether any bucket's hostname matches `host`. */
function anyBucket<B>(hb: HostBuckets<B>, host: string): boolean {
  return firstInBuckets(hb, host, () => ANY_ENTRY) !== undefined;
}
const ANY_ENTRY = {} as IndexEntry;

/** Value of a header for matching: repeated lines joined with ', ' (RFC 7230 section 3.2.2). */
export function headerValue(headers: RouteRequest['headers'] | undefined | null, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.join(', ');
  return String(v);
}

function valueOk(expected: Condition, actual: string | undefined): boolean {
  if (typeof expected === 'string') return actual === expected;
  return actual !== undefined && expected(actual);
}

/** Whether the request meets an entry's non-path conditions (method, headers, query, gRPC). */
function passes(e: IndexEntry, req: RouteRequest, ctx: RequestContext): boolean {
  if (e.grpcService !== undefined || e.grpcMethod !== undefined) {
    const g = req.grpc;
    if (!g) return false;
    if (e.grpcService !== undefined && !valueOk(e.grpcService, g.service)) return false;
    if (e.grpcMethod !== undefined && !valueOk(e.grpcMethod, g.method)) return false;
  }
  if (e.method !== undefined && req.method !== e.method) return false;
  const h = e.headers;
  if (h !== undefined) {
    for (let i = 0; i < h.length; i += 2) if (!valueOk(h[i + 1], headerValue(req.headers, h[i] as string))) return false;
  }
  const q = e.query;
  if (q !== undefined) {
    if (!ctx.query) ctx.query = parseQuery(req.query);
    for (let i = 0; i < q.length; i += 2) if (!valueOk(q[i + 1], ctx.query.get(q[i] as string))) return false;
  }
  return true;
}

function firstPassing(list: readonly IndexEntry[] | undefined, req: RouteRequest, ctx: RequestContext): IndexEntry | undefined {
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) if (passes(list[i], req, ctx)) return list[i];
  return undefined;
}

function lookupHttp(bucket: HttpBucket, path: string, req: RouteRequest, ctx: RequestContext): IndexEntry | undefined {
  // 1. Exact paths (rank above every regex and prefix entry).
  if (bucket.exact !== undefined) {
    const exact = firstPassing(bucket.exact.get(path), req, ctx);
    if (exact) return exact;
  }

  // 2. Regular expressions whose literal prefix (cut after its last '/') the path starts with and whose
  //    required path segment the path has, best rank first.
  const regex = bucket.regex;
  if (regex !== undefined) {
    const e = lookupRegex(regex, bucket.regexKeyLengths ?? [], path, req, ctx);
    if (e) return e;
  }

  // 3. Prefixes, longest whole-segment prefix first.
  const prefix = bucket.prefix;
  if (prefix !== undefined && path.charCodeAt(0) === 47 /* '/' */) {
    const trimmed = prefixKey(path);
    const e = firstPassing(prefix.get(trimmed), req, ctx);
    if (e) return e;
    for (let i = trimmed.lastIndexOf('/'); i > 0; i = trimmed.lastIndexOf('/', i - 1)) {
      const p = firstPassing(prefix.get(trimmed.slice(0, i)), req, ctx);
      if (p) return p;
    }
    if (trimmed !== '/') return firstPassing(prefix.get('/'), req, ctx);
  }
  return undefined;
}

/** The candidate lists of one regex group for `path` (segments computed once per request, lazily). */
function addRegexCandidates(group: RegexGroup, path: string, segs: { list?: string[] }, out: IndexEntry[][]): void {
  if (group.scan !== undefined) out.push(group.scan);
  const by = group.bySegment;
  if (by === undefined) return;
  const segments = segs.list ??= pathSegments(path);
  for (let i = 0; i < segments.length; i++) {
    const list = by.get(segments[i]);
    if (list !== undefined && !out.includes(list)) out.push(list);
  }
}

/** The non-empty segments of a path ('/a//b/' -> ['a', 'b']). */
function pathSegments(path: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47 /* '/' */) {
      if (i > start) out.push(path.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

function lookupRegex(regex: Map<string, RegexGroup>, keyLengths: readonly number[], path: string, req: RouteRequest,
  ctx: RequestContext): IndexEntry | undefined {
  const lists: IndexEntry[][] = [];
  const segs: { list?: string[] } = {};
  const root = regex.get('');
  if (root !== undefined) addRegexCandidates(root, path, segs, lists);
  // The path's own prefixes that end in '/', at the lengths some key has (shortest first).
  for (let k = 0; k < keyLengths.length; k++) {
    const n = keyLengths[k];
    if (n > path.length) break;
    if (path.charCodeAt(n - 1) !== 47 /* '/' */) continue;
    const group = regex.get(path.slice(0, n));
    if (group !== undefined) addRegexCandidates(group, path, segs, lists);
  }
  if (lists.length === 0) return undefined;
  if (lists.length === 1) {
    const list = lists[0];
    for (let i = 0; i < list.length; i++) if (list[i].pathTest!(path) && passes(list[i], req, ctx)) return list[i];
    return undefined;
  }
  // Several lists: the best-ranked entry that matches wins (lists are each ascending by rank).
  let best: IndexEntry | undefined;
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (best !== undefined && e.rank >= best.rank) break;
      if (e.pathTest!(path) && passes(e, req, ctx)) {
        best = e;
        break;
      }
    }
  }
  return best;
}

function lookupGrpc(bucket: GrpcBucket, req: RouteRequest, ctx: RequestContext): IndexEntry | undefined {
  const { service, method } = req.grpc!;
  let best: IndexEntry | undefined;
  for (const list of [bucket.exact.get(`${service}/${method}`), bucket.service.get(service), bucket.method.get(method), bucket.other]) {
    const e = firstPassing(list, req, ctx);
    if (e && (!best || e.rank < best.rank)) best = e;
  }
  return best;
}

/**
 * The gRPC call of a request, when it is one: content-type `application/grpc` (optionally `+proto`,
 * `;...`) and a path `/SERVICE/METHOD` with non-empty parts. Proxies and `explain` use this to fill
 * `RouteRequest.grpc`.
 */
export function grpcCall(contentType: string | readonly string[] | undefined, path: string): { service: string; method: string } | undefined {
  const ct = (Array.isArray(contentType) ? contentType[0] : contentType) as string | undefined;
  if (typeof ct !== 'string' || !/^application\/grpc([+;]|$)/i.test(ct.trim())) return undefined;
  const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
  return m ? { service: m[1], method: m[2] } : undefined;
}
