/**
 * The status cases' expectations, checked as upstream's helpers check them (FORMAT.md, "Expectations" and
 * "Check fields"): `checkExpectation()` judges one read of the API and lists what does not hold (empty = holds);
 * `waitForExpectation()` reads and polls until it holds or the expectation's timeout passes.
 */
import type { ConditionPattern, StatusExpect } from './cases';
import type { KubeClient, KubeObject, ResourceRef } from '../../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';

/** What one read of the API gave for an expectation. */
export interface ExpectRead {
  /** The object named by the expectation (undefined: not found). */
  readonly object?: KubeObject;
  /** The previous read of the same object (`noAcceptedParents` needs two consecutive reads). */
  readonly previous?: KubeObject;
  /** `metadata.generation` read just before the step's mutation (`generationChanged`). */
  readonly generationBefore?: number;
  /** `namespaceReady`: the namespace's Gateways and Pods. */
  readonly gateways?: readonly KubeObject[];
  readonly pods?: readonly KubeObject[];
  /** `infrastructurePropagation`: the objects of each listed kind matching the selector. */
  readonly infrastructure?: Readonly<Record<string, readonly KubeObject[]>>;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  observedGeneration?: number;
}

function describe(conditions: readonly Condition[] | undefined): string {
  if (!conditions?.length) return 'none';
  return conditions.map((c) => `${c.type}=${c.status}/${c.reason ?? ''}@${c.observedGeneration ?? '-'}`).join(', ');
}

/** Which patterns match no condition of the list (upstream `findConditionInList` for each). */
export function unmatchedConditions(actual: readonly Condition[] | undefined, patterns: readonly ConditionPattern[]): string[] {
  const list = actual ?? [];
  return patterns
    .filter((p) => !list.some((c) => c.type === p.type
      && (p.status === undefined || c.status === p.status)
      && (p.reason === undefined || c.reason === p.reason)
      && (p.reasons === undefined || p.reasons.includes(c.reason ?? ''))))
    .map((p) => `${p.type}${p.status ? `=${p.status}` : ''}${p.reason ? `/${p.reason}` : ''}${p.reasons ? `/${p.reasons.join('|')}` : ''}`);
}

const stale = (conditions: readonly Condition[] | undefined, generation: number | undefined): boolean =>
  (conditions ?? []).some((c) => c.observedGeneration !== generation);

function checkConditions(where: string, actual: readonly Condition[] | undefined, patterns: readonly ConditionPattern[]): string[] {
  const missing = unmatchedConditions(actual, patterns);
  return missing.length ? [`${where}: no condition ${missing.join(', ')} (has ${describe(actual)})`] : [];
}

