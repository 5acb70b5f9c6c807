import * as crypto from 'crypto';
import { ApiObject, ApiObjectMetadata, Chart, Duration, JsonPatch, Lazy, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Gateway } from './gateway';
import { GatewayClass } from './gateway-class';
import { Listener, ListenerProtocol } from './listener';
import { ListenerSet } from './listener-set';
import { q, validateDnsSubdomain } from './validation';
import { checkValue, problemOf } from './value-problem';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const PACKAGE_VERSION: string = require('../package.json').version;

/** The image repository the project publishes the gateway runtime to. */
export const GATEWAY_IMAGE_REPOSITORY = 'ghcr.io/cdk8s-gateway/cdk8s-gateway';

/**
 * Node flags of the gateway container, bounding the V8 heap as the image's entry point does (the data plane's
 * GATEWAY_NODE_FLAGS, src/dataplane/memory.ts, which this library cannot import; a test keeps them equal).
 */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50'];
const ROUTES_DIR = '/etc/cdk8s-gateway/routes';
const TLS_DIR = '/etc/cdk8s-gateway/tls';
const ROUTES_FILE = 'routes.yaml';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ROUTING_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'ListenerSet', 'TLSRoute', 'BackendTLSPolicy']);
/** The API server refuses a ConfigMap or Secret whose data is larger (`MaxSecretSize`, 1 MiB). */
export const CONFIG_MAP_DATA_LIMIT_BYTES = 1024 * 1024;
/** The API server's (etcd's) limit of one request, so of any one object: 1.5 MiB. */
export const OBJECT_SIZE_LIMIT_BYTES = 1536 * 1024;

/**
 * What the gateway in controller mode reads and writes cluster-wide: it watches the Gateway API kinds it serves and
 * what they refer to, and writes only the status subresources (PUT with the resourceVersion it read).
 */
