/**
 * The controller's names: its `controllerName`, the API resources it reads and writes, and the Gateway API
 * features it claims in `GatewayClass.status.supportedFeatures`.
 */
import type { ResourceRef } from '../kube/client';

/** The `spec.controllerName` of GatewayClasses this gateway reconciles (`--controller-name` changes it). */
export const GATEWAY_CONTROLLER_NAME = 'cdk8s-gateway.dev/gateway-controller';

const G = 'gateway.networking.k8s.io';

/** The collections the controller watches (CONTRACT: get, list, watch on each). */
export const RESOURCES = {
  GatewayClass: { group: G, version: 'v1', plural: 'gatewayclasses' },
  Gateway: { group: G, version: 'v1', plural: 'gateways' },
  HTTPRoute: { group: G, version: 'v1', plural: 'httproutes' },
  GRPCRoute: { group: G, version: 'v1', plural: 'grpcroutes' },
  TLSRoute: { group: G, version: 'v1', plural: 'tlsroutes' },
  // not served (no TCP or UDP listeners): read only to tell them so in their status
  TCPRoute: { group: G, version: 'v1', plural: 'tcproutes' },
  UDPRoute: { group: G, version: 'v1', plural: 'udproutes' },
  ListenerSet: { group: G, version: 'v1', plural: 'listenersets' },
  ReferenceGrant: { group: G, version: 'v1beta1', plural: 'referencegrants' },
  Namespace: { group: '', version: 'v1', plural: 'namespaces' },
  Service: { group: '', version: 'v1', plural: 'services' },
  Secret: { group: '', version: 'v1', plural: 'secrets' },
  EndpointSlice: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' },
  BackendTLSPolicy: { group: G, version: 'v1', plural: 'backendtlspolicies' },
  /** Only the `ca.crt` of each ConfigMap is kept (controller.ts `caOnly`): CA certificates of BackendTLSPolicies and frontend validation. */
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps' },
  Lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' },
} as const satisfies Record<string, ResourceRef>;

export type WatchedKind = keyof typeof RESOURCES;

/** `apiVersion` of a kind as the compile reads it (list items of core kinds carry none). */
export function apiVersionOf(kind: WatchedKind): string {
  const r = RESOURCES[kind];
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/**
 * The features claimed in `supportedFeatures`: exactly those whose data-plane conformance cases pass
 * (test/conformance/RESULTS.md), plus the status-only ones the controller's status conformance run passes
 * (test/conformance/status/RESULTS.md). Sorted by name, as the API requires.
 */
export const SUPPORTED_FEATURES: readonly string[] = [
  'BackendTLSPolicy',
  'BackendTLSPolicySANValidation',
  'GRPCRoute',
  'GRPCRouteNamedRouteRule',
  'Gateway',
  'GatewayBackendClientCertificate',
  'GatewayFrontendClientCertificateValidation',
  'GatewayFrontendClientCertificateValidationInsecureFallback',
  'GatewayHTTPListenerIsolation',
  'GatewayHTTPSListenerDetectMisdirectedRequests',
  'GatewayPort8080',
  'HTTPRoute',
  'HTTPRoute303RedirectStatusCode',
  'HTTPRoute307RedirectStatusCode',
  'HTTPRoute308RedirectStatusCode',
  'HTTPRouteBackendProtocolH2C',
  'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteBackendRequestHeaderModification',
  'HTTPRouteBackendTimeout',
  'HTTPRouteCORS',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRouteNamedRouteRule',
  'HTTPRouteParentRefPort',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteRequestMirror',
  'HTTPRouteRequestPercentageMirror',
  'HTTPRouteRequestTimeout',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteRetry',
  'HTTPRouteSchemeRedirect',
  'ListenerSet',
  'ReferenceGrant',
  'TLSRoute',
];
