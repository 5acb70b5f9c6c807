/**
 * `computeStatus`: what the status of each GatewayClass, Gateway, ListenerSet (status-listener-set.ts), route and
 * BackendTLSPolicy (status-policy.ts) should
 * be, from the objects read, the facts of the one compile and the Gateway's addresses. Pure: no I/O; the time is given.
 *
 * - Every condition carries `observedGeneration` (the object's `metadata.generation`); a condition whose status did
 *   not change keeps its `lastTransitionTime`.
 * - Route `status.parents` entries of other controllers are kept as they are; ours are replaced.
 * - Only objects whose status would change are returned: comparing ignores nothing but `lastTransitionTime` of
 *   conditions that kept their status (those are kept anyway), so an unchanged world yields no write.
 */
import { SUPPORTED_FEATURES } from './constants';
import { desiredListenerSetStatus, listenerStatuses, parentGatewayKey } from './status-listener-set';
import { desiredPolicyStatus } from './status-policy';
import type { ConditionFact, StatusFacts } from '../engine/model';
import type { KubeObject } from '../kube/client';

const G = 'gateway.networking.k8s.io';
/** The API server refuses longer condition messages. */
const MAX_MESSAGE = 1024;
/** `status.parents` of a route holds at most this many entries. */
const MAX_PARENTS = 32;

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

export interface GatewayAddress {
  readonly type: 'IPAddress' | 'Hostname';
  readonly value: string;
}

export type StatusKind = 'GatewayClass' | 'Gateway' | 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute' | 'ListenerSet' | 'BackendTLSPolicy';

export interface StatusInput {
  readonly controllerName: string;
  /** Every GatewayClass read (those of other controllers are left alone). */
  readonly gatewayClasses: readonly KubeObject[];
  /** The Gateways this controller serves (of its classes, and named by `--gateway` if given). */
  readonly gateways: readonly KubeObject[];
  /** Every HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute read, `kind` set. */
  readonly routes: readonly KubeObject[];
  /** Every ListenerSet read (those whose parent Gateway is not served are left alone). */
  readonly listenerSets?: readonly KubeObject[];
  /** Every BackendTLSPolicy read (status-policy.ts); default none. */
  readonly backendTlsPolicies?: readonly KubeObject[];
  readonly facts: StatusFacts;
  /** The Gateways' addresses (from `--service`); undefined = no Service configured (no addresses, still Programmed). */
  readonly addresses?: readonly GatewayAddress[];
  /**
   * `namespace/name` of the Gateways this replica reports on when `--gateway` names them: route parents of our
   * controller naming other Gateways are left to the replicas serving those. Undefined = every Gateway of ours (a
   * parent entry of ours naming a Gateway no longer served is removed).
   */
  readonly gatewayFilter?: readonly string[];
  /** Objects the compile could not read, by `Kind namespace/name`, with the reason (their status says it). */
  readonly rejected?: ReadonlyMap<string, string>;
  /** RFC 3339 time stamped on conditions that changed. */
  readonly now: string;
  /** Only these objects (`Kind namespace/name`) are checked; default all. */
  readonly only?: ReadonlySet<string>;
}

/** A status to write: the object as read and its new status. */
export interface StatusUpdate {
  readonly kind: StatusKind;
  readonly object: KubeObject;
  readonly status: Record<string, unknown>;
}

