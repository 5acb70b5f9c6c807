import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Annotations } from './annotations';
import { BackendRef } from './backend-ref';
import { GrpcMethodMatch } from './grpc-method-match';
import { GrpcRouteFilter, GrpcRouteFilterType } from './grpc-route-filter';
import { HeaderMatch } from './header-match';
import * as l1 from './imports/gateway.networking.k8s.io';
import { findUnreachable, LocatedMatch, locateMatches, Match, NamedRule, OrderResult, orderRouteRules, ruleLabel } from './model';
import { warnUngrantedReferences } from './reference-grant-check';
import { RouteBase, RouteBaseProps } from './route-base';
import { crossRouteUnreachable, mixedKindConflicts } from './route-conflicts';
import { addedLabel, normalizeConditions, renderConditions, validateRouteCommon } from './route-validation';
import { treeChanged } from './tree-index';
import { q, validateDnsSubdomain } from './validation';
import { checkValue, checkValues } from './value-problem';

/**
 * The conditions of one gRPC match, all of which must hold (AND).
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
   * The matches, any of which selects the rule for a call (OR).
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
   * The backends, which split the calls by their weights. A backend with filters of its own is added with
   * `GrpcRouteRule.addBackendRef(backendRef, { filters })`, which takes GRPCRoute filters.
   *
   * @default - no backends
   */
  readonly backendRefs?: BackendRef[];
}

/**
 * Options of a backend of a GRPCRoute rule.
 */
export interface GrpcBackendRefOptions {
  /**
   * Filters applied only to calls sent to this backend (at most 16, only RequestMirror may repeat).
   *
   * @default - no backend filters
   */
  readonly filters?: GrpcRouteFilter[];
}

interface GrpcBackend {
  readonly ref: BackendRef;
  readonly filters: GrpcRouteFilter[];
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
  private readonly _analyzedMatches: Match[] = [];
  private readonly _filters: GrpcRouteFilter[] = [];
  private readonly _backends: GrpcBackend[] = [];

  private constructor(private readonly route: GrpcRoute, private readonly index: number, props: GrpcRouteRuleProps) {
    if (props.name !== undefined) validateDnsSubdomain(`${this._label}: name`, props.name);
    this.name = props.name;
    for (const m of props.matches ?? []) this.addMatch(m);
    for (const f of props.filters ?? []) this.addFilter(f);
    for (const b of props.backendRefs ?? []) this.addBackendRef(b);
  }

  /**
   * The rule in messages raised while the route is built, before its emitted position is known: by name, else
   * as the n-th rule added. @internal
   */
  public get _label(): string {
    return `${this.route.node.path}: ${addedLabel(this.index, this.name)}`;
  }

  /**
   * Adds a match (OR with the rule's other matches).
   */
  public addMatch(match: GrpcRouteMatchProps): void {
    treeChanged();
    const what = `${this._label} match ${this._matches.length + 1}`;
    checkValue(what, match.method);
    checkValues(`${what}: header`, match.headers);
    const headers = normalizeConditions(what, 'header', match.headers ?? [], true);
    for (const w of match.method?._globWarnings() ?? []) Annotations.of(this.route).addWarning(`${what}: ${w}`);
    this._matches.push({ method: match.method, headers: match.headers ? [...match.headers] : undefined });
    const m = match.method;
    this._analyzedMatches.push({
      headers,
      queryParams: [],
      ...(m !== undefined ? {
        grpc: { type: m.type, ...(m.service !== undefined ? { service: m.service } : {}), ...(m.method !== undefined ? { method: m.method } : {}) },
      } : {}),
    });
  }

  /**
   * Adds a filter.
   */
  public addFilter(filter: GrpcRouteFilter): void {
    treeChanged();
    checkValue(`${this._label}: filter ${this._filters.length + 1}`, filter);
    this._filters.push(filter);
  }

