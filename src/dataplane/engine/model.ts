/**
 * The compiled route table: the contract between `compile` (YAML -> table), the pure router
 * (`route(table, request) -> Decision`), the balancer (`pickBackend`), `explain` and the proxy.
 *
 * Pure data types, no behaviour. Everything here is plain data except the fields documented as
 * "router index" (precompiled regexes and lookup maps), which `describeTable` leaves out.
 */

/** A problem in the input that does not stop the gateway from serving (the affected part is left out). */
export interface ConfigWarning {
  /** `file:document:field` of the offending object or field. */
  readonly where: string;
  /** Lowercase description naming the bad value and the consequence. */
  readonly message: string;
}

/** `namespace/name` of an object. */
export type ObjectKey = string;

/**
 * The whole compiled configuration. Immutable once built; a reload builds a new table. Equal parts are
 * shared to keep large tables small: rules naming the same backend share its `ref` and `target`
 * objects, and empty lists are one frozen array.
 */
export interface CompiledTable {
  /** `CompileOptions.generation`, else a per-process counter that increases on every successful compile (first 1). */
  readonly generation: number;
  /** The Gateways served, in `namespace/name` order. */
  readonly gateways: readonly CompiledGateway[];
  /** One socket per (Gateway, listener port): what the proxy must listen on. */
  readonly sockets: readonly SocketSpec[];
  /** Everything that was left out, and why. */
  readonly warnings: readonly ConfigWarning[];
  /**
   * What the Gateway API status of each served Gateway and of each route attaching to one would say, as decided by
   * this compile (`compile` always sets it; the controller writes it, file mode only logs the warnings).
   */
  readonly facts?: StatusFacts;
  /**
   * Whether each BackendTLSPolicy, ListenerSet and TLSRoute (per parent), and each TLS reference of a Gateway
   * (`spec.tls`), was accepted, and why not: facts for status conditions (compile-tls.ts, compile-listener-set.ts,
   * compile-tls-route.ts). Absent when there is none.
   */
  readonly statusFacts?: readonly StatusFact[];
}

/** A condition as the Gateway API defines it, without the bookkeeping (generation, transition time). */
export interface ConditionFact {
  readonly type: string;
  readonly status: 'True' | 'False';
  /** One of the spec's reasons (`Accepted`, `NotAllowedByListeners`, `InvalidCertificateRef`, ...). */
  readonly reason: string;
  /** Human-readable detail naming the offending field and value (empty when all is well). */
  readonly message: string;
}

/** The status facts of one compile: every served Gateway, and every route with a parentRef to one. */
export interface StatusFacts {
  /** In `namespace/name` order. */
  readonly gateways: readonly GatewayFacts[];
  /**
   * Routes with at least one parentRef naming a served Gateway or a ListenerSet of one: HTTPRoutes and GRPCRoutes in
   * kind then `namespace/name` order, then TLSRoutes (their parents from compile-tls-route.ts).
   */
  readonly routes: readonly RouteFacts[];
  /** ListenerSets whose parentRef names a served Gateway, in `namespace/name` order (status.ts writes them). */
  readonly listenerSets?: readonly ListenerSetFacts[];
  /** Every BackendTLSPolicy read, in `namespace/name` order (absent when there is none). */
  readonly backendTlsPolicies?: readonly PolicyFacts[];
}

