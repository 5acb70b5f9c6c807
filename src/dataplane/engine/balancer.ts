/**
 * The balancer: picks one backendRef of a rule in proportion to its weight.
 *
 * - `random` is injected (a value in [0, 1), like Math.random) so choices are reproducible in tests.
 * - Exactly proportional: backend i is picked for random values in [W(<i)/T, W(<=i)/T).
 * - A weight-0 backend is never picked. An invalid backend keeps its share; the caller answers 500
 *   for it (`backend.invalid`).
 * - undefined when the total weight is 0 (no backendRefs, or all weight 0): the caller answers 500.
 */
import { CompiledBackend, CompiledRule } from './model';

export function pickBackend(rule: Pick<CompiledRule, 'backends' | 'totalWeight'>, random: () => number): CompiledBackend | undefined {
  const total = rule.totalWeight;
  if (!(total > 0)) return undefined;
  let r = Number(random());
  if (!(r >= 0) || r >= 1) r = 0; // NaN / out-of-range sources degrade to the first eligible backend
  let point = r * total;
  let last: CompiledBackend | undefined;
  for (const b of rule.backends) {
    if (b.weight <= 0) continue;
    if (point < b.weight) return b;
    point -= b.weight;
    last = b;
  }
  return last; // floating-point remainder at the very top of the range
}

/** The probability of each backend of the rule being picked (weight / total; 0 when total is 0). */
export function backendProbabilities(rule: Pick<CompiledRule, 'backends' | 'totalWeight'>): number[] {
  return rule.backends.map((b) => (rule.totalWeight > 0 ? b.weight / rule.totalWeight : 0));
}

/**
 * How a request picks one endpoint of a Service (after `pickBackend` picked the Service):
 * - `round-robin`: each endpoint in turn (exact shares: n requests over k endpoints give each n/k, +-1).
 * - `least-request`: the power of two choices: two distinct endpoints drawn at random (injected random),
 *   the one with fewer requests in flight wins (the first drawn on a tie). O(1) per pick; a slow or stuck
 *   endpoint accumulates requests in flight and stops being picked.
 */
export type EndpointPolicy = 'round-robin' | 'least-request';

export const ENDPOINT_POLICIES: readonly EndpointPolicy[] = ['round-robin', 'least-request'];

/** Two distinct indices below `n` (n >= 2) drawn from `random`; out-of-range values degrade to 0. */
function twoIndices(n: number, random: () => number): [number, number] {
  const unit = (): number => {
    const r = Number(random());
    return r >= 0 && r < 1 ? r : 0;
  };
  const a = Math.floor(unit() * n);
  let b = Math.floor(unit() * (n - 1));
  if (b >= a) b++;
  return [a, b];
}

/**
 * The index the least-request policy picks among `n` endpoints whose requests in flight `load(i)` tells:
 * the less loaded of two distinct random ones (the first on a tie). 0 for a single endpoint.
 */
export function leastRequestIndex(n: number, load: (index: number) => number, random: () => number): number {
  if (n <= 1) return 0;
  const [a, b] = twoIndices(n, random);
  return load(b) < load(a) ? b : a;
}

/**
 * The index an endpoint policy picks among `n` endpoints, then moved on (in order, wrapping) past the
 * ones `avoid` says were already tried by this request when an untried one exists. `cursor` is the
 * round-robin position (the caller advances it); -1 when n is 0.
 */
export function pickEndpointIndex(
  n: number, policy: EndpointPolicy, cursor: number, load: (index: number) => number, random: () => number,
  avoid?: (index: number) => boolean,
): number {
  if (n <= 0) return -1;
  let i = policy === 'least-request' ? leastRequestIndex(n, load, random) : ((cursor % n) + n) % n;
  if (avoid) {
    for (let k = 0; k < n && avoid(i); k++) i = (i + 1) % n;
  }
  return i;
}
