/**
 * The TLSRoute part of `compile` (GEP-2643): listeners of protocol TLS (mode Passthrough or Terminate), the
 * TLSRoutes attached to them by the same rules as HTTP routes (allowedRoutes kinds and namespaces, sectionName,
 * port, hostname intersection), and one socket per (Gateway, port) that routes by SNI.
 */
import { TlsInputObject, creation } from './compile-tls';
import type { CompiledBackend, CompiledTlsListener, CompiledTlsRoute, SocketSpec, TlsCertificate } from './model';
import { AllowedRoutesSpec, compareRouteAge, hostnamesOnListener, kindAllowed, namespaceAllowed, namespaceLabels } from '../../model';
import type { FieldPath, SourceDocument } from '../config/load';

/** A listener of protocol TLS as `compile` read it (its conflicts with other listeners already checked). */
export interface TlsListenerDraft {
  /** The Gateway, or the ListenerSet the listener comes from (its namespace reads certificateRefs). */
  readonly gw: TlsInputObject;
  /** `namespace/name` of the Gateway whose socket serves it. */
  readonly gateway: string;
  /** `namespace/name` of the ListenerSet it comes from; undefined for the Gateway's own. */
  readonly owner?: string;
  readonly at: FieldPath;
  readonly name: string;
  readonly port: number;
  readonly hostname?: string;
  readonly allowedRoutes: AllowedRoutesSpec;
  /** The listener object as written (its `tls`). */
  readonly raw: any;
}

/** What the TLSRoute compile reads from the rest of the compile. */
export interface TlsRouteInput {
  warn(doc: SourceDocument, field: FieldPath, message: string): void;
  /** A listener's certificateRefs, read as for HTTPS (warnings included). */
  certificates(gw: TlsInputObject, at: FieldPath, refs: unknown, listener: string): TlsCertificate[];
  /** A weighted backendRef of a TLSRoute, resolved as for HTTPRoute. */
  backend(route: TlsInputObject, at: FieldPath, raw: unknown): CompiledBackend;
  /** Labels of a namespace declared in the input. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** Records a fact for status: the route's `Accepted` condition for one parent. */
  fact(kind: 'TLSRoute', object: string, condition: 'Accepted', status: boolean, reason: string, message: string, about: { parentRef: number }): void;
  /** Whether the Gateway `namespace/name` is served, left out by `--gateway`, or not in the input. */
  gateway(key: string): 'served' | 'left out' | 'missing';
  /** The same of the ListenerSet `namespace/name`: served when it is in the input and its parent Gateway is served. */
  listenerSet(key: string): 'served' | 'left out' | 'missing';
}

interface Draft {
  readonly spec: TlsListenerDraft;
  readonly mode: 'Passthrough' | 'Terminate';
  readonly certificates: TlsCertificate[];
  readonly routes: CompiledTlsRoute[];
}

/** Listener order on a port: exact hostname, then wildcards with more labels, then none. */
function specificity(h: string | undefined): number {
  if (h === undefined) return 0;
  return h.startsWith('*.') ? 1 + h.split('.').length : 1_000_000;
}

/**
 * The sockets of every Gateway's TLS listeners with their TLSRoutes. `listeners`: the drafts of the Gateways
 * served; `routes`: every TLSRoute of the input.
 */
export function compileTlsRoutes(input: TlsRouteInput, listeners: readonly TlsListenerDraft[], routes: readonly TlsInputObject[]): SocketSpec[] {
  const drafts: Draft[] = [];
  for (const l of listeners) {
    const t = l.raw.tls ?? {};
    const mode = t.mode ?? 'Terminate';
    if (mode !== 'Passthrough' && mode !== 'Terminate') {
      input.warn(l.gw.doc, [...l.at, 'tls', 'mode'], `listener "${l.name}": tls mode ${mode} is not supported (Passthrough, Terminate); the listener is not served`);
      continue;
    }
    const refs = Array.isArray(t.certificateRefs) ? t.certificateRefs : [];
    if (mode === 'Terminate' && refs.length === 0) {
      input.warn(l.gw.doc, [...l.at, 'tls'], `listener "${l.name}": TLS mode Terminate needs tls.certificateRefs; without a certificate no handshake can complete`);
    }
    const certificates = mode === 'Terminate' ? input.certificates(l.gw, [...l.at, 'tls', 'certificateRefs'], refs, l.name) : [];
    drafts.push({ spec: l, mode, certificates, routes: [] });
  }
  const age = (o: TlsInputObject) => ({ created: creation(o), namespace: o.namespace, name: o.name });
  for (const route of [...routes].sort((a, b) => compareRouteAge(age(a), age(b)))) attach(input, route, drafts);

  const byGatewayPort = new Map<string, Draft[]>();
  for (const d of drafts) {
    const key = `${d.spec.gateway}:${d.spec.port}`;
    if (!byGatewayPort.has(key)) byGatewayPort.set(key, []);
    byGatewayPort.get(key)!.push(d);
  }
  const sockets: SocketSpec[] = [];
  for (const group of byGatewayPort.values()) {
    const first = group[0].spec;
    const tlsListeners = [...group].sort((a, b) => specificity(b.spec.hostname) - specificity(a.spec.hostname)).map((d): CompiledTlsListener => ({
      name: d.spec.owner ? `${d.spec.owner}/${d.spec.name}` : d.spec.name,
      ...(d.spec.hostname !== undefined ? { hostname: d.spec.hostname } : {}),
      mode: d.mode,
      certificates: d.certificates,
      routes: d.routes,
    }));
    sockets.push({ gateway: first.gateway, port: first.port, protocol: 'TLS', tlsListeners });
  }
  return sockets.sort((a, b) => (a.gateway < b.gateway ? -1 : a.gateway > b.gateway ? 1 : a.port - b.port));
}

