/**
 * The status of a BackendTLSPolicy (`status.ancestors`): one entry per served Gateway whose attached routes send to a
 * Service the policy targets, each with the policy's `Accepted` and `ResolvedRefs` from the compile. Pure, like
 * `desiredStatus` (status.ts), which calls it.
 *
 * - Entries of other controllers are kept as they are; ours are replaced (an ancestor no longer reached is removed).
 * - With `--gateway`, ancestors of ours naming Gateways this replica does not serve are left to the replicas that do.
 * - The API holds at most 16 ancestors: other controllers' entries are kept first.
 */
import { Condition, splitEntries, StatusInput } from './status';
import type { ConditionFact } from '../engine/model';
import type { KubeObject } from '../kube/client';

const G = 'gateway.networking.k8s.io';
/** `status.ancestors` of a policy holds at most this many entries. */
const MAX_ANCESTORS = 16;

/** The status `policy` should have, or undefined when this controller has nothing to say about it. */
export function desiredPolicyStatus(
  policy: KubeObject,
  input: StatusInput,
  stamp: (facts: readonly ConditionFact[], previous: readonly Condition[] | undefined) => Condition[],
): Record<string, unknown> | undefined {
  const live = policy.status ?? {};
  const ns = policy.metadata.namespace;
  const { ours, others } = splitEntries(live.ancestors, 'ancestorRef', ns, input);
  const facts = input.facts.backendTlsPolicies?.find((p) => p.namespace === ns && p.name === policy.metadata.name);
  const served = new Set(input.gateways.map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
  const ancestors = (facts?.ancestors ?? []).filter((a) => served.has(`${a.namespace}/${a.name}`));
  if (ancestors.length === 0 && ours.length === 0) return undefined;
  const mine = ancestors.map((a) => {
    const before = ours.find((o) => (o.ancestorRef?.namespace ?? ns) === a.namespace && o.ancestorRef?.name === a.name
      && (o.ancestorRef?.kind ?? 'Gateway') === 'Gateway');
    return {
      ancestorRef: { group: G, kind: 'Gateway', namespace: a.namespace, name: a.name },
      controllerName: input.controllerName,
      conditions: stamp(facts!.conditions, before?.conditions),
    };
  });
  return { ...live, ancestors: [...others, ...mine].slice(0, Math.max(MAX_ANCESTORS, others.length)) };
}
