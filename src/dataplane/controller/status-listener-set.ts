/**
 * The status of a ListenerSet (GEP-1713) and the listener entries it shares with the Gateway's: what `desiredStatus`
 * writes from the compile's facts (`StatusFacts.listenerSets`). Pure: no I/O.
 */
import type { ConditionFact, ListenerFacts, StatusFacts } from '../engine/model';
import type { KubeObject } from '../kube/client';

/** A condition list stamped with generation and transition times (status.ts `stampConditions` bound to one object). */
export type Stamp<C> = (facts: readonly ConditionFact[], previous: readonly C[] | undefined) => C[];

/** `status.listeners[]` entries: one per listener fact, each keeping the transition times of its live entry. */
export function listenerStatuses<C>(facts: readonly ListenerFacts[], live: unknown, stamp: Stamp<C>): Array<Record<string, unknown>> {
  const liveListeners: Array<{ name: string; conditions?: C[] }> = Array.isArray(live) ? live : [];
  return facts.map((l) => ({
    name: l.name,
    supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    attachedRoutes: l.attachedRoutes,
    conditions: stamp(l.conditions, liveListeners.find((x) => x?.name === l.name)?.conditions),
  }));
}

const indexes = new WeakMap<StatusFacts, Map<string, NonNullable<StatusFacts['listenerSets']>[number]>>();

/** The facts of one ListenerSet (`namespace/name`), or undefined when its parent Gateway is not served. */
export function listenerSetFacts(facts: StatusFacts, key: string): NonNullable<StatusFacts['listenerSets']>[number] | undefined {
  let index = indexes.get(facts);
  if (!index) {
    index = new Map((facts.listenerSets ?? []).map((s) => [`${s.namespace}/${s.name}`, s]));
    indexes.set(facts, index);
  }
  return index.get(key);
}

/**
 * `namespace/name` of the Gateway a route's parentRef (as status holds it) stands for: the Gateway it names, or the
 * parent Gateway of the ListenerSet it names (undefined when that ListenerSet is not one of a served Gateway).
 */
export function parentGatewayKey(parentRef: any, routeNamespace: string | undefined, facts: StatusFacts): string | undefined {
  const key = `${parentRef?.namespace ?? routeNamespace}/${parentRef?.name}`;
  return parentRef?.kind === 'ListenerSet' ? listenerSetFacts(facts, key)?.gateway : key;
}

/**
 * The status a ListenerSet should have: `conditions` (Accepted, Programmed) and `listeners`; undefined when this
 * controller does not serve its parent Gateway (another controller's, or none).
 */
export function desiredListenerSetStatus<C>(object: KubeObject, facts: StatusFacts, stamp: Stamp<C>): Record<string, unknown> | undefined {
  const set = listenerSetFacts(facts, `${object.metadata.namespace}/${object.metadata.name}`);
  if (!set) return undefined;
  const live = object.status ?? {};
  return {
    ...live,
    conditions: stamp(set.conditions, live.conditions),
    listeners: listenerStatuses(set.listeners, live.listeners, stamp),
  };
}
