import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HeaderMatch, MatchType } from './header-match';
import { HttpRoute } from './http-route';
import { PathMatch } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checked, checkNotEmpty } from './pattern-util';
import { q } from './validation';

/**
 * One value of the header and where requests carrying it go.
 */
export interface HeaderVersion {
  /**
   * The header value (`matchType` EXACT) or an RE2 regular expression the whole value must match
   * (`matchType` REGULAR_EXPRESSION), e.g. `"2"` or `"^premium-.*"`.
   */
  readonly value: string;

  /**
   * How the value is compared.
   *
   * @default MatchType.EXACT
   */
  readonly matchType?: MatchType;

  /**
   * Where requests with this value go (weights split them).
   */
  readonly backendRefs: BackendRef[];
}

/**
 * Properties of a `HeaderVersionRoute`.
 */
export interface HeaderVersionRouteProps extends RoutePatternProps {
  /**
   * The request header that selects the version, e.g. `x-version` (case-insensitive).
   */
  readonly headerName: string;

  /**
   * The header values and their backends. Requests matching several values go to the first one listed.
   *
   * @default - none; add them with `addVersion`
   */
  readonly versions?: HeaderVersion[];

  /**
   * Where requests without a matching header value go.
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
 * Routes by the value of one request header (API versions, tiers, beta users): one rule per value, plus a
 * default rule without the header match, all on the same path. The route is `route` (construct id `Route`).
 */
export class HeaderVersionRoute extends Construct {
  /** The HTTPRoute this pattern composes. */
  public readonly route: HttpRoute;

  /** The header that selects the version. */
  public readonly headerName: string;

  /** The request paths the route applies to. */
  public readonly path: PathMatch;

  private readonly _versions: HeaderVersion[] = [];

  constructor(scope: Construct, id: string, props: HeaderVersionRouteProps) {
    super(scope, id);
    // validates the name (an HTTP token) with a throwaway match
    checked(this.node.path, HeaderMatch.exact(props.headerName, 'x'));
    this.headerName = props.headerName;
    this.path = checked(`${this.node.path}: path`, props.path ?? PathMatch.pathPrefix('/'));
    this.route = new HttpRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
    });
    for (const v of props.versions ?? []) this.addVersion(v);
    if (props.defaultBackendRefs !== undefined) {
      checkNotEmpty(this.node.path, 'defaultBackendRefs', props.defaultBackendRefs, 'give at least one backend, or leave defaultBackendRefs out so unmatched requests get 404');
      this.route.addRule({ matches: [{ path: this.path }], backendRefs: props.defaultBackendRefs });
    }
    this.node.addValidation({
      validate: () => this._versions.length === 0
        ? [`${this.node.path}: no header values are routed; add one with addVersion({ value: "2", backendRefs: [...] })`]
        : [],
    });
  }

  /**
   * Routes requests whose header has this value to its backends.
   */
  public addVersion(version: HeaderVersion): void {
    const path = this.node.path;
    const type = version.matchType ?? MatchType.EXACT;
    const match = checked(path, type === MatchType.EXACT
      ? HeaderMatch.exact(this.headerName, version.value)
      : HeaderMatch.regularExpression(this.headerName, version.value));
    if (this._versions.some((v) => v.value === version.value && (v.matchType ?? MatchType.EXACT) === type)) {
      throw new Error(`${path}: header ${q(this.headerName)} value ${q(version.value)} is routed twice; route each value once`);
    }
    checkNotEmpty(path, `the backends of header ${q(this.headerName)} value ${q(version.value)}`, version.backendRefs, 'give at least one backend');
    this._versions.push({ value: version.value, matchType: type, backendRefs: [...version.backendRefs] });
    this.route.addRule({ matches: [{ path: this.path, headers: [match] }], backendRefs: version.backendRefs });
  }

  /** The routed header values, in the order they were added. */
  public get versions(): HeaderVersion[] {
    return [...this._versions];
  }
}