  /**
   * Adds a backend, optionally with filters applied only to the calls sent to it, e.g.
   * `rule.addBackendRef(backend, { filters: [GrpcRouteFilter.requestHeaderModifier({ set: { 'x-pool': 'b' } })] })`.
   */
  public addBackendRef(backendRef: BackendRef, options: GrpcBackendRefOptions = {}): void {
    treeChanged();
    const where = `${this._label}: backendRef ${this._backends.length + 1}`;
    checkValue(where, backendRef);
    if (backendRef.filters.length > 0) {
      throw new Error(`${where}: backend ${q(backendRef.name)} carries HTTPRoute filters, which a GRPCRoute does not take; create the backend without filters and give GRPCRoute filters with addBackendRef(backendRef, { filters: [GrpcRouteFilter.requestHeaderModifier(...)] })`);
    }
    const filters = [...(options.filters ?? [])];
    checkValues(`${where} filter`, filters);
    this._backends.push({ ref: backendRef, filters });
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
    return this._backends.map((b) => b.ref);
  }

  /** The filters of the `index`-th backend (0-based, in the order the backends were added). */
  public backendFilters(index: number): GrpcRouteFilter[] {
    return [...(this._backends[index]?.filters ?? [])];
  }

  /** The matches in the shared model's form (a rule without matches matches every call). @internal */
  public get _analyzed(): Match[] {
    return this._analyzedMatches.length === 0 ? [GRPC_MATCH_ALL] : [...this._analyzedMatches];
  }

  /** `label`: the rule as synth messages name it (`app/route: rule 0`, or by name). @internal */
  public _validate(label: string): string[] {
    const errors: string[] = [];
    if (this._matches.length > 64) errors.push(`${label}: has ${this._matches.length} matches; at most 64 are allowed (split them across rules)`);
    if (this._filters.length > 16) errors.push(`${label}: has ${this._filters.length} filters; at most 16 are allowed`);
    if (this._backends.length > 16) errors.push(`${label}: has ${this._backends.length} backendRefs; at most 16 are allowed`);
    const repeats = (where: string, types: GrpcRouteFilterType[]) => {
      const seen = new Set<GrpcRouteFilterType>();
      for (const t of types) {
        if (t !== GrpcRouteFilterType.REQUEST_MIRROR && seen.has(t)) errors.push(`${where} has more than one ${t} filter; merge them into one (only RequestMirror may repeat)`);
        seen.add(t);
      }
    };
    repeats(`${label}:`, this._filters.map((f) => f.type));
    this._backends.forEach((b, i) => {
      const where = `${label}: backendRef ${i + 1} (${q(b.ref.name)})`;
      if (b.filters.length > 16) errors.push(`${where} has ${b.filters.length} filters; at most 16 are allowed`);
      repeats(where, b.filters.map((f) => f.type));
    });
    return errors;
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
      backendRefs: this._backends.length === 0 ? undefined : this._backends.map(({ ref, filters }) => ({
        ...ref._renderObjectReference(),
        namespace: ref.namespace !== undefined && ref.namespace !== routeNamespace ? ref.namespace : undefined,
        weight: ref.weight,
        filters: filters.length === 0 ? undefined : filters.map((f) => f._render()),
      })),
    };
  }
}

const GRPC_MATCH_ALL: Match = { headers: [], queryParams: [] };

/**
 * Properties of a `GrpcRoute`.
 */
export interface GrpcRouteProps extends RouteBaseProps {
  /**
   * The rules (at most 16). At synth they are emitted in precedence order (see `GrpcRoute`).
   *
   * @default - none; add them with `addRule`
   */
  readonly rules?: GrpcRouteRuleProps[];
}

/**
 * A GRPCRoute: rules that send matching gRPC calls to backends.
 *
 * Rules are emitted in precedence order: more characters in the service (a regular expression that is a plain
 * literal, such as `task\\.TaskService`, counts as the name it matches); then the method,
 * Exact before RegularExpression before none, more characters first; then more header matches; ties keep the order
 * the rules were added in. The gateway ranks regular expressions the same way (the spec leaves that to
 * implementations). As for
 * `HttpRoute`, a rule is never placed ahead of a rule holding a more specific overlapping match, and a match that
 * can never be selected (repeated, or covered by a match that wins, in this route or in another route attached to
 * the same parent and hostname) fails synth.
 */
