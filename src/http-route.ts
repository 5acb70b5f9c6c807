import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Annotations } from './annotations';
import { BackendRef } from './backend-ref';
import { experimentalChannel, experimentalFieldError } from './channel';
import { HeaderMatch } from './header-match';
import { HttpMethod } from './http-method';
import { HttpPathModifierType } from './http-path-modifier';
import { HttpRouteFilter, HttpRouteFilterType } from './http-route-filter';
import * as l1 from './imports/gateway.networking.k8s.io';
import { findUnreachable, LocatedMatch, locateMatches, Match, NamedRule, OrderResult, orderRouteRules, ruleLabel } from './model';
import { PathMatch, PathMatchType } from './path-match';
import { QueryParamMatch } from './query-param-match';
import { warnUngrantedReferences } from './reference-grant-check';
import { RouteBase, RouteBaseProps } from './route-base';
import { crossRouteUnreachable, mixedKindConflicts } from './route-conflicts';
import { addedLabel, normalizeConditions, renderConditions, validateRouteCommon } from './route-validation';
import { treeChanged } from './tree-index';
import { globWarning, q, renderGatewayDuration, validateDnsSubdomain, validateInteger } from './validation';
import { checkValue, checkValues } from './value-problem';

/**
 * The conditions of one match, all of which must hold (AND).
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
   * The time for one request from the gateway to a backend (each attempt of a retry counts alone), at most the
   * request timeout.
   *
   * @default - the implementation's default
   */
  readonly backendRequest?: Duration;
}

/**
 * How the gateway retries a request of an HTTPRoute rule whose backend fails (experimental channel).
 *
 * The `retry` field exists only in the experimental channel's HTTPRoute CRD: it is emitted only when the app declares
 * that channel with the context `cdk8s-gateway:channel` set to `experimental`, and fails synth otherwise.
 */
export interface HttpRouteRetry {
  /**
   * The HTTP status codes (400 to 599) of a backend's answer that make the gateway try again, e.g. `[503]`.
   *
   * @default - no status code is retried (only failed connections, as the implementation decides)
   */
  readonly codes?: number[];

  /**
   * The most times a request is retried (1 or more).
   *
   * @default - the implementation's default (this gateway: 1)
   */
  readonly attempts?: number;

  /**
   * The wait before each retry.
   *
   * @default - the implementation's default (this gateway: no wait)
   */
  readonly backoff?: Duration;
}

/**
 * Properties of an HTTPRoute rule.
 */
export interface HttpRouteRuleProps {
  /**
   * The rule name (a DNS-1123 subdomain, unique in the route), shown in status and in the gateway's logs.
   *
   * @default - no name
   */
  readonly name?: string;

  /**
   * The matches, any of which selects the rule for a request (OR).
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
   * The backends, which split the traffic by their weights.
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

  /**
   * Retries of failed requests, an experimental-channel field (see `HttpRouteRetry`). It needs the context
   * `cdk8s-gateway:channel` set to `experimental`.
   *
   * @default - no retries
   */
  readonly retry?: HttpRouteRetry;
}

interface NormalizedMatch {
  readonly props: HttpRouteMatchProps;
  readonly analyzed: Match;
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

  /**
   * Retries of failed requests (experimental channel).
   *
   * @default - no retries
   */
  public readonly retry?: HttpRouteRetry;

  private readonly _matches: NormalizedMatch[] = [];
  private readonly _filters: HttpRouteFilter[] = [];
  private readonly _backendRefs: BackendRef[] = [];
  private readonly renderedTimeouts?: { request?: string; backendRequest?: string };
  private readonly renderedRetry?: { codes?: number[]; attempts?: number; backoff?: string };

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
    this.retry = props.retry;
    if (props.retry !== undefined) this.renderedRetry = renderRetry(`${this._label}: retry`, props.retry);
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
  public addMatch(match: HttpRouteMatchProps): void {
    treeChanged();
    const what = `${this._label} match ${this._matches.length + 1}`;
    checkValue(what, match.path);
    checkValues(`${what}: header`, match.headers);
    checkValues(`${what}: query parameter`, match.queryParams);
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
        path: { type: match.path?.type ?? PathMatchType.PATH_PREFIX, value: match.path?.value ?? '/' },
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
    checkValue(`${this._label}: filter ${this._filters.length + 1}`, filter);
    this._filters.push(filter);
  }