/** Judges one read; each string says what does not hold. */
export function checkExpectation(e: StatusExpect, read: ExpectRead): string[] {
  const o = read.object;
  if (e.kind !== 'Namespace' && !o) return [`${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name} not found`];
  const out: string[] = [];
  const status = o?.status ?? {};
  const generation = o?.metadata.generation;
  if (e.conditions) out.push(...checkConditions('conditions', status.conditions, e.conditions));
  if (e.conditionsObservedGeneration && stale(status.conditions, generation)) {
    out.push(`conditions not at generation ${generation} (${describe(status.conditions)})`);
  }
  if (e.generationChanged && generation === read.generationBefore) out.push(`metadata.generation still ${generation}`);
  if (e.supportedFeatures && !(status.supportedFeatures ?? []).length) out.push('status.supportedFeatures is empty');
  if (e.attachedListenerSets !== undefined && (status.attachedListenerSets ?? 0) !== e.attachedListenerSets) {
    out.push(`attachedListenerSets ${status.attachedListenerSets ?? 0}, expected ${e.attachedListenerSets}`);
  }
  const listeners: any[] = status.listeners ?? [];
  if (e.listeners) {
    if (listeners.length !== e.listeners.length) out.push(`${listeners.length} listeners in status, expected ${e.listeners.length}`);
    for (const want of e.listeners) {
      const got = listeners.find((l) => l.name === want.name);
      if (!got) {
        out.push(`listener ${want.name} not in status`);
        continue;
      }
      if (got.attachedRoutes !== want.attachedRoutes) out.push(`listener ${want.name}: attachedRoutes ${got.attachedRoutes}, expected ${want.attachedRoutes}`);
      const kinds: any[] = got.supportedKinds ?? [];
      if (want.supportedKinds.length === 0 && kinds.length) out.push(`listener ${want.name}: supportedKinds must be empty, has ${kinds.map((k) => k.kind).join(', ')}`);
      for (const k of want.supportedKinds) {
        if (!kinds.some((a) => (a.group ?? G) === k.group && a.kind === k.kind)) out.push(`listener ${want.name}: supportedKinds lacks ${k.group}/${k.kind}`);
      }
      out.push(...checkConditions(`listener ${want.name}`, got.conditions, want.conditions));
    }
  }
  if (e.listenerConditions) {
    const lc = e.listenerConditions;
    const names = lc.listeners === 'all' ? listeners.map((l) => l.name) : lc.listeners;
    for (const name of names) {
      const got = listeners.find((l) => l.name === name);
      if (!got) out.push(`listener ${name} not in status`);
      else out.push(...checkConditions(`listener ${name}`, got.conditions, lc.conditions));
    }
  }
  if (e.zeroAttachedRoutes && !(listeners.length === 0 || (listeners.length === 1 && listeners[0].attachedRoutes === 0))) {
    out.push(`listeners ${listeners.map((l) => `${l.name}:${l.attachedRoutes}`).join(', ')}: expected none, or one with 0 attached routes`);
  }
  if (e.addresses) {
    const got: any[] = status.addresses ?? [];
    const a = e.addresses;
    if ('minCount' in a) {
      if (!got.some((x) => x.type)) out.push(`no status.addresses entry with a type (has ${JSON.stringify(got)})`);
    } else {
      if (got.length !== a.count) out.push(`${got.length} addresses in status, expected ${a.count}`);
      for (const m of a.mustContain) if (!got.some((x) => x.value === m.value && (x.type ?? 'IPAddress') === m.type)) out.push(`address ${m.type} ${m.value} missing`);
      for (const v of a.mustNotContain) if (got.some((x) => x.value === v)) out.push(`address ${v} must not be in status`);
    }
  }
  const parents: any[] = status.parents ?? [];
  if (e.parents) {
    for (const want of e.parents) {
      const r = want.parentRef;
      const hit = parents.find((p) => p.controllerName === want.controllerName
        && p.parentRef?.group === r.group && p.parentRef?.kind === r.kind && p.parentRef?.name === r.name
        && (p.parentRef?.namespace === r.namespace || (!want.namespaceRequired && p.parentRef?.namespace === undefined))
        && unmatchedConditions(p.conditions, want.conditions).length === 0);
      if (!hit) {
        out.push(`no parent ${r.kind} ${r.namespace}/${r.name} of ${want.controllerName} with ${want.conditions.map((c) => `${c.type}=${c.status ?? '*'}/${c.reason ?? '*'}`).join(', ')} `
          + `(parents: ${parents.map((p) => `${p.parentRef?.kind ?? '-'} ${p.parentRef?.namespace ?? '-'}/${p.parentRef?.name} [${describe(p.conditions)}]`).join('; ') || 'none'})`);
      }
    }
  }
  if (e.parentsObservedGeneration && parents.some((p) => stale(p.conditions, generation))) out.push(`parent conditions not at generation ${generation}`);
  for (const pc of e.parentConditions ?? []) {
    const ok = parents.some((p) => p.parentRef?.name === pc.parentRef.name
      && (p.parentRef?.namespace === undefined || p.parentRef.namespace === pc.parentRef.namespace)
      && unmatchedConditions(p.conditions, pc.conditions).length === 0);
    if (!ok) out.push(`no parent ${pc.parentRef.namespace}/${pc.parentRef.name} with ${unmatchedConditions([], pc.conditions).join(', ')}`);
  }
  if (e.noAcceptedParents) {
    const before: any[] = read.previous?.status?.parents ?? [];
    const emptyTwice = read.previous !== undefined && before.length === 0 && parents.length === 0;
    const oneRefused = parents.length === 1 && !stale(parents[0].conditions, generation)
      && unmatchedConditions(parents[0].conditions, [{ type: 'Accepted', status: 'False' }]).length === 0;
    if (!emptyTwice && !oneRefused) out.push(`expected no parents on two reads, or one parent with Accepted=False (has ${parents.length})`);
  }
  const ancestors: any[] = status.ancestors ?? [];
  for (const ac of e.ancestorConditions ?? []) {
    const ok = ancestors.some((a) => a.ancestorRef?.name === ac.ancestorRef.name
      && (a.ancestorRef?.namespace === undefined || a.ancestorRef.namespace === ac.ancestorRef.namespace)
      && unmatchedConditions(a.conditions, ac.conditions).length === 0);
    if (!ok) out.push(`no ancestor ${ac.ancestorRef.namespace}/${ac.ancestorRef.name} with ${unmatchedConditions([], ac.conditions).join(', ')}`);
  }
  if (e.ancestorsObservedGeneration && ancestors.some((a) => stale(a.conditions, generation))) out.push(`ancestor conditions not at generation ${generation}`);
  if (e.namespaceReady) {
    for (const g of read.gateways ?? []) {
      if (g.metadata.annotations?.['gateway-api/skip-this-for-readiness'] === 'true') continue;
      const c = g.status?.conditions;
      if (stale(c, g.metadata.generation)) out.push(`Gateway ${g.metadata.name}: conditions not at generation ${g.metadata.generation}`);
      out.push(...checkConditions(`Gateway ${g.metadata.name}`, c, [{ type: 'Accepted', status: 'True' }, { type: 'Programmed', status: 'True' }]));
    }
    const pods = read.pods ?? [];
    if (!pods.length) out.push(`no Pod in namespace ${e.name}`);
    for (const p of pods) {
      const ready = (p.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True');
      if (!ready && p.status?.phase !== 'Succeeded' && !p.metadata.deletionTimestamp) out.push(`Pod ${p.metadata.name} not Ready`);
    }
  }
  if (e.infrastructurePropagation) {
    const ip = e.infrastructurePropagation;
    const found = ip.kinds.filter((k) => (read.infrastructure?.[k] ?? []).length);
    if (!found.length) out.push(`no ${ip.kinds.join('/')} matching ${ip.labelSelector}`);
    for (const k of found) {
      const first = read.infrastructure![k][0];
      for (const [l, v] of Object.entries(ip.labels)) if (first.metadata.labels?.[l] !== v) out.push(`${k} ${first.metadata.name}: label ${l} is not ${v}`);
      for (const [a, v] of Object.entries(ip.annotations)) if (first.metadata.annotations?.[a] !== v) out.push(`${k} ${first.metadata.name}: annotation ${a} is not ${v}`);
    }
  }
  return out;
}

const REFS: Record<string, Omit<ResourceRef, 'namespace' | 'name'>> = {
  GatewayClass: { group: G, version: 'v1', plural: 'gatewayclasses' },
  Gateway: { group: G, version: 'v1', plural: 'gateways' },
  HTTPRoute: { group: G, version: 'v1', plural: 'httproutes' },
  GRPCRoute: { group: G, version: 'v1', plural: 'grpcroutes' },
  ListenerSet: { group: G, version: 'v1', plural: 'listenersets' },
  BackendTLSPolicy: { group: G, version: 'v1', plural: 'backendtlspolicies' },
  Namespace: { group: '', version: 'v1', plural: 'namespaces' },
};

export interface WaitOptions {
  /** `metadata.generation` before the step's mutation (`generationChanged`). */
  readonly generationBefore?: number;
  /** Multiplies the expectation's timeout (e.g. 0.1 for a quick negative test); default 1. */
  readonly timeoutScale?: number;
}

/** One read of what `e` needs. */
export async function readForExpectation(client: KubeClient, e: StatusExpect, previous?: KubeObject, generationBefore?: number): Promise<ExpectRead> {
  const ref = REFS[e.kind];
  if (!ref) throw new Error(`status cases: expectation on ${e.kind} ${e.name}: unknown kind`);
  const object = await client.get({ ...ref, namespace: e.namespace, name: e.name }).catch((err) => {
    if (err.code === 404) return undefined;
    throw err;
  });
  const read: { -readonly [K in keyof ExpectRead]: ExpectRead[K] } = { object, previous, generationBefore };
  if (e.namespaceReady) {
    read.gateways = (await client.list({ ...REFS.Gateway, namespace: e.name })).items;
    read.pods = (await client.list({ group: '', version: 'v1', plural: 'pods', namespace: e.name })).items;
  }
  if (e.infrastructurePropagation) {
    const ip = e.infrastructurePropagation;
    const plural: Record<string, Omit<ResourceRef, 'namespace' | 'name'>> = {
      ServiceAccount: { group: '', version: 'v1', plural: 'serviceaccounts' },
      Pod: { group: '', version: 'v1', plural: 'pods' },
      Service: { group: '', version: 'v1', plural: 'services' },
      Deployment: { group: 'apps', version: 'v1', plural: 'deployments' },
    };
    const infrastructure: Record<string, KubeObject[]> = {};
    for (const k of ip.kinds) {
      if (!plural[k]) throw new Error(`status cases: infrastructurePropagation kind ${k} unknown`);
      infrastructure[k] = (await client.list({ ...plural[k], namespace: ip.namespace ?? e.namespace }, { labelSelector: ip.labelSelector })).items;
    }
    read.infrastructure = infrastructure;
  }
  return read;
}

/**
 * Polls until `e` holds (every `pollIntervalSeconds`, default 0.1 s) or its timeout passes; `immediate` reads once.
 * Resolves with [] when it holds, else with what did not hold at the last read. A stale read under
 * `latest-or-fail` fails at once, as upstream's `GatewayMustHaveCondition` does.
 */
export async function waitForExpectation(client: KubeClient, e: StatusExpect, options: WaitOptions = {}): Promise<string[]> {
  const timeoutMs = (e.timeout?.seconds ?? 0) * 1000 * (options.timeoutScale ?? 1);
  const pollMs = (e.timeout?.pollIntervalSeconds ?? 0.1) * 1000;
  const deadline = Date.now() + timeoutMs;
  let previous: KubeObject | undefined;
  for (;;) {
    const read = await readForExpectation(client, e, previous, options.generationBefore);
    const problems = checkExpectation(e, read);
    if (!problems.length) return [];
    if (e.immediate || Date.now() >= deadline) return problems;
    if (e.conditionsObservedGeneration === 'latest-or-fail' && read.object && stale(read.object.status?.conditions, read.object.metadata.generation)) {
      return problems;
    }
    previous = read.object;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
