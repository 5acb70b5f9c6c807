/**
 * Route attachment to a listener, as the Gateway API defines it: the listener's allowedRoutes (kinds, and the
 * namespaces `Same`, `All` or a label `Selector`) and the intersection of the route's hostnames with the
 * listener's hostname. Pure: no I/O.
 */
import { intersectHostnames } from './hostname';

export interface LabelSelectorRequirementSpec {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelectorSpec {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirementSpec[];
}

export interface AllowedRoutesSpec {
  /** `Same` (the default), `All` or `Selector`. */
  readonly from?: string;
  readonly selector?: LabelSelectorSpec;
  /** Undefined = the kinds of the listener's protocol (HTTPRoute and GRPCRoute for HTTP and HTTPS). */
  readonly kinds?: readonly { readonly group?: string; readonly kind: string }[];
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** The label Kubernetes puts on every namespace: its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A namespace's labels as a selector sees them: the declared ones and `kubernetes.io/metadata.name`. */
export function namespaceLabels(namespace: string, declared: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...declared, [NAMESPACE_NAME_LABEL]: namespace };
}

/** Whether a label selector selects an object with `labels`. */
export function selectorMatches(selector: LabelSelectorSpec, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Whether the listener's allowedRoutes admit routes of `kind`. */
export function kindAllowed(allowed: AllowedRoutesSpec | undefined, kind: string): boolean {
  const kinds = allowed?.kinds;
  return kinds === undefined || kinds.some((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === kind);
}

/**
 * Whether the listener's allowedRoutes admit routes from `routeNamespace`, given that namespace's labels (see
 * `namespaceLabels`).
 */
export function namespaceAllowed(allowed: AllowedRoutesSpec | undefined, gatewayNamespace: string, routeNamespace: string,
  labels: Readonly<Record<string, string>>): boolean {
  switch (allowed?.from ?? 'Same') {
    case 'All': return true;
    case 'Selector': return selectorMatches(allowed?.selector ?? {}, labels);
    default: return gatewayNamespace === routeNamespace;
  }
}

/**
 * The hostnames a route serves on a listener: its hostnames intersected with the listener's (each the more specific
 * of the two); for a route without hostnames the listener's hostname, or [] for any. Undefined when none of the
 * route's hostnames intersects the listener's (NoMatchingListenerHostname).
 */
export function hostnamesOnListener(routeHostnames: readonly string[], listenerHostname: string | undefined): string[] | undefined {
  if (routeHostnames.length === 0) return listenerHostname === undefined ? [] : [listenerHostname];
  const out = [...new Set(routeHostnames.map((h) => intersectHostnames(h, listenerHostname)).filter((h): h is string => h !== undefined))];
  return out.length === 0 ? undefined : out;
}

/**
 * The route kinds a listener accepts when its allowedRoutes name none: those of its protocol (HTTPRoute and
 * GRPCRoute for HTTP and HTTPS, TLSRoute for TLS, TCPRoute for TCP, UDPRoute for UDP).
 */
export function protocolRouteKinds(protocol: string): string[] {
  switch (protocol) {
    case 'HTTP': case 'HTTPS': return ['HTTPRoute', 'GRPCRoute'];
    case 'TLS': return ['TLSRoute'];
    case 'TCP': return ['TCPRoute'];
    case 'UDP': return ['UDPRoute'];
    default: return [];
  }
}

/** Whether a listener of `protocol` admits routes of `kind`: its allowedRoutes kinds, else its protocol's kinds. */
export function listenerKindAllowed(allowed: AllowedRoutesSpec | undefined, protocol: string, kind: string): boolean {
  return allowed?.kinds === undefined ? protocolRouteKinds(protocol).includes(kind) : kindAllowed(allowed, kind);
}

/** A Gateway's `spec.allowedListeners.namespaces`: which namespaces' ListenerSets may attach. */
export interface AllowedListenersSpec {
  /** `None` (the default), `Same`, `All` or `Selector`. */
  readonly from?: string;
  readonly selector?: LabelSelectorSpec;
}

/**
 * Whether a Gateway's allowedListeners admit a ListenerSet in `listenerSetNamespace` with that namespace's labels
 * (see `namespaceLabels`). `None`, the default, admits none.
 */
export function listenerSetAllowed(allowed: AllowedListenersSpec | undefined, gatewayNamespace: string, listenerSetNamespace: string,
  labels: Readonly<Record<string, string>>): boolean {
  switch (allowed?.from ?? 'None') {
    case 'All': return true;
    case 'Same': return gatewayNamespace === listenerSetNamespace;
    case 'Selector': return selectorMatches(allowed?.selector ?? {}, labels);
    default: return false;
  }
}