/** The status of one ListenerSet (GEP-1713): `Accepted` and `Programmed`, and its listeners. */
export interface ListenerSetFacts {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name` of the parent Gateway. */
  readonly gateway: string;
  /** `Accepted`, `Programmed` (NotAllowed, ParentNotAccepted, ListenersNotValid, or True). */
  readonly conditions: readonly ConditionFact[];
  /** Every listener of the spec, in spec order (empty when the ListenerSet is not attached). */
  readonly listeners: readonly ListenerFacts[];
}

/** A BackendTLSPolicy's status: the same conditions for each ancestor (served Gateway) whose routes reach a target. */
export interface PolicyFacts {
  readonly namespace: string;
  readonly name: string;
  /** The served Gateways with a route attached that sends to a Service the policy targets, in `namespace/name` order. */
  readonly ancestors: readonly { readonly namespace: string; readonly name: string }[];
  /** `Accepted`, `ResolvedRefs`. */
  readonly conditions: readonly ConditionFact[];
}

export interface GatewayFacts {
  readonly namespace: string;
  readonly name: string;
  /** `Accepted` only: `Programmed` also depends on the Gateway's addresses, which the controller knows. */
  readonly accepted: ConditionFact;
  /** ListenerSets attached (admitted, and Accepted): `status.attachedListenerSets`. */
  readonly attachedListenerSets?: number;
  /**
   * Gateway conditions besides `Accepted` and `Programmed`: `ResolvedRefs` when `spec.tls.backend` names a client
   * certificate, `InsecureFrontendValidationMode` when a port lets clients in without a valid certificate.
   */
  readonly conditions?: readonly ConditionFact[];
  /** Every listener of the spec, in spec order, served or not. */
  readonly listeners: readonly ListenerFacts[];
}

export interface ListenerFacts {
  readonly name: string;
  /** The route kinds this listener admits (the valid entries of `allowedRoutes.kinds`, or the protocol's kinds). */
  readonly supportedKinds: readonly { readonly group: string; readonly kind: string }[];
  readonly attachedRoutes: number;
  /** `Accepted`, `Conflicted`, `ResolvedRefs`, `Programmed`, in that order. */
  readonly conditions: readonly ConditionFact[];
}

export interface RouteFacts {
  /** TCPRoute and UDPRoute: never accepted (this gateway has no TCP or UDP listeners). */
  readonly kind: 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute';
  readonly namespace: string;
  readonly name: string;
  /** One entry per parentRef that names a served Gateway or a ListenerSet of one, in spec order (duplicates merged). */
  readonly parents: readonly RouteParentFacts[];
}

export interface ParentRefFact {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface RouteParentFacts {
  readonly parentRef: ParentRefFact;
  /** `Accepted`, `ResolvedRefs`, and `PartiallyInvalid` when a rule uses something this gateway does not support. */
  readonly conditions: readonly ConditionFact[];
}

/** The outcome of one object or reference, in the Gateway API's condition words. */
export interface StatusFact {
  readonly kind: 'BackendTLSPolicy' | 'Gateway' | 'ListenerSet' | 'TLSRoute';
  /** `namespace/name`. */
  readonly object: ObjectKey;
  /** ListenerSet only: the listener the fact is about (`Conflicted`); undefined = the object itself. */
  readonly listener?: string;
  /** TLSRoute only: the position in `spec.parentRefs` of the parentRef the fact is about (a route's status is per parent). */
  readonly parentRef?: number;
  /** The condition type the fact sets. */
  readonly condition: 'Accepted' | 'ResolvedRefs' | 'Conflicted';
  readonly status: boolean;
  /** The Gateway API reason, e.g. `Conflicted`, `InvalidCACertificateRef`, `NoValidCACertificate`, `InvalidKind`. */
  readonly reason: string;
  readonly message: string;
}

/**
 * How the gateway connects to a backend over TLS (a BackendTLSPolicy targeting its Service port): SNI,
 * trust anchors and the names the server certificate must carry.
 */
export interface UpstreamTls {
  /** `namespace/name` of the BackendTLSPolicy. */
  readonly policy: ObjectKey;
  /** `validation.hostname`: the SNI sent, and the name verified when `subjectAltNames` is empty. */
  readonly hostname: string;
  /** PEM CA bundle from `caCertificateRefs`; undefined = the system's well-known CAs (`wellKnownCACertificates: System`). */
  readonly ca?: string;
  /** `validation.subjectAltNames`: the certificate must carry one of them. Empty = `hostname`. */
  readonly subjectAltNames: readonly { readonly type: 'Hostname' | 'URI'; readonly value: string }[];
  /**
   * Set when the policy cannot be used (a CA reference that does not resolve): requests to the backend fail
   * with a 5xx, never in plaintext.
   */
  readonly invalid?: string;
}

/** Client-certificate validation of an HTTPS socket (Gateway `spec.tls.frontend`, GEP-91). */
export interface ClientValidation {
  /** PEM CA bundle the client certificate must chain to; empty when no reference resolved (no client is valid). */
  readonly ca: string;
  readonly mode: 'AllowValidOnly' | 'AllowInsecureFallback';
}

/** What the proxy must open for one (Gateway, port). */
export interface SocketSpec {
  /** `namespace/name` of the Gateway. */
  readonly gateway: ObjectKey;
  /** The listener port (the proxy may map it to another local port, but `RouteRequest.port` is this value). */
  readonly port: number;
  /**
   * HTTP = cleartext HTTP/1.1 and h2c (prior knowledge); HTTPS = TLS with ALPN h2/http1.1; TLS = TLSRoutes by SNI
   * (`tlsListeners`), the TLS passed through or terminated and the stream forwarded.
   */
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS';
  /**
   * HTTPS only: the certificates to offer, per listener, most specific hostname first. The SNI picks
   * the first entry whose hostname matches (exact, or wildcard suffix); no SNI or no match picks the
   * entry without hostname if any, else the first entry.
   */
  readonly certificates?: readonly SniCertificate[];
  /** HTTPS only: the client certificates asked for and checked (Gateway `spec.tls.frontend`); absent = none asked. */
  readonly clientValidation?: ClientValidation;
  /**
   * The listeners of protocol TLS on this port, most specific hostname first, with their TLSRoutes: on a TLS socket,
   * and on an HTTPS socket whose port has TLS listeners too (the most specific hostname match takes a connection).
   */
  readonly tlsListeners?: readonly CompiledTlsListener[];
}

/** A listener of protocol TLS (GEP-2643): routes connections by SNI. */
export interface CompiledTlsListener {
  /** Listener name. */
  readonly name: string;
  /** Lowercase; `*.example.com` allowed; undefined = any SNI. */
  readonly hostname?: string;
  /** Passthrough: the TLS bytes go to the backend as they are; Terminate: the gateway terminates TLS and forwards the stream. */
  readonly mode: 'Passthrough' | 'Terminate';
  /** Terminate only: the listener's certificates (empty = its handshakes fail). */
  readonly certificates: readonly TlsCertificate[];
  /** The TLSRoutes attached, oldest first (then `namespace/name`): the order that breaks hostname ties. */
  readonly routes: readonly CompiledTlsRoute[];
}

/** A TLSRoute attached to one TLS listener. */
export interface CompiledTlsRoute {
  readonly namespace: string;
  readonly name: string;
  /** Route hostnames intersected with the listener hostname; empty = any SNI the listener accepts. */
  readonly hostnames: readonly string[];
  /** The rule's backends (weighted), as for HTTPRoute. */
  readonly backends: readonly CompiledBackend[];
  readonly totalWeight: number;
}

/** One listener's certificates for SNI selection. */
export interface SniCertificate {
  /** Listener name. */
  readonly listener: string;
  /** Listener hostname (`*.example.com` allowed); undefined = any SNI. */
  readonly hostname?: string;
  readonly certificates: readonly TlsCertificate[];
}

/** A PEM certificate chain and key from a `kubernetes.io/tls` Secret. */
export interface TlsCertificate {
  /** `namespace/name` of the Secret. */
  readonly secret: ObjectKey;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CompiledGateway {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`. */
  readonly key: ObjectKey;
  /** One entry per distinct listener port, ascending. */
  readonly ports: readonly CompiledPort[];
  /** `spec.tls.backend.clientCertificateRef`: presented to backends reached over TLS (BackendTLSPolicy). */
  readonly backendClientCertificate?: TlsCertificate;
}

