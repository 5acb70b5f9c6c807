/**
 * The controller: informers for every kind the gateway reads, a short debounced rebuild that compiles the route
 * table with the same engine as file mode and pushes it to the data plane, and (on the elected replica only) the
 * status writes that follow from the same compile.
 *
 * - GatewayClasses with our `controllerName` select the Gateways served (all of them, or those named by
 *   `gateways`); ListenerSets (those naming a served Gateway add their listeners to it), routes (HTTPRoute, GRPCRoute,
 *   TLSRoute), ReferenceGrants, Namespaces, Services, TLS Secrets, BackendTLSPolicies and the `ca.crt` of ConfigMaps
 *   are the rest of the compile's input.
 * - An object the compile cannot read (a regular expression RE2 refuses, ...) is left out of the table and its
 *   status says why; the rest is served.
 * - A change that touches only an object's status (its `metadata.generation` unchanged) does not recompile: it only
 *   lets the status pass check that what is written is still what this controller wants.
 * - EndpointSlice (and Service) events go to `endpoints` when given, for the data plane's endpoint balancing.
 */
import { apiVersionOf, GATEWAY_CONTROLLER_NAME, RESOURCES, WatchedKind } from './constants';
import { LeaderElector } from './leader';
import { computeStatusInSteps, desiredStatus, GatewayAddress, objectKey, StatusInput, StatusKind } from './status';
import { StatusWriter } from './writer';
import { ConfigError, SourceDocument } from '../config/load';
import { timeSlices } from '../config/reader';
import { compileInSteps, RouteCache } from '../engine/compile';
import type { CompiledTable } from '../engine/model';
import { KubeApiError, KubeClient, KubeObject } from '../kube/client';
import { Informer, InformerOptions } from '../kube/informer';
import { wakeablePause } from '../kube/pause';
import type { Logger } from '../proxy/log';

/** Where EndpointSlice and Service events go (the data plane's endpoint registry). */
export interface EndpointSink {
  upsertSlice(slice: KubeObject): void;
  deleteSlice(slice: KubeObject): void;
  upsertService?(service: KubeObject): void;
  deleteService?(service: KubeObject): void;
}

export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

