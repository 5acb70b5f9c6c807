// A complete app: the lesson's Gateway, the gateway runtime that serves it (GatewayDeployment), the Services, and a
// handful of routes of different patterns on their own hostnames, all in one chart. `cdk8s synth` writes
// everything a GitOps controller applies; the runtime's ConfigMap holds the routes exactly as synthesized.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BackendRef, CanaryRoute, CanarySplit, ExternalTrafficPolicy, Gateway, GatewayDeployment, GrpcServiceMethod, GrpcServiceRoute, HeaderVersionRoute,
  Listener,
  MethodRoute, MirrorRoute, ParentRef, PathMatch, PathRoutes,
} from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);

  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'task-api-gateway' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http', port: 80 }), Listener.http({ name: 'grpc', port: 50051 })],
  });
  const http = ParentRef.fromGateway(gateway, { sectionName: 'http' });

  // One Service per backend, selecting the pods of the same name.
  const service = (name: string, port = 8000) => new kplus.Service(chart, `Service-${name}`, {
    metadata: { name },
    selector: kplus.Pods.select(chart, `Pods-${name}`, { labels: { app: name } }),
    ports: [{ port, targetPort: port }],
  });
  const backend = (name: string, port = 8000) => BackendRef.fromService(service(name, port), { port });

  // tasks.example.com: services by path, an exact override and a 95/5 canary of the task API.
  new PathRoutes(chart, 'Tasks', {
    metadata: { name: 'tasks' },
    parentRefs: [http],
    hostnames: ['tasks.example.com'],
    paths: [
      { path: PathMatch.exact('/tasks/urgent'), backendRefs: [backend('urgent-task-api', 8003)] },
      { path: PathMatch.pathPrefix('/users'), backendRefs: [backend('user-api', 8001)] },
      { path: PathMatch.pathPrefix('/notifications'), backendRefs: [backend('notification-api', 8002)] },
    ],
  });
  new CanaryRoute(chart, 'TasksCanary', {
    metadata: { name: 'tasks-canary' },
    parentRefs: [http],
    hostnames: ['tasks.example.com'],
    match: { path: PathMatch.pathPrefix('/tasks') },
    stable: backend('task-api-stable'),
    canary: backend('task-api-canary'),
    split: CanarySplit.percent(5),
  });

  // api.example.com: `x-version: 2` to v2, everything else to v1.
  new HeaderVersionRoute(chart, 'Api', {
    metadata: { name: 'api' },
    parentRefs: [http],
    hostnames: ['api.example.com'],
    headerName: 'x-version',
    versions: [{ value: '2', backendRefs: [backend('task-api-v2')] }],
    defaultBackendRefs: [backend('task-api-v1')],
    path: PathMatch.pathPrefix('/api/'),
  });

  // orders.example.com: reads to the replicas, writes to the primary.
  new MethodRoute(chart, 'Orders', {
    metadata: { name: 'orders' },
    parentRefs: [http],
    hostnames: ['orders.example.com'],
    readBackendRefs: [backend('orders-read-replica')],
    writeBackendRefs: [backend('orders-primary')],
  });

  // search.example.com: every request is also sent to the shadow service; its answers are discarded.
  new MirrorRoute(chart, 'Search', {
    metadata: { name: 'search' },
    parentRefs: [http],
    hostnames: ['search.example.com'],
    primary: backend('search'),
    shadow: backend('search-shadow'),
  });

  // gRPC on the grpc listener: method-level backends, the rest of the service to one backend.
  new GrpcServiceRoute(chart, 'TaskService', {
    metadata: { name: 'task-grpc' },
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'grpc' })],
    service: 'task.TaskService',
    backendRefs: [backend('task-grpc-service', 50051)],
    methods: [
      { method: GrpcServiceMethod.named('CreateTask'), backendRefs: [backend('task-grpc-write', 50051)] },
      { method: GrpcServiceMethod.prefix('Get'), backendRefs: [backend('task-grpc-read', 50051)] },
    ],
  });

  // The defaults already give a restricted-profile pod, spread over nodes and zones, with a 5 s shutdown delay
  // (zero failed requests while pods roll) and Prometheus scrape annotations. On top: the autoscaler (its minimum is
  // `replicas`), client IPs kept at the gateway, and the admin port reachable only by the kubelet and Prometheus.
  new GatewayDeployment(chart, 'Runtime', {
    metadata: { name: 'task-api-gateway-runtime' },
    gateways: [gateway],
    replicas: 2,
    autoscaling: { maxReplicas: 6 },
    externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
    networkPolicy: {
      metricsNamespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
      metricsPodLabels: { 'app.kubernetes.io/name': 'prometheus' },
    },
  });
  return app;
}

export const section: ExampleSection = { name: 'complete-app', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