export interface CompiledPort {
  readonly port: number;
  /** All listeners on one port share a protocol; listeners that conflict are dropped with a warning. */
  readonly protocol: 'HTTP' | 'HTTPS';
  /** Most specific hostname first: exact, then wildcards with more labels, then no hostname. */
  readonly listeners: readonly CompiledListener[];
}

export interface CompiledListener {
  /** `namespace/name` of the Gateway. */
  readonly gateway: ObjectKey;
  /** Listener name (unique within the Gateway). */
  readonly name: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** Lowercase; `*.example.com` = any name ending in `.example.com` (one or more labels). */
  readonly hostname?: string;
  /**
   * HTTPS only. `certificates` is empty when no referenced Secret could be used (a warning says why);
   * the proxy then cannot complete handshakes for this listener.
   */
  readonly tls?: { readonly certificates: readonly TlsCertificate[] };
  /** Number of routes (HTTPRoute + GRPCRoute) attached to this listener. */
  readonly attachedRoutes: number;
  /** The routes attached here, `namespace/name` order (for `describe`/`explain`). */
  readonly routes: readonly AttachedRoute[];
  /** Router index: lookup structures over the attached rules. Not JSON; internal to the router. */
  readonly index: ListenerIndex;
}

/** A route attached to one listener, with its effective hostnames there. */
export interface AttachedRoute {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly namespace: string;
  readonly name: string;
  /** Route hostnames intersected with the listener hostname; empty = any host the listener accepts. */
  readonly hostnames: readonly string[];
  /** The route's rules (shared by every listener the route is attached to). */
  readonly rules: readonly CompiledRule[];
}