export const objectKey = (kind: string, o: KubeObject): string =>
  `${kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

const trim = (message: string): string => (message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message);

/** The conditions with generation and transition times: a condition whose status is unchanged keeps its time. */
export function stampConditions(
  facts: readonly ConditionFact[], previous: readonly Condition[] | undefined, generation: number | undefined, now: string,
): Condition[] {
  return facts.map((f) => {
    const before = previous?.find((c) => c.type === f.type);
    return {
      type: f.type,
      status: f.status,
      reason: f.reason,
      message: trim(f.message),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: before && before.status === f.status && before.lastTransitionTime ? before.lastTransitionTime : now,
    };
  });
}

/** JSON with sorted keys: the API server returns status maps in its own key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const cond = (type: string, ok: boolean, reason: string, message = ''): ConditionFact => ({ type, status: ok ? 'True' : 'False', reason, message });

/** The status one object should have, or undefined when this controller has nothing to say about it. */
export function desiredStatus(kind: StatusKind, object: KubeObject, input: StatusInput): Record<string, unknown> | undefined {
  const generation = object.metadata.generation;
  const live = object.status ?? {};
  const stamp = (facts: readonly ConditionFact[], previous: readonly Condition[] | undefined): Condition[] =>
    stampConditions(facts, previous, generation, input.now);
  const rejected = input.rejected?.get(objectKey(kind, object));

  if (kind === 'GatewayClass') {
    if (object.spec?.controllerName !== input.controllerName) return undefined;
    const ref = object.spec?.parametersRef;
    const accepted = ref
      ? cond('Accepted', false, 'InvalidParameters', `spec.parametersRef ${ref.group ?? ''}/${ref.kind ?? ''} ${ref.name ?? ''}: this gateway takes no parameters; remove the reference`)
      : cond('Accepted', true, 'Accepted');
    return {
      ...live,
      conditions: stamp([accepted], live.conditions),
      supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })),
    };
  }

  if (kind === 'Gateway') {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (!input.gateways.some((g) => `${g.metadata.namespace}/${g.metadata.name}` === key)) return undefined;
    const facts = input.facts.gateways.find((g) => `${g.namespace}/${g.name}` === key);
    const accepted = rejected !== undefined
      ? cond('Accepted', false, 'UnsupportedValue', rejected)
      : facts?.accepted ?? cond('Accepted', false, 'Pending', 'not compiled yet');
    const addresses = input.addresses;
    const programmed = accepted.status === 'False'
      ? cond('Programmed', false, 'Invalid', 'the Gateway is not accepted')
      : addresses !== undefined && addresses.length === 0
        ? cond('Programmed', false, 'AddressNotAssigned', "the gateway's Service has no address yet")
        : cond('Programmed', true, 'Programmed');
    const listeners = listenerStatuses(rejected !== undefined ? [] : facts?.listeners ?? [], live.listeners, stamp);
    const extra = rejected !== undefined ? [] : facts?.conditions ?? [];
    const out: Record<string, unknown> = { ...live, conditions: stamp([accepted, programmed, ...extra], live.conditions), listeners };
    if (facts?.attachedListenerSets !== undefined && rejected === undefined) out.attachedListenerSets = facts.attachedListenerSets;
    else delete out.attachedListenerSets;
    if (addresses && addresses.length > 0 && accepted.status === 'True') out.addresses = addresses.map((a) => ({ type: a.type, value: a.value }));
    else delete out.addresses;
    return out;
  }

  if (kind === 'ListenerSet') return desiredListenerSetStatus(object, input.facts, stamp);
  if (kind === 'BackendTLSPolicy') return desiredPolicyStatus(object, input, stamp);

  // HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute: our parents replaced, other controllers' kept.
  const ns = object.metadata.namespace;
  const { ours, others } = splitEntries(live.parents, 'parentRef', ns, input);
  const facts = routeFactsIndex(input.facts).get(`${kind} ${ns}/${object.metadata.name}`);
  let parents: Array<{ parentRef: Record<string, unknown>; conditions: readonly ConditionFact[] }> =
    facts?.parents.map((p) => ({ parentRef: { ...p.parentRef }, conditions: p.conditions })) ?? [];
  if (rejected !== undefined) {
    parents = servedParentRefs(object, input).map((parentRef) => ({
      parentRef,
      conditions: [cond('Accepted', false, 'UnsupportedValue', rejected)],
    }));
  }
  if (parents.length === 0 && ours.length === 0) return undefined;
  const sameRef = (a: Record<string, unknown>, b: Record<string, unknown> | undefined): boolean => b !== undefined
    && ['group', 'kind', 'namespace', 'name', 'sectionName', 'port'].every((k) => (a[k] ?? (k === 'namespace' ? ns : undefined)) === (b[k] ?? (k === 'namespace' ? ns : undefined)));
  const mine = parents.map((p) => ({
    parentRef: p.parentRef,
    controllerName: input.controllerName,
    conditions: stamp(p.conditions, ours.find((o) => sameRef(p.parentRef, o.parentRef))?.conditions),
  }));
  // the API holds at most 32 parents; other controllers' entries are kept first
  return { ...live, parents: [...others, ...mine].slice(0, Math.max(MAX_PARENTS, others.length)) };
}

/**
 * The entries of a status list (route `parents`, policy `ancestors`): this controller's, about the Gateways this
 * replica reports on (they are replaced), and the others (kept as they are). A reference without namespace is in `ns`.
 */
export function splitEntries(entries: unknown, ref: 'parentRef' | 'ancestorRef', ns: string | undefined, input: StatusInput): { ours: any[]; others: any[] } {
  const list: any[] = Array.isArray(entries) ? entries : [];
  const filter = input.gatewayFilter;
  const managed = (e: any): boolean => e?.controllerName === input.controllerName
    && (!filter || filter.includes(parentGatewayKey(e[ref], ns, input.facts) ?? ''));
  return { ours: list.filter(managed), others: list.filter((e) => !managed(e)) };
}

const indexes = new WeakMap<StatusFacts, Map<string, StatusFacts['routes'][number]>>();

/** The route facts by `Kind namespace/name`, built once per facts. */
function routeFactsIndex(facts: StatusFacts): Map<string, StatusFacts['routes'][number]> {
  let index = indexes.get(facts);
  if (!index) {
    index = new Map(facts.routes.map((r) => [`${r.kind} ${r.namespace}/${r.name}`, r]));
    indexes.set(facts, index);
  }
  return index;
}

/** The parentRefs of a route that name a Gateway this controller serves, as status writes them. */
function servedParentRefs(route: KubeObject, input: StatusInput): Array<Record<string, unknown>> {
  const refs: any[] = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
  const out: Array<Record<string, unknown>> = [];
  for (const r of refs) {
    if ((r?.group ?? G) !== G || (r?.kind ?? 'Gateway') !== 'Gateway') continue;
    const namespace = r.namespace ?? route.metadata.namespace;
    if (!input.gateways.some((g) => g.metadata.namespace === namespace && g.metadata.name === r.name)) continue;
    const ref = { group: G, kind: 'Gateway', namespace, name: r.name, ...(r.sectionName !== undefined ? { sectionName: r.sectionName } : {}), ...(r.port !== undefined ? { port: r.port } : {}) };
    if (!out.some((o) => canonical(o) === canonical(ref))) out.push(ref);
  }
  return out;
}

/** Whether `next` says something other than `live` (transition times of unchanged conditions are kept, so equal). */
export function statusChanged(live: unknown, next: unknown): boolean {
  return canonical(live ?? {}) !== canonical(next ?? {});
}

function* statusSteps(input: StatusInput): Generator<void, StatusUpdate[]> {
  const out: StatusUpdate[] = [];
  const objects: Array<[StatusKind, KubeObject]> = [
    ...input.gatewayClasses.map((c): [StatusKind, KubeObject] => ['GatewayClass', c]),
    ...input.gateways.map((g): [StatusKind, KubeObject] => ['Gateway', g]),
    ...(input.listenerSets ?? []).map((s): [StatusKind, KubeObject] => ['ListenerSet', s]),
    ...input.routes.map((r): [StatusKind, KubeObject] => [r.kind as StatusKind, r]),
    ...(input.backendTlsPolicies ?? []).map((p): [StatusKind, KubeObject] => ['BackendTLSPolicy', p]),
  ];
  for (const [i, [kind, object]] of objects.entries()) {
    if (input.only && !input.only.has(objectKey(kind, object))) continue;
    const status = desiredStatus(kind, object, input);
    if (status !== undefined && statusChanged(object.status, status)) out.push({ kind, object, status });
    if (i % 16 === 15) yield;
  }
  return out;
}

/** Every status that must be written: one per object whose desired status differs from what it has. */
export function computeStatus(input: StatusInput): StatusUpdate[] {
  const steps = statusSteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `computeStatus` in steps of a few objects: `pause` is called between steps and may return a promise to wait for (a
 * turn of the event loop, so that requests are served while thousands of routes are checked). Same result.
 */
export async function computeStatusInSteps(input: StatusInput, pause: () => Promise<void> | undefined): Promise<StatusUpdate[]> {
  const steps = statusSteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}
