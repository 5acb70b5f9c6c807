import { Construct } from 'constructs';
import { BackendRef } from './backend-ref';
import { HttpRoute, HttpRouteMatchProps } from './http-route';
import { PathMatch } from './path-match';
import { RoutePatternProps } from './pattern-props';
import { checkDistinct, checkInteger, checkNoWeight } from './pattern-util';
import { q } from './validation';

/**
 * One stage of a `ProgressiveRollout`: a weight for each backend, in the order of the rollout's `backends`.
 */
export class RolloutStage {
  /**
   * A stage with these weights (integers 0..1,000,000, one per backend), e.g. `RolloutStage.withWeights(95, 5)`.
   * A backend with weight 0 receives no requests but stays in the route, so rolling back is a change of stage.
   */
  public static withWeights(...weights: number[]): RolloutStage {
    return new RolloutStage(weights);
  }

  /** The weights, one per backend. */
  public readonly weights: number[];

  private constructor(weights: number[]) {
    this.weights = [...weights];
  }

  /** The share of requests each backend receives, in percent (not rounded). */
  public get percentages(): number[] {
    const total = this.weights.reduce((a, b) => a + b, 0);
    return this.weights.map((w) => (total === 0 ? 0 : (100 * w) / total));
  }
}

/**
 * Properties of a `ProgressiveRollout`.
 */
export interface ProgressiveRolloutProps extends RoutePatternProps {
  /**
   * The backends (2..16), created without weights; each stage gives one weight per backend, in this order.
   */
  readonly backends: BackendRef[];

  /**
   * The stages, in rollout order, e.g. 95/5, 75/25, 50/50, 0/100.
   */
  readonly stages: RolloutStage[];

  /**
   * The stage the route is at now: a 0-based index into `stages`.
   */
  readonly currentStage: number;

  /**
   * The requests the rollout applies to.
   *
   * @default - every request (PathPrefix "/")
   */
  readonly match?: HttpRouteMatchProps;
}

/**
 * A progressive rollout: a list of weight stages for a set of backends, and the stage the route is at. The route
 * (construct id `Route`) has one rule whose backends carry the weights of the current stage; advancing the
 * rollout is a change of `currentStage`.
 */
export class ProgressiveRollout extends Construct {
  /** The HTTPRoute this pattern composes. */
  public readonly route: HttpRoute;

  /** The backends, without weights, in stage order. */
  public readonly backends: BackendRef[];

  /** The stages. */
  public readonly stages: RolloutStage[];

  /** The 0-based index of the current stage. */
  public readonly currentStage: number;

  constructor(scope: Construct, id: string, props: ProgressiveRolloutProps) {
    super(scope, id);
    const path = this.node.path;
    if (props.backends.length < 2 || props.backends.length > 16) {
      throw new Error(`${path}: a rollout needs 2 to 16 backends, got ${props.backends.length}; list the backends the stages shift traffic between (e.g. stable and canary)`);
    }
    props.backends.forEach((b, i) => checkNoWeight(path, `backends[${i}]`, b, 'the stages'));
    checkDistinct(path, props.backends.map((backend, i) => ({ role: `backends[${i}]`, backend })));
    if (props.stages.length === 0) {
      throw new Error(`${path}: the rollout has no stages; give at least one, e.g. RolloutStage.withWeights(95, 5)`);
    }
    props.stages.forEach((stage, s) => {
      if (stage.weights.length !== props.backends.length) {
        throw new Error(`${path}: stage ${s} has ${stage.weights.length} weights (${stage.weights.join('/')}) for ${props.backends.length} backends; give one weight per backend, in the order of backends (${props.backends.map((b) => q(b.name)).join(', ')})`);
      }
      stage.weights.forEach((w, i) => checkInteger(path, `stage ${s} weight of ${q(props.backends[i].name)}`, w, 0, 1_000_000, 'weights are relative shares, e.g. 95 and 5'));
      if (stage.weights.every((w) => w === 0)) {
        throw new Error(`${path}: stage ${s} gives every backend weight 0, so every request would fail with 500; give at least one backend a positive weight`);
      }
    });
    if (!Number.isInteger(props.currentStage) || props.currentStage < 0 || props.currentStage >= props.stages.length) {
      throw new Error(`${path}: currentStage ${props.currentStage} is not a stage; use a 0-based index from 0 to ${props.stages.length - 1}`);
    }

    this.backends = [...props.backends];
    this.stages = [...props.stages];
    this.currentStage = props.currentStage;
    this.route = new HttpRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
      rules: [{
        matches: [props.match ?? { path: PathMatch.pathPrefix('/') }],
        backendRefs: this.currentBackendRefs,
      }],
    });
  }

  /** The weights of the current stage, one per backend. */
  public get currentWeights(): number[] {
    return [...this.stages[this.currentStage].weights];
  }

  /** The backends with the weights of the current stage, as the route has them. */
  public get currentBackendRefs(): BackendRef[] {
    const weights = this.stages[this.currentStage].weights;
    return this.backends.map((b, i) => b.withWeight(weights[i]));
  }

  /** Whether the current stage is the last one. */
  public get isComplete(): boolean {
    return this.currentStage === this.stages.length - 1;
  }
}
