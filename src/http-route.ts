import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Annotations } from './annotations';
import { BackendRef } from './backend-ref';
import { HeaderMatch } from './header-match';
import { HttpMethod } from './http-method';
import { HttpPathModifierType } from './http-path-modifier';
import { HttpRouteFilter, HttpRouteFilterType } from './http-route-filter';
import * as l1 from './imports/gateway.networking.k8s.io';
import { ParentRef } from './parent-ref';
import { PathMatch, PathMatchType } from './path-match';
import { QueryParamMatch } from './query-param-match';
import { warnUngrantedReferences } from './reference-grant-check';
import { Resource, ResourceProps } from './resource';
import { attachments, mixedKindConflicts, routesByAttachment } from './route-conflicts';
import { AnalyzedMatch, describeMatch, findUnreachable, LocatedMatch, matchContains, matchEquivalent, comparePrecedence, orderRules } from './route-order';
import { normalizeConditions, renderConditions, validateRouteCommon } from './route-validation';
import { treeChanged } from './tree-index';
import { globWarning, q, renderGatewayDuration, validateDnsSubdomain, validateHostname } from './validation';

/**
 * The conditions of one match; all of them must hold (AND).
 */
export interface HttpRouteMatchProps {
  /**
   * The request path.
   *
   * @default - any path (the Gateway API default, PathPrefix "/")
   */
  readonly path?: PathMatch;

  /**
   * Request headers that must match (at most 16, names unique ignoring case).
   *
   * @default - headers are not considered
   */
  readonly headers?: HeaderMatch[];

  /**
   * Query parameters that must match (at most 16, names unique).
   *
   * @default - query parameters are not considered
   */
  readonly queryParams?: QueryParamMatch[];

  /**
   * The request method.
   *
   * @default - any method
   */
  readonly method?: HttpMethod;
}

/**
 * Timeouts of an HTTPRoute rule.
 */
export interface HttpRouteTimeouts {
  /**
   * The time from the gateway receiving the request to the end of the response (0 disables the timeout).
   *
   * @default - the implementation's default
   */
  readonly request?: Duration;

  /**
   * The time for one request from the gateway to a backend (including retries' individual attempts); at most the
   * request timeout.
   *
   * @default - the implementation's default
   */
  readonly backendRequest?: Duration;
}

/**
 * Properties of an HTTPRoute rule.
 */
export interface HttpRouteRuleProps {
  /**
   * The rule name (a DNS-1123 subdomain, unique in the route); shows up in status and in the gateway's logs.
   *
   * @default - no name
   */
  readonly name?: string;

  /**
   * The matches; a request that satisfies any of them selects the rule (OR).
   *
   * @default - every request (the Gateway API default, PathPrefix "/")
   */
  readonly matches?: HttpRouteMatchProps[];

  /**
   * Filters applied to requests selected by the rule.
   *
   * @default - no filters
   */
  readonly filters?: HttpRouteFilter[];

  /**
   * The backends; traffic is split by their weights.
   *
   * @default - no backends (requests get a 500 unless a filter, e.g. a redirect, answers them)
   */
  readonly backendRefs?: BackendRef[];

  /**
   * Timeouts.
   *
   * @default - the implementation's defaults
   */
  readonly timeouts?: HttpRouteTimeouts;
}

interface NormalizedMatch {
  readonly props: HttpRouteMatchProps;
  readonly analyzed: AnalyzedMatch;
}

/**
 * A rule of an HTTPRoute, returned by `HttpRoute.addRule`; more matches, filters and backends can be added to it.
 */
export class HttpRouteRule {
  /** @internal */
  public static _create(route: HttpRoute, index: number, props: HttpRouteRuleProps): HttpRouteRule {
    return new HttpRouteRule(route, index, props);
  }

  /**
   * The rule name.
   *
   * @default - no name
   */
  public readonly name?: string;

  /**
   * Timeouts.
   *
   * @default - the implementation's defaults
   */
  public readonly timeouts?: HttpRouteTimeouts;

