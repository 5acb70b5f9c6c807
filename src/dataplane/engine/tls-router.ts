/**
 * Routing a TLS connection by its SNI (TLSRoute, GEP-2643): pure. The listener is the most specific one whose
 * hostname matches; among its TLSRoutes the most specific route hostname wins (exact, then the wildcard with the
 * most labels, then a route without hostnames), ties going to the oldest route (the listener's route order).
 */
import type { CompiledTlsListener, CompiledTlsRoute } from './model';
import { hostnameMatches, labelCount } from './util';

export type TlsDecision =
  | { readonly outcome: 'routed'; readonly listener: CompiledTlsListener; readonly route: CompiledTlsRoute }
  | { readonly outcome: 'refused'; readonly listener?: CompiledTlsListener; readonly reason: string };

/** How specifically `pattern` (undefined = any) matches: exact above every wildcard, longer wildcards above shorter. */
function score(pattern: string | undefined): number {
  if (pattern === undefined) return 0;
  return pattern.startsWith('*.') ? labelCount(pattern) : 1_000_000;
}

/** The route for a server name; `listeners` most specific hostname first (as compiled). */
export function routeTls(listeners: readonly CompiledTlsListener[], sni: string | undefined): TlsDecision {
  if (!sni) return { outcome: 'refused', reason: 'the client sent no server name (SNI)' };
  const name = sni.toLowerCase();
  const listener = listeners.find((l) => hostnameMatches(l.hostname, name));
  if (!listener) return { outcome: 'refused', reason: `no TLS listener accepts the server name ${name}` };
  let best: CompiledTlsRoute | undefined;
  let bestScore = -1;
  for (const route of listener.routes) {
    const patterns: (string | undefined)[] = route.hostnames.length === 0 ? [undefined] : [...route.hostnames];
    for (const p of patterns) {
      if (!hostnameMatches(p, name)) continue;
      const s = score(p);
      // Strictly greater: the earlier (older) route keeps a tie.
      if (s > bestScore) {
        best = route;
        bestScore = s;
      }
    }
  }
  if (!best) return { outcome: 'refused', listener, reason: `no TLSRoute of listener "${listener.name}" matches the server name ${name}` };
  return { outcome: 'routed', listener, route: best };
}
