/**
 * Starts the echo backends one case file needs and describes them to the gateway: the `--backends` map
 * ("ns/svc:port" -> "127.0.0.1:PORT") and the Service and Namespace objects for the routes input.
 */
import type { BackendService, BackendsFile, CaseFile, K8sObject } from './cases';
import { startGrpcEcho, startHttpEcho, type GrpcEchoServer, type HttpEchoServer } from '../../util/echo';

/**
 * Upstream (httproute-service-types.go) fills the EndpointSlices of the selector-less Services with the
 * addresses of the infra-backend-v1 pods; a Service without a selector is therefore served by this backend.
 */
export const MANUAL_ENDPOINTS_BACKEND = { namespace: 'gateway-conformance-infra', name: 'infra-backend-v1' };

/** echo-basic's ports inside the pod: HTTP (and gRPC when it runs as the gRPC echo) and h2c. */
const HTTP_TARGET_PORT = 3000;
const H2C_TARGET_PORT = 3001;

export interface ServiceRef {
  namespace: string;
  name: string;
}

export type RunningEcho = { kind: 'http'; server: HttpEchoServer } | { kind: 'grpc'; server: GrpcEchoServer };

export interface StartedBackends {
  /** The `--backends` map. */
  readonly map: Record<string, string>;
  /** Service objects for the input (the backends.json Services that run; not the case's own otherResources). */
  readonly services: K8sObject[];
  /** Namespace objects (with their labels) for the input. */
  readonly namespaces: K8sObject[];
  /** Running echo instances by `ns/name` of the Service whose pods they are. */
  readonly echoes: ReadonlyMap<string, RunningEcho>;
  /** The HTTP echo instance behind a Service (`ns/name`), if any. */
  http(nsName: string): HttpEchoServer | undefined;
  close(): Promise<void>;
}

/** Every Service a file's routes reference through backendRefs (rules, filters, request mirrors), de-duplicated. */
export function referencedServices(file: CaseFile): ServiceRef[] {
  const out = new Map<string, ServiceRef>();
  const visit = (value: unknown, routeNs: string, key?: string) => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v, routeNs, key === 'backendRefs' ? 'backendRef' : undefined);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    if (key === 'backendRef' && typeof obj.name === 'string') {
      const group = (obj.group as string | undefined) ?? '';
      const kind = (obj.kind as string | undefined) ?? 'Service';
      if (group === '' && kind === 'Service') {
        const ref = { namespace: (obj.namespace as string | undefined) ?? routeNs, name: obj.name };
        out.set(`${ref.namespace}/${ref.name}`, ref);
      }
    }
    for (const [k, v] of Object.entries(obj)) visit(v, routeNs, k);
  };
  for (const r of file.routes) visit(r.spec, r.metadata.namespace ?? 'default');
  return [...out.values()];
}

/** How a referenced Service will be served: by its own echo, by another Service's pods, or not at all. */
export interface BackendPlan {
  /** `ns/name` -> the backends.json Service whose echo runs for it. */
  readonly run: Map<string, BackendService>;
  /** Services of the case's otherResources, `ns/name` -> `ns/name` of the backend whose pods serve it. */
  readonly aliases: Map<string, string>;
  /** Referenced Services that deliberately have no backend (they do not exist). */
  readonly missing: string[];
}