  private readonly _matches: NormalizedMatch[] = [];
  private readonly _filters: HttpRouteFilter[] = [];
  private readonly _backendRefs: BackendRef[] = [];
  private readonly renderedTimeouts?: { request?: string; backendRequest?: string };

  private constructor(private readonly route: HttpRoute, private readonly index: number, props: HttpRouteRuleProps) {
    if (props.name !== undefined) validateDnsSubdomain(`${this._label}: name`, props.name);
    this.name = props.name;
    this.timeouts = props.timeouts;
    if (props.timeouts !== undefined) {
      const request = props.timeouts.request;
      const backend = props.timeouts.backendRequest;
      this.renderedTimeouts = {
        request: request === undefined ? undefined : renderGatewayDuration(`${this._label}: request timeout`, request.toMilliseconds({ integral: false })),
        backendRequest: backend === undefined ? undefined : renderGatewayDuration(`${this._label}: backendRequest timeout`, backend.toMilliseconds({ integral: false })),
      };
      const requestMs = request?.toMilliseconds({ integral: false });
      const backendMs = backend?.toMilliseconds({ integral: false });
      if (requestMs !== undefined && backendMs !== undefined && requestMs !== 0 && backendMs > requestMs) {
        throw new Error(`${this._label}: backendRequest timeout ${this.renderedTimeouts.backendRequest} is longer than the request timeout ${this.renderedTimeouts.request}; make it at most ${this.renderedTimeouts.request}`);
      }
    }
    for (const m of props.matches ?? []) this.addMatch(m);
    for (const f of props.filters ?? []) this.addFilter(f);
    for (const b of props.backendRefs ?? []) this.addBackendRef(b);
  }

  /** @internal */
  public get _label(): string {
    return `${this.route.node.path}: rule ${this.index + 1}${this.name !== undefined ? ` (${q(this.name)})` : ''}`;
  }

  /** @internal */
  public get _shortLabel(): string {
    return `rule ${this.index + 1}${this.name !== undefined ? ` (${q(this.name)})` : ''}`;
  }

  /**
   * Adds a match (OR with the rule's other matches).
   */
  public addMatch(match: HttpRouteMatchProps): void {
    treeChanged();
    const what = `${this._label} match ${this._matches.length + 1}`;
    const headers = normalizeConditions(what, 'header', match.headers ?? [], true);
    const queryParams = normalizeConditions(what, 'query parameter', match.queryParams ?? [], false);
    if (match.path?.type === PathMatchType.REGULAR_EXPRESSION) {
      const w = globWarning('path regular expression', match.path.value);
      if (w !== undefined) Annotations.of(this.route).addWarning(`${what}: ${w}`);
    }
    this._matches.push({
      props: {
        path: match.path,
        headers: match.headers ? [...match.headers] : undefined,
        queryParams: match.queryParams ? [...match.queryParams] : undefined,
        method: match.method,
      },
      analyzed: {
        pathType: match.path?.type ?? PathMatchType.PATH_PREFIX,
        pathValue: match.path?.value ?? '/',
        method: match.method,
        headers,
        queryParams,
      },
    });
  }

