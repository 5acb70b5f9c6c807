/**
 * The ListenerSet part of `compile` (GEP-1713): which ListenerSets a Gateway admits (`spec.allowedListeners`), in
 * the spec's order, and which of the merged listeners conflict (the shared model's `listenerConflicts`: the
 * Gateway's listeners first, then each ListenerSet's by creation time and `{namespace}/{name}`). Pure.
 */
import { TlsInputObject, creation } from './compile-tls';
import { ListenerSourceSpec, listenerConflicts, namespaceLabels, orderListenerSources, selectorMatches } from '../../model';
import type { FieldPath, SourceDocument } from '../config/load';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** What the ListenerSet compile reads from the rest of the compile. */
export interface ListenerSetInput {
  warn(doc: SourceDocument, field: FieldPath, message: string): void;
  /** Labels of a namespace declared in the input. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** Records a fact for status. */
  fact(kind: 'ListenerSet', object: string, condition: 'Accepted' | 'Conflicted', status: boolean, reason: string, message: string,
    about?: { listener: string }): void;
}

/** A source of listeners of one Gateway: the Gateway itself, or an admitted ListenerSet. */
export interface ListenerSource {
  readonly obj: TlsInputObject;
  /** `namespace/name` of the ListenerSet; undefined for the Gateway's own listeners. */
  readonly owner?: string;
  /** Listener names (of this source) that conflict with an earlier listener: the spec's reason and the warning to give. */
  readonly conflicted: ReadonlyMap<string, ListenerConflictNote>;
}

/** Why a listener is not served: it conflicts with an earlier one. */
export interface ListenerConflictNote {
  readonly reason: 'HostnameConflict' | 'ProtocolConflict';
  readonly message: string;
}

/** `namespace/name` of the Gateway a ListenerSet's parentRef names (undefined when it names no Gateway). */
export function parentGatewayOf(set: TlsInputObject): string | undefined {
  const p = set.object.spec?.parentRef;
  if (p === null || typeof p !== 'object' || typeof p.name !== 'string') return undefined;
  if ((p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') return undefined;
  return `${typeof p.namespace === 'string' ? p.namespace : set.namespace}/${p.name}`;
}

/** Whether the Gateway's `spec.allowedListeners` admits ListenerSets from `namespace` (default: none). */
function admits(input: ListenerSetInput, gw: TlsInputObject, namespace: string): boolean {
  const ns = gw.object.spec?.allowedListeners?.namespaces;
  switch (ns?.from ?? 'None') {
    case 'All': return true;
    case 'Same': return namespace === gw.namespace;
    case 'Selector': return selectorMatches(ns.selector ?? {}, namespaceLabels(namespace, input.namespaceLabels(namespace)));
    default: return false;
  }
}

function spec(obj: TlsInputObject, kind: string): ListenerSourceSpec {
  const listeners = (Array.isArray(obj.object.spec?.listeners) ? obj.object.spec.listeners : [])
    .filter((l: any) => l !== null && typeof l === 'object' && typeof l.name === 'string' && typeof l.port === 'number')
    .map((l: any) => ({
      name: l.name, port: l.port, protocol: String(l.protocol), ...(l.hostname ? { hostname: String(l.hostname).toLowerCase() } : {}),
    }));
  return { kind, namespace: obj.namespace, name: obj.name, creationTimestamp: creation(obj), listeners };
}

/**
 * The sources of a Gateway's listeners in the spec's order: the Gateway, then the ListenerSets naming it that its
 * `allowedListeners` admits (the others are warned about: NotAllowed). Each source says which of its listeners
 * conflict with an earlier one.
 */
export function listenerSources(input: ListenerSetInput, gw: TlsInputObject, sets: readonly TlsInputObject[]): ListenerSource[] {
  const gwKey = `${gw.namespace}/${gw.name}`;
  const admitted: TlsInputObject[] = [];
  for (const set of sets) {
    if (parentGatewayOf(set) !== gwKey) continue;
    if (admits(input, gw, set.namespace)) {
      admitted.push(set);
    } else {
      const message = `Gateway ${gwKey} spec.allowedListeners does not admit ListenerSets from namespace ${set.namespace}`;
      input.warn(set.doc, ['spec', 'parentRef'], `ListenerSet ${set.namespace}/${set.name} is not attached to Gateway ${gwKey}: ${message} (NotAllowed); its listeners are not served`);
      input.fact('ListenerSet', `${set.namespace}/${set.name}`, 'Accepted', false, 'NotAllowed', message);
    }
  }
  const byKey = new Map(admitted.map((s) => [`${s.namespace}/${s.name}`, s]));
  const ordered = orderListenerSources(spec(gw, 'Gateway'), admitted.map((s) => spec(s, 'ListenerSet')));
  const conflicts = listenerConflicts(ordered);
  return ordered.map((source) => {
    const key = `${source.namespace}/${source.name}`;
    const conflicted = new Map<string, ListenerConflictNote>();
    for (const c of conflicts) {
      if (c.source !== source) continue;
      const winner = `${c.winnerSource.kind} ${c.winnerSource.namespace}/${c.winnerSource.name} listener "${c.winner.name}"`;
      conflicted.set(c.listener.name, { reason: c.reason, message: `listener "${c.listener.name}" conflicts with ${winner}, which comes first (${c.reason}); the listener is not served` });
      if (source.kind === 'ListenerSet') input.fact('ListenerSet', key, 'Conflicted', true, c.reason, `conflicts with ${winner}`, { listener: c.listener.name });
    }
    if (source.kind === 'ListenerSet') input.fact('ListenerSet', key, 'Accepted', true, 'Accepted', `attached to Gateway ${gwKey}`);
    return source.kind === 'Gateway' ? { obj: gw, conflicted } : { obj: byKey.get(key)!, owner: key, conflicted };
  });
}
