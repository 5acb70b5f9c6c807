import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpRoute, HttpRouteMatchProps } from './http-route';
import { PathMatch } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checkDistinct, checkInteger, checkNoWeight } from './pattern-util';

/**
 * Properties of a `CanaryRoute`. Give the split either as `canaryPercent` or as `stableWeight` and `canaryWeight`.
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
   * The share of requests sent to the canary, an integer percentage 0..100 (weights `100 - p` and `p`).
   *
   * @default - the split is given by `stableWeight` and `canaryWeight`
   */
  readonly canaryPercent?: number;

  /**
   * The weight of the stable backend (an integer 0..1,000,000), with `canaryWeight`.
   *
   * @default - derived from `canaryPercent`
   */
  readonly stableWeight?: number;

  /**
   * The weight of the canary backend (an integer 0..1,000,000), with `stableWeight`.
   *
   * @default - derived from `canaryPercent`
   */
  readonly canaryWeight?: number;

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
    const byWeights = props.stableWeight !== undefined || props.canaryWeight !== undefined;
    if (props.canaryPercent !== undefined && byWeights) {
      throw new Error(`${path}: both canaryPercent and stableWeight/canaryWeight are set; set only canaryPercent (e.g. 10) or only stableWeight and canaryWeight (e.g. 90 and 10)`);
    }
    if (props.canaryPercent !== undefined) {
      checkInteger(path, 'canaryPercent', props.canaryPercent, 0, 100, 'e.g. 10 sends one request in ten to the canary');
      this.stableWeight = 100 - props.canaryPercent;
      this.canaryWeight = props.canaryPercent;
    } else if (props.stableWeight !== undefined && props.canaryWeight !== undefined) {
      checkInteger(path, 'stableWeight', props.stableWeight, 0, 1_000_000, 'weights are relative shares, e.g. 90 and 10');
      checkInteger(path, 'canaryWeight', props.canaryWeight, 0, 1_000_000, 'weights are relative shares, e.g. 90 and 10');
      if (props.stableWeight + props.canaryWeight === 0) {
        throw new Error(`${path}: stableWeight and canaryWeight are both 0, so every request would fail with 500; give at least one of them a positive weight`);
      }
      this.stableWeight = props.stableWeight;
      this.canaryWeight = props.canaryWeight;
    } else if (byWeights) {
      throw new Error(`${path}: only ${props.stableWeight !== undefined ? 'stableWeight' : 'canaryWeight'} is set; set both stableWeight and canaryWeight (e.g. 90 and 10), or canaryPercent`);
    } else {
      throw new Error(`${path}: the split is missing; set canaryPercent (e.g. 10) or stableWeight and canaryWeight (e.g. 90 and 10)`);
    }
    checkNoWeight(path, 'stable', props.stable, 'canaryPercent or stableWeight');
    checkNoWeight(path, 'canary', props.canary, 'canaryPercent or canaryWeight');
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
