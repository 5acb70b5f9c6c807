/**
 * `cdk8s-gateway serve`: the composition root. Parses the command line, compiles the input with the
 * engine, and wires listeners, the proxy pipeline, upstream pools, admin, metrics, access log and the
 * reload watcher together. Nothing listens at import time.
 */
import cluster from 'cluster';
import * as path from 'path';
import { ConfigError } from './config/load';
import { BUSY_WINDOW_MS, InputReader, InputRequest, InputSnapshot, RELOAD_REST_MS, RELOAD_SLICE_MS, readInput, timeSlices, toSourceDocuments } from './config/reader';
import { GATEWAY_CONTROLLER_NAME } from './controller/constants';
import { Controller, EndpointSink, NamespacedName } from './controller/controller';
import { defaultIdentity, defaultLease, parseNamespacedName, resolveConnection } from './controller/settings';
import { EndpointRegistry } from './endpoints/registry';
import { pickBackend } from './engine/balancer';
import { compileInSteps } from './engine/compile';
import type { CompiledBackend, CompiledTable, SocketSpec } from './engine/model';
import { TABLE_ARGS_USAGE, emptyTableArgs, parseTableArg } from './engine/options';
import { route } from './engine/router';
import { setRegexGuard } from './engine/util';
import { KubeClient } from './kube/client';
import { AccessLog, AccessLogRecord, jsonAccessLog, noAccessLog } from './proxy/access-log';
import { AdminServer, startAdmin } from './proxy/admin';
import type { CertificateProblem } from './proxy/certificates';
import { ConfigDump } from './proxy/config-dump';
import { ProxyHandler, RoutingEngine } from './proxy/handler';
import { ConnectionLimiter, ConnectionLimits, DEFAULT_LIMITS, LIMITS_USAGE, RegexBudget, parseLimitFlag } from './proxy/limits';
import { BoundListener, listen } from './proxy/listeners';
import { Logger, jsonLogger } from './proxy/log';
import { GatewayMetrics } from './proxy/metrics';
import { Mirror } from './proxy/mirror';
import { InputWatcher, watchInputs } from './proxy/reload';
import { AddressTranslation, UpstreamPools, endpointKey } from './proxy/upstream';
import { WORKER_DRAIN, WORKER_READY, reportMetricsToPrimary, runPrimary, workerCount } from './workers';

export const SERVE_USAGE = `usage: cdk8s-gateway serve --routes PATH [options]
       cdk8s-gateway serve --kubernetes [options]

${TABLE_ARGS_USAGE}
  --kubernetes         read GatewayClasses, Gateways, routes, ReferenceGrants, Namespaces, Services and TLS
                       Secrets from the Kubernetes API instead of --routes, and write their status.
  --kubeconfig PATH    with --kubernetes: the API server's settings; default the in-cluster service account
                       when KUBERNETES_SERVICE_HOST is set, else $KUBECONFIG, else ~/.kube/config.
  --controller-name NAME
                       with --kubernetes: serve GatewayClasses with this controllerName;
                       default ${GATEWAY_CONTROLLER_NAME}.
  --lease NS/NAME      with --kubernetes: the Lease electing the replica that writes status;
                       default <pod namespace>/cdk8s-gateway.
  --identity NAME      with --kubernetes: this replica's name in the Lease; default $POD_NAME, else the host name.
  --service NS/NAME    with --kubernetes: the gateway's own Service; Gateway status.addresses come from its
                       load balancer ingress, else its cluster IPs.
  --listen [NS/NAME:]PORT=HOST:PORT
                       repeatable; serve listener port PORT (of that Gateway, or of every served Gateway)
                       on HOST:PORT instead of 0.0.0.0:PORT. Port 0 picks a free port.
  --admin HOST:PORT    admin listener (/healthz, /readyz, /metrics); default 127.0.0.1:9901.
  --admin-config       also serve /config on the admin listener: the compiled table as JSON, without
                       header values or certificate material; off by default.
  --no-access-log      do not write one JSON line per request to stdout.
  --no-watch           do not reload when the input changes.
${LIMITS_USAGE}
  --connect-timeout DURATION
                       how long connecting to a backend endpoint may take before 503; default 10s.
  --shutdown-delay DURATION
                       on SIGTERM/SIGINT, /readyz answers 503 at once but new connections are still accepted
                       and served for this long (answers ask clients to close, HTTP/2 gets GOAWAY), so load
                       balancers stop sending before the sockets close (e.g. 5s in a pod); default 0s.
  --drain-timeout DURATION
                       then, how long requests in flight may take (e.g. 30s, 500ms); default 30s.
  --workers N|auto     N gateway processes sharing the listeners (auto: one per CPU); the first process serves
                       the admin listener for all (metrics summed, ready when every worker is); default 1.
  -h, --help           this text.`;