export interface LeaderElectionConfig {
  readonly lease: NamespacedName;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

export interface ControllerOptions {
  readonly client: KubeClient;
  /** Default `GATEWAY_CONTROLLER_NAME`. */
  readonly controllerName?: string;
  /** `namespace/name` of the Gateways to serve and report; default every Gateway of our GatewayClasses. */
  readonly gateways?: readonly string[];
  /** The gateway's own Service: Gateway `status.addresses` come from it. */
  readonly service?: NamespacedName;
  /** Leader election for the status writer; `false` = this replica always writes (tests, a single replica). */
  readonly leaderElection: LeaderElectionConfig | false;
  /** Called with each new table (the first one is returned by `start`); the next waits for it. */
  readonly onTable?: (table: CompiledTable) => Promise<void> | void;
  readonly endpoints?: EndpointSink;
  /** Time from the first change of a burst to the rebuild that takes it in; default 1 ms. */
  readonly debounceMs?: number;
  /**
   * A status pass waits until no table was compiled for this long (default 100 ms), or for `statusMaxDelayMs` at most
   * (default 1 s): status writes, and the API server's work for them, do not compete with serving a change.
   */
  readonly statusQuietMs?: number;
  readonly statusMaxDelayMs?: number;
  /** Bound on `start` (every collection listed once); default 30 s. */
  readonly startTimeoutMs?: number;
  /** Passed to every informer (watch timeouts, backoff, seeded random in tests). */
  readonly informer?: Omit<InformerOptions, 'onError' | 'labelSelector' | 'fieldSelector'>;
  readonly log?: Logger;
  /** Milliseconds clock for condition times; default Date.now. */
  readonly clock?: () => number;
}

export interface ControllerStats {
  /** Tables compiled. */
  rebuilds: number;
  /** Status passes run (as leader). */
  statusPasses: number;
  /** Objects whose status the passes checked (every object, or those a change may have touched). */
  statusChecked: number;
}

const COMPILED_KINDS: readonly WatchedKind[] = [
  'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'Namespace', 'Service', 'Secret', 'TLSRoute', 'ListenerSet', 'BackendTLSPolicy', 'ConfigMap',
  'TCPRoute', 'UDPRoute',
];

/**
 * The compile gives the event loop back after this long: requests wait at most that much, and a compile of a
 * thousand routes (a few ms) is not stretched by turns of a busy loop.
 */
const COMPILE_SLICE_MS = 10;

/**
 * Compiles run at start after the first one, on the same objects, the table thrown away: the compile's code is then
 * optimized by the time the first change comes (the first changes after a start took 2-5 times longer to compile).
 */
const WARM_UP_COMPILES = 5;

/**
 * A TLS Secret only: the listeners' certificates, the Gateways' backend client certificates and CA certificates in
 * Secrets (`ca.crt`, as cert-manager writes it); other Secrets are never read.
 */
const TLS_SECRETS = 'type=kubernetes.io/tls';

/** The key of a CA certificate in a ConfigMap or Secret (BackendTLSPolicy, Gateway frontend validation). */
const CA_KEY = 'ca.crt';

/**
 * What is kept of a ConfigMap: its name and `ca.crt`, nothing else (no other data, labels or annotations, whose
 * `last-applied-configuration` would copy the data again). ConfigMaps are many and some are large; only the CA
 * certificates that BackendTLSPolicies and frontend validation name are read, and which those are can change at any
 * time, so every ConfigMap's `ca.crt` is kept (most have none).
 */
export function caOnly(configMap: KubeObject): KubeObject {
  const m = configMap.metadata;
  const ca = configMap.data?.[CA_KEY];
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      resourceVersion: m.resourceVersion,
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    ...(typeof ca === 'string' ? { data: { [CA_KEY]: ca } } : {}),
  };
}

const caOf = (o: KubeObject | undefined): string | undefined => o?.data?.[CA_KEY];

/**
 * ConfigMaps per list page: a page is held whole before `caOnly` trims it, and a ConfigMap may hold up to 1 MiB, so
 * pages are small (at most 25 MiB in flight where other collections list 500 objects a page).
 */
const CONFIG_MAP_PAGE = 25;

export class Controller {
  public readonly stats: ControllerStats = { rebuilds: 0, statusPasses: 0, statusChecked: 0 };
  public readonly writer: StatusWriter;
  public readonly controllerName: string;
  private readonly informers = new Map<WatchedKind, Informer>();
  private readonly elector?: LeaderElector;
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private compileNeeded = true;
  /** Every object's status is to be checked (after a compile, on taking the lead, after a failed write). */
  private statusAll = true;
  /** Objects whose status alone changed since the last pass (`Kind namespace/name`): only they are checked again. */
  private readonly statusDirty = new Set<string>();
  /** The watch events of this replica's own status writes are not checked again (on a first start, a pass over every route). */
  private readonly ownWrites = new OwnWrites();
  /** Routes changed (not only their status) since the last compile, by `Kind namespace/name`. */
  private readonly routesChanged = new Set<string>();
  /** An object other than a route changed since the last compile: the status of every object is checked after it. */
  private othersChanged = false;
  /** The facts of the last compile (routes, ListenerSets, BackendTLSPolicies) by `Kind namespace/name`. */
  private lastFacts = new Map<string, unknown>();
  /** Pause before the next pass after failed status writes (0: the last pass wrote all). */
  private retryMs = 0;
  private running: Promise<void> = Promise.resolve();
  /** Status passes, one after another, apart from the compiles (a table is never held back by status writes). */
  private statusRunning: Promise<void> = Promise.resolve();
  private statusQueued = false;
  /** When the last table was pushed (performance.now), and the wake-up of a status pass waiting for quiet. */
  private lastCompileAt = 0;
  private wakeStatus?: () => void;
  /** A rebuild is running. */
  private rebuilding = false;
  /** Status steps waiting for the compiles ahead of them. */
  private readonly statusWaiters: Array<() => void> = [];
  private pending = false;
  private stopped = false;
  private synced = false;
  private table?: CompiledTable;
  private generation = 0;
  private rejected = new Map<string, string>();
  private lastError?: Error;
  /** Objects of the last compile: the Gateways served. */
  private served: KubeObject[] = [];
  /** Routes read by earlier compiles, reused while unchanged. */
  private readonly routeCache = new RouteCache();
  /** The compile's document of each informer object. */
  private readonly documents = new WeakMap<KubeObject, SourceDocument>();

