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
