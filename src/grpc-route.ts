import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Annotations } from './annotations';
import { BackendRef } from './backend-ref';
import { GrpcMethodMatch } from './grpc-method-match';
import { GrpcRouteFilter } from './grpc-route-filter';
import { HeaderMatch } from './header-match';
import { HttpRouteFilterType } from './http-route-filter';
import * as l1 from './imports/gateway.networking.k8s.io';
import { ParentRef } from './parent-ref';
import { warnUngrantedReferences } from './reference-grant-check';
import { Resource, ResourceProps } from './resource';
import { attachments, mixedKindConflicts, routesByAttachment } from './route-conflicts';
import { normalizeConditions, renderConditions, validateRouteCommon } from './route-validation';
import { treeChanged } from './tree-index';
import { q, validateDnsSubdomain, validateHostname } from './validation';

/**
 * The conditions of one gRPC match; all of them must hold (AND).
 */
export interface GrpcRouteMatchProps {
  /**
   * The service and method.
   *
   * @default - any service and method
   */
  readonly method?: GrpcMethodMatch;

  /**
   * Request metadata (headers) that must match (at most 16, names unique ignoring case).
   *
   * @default - headers are not considered
   */
  readonly headers?: HeaderMatch[];
}

/**
 * Properties of a GRPCRoute rule.
 */
export interface GrpcRouteRuleProps {
  /**
   * The rule name (a DNS-1123 subdomain, unique in the route).
   *
   * @default - no name
   */
  readonly name?: string;

  /**
   * The matches; a call that satisfies any of them selects the rule (OR).
   *
   * @default - every call
   */
  readonly matches?: GrpcRouteMatchProps[];

  /**
   * Filters applied to calls selected by the rule.
   *
   * @default - no filters
   */
  readonly filters?: GrpcRouteFilter[];

  /**
   * The backends; calls are split by their weights. Backend filters may only be header modifiers and request
   * mirrors.
   *
   * @default - no backends
   */
  readonly backendRefs?: BackendRef[];
}

/**
 * A rule of a GRPCRoute, returned by `GrpcRoute.addRule`.
 */
export class GrpcRouteRule {
  /** @internal */
  public static _create(route: GrpcRoute, index: number, props: GrpcRouteRuleProps): GrpcRouteRule {
    return new GrpcRouteRule(route, index, props);
  }

  /**
   * The rule name.
   *
   * @default - no name
   */
  public readonly name?: string;

  private readonly _matches: GrpcRouteMatchProps[] = [];
  private readonly _filters: GrpcRouteFilter[] = [];
  private readonly _backendRefs: BackendRef[] = [];

  private constructor(private readonly route: GrpcRoute, private readonly index: number, props: GrpcRouteRuleProps) {
    if (props.name !== undefined) validateDnsSubdomain(`${this._label}: name`, props.name);
    this.name = props.name;
    for (const m of props.matches ?? []) this.addMatch(m);
    for (const f of props.filters ?? []) this.addFilter(f);
    for (const b of props.backendRefs ?? []) this.addBackendRef(b);
  }

  /** @internal */
  public get _label(): string {
    return `${this.route.node.path}: rule ${this.index + 1}${this.name !== undefined ? ` (${q(this.name)})` : ''}`;
  }

  /**
   * Adds a match (OR with the rule's other matches).
   */
  public addMatch(match: GrpcRouteMatchProps): void {
    treeChanged();
    const what = `${this._label} match ${this._matches.length + 1}`;
    normalizeConditions(what, 'header', match.headers ?? [], true);
    for (const w of match.method?._globWarnings() ?? []) Annotations.of(this.route).addWarning(`${what}: ${w}`);
    this._matches.push({ method: match.method, headers: match.headers ? [...match.headers] : undefined });
  }

  /**
   * Adds a filter.
   */
  public addFilter(filter: GrpcRouteFilter): void {
    treeChanged();
    this._filters.push(filter);
  }

  /**
   * Adds a backend.
   */
  public addBackendRef(backendRef: BackendRef): void {
    treeChanged();
    this._backendRefs.push(backendRef);
  }

  /** The matches, in the order they were added. */
  public get matches(): GrpcRouteMatchProps[] {
    return [...this._matches];
  }

  /** The filters, in the order they were added. */
  public get filters(): GrpcRouteFilter[] {
    return [...this._filters];
  }

  /** The backends, in the order they were added. */
  public get backendRefs(): BackendRef[] {
    return [...this._backendRefs];
  }