export function planBackends(file: CaseFile, backends: BackendsFile): BackendPlan {
  const known = new Map<string, BackendService>(backends.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const own = new Map<string, K8sObject>(
    (file.otherResources ?? []).filter((o) => o.kind === 'Service').map((o) => [`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o]),
  );
  const run = new Map<string, BackendService>();
  const aliases = new Map<string, string>();
  const missing: string[] = [];
  const runService = (key: string) => {
    const s = known.get(key);
    if (!s) throw new Error(`backends.json has no Service ${key}`);
    run.set(key, s);
  };
  for (const ref of referencedServices(file)) {
    const key = `${ref.namespace}/${ref.name}`;
    const svc = own.get(key);
    if (svc) {
      const app = svc.spec?.selector?.app as string | undefined;
      const target = app ? `${svc.metadata.namespace ?? 'default'}/${app}` : `${MANUAL_ENDPOINTS_BACKEND.namespace}/${MANUAL_ENDPOINTS_BACKEND.name}`;
      aliases.set(key, target);
      runService(target);
    } else if (known.has(key)) {
      runService(key);
    } else {
      missing.push(key);
    }
  }
  return { run, aliases, missing };
}

function isGrpc(s: BackendService): boolean {
  return /^gRPC echo/.test(s.role);
}

/** The Service object for a backends.json entry. */
export function serviceObject(s: BackendService): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace },
    spec: {
      ...(s.headless ? { clusterIP: 'None' } : {}),
      selector: { app: s.name },
      ports: s.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        protocol: p.protocol,
        port: p.port,
        targetPort: p.targetPort,
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      })),
    },
  };
}

export function namespaceObjects(backends: BackendsFile): K8sObject[] {
  return backends.namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name, labels: { ...n.labels } } }));
}

/** The pod name an echo instance of a Service reports (upstream strips the last two '-' parts to get the Service). */
export function podName(service: string): string {
  return `${service}-x-y`;
}

/** The local port an echo instance serves a pod port (`targetPort`) on, if it serves one there. */
export function echoPort(echo: RunningEcho, targetPort: number): number | undefined {
  if (echo.kind === 'grpc') return targetPort === HTTP_TARGET_PORT ? echo.server.port : undefined;
  if (targetPort === HTTP_TARGET_PORT) return echo.server.httpPort;
  if (targetPort === H2C_TARGET_PORT) return echo.server.h2cPort;
  return undefined;
}

export async function startBackends(file: CaseFile, backends: BackendsFile): Promise<StartedBackends> {
  const plan = planBackends(file, backends);
  const echoes = new Map<string, RunningEcho>();
  const map: Record<string, string> = {};
  try {
    for (const [key, s] of plan.run) {
      const identity = { namespace: s.namespace, pod: podName(s.name) };
      echoes.set(key, isGrpc(s) ? { kind: 'grpc', server: await startGrpcEcho(identity) } : { kind: 'http', server: await startHttpEcho(identity) });
    }
  } catch (e) {
    await Promise.all([...echoes.values()].map((r) => r.server.close()));
    throw e;
  }
  const addressFor = (echo: RunningEcho, targetPort: number): string | undefined => {
    const port = echoPort(echo, targetPort);
    return port === undefined ? undefined : `127.0.0.1:${port}`;
  };
  const services: K8sObject[] = [];
  for (const [key, s] of plan.run) {
    services.push(serviceObject(s));
    for (const p of s.ports) {
      const addr = addressFor(echoes.get(key)!, p.targetPort);
      if (addr) map[`${key}:${p.port}`] = addr;
    }
  }
  for (const [alias, target] of plan.aliases) {
    const svc = (file.otherResources ?? []).find((o) => o.kind === 'Service' && `${o.metadata.namespace ?? 'default'}/${o.metadata.name}` === alias)!;
    for (const p of svc.spec?.ports ?? []) {
      const addr = addressFor(echoes.get(target)!, Number(p.targetPort ?? p.port));
      if (addr) map[`${alias}:${p.port}`] = addr;
    }
  }
  // A Service listed among the case's own resources replaces the backends.json one of the same name.
  const own = new Set(plan.aliases.keys());
  return {
    map,
    services: services.filter((s) => !own.has(`${s.metadata.namespace}/${s.metadata.name}`)),
    namespaces: namespaceObjects(backends),
    echoes,
    http: (key) => {
      const e = echoes.get(key);
      return e?.kind === 'http' ? e.server : undefined;
    },
    close: async () => {
      await Promise.all([...echoes.values()].map((r) => r.server.close()));
    },
  };
}
