// The gateway in controller mode: a GatewayClass for this project's controller, the lesson's Gateway of that class
// (HTTP, and HTTPS with a certificate Secret that cert-manager or the platform team keeps), two routes, and the
// GatewayDeployment that runs `cdk8s-gateway serve --kubernetes`. The pods read the Gateway, the routes of every
// namespace, their Services' EndpointSlices and the certificate from the Kubernetes API with their own
// ServiceAccount (a least-privilege ClusterRole and a Role for the leader-election Lease), and write the status of
// the Gateway and its routes. No ConfigMap holds the routes: routes applied later, from this app or from another
// team's repository, are served without rolling the pods.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AllowedRoutes, BackendRef, CanaryRoute, CanarySplit, CertificateRef, Gateway, GatewayClass, GatewayDeployment, GatewayDeploymentMode,
  HttpRoute, HttpRouteFilter, Listener, ParentRef, PathMatch, PathRoutes, RedirectScheme,
} from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);

  // Cluster-scoped: synthesized without a namespace although the chart has one.
  const gatewayClass = new GatewayClass(chart, 'GatewayClass', {
    metadata: { name: 'cdk8s-gateway' },
    description: 'cdk8s-gateway in controller mode',
  });

  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'task-api-gateway' },
    gatewayClass,
    listeners: [
      // routes of every namespace may attach to the HTTP listener; HTTPS serves this namespace's routes
      Listener.http({ name: 'http', port: 80, allowedRoutes: AllowedRoutes.all() }),
      Listener.https({
        name: 'https',
        port: 443,
        hostname: 'tasks.example.com',
        certificateRefs: [CertificateRef.fromSecretName('tasks-example-com-tls')],
      }),
    ],
  });

  const service = (name: string, port = 8000) => new kplus.Service(chart, `Service-${name}`, {
    metadata: { name },
    selector: kplus.Pods.select(chart, `Pods-${name}`, { labels: { app: name } }),
    ports: [{ port, targetPort: port }],
  });
  const backend = (name: string, port = 8000) => BackendRef.fromService(service(name, port), { port });

  // plain HTTP for tasks.example.com: a permanent redirect to HTTPS
  new HttpRoute(chart, 'TasksHttps', {
    metadata: { name: 'tasks-https-redirect' },
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'http' })],
    hostnames: ['tasks.example.com'],
    rules: [{ filters: [HttpRouteFilter.requestRedirect({ scheme: RedirectScheme.HTTPS, statusCode: 301 })] }],
  });
  new PathRoutes(chart, 'Tasks', {
    metadata: { name: 'tasks' },
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'https' })],
    hostnames: ['tasks.example.com'],
    paths: [
      { path: PathMatch.pathPrefix('/users'), backendRefs: [backend('user-api', 8001)] },
      { path: PathMatch.pathPrefix('/notifications'), backendRefs: [backend('notification-api', 8002)] },
    ],
  });
  new CanaryRoute(chart, 'TasksCanary', {
    metadata: { name: 'tasks-canary' },
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'https' })],
    hostnames: ['tasks.example.com'],
    match: { path: PathMatch.pathPrefix('/tasks') },
    stable: backend('task-api-stable'),
    canary: backend('task-api-canary'),
    split: CanarySplit.percent(10),
  });

  // The same production defaults as ConfigMap mode (restricted pods, shutdown delay, spread, PDB), plus the
  // autoscaler. The Lease is named after the Deployment; its Service gives the Gateway's status.addresses.
  new GatewayDeployment(chart, 'Runtime', {
    metadata: { name: 'task-api-gateway-runtime' },
    gateways: [gateway],
    mode: GatewayDeploymentMode.kubernetes(),
    replicas: 2,
    autoscaling: { maxReplicas: 6 },
  });
  return app;
}

export const section: ExampleSection = { name: 'controller-mode', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