/** Which route, which rule. */
export interface CompiledRule {
  readonly routeKind: 'HTTPRoute' | 'GRPCRoute';
  readonly routeNamespace: string;
  readonly routeName: string;
  /**
   * `metadata.creationTimestamp` as epoch ms; undefined when absent. For the "oldest route" tie-break
   * two routes without timestamps are equal, and a route with a timestamp is older than one without
   * (the API server would stamp the unstamped one now).
   */
  readonly routeCreated?: number;
  /** 0-based position of the rule in `spec.rules`. */
  readonly index: number;
  /** `rules[].name`, when given. */
  readonly name?: string;
  /** `file:document` of the route, for messages. */
  readonly source: string;
  /** The rule's matches (a rule without matches has one match-everything entry). */
  readonly matches: readonly CompiledMatch[];
  /** Rule-level filters, in order. */
  readonly filters: readonly CompiledFilter[];
  /** Backends in `backendRefs` order, weight-0 ones included (never picked). */
  readonly backends: readonly CompiledBackend[];
  /** Sum of all weights, including those of invalid backends. */
  readonly totalWeight: number;
  /**
   * undefined = no timeout configured. A value of 0 means the timeout is disabled ("0s").
   * `requestMs` bounds the whole client request; `backendRequestMs` each upstream attempt.
   */
  readonly timeouts?: { readonly requestMs?: number; readonly backendRequestMs?: number };
  /** Experimental `retry`: retry on these status codes, up to `attempts` retries, waiting `backoffMs`. */
  readonly retry?: { readonly codes: readonly number[]; readonly attempts?: number; readonly backoffMs?: number };
  /**
   * When set, the rule answers this status itself (no backend is contacted): an unsupported filter
   * (ExtensionRef, ExternalAuth, ...), or no backendRefs / total weight 0 without a RequestRedirect.
   */
  readonly directResponse?: { readonly status: 500; readonly reason: string };
}

