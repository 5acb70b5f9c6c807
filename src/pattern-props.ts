import { ParentRef } from './parent-ref';
import { ResourceProps } from './resource';

/**
 * Properties shared by the routing patterns (`CanaryRoute`, `MethodRoute`, ...): where the route they compose
 * attaches and which hostnames it serves.
 */
export interface RoutePatternProps extends ResourceProps {
  /**
   * The Gateways (or listeners) the route attaches to.
   *
   * @default - none; add them later with `pattern.route.addParentRef(...)`
   */
  readonly parentRefs?: ParentRef[];

  /**
   * The hostnames the route serves.
   *
   * @default - every hostname the listener accepts
   */
  readonly hostnames?: string[];
}
