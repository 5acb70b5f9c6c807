/**
 * `compile`: Gateway API documents -> the compiled route table (see `model.ts`).
 *
 * Reads Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, Service, Namespace and Secret objects and ignores
 * every other kind. Structural problems that make a document meaningless (a field of the wrong type, a
 * regex that does not compile, a malformed duration, duplicate objects) throw `ConfigError` naming
 * `file:document:field`; problems the Gateway API turns into status conditions (a route that does not
 * attach, an invalid backendRef, a listener conflict) become warnings and are routed as the spec says.
 *
 * Backend resolution rule (documented contract of `CompileOptions`):
 * - With a `backends` map: a Service backendRef resolves to the map entry `NAMESPACE/NAME:PORT`.
 *   When it has no entry it is invalid: `BackendNotFound` if the input has no Service object of that
 *   name either, else `UnresolvedBackend` (the Service exists but there is nowhere to send). When
 *   `resolveByDns` is also true, a ref missing from the map falls back to DNS as below.
 * - Without a map (or with `resolveByDns`): a backendRef resolves to `NAME.NAMESPACE.svc:PORT`. If the
 *   input contains Service objects at all, it is taken as the complete set of Services: a ref to a
 *   Service not in it is `BackendNotFound`, and a port the Service does not declare is
 *   `UnresolvedBackend`. If the input contains no Service at all (routes-only output), every Service is
 *   assumed to exist.
 * - A Service object in the input always supplies the port's appProtocol (h2c / ws).
 */
import { ListenerSource, listenerSources, parentGatewayOf } from './compile-listener-set';
import { BackendTlsIndex, FrontendValidation, TlsCompiler } from './compile-tls';
import { TlsListenerDraft, compileTlsRoutes } from './compile-tls-route';
import {
  AttachedRoute, BackendRefKey, ClientValidation, CompiledBackend, CompiledFilter, CompiledGateway, CompiledListener, CompiledMatch,
  CompiledPort, CompiledRule, CompiledTable, ConditionFact, ConfigWarning, GatewayFacts, GrpcBucket, HeaderModifier, HostBuckets, HttpBucket,
  Condition, IndexEntry, ListenerFacts, ListenerIndex, ListenerSetFacts, ParentRefFact, PathModifier, RegexGroup, RouteFacts, RouteParentFacts,
  SniCertificate, SocketSpec,
  StatusFacts, TlsCertificate, ValueMatch,
} from './model';
import { unnormalizedPathValue } from './path-policy';
import { compileRegex, labelCount, literalPrefix, parseDuration, requiredSegments } from './util';
import {
  AllowedRoutesSpec, comparePrecedence, compareRouteAge as compareRouteIdentity, GrantSpec, hostnameListsIntersect, hostnamesOnListener,
  kindAllowed, namespaceAllowed, namespaceLabels, referencePermitted,
} from '../../model';
import { ConfigError, FieldPath, SourceDocument, formatFieldPath, formatLocation } from '../config/load';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface CompileOptions {
  /** `namespace/name` of the Gateways to serve; default all Gateways in the input. */
  readonly gateways?: readonly string[];
  /** `NAMESPACE/SERVICE:PORT` -> endpoints. See the file comment for the resolution rule. */
  readonly backends?: ReadonlyMap<string, readonly { host: string; port: number }[]>;
  /** Resolve Services by DNS name `NAME.NAMESPACE.svc`; default true without `backends`, false with. */
  readonly resolveByDns?: boolean;
  /** Generation number to stamp on the table; default a per-process counter. */
  readonly generation?: number;
  /**
   * The input's Services are the complete set, even when there is none (the controller reads them all from the API
   * server): a backendRef to a Service not in the input is then `BackendNotFound`. Default false (file mode: an
   * input without any Service assumes every Service exists).
   */
  readonly servicesComplete?: boolean;
  /**
   * Routes read by an earlier compile with the same cache, reused when the route object is the same object (by
   * identity: an informer replaces an object that changed) and the Services, ReferenceGrants and options are too.
   */
  readonly routeCache?: RouteCache;
}

interface CachedRoute {
  readonly hostnames: readonly string[];
  readonly created?: number;
  readonly rules: CompiledRule[];
  readonly unsupportedFields: readonly string[];
  readonly warnings: readonly ConfigWarning[];
}

/**
 * What reading a route gave, kept across compiles (controller mode: a change of one route out of thousands re-reads
 * that one). Everything a route's rules depend on besides the route (Services, ReferenceGrants, backend options) is
 * compared by identity at each compile; any difference empties the cache.
 */
export class RouteCache {
  private entries = new WeakMap<object, CachedRoute>();
  private context: readonly unknown[] = [];
  /** The objects read from each document (a function of the document alone). */
  private readonly objs = new WeakMap<SourceDocument, Obj>();
  private readonly conditions = new WeakMap<readonly CompiledRule[], ConditionFact[]>();
  /** Each listener's index entries in precedence order, by listener (`gateway listener`), as the last compile sorted them. */
  private sorted = new Map<string, readonly IndexDraft[]>();

  /** Keeps the entries when `context` has the same elements as the last one, else drops them all. */
  public use(context: readonly unknown[]): void {
    if (context.length !== this.context.length || context.some((c, i) => c !== this.context[i])) this.entries = new WeakMap();
    this.context = context;
  }

  public get(object: object): CachedRoute | undefined {
    return this.entries.get(object);
  }

  public set(object: object, route: CachedRoute): void {
    this.entries.set(object, route);
  }

  /** @internal */
  public objectOf(doc: SourceDocument): Obj | undefined {
    return this.objs.get(doc);
  }

  /** @internal */
  public setObject(doc: SourceDocument, obj: Obj): void {
    this.objs.set(doc, obj);
  }

  /** @internal A route's ResolvedRefs (and PartiallyInvalid) conditions, by its rules (those of one cache entry). */
  public conditionsOf(rules: readonly CompiledRule[]): ConditionFact[] | undefined {
    return this.conditions.get(rules);
  }

  /** @internal */
  public setConditions(rules: readonly CompiledRule[], facts: ConditionFact[]): void {
    this.conditions.set(rules, facts);
  }

  /** @internal The sorted entries of a listener by the last compile. */
  public sortedOf(listener: string): readonly IndexDraft[] | undefined {
    return this.sorted.get(listener);
  }

  /** @internal What this compile sorted (listeners it did not build are forgotten). */
  public keepSorted(sorted: Map<string, readonly IndexDraft[]>): void {
    this.sorted = sorted;
  }
}

/** The route kinds an HTTP or HTTPS listener admits. */
const LISTENER_ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute'];

/** Fields of a route rule this gateway implements; any other field set on a rule is reported as unsupported. */
const RULE_FIELDS: Record<'HTTPRoute' | 'GRPCRoute', readonly string[]> = {
  HTTPRoute: ['name', 'matches', 'filters', 'backendRefs', 'timeouts', 'retry'],
  GRPCRoute: ['name', 'matches', 'filters', 'backendRefs'],
};

const condition = (type: string, ok: boolean, reason: string, message = ''): ConditionFact =>
  ({ type, status: ok ? 'True' : 'False', reason, message });

/** A route parent's `Accepted` (the common case), one object for every route. */
const ROUTE_ACCEPTED = condition('Accepted', true, 'Accepted');

/** A condition's reason and message (a ResolvedRefs problem, why a parentRef did not attach). */
interface RefProblem {
  readonly reason: string;
  readonly message: string;
}

/** A listener's facts while compiling: the conditions known when it is read, and its draft when it is served. */
interface ListenerFactDraft {
  readonly name: string;
  readonly supportedKinds: { group: string; kind: string }[];
  readonly accepted: ConditionFact;
  readonly conflicted?: ConditionFact;
  /** ResolvedRefs problems (certificate refs, route kinds), first one reported. */
  readonly refProblems: RefProblem[];
  draft?: ListenerDraft;
  /** A TLS listener: programmed without an HTTP listener draft (its TLSRoutes are counted from its TLS socket). */
  programmedWithoutRoutes?: boolean;
  /** A TLS listener: `gateway|listener` as its TLS socket names it (the TLSRoutes attached). */
  tlsKey?: string;
}

/** What one parentRef of a route naming a served Gateway came to. */
interface ParentAttempt {
  readonly route: RouteDraft;
  readonly ref: ParentRefFact;
  readonly listeners: ListenerDraft[];
  why: RefProblem;
}

const ACCEPTED_VERSIONS: Record<string, string[]> = {
  Gateway: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`],
  HTTPRoute: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`],
  GRPCRoute: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha2`],
  ReferenceGrant: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`, `${GATEWAY_GROUP}/v1alpha2`],
  Service: ['v1'],
  Namespace: ['v1'],
  Secret: ['v1'],
  ConfigMap: ['v1'],
  ListenerSet: [`${GATEWAY_GROUP}/v1`],
  BackendTLSPolicy: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha3`],
  TLSRoute: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha3`, `${GATEWAY_GROUP}/v1alpha2`],
};

/** Gateway API route kinds this gateway does not serve (a warning names them). */
const UNSERVED_ROUTE_KINDS = ['TCPRoute', 'UDPRoute'];
/** Gateway API kinds that carry nothing this gateway uses. */
const IGNORED_GATEWAY_KINDS = ['GatewayClass', 'BackendLBPolicy', 'BackendTrafficPolicy'];

let generationCounter = 0;

export interface Obj {
  readonly doc: SourceDocument;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: any;
}

interface ServiceInfo {
  readonly ports: { port: number; name?: string; appProtocol?: string }[];
}

interface ListenerDraft {
  readonly gateway: string;
  /** The namespace of the Gateway, or of the ListenerSet the listener comes from (allowedRoutes `Same`). */
  readonly gatewayNamespace: string;
  readonly name: string;
  /** The listener's own name: what a parentRef's sectionName names. */
  readonly section: string;
  /** `namespace/name` of the ListenerSet the listener comes from; undefined for the Gateway's own. */
  readonly owner?: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly hostname?: string;
  readonly tls?: { certificates: TlsCertificate[] };
  readonly allowedRoutes: AllowedRoutesSpec;
  /** Attached routes in attachment order, and the same entries by route (a route may attach twice). */
  readonly attached: { route: RouteDraft; hostnames: string[] }[];
  readonly attachedByRoute: Map<RouteDraft, { route: RouteDraft; hostnames: string[] }>;
  readonly where: string;
}

interface RouteDraft {
  readonly obj: Obj;
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly hostnames: string[];
  readonly created?: number;
  readonly rules: CompiledRule[];
  /** Rule fields set that this gateway does not implement (`spec.rules[0].sessionPersistence`). */
  readonly unsupportedFields: string[];
}