export class GrpcRoute extends RouteBase {
  public readonly apiObject: l1.GrpcRoute;

  private readonly _rules: GrpcRouteRule[] = [];

  constructor(scope: Construct, id: string, props: GrpcRouteProps = {}) {
    super(scope, id, 'GRPCRoute', props);
    this.apiObject = new l1.GrpcRoute(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    for (const r of props.rules ?? []) this.addRule(r);
    this.node.addValidation({ validate: () => this.validateRoute() });
  }

  /** The rules, in the order they were added (synth emits them in precedence order). */
  public get rules(): GrpcRouteRule[] {
    return [...this._rules];
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

  /** The rules in emitted order, with ordering errors and warnings. @internal */
  public _order(): OrderResult {
    return orderRouteRules(this.namedRules(), true);
  }

  /** Every match with its rule's emitted position and its label there, e.g. `rule 0 match 1`. @internal */
  public _located(): LocatedMatch[] {
    const rules = this.namedRules();
    return locateMatches(rules, orderRouteRules(rules, true).position);
  }

  private namedRules(): NamedRule[] {
    return this._rules.map((r) => ({ name: r.name, matches: r._analyzed }));
  }

  private renderSpec(): l1.GrpcRouteSpec {
    const ns = this.namespace;
    const { order } = this._order();
    return {
      ...this._renderAttachment(),
      rules: this._rules.length === 0 ? undefined : order.map((i) => this._rules[i]._render(ns)),
    };
  }

  private validateRoute(): string[] {
    const path = this.node.path;
    const errors = validateRouteCommon(path, 'GRPCRoute', this.namespace, this._parentRefList, this.hostnames, this._rules.map((r) => ({ name: r.name, matches: Math.max(1, r.matches.length), explicitMatches: r.matches.length })));
    if (this._rules.length === 0) errors.push(`${path}: the route has no rules; add one with addRule({ backendRefs: [...] })`);
    if (this._parentRefList.length === 0) {
      Annotations.of(this).addWarning(`${path}: the route has no parentRefs, so no gateway serves it; add one with addParentRef(ParentRef.fromGateway(gateway))`);
    }
    const { position, errors: orderErrors, warnings } = this._order();
    this._rules.forEach((r, i) => {
      const label = ruleLabel(position[i], r.name);
      errors.push(...r._validate(`${path}: ${label}`));
      if (r.backendRefs.length === 0) {
        Annotations.of(this).addWarning(`${path}: ${label} has no backendRefs, so every call it matches fails with UNAVAILABLE; add backendRefs`);
      } else if (r.backendRefs.every((b) => b.weight === 0)) {
        Annotations.of(this).addWarning(`${path}: every backendRef of ${label} has weight 0, so every call it matches fails with UNAVAILABLE; give at least one backend a weight above 0`);
      }
    });
    errors.push(...orderErrors.map((e) => `${path}: ${e}`));
    for (const w of warnings) Annotations.of(this).addWarning(`${path}: ${w}`);
    warnUngrantedReferences(this, this._rules.flatMap((r, n) => r.backendRefs.map((b, i) => ({
      fromKind: 'GRPCRoute',
      fromNamespace: this.namespace,
      what: `${ruleLabel(position[n], r.name)} backendRef ${i + 1}`,
      toGroup: b.group ?? '',
      toKind: b.kind ?? 'Service',
      toName: b.name,
      toNamespace: b.namespace,
    }))));
    errors.push(...mixedKindConflicts(this, (c): c is any => (c as any)._attachingRoute?.kind === 'HTTPRoute'));
    const located = locateMatches(this.namedRules(), position);
    errors.push(...findUnreachable(located, true).map((e) => `${path}: ${e}`));
    errors.push(...crossRouteUnreachable(this, located, 'GRPCRoute', (c): c is GrpcRoute => c instanceof GrpcRoute));
    return errors;
  }
}