  constructor(private readonly options: ControllerOptions) {
    this.controllerName = options.controllerName ?? GATEWAY_CONTROLLER_NAME;
    this.log = options.log ?? (() => undefined);
    this.writer = new StatusWriter(options.client);
    if (options.leaderElection) {
      const le = options.leaderElection;
      this.elector = new LeaderElector({
        client: options.client,
        namespace: le.lease.namespace,
        name: le.lease.name,
        identity: le.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        onStartedLeading: () => {
          this.log('info', 'leading: this replica writes status', { lease: `${le.lease.namespace}/${le.lease.name}`, identity: le.identity });
          this.statusAll = true;
          this.schedule();
        },
        onStoppedLeading: () => this.log('warn', 'no longer leading: status is written by another replica', { identity: le.identity }),
        onError: (e) => this.log('warn', 'leader election', { error: e.message }),
      });
    }
    const onError = (e: Error): void => {
      this.lastError = e;
      this.log('warn', 'kubernetes watch', { error: e.message });
    };
    for (const kind of Object.keys(RESOURCES) as WatchedKind[]) {
      if (kind === 'Lease') continue;
      const spec = kind === 'Secret' ? { fieldSelector: TLS_SECRETS } : kind === 'ConfigMap' ? { transform: caOnly, pageSize: CONFIG_MAP_PAGE } : {};
      this.informers.set(kind, new Informer(options.client, RESOURCES[kind], this.handler(kind), { ...options.informer, ...spec, onError }));
    }
  }

