import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpRoute } from './http-route';
import { PathMatch, PathMatchType } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checked, checkNotEmpty } from './pattern-util';
import { q } from './validation';

/**
 * A path and where requests for it go.
 */
export interface PathBackends {
  /**
   * The path: usually `PathMatch.pathPrefix('/users')` for a service, `PathMatch.exact('/tasks/urgent')` for an
   * override of one endpoint.
   */
  readonly path: PathMatch;

  /**
   * Where requests for the path go (weights split them, e.g. a 95/5 canary).
   */
  readonly backendRefs: BackendRef[];
}

/**
 * Properties of `PathRoutes`.
 */
export interface PathRoutesProps extends RoutePatternProps {
  /**
   * The paths and their backends.
   *
   * @default - none; add them with `addPath`, `addPrefix` or `addExact`
   */
  readonly paths?: PathBackends[];
}

/**
 * Several services behind one hostname, by path: one rule per path. Exact paths override the prefixes they lie
 * under (`/tasks/urgent` inside `/tasks`) and the longest prefix wins, whatever the order the paths are added
 * in: the route emits them in the Gateway API's precedence order. The route is `route` (construct id `Route`).
 */
export class PathRoutes extends Construct {
  /** The HTTPRoute this pattern composes. */
  public readonly route: HttpRoute;

  private readonly _paths: PathBackends[] = [];

  constructor(scope: Construct, id: string, props: PathRoutesProps = {}) {
    super(scope, id);
    this.route = new HttpRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
    });
    for (const p of props.paths ?? []) this.addPath(p);
  }

  /**
   * Routes requests for `path` to its backends.
   */
  public addPath(entry: PathBackends): void {
    const path = this.node.path;
    const p = checked(path, entry.path);
    if (this._paths.some((e) => e.path.type === p.type && e.path.value === p.value)) {
      throw new Error(`${path}: ${p.type} path ${q(p.value)} is routed twice; route each path once`);
    }
    if (p.type === PathMatchType.PATH_PREFIX) {
      const norm = (v: string) => (v === '/' ? '/' : v.replace(/\/+$/, ''));
      const same = this._paths.find((e) => e.path.type === PathMatchType.PATH_PREFIX && norm(e.path.value) === norm(p.value));
      if (same !== undefined) {
        throw new Error(`${path}: prefix ${q(p.value)} matches the same requests as prefix ${q(same.path.value)} (a trailing "/" is ignored); route the prefix once`);
      }
    }
    checkNotEmpty(path, `the backends of path ${q(p.value)}`, entry.backendRefs, 'give at least one backend');
    this._paths.push({ path: p, backendRefs: [...entry.backendRefs] });
    this.route.addRule({ matches: [{ path: p }], backendRefs: entry.backendRefs });
  }

  /**
   * Routes requests whose path starts with `prefix` (element by element) to `backendRefs`.
   */
  public addPrefix(prefix: string, backendRefs: BackendRef[]): void {
    this.addPath({ path: PathMatch.pathPrefix(prefix), backendRefs });
  }

  /**
   * Routes requests for exactly `path` to `backendRefs`, overriding any prefix it lies under.
   */
  public addExact(path: string, backendRefs: BackendRef[]): void {
    this.addPath({ path: PathMatch.exact(path), backendRefs });
  }

  /** The routed paths, in the order they were added. */
  public get paths(): PathBackends[] {
    return [...this._paths];
  }
}