/** A command-line mistake (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ListenOverride {
  /** `namespace/name`, or undefined for every served Gateway. */
  readonly gateway?: string;
  readonly listenerPort: number;
  readonly bind: HostPort;
}

/** `serve --kubernetes`: controller mode. */
export interface KubernetesServeOptions {
  readonly kubeconfig?: string;
  readonly controllerName: string;
  readonly lease?: NamespacedName;
  readonly identity?: string;
  readonly service?: NamespacedName;
}

/** Where the tables come from when not from `--routes` files: a source that pushes each new table. */
export interface TableSource {
  /** Starts the source; resolves with the first table; each later one is handed to `apply`, one at a time. */
  start(apply: (table: CompiledTable) => Promise<void>): Promise<CompiledTable>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** `--routes` files and directories; empty in controller mode. */
  readonly routes: readonly string[];
  /** Controller mode (`--kubernetes`): the API server is the input. */
  readonly kubernetes?: KubernetesServeOptions;
  readonly gateways: readonly string[];
  readonly listen: readonly ListenOverride[];
  readonly backendsFile?: string;
  /** TLS Secrets read from directories (`--tls-secret NS/NAME=DIR`). */
  readonly tlsSecrets?: readonly { readonly secret: string; readonly dir: string }[];
  /** Bound of the input's total size (`--max-input-size`); default 64 MiB. */
  readonly maxInputBytes?: number;
  readonly admin: HostPort;
  /** Serve the configuration dump (`/config`) on the admin listener. Default off. */
  readonly adminConfig?: boolean;
  readonly accessLog: boolean;
  readonly watch: boolean;
  readonly drainTimeoutMs: number;
  /** Gateway processes sharing the listeners (`--workers`); default 1 (this process serves). */
  readonly workers?: number | 'auto';
  /** After SIGTERM, how long to keep accepting (unready) before draining. Default 0. */
  readonly shutdownDelayMs?: number;
  /** Connection limits given on the command line (the others are DEFAULT_LIMITS). */
  readonly limits?: Partial<ConnectionLimits>;
  /** Default 10 s. */
  readonly connectTimeoutMs?: number;
}

/** `HOST:PORT` (IPv6 as `[::1]:PORT`); port 0 allowed. */
export function parseHostPort(text: string, what: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:[\]]*):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) throw new UsageError(`${what}: '${text}' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:0)`);
  return { host: m[1].startsWith('[') ? m[1].slice(1, -1) : m[1], port };
}

/** `[NS/NAME:]PORT=HOST:PORT`. */
export function parseListen(text: string): ListenOverride {
  const eq = text.indexOf('=');
  if (eq < 0) throw new UsageError(`--listen: '${text}' must be [NS/NAME:]PORT=HOST:PORT (e.g. 80=127.0.0.1:8080)`);
  const left = text.slice(0, eq);
  const m = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?):)?(\d{1,5})$/.exec(left);
  const listenerPort = m ? Number(m[4]) : NaN;
  if (!m || listenerPort < 1 || listenerPort > 65535) {
    throw new UsageError(`--listen: '${left}' must be a listener port or NS/NAME:PORT (e.g. 80 or infra/gw:80)`);
  }
  return { gateway: m[1], listenerPort, bind: parseHostPort(text.slice(eq + 1), '--listen') };
}

/** Go-style duration (`30s`, `500ms`, `1m`) in milliseconds. */
export function parseDurationFlag(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new UsageError(`${what}: '${text}' is not a duration (e.g. 30s, 500ms, 1m)`);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Math.round(Number(m[1]) * unit[m[2]]);
}