/** Builds the compiled table. Throws ConfigError on structural errors (see the file comment). */
export function compile(docs: readonly SourceDocument[], options: CompileOptions = {}): CompiledTable {
  const steps = new Compiler(docs, options).run();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `compile` in steps (a few objects each): `pause` is called between steps and may return a promise to wait for,
 * e.g. a turn of the event loop when a reload compiles while requests are served. Same result as `compile`.
 */
export async function compileInSteps(
  docs: readonly SourceDocument[], options: CompileOptions, pause: () => Promise<void> | undefined,
): Promise<CompiledTable> {
  const steps = new Compiler(docs, options).run();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

/** Objects read between two steps of `compileInSteps`. */
const STEP = 16;

class Compiler {
  private readonly warnings: ConfigWarning[] = [];
  private readonly byKind = new Map<string, Map<string, Obj>>();
  /** TCPRoutes and UDPRoutes: not served, but their parents on our Gateways are told so (status). */
  private readonly unservedRoutes: Obj[] = [];
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly services = new Map<string, ServiceInfo>();
  /** ReferenceGrants by their namespace (the namespace of the referenced objects). */
  private readonly grants = new Map<string, Obj[]>();
  /** Strings of the table by value (see `own`). */
  private readonly strings = new Map<string, string>();
  /** Equal backend refs and targets of the table, one object each (see `shared`). */
  private readonly refs = new Map<string, BackendRefKey>();
  private readonly targets = new Map<string, NonNullable<CompiledBackend['target']>>();
  /** Status facts: Gateway acceptance and listener facts by Gateway key, parentRef outcomes, per-listener rejections. */
  private readonly gatewayAccepted = new Map<string, ConditionFact>();
  private readonly listenerFacts = new Map<string, ListenerFactDraft[]>();
  /** The listener facts of each admitted ListenerSet, by its `namespace/name`. */
  private readonly listenerSetFacts = new Map<string, ListenerFactDraft[]>();
  /** TLSRoutes attached per TLS listener (`gateway|listener`), and each TLSRoute's backends (ResolvedRefs). */
  private readonly tlsAttached = new Map<string, number>();
  private readonly tlsRouteBackends = new Map<string, CompiledBackend[]>();
  /** The ResolvedRefs problems of each TLS listener, by `Kind namespace/name|listener` of the object it is written in. */
  private readonly tlsListenerProblems = new Map<string, RefProblem[]>();
  private readonly parentAttempts: ParentAttempt[] = [];
  private readonly rejectedOn = new Map<ListenerDraft, Map<RouteDraft, string>>();
  /** BackendTLSPolicies, client certificates (compile-tls.ts). */
  private readonly tls = new TlsCompiler({
    objects: (kind) => this.objects(kind),
    find: (kind, key) => this.byKind.get(kind)?.get(key),
    warn: (doc, field, message) => this.warn(doc, field, message),
    granted: (fromKind, fromNs, toKind, toNs, name) => this.granted(GATEWAY_GROUP, fromKind, fromNs, '', toKind, toNs, name),
  });
  private backendTls?: BackendTlsIndex;
  /** Per Gateway key: its frontend client-certificate validation, and its TLS conditions (compile-tls.ts). */
  private readonly frontend = new Map<string, FrontendValidation>();
  private readonly gatewayTlsConditions = new Map<string, ConditionFact[]>();
  /** Listeners of protocol TLS (compile-tls-route.ts). */
  private readonly tlsListeners: TlsListenerDraft[] = [];
  /** The sorted index entries of the listeners built (kept in the route cache for the next compile). */
  private readonly sortedNow = new Map<string, readonly IndexDraft[]>();

  constructor(private readonly docs: readonly SourceDocument[], private readonly options: CompileOptions) {}

  public *run(): Generator<void, CompiledTable> {
    yield* this.collect();
    for (const ns of this.objects('Namespace')) this.namespaceLabels.set(ns.name, this.stringMap(ns, ['metadata', 'labels']));
    let n = 0;
    for (const svc of this.objects('Service')) {
      this.services.set(`${svc.namespace}/${svc.name}`, this.readService(svc));
      if (++n % STEP === 0) yield;
    }
    for (const g of this.objects('ReferenceGrant')) {
      if (!this.grants.has(g.namespace)) this.grants.set(g.namespace, []);
      this.grants.get(g.namespace)!.push(g);
    }
    this.backendTls = this.tls.backendPolicies();
    // (a route's backends carry the BackendTLSPolicy of their Service port: a policy or CA change recompiles routes)
    this.options.routeCache?.use([
      this.options.backends, this.options.resolveByDns, this.options.servicesComplete,
      ...this.objects('Service').map((o) => o.object), '|', ...this.objects('ReferenceGrant').map((o) => o.object),
      '|', ...this.objects('BackendTLSPolicy').map((o) => o.object), '|', ...this.objects('ConfigMap').map((o) => o.object),
    ]);

    const gatewayObjs = this.selectGateways();
    const listenersByGateway = new Map<string, ListenerDraft[]>();
    for (const gw of gatewayObjs) listenersByGateway.set(`${gw.namespace}/${gw.name}`, this.readListeners(gw));

    const routes: RouteDraft[] = [];
    for (const kind of ['HTTPRoute', 'GRPCRoute'] as const) {
      for (const obj of this.objects(kind)) {
        routes.push(this.readRoute(obj, kind));
        if (++n % STEP === 0) yield;
      }
    }
    for (const route of routes) {
      this.attach(route, listenersByGateway);
      if (++n % STEP === 0) yield;
    }

    const gateways: CompiledGateway[] = [];
    const sockets: SocketSpec[] = [];
    for (const gw of gatewayObjs) {
      const key = `${gw.namespace}/${gw.name}`;
      const drafts = listenersByGateway.get(key)!;
      const byPort = new Map<number, ListenerDraft[]>();
      for (const l of drafts) {
        if (!byPort.has(l.port)) byPort.set(l.port, []);
        byPort.get(l.port)!.push(l);
      }
      const ports: CompiledPort[] = [];
      const clientValidation = this.tls.frontendValidation(gw);
      this.frontend.set(key, clientValidation);
      for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
        const listeners: CompiledListener[] = [];
        for (const d of byPort.get(port)!.sort(compareListenerSpecificity)) {
          listeners.push(yield* this.buildListener(d));
        }
        const protocol = listeners[0].protocol;
        ports.push({ port, protocol, listeners });
        const socket: SocketSpec = protocol === 'HTTPS'
          ? {
            gateway: key,
            port,
            protocol,
            certificates: listeners.map((l): SniCertificate => ({ listener: l.name, hostname: l.hostname, certificates: l.tls?.certificates ?? [] })),
            ...withClientValidation(clientValidation.at(port)),
          }
          : { gateway: key, port, protocol };
        sockets.push(socket);
      }
      const backendClientCertificate = this.tls.backendClientCertificate(gw);
      this.gatewayTlsConditions.set(key, this.tls.gatewayConditions(gw, clientValidation));
      gateways.push({ namespace: gw.namespace, name: gw.name, key, ports, ...(backendClientCertificate ? { backendClientCertificate } : {}) });
    }
    // A port with HTTPS and TLS listeners is one socket: the HTTPS one, routing the TLS listeners too.
    for (const tlsSocket of compileTlsRoutes({
      warn: (doc, field, message) => this.warn(doc, field, message),
      // (a Terminate listener's certificate problems are its ResolvedRefs, as for HTTPS)
      certificates: (gw, at, refs, listener) => this.readCertificates(gw, at, refs, listener, this.tlsListenerProblems.get(`${gw.kind} ${gw.namespace}/${gw.name}|${listener}`) ?? []),
      backend: (route, at, raw) => {
        const b = this.readBackend(route, 'TLSRoute', at, raw, true);
        const key = `${route.namespace}/${route.name}`;
        this.tlsRouteBackends.set(key, [...(this.tlsRouteBackends.get(key) ?? []), b]);
        return b;
      },
      namespaceLabels: (ns) => this.namespaceLabels.get(ns),
      fact: (...f) => this.tls.fact(...f),
      gateway: (key) => (listenersByGateway.has(key) ? 'served' : this.byKind.get('Gateway')?.has(key) ? 'left out' : 'missing'),
      listenerSet: (key) => {
        const set = this.byKind.get('ListenerSet')?.get(key);
        return !set ? 'missing' : listenersByGateway.has(parentGatewayOf(set) ?? '') ? 'served' : 'left out';
      },
    }, this.tlsListeners, this.objects('TLSRoute'))) {
      for (const l of tlsSocket.tlsListeners ?? []) this.tlsAttached.set(`${tlsSocket.gateway}|${l.name}`, l.routes.length);
      const i = sockets.findIndex((s) => s.gateway === tlsSocket.gateway && s.port === tlsSocket.port);
      if (i < 0) sockets.push(tlsSocket);
      else sockets[i] = { ...sockets[i], tlsListeners: tlsSocket.tlsListeners };
    }
    const generation = this.options.generation ?? ++generationCounter;
    this.options.routeCache?.keepSorted(this.sortedNow);
    const statusFacts = this.tls.facts;
    return {
      generation,
      gateways,
      sockets,
      warnings: this.warnings,
      facts: yield* this.facts(gatewayObjs, routes),
      ...(statusFacts.length > 0 ? { statusFacts } : {}),
    };
  }

  // ---------------------------------------------------------------- status facts

  private *facts(gatewayObjs: readonly Obj[], routes: readonly RouteDraft[]): Generator<void, StatusFacts> {
    const listenerSets = this.listenerSetStatus(gatewayObjs);
    const gateways: GatewayFacts[] = gatewayObjs.map((gw) => {
      const key = `${gw.namespace}/${gw.name}`;
      const accepted = this.gatewayAccepted.get(key)!;
      const listeners = (this.listenerFacts.get(key) ?? []).map((f) => this.listenerStatus(key, accepted, f, false));
      const attachedListenerSets = listenerSets.filter((s) => s.gateway === key && s.conditions[0].status === 'True').length;
      const tlsConditions = this.gatewayTlsConditions.get(key) ?? [];
      const tls = tlsConditions.length > 0 ? { conditions: tlsConditions } : {};
      return { namespace: gw.namespace, name: gw.name, accepted, attachedListenerSets, ...tls, listeners };
    });

    const byRoute = new Map<RouteDraft, RouteParentFacts[]>();
    const conditionsOf = new Map<RouteDraft, ConditionFact[]>();
    let n = 0;
    for (const a of this.parentAttempts) {
      if (++n % STEP === 0) yield;
      const attachedOn = a.listeners.filter((l) => !this.rejectedOn.get(l)?.has(a.route));
      let accepted: ConditionFact;
      if (attachedOn.length > 0) {
        accepted = ROUTE_ACCEPTED;
      } else if (a.listeners.length > 0) {
        const why = this.rejectedOn.get(a.listeners[0])!.get(a.route)!;
        accepted = condition('Accepted', false, 'NotAllowedByListeners', why);
      } else {
        accepted = condition('Accepted', false, a.why.reason, a.why.message);
      }
      const list = byRoute.get(a.route) ?? [];
      byRoute.set(a.route, list);
      const same = list.find((p) => (['namespace', 'name', 'sectionName', 'port'] as const).every((k) => p.parentRef[k] === a.ref[k]));
      if (same) continue;
      let shared = conditionsOf.get(a.route);
      if (!shared) {
        // a cached route's conditions are those of the compile that read it (the same objects: cheap to compare)
        const cache = this.options.routeCache;
        shared = cache?.conditionsOf(a.route.rules);
        if (!shared) {
          shared = this.routeConditions(a.route);
          cache?.setConditions(a.route.rules, shared);
        }
        conditionsOf.set(a.route, shared);
      }
      list.push({ parentRef: a.ref, conditions: [accepted, ...shared] });
    }
    const routeFacts: RouteFacts[] = routes.filter((r) => byRoute.has(r)).map((r) => ({
      kind: r.kind, namespace: r.obj.namespace, name: r.obj.name, parents: byRoute.get(r)!,
    }));
    const backendTlsPolicies = this.tls.policyFacts(this.servicesReached());
    const policies = backendTlsPolicies.length > 0 ? { backendTlsPolicies } : {};
    const allRoutes = [...routeFacts, ...this.tlsRouteFacts(), ...this.unservedRouteFacts(gatewayObjs, listenerSets)];
    return { gateways, routes: allRoutes, listenerSets, ...policies };
  }

  /**
   * TCPRoutes and UDPRoutes naming a served Gateway (or a ListenerSet of one): one parent entry each, not accepted,
   * since no listener of this gateway takes them (it has no TCP or UDP listeners).
   */
  private unservedRouteFacts(gatewayObjs: readonly Obj[], listenerSets: readonly ListenerSetFacts[]): RouteFacts[] {
    const served = new Set(gatewayObjs.map((g) => `${g.namespace}/${g.name}`));
    const setGateway = new Map(listenerSets.map((l) => [`${l.namespace}/${l.name}`, l.gateway]));
    const out: RouteFacts[] = [];
    const sorted = [...this.unservedRoutes].sort((a, b) => cmpStr(`${a.kind} ${a.namespace}/${a.name}`, `${b.kind} ${b.namespace}/${b.name}`));
    for (const route of sorted) {
      const refs: unknown = route.object.spec?.parentRefs;
      const parents: RouteParentFacts[] = [];
      for (const p of Array.isArray(refs) ? refs : []) {
        if (p === null || typeof p !== 'object' || typeof p.name !== 'string' || (p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP) continue;
        const parentRef = parentRefFact(p, route.namespace);
        const { kind } = parentRef;
        const key = `${parentRef.namespace}/${parentRef.name}`;
        if (kind === 'Gateway' ? !served.has(key) : kind !== 'ListenerSet' || !setGateway.has(key)) continue;
        if (hasParent(parents, parentRef)) continue;
        const gateway = kind === 'Gateway' ? key : setGateway.get(key)!;
        parents.push({
          parentRef,
          conditions: [condition('Accepted', false, 'NotAllowedByListeners',
            `this gateway does not serve ${route.kind}s: Gateway ${gateway} has no ${route.kind === 'TCPRoute' ? 'TCP' : 'UDP'} listener it could attach to (TLS over TCP can be routed by SNI with a TLS listener and a TLSRoute)`)],
        });
      }
      if (parents.length > 0) out.push({ kind: route.kind as RouteFacts['kind'], namespace: route.namespace, name: route.name, parents });
    }
    return out;
  }

  /**
   * A listener's status. `ofListenerSet`: a listener that is not accepted is not Programmed for the same reason (the
   * ListenerSet conformance cases ask for it); a Gateway's says `Invalid`. An HTTPS listener whose port's
   * client-certificate validation has no valid CA is not accepted (GEP-91).
   */
  private listenerStatus(gateway: string, gatewayAccepted: ConditionFact, f: ListenerFactDraft, ofListenerSet: boolean): ListenerFacts {
    const frontend = f.draft?.protocol === 'HTTPS' ? this.frontend.get(gateway)?.problem(f.draft.port) : undefined;
    const accepted = frontend?.noValidCa && f.accepted.status === 'True'
      ? condition('Accepted', false, 'NoValidCACertificate', `no CA certificate of the client-certificate validation of port ${f.draft!.port} resolves (${frontend.message})`)
      : f.accepted;
    const served = gatewayAccepted.status === 'True' && accepted.status === 'True' ? f.draft : undefined;
    const tlsRoutes = f.tlsKey !== undefined && gatewayAccepted.status === 'True' && accepted.status === 'True' ? this.tlsAttached.get(f.tlsKey) ?? 0 : 0;
    const attachedRoutes = served ? served.attached.filter((a) => !this.rejectedOn.get(served)?.has(a.route)).length : tlsRoutes;
    const problem = f.refProblems[0] ?? frontend;
    const resolved = problem ? condition('ResolvedRefs', false, problem.reason, problem.message) : condition('ResolvedRefs', true, 'ResolvedRefs');
    const open = served !== undefined || (gatewayAccepted.status === 'True' && accepted.status === 'True' && f.programmedWithoutRoutes === true);
    const notOpen = gatewayAccepted.status === 'True' ? `the listener is not accepted: ${accepted.message}` : 'the Gateway is not accepted';
    const programmed = !open
      ? condition('Programmed', false, ofListenerSet && gatewayAccepted.status === 'True' ? accepted.reason : 'Invalid', notOpen)
      : problem
        ? condition('Programmed', false, 'Invalid', `the listener's references do not resolve: ${problem.message}`)
        : condition('Programmed', true, 'Programmed');
    return {
      name: f.name,
      supportedKinds: f.supportedKinds,
      attachedRoutes,
      conditions: [accepted, f.conflicted ?? condition('Conflicted', false, 'NoConflicts'), resolved, programmed],
    };
  }

  /**
   * The status of every ListenerSet naming a served Gateway: NotAllowed when the Gateway's `allowedListeners` does
   * not admit it, ParentNotAccepted when the Gateway is not accepted, ListenersNotValid when none of its listeners is
   * programmed, else Accepted and Programmed.
   */
  private listenerSetStatus(gatewayObjs: readonly Obj[]): ListenerSetFacts[] {
    const served = new Map(gatewayObjs.map((gw) => [`${gw.namespace}/${gw.name}`, gw]));
    const out: ListenerSetFacts[] = [];
    for (const set of this.objects('ListenerSet')) {
      const gateway = parentGatewayOf(set);
      if (gateway === undefined || !served.has(gateway)) continue;
      const key = `${set.namespace}/${set.name}`;
      const both = (ok: boolean, reason: string, message: string): ConditionFact[] =>
        [condition('Accepted', ok, reason === 'Programmed' ? 'Accepted' : reason, message), condition('Programmed', ok, reason, message)];
      const gwAccepted = this.gatewayAccepted.get(gateway)!;
      const drafts = this.listenerSetFacts.get(key);
      if (drafts === undefined) {
        out.push({ namespace: set.namespace, name: set.name, gateway, listeners: [], conditions: both(false, 'NotAllowed', `Gateway ${gateway} spec.allowedListeners does not admit ListenerSets from namespace ${set.namespace}; allow it there`) });
        continue;
      }
      const listeners = drafts.map((f) => this.listenerStatus(gateway, gwAccepted, f, true));
      const programmed = listeners.filter((l) => l.conditions[3].status === 'True').length;
      const setConditions = gwAccepted.status !== 'True'
        ? both(false, 'ParentNotAccepted', `the parent Gateway ${gateway} is not accepted: ${gwAccepted.message}`)
        : programmed === 0
          ? both(false, 'ListenersNotValid', `none of the ${listeners.length} listeners can be served: ${listeners.map((l) => `"${l.name}" ${l.conditions.find((c) => c.status === 'False' && c.type !== 'Conflicted')?.reason ?? 'Invalid'}`).join(', ')}`)
          : both(true, 'Programmed', `attached to Gateway ${gateway}: ${programmed} of ${listeners.length} listeners programmed`);
      out.push({ namespace: set.namespace, name: set.name, gateway, listeners, conditions: setConditions });
    }
    return out;
  }

  /** Each TLSRoute's parents (compile-tls-route.ts facts) with its ResolvedRefs (the first backend that cannot be used). */
  private tlsRouteFacts(): RouteFacts[] {
    const byRoute = new Map<string, RouteParentFacts[]>();
    for (const f of this.tls.facts) {
      if (f.kind !== 'TLSRoute' || f.parentRef === undefined) continue;
      const route = this.byKind.get('TLSRoute')?.get(f.object);
      const p = route?.object.spec?.parentRefs?.[f.parentRef];
      if (!route || !p) continue;
      const parentRef = parentRefFact(p, route.namespace);
      const invalid = (this.tlsRouteBackends.get(f.object) ?? []).find((b) => b.invalid)?.invalid;
      const resolved = invalid ? condition('ResolvedRefs', false, invalid.reason, invalid.message) : condition('ResolvedRefs', true, 'ResolvedRefs');
      const list = byRoute.get(f.object) ?? [];
      byRoute.set(f.object, list);
      // (a parentRef written twice is one parent)
      if (hasParent(list, parentRef)) continue;
      list.push({ parentRef, conditions: [condition(f.condition, f.status, f.reason, f.message), resolved] });
    }
    return [...byRoute].map(([key, parents]) => ({ kind: 'TLSRoute', namespace: key.split('/')[0], name: key.split('/')[1], parents }));
  }

  /** The Gateways each Service (`namespace/name`) is reached from: a route attached to one sends to it (BackendTLSPolicy ancestors). */
  private servicesReached(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    const visit = (b: CompiledBackend, gateways: readonly string[]): void => {
      if (b.ref.group === '' && b.ref.kind === 'Service') {
        const key = `${b.ref.namespace}/${b.ref.name}`;
        if (!out.has(key)) out.set(key, new Set());
        for (const g of gateways) out.get(key)!.add(g);
      }
      for (const f of b.filters) if (f.type === 'RequestMirror') visit(f.backend, gateways);
    };
    for (const a of this.parentAttempts) {
      const gateways = a.listeners.filter((l) => !this.rejectedOn.get(l)?.has(a.route)).map((l) => l.gateway);
      if (gateways.length === 0) continue;
      for (const rule of a.route.rules) {
        for (const b of rule.backends) visit(b, gateways);
        for (const f of rule.filters) if (f.type === 'RequestMirror') visit(f.backend, gateways);
      }
    }
    return out;
  }

  /** ResolvedRefs (the first backend that cannot be used), and PartiallyInvalid when a rule uses what is not supported. */
  private routeConditions(route: RouteDraft): ConditionFact[] {
    let unresolved: NonNullable<CompiledBackend['invalid']> | undefined;
    const unsupported: string[] = [...route.unsupportedFields];
    const visit = (b: CompiledBackend): void => {
      if (b.invalid && !unresolved) unresolved = b.invalid;
      for (const f of b.filters) visitFilter(f);
    };
    const visitFilter = (f: CompiledFilter): void => {
      if (f.type === 'RequestMirror') visit(f.backend);
      if (f.type === 'Unsupported') unsupported.push(`${f.reason}: requests matching its rule get 500`);
    };
    for (const rule of route.rules) {
      for (const b of rule.backends) visit(b);
      for (const f of rule.filters) visitFilter(f);
    }
    const out = [unresolved
      ? condition('ResolvedRefs', false, unresolved.reason === 'UnresolvedBackend' ? 'BackendNotFound' : unresolved.reason, unresolved.message)
      : condition('ResolvedRefs', true, 'ResolvedRefs')];
    if (unsupported.length > 0) {
      out.push(condition('PartiallyInvalid', true, 'UnsupportedValue', [...new Set(unsupported)].join('; ')));
    }
    return out;
  }

  /** `Accepted` of a Gateway: refused for what this gateway cannot honour rather than served without it. */
  private gatewayAcceptance(gw: Obj): ConditionFact {
    const spec = gw.object.spec ?? {};
    const ref = spec.infrastructure?.parametersRef;
    if (ref !== undefined && ref !== null) {
      return condition('Accepted', false, 'InvalidParameters',
        `spec.infrastructure.parametersRef ${ref.group ?? ''}/${ref.kind ?? ''} ${ref.name ?? ''}: this gateway takes no parameters; remove the reference`);
    }
    if (Array.isArray(spec.addresses) && spec.addresses.length > 0) {
      return condition('Accepted', false, 'UnsupportedAddress',
        `spec.addresses ${JSON.stringify(spec.addresses.map((a: any) => a?.value ?? a?.type))}: static addresses are not supported; the address comes from the gateway's Service`);
    }
    return condition('Accepted', true, 'Accepted');
  }

  // ---------------------------------------------------------------- input

  private *collect(): Generator<void> {
    let n = 0;
    const cache = this.options.routeCache;
    for (const doc of this.docs) {
      if (++n % STEP === 0) yield;
      const known = cache?.objectOf(doc);
      if (known) {
        this.addObject(known);
        continue;
      }
      const o = doc.object;
      if (o === null || typeof o !== 'object' || Array.isArray(o)) {
        throw this.error(doc, [], 'document is not an object (expected a Kubernetes object with apiVersion and kind)');
      }
      const kind = o.kind;
      if (typeof kind !== 'string' || !(kind in ACCEPTED_VERSIONS)) {
        this.checkForeignKind(doc, o);
        continue;
      }
      if (!ACCEPTED_VERSIONS[kind].includes(o.apiVersion)) {
        this.warn(doc, ['apiVersion'], `${kind} with apiVersion "${o.apiVersion}" is ignored (supported: ${ACCEPTED_VERSIONS[kind].join(', ')})`);
        continue;
      }
      const meta = o.metadata;
      if (meta === null || typeof meta !== 'object' || typeof meta.name !== 'string' || meta.name === '') {
        throw this.error(doc, ['metadata', 'name'], `${kind} has no metadata.name`);
      }
      if (meta.namespace !== undefined && typeof meta.namespace !== 'string') {
        throw this.error(doc, ['metadata', 'namespace'], 'metadata.namespace must be a string');
      }
      const namespace = kind === 'Namespace' ? '' : this.own(meta.namespace || 'default');
      const obj: Obj = { doc, kind, namespace, name: this.own(meta.name), object: o };
      this.addObject(obj);
      cache?.setObject(doc, obj);
    }
  }

  private addObject(obj: Obj): void {
    const { doc, kind, namespace, name } = obj;
    if (!this.byKind.has(kind)) this.byKind.set(kind, new Map());
    const map = this.byKind.get(kind)!;
    const key = kind === 'Namespace' ? name : `${namespace}/${name}`;
    const prev = map.get(key);
    if (prev) {
      throw this.error(doc, ['metadata', 'name'], `duplicate ${kind} "${key}": also defined at ${formatLocation(prev.doc.file, prev.doc.document)}`);
    }
    map.set(key, obj);
  }

  /**
   * A document this gateway does not read: other API groups are skipped silently; in the Gateway API
   * group an unknown kind (usually a typo, which would silently drop a route) is an error, and a known
   * route kind this gateway does not serve is a warning.
   */
  private checkForeignKind(doc: SourceDocument, o: any): void {
    const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
    if (apiVersion.split('/')[0] !== GATEWAY_GROUP) return;
    const kind = o.kind;
    if (typeof kind !== 'string' || kind === '') throw this.error(doc, ['kind'], `a ${apiVersion} object needs a kind (Gateway, HTTPRoute, GRPCRoute, ReferenceGrant)`);
    if (UNSERVED_ROUTE_KINDS.includes(kind)) {
      this.warn(doc, ['kind'], `${kind} is not supported by this gateway and is ignored: its traffic is not served`);
      const meta = o.metadata;
      if (meta !== null && typeof meta === 'object' && typeof meta.name === 'string' && meta.name !== '') {
        this.unservedRoutes.push({ doc, kind, namespace: typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default', name: meta.name, object: o });
      }
      return;
    }
    if (IGNORED_GATEWAY_KINDS.includes(kind)) return;
    const known = Object.keys(ACCEPTED_VERSIONS).filter((k) => ACCEPTED_VERSIONS[k][0].startsWith(`${GATEWAY_GROUP}/`));
    const bare = (k: string) => k.toLowerCase().replace(/s$/, '');
    const guess = known.find((k) => bare(k) === bare(kind));
    throw this.error(doc, ['kind'], `unknown kind "${kind}" in ${apiVersion}${guess ? ` (did you mean "${guess}"?)` : ''}: this gateway reads ${known.join(', ')}`);
  }

  private objects(kind: string): Obj[] {
    const map = this.byKind.get(kind);
    if (!map) return [];
    return [...map.values()].sort((a, b) => cmpStr(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
  }

  private selectGateways(): Obj[] {
    const all = this.objects('Gateway');
    if (!this.options.gateways || this.options.gateways.length === 0) return all;
    const out: Obj[] = [];
    for (const want of this.options.gateways) {
      const key = want.includes('/') ? want : `default/${want}`;
      const found = all.find((g) => `${g.namespace}/${g.name}` === key);
      if (!found) {
        const known = all.map((g) => `${g.namespace}/${g.name}`).join(', ') || 'none';
        throw new ConfigError(`gateway "${want}" is not in the input (gateways found: ${known})`, { file: '(arguments)', field: '--gateway' });
      }
      if (!out.includes(found)) out.push(found);
    }
    return out.sort((a, b) => cmpStr(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
  }

  private readService(svc: Obj): ServiceInfo {
    const ports = this.array(svc, ['spec', 'ports']).map((p, i) => {
      const at = ['spec', 'ports', i];
      if (p === null || typeof p !== 'object') throw this.error(svc.doc, at, 'a Service port must be an object');
      return {
        port: this.int(svc, [...at, 'port'], p.port, true)!,
        name: typeof p.name === 'string' ? p.name : undefined,
        appProtocol: typeof p.appProtocol === 'string' ? p.appProtocol : undefined,
      };
    });
    return { ports };
  }

  // ---------------------------------------------------------------- gateways and listeners

  private readListeners(gateway: Obj): ListenerDraft[] {
    const gwKey = `${gateway.namespace}/${gateway.name}`;
    const accepted = this.gatewayAcceptance(gateway);
    this.gatewayAccepted.set(gwKey, accepted);
    if (accepted.status === 'False') this.warn(gateway.doc, ['spec'], `Gateway ${gwKey} is not served (${accepted.reason}): ${accepted.message}`);
    const facts: ListenerFactDraft[] = [];
    this.listenerFacts.set(gwKey, facts);
    const out: ListenerDraft[] = [];
    const portProtocol = new Map<number, string>();
    const portHostnames = new Map<number, Set<string>>();
    // The Gateway's listeners, then those of the ListenerSets it admits (compile-listener-set.ts), in the spec's order.
    const sources = listenerSources({
      warn: (doc, field, message) => this.warn(doc, field, message),
      namespaceLabels: (ns) => this.namespaceLabels.get(ns),
      fact: (...f) => this.tls.fact(...f),
    }, gateway, this.objects('ListenerSet'));
    for (const source of sources) if (source.owner) this.listenerSetFacts.set(source.owner, []);
    const names = new Map<ListenerSource, Set<string>>(sources.map((source) => [source, new Set<string>()]));
    const entries = sources.flatMap((source) => this.array(source.obj as Obj, ['spec', 'listeners']).map((l, i) => ({ source, l, i })));
    entries.forEach(({ source, l, i }) => {
      // `gw`: the object the listener is written in (the Gateway, or a ListenerSet).
      const gw = source.obj as Obj;
      const owner = source.owner;
      const seenNames = names.get(source)!;
      const at: FieldPath = ['spec', 'listeners', i];
      if (l === null || typeof l !== 'object') throw this.error(gw.doc, at, 'a listener must be an object');
      const name = this.str(gw, [...at, 'name'], l.name, true)!;
      const port = this.int(gw, [...at, 'port'], l.port, true)!;
      const protocol = this.str(gw, [...at, 'protocol'], l.protocol, true)!;
      const hostnameRaw = this.str(gw, [...at, 'hostname'], l.hostname, false);
      const hostname = hostnameRaw === undefined || hostnameRaw === '' ? undefined : hostnameRaw.toLowerCase();
      if (seenNames.has(name)) throw this.error(gw.doc, [...at, 'name'], `duplicate listener name "${name}"`);
      seenNames.add(name);
      const refProblems: RefProblem[] = [];
      const supportedKinds = this.supportedKinds(gw, at, l, protocol, name, refProblems);
      // The facts of the Gateway's own listeners (its status); a ListenerSet's listeners have their own (statusFacts).
      const fact = (ok: ConditionFact, conflicted?: ConditionFact): ListenerFactDraft => {
        const f: ListenerFactDraft = { name, supportedKinds, accepted: ok, refProblems, ...(conflicted ? { conflicted } : {}) };
        if (!owner) facts.push(f);
        else this.listenerSetFacts.set(owner, [...(this.listenerSetFacts.get(owner) ?? []), f]);
        return f;
      };
      const refuse = (field: string, reason: string, message: string, conflict = false): void => {
        this.warn(gw.doc, [...at, field], message);
        fact(condition('Accepted', false, reason, message), conflict ? condition('Conflicted', true, reason, message) : undefined);
      };
      const conflict = source.conflicted.get(name);
      if (conflict !== undefined) {
        refuse('name', conflict.reason, owner ? `ListenerSet ${owner}: ${conflict.message}` : conflict.message, true);
        return;
      }
      if (protocol !== 'HTTP' && protocol !== 'HTTPS' && protocol !== 'TLS') {
        refuse('protocol', 'UnsupportedProtocol', `listener "${name}": protocol ${protocol} is not supported (HTTP, HTTPS, TLS); the listener is not served`);
        return;
      }
      const prevProtocol = portProtocol.get(port);
      // HTTPS and TLS listeners share a port (both are told apart by the SNI).
      const sharable = [prevProtocol, protocol].every((p) => p === 'HTTPS' || p === 'TLS');
      if (prevProtocol !== undefined && prevProtocol !== protocol && !sharable) {
        refuse('protocol', 'ProtocolConflict', `listener "${name}": port ${port} already serves ${prevProtocol} (ProtocolConflict); the listener is not served`, true);
        return;
      }
      const hostKey = hostname ?? '';
      if (portHostnames.get(port)?.has(hostKey)) {
        refuse('hostname', 'HostnameConflict', `listener "${name}": another listener on port ${port} has the same hostname (HostnameConflict); the listener is not served`, true);
        return;
      }
      portProtocol.set(port, protocol);
      if (!portHostnames.has(port)) portHostnames.set(port, new Set());
      portHostnames.get(port)!.add(hostKey);

      let tls: { certificates: TlsCertificate[] } | undefined;
      if (protocol === 'HTTPS') {
        const t = this.map(gw, [...at, 'tls'], l.tls);
        if (t.mode !== undefined && t.mode !== 'Terminate') {
          portHostnames.get(port)!.delete(hostKey);
          refuse('tls', 'UnsupportedValue', `listener "${name}": tls mode ${t.mode} is not supported for HTTPS; the listener is not served`);
          return;
        }
        tls = { certificates: this.readCertificates(gw, [...at, 'tls', 'certificateRefs'], t.certificateRefs, name, refProblems) };
        if (this.array(gw, [...at, 'tls', 'certificateRefs'], t.certificateRefs).length === 0) {
          const message = `listener "${name}": HTTPS needs tls.certificateRefs; without a certificate no handshake can complete`;
          this.warn(gw.doc, [...at, 'tls'], message);
          refProblems.push({ reason: 'InvalidCertificateRef', message });
        }
      }

      const allowedRaw = this.map(gw, [...at, 'allowedRoutes'], l.allowedRoutes);
      const kinds = allowedRaw.kinds === undefined || allowedRaw.kinds === null
        ? undefined
        : this.array(gw, [...at, 'allowedRoutes', 'kinds'], allowedRaw.kinds).map((raw, k2) => {
          const k = this.map(gw, [...at, 'allowedRoutes', 'kinds', k2], raw);
          return { group: this.str(gw, [...at, 'allowedRoutes', 'kinds', k2, 'group'], k.group, false) ?? GATEWAY_GROUP, kind: this.str(gw, [...at, 'allowedRoutes', 'kinds', k2, 'kind'], k.kind, true)! };
        });
      const namespaces = this.namespacePolicy(gw, [...at, 'allowedRoutes', 'namespaces'], this.map(gw, [...at, 'allowedRoutes', 'namespaces'], allowedRaw.namespaces));
      const allowedRoutes: AllowedRoutesSpec = { ...namespaces, ...(kinds !== undefined ? { kinds } : {}) };
      const served = fact(condition('Accepted', true, 'Accepted'));
      if (protocol === 'TLS') {
        served.programmedWithoutRoutes = true;
        served.tlsKey = `${gwKey}|${owner ? `${owner}/${name}` : name}`;
        this.tlsListenerProblems.set(`${gw.kind} ${gw.namespace}/${gw.name}|${name}`, refProblems);
        this.tlsListeners.push({ gw, gateway: gwKey, ...(owner ? { owner } : {}), at, name, port, hostname, allowedRoutes, raw: l });
        return;
      }
      served.draft = {
        gateway: gwKey,
        gatewayNamespace: gw.namespace,
        // A ListenerSet's listener: named after its ListenerSet too (names are unique per Gateway or ListenerSet only).
        name: owner ? `${owner}/${name}` : name,
        section: name,
        ...(owner ? { owner } : {}),
        port,
        protocol,
        hostname,
        tls,
        allowedRoutes,
        attached: [],
        attachedByRoute: new Map(),
        where: formatLocation(gw.doc.file, gw.doc.document, formatFieldPath(at)),
      };
      out.push(served.draft);
    });
    // A Gateway that is not accepted is not served: its listeners keep their facts, none opens.
    return accepted.status === 'True' ? out : [];
  }

  /**
   * The valid entries of a listener's `allowedRoutes.kinds` (the protocol's kinds when absent); entries this gateway
   * cannot serve are `InvalidRouteKinds` problems.
   */
  private supportedKinds(gw: Obj, at: FieldPath, l: any, protocol: string, name: string, problems: RefProblem[]): { group: string; kind: string }[] {
    const served = protocol === 'HTTP' || protocol === 'HTTPS' ? LISTENER_ROUTE_KINDS : protocol === 'TLS' ? ['TLSRoute'] : [];
    const raw = l.allowedRoutes?.kinds;
    if (raw === undefined || raw === null) return served.map((kind) => ({ group: GATEWAY_GROUP, kind }));
    const out: { group: string; kind: string }[] = [];
    this.array(gw, [...at, 'allowedRoutes', 'kinds'], raw).forEach((k: any) => {
      const group = typeof k?.group === 'string' ? k.group : GATEWAY_GROUP;
      const kind = String(k?.kind);
      if (group === GATEWAY_GROUP && served.includes(kind)) {
        if (!out.some((o) => o.kind === kind)) out.push({ group, kind });
        return;
      }
      const message = `listener "${name}": allowedRoutes.kinds ${group ? `${group}/` : ''}${kind} is not a route kind this gateway serves on ${protocol} (${served.join(', ') || 'none'})`;
      this.warn(gw.doc, [...at, 'allowedRoutes', 'kinds'], message);
      problems.push({ reason: 'InvalidRouteKinds', message });
    });
    return out;
  }

  private readCertificates(gw: Obj, at: FieldPath, refs: unknown, listener: string, problems: RefProblem[]): TlsCertificate[] {
    const out: TlsCertificate[] = [];
    const problem = (doc: SourceDocument, field: FieldPath, reason: string, message: string): void => {
      this.warn(doc, field, message);
      problems.push({ reason, message });
    };
    this.array(gw, at, refs).forEach((raw, i) => {
      const rat = [...at, i];
      const ref = this.map(gw, rat, raw);
      const group = ref?.group ?? '';
      const kind = ref?.kind ?? 'Secret';
      const name = this.str(gw, [...rat, 'name'], ref?.name, true)!;
      const ns = this.str(gw, [...rat, 'namespace'], ref?.namespace, false) ?? gw.namespace;
      if (group !== '' || kind !== 'Secret') {
        problem(gw.doc, rat, 'InvalidCertificateRef', `listener "${listener}": certificateRef of kind ${group ? `${group}/` : ''}${kind} is not supported (InvalidCertificateRef)`);
        return;
      }
      if (ns !== gw.namespace && !this.granted(GATEWAY_GROUP, gw.kind, gw.namespace, '', 'Secret', ns, name)) {
        problem(gw.doc, rat, 'RefNotPermitted', `listener "${listener}": Secret ${ns}/${name} is in another namespace and no ReferenceGrant permits it (RefNotPermitted)`);
        return;
      }
      const secret = this.byKind.get('Secret')?.get(`${ns}/${name}`);
      if (!secret) {
        problem(gw.doc, rat, 'InvalidCertificateRef', `listener "${listener}": Secret ${ns}/${name} is not in the input (InvalidCertificateRef)`);
        return;
      }
      const read = (key: string): string | undefined => {
        const s = secret.object.stringData?.[key];
        if (typeof s === 'string') return this.own(s);
        const d = secret.object.data?.[key];
        if (typeof d === 'string') return Buffer.from(d, 'base64').toString('utf8');
        return undefined;
      };
      const certPem = read('tls.crt');
      const keyPem = read('tls.key');
      if (!certPem || !keyPem || !certPem.includes('-----BEGIN') || !keyPem.includes('-----BEGIN')) {
        problem(secret.doc, ['data'], 'InvalidCertificateRef', `Secret ${ns}/${name} has no PEM tls.crt and tls.key (InvalidCertificateRef for listener "${listener}")`);
        return;
      }
      out.push({ secret: `${ns}/${name}`, certPem, keyPem });
    });
    return out;
  }

  /** The `namespaces` of a listener's allowedRoutes, checked; the model decides which namespaces it admits. */
  private namespacePolicy(gw: Obj, at: FieldPath, spec: any): Pick<AllowedRoutesSpec, 'from' | 'selector'> {
    const from = spec?.from ?? 'Same';
    switch (from) {
      case 'Same':
      case 'All':
        return { from };
      case 'Selector': {
        if (spec?.selector === undefined || spec?.selector === null) {
          throw this.error(gw.doc, [...at, 'selector'], 'from: Selector needs a selector');
        }
        const sel = this.map(gw, [...at, 'selector'], spec.selector);
        const matchLabels: Record<string, string> = this.map(gw, [...at, 'selector', 'matchLabels'], sel.matchLabels);
        const matchExpressions = this.array(gw, [...at, 'selector', 'matchExpressions'], sel.matchExpressions).map((raw, i) => {
          const e = this.map(gw, [...at, 'selector', 'matchExpressions', i], raw);
          if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e?.operator)) {
            throw this.error(gw.doc, [...at, 'selector', 'matchExpressions', i, 'operator'], `unknown operator "${e?.operator}" (In, NotIn, Exists, DoesNotExist)`);
          }
          return { key: String(e.key), operator: e.operator as string, values: Array.isArray(e.values) ? e.values.map(String) : [] };
        });
        return { from, selector: { matchLabels, matchExpressions } };
      }
      default:
        throw this.error(gw.doc, [...at, 'from'], `unknown value "${from}" (Same, All, Selector)`);
    }
  }

  // ---------------------------------------------------------------- routes

  private readRoute(obj: Obj, kind: 'HTTPRoute' | 'GRPCRoute'): RouteDraft {
    const cache = this.options.routeCache;
    const hit = cache?.get(obj.object);
    if (hit) {
      this.warnings.push(...hit.warnings);
      return { obj, kind, hostnames: [...hit.hostnames], created: hit.created, rules: hit.rules, unsupportedFields: [...hit.unsupportedFields] };
    }
    const before = this.warnings.length;
    const draft = this.readRouteOnce(obj, kind);
    cache?.set(obj.object, {
      hostnames: [...draft.hostnames],
      created: draft.created,
      rules: draft.rules,
      unsupportedFields: [...draft.unsupportedFields],
      warnings: this.warnings.slice(before),
    });
    return draft;
  }

  private readRouteOnce(obj: Obj, kind: 'HTTPRoute' | 'GRPCRoute'): RouteDraft {
    const hostnames = this.array(obj, ['spec', 'hostnames']).map((h, i) => this.str(obj, ['spec', 'hostnames', i], h, true)!.toLowerCase());
    const ts = obj.object.metadata?.creationTimestamp;
    let created: number | undefined;
    if (ts !== undefined) {
      created = typeof ts === 'string' ? Date.parse(ts) : ts instanceof Date ? ts.getTime() : NaN;
      if (Number.isNaN(created)) throw this.error(obj.doc, ['metadata', 'creationTimestamp'], `not an RFC 3339 time: ${JSON.stringify(ts)}`);
    }
    const rulesRaw = this.array(obj, ['spec', 'rules']);
    const source = formatLocation(obj.doc.file, obj.doc.document);
    const rules = (rulesRaw.length === 0 ? [{}] : rulesRaw).map((r, i) => this.readRule(obj, kind, r, i, created, source));
    const unsupportedFields: string[] = [];
    rulesRaw.forEach((r, i) => {
      for (const field of Object.keys(r ?? {})) {
        if (RULE_FIELDS[kind].includes(field)) continue;
        const message = `spec.rules[${i}].${field} is not supported by this gateway and is not applied`;
        this.warn(obj.doc, ['spec', 'rules', i, field], `${kind} ${obj.namespace}/${obj.name}: ${message}`);
        unsupportedFields.push(message);
      }
    });
    return { obj, kind, hostnames, created, rules, unsupportedFields };
  }

  private readRule(obj: Obj, kind: 'HTTPRoute' | 'GRPCRoute', r: any, index: number, created: number | undefined, source: string): CompiledRule {
    const at: FieldPath = ['spec', 'rules', index];
    if (r === null || typeof r !== 'object') throw this.error(obj.doc, at, 'a rule must be an object');
    const matchesRaw = this.array(obj, [...at, 'matches']);
    const matches = matchesRaw.length === 0
      ? [kind === 'HTTPRoute' ? { index: 0, path: { type: 'PathPrefix' as const, value: '/' }, headers: NONE, queryParams: NONE } : { index: 0, headers: NONE, queryParams: NONE }]
      : matchesRaw.map((m, i) => (kind === 'HTTPRoute' ? this.readHttpMatch(obj, [...at, 'matches', i], m, i) : this.readGrpcMatch(obj, [...at, 'matches', i], m, i)));
    const filters = this.readFilters(obj, kind, [...at, 'filters'], r.filters);
    const backends = this.array(obj, [...at, 'backendRefs']).map((b, i) => this.readBackend(obj, kind, [...at, 'backendRefs', i], b, true));
    const totalWeight = backends.reduce((s, b) => s + b.weight, 0);

    let timeouts: CompiledRule['timeouts'];
    if (r.timeouts !== undefined && r.timeouts !== null && kind === 'HTTPRoute') {
      const t = this.map(obj, [...at, 'timeouts'], r.timeouts);
      const requestMs = this.duration(obj, [...at, 'timeouts', 'request'], t.request);
      const backendRequestMs = this.duration(obj, [...at, 'timeouts', 'backendRequest'], t.backendRequest);
      timeouts = { ...(requestMs !== undefined ? { requestMs } : {}), ...(backendRequestMs !== undefined ? { backendRequestMs } : {}) };
    }
    let retry: CompiledRule['retry'];
    if (r.retry !== undefined && r.retry !== null && kind === 'HTTPRoute') {
      const rt = this.map(obj, [...at, 'retry'], r.retry);
      const codes = this.array(obj, [...at, 'retry', 'codes'], rt.codes).map((c, i) => this.int(obj, [...at, 'retry', 'codes', i], c, true)!);
      const attempts = this.int(obj, [...at, 'retry', 'attempts'], rt.attempts, false);
      const backoffMs = this.duration(obj, [...at, 'retry', 'backoff'], rt.backoff);
      retry = { codes, ...(attempts !== undefined ? { attempts } : {}), ...(backoffMs !== undefined ? { backoffMs } : {}) };
    }

    let directResponse: CompiledRule['directResponse'];
    const unsupported = filters.find((f) => f.type === 'Unsupported');
    if (unsupported && unsupported.type === 'Unsupported') {
      directResponse = { status: 500, reason: unsupported.reason };
    } else if (totalWeight === 0 && !filters.some((f) => f.type === 'RequestRedirect')) {
      directResponse = { status: 500, reason: backends.length === 0 ? 'the rule has no backendRefs' : 'every backendRef of the rule has weight 0' };
    }
    const name = this.str(obj, [...at, 'name'], r.name, false);
    return {
      routeKind: kind,
      routeNamespace: obj.namespace,
      routeName: obj.name,
      ...(created !== undefined ? { routeCreated: created } : {}),
      index,
      ...(name !== undefined ? { name } : {}),
      source,
      matches,
      filters,
      backends,
      totalWeight,
      ...(timeouts ? { timeouts } : {}),
      ...(retry ? { retry } : {}),
      ...(directResponse ? { directResponse } : {}),
    };
  }

  private readValueMatches(obj: Obj, at: FieldPath, raw: unknown, lowerNames: boolean): readonly ValueMatch[] {
    const out: ValueMatch[] = [];
    const seen = new Set<string>();
    this.array(obj, at, raw).forEach((item, i) => {
      const hat = [...at, i];
      const h = this.map(obj, hat, item);
      let name = this.str(obj, [...hat, 'name'], h?.name, true)!;
      if (lowerNames) name = name.toLowerCase();
      const type = h?.type ?? 'Exact';
      const value = this.str(obj, [...hat, 'value'], h?.value, true)!;
      if (type !== 'Exact' && type !== 'RegularExpression') throw this.error(obj.doc, [...hat, 'type'], `unknown match type "${type}" (Exact, RegularExpression)`);
      if (type === 'RegularExpression') this.regex(obj, [...hat, 'value'], value);
      // The spec: only the first entry with an equivalent name is considered.
      if (seen.has(name)) return;
      seen.add(name);
      out.push({ name: this.own(name), type: type === 'Exact' ? 'Exact' : 'RegularExpression', value });
    });
    return out.length > 0 ? out : NONE;
  }

  private readHttpMatch(obj: Obj, at: FieldPath, m: any, index: number): CompiledMatch {
    if (m === null || typeof m !== 'object') throw this.error(obj.doc, at, 'a match must be an object');
    const pathSpec = this.map(obj, [...at, 'path'], m.path);
    const type = pathSpec.type ?? 'PathPrefix';
    const value = this.str(obj, [...at, 'path', 'value'], pathSpec.value, false) ?? '/';
    if (type !== 'Exact' && type !== 'PathPrefix' && type !== 'RegularExpression') {
      throw this.error(obj.doc, [...at, 'path', 'type'], `unknown path match type "${type}" (Exact, PathPrefix, RegularExpression)`);
    }
    if (type !== 'RegularExpression' && !value.startsWith('/')) {
      throw this.error(obj.doc, [...at, 'path', 'value'], `path "${value}" must start with "/"`);
    }
    if (type === 'RegularExpression') this.regex(obj, [...at, 'path', 'value'], value);
    // Requests are matched by their normalized path (path-policy.ts); so is an Exact or PathPrefix value.
    const normalized = type === 'RegularExpression' ? undefined : unnormalizedPathValue(value);
    if (normalized !== undefined) {
      this.warn(obj.doc, [...at, 'path', 'value'], `path "${value}" is matched as "${normalized}": request paths are normalized before matching (slashes merged, dot-segments removed, escapes of unreserved characters decoded)`);
    }
    const method = this.str(obj, [...at, 'method'], m.method, false);
    return {
      index,
      path: { type: PATH_TYPES[type as keyof typeof PATH_TYPES], value: normalized ?? value },
      ...(method !== undefined ? { method } : {}),
      headers: this.readValueMatches(obj, [...at, 'headers'], m.headers, true),
      queryParams: this.readValueMatches(obj, [...at, 'queryParams'], m.queryParams, false),
    };
  }

  private readGrpcMatch(obj: Obj, at: FieldPath, m: any, index: number): CompiledMatch {
    if (m === null || typeof m !== 'object') throw this.error(obj.doc, at, 'a match must be an object');
    let grpc: CompiledMatch['grpc'];
    if (m.method !== undefined && m.method !== null) {
      const spec = this.map(obj, [...at, 'method'], m.method);
      const type = spec.type ?? 'Exact';
      if (type !== 'Exact' && type !== 'RegularExpression') throw this.error(obj.doc, [...at, 'method', 'type'], `unknown method match type "${type}" (Exact, RegularExpression)`);
      const service = this.str(obj, [...at, 'method', 'service'], spec.service, false);
      const method = this.str(obj, [...at, 'method', 'method'], spec.method, false);
      if (type === 'RegularExpression') {
        if (service !== undefined) this.regex(obj, [...at, 'method', 'service'], service);
        if (method !== undefined) this.regex(obj, [...at, 'method', 'method'], method);
      }
      if (service !== undefined || method !== undefined) {
        grpc = { type, ...(service !== undefined ? { service } : {}), ...(method !== undefined ? { method } : {}) };
      }
    }
    return { index, headers: this.readValueMatches(obj, [...at, 'headers'], m.headers, true), queryParams: NONE, ...(grpc ? { grpc } : {}) };
  }

  private readHeaderModifier(obj: Obj, at: FieldPath, value: unknown): HeaderModifier {
    const raw = this.map(obj, at, value);
    const pairs = (key: string) => this.array(obj, [...at, key], raw[key]).map((item, i) => {
      const h = this.map(obj, [...at, key, i], item);
      return [this.str(obj, [...at, key, i, 'name'], h.name, true)!, this.str(obj, [...at, key, i, 'value'], h.value, true)!] as const;
    });
    const remove = this.array(obj, [...at, 'remove'], raw.remove).map((n, i) => this.str(obj, [...at, 'remove', i], n, true)!.toLowerCase());
    return { set: pairs('set'), add: pairs('add'), remove };
  }

  private readPathModifier(obj: Obj, at: FieldPath, value: unknown): PathModifier | undefined {
    if (value === undefined || value === null) return undefined;
    const raw = this.map(obj, at, value);
    if (raw.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: this.str(obj, [...at, 'replaceFullPath'], raw.replaceFullPath, true)! };
    if (raw.type === 'ReplacePrefixMatch') return { type: 'ReplacePrefixMatch', value: this.str(obj, [...at, 'replacePrefixMatch'], raw.replacePrefixMatch, true)! };
    throw this.error(obj.doc, [...at, 'type'], `unknown path modifier type "${raw.type}" (ReplaceFullPath, ReplacePrefixMatch)`);
  }

  private readFilters(obj: Obj, kind: 'HTTPRoute' | 'GRPCRoute', at: FieldPath, raw: unknown): readonly CompiledFilter[] {
    const items = this.array(obj, at, raw);
    if (items.length === 0) return NONE;
    return items.map((item, i): CompiledFilter => {
      const fat = [...at, i];
      const f = this.map(obj, fat, item);
      const type = this.str(obj, [...fat, 'type'], f.type, true)!;
      const grpcAllowed = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror'];
      if (kind === 'GRPCRoute' && !grpcAllowed.includes(type)) {
        return { type: 'Unsupported', filterType: type, reason: `filter ${type} is not supported on a GRPCRoute` };
      }
      switch (type) {
        case 'RequestHeaderModifier':
          return { type, ...this.readHeaderModifier(obj, [...fat, 'requestHeaderModifier'], f.requestHeaderModifier) };
        case 'ResponseHeaderModifier':
          return { type, ...this.readHeaderModifier(obj, [...fat, 'responseHeaderModifier'], f.responseHeaderModifier) };
        case 'RequestRedirect': {
          const r = this.map(obj, [...fat, 'requestRedirect'], f.requestRedirect);
          const rat = [...fat, 'requestRedirect'];
          const scheme = this.str(obj, [...rat, 'scheme'], r.scheme, false);
          if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') throw this.error(obj.doc, [...rat, 'scheme'], `unknown scheme "${scheme}" (http, https)`);
          const hostname = this.str(obj, [...rat, 'hostname'], r.hostname, false);
          const port = this.int(obj, [...rat, 'port'], r.port, false);
          const path = this.readPathModifier(obj, [...rat, 'path'], r.path);
          const statusCode = this.int(obj, [...rat, 'statusCode'], r.statusCode, false) ?? 302;
          return {
            type,
            ...(scheme !== undefined ? { scheme: scheme as 'http' | 'https' } : {}),
            ...(hostname !== undefined ? { hostname } : {}),
            ...(port !== undefined ? { port } : {}),
            ...(path ? { path } : {}),
            statusCode,
          };
        }
        case 'URLRewrite': {
          const r = this.map(obj, [...fat, 'urlRewrite'], f.urlRewrite);
          const hostname = this.str(obj, [...fat, 'urlRewrite', 'hostname'], r.hostname, false);
          const path = this.readPathModifier(obj, [...fat, 'urlRewrite', 'path'], r.path);
          return { type, ...(hostname !== undefined ? { hostname } : {}), ...(path ? { path } : {}) };
        }
        case 'RequestMirror': {
          const mat = [...fat, 'requestMirror'];
          const r = this.map(obj, mat, f.requestMirror);
          const backend = this.readBackend(obj, kind, [...mat, 'backendRef'], { ...this.map(obj, [...mat, 'backendRef'], r.backendRef), weight: 1 }, false);
          let fraction = 1;
          if (r.percent !== undefined) {
            fraction = this.int(obj, [...mat, 'percent'], r.percent, true)! / 100;
          } else if (r.fraction !== undefined) {
            const fr = this.map(obj, [...mat, 'fraction'], r.fraction);
            const num = this.int(obj, [...mat, 'fraction', 'numerator'], fr.numerator, true)!;
            const den = this.int(obj, [...mat, 'fraction', 'denominator'], fr.denominator, false) ?? 100;
            if (den <= 0 || num > den) throw this.error(obj.doc, [...mat, 'fraction'], `fraction ${num}/${den} must satisfy 0 <= numerator <= denominator, denominator > 0`);
            fraction = num / den;
          }
          return { type, backend, fraction: Math.max(0, Math.min(1, fraction)) };
        }
        case 'CORS': {
          const cat = [...fat, 'cors'];
          const c = this.map(obj, cat, f.cors);
          const list = (key: string) => this.array(obj, [...cat, key], c[key]).map((v, j) => this.str(obj, [...cat, key, j], v, true)!);
          return {
            type,
            allowOrigins: list('allowOrigins'),
            allowMethods: list('allowMethods'),
            allowHeaders: list('allowHeaders'),
            exposeHeaders: list('exposeHeaders'),
            maxAge: this.int(obj, [...cat, 'maxAge'], c.maxAge, false) ?? 5,
            allowCredentials: c.allowCredentials === true,
          };
        }
        default:
          return { type: 'Unsupported', filterType: type, reason: `filter ${type} is not supported by this gateway` };
      }
    });
  }

  private readBackend(obj: Obj, routeKind: string, at: FieldPath, b: any, weighted: boolean): CompiledBackend {
    if (b === null || typeof b !== 'object') throw this.error(obj.doc, at, 'a backendRef must be an object');
    const ref = this.shared(this.refs, {
      group: this.str(obj, [...at, 'group'], b.group, false) ?? '',
      kind: this.str(obj, [...at, 'kind'], b.kind, false) ?? 'Service',
      namespace: this.str(obj, [...at, 'namespace'], b.namespace, false) ?? obj.namespace,
      name: this.str(obj, [...at, 'name'], b.name, true)!,
      ...(b.port !== undefined ? { port: this.int(obj, [...at, 'port'], b.port, true)! } : {}),
    } satisfies BackendRefKey);
    const weight = weighted ? (this.int(obj, [...at, 'weight'], b.weight, false) ?? 1) : 1;
    if (weight < 0) throw this.error(obj.doc, [...at, 'weight'], `weight ${weight} must be 0 or more`);
    const filters = weighted ? this.readFilters(obj, routeKind as 'HTTPRoute' | 'GRPCRoute', [...at, 'filters'], b.filters) : NONE;
    // Both outcomes are built as literals with a fixed key order (a spread copy gets a hidden class of its own).
    const invalid = (reason: NonNullable<CompiledBackend['invalid']>['reason'], message: string): CompiledBackend => {
      this.warn(obj.doc, at, message);
      return { weight, ref, filters, invalid: { reason, message } };
    };
    const valid = (target: NonNullable<CompiledBackend['target']>): CompiledBackend => ({ weight, ref, filters, target: this.shared(this.targets, target) });
    const refText = `${ref.namespace}/${ref.name}${ref.port !== undefined ? `:${ref.port}` : ''}`;
    if (ref.group !== '' || ref.kind !== 'Service') {
      return invalid('InvalidKind', `backendRef kind ${ref.group ? `${ref.group}/` : ''}${ref.kind} is not supported (only core Service) (InvalidKind)`);
    }
    if (ref.namespace !== obj.namespace && !this.granted(GATEWAY_GROUP, routeKind, obj.namespace, '', 'Service', ref.namespace, ref.name)) {
      return invalid('RefNotPermitted', `backendRef to Service ${refText} in another namespace is not permitted by any ReferenceGrant (RefNotPermitted)`);
    }
    if (ref.port === undefined) return invalid('UnresolvedBackend', `backendRef to Service ${refText} has no port`);
    const svc = this.services.get(`${ref.namespace}/${ref.name}`);
    const svcPort = svc?.ports.find((p) => p.port === ref.port);
    const protocol = svcPort?.appProtocol === 'kubernetes.io/h2c' ? 'h2c' : svcPort?.appProtocol === 'kubernetes.io/ws' ? 'ws' : 'http1';
    const tls = this.backendTls?.lookup(ref.namespace, ref.name, svcPort?.name);
    const map = this.options.backends;
    const mapped = map?.get(`${ref.namespace}/${ref.name}:${ref.port}`);
    if (mapped && mapped.length > 0) {
      return valid({ endpoints: mapped.map((e) => ({ host: e.host, port: e.port })), protocol, ...(tls ? { tls } : {}) });
    }
    const dns = this.options.resolveByDns ?? map === undefined;
    if (!svc && (map !== undefined || this.services.size > 0 || this.options.servicesComplete)) {
      return invalid('BackendNotFound', `backendRef to Service ${refText}: the Service is not in the input${map ? ' and not in --backends' : ''} (BackendNotFound)`);
    }
    if (svc && !svcPort) {
      return invalid('UnresolvedBackend', `backendRef to Service ${refText}: the Service has no port ${ref.port} (UnresolvedBackend)`);
    }
    if (!dns) return invalid('UnresolvedBackend', `backendRef to Service ${refText} has no endpoints in --backends (UnresolvedBackend)`);
    return valid({ endpoints: [{ host: `${ref.name}.${ref.namespace}.svc`, port: ref.port }], protocol, ...(tls ? { tls } : {}) });
  }

  /** Whether a ReferenceGrant in `toNs` permits (fromGroup, fromKind, fromNs) -> (toGroup, toKind, name). */
  private granted(fromGroup: string, fromKind: string, fromNs: string, toGroup: string, toKind: string, toNs: string, name: string): boolean {
    const grants: GrantSpec[] = (this.grants.get(toNs) ?? []).map((g) => ({
      namespace: g.namespace,
      from: Array.isArray(g.object.spec?.from) ? g.object.spec.from.filter((f: any) => f !== null && typeof f === 'object') : [],
      to: Array.isArray(g.object.spec?.to) ? g.object.spec.to.filter((t: any) => t !== null && typeof t === 'object') : [],
    }));
    return referencePermitted(grants, { fromGroup, fromKind, fromNamespace: fromNs, toGroup, toKind, toNamespace: toNs, toName: name });
  }

  // ---------------------------------------------------------------- attachment

  private attach(route: RouteDraft, listenersByGateway: Map<string, ListenerDraft[]>): void {
    const { obj } = route;
    this.array(obj, ['spec', 'parentRefs']).forEach((item, i) => {
      const at: FieldPath = ['spec', 'parentRefs', i];
      const p = this.map(obj, at, item);
      const parentKind = p?.kind ?? 'Gateway';
      if ((p?.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parentKind !== 'Gateway' && parentKind !== 'ListenerSet')) return;
      const ns = this.str(obj, [...at, 'namespace'], p.namespace, false) ?? obj.namespace;
      const name = this.str(obj, [...at, 'name'], p.name, true)!;
      // A ListenerSet parent: the listeners it brought to its Gateway; a Gateway parent: the Gateway's own listeners.
      const owner = parentKind === 'ListenerSet' ? `${ns}/${name}` : undefined;
      const set = owner === undefined ? undefined : this.byKind.get('ListenerSet')?.get(owner);
      if (owner !== undefined && !set) {
        this.warn(obj.doc, at, `${route.kind} ${obj.namespace}/${obj.name}: parent ListenerSet ${owner} is not in the input`);
        return;
      }
      const gatewayKey = set ? parentGatewayOf(set) ?? '' : `${ns}/${name}`;
      const listeners = listenersByGateway.get(gatewayKey)?.filter((l) => l.owner === owner);
      if (!listeners) {
        if (owner !== undefined) return; // its Gateway is not served (--gateway) or not in the input
        // Not served: either filtered out by --gateway (silently) or not in the input at all.
        if (!this.byKind.get('Gateway')?.has(`${ns}/${name}`)) this.warn(obj.doc, at, `${route.kind} ${obj.namespace}/${obj.name}: parent Gateway ${ns}/${name} is not in the input`);
        return;
      }
      const sectionName = this.str(obj, [...at, 'sectionName'], p.sectionName, false);
      const port = this.int(obj, [...at, 'port'], p.port, false);
      let attachedAny = false;
      const parentRef: ParentRefFact = {
        group: GATEWAY_GROUP,
        kind: parentKind,
        namespace: ns,
        name,
        ...(sectionName !== undefined ? { sectionName } : {}),
        ...(port !== undefined ? { port } : {}),
      };
      const attempt: ParentAttempt = {
        route,
        ref: parentRef,
        listeners: [],
        why: { reason: 'NoMatchingParent', message: `no listener of ${parentKind} ${ns}/${name} matches${sectionName !== undefined ? ` sectionName "${sectionName}"` : ''}${port !== undefined ? ` port ${port}` : ''}` },
      };
      this.parentAttempts.push(attempt);
      const refuse = (reason: string, message: string): void => {
        attempt.why = { reason, message };
      };
      if (owner !== undefined && !this.listenerSetFacts.has(owner)) {
        refuse('NoMatchingParent', `ListenerSet ${owner} is not attached to Gateway ${gatewayKey}: the Gateway's spec.allowedListeners does not admit its namespace`);
      }
      for (const l of listeners) {
        if (sectionName !== undefined && l.section !== sectionName) continue;
        if (port !== undefined && l.port !== port) continue;
        if (!kindAllowed(l.allowedRoutes, route.kind)) { refuse('NotAllowedByListeners', `listener "${l.name}" does not allow ${route.kind} (NotAllowedByListeners)`); continue; }
        // Kubernetes labels every namespace with kubernetes.io/metadata.name; a namespace not declared in the input
        // has only that label.
        const labels = namespaceLabels(obj.namespace, this.namespaceLabels.get(obj.namespace));
        if (!namespaceAllowed(l.allowedRoutes, l.gatewayNamespace, obj.namespace, labels)) {
          refuse('NotAllowedByListeners', `listener "${l.name}" does not allow routes from namespace ${obj.namespace} (NotAllowedByListeners)`);
          continue;
        }
        const hostnames = hostnamesOnListener(route.hostnames, l.hostname);
        if (hostnames === undefined) {
          refuse('NoMatchingListenerHostname', `no hostname of the route intersects listener "${l.name}" hostname ${l.hostname} (NoMatchingListenerHostname)`);
          continue;
        }
        attachedAny = true;
        if (!attempt.listeners.includes(l)) attempt.listeners.push(l);
        const existing = l.attachedByRoute.get(route);
        if (existing) {
          for (const h of hostnames) if (!existing.hostnames.includes(h)) existing.hostnames.push(h);
          if (hostnames.length === 0) existing.hostnames.length = 0;
        } else {
          const entry = { route, hostnames };
          l.attached.push(entry);
          l.attachedByRoute.set(route, entry);
        }
      }
      if (!attachedAny && attempt.why.reason === 'NoMatchingParent') {
        // a listener of protocol TLS that the parentRef selects takes TLSRoutes only
        const tls = this.tlsListeners.find((l) => l.gateway === gatewayKey && l.owner === owner
          && (sectionName === undefined || l.name === sectionName) && (port === undefined || l.port === port));
        if (tls) refuse('NotAllowedByListeners', `listener "${tls.name}" is of protocol TLS and does not allow ${route.kind} (NotAllowedByListeners)`);
      }
      if (!attachedAny) this.warn(obj.doc, at, `${route.kind} ${obj.namespace}/${obj.name} does not attach to ${parentKind} ${ns}/${name}: ${attempt.why.message}`);
    });
  }

  private *buildListener(d: ListenerDraft): Generator<void, CompiledListener> {
    // HTTPRoute vs GRPCRoute with intersecting hostnames on one listener: the spec accepts exactly one,
    // the older (then alphabetical by namespace/name). The other is not attached to this listener.
    const http = d.attached.filter((a) => a.route.kind === 'HTTPRoute');
    const grpc = d.attached.filter((a) => a.route.kind === 'GRPCRoute');
    const rejected = new Set<RouteDraft>();
    if (http.length > 0 && grpc.length > 0) {
      for (const g of grpc) {
        for (const h of http) {
          if (rejected.has(g.route) || rejected.has(h.route)) continue;
          if (hostnameListsIntersect(g.hostnames, h.hostnames) === undefined) continue;
          const loser = compareRouteAge(g.route, h.route) < 0 ? h.route : g.route;
          const winner = loser === g.route ? h.route : g.route;
          rejected.add(loser);
          const message = `${loser.kind} ${loser.obj.namespace}/${loser.obj.name} is not attached to listener "${d.name}" of ${d.gateway}: its hostnames intersect those of ${winner.kind} ${winner.obj.namespace}/${winner.obj.name}, which is older or first alphabetically`;
          this.warn(loser.obj.doc, ['spec', 'hostnames'], message);
          if (!this.rejectedOn.has(d)) this.rejectedOn.set(d, new Map());
          this.rejectedOn.get(d)!.set(loser, message);
        }
      }
    }
    const attached = d.attached.filter((a) => !rejected.has(a.route));
    const names = new Map(attached.map((a) => [a, `${a.route.obj.namespace}/${a.route.obj.name}`]));
    yield* sortInSteps(attached, (a, b) => cmpStr(names.get(a)!, names.get(b)!) || cmpStr(a.route.kind, b.route.kind));
    const routes: AttachedRoute[] = attached.map((a) => ({
      kind: a.route.kind,
      namespace: a.route.obj.namespace,
      name: a.route.obj.name,
      hostnames: [...a.hostnames],
      rules: a.route.rules,
    }));
    yield;
    const listenerKey = `${d.gateway} ${d.name}`;
    const drafts = yield* sortedDrafts(attached, this.options.routeCache?.sortedOf(listenerKey));
    this.sortedNow.set(listenerKey, drafts);
    const index = yield* buildIndex(drafts);
    return {
      gateway: d.gateway,
      name: d.name,
      port: d.port,
      protocol: d.protocol,
      ...(d.hostname !== undefined ? { hostname: d.hostname } : {}),
      ...(d.tls ? { tls: d.tls } : {}),
      attachedRoutes: routes.length,
      routes,
      index,
    };
  }

  // ---------------------------------------------------------------- field helpers

  private error(doc: SourceDocument, field: FieldPath, detail: string): ConfigError {
    return new ConfigError(detail, { file: doc.file, document: doc.document, field: field.length ? field : undefined, line: safeLine(doc, field) });
  }

  private warn(doc: SourceDocument, field: FieldPath, message: string): void {
    this.warnings.push({ where: formatLocation(doc.file, doc.document, field.length ? formatFieldPath(field) : undefined), message });
  }

  private get(obj: Obj, at: FieldPath): unknown {
    let v: any = obj.object;
    for (const k of at) {
      if (v === null || v === undefined || typeof v !== 'object') return undefined;
      v = v[k as any];
    }
    return v;
  }

  private array(obj: Obj, at: FieldPath, value: unknown = this.get(obj, at)): any[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.error(obj.doc, at, `must be a list, got ${typeName(value)}`);
    return value;
  }

  /** An optional map field: {} when absent, the object when it is one, else ConfigError. */
  private map(obj: Obj, at: FieldPath, value: unknown): any {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw this.error(obj.doc, at, `must be a map, got ${typeName(value)}`);
    return value;
  }

  private str(obj: Obj, at: FieldPath, value: unknown, required: boolean): string | undefined {
    if (value === undefined || value === null) {
      if (required) throw this.error(obj.doc, at, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') throw this.error(obj.doc, at, `must be a string, got ${typeName(value)}`);
    return this.own(value);
  }

  /**
   * One copy per distinct string value, and a copy of its own: a string the YAML reader cut out of an
   * input file can share that file's whole text, which the table would then keep alive.
   */
  private own(s: string): string {
    let out = this.strings.get(s);
    if (out === undefined) {
      out = ownCopy(s);
      this.strings.set(out, out);
    }
    return out;
  }

  /** One object per distinct (JSON-equal) value: rules naming the same backend share its ref and target. */
  private shared<T>(pool: Map<string, T>, value: T): T {
    const key = JSON.stringify(value);
    const known = pool.get(key);
    if (known !== undefined) return known;
    pool.set(key, value);
    return value;
  }

  private int(obj: Obj, at: FieldPath, value: unknown, required: boolean): number | undefined {
    if (value === undefined || value === null) {
      if (required) throw this.error(obj.doc, at, 'is required');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.error(obj.doc, at, `must be an integer, got ${JSON.stringify(value)}`);
    return value;
  }

  private duration(obj: Obj, at: FieldPath, value: unknown): number | undefined {
    if (value === undefined || value === null) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) throw this.error(obj.doc, at, `invalid duration ${JSON.stringify(value)} (Gateway API duration, e.g. "500ms", "1m30s"; "0s" disables)`);
    return ms;
  }

  private regex(obj: Obj, at: FieldPath, pattern: string): void {
    try {
      compileRegex(pattern);
    } catch (e: any) {
      throw this.error(obj.doc, at, `invalid regular expression ${JSON.stringify(pattern)} (RE2 syntax): ${e?.message ?? e}`);
    }
  }

  private stringMap(obj: Obj, at: FieldPath): Record<string, string> {
    const v = this.get(obj, at);
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw this.error(obj.doc, at, `must be a map, got ${typeName(v)}`);
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as object)) out[k] = String(val);
    return out;
  }
}

/** The socket field for a port's client-certificate validation (none: no field). */
function withClientValidation(v: ClientValidation | undefined): { clientValidation?: ClientValidation } {
  return v ? { clientValidation: v } : {};
}

/** Empty lists of the table share one frozen array. */
const NONE: readonly never[] = Object.freeze([]);

/** Path match types as constants (the parsed input holds a string per occurrence). */
const PATH_TYPES = { Exact: 'Exact', PathPrefix: 'PathPrefix', RegularExpression: 'RegularExpression' } as const;

/** A flat copy of `s` that does not share the characters of another string. */
function ownCopy(s: string): string {
  return JSON.parse(JSON.stringify(s));
}

function safeLine(doc: SourceDocument, field: FieldPath): number | undefined {
  try {
    return doc.lineOf(field);
  } catch {
    return undefined;
  }
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Older first; a route with a creation timestamp is older than one without; then namespace/name (the model's rule). */
function compareRouteAge(a: RouteDraft, b: RouteDraft): number {
  return compareRouteIdentity(
    { created: a.created, namespace: a.obj.namespace, name: a.obj.name },
    { created: b.created, namespace: b.obj.namespace, name: b.obj.name });
}

/** Listener order on a port: exact hostname, then wildcards with more labels, then no hostname. */
function compareListenerSpecificity(a: ListenerDraft, b: ListenerDraft): number {
  return specificity(b.hostname) - specificity(a.hostname);
}

function specificity(h: string | undefined): number {
  if (h === undefined) return 0;
  if (h.startsWith('*.')) return 1 + labelCount(h);
  return 1_000_000;
}

// ------------------------------------------------------------------ router index

/**
 * The precedence after hostname, as a comparator over (rule, match): the shared model's `comparePrecedence`
 * (src/model/match.ts), then the oldest route, `namespace/name` alphabetical, rule order, match order.
 */
function compareEntries(a: { rule: CompiledRule; match: CompiledMatch }, b: { rule: CompiledRule; match: CompiledMatch }): number {
  // HTTPRoute and GRPCRoute entries live in separate indexes; keep the comparator a total order.
  if (a.rule.routeKind !== b.rule.routeKind) return a.rule.routeKind === 'HTTPRoute' ? -1 : 1;
  return comparePrecedence(a.match, b.match)
    || compareRouteIdentity(
      { created: a.rule.routeCreated, namespace: a.rule.routeNamespace, name: a.rule.routeName },
      { created: b.rule.routeCreated, namespace: b.rule.routeNamespace, name: b.rule.routeName })
    || a.rule.index - b.rule.index
    || a.match.index - b.match.index;
}

/** The flat condition list of value matches, or undefined when there are none. */
function conditions(list: readonly ValueMatch[]): Condition[] | undefined {
  if (list.length === 0) return undefined;
  const out: Condition[] = [];
  for (const m of list) out.push(m.name, m.type === 'Exact' ? m.value : compileRegex(m.value));
  return out;
}

/** The non-path conditions of a match as entry fields. */
function entryConditions(match: CompiledMatch): Pick<IndexEntry, 'method' | 'headers' | 'query' | 'grpcService' | 'grpcMethod'> {
  const out: { -readonly [K in keyof IndexEntry]?: IndexEntry[K] } = {};
  if (match.method !== undefined) out.method = match.method;
  const headers = conditions(match.headers);
  if (headers) out.headers = headers;
  const query = conditions(match.queryParams);
  if (query) out.query = query;
  const g = match.grpc;
  if (g) {
    const regex = g.type === 'RegularExpression';
    if (g.service !== undefined) out.grpcService = regex ? compileRegex(g.service) : g.service;
    if (g.method !== undefined) out.grpcMethod = regex ? compileRegex(g.method) : g.method;
  }
  return out;
}

/** Prefix value -> index key: trailing '/' removed ('/' stays '/'). */
export function prefixKey(value: string): string {
  let v = value;
  while (v.length > 1 && v.endsWith('/')) v = v.slice(0, -1);
  return v;
}

function newHttpBucket(): HttpBucket {
  return {};
}

function newGrpcBucket(): GrpcBucket {
  return { exact: new Map(), service: new Map(), method: new Map(), other: [] };
}

function bucketFor<B>(hb: HostBuckets<B>, hostname: string | undefined, make: () => B): B {
  if (hostname === undefined) return (hb.any ??= make());
  const map = hostname.startsWith('*.') ? hb.wildcard : hb.exact;
  const key = hostname.startsWith('*.') ? hostname.slice(1) : hostname;
  let b = map.get(key);
  if (!b) {
    b = make();
    map.set(key, b);
  }
  return b;
}

function pushTo(map: Map<string, IndexEntry[]>, key: string, e: IndexEntry): void {
  const list = map.get(key);
  if (list) list.push(e);
  else map.set(key, [e]);
}

/**
 * The regex entries of one literal-prefix key as a group: each entry is indexed by the whole path
 * segment it requires that the fewest entries of the group require (`requiredSegments`), so a path
 * only tries the regexes whose required segment it has; entries requiring no segment are scanned.
 */
function regexGroup(entries: readonly IndexEntry[]): RegexGroup {
  const segments = new Map<IndexEntry, string[]>();
  const count = new Map<string, number>();
  for (const e of entries) {
    const segs = requiredSegments(e.match.path!.value);
    segments.set(e, segs);
    for (const s of segs) count.set(s, (count.get(s) ?? 0) + 1);
  }
  const bySegment = new Map<string, IndexEntry[]>();
  const scan: IndexEntry[] = [];
  for (const e of entries) {
    const segs = segments.get(e)!;
    if (segs.length === 0) {
      scan.push(e);
      continue;
    }
    let best = segs[0];
    for (const s of segs) if (count.get(s)! < count.get(best)!) best = s;
    pushTo(bySegment, best, e);
  }
  return { ...(bySegment.size > 0 ? { bySegment } : {}), ...(scan.length > 0 ? { scan } : {}) };
}

/**
 * `array.sort(compare)` (stable, in place) in steps: runs of STEP * 16 items sorted, then merged pairwise, a step
 * per run sorted and per STEP * 16 items merged. A listener with thousands of rules is sorted without holding the
 * event loop for the whole sort (or for a whole merge of its two halves).
 */
function* sortInSteps<T>(array: T[], compare: (a: T, b: T) => number): Generator<void> {
  const run = STEP * 16;
  if (array.length <= run) {
    array.sort(compare);
    return;
  }
  let runs: T[][] = [];
  for (let i = 0; i < array.length; i += run) {
    runs.push(array.slice(i, i + run).sort(compare));
    yield;
  }
  while (runs.length > 1) {
    const merged: T[][] = [];
    for (let i = 0; i < runs.length; i += 2) {
      const [a, b] = [runs[i], runs[i + 1]];
      if (!b) {
        merged.push(a);
        continue;
      }
      merged.push(yield* mergeSorted(a, b, compare, run));
      yield;
    }
    runs = merged;
  }
  runs[0].forEach((v, i) => (array[i] = v));
}

/** An index entry before its rank: a match of a rule, and the hostnames it is served for on the listener. */
export interface IndexDraft {
  readonly rule: CompiledRule;
  readonly match: CompiledMatch;
  readonly hostnames: readonly string[];
}

/**
 * The entries of the attached routes in precedence order (`compareEntries`, a total order). With the listener's
 * entries as the last compile sorted them, those still there (same rule, match and hostnames: a cached route's) keep
 * their order and only the others are sorted and merged in: the same result as sorting all, for a fraction of the
 * comparisons when one route of thousands changed.
 */
function* sortedDrafts(
  attached: readonly { route: RouteDraft; hostnames: string[] }[], previous?: readonly IndexDraft[],
): Generator<void, IndexDraft[]> {
  const drafts: IndexDraft[] = [];
  for (const a of attached) {
    for (const rule of a.route.rules) for (const match of rule.matches) drafts.push({ rule, match, hostnames: a.hostnames });
  }
  yield;
  if (!previous || previous.length === 0) {
    yield* sortInSteps(drafts, compareEntries);
    return drafts;
  }
  const byMatch = new Map<CompiledMatch, IndexDraft>();
  for (const d of drafts) byMatch.set(d.match, d);
  const kept: IndexDraft[] = [];
  const keptSet = new Set<IndexDraft>();
  for (const p of previous) {
    const d = byMatch.get(p.match);
    if (d && d.rule === p.rule && sameStrings(d.hostnames, p.hostnames) && !keptSet.has(d)) {
      kept.push(d);
      keptSet.add(d);
    }
  }
  const fresh = drafts.filter((d) => !keptSet.has(d));
  yield* sortInSteps(fresh, compareEntries);
  return yield* mergeSorted(kept, fresh, compareEntries, STEP * 16);
}

/** Two sorted arrays as one (stable: of equal items, those of `a` first), a step per `every` items merged. */
function* mergeSorted<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number, every: number): Generator<void, T[]> {
  const out: T[] = [];
  let x = 0;
  let y = 0;
  while (x < a.length && y < b.length) {
    out.push(compare(b[y], a[x]) < 0 ? b[y++] : a[x++]);
    if (out.length % every === 0) yield;
  }
  while (x < a.length) out.push(a[x++]);
  while (y < b.length) out.push(b[y++]);
  return out;
}

/** A parentRef of a route's spec as status writes it: group, kind and namespace defaulted. */
function parentRefFact(p: any, routeNamespace: string): ParentRefFact {
  return {
    group: GATEWAY_GROUP,
    kind: p.kind ?? 'Gateway',
    namespace: typeof p.namespace === 'string' ? p.namespace : routeNamespace,
    name: p.name,
    ...(typeof p.sectionName === 'string' ? { sectionName: p.sectionName } : {}),
    ...(typeof p.port === 'number' ? { port: p.port } : {}),
  };
}

/** Whether `parents` has an entry for the same parentRef (a parentRef written twice is one parent). */
function hasParent(parents: readonly RouteParentFacts[], parentRef: ParentRefFact): boolean {
  const same = JSON.stringify(parentRef);
  return parents.some((x) => JSON.stringify(x.parentRef) === same);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function* buildIndex(drafts: readonly IndexDraft[]): Generator<void, ListenerIndex> {
  const index: ListenerIndex = { http: { exact: new Map(), wildcard: new Map() }, grpc: { exact: new Map(), wildcard: new Map() } };
  const regexDrafts = new Map<HttpBucket, Map<string, IndexEntry[]>>();
  for (const [rank, d] of drafts.entries()) {
    if (rank % STEP === STEP - 1) yield;
    const entry: IndexEntry = {
      rule: d.rule,
      match: d.match,
      rank,
      ...entryConditions(d.match),
      ...(d.match.path?.type === 'RegularExpression' ? { pathTest: compileRegex(d.match.path.value) } : {}),
    };
    const hosts: readonly (string | undefined)[] = d.hostnames.length === 0 ? [undefined] : d.hostnames;
    for (const h of hosts) {
      if (d.rule.routeKind === 'HTTPRoute') {
        const b = bucketFor(index.http, h, newHttpBucket);
        const path = d.match.path!;
        if (path.type === 'Exact') {pushTo(b.exact ??= new Map(), path.value, entry);} else if (path.type === 'PathPrefix') {pushTo(b.prefix ??= new Map(), prefixKey(path.value), entry);} else {
          const literal = literalPrefix(path.value);
          let byKey = regexDrafts.get(b);
          if (!byKey) regexDrafts.set(b, byKey = new Map());
          pushTo(byKey, literal.slice(0, literal.lastIndexOf('/') + 1), entry);
        }
      } else {
        const b = bucketFor(index.grpc, h, newGrpcBucket);
        const g = d.match.grpc;
        if (g && g.type === 'Exact' && g.service !== undefined && g.method !== undefined) pushTo(b.exact, `${g.service}/${g.method}`, entry);
        else if (g && g.type === 'Exact' && g.service !== undefined) pushTo(b.service, g.service, entry);
        else if (g && g.type === 'Exact' && g.method !== undefined) pushTo(b.method, g.method, entry);
        else b.other.push(entry);
      }
    }
  }
  for (const [bucket, byKey] of regexDrafts) {
    yield;
    bucket.regex = new Map([...byKey].map(([key, entries]) => [key, regexGroup(entries)]));
    bucket.regexKeyLengths = [...new Set([...byKey.keys()].filter((k) => k !== '').map((k) => k.length))].sort((a, b) => a - b);
  }
  return index;
}