  /** @internal */
  public _validate(): string[] {
    const label = this._label;
    const errors: string[] = [];
    if (this._matches.length > 64) errors.push(`${label}: has ${this._matches.length} matches; at most 64 are allowed (split them across rules)`);
    if (this._filters.length > 16) errors.push(`${label}: has ${this._filters.length} filters; at most 16 are allowed`);
    if (this._backendRefs.length > 16) errors.push(`${label}: has ${this._backendRefs.length} backendRefs; at most 16 are allowed`);
    const repeats = (where: string, types: HttpRouteFilterType[]) => {
      const seen = new Set<HttpRouteFilterType>();
      for (const t of types) {
        if (t !== HttpRouteFilterType.REQUEST_MIRROR && seen.has(t)) errors.push(`${where} has more than one ${t} filter; merge them into one (only RequestMirror may repeat)`);
        seen.add(t);
      }
    };
    repeats(`${label}:`, this._filters.map((f) => f.type));
    this._backendRefs.forEach((b, i) => {
      const where = `${label}: backendRef ${i + 1} (${q(b.name)})`;
      if (b.filters.length > 16) errors.push(`${where} has ${b.filters.length} filters; at most 16 are allowed`);
      for (const f of b.filters) {
        if (f.type === HttpRouteFilterType.REQUEST_REDIRECT || f.type === HttpRouteFilterType.URL_REWRITE) {
          errors.push(`${where} has a ${f.type} filter, which a grpc route does not support; use header modifiers or request mirrors`);
        }
      }
      repeats(where, b.filters.map((f) => f.type));
    });
    const seen: string[] = [];
    this._matches.forEach((m, i) => {
      const key = matchKey(m);
      const j = seen.indexOf(key);
      if (j >= 0) errors.push(`${label}: match ${i + 1} repeats match ${j + 1}; remove one of them`);
      seen.push(key);
    });
    return errors;
  }

  /** @internal */
  public _keys(): string[] {
    return this._matches.length === 0 ? [''] : this._matches.map(matchKey);
  }

  /** @internal */
  public _render(routeNamespace: string | undefined): l1.GrpcRouteSpecRules {
    return {
      name: this.name,
      matches: this._matches.length === 0 ? undefined : this._matches.map((m) => ({
        method: m.method === undefined ? undefined : { type: m.method.type as any, service: m.method.service, method: m.method.method },
        headers: renderConditions(m.headers),
      })),
      filters: this._filters.length === 0 ? undefined : this._filters.map((f) => f._render()),
      backendRefs: this._backendRefs.length === 0 ? undefined : this._backendRefs.map((b) => ({
        ...b._renderObjectReference(),
        namespace: b.namespace !== undefined && b.namespace !== routeNamespace ? b.namespace : undefined,
        weight: b.weight,
        filters: b.filters.length === 0 ? undefined : b.filters.map((f) => f._render()),
      })),
    };
  }
}

/** A canonical key of a gRPC match: equal keys match exactly the same calls. */
function matchKey(m: GrpcRouteMatchProps): string {
  const method = m.method === undefined ? '' : `${m.method.type}:${m.method.service ?? ''}/${m.method.method ?? ''}`;
  const headers = (m.headers ?? []).map((h) => `${h.name.toLowerCase()}:${h.type}:${h.value}`).sort();
  return JSON.stringify([method, headers]);
}

/**
 * Properties of a `GrpcRoute`.
 */
export interface GrpcRouteProps extends ResourceProps {
  /**
   * The Gateways (or listeners) the route attaches to (at most 32).
   *
   * @default - none; add them with `addParentRef`
   */
  readonly parentRefs?: ParentRef[];

  /**
   * The hostnames the route serves (at most 16).
   *
   * @default - every hostname the listener accepts
   */
  readonly hostnames?: string[];

  /**
   * The rules (at most 16), emitted in the order given.
   *
   * @default - none; add them with `addRule`
   */
  readonly rules?: GrpcRouteRuleProps[];
}

/**
 * A GRPCRoute: rules that send matching gRPC calls to backends.
 */
export class GrpcRoute extends Resource {
  public readonly apiObject: l1.GrpcRoute;

  private readonly _parentRefs: ParentRef[] = [];
  private readonly _hostnames: string[] = [];
  private readonly _rules: GrpcRouteRule[] = [];

  constructor(scope: Construct, id: string, props: GrpcRouteProps = {}) {
    super(scope, id, props);
    this.apiObject = new l1.GrpcRoute(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const h of props.hostnames ?? []) this.addHostname(h);
    for (const r of props.rules ?? []) this.addRule(r);
    this.node.addValidation({ validate: () => this.validateRoute() });
  }

  /** The parent references, in the order they were added. */
  public get parentRefs(): ParentRef[] {
    return [...this._parentRefs];
  }

  /** The hostnames, in the order they were added. */
  public get hostnames(): string[] {
    return [...this._hostnames];
  }

  /** The rules, in the order they were added. */
  public get rules(): GrpcRouteRule[] {
    return [...this._rules];
  }

  /**
   * Attaches the route to a Gateway or listener.
   */
  public addParentRef(parentRef: ParentRef): void {
    treeChanged();
    this._parentRefs.push(parentRef);
  }

  /**
   * Adds a hostname the route serves.
   */
  public addHostname(hostname: string): void {
    treeChanged();
    validateHostname(`${this.node.path}: hostname`, hostname);
    if (this._hostnames.includes(hostname)) {
      throw new Error(`${this.node.path}: hostname ${q(hostname)} is listed twice; list it once`);
    }
    this._hostnames.push(hostname);
  }

