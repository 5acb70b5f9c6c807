import * as crypto from 'crypto';
import { ApiObject, ApiObjectMetadata, Chart, Duration, Lazy, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Gateway } from './gateway';
import { q } from './validation';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const PACKAGE_VERSION: string = require('../package.json').version;

/** The image repository the project publishes the gateway runtime to. */
export const GATEWAY_IMAGE_REPOSITORY = 'ghcr.io/cdk8s-gateway/cdk8s-gateway';

const ROUTES_DIR = '/etc/cdk8s-gateway/routes';
const TLS_DIR = '/etc/cdk8s-gateway/tls';
const ROUTES_FILE = 'routes.yaml';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ROUTING_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant']);

/**
 * Horizontal pod autoscaling of the gateway.
 */
export interface GatewayAutoscaling {
  /**
   * The least number of replicas.
   *
   * @default 2
   */
  readonly minReplicas?: number;

  /**
   * The most number of replicas.
   */
  readonly maxReplicas: number;

  /**
   * The average CPU utilization (percent of the CPU request) the autoscaler keeps.
   *
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
}

/**
 * Properties of a `GatewayDeployment`.
 */
export interface GatewayDeploymentProps {
  /**
   * The Gateways this deployment serves: their listeners become the Service's ports and the pods serve exactly
   * these Gateways (`serve --gateway`).
   */
  readonly gateways: Gateway[];

  /**
   * Metadata of the Deployment, Service, ConfigMap and PodDisruptionBudget (name prefix, namespace, labels).
   *
   * @default - names generated from the construct path; the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * The gateway runtime image.
   *
   * @default - `ghcr.io/cdk8s-gateway/cdk8s-gateway:<version of this library>`
   */
  readonly image?: string;

  /**
   * Number of pods (ignored for scaling when `autoscaling` is set, which then owns the replica count).
   *
   * @default 2
   */
  readonly replicas?: number;

  /**
   * CPU and memory requests and limits of the gateway container.
   *
   * @default - requests 250m CPU / 128Mi memory, limits 1 CPU / 512Mi memory
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * How long a terminating pod keeps serving its in-flight requests (`serve --drain-timeout`). The pod's
   * termination grace period is this plus 10 seconds.
   *
   * @default Duration.seconds(30)
   */
  readonly drainTimeout?: Duration;

  /**
   * The port of the admin listener (health, readiness, metrics) inside the pod.
   *
   * @default 9901
   */
  readonly adminPort?: number;

  /**
   * How the Service exposing the listeners is reachable.
   *
   * @default kplus.ServiceType.LOAD_BALANCER
   */
  readonly serviceType?: kplus.ServiceType;

  /**
   * One JSON access-log line per request on the container's stdout.
   *
   * @default true
   */
  readonly accessLog?: boolean;

  /**
   * The most pods a voluntary disruption (node drain, upgrade) may take down at once.
   *
   * @default 1
   */
  readonly maxUnavailable?: number;

  /**
   * Scale the gateway on CPU with a HorizontalPodAutoscaler.
   *
   * @default - no autoscaler; `replicas` pods
   */
  readonly autoscaling?: GatewayAutoscaling;
}

/**
 * Runs the in-repo gateway (`cdk8s-gateway serve`) in the cluster for one or more Gateways of this app.
 *
 * A ConfigMap holds the app's Gateway, HTTPRoute, GRPCRoute and ReferenceGrant objects (and the Services and
 * Namespaces they name) exactly as synthesized; the pods mount it and serve it. Its checksum is a pod-template
 * annotation, so any change of routes rolls the pods. Backends resolve through cluster DNS.
 */
export class GatewayDeployment extends Construct {
  /** The pod-template annotation that carries the checksum of the served configuration. */
  public static readonly CHECKSUM_ANNOTATION = 'cdk8s-gateway.dev/routes-checksum';

  /** The container image. */
  public readonly image: string;
  /** The gateway pods. */
  public readonly deployment: kplus.Deployment;
  /** The Service exposing every listener port of the served Gateways. */
  public readonly service: kplus.Service;
  /** The configuration the pods serve. */
  public readonly config: kplus.ConfigMap;
  /** Limits voluntary disruptions of the gateway pods. */
  public readonly podDisruptionBudget: ApiObject;
  /**
   * Scales the gateway on CPU.
   *
   * @default - none (no `autoscaling` prop)
   */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;

  private readonly gateways: Gateway[];
  private readonly listenerPorts: number[];

