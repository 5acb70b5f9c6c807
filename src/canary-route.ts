import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpRoute, HttpRouteMatchProps } from './http-route';
import { PathMatch } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checkDistinct, checked, checkNoWeight } from './pattern-util';
import { validateInteger } from './validation';
import { problemOf } from './value-problem';

/**
 * How a `CanaryRoute` splits the requests between the stable and the canary backend: a percentage or two weights.
 */
export class CanarySplit {
  /**
   * Sends `percent` of the requests (an integer 0..100) to the canary and the rest to the stable backend: weights
   * `100 - percent` and `percent`, e.g. `CanarySplit.percent(10)` for 90/10.
   */
  public static percent(percent: number): CanarySplit {
    return new CanarySplit(100 - percent, percent, problemOf(() => {
      validateInteger('canary percent', percent, 0, 100, 'e.g. 10 sends one request in ten to the canary');
    }));
  }

  /**
   * Splits the requests by relative weights (integers 0..1,000,000, not both 0), e.g.
   * `CanarySplit.weights(3, 1)` sends one request in four to the canary.
   */
  public static weights(stableWeight: number, canaryWeight: number): CanarySplit {
    return new CanarySplit(stableWeight, canaryWeight, problemOf(() => {
      validateInteger('stable weight', stableWeight, 0, 1_000_000, 'weights are relative shares, e.g. 90 and 10');
      validateInteger('canary weight', canaryWeight, 0, 1_000_000, 'weights are relative shares, e.g. 90 and 10');
      if (stableWeight + canaryWeight === 0) {
        throw new Error('stable weight and canary weight are both 0, so every request would fail with 500; give at least one of them a positive weight');
      }
    }));
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The weight of the stable backend. */
    public readonly stableWeight: number,
    /** The weight of the canary backend. */
    public readonly canaryWeight: number,
    problem: string | undefined,
  ) {
    this._problem = problem;
  }
}

/**
 * Properties of a `CanaryRoute`.
 */
export interface CanaryRouteProps extends RoutePatternProps {
  /**
   * The backend that serves most of the traffic (created without a weight).
   */
  readonly stable: BackendRef;

  /**
   * The backend under test (created without a weight).
   */
  readonly canary: BackendRef;

  /**
   * How the requests are split, e.g. `CanarySplit.percent(10)` or `CanarySplit.weights(90, 10)`.
   */
  readonly split: CanarySplit;

  /**
   * The requests the split applies to.
   *
   * @default - every request (PathPrefix "/")
   */
  readonly match?: HttpRouteMatchProps;
}

/**
 * A canary release: one HTTPRoute rule that splits the matching requests between a stable and a canary backend by
 * weight, e.g. 90/10.
 *
 * The route is `route` (construct id `Route`).
 */
export class CanaryRoute extends Construct {
  /** The HTTPRoute this pattern composes. */
  public readonly route: HttpRoute;

  /** The stable backend, with its weight. */
  public readonly stable: BackendRef;

  /** The canary backend, with its weight. */
  public readonly canary: BackendRef;

  /** The weight of the stable backend. */
  public readonly stableWeight: number;

  /** The weight of the canary backend. */
  public readonly canaryWeight: number;

  constructor(scope: Construct, id: string, props: CanaryRouteProps) {
    super(scope, id);
    const path = this.node.path;
    if (props.split === undefined) {
      // From JavaScript the required prop can be left out.
      throw new Error(`${path}: the split is missing; give split: CanarySplit.percent(10) or CanarySplit.weights(90, 10)`);
    }
    checked(`${path}: split`, props.split);
    this.stableWeight = props.split.stableWeight;
    this.canaryWeight = props.split.canaryWeight;
    checkNoWeight(path, 'stable', props.stable, 'the split');
    checkNoWeight(path, 'canary', props.canary, 'the split');
    checkDistinct(path, [{ role: 'stable', backend: props.stable }, { role: 'canary', backend: props.canary }]);

    this.stable = props.stable.withWeight(this.stableWeight);
    this.canary = props.canary.withWeight(this.canaryWeight);
    this.route = new HttpRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
      rules: [{
        matches: [props.match ?? { path: PathMatch.pathPrefix('/') }],
        backendRefs: [this.stable, this.canary],
      }],
    });
  }

  /**
   * The share of matching requests the canary receives, in percent (0..100, not rounded).
   */
  public get canaryPercent(): number {
    return (100 * this.canaryWeight) / (this.stableWeight + this.canaryWeight);
  }

  /**
   * The share of matching requests the stable backend receives, in percent (0..100, not rounded).
   */
  public get stablePercent(): number {
    return 100 - this.canaryPercent;
  }
}