  /**
   * Adds a rule and returns it.
   */
  public addRule(rule: GrpcRouteRuleProps): GrpcRouteRule {
    treeChanged();
    const r = GrpcRouteRule._create(this, this._rules.length, rule);
    this._rules.push(r);
    return r;
  }

  private renderSpec(): l1.GrpcRouteSpec {
    const ns = this.namespace;
    return {
      parentRefs: this._parentRefs.length === 0 ? undefined : this._parentRefs.map((p) => p._render(ns)),
      hostnames: this._hostnames.length === 0 ? undefined : [...this._hostnames],
      rules: this._rules.length === 0 ? undefined : this._rules.map((r) => r._render(ns)),
    };
  }

  /** @internal */
  public get _attachingRoute() {
    return { kind: 'GRPCRoute', namespace: this.namespace, hostnames: this._hostnames };
  }

  /** @internal */
  public get _parentRefList(): ParentRef[] {
    return this._parentRefs;
  }

  private validateRoute(): string[] {
    const path = this.node.path;
    const errors = validateRouteCommon(path, 'GRPCRoute', this.namespace, this._parentRefs, this._hostnames, this._rules.map((r) => ({ name: r.name, matches: Math.max(1, r.matches.length), explicitMatches: r.matches.length })));
    if (this._rules.length === 0) errors.push(`${path}: the route has no rules; add one with addRule({ backendRefs: [...] })`);
    if (this._parentRefs.length === 0) {
      Annotations.of(this).addWarning(`${path}: the route has no parentRefs, so no gateway serves it; add one with addParentRef(ParentRef.fromGateway(gateway))`);
    }
    this._rules.forEach((r, i) => {
      errors.push(...r._validate());
      const label = `rule ${i + 1}${r.name ? ` (${q(r.name)})` : ''}`;
      if (r.backendRefs.length === 0) {
        Annotations.of(this).addWarning(`${path}: ${label} has no backendRefs, so every call it matches fails with UNAVAILABLE; add backendRefs`);
      } else if (r.backendRefs.every((b) => b.weight === 0)) {
        Annotations.of(this).addWarning(`${path}: every backendRef of ${label} has weight 0, so every call it matches fails with UNAVAILABLE; give at least one backend a weight above 0`);
      }
    });
    warnUngrantedReferences(this, this._rules.flatMap((r, n) => r.backendRefs.map((b, i) => ({
      fromKind: 'GRPCRoute',
      fromNamespace: this.namespace,
      what: `rule ${n + 1}${r.name ? ` (${q(r.name)})` : ''} backendRef ${i + 1}`,
      toGroup: b.group ?? '',
      toKind: b.kind ?? 'Service',
      toName: b.name,
      toNamespace: b.namespace,
    }))));
    errors.push(...mixedKindConflicts(this, (c): c is any => (c as any)._attachingRoute?.kind === 'HTTPRoute'));
    // The same match in two rules: the later rule is never selected for it.
    const first = new Map<string, { rule: number; label: string }>();
    this._rules.forEach((r, i) => r._keys().forEach((k, x) => {
      const label = `rule ${i + 1}${r.name ? ` (${q(r.name)})` : ''} match ${x + 1}`;
      const other = first.get(k);
      if (other === undefined) {
        first.set(k, { rule: i, label });
      } else if (other.rule !== i) {
        errors.push(`${path}: ${label} can never be selected: it is the same match as ${other.label}; remove one of them`);
      }
    }));
    errors.push(...this.validateAcrossRoutes());
    return errors;
  }

  /** The same match in another GRPCRoute on the same parent and hostname: only the older route's is selected. */
  private validateAcrossRoutes(): string[] {
    const errors: string[] = [];
    const mine = attachments(this);
    if (mine.length === 0) return errors;
    const { routes, byKey } = routesByAttachment(this, 'GRPCRoute', (c): c is GrpcRoute => c instanceof GrpcRoute);
    const myIndex = routes.indexOf(this);
    const candidates = new Set(mine.flatMap((a) => byKey.get(a.key) ?? []));
    const label = (r: GrpcRouteRule, i: number, x: number) => `rule ${i + 1}${r.name ? ` (${q(r.name)})` : ''} match ${x + 1}`;
    for (const other of routes.slice(0, myIndex)) {
      if (!candidates.has(other)) continue;
      const theirKeys = new Set(attachments(other).map((a) => a.key));
      const shared = mine.find((a) => theirKeys.has(a.key));
      if (shared === undefined) continue;
      const where = shared.where;
      const theirs = new Map<string, string>();
      other._rules.forEach((r, i) => r._keys().forEach((k, x) => theirs.has(k) || theirs.set(k, label(r, i, x))));
      this._rules.forEach((r, i) => r._keys().forEach((k, x) => {
        const match = theirs.get(k);
        if (match !== undefined) {
          errors.push(`${this.node.path}: ${label(r, i, x)} can never be selected on ${where}: it is the same match as ${other.node.path} ${match}; remove one of them or attach the routes to different hostnames`);
        }
      }));
    }
    return errors;
  }
}