  /**
   * Adds a backend.
   */
  public addBackendRef(backendRef: BackendRef): void {
    treeChanged();
    checkValue(`${this._label}: backendRef ${this._backendRefs.length + 1}`, backendRef);
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
  public get _analyzed(): Match[] {
    if (this._matches.length === 0) return [MATCH_ALL];
    return this._matches.map((m) => m.analyzed);
  }

  /** `label`: the rule as synth messages name it (`app/route: rule 0`, or by name). @internal */
  public _validate(label: string): string[] {
    const errors: string[] = [];
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
        if (m.length !== 1 || m[0].analyzed.path?.type !== PathMatchType.PATH_PREFIX) {
          errors.push(`${where} uses ${f.type} with replacePrefixMatch, which needs exactly one match with a PathPrefix path (the rule has ${m.length === 0 ? 'no matches' : m.length === 1 ? 'one match without a PathPrefix path' : `${m.length} matches`}); give the rule a single PathPrefix match or use replaceFullPath`);
        }
      }
    }
    return errors;
  }

  /** The rule's fields that only the experimental channel's CRD has (the standard-channel L1 drops them). @internal */
  public _renderExperimental(): { retry: object } | undefined {
    return this.renderedRetry === undefined ? undefined : { retry: this.renderedRetry };
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

const MATCH_ALL: Match = { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] };

function renderRetry(what: string, retry: HttpRouteRetry): { codes?: number[]; attempts?: number; backoff?: string } {
  const codes = retry.codes === undefined || retry.codes.length === 0 ? undefined : [...retry.codes];
  for (const code of codes ?? []) validateInteger(`${what} code`, code, 400, 599, 'an http status code of a failed answer, e.g. 503');
  const repeated = codes?.find((c, i) => codes.indexOf(c) !== i);
  if (repeated !== undefined) throw new Error(`${what} lists code ${repeated} twice; list it once`);
  if (retry.attempts !== undefined) validateInteger(`${what} attempts`, retry.attempts, 1, 2147483647, 'the most retries of one request, e.g. 2');
  const backoff = retry.backoff === undefined ? undefined : renderGatewayDuration(`${what} backoff`, retry.backoff.toMilliseconds({ integral: false }));
  return { codes, attempts: retry.attempts, backoff };
}

/** The L1 HTTPRoute, plus the rules' experimental-channel fields (`retry`), which the standard-channel L1 drops. */
class HttpRouteObject extends l1.HttpRoute {
  constructor(scope: Construct, id: string, props: l1.HttpRouteProps, private readonly experimentalFields: () => Array<object | undefined>) {
    super(scope, id, props);
  }