export function parseServeArgs(argv: readonly string[]): ServeOptions | 'help' {
  const table = emptyTableArgs();
  const listenOverrides: ListenOverride[] = [];
  let admin: HostPort = { host: '127.0.0.1', port: 9901 };
  let adminConfig = false;
  let workers: number | 'auto' = 1;
  let accessLog = true;
  let watch = true;
  let drainTimeoutMs = 30_000;
  let shutdownDelayMs = 0;
  const limits: { -readonly [K in keyof ConnectionLimits]?: number } = {};
  let connectTimeoutMs = 10_000;
  let kubernetes = false;
  const kube: { -readonly [K in keyof KubernetesServeOptions]?: KubernetesServeOptions[K] } = {};
  const kubeFlags: string[] = [];
  const namespaced = (text: string, flag: string): NamespacedName => {
    try {
      return parseNamespacedName(text, flag);
    } catch (err: any) {
      throw new UsageError(err.message);
    }
  };
  for (let i = 0; i < argv.length;) {
    let used: number;
    try {
      used = parseTableArg(argv, i, table);
    } catch (err: any) {
      throw new UsageError(err instanceof ConfigError ? err.detail : err.message);
    }
    if (used > 0) {
      i += used;
      continue;
    }
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--listen':
        listenOverrides.push(parseListen(value()));
        break;
      case '--admin':
        admin = parseHostPort(value(), '--admin');
        break;
      case '--admin-config':
        adminConfig = true;
        break;
      case '--workers': {
        const v = value();
        if (v !== 'auto' && !/^[1-9]\d{0,3}$/.test(v)) throw new UsageError(`--workers: '${v}' must be a number of processes (1 or more) or auto`);
        workers = v === 'auto' ? v : Number(v);
        break;
      }
      case '--no-access-log':
        accessLog = false;
        break;
      case '--no-watch':
        watch = false;
        break;
      case '--drain-timeout':
        drainTimeoutMs = parseDurationFlag(value(), '--drain-timeout');
        break;
      case '--shutdown-delay':
        shutdownDelayMs = parseDurationFlag(value(), '--shutdown-delay');
        break;
      case '--kubernetes':
        kubernetes = true;
        break;
      case '--kubeconfig':
        kube.kubeconfig = value();
        kubeFlags.push(flag);
        break;
      case '--controller-name': {
        const v = value();
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$/.test(v)) {
          throw new UsageError(`--controller-name: '${v}' must be DOMAIN/PATH (e.g. ${GATEWAY_CONTROLLER_NAME})`);
        }
        kube.controllerName = v;
        kubeFlags.push(flag);
        break;
      }
      case '--lease':
        kube.lease = namespaced(value(), '--lease');
        kubeFlags.push(flag);
        break;
      case '--identity':
        kube.identity = value();
        if (kube.identity === '') throw new UsageError('--identity must not be empty');
        kubeFlags.push(flag);
        break;
      case '--service':
        kube.service = namespaced(value(), '--service');
        kubeFlags.push(flag);
        break;
      case '--connect-timeout':
        connectTimeoutMs = parseDurationFlag(value(), '--connect-timeout');
        if (connectTimeoutMs <= 0) throw new UsageError('--connect-timeout must be more than 0');
        break;
      default:
        try {
          if (parseLimitFlag(flag, value, limits, parseDurationFlag)) break;
        } catch (err: any) {
          throw err instanceof UsageError ? err : new UsageError(err.message);
        }
        throw new UsageError(`unknown option '${arg}'`);
    }
    i++;
  }
  if (kubernetes) {
    if (table.routes.length > 0) throw new UsageError('--routes and --kubernetes are exclusive: the input is either files or the Kubernetes API');
    if (table.backends !== undefined || table.tlsSecrets.length > 0) {
      throw new UsageError('--backends and --tls-secret are file-mode options; with --kubernetes, Services and TLS Secrets are read from the API');
    }
    if (workers !== 1) throw new UsageError('--workers is not supported with --kubernetes: run more replicas instead (each one serves, one writes status)');
    for (const g of table.gateways) namespaced(g, '--gateway');
  } else {
    if (kubeFlags.length > 0) throw new UsageError(`${kubeFlags[0]} needs --kubernetes`);
    if (table.routes.length === 0) throw new UsageError('--routes is required (a file or directory of Gateway API YAML), or --kubernetes');
  }
  return {
    routes: table.routes,
    ...(kubernetes ? { kubernetes: { ...kube, controllerName: kube.controllerName ?? GATEWAY_CONTROLLER_NAME } } : {}),
    gateways: table.gateways,
    listen: listenOverrides,
    backendsFile: table.backends,
    tlsSecrets: table.tlsSecrets,
    ...(table.maxInputBytes !== undefined ? { maxInputBytes: table.maxInputBytes } : {}),
    admin,
    ...(adminConfig ? { adminConfig } : {}),
    ...(workers !== 1 ? { workers } : {}),
    accessLog,
    watch,
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    drainTimeoutMs,
    ...(shutdownDelayMs > 0 ? { shutdownDelayMs } : {}),
    connectTimeoutMs,
  };
}

