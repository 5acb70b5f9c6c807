/**
 * The listeners of a Gateway merged with those of its ListenerSets, as the Gateway API defines it (GEP-1713): the
 * parent Gateway's listeners come first, then each ListenerSet's, the ListenerSets ordered by creation time, then by
 * `{namespace}/{name}`; a listener that conflicts with one earlier in that order is `Conflicted` and not served.
 * Pure: no I/O.
 */

export interface MergedListenerSpec {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  /** Undefined = every hostname. */
  readonly hostname?: string;
}

export interface ListenerSourceSpec {
  /** `Gateway` or `ListenerSet`. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Milliseconds since the epoch; undefined when unknown (e.g. at synth: ordered as if created together). */
  readonly creationTimestamp?: number;
  readonly listeners: readonly MergedListenerSpec[];
}

export interface ListenerConflict {
  readonly source: ListenerSourceSpec;
  readonly listener: MergedListenerSpec;
  /** The earlier listener it conflicts with. */
  readonly winnerSource: ListenerSourceSpec;
  readonly winner: MergedListenerSpec;
  /** `HostnameConflict` (same port and hostname, compatible protocols) or `ProtocolConflict` (protocols that cannot share a port). */
  readonly reason: 'HostnameConflict' | 'ProtocolConflict';
}

/** The order the spec gives: the Gateway first, then ListenerSets by creation time, then `{namespace}/{name}`. */
export function orderListenerSources(gateway: ListenerSourceSpec, listenerSets: readonly ListenerSourceSpec[]): ListenerSourceSpec[] {
  const key = (s: ListenerSourceSpec) => `${s.namespace}/${s.name}`;
  return [gateway, ...[...listenerSets].sort((a, b) =>
    (a.creationTimestamp ?? 0) - (b.creationTimestamp ?? 0) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))];
}

/** Protocols that can share a port: HTTPS and TLS (both read the SNI first); HTTP, TCP and UDP share with none. */
function protocolsCompatible(a: string, b: string): boolean {
  if (a === b) return true;
  const tls = ['HTTPS', 'TLS'];
  return tls.includes(a) && tls.includes(b);
}

/** Conflicts among the merged listeners: each later listener against every earlier one that it cannot share with. */
export function listenerConflicts(ordered: readonly ListenerSourceSpec[]): ListenerConflict[] {
  const accepted: Array<{ source: ListenerSourceSpec; listener: MergedListenerSpec }> = [];
  const conflicts: ListenerConflict[] = [];
  for (const source of ordered) {
    for (const listener of source.listeners) {
      // Compatible protocols on one port are told apart by hostname only (HTTPS and TLS both by SNI).
      const clash = accepted.find((a) => a.listener.port === listener.port
        && (!protocolsCompatible(a.listener.protocol, listener.protocol) || (a.listener.hostname ?? '') === (listener.hostname ?? '')));
      if (clash === undefined) {
        accepted.push({ source, listener });
        continue;
      }
      conflicts.push({
        source,
        listener,
        winnerSource: clash.source,
        winner: clash.listener,
        reason: protocolsCompatible(clash.listener.protocol, listener.protocol) ? 'HostnameConflict' : 'ProtocolConflict',
      });
    }
  }
  return conflicts;
}