  public override toJson(): any {
    const json = super.toJson();
    const fields = this.experimentalFields();
    if (fields.every((f) => f === undefined)) return json;
    return { ...json, spec: { ...json.spec, rules: json.spec.rules.map((r: object, i: number) => ({ ...r, ...fields[i] })) } };
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
export interface HttpRouteProps extends RouteBaseProps {
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
export class HttpRoute extends RouteBase {
  public readonly apiObject: l1.HttpRoute;

  private readonly _rules: HttpRouteRule[] = [];

  constructor(scope: Construct, id: string, props: HttpRouteProps = {}) {
    super(scope, id, 'HTTPRoute', props);
    this.apiObject = new HttpRouteObject(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    }, () => (experimentalChannel(this) ? this._order().order.map((i) => this._rules[i]._renderExperimental()) : []));
    for (const r of props.rules ?? []) this.addRule(r);
    this.node.addValidation({ validate: () => this.validateRoute() });
  }

  /** The rules, in the order they were added (synth emits them in precedence order). */
  public get rules(): HttpRouteRule[] {
    return [...this._rules];
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
  public _order(): OrderResult {
    return orderRouteRules(this.namedRules(), false);
  }

  /** Every match with its rule's emitted position and its label there, e.g. `rule 0 match 1`. @internal */
  public _located(): LocatedMatch[] {
    const rules = this.namedRules();
    return locateMatches(rules, orderRouteRules(rules, false).position);
  }

  private namedRules(): NamedRule[] {
    return this._rules.map((r) => ({ name: r.name, matches: r._analyzed }));
  }

  private renderSpec(): l1.HttpRouteSpec {
    const ns = this.namespace;
    const { order } = this._order();
    return {
      ...this._renderAttachment(),
      rules: this._rules.length === 0 ? undefined : order.map((i) => this._rules[i]._render(ns)),
    };
  }

  private validateRoute(): string[] {
    const path = this.node.path;
    const errors = validateRouteCommon(path, 'HTTPRoute', this.namespace, this._parentRefList, this.hostnames, this._rules.map((r) => ({ name: r.name, matches: r._analyzed.length, explicitMatches: r._analyzed.length })));
    if (this._rules.length === 0) {
      errors.push(`${path}: the route has no rules; add one with addRule({ backendRefs: [...] })`);
    }
    const { position, errors: orderErrors, warnings } = this._order();
    this._rules.forEach((r, i) => {
      const label = ruleLabel(position[i], r.name);
      errors.push(...r._validate(`${path}: ${label}`));
      const backends = r.backendRefs;
      if (r.retry !== undefined && !experimentalChannel(this)) errors.push(experimentalFieldError(`${path}: ${label}`, 'retry'));
      if (backends.length === 0 && !r.filters.some((f) => f.type === HttpRouteFilterType.REQUEST_REDIRECT)) {
        Annotations.of(this).addWarning(`${path}: ${label} has no backendRefs and no requestRedirect, so every request it matches gets a 500; add backendRefs`);
      } else if (backends.length > 0 && backends.every((b) => b.weight === 0)) {
        Annotations.of(this).addWarning(`${path}: every backendRef of ${label} has weight 0, so every request it matches gets a 500; give at least one backend a weight above 0`);
      }
    });
    errors.push(...orderErrors.map((e) => `${path}: ${e}`));
    for (const w of warnings) Annotations.of(this).addWarning(`${path}: ${w}`);
    if (this._parentRefList.length === 0) {
      Annotations.of(this).addWarning(`${path}: the route has no parentRefs, so no gateway serves it; add one with addParentRef(ParentRef.fromGateway(gateway))`);
    }

    // Ties go to the rule emitted first (when no order is possible, an error above, the fallback order is emitted).
    const located = locateMatches(this.namedRules(), position);
    errors.push(...findUnreachable(located).map((e) => `${path}: ${e}`));
    errors.push(...crossRouteUnreachable(this, located, 'HTTPRoute', (c): c is HttpRoute => c instanceof HttpRoute));
    warnUngrantedReferences(this, this._rules.flatMap((r, n) => r.backendRefs.map((b, i) => ({
      fromKind: 'HTTPRoute',
      fromNamespace: this.namespace,
      what: `${ruleLabel(position[n], r.name)} backendRef ${i + 1}`,
      toGroup: b.group ?? '',
      toKind: b.kind ?? 'Service',
      toName: b.name,
      toNamespace: b.namespace,
    }))));
    errors.push(...mixedKindConflicts(this, (c): c is any => (c as any)._attachingRoute?.kind === 'GRPCRoute'));
    return errors;
  }
}
