/**
 * EndpointRegistry: the ready endpoints of each Service, kept from the raw discovery.k8s.io/v1 EndpointSlice
 * and core/v1 Service objects an informer hands over, and picked from per request.
 *
 * - **Grouping.** A slice belongs to the Service its `kubernetes.io/service-name` label names (in the slice's
 *   namespace); a slice without the label is not used (a warning says so).
 * - **Ports.** A backendRef names a Service port number; the Service object maps it to the port's name, and
 *   each slice lists the target port under that name (`""` for an unnamed single port). Without the Service
 *   object (not seen yet) the slice port whose number equals the backendRef's port is used.
 * - **Addresses.** An endpoint's first address is used (as kube-proxy does).
 * - **Readiness.** An endpoint is picked when `conditions.ready` is true or absent and `conditions.terminating`
 *   is not true; not-ready and terminating endpoints get no new requests. An endpoint that stops being ready
 *   in every slice (or disappears) is drained: `onDrain` listeners hear its `host:port`, and the proxy closes
 *   its connections once the requests in flight on them finish.
 * - **appProtocol.** The slice port's, else the Service port's: `kubernetes.io/h2c` is HTTP/2 with prior
 *   knowledge, `kubernetes.io/ws` is WebSocket; anything else, or nothing, leaves the compiled protocol.
 * - **Dual stack.** A dual-stack Service has an IPv4 and an IPv6 slice listing the same pods. One pod is one
 *   endpoint: an endpoint whose `targetRef` names a Pod already taken from another slice is skipped (IPv4
 *   slices are read first, then IPv6, then FQDN, each by name), so a dual-stack pod does not get twice the
 *   share. Endpoints without a Pod targetRef are told apart by address only; the same address:port in two
 *   slices (during a slice reshuffle) is one endpoint.
 * - **Cost.** The endpoints of a (Service, port) are built once after a change to that Service, when first
 *   asked for; a pick is O(1) (round robin, or least-request by two random choices). Memory is what the slices
 *   and Services hold (at most 1,000 endpoints and 100 ports per slice, as the API allows) plus one list per
 *   (Service, port) asked for; a Service's lists are dropped with its last slice and its Service object.
 * - **Bad input.** A malformed object never throws: what can be read is used, the rest is skipped, and each
 *   problem is returned and told to `onProblem` (what, where, and what to fix).
 */
import * as net from 'net';
import { EndpointChoice, EndpointLoad, EndpointRotation, KeyedEndpoint, keyed } from './choice';
import { ENDPOINT_POLICIES, EndpointPolicy } from '../engine/balancer';
import type { KubeObject } from '../kube/client';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Service annotation choosing the policy of its endpoints: `round-robin` or `least-request`. */
export const LOAD_BALANCING_ANNOTATION = 'cdk8s-gateway.dev/load-balancing';
/** What the API server allows in one EndpointSlice. */
export const MAX_SLICE_ENDPOINTS = 1000;
export const MAX_SLICE_PORTS = 100;

export type AppProtocol = 'http1' | 'h2c' | 'ws';

/** The ready endpoints of one (Service, port), picked from per request. */
export interface ResolvedEndpoints extends EndpointChoice {
  /** Ready endpoints now. */
  readonly size: number;
  /** From the slice port's (else the Service port's) appProtocol; undefined when neither names h2c or ws. */
  readonly protocol: AppProtocol | undefined;
}

/** What the proxy asks (the registry implements it). */
export interface EndpointResolver {
  /** The endpoints of Service `namespace/name` port `port`; undefined when the Service is unknown. */
  resolve(namespace: string, name: string, port: number): ResolvedEndpoints | undefined;
}

export interface EndpointRegistryOptions {
  /** Policy of Services without the annotation; default round-robin. */
  readonly policy?: EndpointPolicy;
  /** [0, 1) random source of the least-request policy (tests pass a seeded one); default Math.random. */
  readonly random?: () => number;
  /** Told each problem found in an object (it is also returned by the upsert). */
  readonly onProblem?: (problem: string) => void;
}

interface ServicePort {
  readonly port: number;
  readonly name: string;
  readonly appProtocol?: string;
}

interface ServiceState {
  readonly ports: readonly ServicePort[];
  readonly policy?: EndpointPolicy;
}

interface SlicePort {
  readonly name: string;
  readonly port: number;
  readonly appProtocol?: string;
}

interface SliceEndpoint {
  readonly address: string;
  readonly ready: boolean;
  /** The Pod's uid (or namespace/name) when the targetRef is a Pod. */
  readonly pod?: string;
}

type AddressType = 'IPv4' | 'IPv6' | 'FQDN';
const FAMILY_ORDER: Record<AddressType, number> = { IPv4: 0, IPv6: 1, FQDN: 2 };