export interface GatewayServerOptions extends ServeOptions {
  /** Operational log (default JSON lines on stdout). */
  readonly logger?: Logger;
  /** Access log sink (default JSON lines on stdout when `accessLog`). */
  readonly accessLogSink?: AccessLog;
  /** Random source for weighted choices and mirror fractions (default Math.random). */
  readonly random?: () => number;
  /** Monotonic clock in ms, for the durations a reload logs (default performance.now). */
  readonly now?: () => number;
  /** Serve the admin listener (default true; a `--workers` worker leaves it to the primary). */
  readonly serveAdmin?: boolean;
  /**
   * The ready endpoints of Services (fed from EndpointSlices): Service backendRefs are balanced per request
   * over them instead of the compiled endpoints. Absent in file mode.
   */
  readonly endpoints?: EndpointRegistry;
  /** Where to connect for an endpoint (tests reach local servers through TEST-NET addresses); default none. */
  readonly translateAddress?: AddressTranslation;
  /** Tables pushed by a source (controller mode) instead of compiled from `routes`. */
  readonly tableSource?: TableSource;
}

/** One running gateway process: listeners, admin, reload. Also used in-process by tests. */
export class GatewayServer {
  readonly metrics = new GatewayMetrics({ processMetrics: true });
  private table!: CompiledTable;
  private generation = 0;
  readonly pools: UpstreamPools;
  private readonly handler: ProxyHandler;
  private readonly listeners = new Map<string, BoundListener>();
  private readonly limits: ConnectionLimits;
  private readonly connections: ConnectionLimiter;
  private admin?: AdminServer;
  private watcher?: InputWatcher;
  private draining = false;
  private ready = false;
  private readonly log: Logger;
  private reloading: Promise<void> = Promise.resolve();
  private readonly configDump = new ConfigDump(() => this.table);
  /** Reads the input of reloads off the event loop. */
  private readonly reader = new InputReader(undefined, () => this.busy());
  /** `InputSnapshot.hash` of the input the table was compiled from. */
  private appliedInput?: string;
  /** Stops draining the pools of endpoints the registry no longer has ready. */
  private readonly unsubscribeDrain?: () => void;

  constructor(private readonly options: GatewayServerOptions) {
    this.log = options.logger ?? jsonLogger();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.connections = new ConnectionLimiter(this.limits.maxConnections);
    // Process-wide: the last gateway constructed in a process sets it.
    setRegexGuard(this.limits.regexBudgetMs > 0 ? new RegexBudget(this.limits.regexBudgetMs) : undefined);
    const registry = options.endpoints;
    this.pools = new UpstreamPools({
      connectTimeoutMs: options.connectTimeoutMs,
      translate: options.translateAddress,
      ...(registry ? { retained: (key: string) => registry.isReady(key) } : {}),
    });
    this.unsubscribeDrain = registry?.onDrain((key) => this.pools.drain(key));
    const engine: RoutingEngine = { route, pickBackend };
    this.handler = new ProxyHandler({
      table: () => this.table,
      engine,
      pools: this.pools,
      mirror: new Mirror(this.pools, (result) => this.metrics.mirrors.inc({ result })),
      metrics: this.metrics,
      accessLog: options.accessLogSink ?? (options.accessLog ? jsonAccessLog() : noAccessLog),
      random: options.random ?? Math.random,
      maxUriBytes: this.limits.maxUriBytes,
      endpoints: options.endpoints,
    });
    this.metrics.countInFlight(() => this.handler.inFlight);
  }

  /** The table being served. */
  get current(): CompiledTable {
    return this.table;
  }

  /** Listener sockets by `namespace/name:listenerPort`. */
  get sockets(): ReadonlyMap<string, BoundListener> {
    return this.listeners;
  }

  get adminAddress(): HostPort | undefined {
    return this.admin ? { host: this.admin.address, port: this.admin.port } : undefined;
  }

  /** Compiles the input (throws ConfigError), binds every listener and the admin socket. */
  async start(): Promise<void> {
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const source = this.options.tableSource;
    if (source) {
      // Tables pushed before the sockets are bound wait for them.
      this.table = await source.start((t) => {
        this.reloading = this.reloading.then(() => started).then(() => this.swapTable(t));
        return this.reloading;
      });
    } else {
      // At start nothing is served yet: the input is read on this thread.
      const first = await this.compileInput(readInput(this.inputRequest()), false);
      this.table = first.table;
      this.appliedInput = first.hash;
    }
    try {
      await this.bindAll();
    } finally {
      begun();
    }
  }