  /**
   * Adds a filter.
   */
  public addFilter(filter: HttpRouteFilter): void {
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
  public get matches(): HttpRouteMatchProps[] {
    return this._matches.map((m) => m.props);
  }

  /** The filters, in the order they were added. */
  public get filters(): HttpRouteFilter[] {
    return [...this._filters];
  }

  /** The backends, in the order they were added. */
  public get backendRefs(): BackendRef[] {
    return [...this._backendRefs];
  }

  /** The matches with the CRD defaults applied (an empty rule matches every request). @internal */
  public get _analyzed(): AnalyzedMatch[] {
    if (this._matches.length === 0) {
      return [{ pathType: PathMatchType.PATH_PREFIX, pathValue: '/', headers: [], queryParams: [] }];
    }
    return this._matches.map((m) => m.analyzed);
  }

  /** @internal */
  public _validate(): string[] {
    const errors: string[] = [];
    const label = this._label;
    if (this._matches.length > 64) errors.push(`${label}: has ${this._matches.length} matches; at most 64 are allowed (split them across rules)`);
    if (this._filters.length > 16) errors.push(`${label}: has ${this._filters.length} filters; at most 16 are allowed`);
    if (this._backendRefs.length > 16) errors.push(`${label}: has ${this._backendRefs.length} backendRefs; at most 16 are allowed`);
    errors.push(...this.validateFilterList(`${label}:`, this._filters));
    const redirect = this._filters.some((f) => f.type === HttpRouteFilterType.REQUEST_REDIRECT);
    if (redirect && this._backendRefs.length > 0) {
      errors.push(`${label}: has a requestRedirect filter and backendRefs; a redirect answers the request itself, so remove the backendRefs (or the redirect)`);
    }
    this._backendRefs.forEach((b, i) => {
      if (b.filters.length > 16) errors.push(`${label}: backendRef ${i + 1} (${q(b.name)}) has ${b.filters.length} filters; at most 16 are allowed`);
      errors.push(...this.validateFilterList(`${label}: backendRef ${i + 1} (${q(b.name)})`, b.filters));
    });
    return errors;
  }

  private validateFilterList(where: string, filters: HttpRouteFilter[]): string[] {
    const errors: string[] = [];
    const seen = new Set<HttpRouteFilterType>();
    for (const f of filters) {
      if (f.type !== HttpRouteFilterType.REQUEST_MIRROR && seen.has(f.type)) {
        errors.push(`${where} has more than one ${f.type} filter; merge them into one (only RequestMirror may repeat)`);
      }
      seen.add(f.type);
    }
    if (seen.has(HttpRouteFilterType.REQUEST_REDIRECT) && seen.has(HttpRouteFilterType.URL_REWRITE)) {
      errors.push(`${where} has both a RequestRedirect and a URLRewrite filter; use only one (a redirect answers the request, a rewrite forwards it)`);
    }
    for (const f of filters) {
      if (f.pathModifier?.type === HttpPathModifierType.REPLACE_PREFIX_MATCH) {
        const m = this._matches;
        if (m.length !== 1 || m[0].analyzed.pathType !== PathMatchType.PATH_PREFIX) {
          errors.push(`${where} uses ${f.type} with replacePrefixMatch, which needs exactly one match with a PathPrefix path (the rule has ${m.length === 0 ? 'no matches' : m.length === 1 ? 'one match without a PathPrefix path' : `${m.length} matches`}); give the rule a single PathPrefix match or use replaceFullPath`);
        }
      }
    }
    return errors;
  }

  /** @internal */
  public _render(routeNamespace: string | undefined): l1.HttpRouteSpecRules {
    return {
      name: this.name,
      matches: this._matches.length === 0 ? undefined : this._matches.map((m) => renderMatch(m.props)),
      filters: this._filters.length === 0 ? undefined : this._filters.map((f) => f._render()),
      backendRefs: this._backendRefs.length === 0 ? undefined : this._backendRefs.map((b) => ({
        ...b._renderObjectReference(),
        namespace: b.namespace !== undefined && b.namespace !== routeNamespace ? b.namespace : undefined,
        weight: b.weight,
        filters: b.filters.length === 0 ? undefined : b.filters.map((f) => f._render()),
      })),
      timeouts: this.renderedTimeouts,
    };
  }
}

function renderMatch(m: HttpRouteMatchProps): l1.HttpRouteSpecRulesMatches {
  return {
    path: m.path === undefined ? undefined : { type: m.path.type as any, value: m.path.value },
    headers: renderConditions(m.headers),
    queryParams: renderConditions(m.queryParams),
    method: m.method as any,
  };
}

/**
 * Properties of an `HttpRoute`.
 */
export interface HttpRouteProps extends ResourceProps {
  /**
   * The Gateways (or listeners) the route attaches to (at most 32).
   *
   * @default - none; add them with `addParentRef`
   */
  readonly parentRefs?: ParentRef[];