  constructor(scope: Construct, id: string, props: GatewayDeploymentProps) {
    super(scope, id);
    const path = this.node.path;
    if (props.gateways.length === 0) {
      throw new Error(`${path}: no gateways given; pass the Gateway(s) this deployment serves in \`gateways\``);
    }
    const replicas = props.replicas ?? 2;
    checkInteger(path, 'replicas', replicas, 0, 1000);
    const adminPort = props.adminPort ?? 9901;
    checkInteger(path, 'adminPort', adminPort, 1, 65535);
    const maxUnavailable = props.maxUnavailable ?? 1;
    checkInteger(path, 'maxUnavailable', maxUnavailable, 0, 1000);
    const drain = props.drainTimeout ?? Duration.seconds(30);
    const drainSeconds = Math.ceil(drain.toMilliseconds() / 1000);
    if (drain.toMilliseconds() < 1000) {
      throw new Error(`${path}: drainTimeout ${drain.toMilliseconds()}ms is too short; give in-flight requests at least 1 second`);
    }

    this.gateways = [...props.gateways];
    this.image = props.image ?? `${GATEWAY_IMAGE_REPOSITORY}:${PACKAGE_VERSION}`;
    this.listenerPorts = [...new Set(this.gateways.flatMap((g) => g.listeners.map((l) => l.port)))].sort((a, b) => a - b);
    if (this.listenerPorts.length === 0) {
      throw new Error(`${path}: the gateways have no listeners yet; add their listeners before creating the GatewayDeployment`);
    }
    if (this.listenerPorts.some((p) => containerPort(p) === adminPort)) {
      throw new Error(`${path}: adminPort ${adminPort} collides with a listener port; choose another adminPort`);
    }

    const metadata = props.metadata ?? {};
    this.config = new kplus.ConfigMap(this, 'Config', { metadata });
    this.config.addData(ROUTES_FILE, Lazy.any({ produce: () => this.renderConfig() }) as unknown as string);

    const args = ['serve', '--routes', ROUTES_DIR, '--admin', `0.0.0.0:${adminPort}`, '--drain-timeout', `${drainSeconds}s`];
    for (const gateway of this.gateways) args.push('--gateway', `${gateway.namespace ?? 'default'}/${gateway.name}`);
    for (const port of this.listenerPorts) {
      if (containerPort(port) !== port) args.push('--listen', `${port}=0.0.0.0:${containerPort(port)}`);
    }
    if (props.accessLog === false) args.push('--no-access-log');

    // The certificates of HTTPS listeners: each Secret is mounted read-only and served from its files, so the
    // gateway needs no access to the Kubernetes API, and a renewed certificate (e.g. by cert-manager) is picked up
    // when the kubelet updates the volume.
    const podNamespace = metadata.namespace ?? Chart.of(this).namespace ?? 'default';
    const tlsSecrets = new Map<string, string>();
    for (const gateway of this.gateways) {
      const gatewayNamespace = gateway.namespace ?? 'default';
      for (const listener of gateway.listeners) {
        for (const ref of listener._certificates) {
          const namespace = ref.namespace ?? gatewayNamespace;
          if (namespace !== podNamespace) {
            throw new Error(`${path}: listener ${q(listener.name)} of ${gateway.node.path} uses the certificate Secret ${q(`${namespace}/${ref.name}`)}, but the gateway pods run in namespace ${q(podNamespace)} and can mount Secrets of their own namespace only; put the Secret (or a copy) in ${q(podNamespace)}`);
          }
          tlsSecrets.set(ref.name, `${TLS_DIR}/${namespace}/${ref.name}`);
        }
      }
    }
    for (const [name, dir] of [...tlsSecrets].sort()) args.push('--tls-secret', `${podNamespace}/${name}=${dir}`);

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata,
      replicas: props.autoscaling ? undefined : replicas,
      terminationGracePeriod: Duration.seconds(drainSeconds + 10),
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000 },
      containers: [{
        name: 'gateway',
        image: this.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['node', '/app/cdk8s-gateway.js'],
        args,
        ports: [
          ...this.listenerPorts.map((p) => ({ number: containerPort(p), name: `listener-${p}` })),
          { number: adminPort, name: 'admin' },
        ],
        liveness: kplus.Probe.fromHttpGet('/healthz', { port: adminPort, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
        readiness: kplus.Probe.fromHttpGet('/readyz', { port: adminPort, periodSeconds: Duration.seconds(5), failureThreshold: 2 }),
        startup: kplus.Probe.fromHttpGet('/readyz', { port: adminPort, periodSeconds: Duration.seconds(1), failureThreshold: 30 }),
        resources: props.resources ?? {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
        },
        securityContext: {
          ensureNonRoot: true,
          user: 1000,
          group: 1000,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
        },
      }],
    });
    const volume = kplus.Volume.fromConfigMap(this, 'RoutesVolume', this.config);
    this.deployment.containers[0].mount(ROUTES_DIR, volume, { readOnly: true });
    for (const [name, dir] of [...tlsSecrets].sort()) {
      const secret = kplus.Secret.fromSecretName(this, `TlsSecret-${name}`, name);
      this.deployment.containers[0].mount(dir, kplus.Volume.fromSecret(this, `TlsVolume-${name}`, secret), { readOnly: true });
    }
    this.deployment.podMetadata.addAnnotation(
      GatewayDeployment.CHECKSUM_ANNOTATION,
      Lazy.any({ produce: () => crypto.createHash('sha256').update(this.renderConfig()).digest('hex') }) as unknown as string,
    );