function attach(input: TlsRouteInput, route: TlsInputObject, drafts: readonly Draft[]): void {
  const key = `${route.namespace}/${route.name}`;
  const spec = route.object.spec ?? {};
  const hostnames: string[] = (Array.isArray(spec.hostnames) ? spec.hostnames : []).filter((h: unknown) => typeof h === 'string').map((h: string) => h.toLowerCase());
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  const rawBackends = Array.isArray(rules[0]?.backendRefs) ? rules[0].backendRefs : [];
  const backends = rawBackends.map((b: unknown, i: number) => input.backend(route, ['spec', 'rules', 0, 'backendRefs', i], b));
  const totalWeight = backends.reduce((s: number, b: CompiledBackend) => s + b.weight, 0);
  if (rules.length > 1) input.warn(route.doc, ['spec', 'rules'], `TLSRoute ${key} has ${rules.length} rules; a TLSRoute has one, the others are ignored`);
  const parents = Array.isArray(spec.parentRefs) ? spec.parentRefs : [];
  parents.forEach((p: any, i: number) => {
    const kind = p?.kind ?? 'Gateway';
    if ((p?.group ?? 'gateway.networking.k8s.io') !== 'gateway.networking.k8s.io' || (kind !== 'Gateway' && kind !== 'ListenerSet')) return;
    const ns = typeof p.namespace === 'string' ? p.namespace : route.namespace;
    const parent = `${ns}/${p.name}`;
    // A ListenerSet parent: its own listeners; a Gateway parent: the Gateway's own listeners.
    const candidates = drafts.filter((d) => (kind === 'ListenerSet' ? d.spec.owner === parent : d.spec.owner === undefined && d.spec.gateway === parent));
    if (candidates.length === 0) {
      // As for HTTP routes: a Gateway left out by --gateway is not warned about.
      const state = kind === 'Gateway' ? input.gateway(parent) : input.listenerSet(parent);
      if (state === 'served') {
        const none = `no ${kind === 'ListenerSet' ? 'attached ' : ''}listener of protocol TLS`;
        input.warn(route.doc, ['spec', 'parentRefs', i], `TLSRoute ${key} does not attach to ${kind} ${parent}: it has ${none}`);
        input.fact('TLSRoute', key, 'Accepted', false, 'NoMatchingParent', `the ${kind} has ${none}`, { parentRef: i });
      }
      if (state === 'missing') input.warn(route.doc, ['spec', 'parentRefs', i], `TLSRoute ${key}: parent ${kind} ${parent} is not in the input`);
      return;
    }
    let why = 'no TLS listener matches sectionName/port';
    let attached = false;
    for (const d of candidates) {
      const l = d.spec;
      if (typeof p.sectionName === 'string' && l.name !== p.sectionName) continue;
      if (typeof p.port === 'number' && l.port !== p.port) continue;
      if (!kindAllowed(l.allowedRoutes, 'TLSRoute')) {
        why = `listener "${l.name}" does not allow TLSRoute (NotAllowedByListeners)`;
        continue;
      }
      const labels = namespaceLabels(route.namespace, input.namespaceLabels(route.namespace));
      if (!namespaceAllowed(l.allowedRoutes, l.gw.namespace, route.namespace, labels)) {
        why = `listener "${l.name}" does not allow routes from namespace ${route.namespace} (NotAllowedByListeners)`;
        continue;
      }
      const effective = hostnamesOnListener(hostnames, l.hostname);
      if (effective === undefined) {
        why = `no hostname of the route intersects listener "${l.name}" hostname ${l.hostname} (NoMatchingListenerHostname)`;
        continue;
      }
      attached = true;
      if (!d.routes.some((r) => r.namespace === route.namespace && r.name === route.name)) {
        d.routes.push({ namespace: route.namespace, name: route.name, hostnames: effective, backends, totalWeight });
      }
    }
    if (!attached) input.warn(route.doc, ['spec', 'parentRefs', i], `TLSRoute ${key} does not attach to ${kind} ${parent}: ${why}`);
    const reason = attached ? 'Accepted' : /\((\w+)\)$/.exec(why)?.[1] ?? 'NoMatchingParent';
    input.fact('TLSRoute', key, 'Accepted', attached, reason, attached ? `attached to ${kind} ${parent}` : why, { parentRef: i });
  });
}