  /**
   * The hostnames the route serves (at most 16; a wildcard only as the whole first label).
   *
   * @default - every hostname the listener accepts
   */
  readonly hostnames?: string[];

  /**
   * The rules (at most 16). At synth they are emitted most specific first (see `HttpRoute`).
   *
   * @default - none; add them with `addRule`
   */
  readonly rules?: HttpRouteRuleProps[];
}

/**
 * An HTTPRoute: rules that send matching HTTP requests to backends.
 *
 * Rules are emitted in the Gateway API's precedence order: Exact path, then RegularExpression path, then the
 * longest PathPrefix, then a method, then more header matches, then more query parameter matches; ties keep the
 * order the rules were added in. A rule is placed by its most specific match, but never ahead of a rule holding a
 * more specific match that overlaps one of its matches, so a gateway that takes the first matching rule routes
 * exactly like one that applies the spec's precedence; rules whose matches make that impossible fail synth
 * (move the less specific match into its own rule). A match that can never be selected (repeated, or fully
 * covered by a match that wins, in this route or in another route attached to the same parent and hostname)
 * fails synth too.
 */
export class HttpRoute extends Resource {
  public readonly apiObject: l1.HttpRoute;

  private readonly _parentRefs: ParentRef[] = [];
  private readonly _hostnames: string[] = [];
  private readonly _rules: HttpRouteRule[] = [];