    this.service = new kplus.Service(this, 'Service', {
      metadata,
      type: props.serviceType ?? kplus.ServiceType.LOAD_BALANCER,
      selector: this.deployment,
      ports: this.listenerPorts.map((p) => ({ port: p, targetPort: containerPort(p), name: `listener-${p}` })),
    });

    this.podDisruptionBudget = new ApiObject(this, 'PodDisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata,
      spec: Lazy.any({
        produce: () => ({ maxUnavailable, selector: { matchLabels: this.deployment.matchLabels } }),
      }),
    });

    if (props.autoscaling) {
      const a = props.autoscaling;
      const min = a.minReplicas ?? 2;
      checkInteger(path, 'autoscaling.minReplicas', min, 1, 1000);
      checkInteger(path, 'autoscaling.maxReplicas', a.maxReplicas, min, 1000);
      const target = a.targetCpuUtilizationPercent ?? 70;
      checkInteger(path, 'autoscaling.targetCpuUtilizationPercent', target, 1, 100);
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata,
        target: this.deployment,
        minReplicas: min,
        maxReplicas: a.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(target))],
      });
    }

    this.node.addValidation({ validate: () => this.validateListeners() });
  }

  /**
   * The multi-document YAML the pods serve: every Gateway, HTTPRoute, GRPCRoute and ReferenceGrant of the app,
   * plus the Services their backendRefs name and the Namespaces they live in, each exactly as synthesized.
   */
  public renderConfig(): string {
    const all = this.node.root.node.findAll().filter((c: IConstruct): c is ApiObject => c instanceof ApiObject);
    const routing: any[] = [];
    const services = new Map<string, any>();
    const namespaces = new Map<string, any>();
    const named = new Set<string>();
    for (const obj of all) {
      const group = obj.apiVersion.split('/')[0];
      if (group === GATEWAY_GROUP && ROUTING_KINDS.has(obj.kind)) {
        const json = obj.toJson();
        routing.push(json);
        const ns = json.metadata?.namespace ?? 'default';
        for (const rule of json.spec?.rules ?? []) {
          const backendRefs: any[] = rule.backendRefs ?? [];
          const refs = [...backendRefs, ...mirrorRefs(rule.filters), ...backendRefs.flatMap((b) => mirrorRefs(b.filters))];
          for (const ref of refs) {
            if ((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service') named.add(`${ref.namespace ?? ns}/${ref.name}`);
          }
        }
      } else if (obj.apiVersion === 'v1' && obj.kind === 'Service') {
        services.set(`${obj.metadata.namespace ?? 'default'}/${obj.name}`, obj);
      } else if (obj.apiVersion === 'v1' && obj.kind === 'Namespace') {
        namespaces.set(obj.name, obj);
      }
    }
    const docs = [
      ...[...namespaces.values()].map((n) => n.toJson()),
      ...[...named].filter((k) => services.has(k)).sort().map((k) => services.get(k).toJson()),
      ...routing,
    ];
    return Yaml.stringify(...docs);
  }

  private validateListeners(): string[] {
    const now = [...new Set(this.gateways.flatMap((g) => g.listeners.map((l) => l.port)))].sort((a, b) => a - b);
    const missing = now.filter((p) => !this.listenerPorts.includes(p));
    if (missing.length === 0) return [];
    return [`${this.node.path}: listener port(s) ${missing.join(', ')} were added to the gateways after the GatewayDeployment was created, so its Service does not expose them; create the GatewayDeployment after adding every listener`];
  }
}

/**
 * The port the gateway binds inside the pod for a listener port: the same port from 1024 up; privileged ports
 * (below 1024) move up by 8000 (80 -> 8080, 443 -> 8443) so the non-root container needs no capability.
 */
function containerPort(listenerPort: number): number {
  return listenerPort < 1024 ? listenerPort + 8000 : listenerPort;
}

function mirrorRefs(filters: any[] | undefined): any[] {
  return (filters ?? []).filter((f) => f?.type === 'RequestMirror' && f.requestMirror?.backendRef).map((f) => f.requestMirror.backendRef);
}

function checkInteger(path: string, prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${path}: ${prop} ${q(String(value))} must be an integer from ${min} to ${max}`);
  }
}