  private async bindAll(): Promise<void> {
    this.generation = this.table.generation;
    const plan = this.bindPlan(this.table.sockets);
    try {
      for (const [key, { spec, bind }] of plan) await this.bindSocket(key, spec, bind);
      if (this.options.serveAdmin !== false) {
        this.admin = await startAdmin(this.options.admin.host, this.options.admin.port, {
          ready: () => this.ready && !this.draining,
          metrics: this.metrics.registry,
          ...(this.options.adminConfig ? { config: () => this.configDump.body() } : {}),
        });
      }
    } catch (err) {
      await this.stop(0);
      throw err;
    }
    if (this.admin) this.log('info', 'admin listening', { address: this.admin.address, port: this.admin.port });
    for (const w of this.table.warnings) this.log('warn', 'configuration warning', { where: w.where, warning: w.message });
    for (const o of this.options.listen) {
      const used = this.table.sockets.some((sock) => sock.port === o.listenerPort && (o.gateway === undefined || o.gateway === sock.gateway));
      if (!used) {
        this.log('warn', `--listen ${o.gateway ? `${o.gateway}:` : ''}${o.listenerPort}=${o.bind.host}:${o.bind.port} matches no served listener port`);
      }
    }
    if (this.options.watch && !this.options.tableSource) {
      const watched = [
        ...this.options.routes,
        ...(this.options.backendsFile ? [this.options.backendsFile] : []),
        // the key files, not the directory: a directory contributes only its YAML/JSON files to the change hash
        ...(this.options.tlsSecrets ?? []).flatMap((t) => [path.join(t.dir, 'tls.crt'), path.join(t.dir, 'tls.key')]),
      ];
      this.watcher = watchInputs(watched, () => void this.reload());
    }
    this.ready = true;
    this.log('info', 'ready');
  }

  /** Recompiles the input and swaps the table; an invalid input keeps the current table. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.doReload());
    return this.reloading;
  }

  private async doReload(): Promise<void> {
    if (this.draining) return;
    let next: CompiledTable;
    let hash: string;
    const now = this.options.now ?? (() => performance.now());
    const started = now();
    let read = started;
    try {
      // Read and parsed in the worker thread; compiled here in steps between which requests are served.
      const snapshot = await this.reader.read(this.inputRequest());
      if (snapshot.hash === this.appliedInput) return;
      read = now();
      ({ table: next, hash } = await this.compileInput(snapshot, true));
    } catch (err: any) {
      this.metrics.reloads.inc({ result: 'rejected' });
      this.log('error', 'reload rejected', { error: err.message });
      return;
    }
    // (how long the read in the worker and the compile on this thread took: the compile is what shares this thread with requests)
    await this.swapTable(next, hash, { readMs: Math.round(read - started), compileMs: Math.round(now() - read) });
  }

  /** Binds the new table's new sockets, swaps the table in, closes the sockets it no longer has (the current table stays on failure). */
  private async swapTable(next: CompiledTable, hash?: string, timing?: { readMs: number; compileMs: number }): Promise<void> {
    if (this.draining) return;
    let plan: Map<string, { spec: SocketSpec; bind: HostPort }>;
    try {
      plan = this.bindPlan(next.sockets);
    } catch (err: any) {
      this.metrics.reloads.inc({ result: 'rejected' });
      this.log('error', 'reload rejected', { error: err.message });
      return;
    }
    // Sockets that cannot take their new spec (another protocol, ...) are closed first (the new one needs the same address).
    for (const [key, l] of this.listeners) {
      const wanted = plan.get(key);
      if (wanted && !l.fits(wanted.spec)) {
        this.listeners.delete(key);
        await l.close(this.options.drainTimeoutMs);
      }
    }
    const added: string[] = [];
    try {
      for (const [key, { spec, bind }] of plan) {
        if (!this.listeners.has(key)) {
          await this.bindSocket(key, spec, bind);
          added.push(key);
        }
      }
    } catch (err: any) {
      for (const key of added) {
        const l = this.listeners.get(key);
        this.listeners.delete(key);
        await l?.close(0);
      }
      this.metrics.reloads.inc({ result: 'rejected' });
      this.log('error', 'reload rejected', { error: err.message });
      return;
    }
    for (const [key, { spec }] of plan) {
      const l = this.listeners.get(key);
      if (l && !added.includes(key)) this.logCertificateProblems(spec, l.updateSpec(spec));
    }
    const previousWarnings = new Set(this.table.warnings.map((w) => `${w.where}\0${w.message}`));
    this.table = next;
    if (hash !== undefined) this.appliedInput = hash;
    this.generation = next.generation;
    const removed = [...this.listeners.entries()].filter(([key]) => !plan.has(key));
    for (const [key] of removed) this.listeners.delete(key);
    this.pools.retain(endpointKeys(next));
    this.metrics.reloads.inc({ result: 'applied' });
    // a table pushed by a source repeats the warnings it keeps: only new ones are logged
    for (const w of next.warnings) {
      if (!this.options.tableSource || !previousWarnings.has(`${w.where}\0${w.message}`)) this.log('warn', 'configuration warning', { where: w.where, warning: w.message });
    }
    this.log('info', 'reloaded', { generation: this.generation, ...timing });
    await Promise.all(removed.map(async ([, l]) => {
      await l.close(this.options.drainTimeoutMs);
      this.log('info', 'listener closed', { gateway: l.binding.gateway, listenerPort: l.binding.port });
    }));
  }

