import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpRoute, HttpRouteMatchProps } from './http-route';
import { HttpRouteFilter } from './http-route-filter';
import { PathMatch } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checkDistinct, checkInteger } from './pattern-util';
import { q } from './validation';

/**
 * Properties of a `MirrorRoute`.
 */
export interface MirrorRouteProps extends RoutePatternProps {
  /**
   * The backend that answers the requests.
   */
  readonly primary: BackendRef;

  /**
   * The backend that receives copies of the requests, whose responses are discarded. Created without a weight or
   * filters.
   */
  readonly shadow: BackendRef;

  /**
   * The share of requests copied to the shadow, an integer percentage 0..100.
   *
   * @default - every request is copied
   */
  readonly percent?: number;

  /**
   * The requests the route applies to.
   *
   * @default - every request (PathPrefix "/")
   */
  readonly match?: HttpRouteMatchProps;
}

/**
 * Request mirroring: matching requests go to the primary backend, and a copy of each (or of `percent` of them)
 * goes to a shadow backend whose responses are discarded. The route is `route` (construct id `Route`).
 */
export class MirrorRoute extends Construct {
  /** The HTTPRoute this pattern composes. */
  public readonly route: HttpRoute;

  /** The backend that answers the requests. */
  public readonly primary: BackendRef;

  /** The backend that receives copies. */
  public readonly shadow: BackendRef;

  /**
   * The share of requests copied, in percent.
   *
   * @default - every request is copied (100)
   */
  public readonly percent?: number;

  constructor(scope: Construct, id: string, props: MirrorRouteProps) {
    super(scope, id);
    const path = this.node.path;
    if (props.percent !== undefined) {
      checkInteger(path, 'percent', props.percent, 0, 100, 'e.g. 10 copies one request in ten to the shadow');
    }
    checkDistinct(path, [{ role: 'primary', backend: props.primary }, { role: 'shadow', backend: props.shadow }]);
    if (props.shadow.weight !== undefined || props.shadow.filters.length > 0) {
      throw new Error(`${path}: shadow backend ${q(props.shadow.name)} has a ${props.shadow.weight !== undefined ? 'weight' : 'filter'}, which a mirror does not use; create it without weight and filters`);
    }
    this.primary = props.primary;
    this.shadow = props.shadow;
    this.percent = props.percent;
    this.route = new HttpRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
      rules: [{
        matches: [props.match ?? { path: PathMatch.pathPrefix('/') }],
        backendRefs: [props.primary],
        filters: [HttpRouteFilter.requestMirror({ backend: props.shadow, percent: props.percent })],
      }],
    });
  }
}
