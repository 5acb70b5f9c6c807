import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpRouteMatchProps } from './http-route';
import { RoutePatternProps } from './pattern-props';
import { checkDistinct, checkNoWeight } from './pattern-util';
import { ProgressiveRollout, RolloutStage } from './progressive-rollout';

/**
 * The colour of a blue-green deployment.
 */
export enum BlueGreenColor {
  /** The blue backend. */
  BLUE = 'blue',
  /** The green backend. */
  GREEN = 'green',
}

/**
 * Properties of a `BlueGreenRoute`.
 */
export interface BlueGreenRouteProps extends RoutePatternProps {
  /**
   * The blue backend (created without a weight).
   */
  readonly blue: BackendRef;

  /**
   * The green backend (created without a weight).
   */
  readonly green: BackendRef;

  /**
   * Which colour receives all requests.
   */
  readonly live: BlueGreenColor;

  /**
   * The requests the route applies to.
   *
   * @default - every request (PathPrefix "/")
   */
  readonly match?: HttpRouteMatchProps;
}

/**
 * A blue-green deployment: all matching requests go to the live colour (weight 100), none to the other (weight 0,
 * kept in the route so the cutover and the rollback are a change of `live`).
 *
 * It is the two-stage `ProgressiveRollout` 100/0 -> 0/100 over blue and green; the route is `route` (construct id
 * `Route`).
 */
export class BlueGreenRoute extends ProgressiveRollout {
  /** Validates the colours with their names before the rollout sees them as backends 0 and 1. */
  private static checkedBackends(scope: Construct, id: string, props: BlueGreenRouteProps): BackendRef[] {
    const path = scope.node.path === '' ? id : `${scope.node.path}/${id}`;
    checkNoWeight(path, 'blue', props.blue, 'live');
    checkNoWeight(path, 'green', props.green, 'live');
    checkDistinct(path, [{ role: 'blue', backend: props.blue }, { role: 'green', backend: props.green }]);
    return [props.blue, props.green];
  }

  /** The colour that receives all requests. */
  public readonly live: BlueGreenColor;

  constructor(scope: Construct, id: string, props: BlueGreenRouteProps) {
    super(scope, id, {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
      match: props.match,
      backends: BlueGreenRoute.checkedBackends(scope, id, props),
      stages: [RolloutStage.withWeights(100, 0), RolloutStage.withWeights(0, 100)],
      currentStage: props.live === BlueGreenColor.BLUE ? 0 : 1,
    });
    this.live = props.live;
  }

  /** The colour that receives no requests. */
  public get idle(): BlueGreenColor {
    return this.live === BlueGreenColor.BLUE ? BlueGreenColor.GREEN : BlueGreenColor.BLUE;
  }

  /** The live backend (weight 100). */
  public get liveBackend(): BackendRef {
    return this.currentBackendRefs[this.live === BlueGreenColor.BLUE ? 0 : 1];
  }

  /** The idle backend (weight 0). */
  public get idleBackend(): BackendRef {
    return this.currentBackendRefs[this.live === BlueGreenColor.BLUE ? 1 : 0];
  }
}
