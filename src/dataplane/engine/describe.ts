/**
 * JSON views of the compiled table: `describeTable` is what the proxy's `/config` admin endpoint
 * serves; `explain` says what the router decides for one request and why. Private keys never appear
 * (certificates are named by their Secret only).
 */
import { backendProbabilities, pickBackend } from './balancer';
import { prefixKey } from './compile';
import {
  AttachedRoute, CompiledBackend, CompiledFilter, CompiledListener, CompiledMatch, CompiledRule, CompiledTable, CompiledTlsListener, Decision,
  RouteRequest, UpstreamTls,
} from './model';
import { checkAuthority, checkRequestTarget } from './path-policy';
import { headerValue, route } from './router';
import { compileRegex, hostnameMatches, normalizeHost, parseQuery } from './util';
import { compareRouteAge, precedenceReason } from '../../model/match';
import { ruleLabel } from '../../model/rule-label';
import { modifyPath, redirectLocation } from '../proxy/filters';

/** One backendRef of a rule as `explain` and `/config` show it: the object it names, its weight and share, and where it sends. */
export interface DescribedBackend {
  /** The API group of the referenced object (`""` for a core Service). */
  readonly group: string;
  /** The kind of the referenced object, `Service` unless the backendRef names another kind. */
  readonly kind: string;
  /** The namespace of the referenced object (the route's own unless the backendRef names another). */
  readonly namespace: string;
  /** The name of the referenced object. */
  readonly name: string;
  /** The port of the Service the backendRef names; absent for kinds without a port. */
  readonly port?: number;
  /** The backendRef's weight (1 when not given; 0 is never picked). */
  readonly weight: number;
  /** The share of the rule's requests this backend gets: its weight over the rule's total weight, from 0 to 1. */
  readonly probability: number;
  /** How the gateway speaks to it, from the Service port's appProtocol: `http1`, `h2c` or `ws`; absent when invalid. */
  readonly protocol?: string;
  /** The endpoints the gateway sends to, as `HOST:PORT` (an IPv6 host in brackets); absent when invalid. */
  readonly endpoints?: string[];
  /** The backendRef's own filters, applied only when this backend is picked, as JSON; absent when it has none. */
  readonly filters?: unknown[];
  /**
   * Why the backend cannot be used, when it cannot: `reason` is `InvalidKind`, `BackendNotFound`, `RefNotPermitted`
   * or `UnresolvedBackend`, and `message` says what is wrong. Requests that pick it get 500.
   */
  readonly invalid?: { reason: string; message: string };
}