/** One entry of `matches` (HTTPRoute) or `matches` (GRPCRoute). */
export interface CompiledMatch {
  /** 0-based position in `rules[].matches`; 0 for the implicit match of a rule without matches. */
  readonly index: number;
  /** HTTPRoute only; default `PathPrefix /`. */
  readonly path?: { readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression'; readonly value: string };
  /** HTTPRoute only. */
  readonly method?: string;
  /** Header names lowercase; duplicates (by name) already dropped as the spec says. */
  readonly headers: readonly ValueMatch[];
  /** HTTPRoute only. Names case-sensitive; duplicates dropped. */
  readonly queryParams: readonly ValueMatch[];
  /** GRPCRoute only: service and/or method; undefined = any gRPC call. */
  readonly grpc?: { readonly type: 'Exact' | 'RegularExpression'; readonly service?: string; readonly method?: string };
}

export interface ValueMatch {
  readonly name: string;
  readonly type: 'Exact' | 'RegularExpression';
  readonly value: string;
}

export interface BackendRefKey {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
}

export interface CompiledBackend {
  readonly weight: number;
  readonly ref: BackendRefKey;
  /** backendRef-level filters (applied only when this backend is picked). */
  readonly filters: readonly CompiledFilter[];
  /** Where to send; absent when `invalid` is set. */
  readonly target?: {
    readonly endpoints: readonly { readonly host: string; readonly port: number }[];
    /** From the Service port's appProtocol: `kubernetes.io/h2c` -> h2c, `kubernetes.io/ws` -> ws, else http1. */
    readonly protocol: 'http1' | 'h2c' | 'ws';
    /** The Service port is targeted by a BackendTLSPolicy: connections are TLS (HTTP/2 backends: h2 over TLS). */
    readonly tls?: UpstreamTls;
  };
  /** The backend cannot be used; requests that pick it get 500 (it keeps its share of the weight). */
  readonly invalid?: { readonly reason: 'InvalidKind' | 'BackendNotFound' | 'RefNotPermitted' | 'UnresolvedBackend'; readonly message: string };
}

export interface HeaderModifier {
  /** [name as written, value]; names are matched case-insensitively. */
  readonly set: readonly (readonly [string, string])[];
  readonly add: readonly (readonly [string, string])[];
  /** Lowercase names. */
  readonly remove: readonly string[];
}

export type PathModifier =
  | { readonly type: 'ReplaceFullPath'; readonly value: string }
  | { readonly type: 'ReplacePrefixMatch'; readonly value: string };

export type CompiledFilter =
  | ({ readonly type: 'RequestHeaderModifier' } & HeaderModifier)
  | ({ readonly type: 'ResponseHeaderModifier' } & HeaderModifier)
  | {
    readonly type: 'RequestRedirect';
    readonly scheme?: 'http' | 'https';
    readonly hostname?: string;
    readonly port?: number;
    readonly path?: PathModifier;
    /** Default 302. */
    readonly statusCode: number;
  }
  | { readonly type: 'URLRewrite'; readonly hostname?: string; readonly path?: PathModifier }
  | {
    readonly type: 'RequestMirror';
    readonly backend: CompiledBackend;
    /** Share of requests mirrored, 0..1 (from `percent` or `fraction`; default 1). */
    readonly fraction: number;
  }
  | {
    readonly type: 'CORS';
    readonly allowOrigins: readonly string[];
    readonly allowMethods: readonly string[];
    readonly allowHeaders: readonly string[];
    readonly exposeHeaders: readonly string[];
    /** Seconds; default 5. */
    readonly maxAge: number;
    readonly allowCredentials: boolean;
  }
  | { readonly type: 'Unsupported'; readonly filterType: string; readonly reason: string };

/** What the proxy knows about a request when it asks the router. */
export interface RouteRequest {
  /** `namespace/name` of the Gateway whose socket received the request. */
  readonly gateway: ObjectKey;
  /** The Gateway listener port that socket serves. */
  readonly port: number;
  /** TLS SNI (HTTPS sockets), lowercase; undefined for cleartext or when the client sent none. */
  readonly sni?: string;
  /** Host header / :authority without port, lowercase (the router lowercases and strips again defensively). */
  readonly host: string;
  readonly method: string;
  /** Path only, as received (no query, no normalisation). */
  readonly path: string;
  /** Raw query without '?', '' if none. */
  readonly query: string;
  /** Node IncomingHttpHeaders shape: lowercase names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * Set when content-type is `application/grpc`, `application/grpc+...` or `application/grpc;...` (not
   * grpc-web) and the path is /service/method; `grpcCall` in router.ts computes it.
   */
  readonly grpc?: { readonly service: string; readonly method: string };
}

export type Decision = RoutedDecision | NotFoundDecision | MisdirectedDecision | OverloadedDecision;

export interface RoutedDecision {
  readonly outcome: 'routed';
  readonly listener: CompiledListener;
  readonly rule: CompiledRule;
  /** The match of the rule that selected the request. */
  readonly match: CompiledMatch;
  /** The (effective) route hostname that matched the host; undefined = route without hostnames on a listener without hostname. */
  readonly hostname?: string;
  /** The PathPrefix value that matched (for URLRewrite / RequestRedirect ReplacePrefixMatch). */
  readonly matchedPathPrefix?: string;
}

/** HTTP 404 (gRPC: UNIMPLEMENTED). */
export interface NotFoundDecision {
  readonly outcome: 'not-found';
  /** The listener selected, when one was. */
  readonly listener?: CompiledListener;
  readonly reason: string;
}

/** HTTP 421: on an HTTPS port the Host belongs to a different listener than the one SNI selected. */
export interface MisdirectedDecision {
  readonly outcome: 'misdirected';
  /** The listener the SNI selected. */
  readonly listener: CompiledListener;
  readonly reason: string;
}

/**
 * HTTP 503: deciding needed a regular-expression match on a long input while the regex budget the
 * proxy installed (`setRegexGuard`) was spent. Never happens without a guard (explain, RouteTester).
 */
export interface OverloadedDecision {
  readonly outcome: 'overloaded';
  readonly listener?: CompiledListener;
  readonly reason: string;
}

/** One precompiled match entry of the router index. */
export interface IndexEntry {
  readonly rule: CompiledRule;
  readonly match: CompiledMatch;
  /** Total order over every entry of a listener (lower wins) by the spec's precedence after hostname. */
  readonly rank: number;
  /** Required method, when the match has one. */
  readonly method?: string;
  /**
   * Header conditions, flat: [lowercase name, expected, name, expected, ...]; expected is the exact
   * value or, for RegularExpression, a whole-value RE2 matcher. undefined = none.
   */
  readonly headers?: readonly Condition[];
  /** Query-param conditions in the same flat form (names case-sensitive). undefined = none. */
  readonly query?: readonly Condition[];
  /** GRPCRoute only: exact service / method, or RE2 matchers; undefined = any. */
  readonly grpcService?: string | Matcher;
  readonly grpcMethod?: string | Matcher;
  /** RegularExpression paths only: whole-path test. */
  readonly pathTest?: Matcher;
}

/** A precompiled whole-string RE2 matcher. */
export type Matcher = (s: string) => boolean;

/** An element of a flat condition list: a name, or an expected value / matcher. */
export type Condition = string | Matcher;

/** Per-request lazily parsed values shared by all entry tests. */
export interface RequestContext {
  /** Query params, first value per name, percent-decoded ('+' is not a space), undefined until first use. */
  query?: Map<string, string>;
}

/** Rules of one hostname bucket of a listener; each map exists only when it has entries. */
export interface HttpBucket {
  /** Exact path -> entries ascending by rank. */
  exact?: Map<string, IndexEntry[]>;
  /** Prefix with the trailing '/' removed ('/' stays '/') -> entries ascending by rank. */
  prefix?: Map<string, IndexEntry[]>;
  /**
   * RegularExpression entries keyed by the literal prefix every match must start with, cut after its
   * last '/' ('' when there is none). A path only needs the keys '' and each of its own prefixes that
   * end in '/'.
   */
  regex?: Map<string, RegexGroup>;
  /** The lengths of the non-empty keys of `regex`, ascending: where a path is cut to look a key up. */
  regexKeyLengths?: readonly number[];
}

/** The RegularExpression entries of one literal-prefix key. */
export interface RegexGroup {
  /** Entries indexed by a whole path segment every match must contain (the rarest one in the group). */
  readonly bySegment?: Map<string, IndexEntry[]>;
  /** Entries without such a segment: tried for every path under the key. Ascending by rank. */
  readonly scan?: IndexEntry[];
}

export interface GrpcBucket {
  /** `service/method` -> entries (exact service and method). */
  readonly exact: Map<string, IndexEntry[]>;
  /** Exact service, any method. */
  readonly service: Map<string, IndexEntry[]>;
  /** Exact method, any service. */
  readonly method: Map<string, IndexEntry[]>;
  /** Everything else (no method match, or regex), ascending by rank. */
  readonly other: IndexEntry[];
}

export interface HostBuckets<B> {
  /** Exact hostname -> bucket. */
  readonly exact: Map<string, B>;
  /** Wildcard `*.example.com` keyed by `.example.com` -> bucket. */
  readonly wildcard: Map<string, B>;
  /** Routes without hostnames on a listener without hostname. */
  any?: B;
}

/** Router index of one listener. */
export interface ListenerIndex {
  readonly http: HostBuckets<HttpBucket>;
  readonly grpc: HostBuckets<GrpcBucket>;
}
