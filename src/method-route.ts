import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpMethod } from './http-method';
import { HttpRoute } from './http-route';
import { PathMatch } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checked, checkNotEmpty } from './pattern-util';
import { q } from './validation';

/**
 * Properties of a `MethodRoute`.
 */
export interface MethodRouteProps extends RoutePatternProps {
  /**
   * Where reads go, e.g. read replicas.
   */
  readonly readBackendRefs: BackendRef[];

  /**
   * Where writes go, e.g. the primary.
   */
  readonly writeBackendRefs: BackendRef[];

  /**
   * The methods that are reads.
   *
   * @default [HttpMethod.GET, HttpMethod.HEAD]
   */
  readonly readMethods?: HttpMethod[];

  /**
   * The methods that are writes.
   *
   * @default [HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE]
   */
  readonly writeMethods?: HttpMethod[];

  /**
   * Where requests with any other method (OPTIONS, ...) go.
   *
   * @default - no default: such requests get 404
   */
  readonly otherBackendRefs?: BackendRef[];

  /**
   * The request paths the route applies to.
   *
   * @default - every path (PathPrefix "/")
   */
  readonly path?: PathMatch;
}

/**
 * Routes reads and writes to different backends by HTTP method: reads (GET, HEAD) to read replicas, writes (POST,
 * PUT, PATCH, DELETE) to the primary. One rule for reads and one for writes, with one match per method (a rule
 * matches if any of its matches does). The route is `route` (construct id `Route`).
 */
export class MethodRoute extends Construct {
  /** The HTTPRoute this pattern composes. */
  public readonly route: HttpRoute;

  /** The methods routed to the read backends. */
  public readonly readMethods: HttpMethod[];

  /** The methods routed to the write backends. */
  public readonly writeMethods: HttpMethod[];

  constructor(scope: Construct, id: string, props: MethodRouteProps) {
    super(scope, id);
    const path = this.node.path;
    this.readMethods = [...(props.readMethods ?? [HttpMethod.GET, HttpMethod.HEAD])];
    this.writeMethods = [...(props.writeMethods ?? [HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE])];
    checkNotEmpty(path, 'readMethods', this.readMethods, 'give at least one method (e.g. [HttpMethod.GET, HttpMethod.HEAD])');
    checkNotEmpty(path, 'writeMethods', this.writeMethods, 'give at least one method (e.g. [HttpMethod.POST])');
    const seen = new Map<HttpMethod, string>();
    for (const [list, methods] of [['readMethods', this.readMethods], ['writeMethods', this.writeMethods]] as const) {
      for (const m of methods) {
        const other = seen.get(m);
        if (other !== undefined) {
          throw new Error(`${path}: method ${m} is listed ${other === list ? `twice in ${list}` : `in both ${other} and ${list}`}; list it once`);
        }
        seen.set(m, list);
      }
    }
    checkNotEmpty(path, 'readBackendRefs', props.readBackendRefs, 'give at least one backend for reads');
    checkNotEmpty(path, 'writeBackendRefs', props.writeBackendRefs, 'give at least one backend for writes');
    if (props.otherBackendRefs !== undefined) {
      checkNotEmpty(path, 'otherBackendRefs', props.otherBackendRefs, `give at least one backend, or leave otherBackendRefs out so methods other than ${q([...seen.keys()].join(', '))} get 404`);
    }

    const routePath = checked(`${path}: path`, props.path ?? PathMatch.pathPrefix('/'));
    this.route = new HttpRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
      rules: [
        { matches: this.readMethods.map((method) => ({ path: routePath, method })), backendRefs: props.readBackendRefs },
        { matches: this.writeMethods.map((method) => ({ path: routePath, method })), backendRefs: props.writeBackendRefs },
        ...(props.otherBackendRefs === undefined ? [] : [{ matches: [{ path: routePath }], backendRefs: props.otherBackendRefs }]),
      ],
    });
  }
}