  constructor(scope: Construct, id: string, props: HttpRouteProps = {}) {
    super(scope, id, props);
    this.apiObject = new l1.HttpRoute(this, 'Resource', {
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

  /** The rules, in the order they were added (synth emits them in precedence order). */
  public get rules(): HttpRouteRule[] {
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
   * Adds a rule and returns it (more matches, filters and backends can be added to it later).
   */
  public addRule(rule: HttpRouteRuleProps): HttpRouteRule {
    treeChanged();
    const r = HttpRouteRule._create(this, this._rules.length, rule);
    this._rules.push(r);
    return r;
  }

  /** The rules in emitted order, with ordering errors and warnings. @internal */
  public _order() {
    return orderRules(this._rules.map((r) => ({ label: r._shortLabel, matches: r._analyzed })));
  }

  private renderSpec(): l1.HttpRouteSpec {
    const ns = this.namespace;
    const { order } = this._order();
    return {
      parentRefs: this._parentRefs.length === 0 ? undefined : this._parentRefs.map((p) => p._render(ns)),
      hostnames: this._hostnames.length === 0 ? undefined : [...this._hostnames],
      rules: this._rules.length === 0 ? undefined : order.map((i) => this._rules[i]._render(ns)),
    };
  }

  /** @internal */
  public get _attachingRoute() {
    return { kind: 'HTTPRoute', namespace: this.namespace, hostnames: this._hostnames };
  }

  /** @internal */
  public get _parentRefList(): ParentRef[] {
    return this._parentRefs;
  }

  private validateRoute(): string[] {
    const path = this.node.path;
    const errors = validateRouteCommon(path, 'HTTPRoute', this.namespace, this._parentRefs, this._hostnames, this._rules.map((r) => ({ name: r.name, matches: r._analyzed.length, explicitMatches: r._analyzed.length })));
    if (this._rules.length === 0) {
      errors.push(`${path}: the route has no rules; add one with addRule({ backendRefs: [...] })`);
    }
    for (const r of this._rules) {
      errors.push(...r._validate());
      const backends = r.backendRefs;
      if (backends.length === 0 && !r.filters.some((f) => f.type === HttpRouteFilterType.REQUEST_REDIRECT)) {
        Annotations.of(this).addWarning(`${path}: ${r._shortLabel} has no backendRefs and no requestRedirect, so every request it matches gets a 500; add backendRefs`);
      } else if (backends.length > 0 && backends.every((b) => b.weight === 0)) {
        Annotations.of(this).addWarning(`${path}: every backendRef of ${r._shortLabel} has weight 0, so every request it matches gets a 500; give at least one backend a weight above 0`);
      }
    }
    const { order, errors: orderErrors, warnings } = this._order();
    errors.push(...orderErrors.map((e) => `${path}: ${e}`));
    for (const w of warnings) Annotations.of(this).addWarning(`${path}: ${w}`);
    if (this._parentRefs.length === 0) {
      Annotations.of(this).addWarning(`${path}: the route has no parentRefs, so no gateway serves it; add one with addParentRef(ParentRef.fromGateway(gateway))`);
    }

    // Ties go to the rule listed first: the emitted order keeps the author's order wherever that matters, and when no
    // order is possible (an error above) the author's order is the one to explain.
    const positions = orderErrors.length > 0 ? this._rules.map((_, i) => i) : order;
    const position = new Map<number, number>(positions.map((authorIndex, pos) => [authorIndex, pos]));
    const located: LocatedMatch[] = [];
    this._rules.forEach((r, i) => r._analyzed.forEach((m, x) => located.push({ label: `${r._shortLabel} match ${x + 1}`, rule: position.get(i)!, match: m })));
    errors.push(...findUnreachable(located).map((e) => `${path}: ${e}`));
    errors.push(...this.validateAcrossRoutes(located));
    warnUngrantedReferences(this, this._rules.flatMap((r) => r.backendRefs.map((b, i) => ({
      fromKind: 'HTTPRoute',
      fromNamespace: this.namespace,
      what: `${r._shortLabel} backendRef ${i + 1}`,
      toGroup: b.group ?? '',
      toKind: b.kind ?? 'Service',
      toName: b.name,
      toNamespace: b.namespace,
    }))));
    errors.push(...mixedKindConflicts(this, (c): c is any => (c as any)._attachingRoute?.kind === 'GRPCRoute'));
    return errors;
  }

  /** Matches of this route that another route, attached to the same parent and hostname, always wins. */
  private validateAcrossRoutes(mine: LocatedMatch[]): string[] {
    const errors: string[] = [];
    const myAttachments = attachments(this);
    if (myAttachments.length === 0) return errors;
    const { routes, byKey } = routesByAttachment(this, 'HTTPRoute', (c): c is HttpRoute => c instanceof HttpRoute);
    const myIndex = routes.indexOf(this);
    const candidates = new Set(myAttachments.flatMap((a) => byKey.get(a.key) ?? []));
    routes.forEach((other, otherIndex) => {
      if (other === this || !candidates.has(other)) return;
      const theirKeys = new Set(attachments(other).map((a) => a.key));
      const shared = myAttachments.find((a) => theirKeys.has(a.key));
      if (shared === undefined) return;
      const where = shared.where;
      const theirs: LocatedMatch[] = [];
      other._rules.forEach((r) => r._analyzed.forEach((m, x) => theirs.push({ label: `${r._shortLabel} match ${x + 1}`, rule: 0, match: m })));
      for (const b of mine) {
        for (const a of theirs) {
          const c = comparePrecedence(a.match, b.match);
          // A tie across routes goes to the older route, unknown at synth: only identical matches are certain to
          // leave one of them unreachable (reported once, on the route found later).
          const same = matchEquivalent(a.match, b.match);
          if ((same && otherIndex < myIndex) || (c < 0 && matchContains(a.match, b.match))) {
            errors.push(`${this.node.path}: ${b.label} (${describeMatch(b.match)}) can never be selected on ${where}: ${same ? 'it is the same match as' : 'every request it matches is taken by'} ${other.node.path} ${a.label}${same ? '' : ` (${describeMatch(a.match)})`}; remove one of them, make it more specific or attach the routes to different hostnames`);
            break;
          }
        }
      }
    });
    return errors;
  }
}