  /** Stops accepting, marks /readyz 503, waits for requests in flight (bounded), then closes everything. */
  async stop(drainTimeoutMs = this.options.drainTimeoutMs): Promise<void> {
    this.draining = true;
    this.watcher?.close();
    await this.options.tableSource?.stop();
    await this.reloading.catch(() => undefined);
    await this.reader.close();
    await Promise.all([...this.listeners.values()].map((l) => l.close(drainTimeoutMs)));
    this.listeners.clear();
    this.unsubscribeDrain?.();
    this.pools.close();
    await this.admin?.close();
  }

  /** Marks the server as draining (readyz 503) without closing anything yet. */
  markDraining(): void {
    this.draining = true;
  }

  /**
   * A graceful shutdown (SIGTERM): /readyz answers 503 at once; for `delayMs` every listener keeps accepting and
   * serving new connections while asking clients to go away (HTTP/1.1 answers carry `Connection: close`, HTTP/2
   * sessions get GOAWAY), so that load balancers still sending here (endpoint removal takes a while to reach every
   * node) lose no request; then `stop`: no more connections, requests in flight finish (bounded by `drainTimeoutMs`),
   * idle connections close. `onDrain` is called when the delay is over.
   */
  async shutdown(delayMs = this.options.shutdownDelayMs ?? 0, drainTimeoutMs = this.options.drainTimeoutMs, onDrain?: () => void): Promise<void> {
    this.markDraining();
    for (const l of this.listeners.values()) l.goAway();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    onDrain?.();
    await this.stop(drainTimeoutMs);
  }

  /**
   * Whether traffic is being served: a request, upgrade or TLS connection started in the last BUSY_WINDOW_MS (reloads
   * then leave it the CPU).
   */
  private busy(): boolean {
    return performance.now() - this.handler.lastRequestAt < BUSY_WINDOW_MS;
  }

  private inputRequest(): InputRequest {
    return {
      routes: [...this.options.routes],
      ...(this.options.backendsFile !== undefined ? { backends: this.options.backendsFile } : {}),
      tlsSecrets: [...(this.options.tlsSecrets ?? [])],
      ...(this.options.maxInputBytes !== undefined ? { maxInputBytes: this.options.maxInputBytes } : {}),
    };
  }

  /**
   * Compiles a read input in steps that give the event loop back (throws ConfigError); logs unreadable TLS files.
   * While serving, the steps leave the thread to requests most of the time (RELOAD_REST_MS).
   */
  private async compileInput(snapshot: InputSnapshot, serving: boolean): Promise<{ table: CompiledTable; hash: string }> {
    const pause = timeSlices(RELOAD_SLICE_MS, serving ? RELOAD_REST_MS : 0, () => this.busy());
    const docs = await toSourceDocuments(snapshot, pause);
    const table = await compileInSteps(docs, {
      ...(this.options.gateways.length > 0 ? { gateways: [...this.options.gateways] } : {}),
      ...(snapshot.backends ? { backends: new Map(snapshot.backends) } : {}),
      generation: this.generation + 1,
    }, pause);
    // An input without a Gateway (an empty or half-written file) would close every listener.
    if (table.gateways.length === 0) {
      throw new ConfigError('no Gateway in the input: nothing to serve (a reload keeps the current configuration)', { file: this.options.routes.join(', ') });
    }
    for (const t of snapshot.tlsSecrets) for (const p of t.problems) this.log('error', `${p.file}: ${p.detail}`, { file: p.file });
    return { table, hash: snapshot.hash };
  }