const CONTROLLER_CLUSTER_RULES = [
  { apiGroups: [GATEWAY_GROUP], resources: ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'backendtlspolicies'], verbs: ['get', 'list', 'watch'] },
  // configmaps: the CA certificates of BackendTLSPolicies and frontend validation (only `ca.crt` is kept)
  { apiGroups: [''], resources: ['namespaces', 'services', 'secrets', 'configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: [GATEWAY_GROUP],
    resources: ['gatewayclasses/status', 'gateways/status', 'httproutes/status', 'grpcroutes/status', 'backendtlspolicies/status'],
    verbs: ['update'],
  },
  // ListenerSets (their listeners join their Gateway's) and TLSRoutes: read, and their status written; TCPRoutes and
  // UDPRoutes are not served, and read only to say so in their status
  { apiGroups: [GATEWAY_GROUP], resources: ['listenersets', 'tlsroutes', 'tcproutes', 'udproutes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GATEWAY_GROUP], resources: ['listenersets/status', 'tlsroutes/status', 'tcproutes/status', 'udproutes/status'], verbs: ['update'] },
];

/**
 * Whether a Service keeps the client's source IP (`spec.externalTrafficPolicy`).
 */
export enum ExternalTrafficPolicy {
  /** Every node forwards to every ready pod, so the source IP the gateway sees is a node's (SNAT). */
  CLUSTER = 'Cluster',
  /**
   * Nodes forward only to pods on themselves, so the client's IP reaches the gateway.
   *
   * The load balancer's health check skips nodes without a gateway pod.
   */
  LOCAL = 'Local',
}

/**
 * A NetworkPolicy for the gateway pods: every listener port open to all, the admin port (probes, metrics) only to
 * the kubelet (node traffic is always allowed by NetworkPolicy) and to the metrics scrapers named here.
 */
export interface GatewayNetworkPolicy {
  /**
   * Labels of the namespaces whose pods may reach the admin port (e.g. `{ 'kubernetes.io/metadata.name': 'monitoring' }`).
   *
   * @default - no namespace: the admin port is reachable by the kubelet only
   */
  readonly metricsNamespaceLabels?: { [key: string]: string };

  /**
   * Labels of the pods (in those namespaces) that may reach the admin port (e.g. `{ 'app.kubernetes.io/name': 'prometheus' }`).
   *
   * @default - every pod of the namespaces `metricsNamespaceLabels` selects
   */
  readonly metricsPodLabels?: { [key: string]: string };
}

/**
 * Options of the controller mode of a `GatewayDeployment` (`GatewayDeploymentMode.kubernetes()`).
 */
export interface KubernetesModeOptions {
  /**
   * The controller name the gateway answers to (`serve --controller-name`): it serves the Gateways whose
   * GatewayClass names it, and a served Gateway whose GatewayClass (in this app) names another controller fails synth.
   *
   * @default GatewayClass.CONTROLLER_NAME
   */
  readonly controllerName?: string;

  /**
   * The name of the `coordination.k8s.io` Lease, in the deployment's namespace, through which the replicas elect the
   * one that writes status (`serve --lease`). Every replica serves traffic either way.
   *
   * @default - the Deployment's name
   */
  readonly leaseName?: string;
}

/**
 * Where the pods of a `GatewayDeployment` read their Gateways and routes from.
 */
export class GatewayDeploymentMode {
  /**
   * ConfigMap mode: the app's Gateway, HTTPRoute, GRPCRoute and ReferenceGrant objects, as synthesized, in a
   * ConfigMap the pods mount (`serve --routes`). Self-contained: no access to the Kubernetes API, no status; every
   * route change rolls the pods; at most 1 MiB of routes.
   */
  public static configMap(): GatewayDeploymentMode {
    return new GatewayDeploymentMode(undefined);
  }

  /**
   * Controller mode: the pods watch the Kubernetes API (`serve --kubernetes`) for the served Gateways, the routes,
   * ReferenceGrants and BackendTLSPolicies of every namespace, Services, EndpointSlices, certificate Secrets and the
   * CA certificates of ConfigMaps, and one elected replica writes status. A ServiceAccount with least-privilege RBAC is
   * synthesized; there is no routes ConfigMap, and route changes do not roll the pods.
   */
  public static kubernetes(options: KubernetesModeOptions = {}): GatewayDeploymentMode {
    return new GatewayDeploymentMode({ ...options }, problemOf(() => {
      if (options.controllerName !== undefined) {
        GatewayClass._validateControllerName('controller mode controllerName', options.controllerName);
      }
      if (options.leaseName !== undefined) validateDnsSubdomain('controller mode leaseName', options.leaseName);
    }));
  }

  /**
   * The controller-mode options, or undefined in ConfigMap mode.
   *
   * @internal
   */
  public readonly _kubernetes?: KubernetesModeOptions;

  /** @internal */
  public readonly _problem?: string;

  private constructor(kubernetes: KubernetesModeOptions | undefined, problem?: string) {
    this._kubernetes = kubernetes;
    this._problem = problem;
  }

  /** Whether the pods read the Kubernetes API (controller mode) rather than a ConfigMap. */
  public get watchesApi(): boolean {
    return this._kubernetes !== undefined;
  }
}

/**
 * Horizontal pod autoscaling of the gateway.
 */
export interface GatewayAutoscaling {
  /**
   * The least number of replicas.
   *
   * @default - the `replicas` of the GatewayDeployment (2 when not given)
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
   * Where the pods read the Gateways and routes from: a ConfigMap of the app's objects, or the Kubernetes API.
   *
   * @default GatewayDeploymentMode.configMap()
   */
  readonly mode?: GatewayDeploymentMode;

  /**
   * Metadata of the Deployment, Service, ConfigMap, PodDisruptionBudget and (controller mode) ServiceAccount, Role and
   * RoleBinding (name, namespace, labels). The ClusterRole and ClusterRoleBinding are named `<namespace>-<Deployment name>`.
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
   * Number of pods. With `autoscaling`, the autoscaler owns the replica count and this is its minimum (unless
   * `autoscaling.minReplicas` is given).
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
   * How long a terminating pod keeps serving its in-flight requests once it has stopped accepting connections
   * (`serve --drain-timeout`).
   *
   * @default Duration.seconds(30)
   */
  readonly drainTimeout?: Duration;

  /**
   * How long a terminating pod keeps accepting and serving new connections after SIGTERM, while it reports unready,
   * so that kube-proxy and load balancers stop sending to it before it closes (`serve --shutdown-delay`). The pod's
   * termination grace period is `shutdownDelay + drainTimeout + 5s`.
   *
   * @default Duration.seconds(5)
   */
  readonly shutdownDelay?: Duration;

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

  /**
   * Spread the pods evenly over nodes (`kubernetes.io/hostname`) and zones (`topology.kubernetes.io/zone`) with
   * topology spread constraints (`ScheduleAnyway`: a cluster with one node or zone still schedules them).
   *
   * @default true
   */
  readonly topologySpread?: boolean;

  /**
   * Whether the Services keep the client's source IP (`Local`) or spread over every node (`Cluster`).
   *
   * @default - the API server's default (`Cluster`)
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;

  /**
   * Pod annotations `prometheus.io/scrape`, `prometheus.io/port` and `prometheus.io/path` pointing at the admin
   * port's `/metrics`.
   *
   * @default true
   */
  readonly prometheusScrape?: boolean;

  /**
   * A NetworkPolicy that leaves the listener ports open and lets only the kubelet and the given metrics scrapers
   * reach the admin port.
   *
   * @default - no NetworkPolicy
   */
  readonly networkPolicy?: GatewayNetworkPolicy;
}

/** Where one (Gateway, listener port) socket binds inside the pod. */
interface SocketPlan {
  readonly gateway: Gateway;
  /** `namespace/name` of the Gateway. */
  readonly key: string;
  /** Index of the Gateway in `gateways`. */
  readonly index: number;
  readonly listenerPort: number;
  containerPort: number;
}

/**
 * Runs the in-repo gateway (`cdk8s-gateway serve`) in the cluster for one or more Gateways of this app.
 *
 * In ConfigMap mode (the default), a ConfigMap holds the app's Gateway, HTTPRoute, GRPCRoute and ReferenceGrant
 * objects (and the Services and Namespaces they name) exactly as synthesized; the pods mount it and serve it. Its
 * checksum is a pod-template annotation, so any change of routes rolls the pods. Backends resolve through cluster
 * DNS. Each Gateway gets its own Service (its own address), so Gateways may share listener ports.
 *
 * In controller mode (`GatewayDeploymentMode.kubernetes()`), the pods read the Gateway and every route attached to
 * it from the Kubernetes API with their own ServiceAccount, whose ClusterRole allows reading the watched kinds and
 * updating only their status, and whose Role allows one Lease for electing the status writer.
 */
export class GatewayDeployment extends Construct {
  /** The pod-template annotation that carries the checksum of the served configuration. */
  public static readonly CHECKSUM_ANNOTATION = 'cdk8s-gateway.dev/routes-checksum';

  /** The container image. */
  public readonly image: string;
  /** Where the pods read the Gateways and routes from. */
  public readonly mode: GatewayDeploymentMode;
  /** The gateway pods. */
  public readonly deployment: kplus.Deployment;
  /** The Service of the first Gateway (every listener port of it). */
  public readonly service: kplus.Service;
  /** One Service per Gateway, in the order of `gateways`: each exposes that Gateway's listener ports. */
  public readonly services: kplus.Service[];
  /**
   * The configuration the pods serve.
   *
   * @default - none in controller mode
   */
  public readonly config?: kplus.ConfigMap;
  /**
   * The identity of the pods in controller mode.
   *
   * @default - none in ConfigMap mode (the pods run without a service account token)
   */
  public readonly serviceAccount?: kplus.ServiceAccount;
  /**
   * Controller mode: reads the Gateway API objects, Namespaces, Services, Secrets, ConfigMaps and EndpointSlices of
   * the cluster, and updates the status of GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes and BackendTLSPolicies.
   *
   * @default - none in ConfigMap mode
   */
  public readonly clusterRole?: ApiObject;
  /**
   * Binds `clusterRole` to `serviceAccount`.
   *
   * @default - none in ConfigMap mode
   */
  public readonly clusterRoleBinding?: ApiObject;
  /**
   * Controller mode: creates Leases and reads and updates the one Lease named `leaseName`, in the deployment's
   * namespace.
   *
   * @default - none in ConfigMap mode
   */
  public readonly role?: ApiObject;
  /**
   * Binds `role` to `serviceAccount`.
   *
   * @default - none in ConfigMap mode
   */
  public readonly roleBinding?: ApiObject;
  /** Limits voluntary disruptions of the gateway pods. */
  public readonly podDisruptionBudget: ApiObject;
  /**
   * Scales the gateway on CPU.
   *
   * @default - none (no `autoscaling` prop)
   */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /**
   * Restricts who reaches the admin port.
   *
   * @default - none (no `networkPolicy` prop)
   */
  public readonly networkPolicy?: ApiObject;

  private readonly gateways: Gateway[];
  private readonly sockets: SocketPlan[];
  private readonly kubernetes?: KubernetesModeOptions;

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
    const delay = props.shutdownDelay ?? Duration.seconds(5);
    const delaySeconds = Math.ceil(delay.toMilliseconds() / 1000);
    if (delay.toMilliseconds() < 1000 || delay.toMilliseconds() > 300_000) {
      throw new Error(`${path}: shutdownDelay ${delay.toMilliseconds()}ms must be from 1s to 5m; endpoint removal takes a few seconds to reach every node (5s is a common choice)`);
    }

    this.gateways = [...props.gateways];
    const keys = this.gateways.map(gatewayKey);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) throw new Error(`${path}: the Gateway ${q(dup)} is given twice in \`gateways\`; list each Gateway once`);
    this.image = props.image ?? `${GATEWAY_IMAGE_REPOSITORY}:${PACKAGE_VERSION}`;
    this.sockets = planSockets(path, this.gateways, adminPort, (g) => this.listenerSetsOf(g));
    checkValue(`${path}: mode`, props.mode);
    this.mode = props.mode ?? GatewayDeploymentMode.configMap();
    const kube = this.mode._kubernetes;
    this.kubernetes = kube;
    if (kube && this.gateways.length > 1) {
      throw new Error(`${path}: ${this.gateways.length} Gateways (${keys.map(q).join(', ')}) are given in controller mode, but a Gateway's status.addresses come from the one Service the pods are told of (\`serve --service\`); create one GatewayDeployment per Gateway`);
    }

    const metadata = props.metadata ?? {};
    const podNamespace = metadata.namespace ?? Chart.of(this).namespace ?? 'default';
    if (!kube) {
      this.config = new kplus.ConfigMap(this, 'Config', { metadata });
      this.config.addData(ROUTES_FILE, Lazy.any({ produce: () => this.renderConfig() }) as unknown as string);
    }

    const lazy = (produce: () => string): string => Lazy.any({ produce }) as unknown as string;
    const args = [
      'serve', ...(kube ? ['--kubernetes'] : ['--routes', ROUTES_DIR]), '--admin', `0.0.0.0:${adminPort}`,
      '--shutdown-delay', `${delaySeconds}s`, '--drain-timeout', `${drainSeconds}s`,
    ];
    for (const key of keys) args.push('--gateway', key);
    if (kube) {
      const controllerName = kube.controllerName ?? GatewayClass.CONTROLLER_NAME;
      if (controllerName !== GatewayClass.CONTROLLER_NAME) args.push('--controller-name', controllerName);
      // the names of the Lease and the Service are those of objects created below
      args.push('--lease', lazy(() => `${podNamespace}/${this.leaseName!}`));
      args.push('--service', lazy(() => `${podNamespace}/${this.service.name}`));
    }
    const single = this.gateways.length === 1;
    for (const s of this.sockets) {
      // A Gateway binds 0.0.0.0:<listener port> unless told otherwise.
      if (s.containerPort !== s.listenerPort) args.push('--listen', `${single ? '' : `${s.key}:`}${s.listenerPort}=0.0.0.0:${s.containerPort}`);
    }
    if (props.accessLog === false) args.push('--no-access-log');

    // The certificates of HTTPS listeners, in ConfigMap mode: each Secret is mounted read-only and served from its
    // files, so the gateway needs no access to the Kubernetes API, and a renewed certificate (e.g. by cert-manager)
    // is picked up when the kubelet updates the volume. Each Secret has its own directory and its volume is optional:
    // a missing Secret leaves its directory empty (the gateway then does not serve the listeners that need it)
    // instead of holding every new pod in ContainerCreating. In controller mode the gateway reads the Secrets from
    // the API (any namespace a ReferenceGrant allows), so there are no Secret volumes.
    // (the listeners of the app's ListenerSets on these Gateways too: their certificates are read from their namespace)
    const tlsSecrets = new Map<string, string>();
    const listenerOwners = (kube ? [] : this.gateways).flatMap((g): Array<Gateway | ListenerSet> => [g, ...this.listenerSetsOf(g)]);
    for (const owner of listenerOwners) {
      const ownerNamespace = owner.namespace ?? 'default';
      for (const listener of owner.listeners) {
        for (const ref of listener._certificates) {
          const namespace = ref.namespace ?? ownerNamespace;
          if (namespace !== podNamespace) {
            throw new Error(`${path}: listener ${q(listener.name)} of ${owner.node.path} uses the certificate Secret ${q(`${namespace}/${ref.name}`)}, but the gateway pods run in namespace ${q(podNamespace)} and can mount Secrets of their own namespace only; put the Secret (or a copy) in ${q(podNamespace)}`);
          }
          tlsSecrets.set(ref.name, `${TLS_DIR}/${namespace}/${ref.name}`);
        }
      }
      // the client certificate the gateway shows to backends over TLS (`spec.tls.backend`), mounted the same way
      const client = owner instanceof Gateway ? owner.backendClientCertificate : undefined;
      if (client !== undefined) {
        const namespace = client.namespace ?? ownerNamespace;
        if (namespace !== podNamespace) {
          throw new Error(`${path}: ${owner.node.path} uses the backend client certificate Secret ${q(`${namespace}/${client.name}`)}, but the gateway pods run in namespace ${q(podNamespace)} and can mount Secrets of their own namespace only; put the Secret (or a copy) in ${q(podNamespace)}`);
        }
        tlsSecrets.set(client.name, `${TLS_DIR}/${namespace}/${client.name}`);
      }
    }
    for (const [name, dir] of [...tlsSecrets].sort()) args.push('--tls-secret', `${podNamespace}/${name}=${dir}`);

    if (kube) this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata, automountToken: false });
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata,
      serviceAccount: this.serviceAccount,
      replicas: props.autoscaling ? undefined : replicas,
      terminationGracePeriod: Duration.seconds(delaySeconds + drainSeconds + 5),
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000 },
      containers: [{
        name: 'gateway',
        image: this.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['node', ...GATEWAY_NODE_FLAGS, '/app/cdk8s-gateway.js'],
        args,
        // `serve --identity` defaults to POD_NAME: the holder of the leader-election Lease
        envVariables: kube ? { POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } : undefined,
        ports: [
          ...this.sockets.map((s) => ({ number: s.containerPort, name: portName(s) })),
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
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
      }],
    });
    const podSpec = ApiObject.of(this.deployment);
    podSpec.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
    // only controller mode talks to the API server; the ServiceAccount itself does not automount its token
    podSpec.addJsonPatch(JsonPatch.add('/spec/template/spec/automountServiceAccountToken', kube !== undefined));
    if (props.topologySpread ?? true) {
      // ScheduleAnyway: a cluster with one node or zone still runs every replica. matchLabelKeys: the pods of one
      // rollout (one ReplicaSet) are spread on their own, not counted against the old ones being replaced.
      podSpec.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints',
        ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
          maxSkew: 1,
          topologyKey,
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { ...this.deployment.matchLabels } },
          matchLabelKeys: ['pod-template-hash'],
        }))));
    }
    if (this.config) {
      const volume = kplus.Volume.fromConfigMap(this, 'RoutesVolume', this.config);
      this.deployment.containers[0].mount(ROUTES_DIR, volume, { readOnly: true });
      this.deployment.podMetadata.addAnnotation(
        GatewayDeployment.CHECKSUM_ANNOTATION,
        lazy(() => crypto.createHash('sha256').update(this.renderConfig()).digest('hex')),
      );
    }
    for (const [name, dir] of [...tlsSecrets].sort()) {
      const secret = kplus.Secret.fromSecretName(this, `TlsSecret-${name}`, name);
      this.deployment.containers[0].mount(dir, kplus.Volume.fromSecret(this, `TlsVolume-${name}`, secret, { optional: true }), { readOnly: true });
    }
    if (props.prometheusScrape ?? true) {
      this.deployment.podMetadata.addAnnotation('prometheus.io/scrape', 'true');
      this.deployment.podMetadata.addAnnotation('prometheus.io/port', String(adminPort));
      this.deployment.podMetadata.addAnnotation('prometheus.io/path', '/metrics');
    }

    this.services = this.gateways.map((gateway, index) => {
      const service = new kplus.Service(this, index === 0 ? 'Service' : `Service-${gateway.namespace ?? 'default'}-${gateway.name}`, {
        metadata: index === 0 || metadata.name === undefined ? metadata : { ...metadata, name: `${metadata.name}-${gateway.name}` },
        type: props.serviceType ?? kplus.ServiceType.LOAD_BALANCER,
        selector: this.deployment,
        ports: this.sockets.filter((s) => s.index === index)
          .map((s) => ({ port: s.listenerPort, targetPort: s.containerPort, name: `listener-${s.listenerPort}` })),
      });
      if (props.externalTrafficPolicy) {
        ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', props.externalTrafficPolicy));
      }
      return service;
    });
    this.service = this.services[0];

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
      const min = a.minReplicas ?? (props.replicas ?? 2);
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

    if (props.networkPolicy) {
      const np = props.networkPolicy;
      const scrapers = np.metricsNamespaceLabels === undefined && np.metricsPodLabels === undefined ? [] : [{
        namespaceSelector: { matchLabels: { ...np.metricsNamespaceLabels } },
        ...(np.metricsPodLabels ? { podSelector: { matchLabels: { ...np.metricsPodLabels } } } : {}),
      }];
      this.networkPolicy = new ApiObject(this, 'NetworkPolicy', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata,
        spec: Lazy.any({
          produce: () => ({
            podSelector: { matchLabels: this.deployment.matchLabels },
            policyTypes: ['Ingress'],
            ingress: [
              { ports: [...new Set(this.sockets.map((s) => s.containerPort))].map((port) => ({ protocol: 'TCP', port })) },
              ...(scrapers.length > 0 ? [{ from: scrapers, ports: [{ protocol: 'TCP', port: adminPort }] }] : []),
            ],
          }),
        }),
      });
    }

    if (kube) {
      const sa = this.serviceAccount!;
      const subjects = [{ kind: 'ServiceAccount', name: sa.name, namespace: podNamespace }];
      // cluster-scoped: one per deployment in the whole cluster, so the namespace is part of the name
      const clusterMetadata = { ...metadata, name: `${podNamespace}-${this.deployment.name}` };
      this.clusterRole = clusterScoped(new ApiObject(this, 'ClusterRole', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: clusterMetadata,
        rules: CONTROLLER_CLUSTER_RULES,
      }));
      this.clusterRoleBinding = clusterScoped(new ApiObject(this, 'ClusterRoleBinding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: clusterMetadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: this.clusterRole.name },
        subjects,
      }));
      // a Lease cannot be created by name (the name is in the body, not the URL), so create is not restricted by name
      this.role = new ApiObject(this, 'Role', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata,
        rules: [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [this.leaseName!], verbs: ['get', 'update'] },
        ],
      });
      this.roleBinding = new ApiObject(this, 'RoleBinding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.role.name },
        subjects,
      });
    }

    this.node.addValidation({
      validate: () => [
        ...this.validateListeners(), ...this.validateSizes(), ...this.validateClasses(), ...(this.config ? this.caCertificates().problems : []),
      ],
    });
  }

  /**
   * The name of the leader-election Lease in controller mode (in the deployment's namespace).
   *
   * @default - none in ConfigMap mode
   */
  public get leaseName(): string | undefined {
    return this.kubernetes ? (this.kubernetes.leaseName ?? this.deployment.name) : undefined;
  }

  /**
   * The multi-document YAML the pods serve in ConfigMap mode: every Gateway, ListenerSet, HTTPRoute, GRPCRoute,
   * TLSRoute, ReferenceGrant and BackendTLSPolicy of the app, plus the Services their backendRefs name, the CA
   * ConfigMaps the policies and the Gateways' client-certificate validation name, and the Namespaces they live in,
   * each exactly as synthesized.
   * (In controller mode no ConfigMap holds it: the pods read these objects, and those of other apps, from the API.)
   */
  public renderConfig(): string {
    return Yaml.stringify(...this.servedObjects().map((o) => o.toJson()));
  }

  /** The ApiObjects `renderConfig` writes, in its order. */
  private servedObjects(): ApiObject[] {
    const all = this.node.root.node.findAll().filter((c: IConstruct): c is ApiObject => c instanceof ApiObject);
    const routing: ApiObject[] = [];
    const services = new Map<string, ApiObject>();
    const namespaces = new Map<string, ApiObject>();
    const named = new Set<string>();
    for (const obj of all) {
      const group = obj.apiVersion.split('/')[0];
      if (group === GATEWAY_GROUP && ROUTING_KINDS.has(obj.kind)) {
        routing.push(obj);
        const json = obj.toJson();
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
    return [
      ...namespaces.values(),
      ...[...named].filter((k) => services.has(k)).sort().map((k) => services.get(k)!),
      ...this.caCertificates().configMaps,
      ...routing,
    ];
  }

  /** The ListenerSets of this app whose parent is `gateway`: their listeners are served on its sockets. */
  private listenerSetsOf(gateway: Gateway): ListenerSet[] {
    return this.node.root.node.findAll().filter((c): c is ListenerSet => c instanceof ListenerSet && c.parent._gateway === gateway);
  }

  /**
   * ConfigMap mode: the ConfigMaps of the app that the app's BackendTLSPolicies (`validation.caCertificateRefs`) and
   * Gateways (`spec.tls.frontend`) name as CA certificates, and the references the routes ConfigMap cannot carry (a
   * ConfigMap defined outside the app, a Secret): the gateway reads nothing else, so those would fail at run time.
   */
  private caCertificates(): { configMaps: ApiObject[]; problems: string[] } {
    const all = this.node.root.node.findAll().filter((c: IConstruct): c is ApiObject => c instanceof ApiObject);
    const routesConfig = this.config ? ApiObject.of(this.config) : undefined;
    const defined = new Map(all.filter((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap' && o !== routesConfig)
      .map((o) => [`${o.metadata.namespace ?? 'default'}/${o.name}`, o]));
    const found = new Map<string, ApiObject>();
    const problems: string[] = [];
    const fix = 'define it in this app, or run the gateway in controller mode (GatewayDeploymentMode.kubernetes()), where it reads CA certificates from the Kubernetes API';
    for (const obj of all) {
      if (obj.apiVersion.split('/')[0] !== GATEWAY_GROUP || (obj.kind !== 'BackendTLSPolicy' && obj.kind !== 'Gateway')) continue;
      const json = obj.toJson();
      const ns = json.metadata?.namespace ?? 'default';
      const frontend = json.spec?.tls?.frontend;
      const validations: any[] = obj.kind === 'BackendTLSPolicy'
        ? [json.spec?.validation]
        : [frontend?.default?.validation, ...(frontend?.perPort ?? []).map((p: any) => p?.tls?.validation)];
      const refs: any[] = validations.flatMap((v) => v?.caCertificateRefs ?? []);
      for (const ref of refs) {
        const key = `${ref.namespace ?? ns}/${ref.name}`;
        const where = `${this.node.path}: the ${obj.kind} ${q(`${ns}/${obj.name}`)} (${constructPath(obj)})`;
        if ((ref.group ?? '') !== '' || ref.kind !== 'ConfigMap') {
          problems.push(`${where} names the CA certificate ${ref.kind} ${q(key)}; in ConfigMap mode the gateway reads CA certificates only from ConfigMaps of this app, which the routes ConfigMap carries; use a ConfigMap, or run the gateway in controller mode (GatewayDeploymentMode.kubernetes())`);
        } else if (defined.has(key)) {
          found.set(key, defined.get(key)!);
        } else {
          problems.push(`${where} names the CA certificate ConfigMap ${q(key)}, which this app does not define; in ConfigMap mode the gateway reads only the objects of this app, so ${fix}`);
        }
      }
    }
    return { configMaps: [...found.keys()].sort().map((k) => found.get(k)!), problems: [...new Set(problems)] };
  }

  private validateListeners(): string[] {
    const errors: string[] = [];
    const planned = new Set(this.sockets.map((s) => `${s.key}:${s.listenerPort}`));
    const missing = this.gateways.flatMap((g) => [...new Set(listenersOf(g, this.listenerSetsOf(g)).map((l) => l.port))]
      .filter((p) => !planned.has(`${gatewayKey(g)}:${p}`)).map((p) => `${p} (${gatewayKey(g)})`));
    if (missing.length > 0) {
      errors.push(`${this.node.path}: listener port(s) ${missing.join(', ')} were added to the gateways after the GatewayDeployment was created (directly or by a ListenerSet), so its Service does not expose them; create the GatewayDeployment after adding every listener and ListenerSet`);
    }
    for (const g of this.gateways) {
      const conflict = protocolConflict(g);
      if (conflict) errors.push(`${this.node.path}: ${conflict}`);
    }
    return errors;
  }

  /**
   * The API server's size limits: the routes ConfigMap's data (ConfigMap mode), and every object this deployment
   * writes or serves.
   */
  private validateSizes(): string[] {
    const errors: string[] = [];
    const wayOut = 'split the routes over several GatewayDeployments (each serving its own Gateways and the routes attached to them, in separate apps), or run the gateway in controller mode (GatewayDeploymentMode.kubernetes()), where it reads the routes from the Kubernetes API';
    const config = this.config ? ApiObject.of(this.config) : undefined;
    if (this.config) {
      const data = Buffer.byteLength(this.renderConfig(), 'utf8');
      if (data > CONFIG_MAP_DATA_LIMIT_BYTES) {
        errors.push(`${this.node.path}: the routes ConfigMap would hold ${formatBytes(data)} of routes, over the API server's limit of ${formatBytes(CONFIG_MAP_DATA_LIMIT_BYTES)} for a ConfigMap's data, so applying it would fail; ${wayOut}`);
      }
    }
    const objects = new Set<ApiObject>([
      ...this.node.findAll().filter((c: IConstruct): c is ApiObject => c instanceof ApiObject && c !== config),
      ...this.servedObjects(),
    ]);
    for (const obj of objects) {
      const size = Buffer.byteLength(JSON.stringify(obj.toJson()), 'utf8');
      if (size > OBJECT_SIZE_LIMIT_BYTES) {
        errors.push(`${this.node.path}: the ${obj.kind} ${q(obj.name)} (${obj.node.path}) is ${formatBytes(size)} as JSON, over the API server's request limit of ${formatBytes(OBJECT_SIZE_LIMIT_BYTES)}, so applying it would fail; make it smaller (a route's rules can be split over several routes)${this.config ? `, ${wayOut}` : ''}`);
      }
    }
    return errors;
  }

  /**
   * Controller mode: the gateway serves only Gateways whose GatewayClass names its controller. A served Gateway whose
   * class is defined in this app (given as `gatewayClass`, or by the name of a GatewayClass of the app) and names
   * another controller would never be served.
   */
  private validateClasses(): string[] {
    if (!this.kubernetes) return [];
    const controllerName = this.kubernetes.controllerName ?? GatewayClass.CONTROLLER_NAME;
    const classes = this.node.root.node.findAll().filter((c: IConstruct): c is GatewayClass => c instanceof GatewayClass);
    const errors: string[] = [];
    for (const gateway of this.gateways) {
      const found = gateway.gatewayClass ?? classes.find((c) => c.name === gateway.gatewayClassName);
      if (found && found.controllerName !== controllerName) {
        errors.push(`${this.node.path}: the Gateway ${q(gatewayKey(gateway))} (${gateway.node.path}) has the GatewayClass ${q(found.name)} (${found.node.path}), whose controllerName is ${q(found.controllerName)}, but this GatewayDeployment runs the controller ${q(controllerName)}, which serves only the Gateways of its own classes; give the Gateway a GatewayClass whose controllerName is ${q(controllerName)} (the default of new GatewayClass()), or serve it with the controller its class names`);
      }
    }
    return errors;
  }
}

/** Removes the namespace cdk8s gives every object of a chart that has one: a cluster-scoped object has none. */
function clusterScoped(obj: ApiObject): ApiObject {
  if (obj.metadata.namespace !== undefined) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}

function gatewayKey(gateway: Gateway): string {
  return `${gateway.namespace ?? 'default'}/${gateway.name}`;
}

/**
 * The container port of every (Gateway, listener port) socket. Each socket gets its own port, so no two collide:
 * an unprivileged listener port (1024 and up) is bound as is by the first Gateway that has it; privileged ports
 * (below 1024, which a non-root container cannot bind) start at port + 8000 (80 -> 8080, 443 -> 8443), and a port
 * already taken (by another socket or the admin port) moves up to the next free one.
 */
/** A Gateway's listeners and those its ListenerSets add. */
function listenersOf(gateway: Gateway, sets: readonly ListenerSet[]): Listener[] {
  return [...gateway.listeners, ...sets.flatMap((s) => s.listeners)];
}

function planSockets(path: string, gateways: readonly Gateway[], adminPort: number, setsOf: (g: Gateway) => ListenerSet[]): SocketPlan[] {
  const sockets: SocketPlan[] = gateways.flatMap((gateway, index) => {
    const ports = [...new Set(listenersOf(gateway, setsOf(gateway)).map((l) => l.port))].sort((a, b) => a - b);
    return ports.map((listenerPort) => ({ gateway, key: gatewayKey(gateway), index, listenerPort, containerPort: 0 }));
  });
  for (const gateway of gateways) {
    if (gateway.listeners.length === 0) {
      throw new Error(`${path}: the Gateway ${q(gatewayKey(gateway))} has no listeners yet; add its listeners before creating the GatewayDeployment`);
    }
    const conflict = protocolConflict(gateway);
    if (conflict) throw new Error(`${path}: ${conflict}`);
  }
  const taken = new Set<number>([adminPort]);
  for (const s of sockets) {
    if (s.listenerPort === adminPort) {
      throw new Error(`${path}: adminPort ${adminPort} collides with a listener port of ${q(s.key)}; choose another adminPort`);
    }
    if (s.listenerPort >= 1024 && !taken.has(s.listenerPort)) {
      s.containerPort = s.listenerPort;
      taken.add(s.listenerPort);
    }
  }
  for (const s of sockets.filter((x) => x.containerPort === 0)) {
    let port = s.listenerPort < 1024 ? s.listenerPort + 8000 : s.listenerPort;
    while (taken.has(port) && port <= 65535) port++;
    if (port > 65535) {
      throw new Error(`${path}: no free container port is left for listener port ${s.listenerPort} of ${q(s.key)}; serve fewer Gateways with this GatewayDeployment`);
    }
    s.containerPort = port;
    taken.add(port);
  }
  return sockets;
}

/** Why the gateway cannot serve a Gateway's port layout (HTTP and HTTPS listeners on one port), or undefined. */
function protocolConflict(gateway: Gateway): string | undefined {
  const byPort = new Map<number, Set<ListenerProtocol>>();
  for (const l of gateway.listeners) {
    if (!byPort.has(l.port)) byPort.set(l.port, new Set());
    byPort.get(l.port)!.add(l.protocol);
  }
  for (const [port, protocols] of byPort) {
    if (protocols.size > 1) {
      return `the Gateway ${q(gatewayKey(gateway))} has HTTP and HTTPS listeners on port ${port}; a port carries one protocol (the Gateway API calls this ProtocolConflict and the gateway would not serve one of them), so give the HTTPS listeners their own port (e.g. 443)`;
    }
  }
  return undefined;
}

/** A container port name (at most 15 characters, unique in the pod). */
function portName(s: SocketPlan): string {
  return s.index === 0 ? `listener-${s.listenerPort}` : `gw${s.index}-${s.listenerPort}`;
}

function formatBytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(2)} MiB (${n} bytes)`;
}

/** The path of the construct an ApiObject stands for: its L2 when it is one's `Resource` child. */
function constructPath(obj: ApiObject): string {
  return obj.node.id === 'Resource' && obj.node.scope ? obj.node.scope.node.path : obj.node.path;
}

function mirrorRefs(filters: any[] | undefined): any[] {
  return (filters ?? []).filter((f) => f?.type === 'RequestMirror' && f.requestMirror?.backendRef).map((f) => f.requestMirror.backendRef);
}

function checkInteger(path: string, prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${path}: ${prop} ${q(String(value))} must be an integer from ${min} to ${max}`);
  }
}
