import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpRoute } from './http-route';
import { PathMatch } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checked, checkNotEmpty } from './pattern-util';
import { QueryParamMatch } from './query-param-match';
import { q } from './validation';

/**
 * A query parameter condition and where matching requests go.
 */
export interface QueryParamBackends {
  /**
   * The query parameter and its value, e.g. `QueryParamMatch.exact('debug', 'true')`.
   */
  readonly match: QueryParamMatch;

  /**
   * Where matching requests go (weights split them).
   */
  readonly backendRefs: BackendRef[];
}

/**
 * Properties of a `QueryParamRoute`.
 */
export interface QueryParamRouteProps extends RoutePatternProps {
  /**
   * The query parameter conditions and their backends. A request matching several goes to the first one listed.
   *
   * @default - none; add them with `addParam`
   */
  readonly params?: QueryParamBackends[];

  /**
   * Where requests matching none of the conditions go.
   *
   * @default - no default: such requests get 404
   */
  readonly defaultBackendRefs?: BackendRef[];

  /**
   * The request paths the route applies to.
   *
   * @default - every path (PathPrefix "/")
   */
  readonly path?: PathMatch;
}

/**
 * Routes by query parameters (feature flags, debug modes, tiers): one rule per condition, plus a default rule
 * without query parameter matches, all on the same path. The route is `route` (construct id `Route`).
 */
export class QueryParamRoute extends Construct {
  /** The HTTPRoute this pattern composes. */
  public readonly route: HttpRoute;

  /** The request paths the route applies to. */
  public readonly path: PathMatch;

  private readonly _params: QueryParamBackends[] = [];

  constructor(scope: Construct, id: string, props: QueryParamRouteProps = {}) {
    super(scope, id);
    this.path = checked(`${this.node.path}: path`, props.path ?? PathMatch.pathPrefix('/'));
    this.route = new HttpRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
    });
    for (const p of props.params ?? []) this.addParam(p);
    if (props.defaultBackendRefs !== undefined) {
      checkNotEmpty(this.node.path, 'defaultBackendRefs', props.defaultBackendRefs, 'give at least one backend, or leave defaultBackendRefs out so unmatched requests get 404');
      this.route.addRule({ matches: [{ path: this.path }], backendRefs: props.defaultBackendRefs });
    }
    this.node.addValidation({
      validate: () => this._params.length === 0
        ? [`${this.node.path}: no query parameter is routed; add one with addParam({ match: QueryParamMatch.exact("debug", "true"), backendRefs: [...] })`]
        : [],
    });
  }

  /**
   * Routes requests whose query parameter matches to its backends.
   */
  public addParam(param: QueryParamBackends): void {
    const path = this.node.path;
    const m = checked(path, param.match);
    if (this._params.some((p) => p.match.name === m.name && p.match.type === m.type && p.match.value === m.value)) {
      throw new Error(`${path}: query parameter ${q(m.name)} value ${q(m.value)} is routed twice; route each condition once`);
    }
    checkNotEmpty(path, `the backends of query parameter ${q(m.name)} value ${q(m.value)}`, param.backendRefs, 'give at least one backend');
    this._params.push({ match: m, backendRefs: [...param.backendRefs] });
    this.route.addRule({ matches: [{ path: this.path, queryParams: [m] }], backendRefs: param.backendRefs });
  }

  /** The routed conditions, in the order they were added. */
  public get params(): QueryParamBackends[] {
    return [...this._params];
  }
}