export function describeBackend(b: CompiledBackend, probability: number): DescribedBackend {
  return {
    group: b.ref.group,
    kind: b.ref.kind,
    namespace: b.ref.namespace,
    name: b.ref.name,
    ...(b.ref.port !== undefined ? { port: b.ref.port } : {}),
    weight: b.weight,
    probability,
    ...(b.target ? { protocol: b.target.protocol, endpoints: b.target.endpoints.map((e) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`) } : {}),
    ...(b.target?.tls ? { tls: describeUpstreamTls(b.target.tls) } : {}),
    ...(b.filters.length > 0 ? { filters: b.filters.map(describeFilter) } : {}),
    ...(b.invalid ? { invalid: { ...b.invalid } } : {}),
  };
}

/** A backend's BackendTLSPolicy as plain data: names only, no certificate material. */
function describeUpstreamTls(t: UpstreamTls): unknown {
  return {
    policy: t.policy,
    hostname: t.hostname,
    ca: t.ca === undefined ? 'System' : 'caCertificateRefs',
    ...(t.subjectAltNames.length > 0 ? { subjectAltNames: t.subjectAltNames.map((s) => `${s.type}:${s.value}`) } : {}),
    ...(t.invalid !== undefined ? { invalid: t.invalid } : {}),
  };
}

/** A TLS socket's listeners and TLSRoutes as plain data (certificates named by their Secret only). */
function describeTlsListener(l: CompiledTlsListener): unknown {
  return {
    name: l.name,
    ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
    mode: l.mode,
    ...(l.mode === 'Terminate' ? { secrets: l.certificates.map((c) => c.secret) } : {}),
    routes: l.routes.map((r) => ({
      kind: 'TLSRoute',
      namespace: r.namespace,
      name: r.name,
      hostnames: [...r.hostnames],
      backends: r.backends.map((b) => describeBackend(b, r.totalWeight > 0 ? b.weight / r.totalWeight : 0)),
    })),
  };
}

export function describeFilter(f: CompiledFilter): unknown {
  if (f.type === 'RequestMirror') return { type: f.type, fraction: f.fraction, backend: describeBackend(f.backend, 1) };
  if (f.type === 'RequestHeaderModifier' || f.type === 'ResponseHeaderModifier') {
    const pairs = (list: readonly (readonly [string, string])[]) => list.map(([n, v]) => ({ name: n, value: v }));
    return { type: f.type, set: pairs(f.set), add: pairs(f.add), remove: [...f.remove] };
  }
  return JSON.parse(JSON.stringify(f));
}

export function describeMatch(m: CompiledMatch): unknown {
  return JSON.parse(JSON.stringify(m));
}

/** One line summary of a match, e.g. `PathPrefix /api, method GET, header version=2`. */
export function matchSummary(m: CompiledMatch): string {
  const parts: string[] = [];
  if (m.path) parts.push(`${m.path.type} ${m.path.value}`);
  if (m.grpc) parts.push(`${m.grpc.type === 'Exact' ? '' : 'regex '}service ${m.grpc.service ?? '*'} method ${m.grpc.method ?? '*'}`);
  if (!m.path && !m.grpc) parts.push('any gRPC call');
  if (m.method) parts.push(`method ${m.method}`);
  for (const h of m.headers) parts.push(`header ${h.name}${h.type === 'Exact' ? '=' : '~'}${h.value}`);
  for (const q of m.queryParams) parts.push(`query ${q.name}${q.type === 'Exact' ? '=' : '~'}${q.value}`);
  return parts.join(', ');
}

export function describeRule(rule: CompiledRule): unknown {
  const probs = backendProbabilities(rule);
  return {
    index: rule.index,
    ...(rule.name !== undefined ? { name: rule.name } : {}),
    matches: rule.matches.map(describeMatch),
    filters: rule.filters.map(describeFilter),
    backends: rule.backends.map((b, i) => describeBackend(b, probs[i])),
    totalWeight: rule.totalWeight,
    ...(rule.timeouts ? { timeouts: { ...rule.timeouts } } : {}),
    ...(rule.retry ? { retry: { ...rule.retry, codes: [...rule.retry.codes] } } : {}),
    ...(rule.directResponse ? { directResponse: { ...rule.directResponse } } : {}),
  };
}

function describeListenerRef(l: CompiledListener) {
  return { gateway: l.gateway, name: l.name, port: l.port, protocol: l.protocol, ...(l.hostname !== undefined ? { hostname: l.hostname } : {}) };
}

/** The whole table as plain JSON (no private keys, no router index). */
export function describeTable(table: CompiledTable): unknown {
  return {
    generation: table.generation,
    gateways: table.gateways.map((g) => ({
      namespace: g.namespace,
      name: g.name,
      ports: g.ports.map((p) => ({
        port: p.port,
        protocol: p.protocol,
        listeners: p.listeners.map((l) => ({
          ...describeListenerRef(l),
          ...(l.tls ? { tls: { certificates: l.tls.certificates.map((c) => c.secret) } } : {}),
          attachedRoutes: l.attachedRoutes,
          routes: l.routes.map((r) => ({
            kind: r.kind,
            namespace: r.namespace,
            name: r.name,
            hostnames: [...r.hostnames],
            rules: r.rules.map(describeRule),
          })),
        })),
      })),
    })),
    sockets: table.sockets.map((s) => ({
      gateway: s.gateway,
      port: s.port,
      protocol: s.protocol,
      ...(s.certificates ? {
        certificates: s.certificates.map((c) => ({
          listener: c.listener,
          ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
          secrets: c.certificates.map((x) => x.secret),
        })),
      } : {}),
      ...(s.clientValidation ? { clientValidation: { mode: s.clientValidation.mode } } : {}),
      ...(s.tlsListeners ? { tlsListeners: s.tlsListeners.map(describeTlsListener) } : {}),
    })),
    warnings: table.warnings.map((w) => ({ ...w })),
  };
}

/** What the gateway does with one request, and why: the answer of `explain` and of `RouteTester.request`. */
export interface ExplainResult {
  /**
   * The request as the gateway routes it, after the request-target is normalized: `gateway` (`NAMESPACE/NAME`),
   * `port`, `sni` (TLS only), `host`, `method`, `path`, `query` (without `?`) and, for a gRPC call, its `service`
   * and `method`.
   */
  readonly request: {
    gateway: string;
    port: number;
    sni?: string;
    host: string;
    method: string;
    path: string;
    query: string;
    grpc?: { service: string; method: string };
  };
  /**
   * What happened to the request: `routed` (a rule took it), `not-found` (no rule matches: 404, gRPC
   * UNIMPLEMENTED), `misdirected` (421: the Host belongs to another listener than the TLS SNI), `overloaded` (503:
   * the regular-expression budget was spent) or `refused` (the request-target or host is refused, or `OPTIONS *`
   * answered, before routing).
   */
  readonly outcome: Decision['outcome'] | 'refused';
  /** The status the gateway answers before contacting a backend (200 = forwarded to a backend). */
  readonly status: number;
  /** Why, in a sentence that names the route and rule (`HTTPRoute shop/web rule "read" forwards to a backend`). */
  readonly reason: string;
  /**
   * The listener that took the request: its Gateway (`NAMESPACE/NAME`), `name`, `port`, `protocol` and `hostname`;
   * absent when no listener was selected.
   */
  readonly listener?: { gateway: string; name: string; port: number; protocol: string; hostname?: string };
  /** Routed only: the route (`kind`, `namespace`, `name`) and the route hostname that matched the request's host. */
  readonly route?: { kind: string; namespace: string; name: string; hostname?: string };
  /**
   * Routed only: the rule, by its 0-based `index` in the emitted `spec.rules` and its `name` when it has one, and the
   * `source` (`file:document`) of its route.
   */
  readonly rule?: { index: number; name?: string; source: string };
  /** Routed only: the match that selected the request, by its 0-based `index` in the rule, as a `summary` line and as JSON. */
  readonly matches?: { index: number; summary: string; match: unknown };
  /** Routed only: the rule's backends with their shares (empty otherwise). */
  readonly backends: DescribedBackend[];
  /** Routed only: the rule-level filters, in order, as JSON (empty otherwise). */
  readonly filters: unknown[];
  /**
   * Routed only: the rule's timeouts, `requestMs` (the whole request) and `backendRequestMs` (each attempt), 0 when
   * disabled; absent when none is set.
   */
  readonly timeouts?: unknown;
  /**
   * Routed only: the rule's retry (experimental channel), the status `codes` retried, the `attempts` and the
   * `backoffMs` between them; absent when none is set.
   */
  readonly retry?: unknown;
  /** Routed only: what the request becomes (the redirect's Location, or the host and path the backend sees). */
  readonly effect?: ExplainEffect;
  /** Routed only: every other match of the listener that the request meets, and why the winner beat it. */
  readonly alsoMatched?: AlsoMatched[];
  /**
   * Not found only: the rules of the selected listener and the first condition each one fails
   * (hostname, path, method, header NAME, query NAME, gRPC service/method), at most 20.
   */
  readonly nearMisses?: NearMiss[];
}

/** What a routed request becomes: a redirect, or the request the backend receives. */
export interface ExplainEffect {
  /** A RequestRedirect: the status and the Location the client gets. */
  readonly redirect?: { readonly status: number; readonly location: string };
  /** Forwarded: the Host and path (with query) the backend receives, after a rule-level URLRewrite. */
  readonly upstream?: { readonly host: string; readonly path: string };
}

/** Another match that the request meets, and why the selected one beat it. */
export interface AlsoMatched {
  /** The route, as `KIND NAMESPACE/NAME`. */
  readonly route: string;
  /** The 0-based position of the rule in the route's `spec.rules`. */
  readonly rule: number;
  /** The rule's name, when it has one. */
  readonly ruleName?: string;
  /** The 0-based position of the match in the rule. */
  readonly match: number;
  /** The match in one line, e.g. `PathPrefix /api, method GET, header version=2`. */
  readonly summary: string;
  /** Why the selected match beat this one, e.g. "Exact path beats PathPrefix", "2 header matches beat 1". */
  readonly lostBecause: string;
}

/** A match of the selected listener that the request does not meet, and the first condition it fails. */
export interface NearMiss {
  /** The route, as `KIND NAMESPACE/NAME`. */
  readonly route: string;
  /** The 0-based position of the rule in the route's `spec.rules`. */
  readonly rule: number;
  /** The rule's name, when it has one. */
  readonly ruleName?: string;
  /** The 0-based position of the match in the rule. */
  readonly match: number;
  /** The match in one line, e.g. `PathPrefix /api, method GET, header version=2`. */
  readonly summary: string;
  /** The first condition the request fails, with what was wanted and what came, e.g. `header version (want 2, got none)`. */
  readonly failed: string;
}

/**
 * What the gateway would do with `req`. `status` is 404 (gRPC: UNIMPLEMENTED), 421, 500 (the rule
 * answers 500 itself, or every backend with weight is invalid), the redirect status, or 200 when the
 * request is forwarded (the backend's own answer may differ).
 */
export function explain(table: CompiledTable, original: RouteRequest): ExplainResult {
  // The gateway checks and normalizes the request-target before routing (path-policy.ts); so does explain.
  const verdict = checkRequestTarget(String(original.method), original.query ? `${original.path}?${original.query}` : String(original.path));
  const badHost = typeof original.host === 'string' ? checkAuthority(original.host) : undefined;
  const req = verdict.ok && verdict.path !== '*' ? { ...original, path: verdict.path, query: verdict.query } : original;
  const request = {
    gateway: req.gateway,
    port: req.port,
    ...(req.sni ? { sni: req.sni } : {}),
    host: req.host,
    method: req.method,
    path: req.path,
    query: req.query,
    ...(req.grpc ? { grpc: { ...req.grpc } } : {}),
  };
  if (!verdict.ok || verdict.path === '*' || badHost) {
    const status = verdict.ok ? (badHost ? 400 : 200) : verdict.status;
    const reason = !verdict.ok ? verdict.reason : badHost ?? 'the gateway answers OPTIONS * itself; it is never routed';
    return { request, outcome: 'refused', status, reason, backends: [], filters: [] };
  }
  const d = route(table, req);
  if (d.outcome !== 'routed') {
    return {
      request,
      outcome: d.outcome,
      status: d.outcome === 'misdirected' ? 421 : d.outcome === 'overloaded' ? 503 : 404,
      reason: d.outcome === 'not-found' && req.grpc ? `${d.reason} (gRPC status UNIMPLEMENTED)` : d.reason,
      ...(d.listener ? { listener: describeListenerRef(d.listener) } : {}),
      backends: [],
      filters: [],
      ...(d.outcome === 'not-found' && d.listener ? { nearMisses: nearMisses(d.listener, req) } : {}),
    };
  }
  const rule = d.rule;
  const probs = backendProbabilities(rule);
  const backends = rule.backends.map((b, i) => describeBackend(b, probs[i]));
  const redirect = rule.filters.find((f) => f.type === 'RequestRedirect');
  let status = 200;
  let reason: string;
  const ruleName = `${rule.routeKind} ${rule.routeNamespace}/${rule.routeName} ${ruleLabel(rule.index, rule.name)}`;
  if (rule.directResponse) {
    status = rule.directResponse.status;
    reason = `${ruleName} answers ${status}: ${rule.directResponse.reason}`;
  } else if (redirect && redirect.type === 'RequestRedirect') {
    status = redirect.statusCode;
    reason = `${ruleName} redirects with ${status}`;
  } else {
    const live = rule.backends.filter((b) => b.weight > 0 && !b.invalid);
    const invalidShare = rule.backends.reduce((s, b, i) => s + (b.invalid ? probs[i] : 0), 0);
    if (live.length === 0 || pickBackend(rule, () => 0) === undefined) {
      status = 500;
      reason = `${ruleName} has no usable backend: ${rule.backends.filter((b) => b.invalid).map((b) => b.invalid!.message).join('; ') || 'no backend with weight'}`;
    } else if (invalidShare > 0) {
      reason = `${ruleName} forwards to a backend; ${(invalidShare * 100).toFixed(1)}% of requests pick an invalid backend and get 500`;
    } else {
      reason = `${ruleName} forwards to a backend`;
    }
  }
  return {
    request,
    outcome: 'routed',
    status,
    reason,
    listener: describeListenerRef(d.listener),
    route: {
      kind: rule.routeKind,
      namespace: rule.routeNamespace,
      name: rule.routeName,
      ...(d.hostname !== undefined ? { hostname: d.hostname } : {}),
    },
    rule: { index: rule.index, ...(rule.name !== undefined ? { name: rule.name } : {}), source: rule.source },
    matches: { index: d.match.index, summary: matchSummary(d.match), match: describeMatch(d.match) },
    backends,
    filters: rule.filters.map(describeFilter),
    ...(rule.timeouts ? { timeouts: { ...rule.timeouts } } : {}),
    ...(rule.retry ? { retry: { ...rule.retry } } : {}),
    effect: effectOf(rule, d.listener, req, d.matchedPathPrefix),
    alsoMatched: alsoMatched(d.listener, req, { rule, match: d.match, hostname: d.hostname }),
  };
}

/** The redirect Location, or the Host and path the backend sees (rule-level filters, as the proxy applies them). */
function effectOf(rule: CompiledRule, listener: CompiledListener, req: RouteRequest, matchedPrefix: string | undefined): ExplainEffect {
  const path = String(req.path);
  const query = typeof req.query === 'string' ? req.query : '';
  const host = typeof req.host === 'string' ? req.host : '';
  const redirect = rule.filters.find((f) => f.type === 'RequestRedirect');
  if (redirect && redirect.type === 'RequestRedirect') {
    const scheme = listener.protocol === 'HTTPS' ? 'https' : 'http';
    return { redirect: redirectLocation(redirect, { scheme, host, listenerPort: listener.port, path, query, matchedPrefix }) };
  }
  const rewrite = rule.filters.find((f) => f.type === 'URLRewrite');
  const rw = rewrite && rewrite.type === 'URLRewrite' ? rewrite : undefined;
  const upstreamPath = modifyPath(path, rw?.path, matchedPrefix);
  return { upstream: { host: rw?.hostname ?? host, path: `${upstreamPath}${query ? `?${query}` : ''}` } };
}

/** Route, rule and match as `explain` names them. */
function whichMatch(r: AttachedRoute, rule: CompiledRule, m: CompiledMatch): Omit<AlsoMatched, 'lostBecause'> {
  return {
    route: `${r.kind} ${r.namespace}/${r.name}`,
    rule: rule.index,
    ...(rule.name !== undefined ? { ruleName: rule.name } : {}),
    match: m.index,
    summary: matchSummary(m),
  };
}

/** Bucket order of a route hostname for `host`: exact 0, then wildcards by longer suffix, then none (the router's). */
function hostnameRank(hostname: string | undefined): number {
  if (hostname === undefined) return Number.MAX_SAFE_INTEGER;
  return hostname.startsWith('*.') ? 1_000_000 - hostname.length : 0;
}

function bestHostname(hostnames: readonly string[], host: string): string | undefined {
  let best: string | undefined;
  for (const h of hostnames) if (hostnameMatches(h, host) && (best === undefined || hostnameRank(h) < hostnameRank(best))) best = h;
  return best;
}

/**
 * The other matches of the listener the request meets, each with the reason the selected match beat it: a more
 * specific route hostname, the shared model's precedence, or the tie-breaks (older route, `namespace/name`, rule
 * and match order).
 */
export function alsoMatched(
  listener: CompiledListener, req: RouteRequest, won: { rule: CompiledRule; match: CompiledMatch; hostname?: string },
): AlsoMatched[] {
  const out: AlsoMatched[] = [];
  const host = normalizeHost(req.host);
  const path = typeof req.path === 'string' ? req.path : '';
  const query = parseQuery(req.query);
  const grpcHostCovered = listener.routes.some((r) => r.kind === 'GRPCRoute' && hostCovered(r.hostnames, host));
  const w = won.rule;
  for (const r of listener.routes) {
    if (r.kind !== w.routeKind) continue;
    for (const rule of r.rules) {
      for (const m of rule.matches) {
        if (rule === w && m === won.match) continue;
        if (firstFailure(r.kind, r.hostnames, m, req, host, path, query, grpcHostCovered) !== undefined) continue;
        const theirHost = r.hostnames.length === 0 ? undefined : bestHostname(r.hostnames, host);
        let why: string | undefined;
        if (hostnameRank(theirHost) !== hostnameRank(won.hostname)) {
          why = `route hostname ${won.hostname ?? '(any)'} beats ${theirHost ?? '(any)'}`;
        }
        why ??= precedenceReason(won.match, m);
        if (why === undefined) {
          const age = compareRouteAge(
            { created: w.routeCreated, namespace: w.routeNamespace, name: w.routeName },
            { created: rule.routeCreated, namespace: rule.routeNamespace, name: rule.routeName });
          if (w.routeCreated !== rule.routeCreated) why = 'a tie: the older route wins';
          else if (age !== 0) why = `a tie: ${w.routeNamespace}/${w.routeName} comes first by namespace/name`;
          else if (w.index !== rule.index) why = `a tie: ${ruleLabel(w.index, w.name)} comes first in the route`;
          else why = `a tie: match ${won.match.index} comes first in the rule`;
        }
        out.push({ ...whichMatch(r, rule, m), lostBecause: why });
      }
    }
  }
  return out;
}

const NEAR_MISS_LIMIT = 20;

/**
 * Why each rule of `listener` does not take `req`: the first failing condition in the order the
 * router checks them. For explanation only; the router itself never scans rules like this.
 */
export function nearMisses(listener: CompiledListener, req: RouteRequest): NearMiss[] {
  const out: NearMiss[] = [];
  const host = normalizeHost(req.host);
  const path = typeof req.path === 'string' ? req.path : '';
  const query = parseQuery(req.query);
  const grpcHostCovered = listener.routes.some((r) => r.kind === 'GRPCRoute' && hostCovered(r.hostnames, host));
  for (const r of listener.routes) {
    for (const rule of r.rules) {
      for (const m of rule.matches) {
        if (out.length >= NEAR_MISS_LIMIT) return out;
        const failed = firstFailure(r.kind, r.hostnames, m, req, host, path, query, grpcHostCovered);
        out.push({ ...whichMatch(r, rule, m), failed: failed ?? 'nothing (a rule of higher precedence failed instead)' });
      }
    }
  }
  return out;
}

function hostCovered(hostnames: readonly string[], host: string): boolean {
  return hostnames.length === 0 || hostnames.some((h) => hostnameMatches(h, host));
}

function firstFailure(
  kind: string, hostnames: readonly string[], m: CompiledMatch, req: RouteRequest, host: string, path: string,
  query: Map<string, string>, grpcHostCovered: boolean,
): string | undefined {
  if (!hostCovered(hostnames, host)) return `hostname (route hostnames: ${hostnames.join(', ')})`;
  if (kind === 'GRPCRoute') {
    if (!req.grpc) return 'not a gRPC request';
    const g = m.grpc;
    if (g) {
      const test = (pattern: string | undefined, value: string) => pattern === undefined
        || (g.type === 'Exact' ? pattern === value : compileRegex(pattern)(value));
      if (!test(g.service, req.grpc.service)) return `gRPC service (want ${g.service}, got ${req.grpc.service})`;
      if (!test(g.method, req.grpc.method)) return `gRPC method (want ${g.method}, got ${req.grpc.method})`;
    }
  } else {
    if (req.grpc && grpcHostCovered) return 'gRPC requests to this host are routed by GRPCRoutes';
    const p = m.path!;
    const key = prefixKey(p.value);
    const pathOk = p.type === 'Exact' ? path === p.value
      : p.type === 'RegularExpression' ? compileRegex(p.value)(path)
        : key === '/' ? path.startsWith('/') : path === key || path.startsWith(`${key}/`);
    if (!pathOk) return `path (${p.type} ${p.value})`;
    if (m.method !== undefined && m.method !== req.method) return `method (want ${m.method}, got ${req.method})`;
  }
  for (const h of m.headers) {
    const v = headerValue(req.headers, h.name);
    const ok = v !== undefined && (h.type === 'Exact' ? v === h.value : compileRegex(h.value)(v));
    if (!ok) return `header ${h.name} (want ${h.type === 'Exact' ? h.value : `~${h.value}`}, got ${v === undefined ? 'none' : JSON.stringify(v)})`;
  }
  for (const q of m.queryParams) {
    const v = query.get(q.name);
    const ok = v !== undefined && (q.type === 'Exact' ? v === q.value : compileRegex(q.value)(v));
    if (!ok) return `query ${q.name} (want ${q.type === 'Exact' ? q.value : `~${q.value}`}, got ${v === undefined ? 'none' : JSON.stringify(v)})`;
  }
  return undefined;
}