  /** Whether this replica writes status (always true without leader election). */
  public get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : true;
  }

  /** The informer of a kind (tests read its stats). */
  public informer(kind: WatchedKind): Informer {
    return this.informers.get(kind)!;
  }

  /**
   * Checks that every collection can be read (a clear error when the API server is unreachable, a kind is not
   * served or RBAC forbids it), lists them all, compiles the first table and starts the leader election; the first
   * status pass follows. Resolves with the first table; rejects after `startTimeoutMs` at the latest.
   */
  public async start(): Promise<CompiledTable> {
    const timeoutMs = this.options.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `kubernetes: not every collection could be listed within ${timeoutMs} ms from ${this.options.client.connection.server}`
        + `${this.lastError ? ` (last error: ${this.lastError.message})` : ''}`)), timeoutMs);
    });
    try {
      await Promise.race([this.preflight(timeoutMs), deadline]);
      await Promise.race([Promise.all([...this.informers.values()].map((i) => i.start())), deadline]);
    } catch (e) {
      clearTimeout(timer);
      await this.stop();
      throw e;
    }
    clearTimeout(timer);
    this.synced = true;
    // the first table at once; the first status pass (thousands of writes on a first start) follows, not waited for
    this.compileNeeded = false;
    await this.compile();
    this.statusAll = true;
    this.running = this.running.then(() => this.warmUp());
    this.schedule();
    this.elector?.start();
    return this.table!;
  }

  /** Stops watching and electing; the Lease is released unless `releaseLease` is false (as when a replica dies). */
  public async stop(releaseLease = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wakeStatus?.();
    this.releaseStatus();
    await this.elector?.stop(releaseLease);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await this.running.catch(() => undefined);
    await this.statusRunning;
  }

  /** Resolves once every change seen so far has been compiled and (as leader) written. */
  public async settled(): Promise<void> {
    while (this.pending || this.timer || this.statusQueued) {
      await this.running;
      await this.statusRunning;
      await new Promise((r) => setTimeout(r, 1));
    }
    await this.running;
    await this.statusRunning;
  }

  private async preflight(timeoutMs: number): Promise<void> {
    const client = this.options.client;
    for (const kind of this.informers.keys()) {
      const r = RESOURCES[kind];
      try {
        await client.request('GET', `${r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`}/${r.plural}`, { query: { limit: 1 }, timeoutMs });
      } catch (e) {
        const what = `${r.plural}${r.group ? `.${r.group}` : ''}`;
        if (e instanceof KubeApiError && e.code === 404) {
          throw new Error(`kubernetes: the API server ${client.connection.server} does not serve ${what} ${r.version}: install the Gateway API CRDs (standard channel) of v1.6.1 or later`);
        }
        if (e instanceof KubeApiError && (e.code === 401 || e.code === 403)) {
          throw new Error(`kubernetes: ${e.code === 401 ? 'not authenticated' : 'forbidden'} to list ${what} (${e.status.message ?? e.reason}); grant get, list and watch on it to the gateway's service account`);
        }
        throw new Error(`kubernetes: cannot list ${what} from ${client.connection.server} (${client.connection.source}): ${(e as Error).message}`);
      }
    }
  }

  private handler(kind: WatchedKind): { onAdd(o: KubeObject): void; onUpdate(o: KubeObject, prev: KubeObject): void; onDelete(o: KubeObject): void } {
    const sink = this.options.endpoints;
    const changed = (o: KubeObject, prev?: KubeObject): void => {
      if (kind === 'EndpointSlice') return;
      // a ConfigMap matters only through its ca.crt
      if (kind === 'ConfigMap' && caOf(o) === caOf(prev)) return;
      // Status-only changes of Gateway API objects (generation unchanged) need no compile, only a status check.
      const statusOnly = prev !== undefined && o.metadata.generation !== undefined && o.metadata.generation === prev.metadata.generation
        && JSON.stringify(o.metadata.labels ?? {}) === JSON.stringify(prev.metadata.labels ?? {})
        && (kind !== 'GatewayClass' || o.spec?.controllerName === prev.spec?.controllerName);
      const key = objectKey(kind, o);
      if (statusOnly) {
        // the compile reads no status: the new copy keeps the document of the old one (and the route cache's entry)
        const doc = this.documents.get(prev!);
        if (doc) this.documents.set(o, doc);
        if (this.ownWrites.isEcho(key, o.metadata.resourceVersion)) return;
        this.statusDirty.add(key);
      } else {
        this.ownWrites.forget(key);
        this.compileNeeded = true;
        if (kind === 'HTTPRoute' || kind === 'GRPCRoute') this.routesChanged.add(key);
        else this.othersChanged = true;
      }
      this.schedule();
    };
    return {
      onAdd: (o) => {
        if (kind === 'EndpointSlice') sink?.upsertSlice(o);
        if (kind === 'Service') sink?.upsertService?.(o);
        changed(o);
      },
      onUpdate: (o, prev) => {
        if (kind === 'EndpointSlice') sink?.upsertSlice(o);
        if (kind === 'Service') sink?.upsertService?.(o);
        changed(o, prev);
      },
      onDelete: (o) => {
        if (kind === 'EndpointSlice') sink?.deleteSlice(o);
        if (kind === 'Service') sink?.deleteService?.(o);
        changed(o);
      },
    };
  }

  /**
   * A rebuild `debounceMs` after the first change of a burst (later changes of the burst join it; the timer is not
   * pushed back, so a steady stream of changes cannot hold rebuilds off).
   */
  private schedule(): void {
    if (!this.synced || this.stopped) return;
    this.pending = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.rebuild()).catch((e) => this.log('error', 'rebuild failed', { error: (e as Error).message }));
    }, this.options.debounceMs ?? 1);
  }

  private list(kind: WatchedKind): KubeObject[] {
    return this.informers.get(kind)!.list();
  }

  /** GatewayClasses of this controller, and the Gateways served. */
  private selectGateways(): KubeObject[] {
    const classes = new Set(this.list('GatewayClass').filter((c) => c.spec?.controllerName === this.controllerName).map((c) => c.metadata.name));
    const wanted = this.options.gateways;
    return this.list('Gateway')
      .filter((g) => classes.has(g.spec?.gatewayClassName))
      .filter((g) => !wanted || wanted.length === 0 || wanted.includes(`${g.metadata.namespace}/${g.metadata.name}`));
  }

  private async rebuild(): Promise<void> {
    this.pending = false;
    this.rebuilding = true;
    try {
      if (this.stopped) return;
      if (this.compileNeeded || !this.table) {
        this.compileNeeded = false;
        await this.compile();
      }
      this.scheduleStatus();
    } finally {
      this.rebuilding = false;
      this.releaseStatus();
    }
  }

  /** Whether a change waits to be compiled or is being compiled (status passes wait for it). */
  private get compileAhead(): boolean {
    return !this.stopped && (this.timer !== undefined || this.pending || this.rebuilding);
  }

  /** Resolves when no compile is ahead any more. */
  private afterCompiles(): Promise<void> {
    if (!this.compileAhead) return Promise.resolve();
    return new Promise<void>((resolve) => this.statusWaiters.push(resolve)).then(() => this.afterCompiles());
  }

  private releaseStatus(): void {
    const waiters = this.statusWaiters.splice(0);
    for (const w of waiters) w();
  }

  private statusWanted(): boolean {
    return (this.statusAll || this.statusDirty.size > 0) && this.isLeader && !this.stopped;
  }

  /**
   * A status pass after the one running, if any. Passes run apart from the compiles: a route change is served as soon
   * as its table is compiled, not after the writes of the pass before it (on a first start, thousands of them); a pass
   * over a table that a newer one replaced stops early, and the newer table's pass follows.
   */
  private scheduleStatus(): void {
    if (this.statusQueued || !this.statusWanted()) return;
    this.statusQueued = true;
    this.statusRunning = this.statusRunning.then(async () => {
      await this.quietAfterCompiles();
      this.statusQueued = false;
      if (!this.statusWanted()) return;
      const only = this.statusAll ? undefined : new Set(this.statusDirty);
      this.statusAll = false;
      this.statusDirty.clear();
      // requests waiting for the new table go first: the status pass reads every route
      await new Promise((resolve) => setImmediate(resolve));
      await this.writeStatus(only);
    }).catch((e) => this.log('error', 'status pass failed', { error: (e as Error).message }));
  }

  /** Waits until no table was compiled for `statusQuietMs`, or `statusMaxDelayMs` after it began waiting. */
  private async quietAfterCompiles(): Promise<void> {
    const quietMs = this.options.statusQuietMs ?? 100;
    const until = performance.now() + (this.options.statusMaxDelayMs ?? 1000);
    for (;;) {
      const waitMs = Math.min(this.lastCompileAt + quietMs, until) - performance.now();
      if (waitMs <= 0 || this.stopped) return;
      await wakeablePause(waitMs, (wake) => (this.wakeStatus = wake));
      this.wakeStatus = undefined;
    }
  }

  /**
   * Compiles the objects as read now and pushes the table. The status pass that follows checks every object, or,
   * when only routes changed since the last compile, the routes that changed, those whose facts changed (a change of
   * one route can change another's), those left out or taken back, and the Gateways and GatewayClasses.
   */
  private async compile(): Promise<void> {
    const began = performance.now();
    const changed = this.othersChanged ? undefined : new Set(this.routesChanged);
    this.routesChanged.clear();
    this.othersChanged = false;
    let docs: SourceDocument[];
    try {
      docs = this.inputDocuments();
      const { table, rejected } = await this.compileDocuments(docs, ++this.generation);
      this.table = table;
      this.checkStatusAfter(changed, rejected);
      this.rejected = rejected;
    } catch (e) {
      // what this compile was to take in is taken in by the next one, whose status pass then checks everything
      this.othersChanged = true;
      throw e;
    }
    this.stats.rebuilds++;
    const compiled = performance.now();
    await this.options.onTable?.(this.table);
    this.lastCompileAt = performance.now();
    this.log('info', 'compiled', {
      generation: this.table.generation,
      objects: docs.length,
      compileMs: Math.round(compiled - began),
      swapMs: Math.round(performance.now() - compiled),
    });
  }

  /** The compile's input: the Gateways served and every object of the other compiled kinds. */
  private inputDocuments(): SourceDocument[] {
    this.served = this.selectGateways();
    const docs: SourceDocument[] = [];
    const add = (kind: WatchedKind, o: KubeObject): void => {
      // one document per informer object, the same while the object is: the route cache compares them by identity
      let doc = this.documents.get(o);
      if (!doc) {
        doc = {
          file: objectKey(kind, o),
          document: undefined as unknown as number,
          object: o.kind ? o : { ...o, apiVersion: apiVersionOf(kind), kind },
          lineOf: () => undefined,
        };
        this.documents.set(o, doc);
      }
      docs.push(doc);
    };
    for (const g of this.served) add('Gateway', g);
    for (const kind of COMPILED_KINDS) {
      if (kind === 'Gateway') continue;
      for (const o of this.list(kind)) if (kind !== 'ConfigMap' || caOf(o) !== undefined) add(kind, o);
    }
    return docs;
  }

  /** The table of `docs` (an object the compile cannot read is left out: `rejected` says why). */
  private async compileDocuments(
    input: readonly SourceDocument[], generation: number, quiet = false,
  ): Promise<{ table: CompiledTable; rejected: Map<string, string> }> {
    const docs = [...input];
    const rejected = new Map<string, string>();
    const pause = timeSlices(COMPILE_SLICE_MS);
    for (;;) {
      try {
        return { table: await compileInSteps(docs, { generation, servicesComplete: true, routeCache: this.routeCache }, pause), rejected };
      } catch (e) {
        const at = e instanceof ConfigError ? docs.findIndex((d) => d.file === e.file) : -1;
        if (at < 0) throw e;
        rejected.set(docs[at].file, (e as Error).message);
        if (!quiet) this.log('error', 'object left out of the configuration', { object: docs[at].file, error: (e as Error).message });
        docs.splice(at, 1);
      }
    }
  }

  /**
   * Runs `WARM_UP_COMPILES` compiles of the objects as read now, their tables thrown away (the route cache makes them
   * the compile of a change of one route); it stops as soon as a change is waiting.
   */
  private async warmUp(): Promise<void> {
    for (let i = 0; i < WARM_UP_COMPILES && !this.stopped && !this.compileNeeded; i++) {
      await this.compileDocuments(this.inputDocuments(), this.generation, true).catch(() => undefined);
    }
  }

  /**
   * The scope of the status pass after a compile (see `compile`): `changed` is the routes changed since the last
   * compile, undefined when other objects changed too; `rejected` the objects this compile left out.
   */
  private checkStatusAfter(changed: ReadonlySet<string> | undefined, rejected: ReadonlyMap<string, string>): void {
    // (route, ListenerSet and BackendTLSPolicy facts alike: a route attaching to a ListenerSet changes its listeners'
    // attachedRoutes, a route to a Service a policy targets changes the policy's ancestors)
    const all = this.table?.facts;
    const facts = new Map<string, unknown>([
      ...(all?.routes ?? []).map((r): [string, unknown] => [`${r.kind} ${r.namespace}/${r.name}`, r]),
      ...(all?.listenerSets ?? []).map((l): [string, unknown] => [`ListenerSet ${l.namespace}/${l.name}`, l]),
      ...(all?.backendTlsPolicies ?? []).map((p): [string, unknown] => [`BackendTLSPolicy ${p.namespace}/${p.name}`, p]),
    ]);
    const before = this.lastFacts;
    this.lastFacts = facts;
    if (!changed || !this.table?.facts) {
      this.statusAll = true;
      return;
    }
    const dirty = this.statusDirty;
    for (const key of changed) dirty.add(key);
    for (const [key, f] of facts) if (!sameValue(before.get(key), f)) dirty.add(key);
    for (const key of before.keys()) if (!facts.has(key)) dirty.add(key);
    for (const [key, why] of rejected) if (this.rejected.get(key) !== why) dirty.add(key);
    for (const key of this.rejected.keys()) if (!rejected.has(key)) dirty.add(key);
    for (const g of this.served) dirty.add(objectKey('Gateway', g));
    for (const c of this.list('GatewayClass')) dirty.add(objectKey('GatewayClass', c));
  }

  /** The Gateways' addresses from `--service`: load balancer ingress, else cluster IPs. */
  private addresses(): GatewayAddress[] | undefined {
    const ref = this.options.service;
    if (!ref) return undefined;
    const svc = this.informers.get('Service')!.get(ref.namespace, ref.name);
    if (!svc) return [];
    const ingress: any[] = svc.status?.loadBalancer?.ingress ?? [];
    const fromLb = ingress.flatMap((i): GatewayAddress[] => (i?.ip ? [{ type: 'IPAddress', value: i.ip }] : i?.hostname ? [{ type: 'Hostname', value: i.hostname }] : []));
    if (fromLb.length > 0) return fromLb;
    const ips: string[] = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
    return ips.filter((ip) => ip && ip !== 'None').map((value) => ({ type: 'IPAddress', value }));
  }

  /**
   * The pause between steps of a status pass: a turn of the event loop every few ms, and, when a change is waiting to
   * be compiled, until that compile is done (compiles go first: they decide what requests get).
   */
  private statusPause(): () => Promise<void> | undefined {
    const slices = timeSlices();
    return () => (this.compileAhead ? this.afterCompiles() : slices());
  }

  /** One status pass over every object, or over `only` (objects whose status alone changed). */
  private async writeStatus(only?: ReadonlySet<string>): Promise<void> {
    const table = this.table;
    if (!table?.facts) return;
    this.stats.statusPasses++;
    const served = new Set(this.served.map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
    const input: StatusInput = {
      controllerName: this.controllerName,
      gatewayClasses: this.list('GatewayClass'),
      // the copies as read now (a status-only change since the compile carries a newer resourceVersion)
      gateways: this.list('Gateway').filter((g) => served.has(`${g.metadata.namespace}/${g.metadata.name}`)),
      routes: [
        ...this.list('HTTPRoute').map((r) => (r.kind ? r : { ...r, kind: 'HTTPRoute' })),
        ...this.list('GRPCRoute').map((r) => (r.kind ? r : { ...r, kind: 'GRPCRoute' })),
        ...this.list('TLSRoute').map((r) => (r.kind ? r : { ...r, kind: 'TLSRoute' })),
        ...this.list('TCPRoute').map((r) => (r.kind ? r : { ...r, kind: 'TCPRoute' })),
        ...this.list('UDPRoute').map((r) => (r.kind ? r : { ...r, kind: 'UDPRoute' })),
      ],
      listenerSets: this.list('ListenerSet'),
      backendTlsPolicies: this.list('BackendTLSPolicy').map((p) => (p.kind ? p : { ...p, kind: 'BackendTLSPolicy' })),
      facts: table.facts,
      addresses: this.addresses(),
      rejected: this.rejected,
      ...(this.options.gateways && this.options.gateways.length > 0 ? { gatewayFilter: this.options.gateways } : {}),
      now: new Date((this.options.clock ?? Date.now)()).toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(only ? { only } : {}),
    };
    this.stats.statusChecked += only?.size ?? input.gatewayClasses.length + input.gateways.length + input.routes.length;
    const updates = await computeStatusInSteps(input, this.statusPause());
    const queue = [...updates];
    const failed: Array<{ object: string; error: string }> = [];
    const worker = async (): Promise<void> => {
      // (a newer table's pass follows this one: what is left of this one is checked again by it)
      while (this.isLeader && !this.stopped && this.table === table && queue.length > 0) {
        // a change waiting to be compiled goes first
        if (this.compileAhead) await this.afterCompiles();
        if (this.table !== table) break;
        const update = queue.shift();
        if (!update) break;
        const key = objectKey(update.kind, update.object);
        let left: string | undefined;
        this.ownWrites.begin(key);
        try {
          await this.writer.write(update, (fresh) => desiredStatus(update.kind as StatusKind, fresh, input), (written) => {
            left = written.metadata?.resourceVersion;
          });
        } catch (e) {
          failed.push({ object: key, error: (e as Error).message });
        } finally {
          if (this.ownWrites.end(key, left)) {
            this.statusDirty.add(key);
            this.schedule();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
    // what a pass over a replaced table did not write is checked again by the next pass (which may check less)
    if (this.table !== table) for (const u of queue) this.statusDirty.add(objectKey(u.kind, u.object));
    if (failed.length === 0) {
      this.retryMs = 0;
      return;
    }
    // one line per pass, and a pass again after a pause that doubles while writes keep failing (changes or not)
    this.retryMs = Math.min(this.retryMs === 0 ? 1000 : this.retryMs * 2, 30_000);
    this.log('error', 'status writes failed', { failed: failed.length, of: updates.length, first: failed[0], retryInMs: this.retryMs });
    this.statusAll = true;
    if (!this.stopped) setTimeout(() => this.schedule(), this.retryMs).unref();
  }
}

/**
 * Tells the watch events of this replica's own status writes from other changes: a status-only event that carries the
 * resourceVersion a write of ours left is its echo. Events during a write are decided when it ends.
 */
export class OwnWrites {
  private readonly writing = new Set<string>();
  /** The resourceVersion each finished write left, its event not seen yet. */
  private readonly left = new Map<string, string>();
  /** The last status-only event of an object seen while a write of it was under way. */
  private readonly seen = new Map<string, string | undefined>();

  public begin(key: string): void {
    this.writing.add(key);
  }

  /** A write ended, having left `resourceVersion` (undefined: nothing written); true: an event seen meanwhile needs a check. */
  public end(key: string, resourceVersion: string | undefined): boolean {
    this.writing.delete(key);
    const during = this.seen.has(key);
    const seen = this.seen.get(key);
    this.seen.delete(key);
    if (!during) {
      if (resourceVersion !== undefined) this.left.set(key, resourceVersion);
      return false;
    }
    return seen === undefined || seen !== resourceVersion;
  }

  /** Whether a status-only event is the echo of a write of ours (or waits for the write under way to tell). */
  public isEcho(key: string, resourceVersion: string | undefined): boolean {
    if (this.writing.has(key)) {
      this.seen.set(key, resourceVersion);
      return true;
    }
    const left = this.left.get(key);
    this.left.delete(key);
    return left !== undefined && left === resourceVersion;
  }

  /** The object changed otherwise (or went away): no echo is expected any more. */
  public forget(key: string): void {
    this.left.delete(key);
  }
}

/** Deep equality of plain data (facts: objects, arrays, strings, numbers, booleans). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