  /** Where each socket binds; throws when two sockets of different Gateways would share an address. */
  private bindPlan(sockets: readonly SocketSpec[]): Map<string, { spec: SocketSpec; bind: HostPort }> {
    const plan = new Map<string, { spec: SocketSpec; bind: HostPort }>();
    const byAddress = new Map<string, SocketSpec>();
    for (const spec of sockets) {
      const o = this.options.listen.find((l) => l.gateway === spec.gateway && l.listenerPort === spec.port)
        ?? this.options.listen.find((l) => l.gateway === undefined && l.listenerPort === spec.port);
      const bind = o ? o.bind : { host: '0.0.0.0', port: spec.port };
      if (bind.port !== 0) {
        const addr = `${bind.host}:${bind.port}`;
        const other = byAddress.get(addr);
        if (other) {
          throw new ConfigError(
            `Gateways ${other.gateway} and ${spec.gateway} both serve listener port ${spec.port} on ${addr}: `
            + `use --listen NS/NAME:${spec.port}=HOST:PORT to give each its own address`, { file: '(arguments)' });
        }
        byAddress.set(addr, spec);
      }
      plan.set(`${spec.gateway}:${spec.port}`, { spec, bind });
    }
    return plan;
  }

  private async bindSocket(key: string, spec: SocketSpec, bind: HostPort): Promise<void> {
    let bound: BoundListener;
    try {
      bound = await listen({
        host: bind.host,
        port: bind.port,
        spec,
        limits: this.limits,
        connections: this.connections,
        handlers: {
          request: (b, req, res) => this.handler.handle(b, req, res),
          upgrade: (b, req, socket, head) => this.handler.upgrade(b, req, socket, head),
          stream: (b, connection) => this.handler.stream(b, connection),
        },
      });
    } catch (err: any) {
      throw new ConfigError(`cannot listen on ${bind.host}:${bind.port} for ${spec.gateway} port ${spec.port}: ${err.code ?? err.message}`, { file: '(arguments)' });
    }
    this.listeners.set(key, bound);
    this.log('info', 'listening', { gateway: spec.gateway, listenerPort: spec.port, address: bound.address, port: bound.port });
    this.logCertificateProblems(spec, bound.certificateProblems);
  }

  /** One error line per HTTPS listener whose certificates could not be used: which Secret (file) and why. */
  private logCertificateProblems(spec: SocketSpec, problems: readonly CertificateProblem[]): void {
    for (const p of problems) {
      const dir = p.secret !== undefined ? this.options.tlsSecrets?.find((t) => t.secret === p.secret)?.dir : undefined;
      const files = dir !== undefined ? (p.keys ?? ['tls.crt', 'tls.key']).map((k) => path.join(dir, k)) : undefined;
      const outcome = p.outcome === 'kept'
        ? 'the listener keeps serving the certificate it had'
        : 'the listener is not programmed: TLS handshakes for its hostnames fail until the Secret is fixed';
      const source = p.secret === undefined ? '' : ` Secret ${p.secret}${files ? ` (${files.join(', ')})` : ''}:`;
      this.log('error', `listener "${p.listener}" of ${spec.gateway} port ${spec.port}:${source} ${p.reason}; ${outcome}`, {
        gateway: spec.gateway,
        listenerPort: spec.port,
        listener: p.listener,
        ...(p.hostname !== undefined ? { hostname: p.hostname } : {}),
        ...(p.secret !== undefined ? { secret: p.secret } : {}),
        ...(files ? { files } : {}),
        outcome: p.outcome,
      });
    }
  }
}

/** `host:port` of every endpoint the table can send to (backends and mirrors). */
export function endpointKeys(table: CompiledTable): Set<string> {
  const keys = new Set<string>();
  const addBackend = (b: CompiledBackend) => {
    for (const ep of b.target?.endpoints ?? []) keys.add(endpointKey(ep));
    for (const f of b.filters) if (f.type === 'RequestMirror') addBackend(f.backend);
  };
  for (const g of table.gateways) {
    for (const p of g.ports) {
      for (const l of p.listeners) {
        for (const entry of l.routes.flatMap((r) => r.rules)) {
          for (const b of entry.backends) addBackend(b);
          for (const f of entry.filters) if (f.type === 'RequestMirror') addBackend(f.backend);
        }
      }
    }
  }
  return keys;
}

/**
 * Controller mode's table source: a `Controller` on the API server of `kubernetes` (connection, Lease and identity
 * defaults as `serve --help` says), pushing each table it compiles. `endpoints` receives EndpointSlice and Service
 * events for endpoint balancing.
 */