interface SliceState {
  readonly name: string;
  /** `namespace/service` */
  readonly service: string;
  readonly addressType: AddressType;
  readonly ports: readonly SlicePort[];
  readonly endpoints: readonly SliceEndpoint[];
  /** `host:port` of its ready endpoints, each port (for drain detection). */
  readonly readyKeys: readonly string[];
}

/** One (Service, port)'s endpoints; rebuilt in place (the round-robin position carries over) when stale. */
class ServiceEndpoints implements ResolvedEndpoints {
  stale = false;
  protocol: AppProtocol | undefined;

  constructor(private readonly rotation: EndpointRotation, protocol: AppProtocol | undefined) {
    this.protocol = protocol;
  }

  get size(): number {
    return this.rotation.size;
  }

  /** The ready endpoints, in pick order (for tests and diagnostics). */
  get endpoints(): readonly KeyedEndpoint[] {
    return this.rotation.members;
  }

  update(endpoints: readonly KeyedEndpoint[], policy: EndpointPolicy, protocol: AppProtocol | undefined): void {
    this.rotation.update(endpoints, policy);
    this.protocol = protocol;
    this.stale = false;
  }

  next(tried: readonly string[], load: EndpointLoad): KeyedEndpoint | undefined {
    return this.rotation.next(tried, load);
  }
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export class EndpointRegistry implements EndpointResolver {
  private readonly services = new Map<string, ServiceState>();
  private readonly slices = new Map<string, SliceState>();
  private readonly slicesByService = new Map<string, Set<string>>();
  /** `namespace/service` -> port -> its endpoints. */
  private readonly groups = new Map<string, Map<number, ServiceEndpoints>>();
  /** `host:port` -> how many (slice, port, endpoint) list it ready. */
  private readonly ready = new Map<string, number>();
  private readonly drainListeners = new Set<(key: string) => void>();
  private readonly policy: EndpointPolicy;
  private readonly random: () => number;

  constructor(private readonly options: EndpointRegistryOptions = {}) {
    this.policy = options.policy ?? 'round-robin';
    this.random = options.random ?? Math.random;
  }

  /** Adds or replaces an EndpointSlice; returns the problems found in it (empty when none). */
  upsertSlice(slice: KubeObject): readonly string[] {
    const problems: string[] = [];
    const id = objectId(slice);
    if (!id) return this.report(problems, ['EndpointSlice without metadata.name: ignored (the informer handed over an object that is not an EndpointSlice)']);
    const where = `EndpointSlice ${id}`;
    const parsed = parseSlice(slice, where, problems);
    this.replaceSlice(id, parsed);
    return this.report(problems);
  }

  /** Forgets an EndpointSlice (its endpoints are drained unless another slice lists them). */
  deleteSlice(slice: KubeObject): void {
    const id = objectId(slice);
    if (id) this.replaceSlice(id, undefined);
  }

  /** Adds or replaces a Service (its port names and appProtocols, its policy annotation); returns the problems found. */
  upsertService(service: KubeObject): readonly string[] {
    const problems: string[] = [];
    const id = objectId(service);
    if (!id) return this.report(problems, ['Service without metadata.name: ignored (the informer handed over an object that is not a Service)']);
    this.services.set(id, parseService(service, `Service ${id}`, problems));
    this.invalidate(id);
    return this.report(problems);
  }

  deleteService(service: KubeObject): void {
    const id = objectId(service);
    if (!id || !this.services.delete(id)) return;
    this.invalidate(id);
    this.forgetIfUnknown(id);
  }

  resolve(namespace: string, name: string, port: number): ResolvedEndpoints | undefined {
    const service = `${namespace}/${name}`;
    const byPort = this.groups.get(service);
    const existing = byPort?.get(port);
    if (existing && !existing.stale) return existing;
    if (!this.services.has(service) && !this.slicesByService.has(service)) return undefined;
    const built = this.build(service, port);
    if (existing) {
      existing.update(built.endpoints, built.policy, built.protocol);
      return existing;
    }
    const group = new ServiceEndpoints(new EndpointRotation(built.endpoints, built.policy, this.random), built.protocol);
    let ports = byPort;
    if (!ports) {
      ports = new Map();
      this.groups.set(service, ports);
    }
    ports.set(port, group);
    return group;
  }

  /** `host:port` of every endpoint ready now (the proxy keeps their connection pools). */
  endpointKeys(): IterableIterator<string> {
    return this.ready.keys();
  }

  /** Whether the endpoint `host:port` is ready in some slice. */
  isReady(key: string): boolean {
    return this.ready.has(key);
  }

  /** Calls `listener` with the `host:port` of each endpoint that stops being ready anywhere; returns the unsubscribe. */
  onDrain(listener: (key: string) => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  private report(problems: string[], more: readonly string[] = []): readonly string[] {
    problems.push(...more);
    for (const p of problems) this.options.onProblem?.(p);
    return problems;
  }

  private replaceSlice(id: string, next: SliceState | undefined): void {
    const previous = this.slices.get(id);
    if (previous) {
      this.slicesByService.get(previous.service)?.delete(id);
      if (this.slicesByService.get(previous.service)?.size === 0) this.slicesByService.delete(previous.service);
      this.invalidate(previous.service);
    }
    if (next) {
      this.slices.set(id, next);
      let set = this.slicesByService.get(next.service);
      if (!set) {
        set = new Set();
        this.slicesByService.set(next.service, set);
      }
      set.add(id);
      this.invalidate(next.service);
      for (const key of next.readyKeys) this.ready.set(key, (this.ready.get(key) ?? 0) + 1);
    } else {
      this.slices.delete(id);
    }
    const drained: string[] = [];
    for (const key of previous?.readyKeys ?? []) {
      const n = (this.ready.get(key) ?? 0) - 1;
      if (n > 0) {
        this.ready.set(key, n);
      } else {
        this.ready.delete(key);
        drained.push(key);
      }
    }
    if (previous) this.forgetIfUnknown(previous.service);
    for (const key of drained) for (const l of this.drainListeners) l(key);
  }

  private invalidate(service: string): void {
    for (const g of this.groups.get(service)?.values() ?? []) g.stale = true;
  }

  /** Drops the lists of a Service that has neither a Service object nor a slice any more. */
  private forgetIfUnknown(service: string): void {
    if (!this.services.has(service) && !this.slicesByService.has(service)) {
      for (const g of this.groups.get(service)?.values() ?? []) g.update([], this.policy, undefined);
      this.groups.delete(service);
    }
  }

  private build(service: string, port: number): { endpoints: KeyedEndpoint[]; policy: EndpointPolicy; protocol: AppProtocol | undefined } {
    const svc = this.services.get(service);
    const policy = svc?.policy ?? this.policy;
    const svcPort = svc?.ports.find((p) => p.port === port);
    if (svc && !svcPort) return { endpoints: [], policy, protocol: undefined };
    const slices = [...this.slicesByService.get(service) ?? []].map((id) => this.slices.get(id)!)
      .sort((a, b) => FAMILY_ORDER[a.addressType] - FAMILY_ORDER[b.addressType] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const endpoints: KeyedEndpoint[] = [];
    const addresses = new Set<string>();
    const pods = new Set<string>();
    let appProtocol: string | undefined;
    for (const slice of slices) {
      const sp = svcPort ? slice.ports.find((p) => p.name === svcPort.name) : slice.ports.find((p) => p.port === port);
      if (!sp) continue;
      appProtocol ??= sp.appProtocol;
      for (const ep of slice.endpoints) {
        if (!ep.ready || (ep.pod !== undefined && pods.has(ep.pod))) continue;
        const k = keyed({ host: ep.address, port: sp.port });
        if (addresses.has(k.key)) continue;
        addresses.add(k.key);
        if (ep.pod !== undefined) pods.add(ep.pod);
        endpoints.push(k);
      }
    }
    return { endpoints, policy, protocol: protocolOf(appProtocol ?? svcPort?.appProtocol) };
  }
}

function protocolOf(appProtocol: string | undefined): AppProtocol | undefined {
  return appProtocol === 'kubernetes.io/h2c' ? 'h2c' : appProtocol === 'kubernetes.io/ws' ? 'ws' : undefined;
}

/** `namespace/name` of an object (namespace `default` when absent); undefined without a name. */
function objectId(o: KubeObject | undefined | null): string | undefined {
  const meta = o && typeof o === 'object' ? o.metadata : undefined;
  if (!meta || typeof meta !== 'object' || typeof meta.name !== 'string' || meta.name === '') return undefined;
  return `${typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default'}/${meta.name}`;
}

function isPort(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseSlice(slice: KubeObject, where: string, problems: string[]): SliceState | undefined {
  const namespace = slice.metadata.namespace || 'default';
  const serviceName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  if (typeof serviceName !== 'string' || serviceName === '') {
    problems.push(`${where} has no ${SERVICE_NAME_LABEL} label: not used (only the slices of a Service are; label the slice with its Service's name)`);
    return undefined;
  }
  const addressType = slice.addressType;
  if (addressType !== 'IPv4' && addressType !== 'IPv6' && addressType !== 'FQDN') {
    problems.push(`${where}: addressType ${JSON.stringify(addressType)} is not IPv4, IPv6 or FQDN: the slice is not used (fix its addressType)`);
    return undefined;
  }
  const ports: SlicePort[] = [];
  const rawPorts: unknown = slice.ports ?? [];
  if (!Array.isArray(rawPorts)) {
    problems.push(`${where}: ports is not a list: the slice has no usable port (fix its ports)`);
  } else {
    if (rawPorts.length > MAX_SLICE_PORTS) problems.push(`${where}: ${rawPorts.length} ports, more than the ${MAX_SLICE_PORTS} allowed: the first ${MAX_SLICE_PORTS} are used`);
    rawPorts.slice(0, MAX_SLICE_PORTS).forEach((p: any, i: number) => {
      if (!p || typeof p !== 'object' || !isPort(p.port)) {
        problems.push(`${where}: ports[${i}].port ${JSON.stringify(p?.port)} is not a port number (1-65535): that port is skipped (fix the slice's port)`);
        return;
      }
      const appProtocol = optionalString(p.appProtocol);
      ports.push({ name: typeof p.name === 'string' ? p.name : '', port: p.port, ...(appProtocol ? { appProtocol } : {}) });
    });
  }
  const endpoints: SliceEndpoint[] = [];
  const rawEndpoints: unknown = slice.endpoints ?? [];
  if (!Array.isArray(rawEndpoints)) {
    problems.push(`${where}: endpoints is not a list: the slice has no usable endpoint (fix its endpoints)`);
  } else {
    if (rawEndpoints.length > MAX_SLICE_ENDPOINTS) {
      problems.push(`${where}: ${rawEndpoints.length} endpoints, more than the ${MAX_SLICE_ENDPOINTS} allowed: the first ${MAX_SLICE_ENDPOINTS} are used`);
    }
    rawEndpoints.slice(0, MAX_SLICE_ENDPOINTS).forEach((e: any, i: number) => {
      const address = Array.isArray(e?.addresses) ? e.addresses[0] : undefined;
      if (!validAddress(address, addressType)) {
        problems.push(`${where}: endpoints[${i}].addresses[0] ${JSON.stringify(address)} is not an ${addressType === 'FQDN' ? 'FQDN' : `${addressType} address`}: that endpoint is skipped (fix the slice's addresses)`);
        return;
      }
      const conditions = e.conditions && typeof e.conditions === 'object' ? e.conditions : {};
      const ready = conditions.ready !== false && conditions.terminating !== true;
      const ref = e.targetRef;
      const pod = ref && typeof ref === 'object' && ref.kind === 'Pod'
        ? optionalString(ref.uid) ?? (optionalString(ref.name) ? `${optionalString(ref.namespace) ?? namespace}/${ref.name}` : undefined)
        : undefined;
      endpoints.push({ address: addressType === 'FQDN' ? address.toLowerCase() : address, ready, ...(pod ? { pod } : {}) });
    });
  }
  const readyKeys = new Set<string>();
  for (const p of ports) for (const e of endpoints) if (e.ready) readyKeys.add(keyed({ host: e.address, port: p.port }).key);
  return { name: slice.metadata.name, service: `${namespace}/${serviceName}`, addressType, ports, endpoints, readyKeys: [...readyKeys] };
}

function validAddress(address: unknown, type: AddressType): address is string {
  if (typeof address !== 'string') return false;
  if (type === 'IPv4') return net.isIPv4(address);
  if (type === 'IPv6') return net.isIPv6(address);
  return DNS_NAME.test(address.toLowerCase());
}

function parseService(service: KubeObject, where: string, problems: string[]): ServiceState {
  const ports: ServicePort[] = [];
  const raw: unknown = service.spec?.ports ?? [];
  if (!Array.isArray(raw)) {
    problems.push(`${where}: spec.ports is not a list: no port of it resolves (fix its spec.ports)`);
  } else {
    raw.forEach((p: any, i: number) => {
      if (!p || typeof p !== 'object' || !isPort(p.port)) {
        problems.push(`${where}: spec.ports[${i}].port ${JSON.stringify(p?.port)} is not a port number (1-65535): that port is skipped`);
        return;
      }
      const appProtocol = optionalString(p.appProtocol);
      ports.push({ port: p.port, name: typeof p.name === 'string' ? p.name : '', ...(appProtocol ? { appProtocol } : {}) });
    });
  }
  const annotation = service.metadata.annotations?.[LOAD_BALANCING_ANNOTATION];
  let policy: EndpointPolicy | undefined;
  if (annotation !== undefined) {
    if ((ENDPOINT_POLICIES as readonly unknown[]).includes(annotation)) {
      policy = annotation as EndpointPolicy;
    } else {
      problems.push(`${where}: annotation ${LOAD_BALANCING_ANNOTATION}: ${JSON.stringify(annotation)} is not one of ${ENDPOINT_POLICIES.join(', ')}: the default policy is used`);
    }
  }
  return { ports, ...(policy ? { policy } : {}) };
}