export function controllerTableSource(
  kubernetes: KubernetesServeOptions, gateways: readonly string[], log: Logger, endpoints?: EndpointSink,
): TableSource {
  let controller: Controller | undefined;
  let client: KubeClient | undefined;
  let started = false;
  return {
    async start(apply) {
      const connection = resolveConnection(kubernetes.kubeconfig);
      client = new KubeClient(connection);
      controller = new Controller({
        client,
        controllerName: kubernetes.controllerName,
        gateways,
        ...(kubernetes.service ? { service: kubernetes.service } : {}),
        leaderElection: { lease: kubernetes.lease ?? defaultLease(connection), identity: kubernetes.identity ?? defaultIdentity() },
        onTable: (t) => (started ? apply(t) : undefined),
        ...(endpoints ? { endpoints } : {}),
        log,
      });
      log('info', 'reading the Kubernetes API', { server: connection.server, from: connection.source, controllerName: controller.controllerName });
      const first = await controller.start();
      started = true;
      return first;
    },
    async stop() {
      await controller?.stop();
      client?.close();
    },
  };
}

/**
 * What an embedding program may add to the options `serve`'s flags give: the transport's address translation, which
 * no flag sets (tests reach local servers through the documentation addresses the API server accepts in
 * EndpointSlices).
 */
export type ServeOverrides = Pick<GatewayServerOptions, 'translateAddress'>;

/** Runs `cdk8s-gateway serve`; resolves with the exit code after SIGTERM/SIGINT. */
export async function runServe(argv: readonly string[], overrides: ServeOverrides = {}): Promise<number> {
  let options: ServeOptions | 'help';
  try {
    options = parseServeArgs(argv);
  } catch (err: any) {
    process.stderr.write(`cdk8s-gateway serve: ${err.message}\n\n${SERVE_USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const workers = workerCount(options.workers ?? 1);
  if (workers > 1 && cluster.isPrimary) return runPrimary({ workers, admin: options.admin, adminConfig: options.adminConfig, log: jsonLogger() });
  // A `--workers` worker: its lines say which worker wrote them; the primary serves the admin listener.
  const worker = cluster.isWorker ? cluster.worker : undefined;
  const base = jsonLogger();
  const log: Logger = worker ? (level, msg, fields) => base(level, msg, { ...fields, worker: worker.id }) : base;
  const access = options.accessLog ? jsonAccessLog() : noAccessLog;
  const drainTimeoutMs = options.drainTimeoutMs;
  const shutdownDelayMs = options.shutdownDelayMs ?? 0;
  // Controller mode: the EndpointSlices the controller watches feed the registry the proxy balances over.
  const endpoints = options.kubernetes ? new EndpointRegistry({ onProblem: (problem) => log('warn', 'endpoint slice', { problem }) }) : undefined;
  const server = new GatewayServer({
    ...options,
    ...overrides,
    logger: log,
    ...(options.kubernetes ? { tableSource: controllerTableSource(options.kubernetes, options.gateways, log, endpoints), endpoints } : {}),
    ...(worker ? { serveAdmin: false, accessLogSink: (e: AccessLogRecord) => access(Object.assign({}, e, { worker: worker.id })) } : {}),
  });
  try {
    await server.start();
  } catch (err: any) {
    process.stderr.write(`cdk8s-gateway serve: ${err.message}\n`);
    worker?.disconnect(); // (a worker's channel to the primary would keep it running)
    return 1;
  }
  if (worker) {
    reportMetricsToPrimary(server.metrics.registry);
    process.send!({ type: WORKER_READY });
  }
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        log('warn', 'second signal: exiting without waiting for requests in flight', { signal });
        process.exit(1);
      }
      stopping = true;
      log('info', 'shutting down', { signal, shutdownDelayMs, drainTimeoutMs });
      server.shutdown(shutdownDelayMs, drainTimeoutMs, () => log('info', 'draining', { signal, drainTimeoutMs })).then(
        () => {
          log('info', 'stopped');
          resolve(0);
        },
        (err) => {
          log('error', 'stop failed', { error: String(err?.message ?? err) });
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    // A worker drains when the primary asks (once, whatever signals the process group also got) or is gone.
    if (worker) {
      process.on('message', (m: { type?: string }) => m?.type === WORKER_DRAIN && !stopping && onSignal('primary'));
      process.on('disconnect', () => !stopping && onSignal('primary gone'));
    }
  });
  if (worker) void stopped.then(() => worker.disconnect());
  return stopped;
}
