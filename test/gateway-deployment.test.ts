import { ApiObject, Duration, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import {
  BackendRef, CertificateRef, Gateway, GatewayDeployment, HttpRoute, Listener, ParentRef, PathMatch,
} from '../src';

function app() {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'task-api-gateway', namespace: 'task-api' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http', port: 80 }), Listener.http({ name: 'grpc', port: 50051 })],
  });
  const service = new kplus.Service(chart, 'TaskApi', {
    metadata: { name: 'task-api', namespace: 'task-api' },
    ports: [{ port: 8000 }],
  });
  new kplus.Service(chart, 'Unrelated', { metadata: { name: 'unrelated', namespace: 'task-api' }, ports: [{ port: 1 }] });
  const route = new HttpRoute(chart, 'Route', {
    metadata: { name: 'task-api', namespace: 'task-api' },
    parentRefs: [ParentRef.fromGateway(gateway)],
    rules: [{ matches: [{ path: PathMatch.pathPrefix('/api/') }], backendRefs: [BackendRef.fromService(service, { port: 8000 })] }],
  });
  return { chart, gateway, service, route };
}

function byKind(manifests: any[], kind: string): any[] {
  return manifests.filter((m) => m.kind === kind);
}

describe('GatewayDeployment', () => {
  test('runs serve on the synthesized routes of the app, on every listener port', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], image: 'example.com/gw:1' });
    const manifests = Testing.synth(chart);
    // THEN
    const [deployment] = byKind(manifests, 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toStrictEqual('example.com/gw:1');
    expect(container.command).toStrictEqual(['node', '/app/cdk8s-gateway.js']);
    expect(container.args).toStrictEqual([
      'serve', '--routes', '/etc/cdk8s-gateway/routes', '--admin', '0.0.0.0:9901', '--drain-timeout', '30s',
      '--gateway', 'task-api/task-api-gateway', '--listen', '80=0.0.0.0:8080',
    ]);
    expect(container.ports).toStrictEqual([
      { containerPort: 8080, name: 'listener-80' },
      { containerPort: 50051, name: 'listener-50051' },
      { containerPort: 9901, name: 'admin' },
    ]);
    expect(container.livenessProbe.httpGet).toStrictEqual({ path: '/healthz', port: 9901, scheme: 'HTTP' });
    expect(container.readinessProbe.httpGet).toStrictEqual({ path: '/readyz', port: 9901, scheme: 'HTTP' });
    expect(container.securityContext).toStrictEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000,
    });
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toStrictEqual(40);
    expect(container.volumeMounts).toStrictEqual([{ mountPath: '/etc/cdk8s-gateway/routes', name: expect.any(String), readOnly: true }]);

    const [service] = byKind(manifests, 'Service').filter((s) => s.spec.type === 'LoadBalancer');
    expect(service.spec.ports).toStrictEqual([
      { name: 'listener-80', port: 80, targetPort: 8080 },
      { name: 'listener-50051', port: 50051, targetPort: 50051 },
    ]);
    expect(service.spec.selector).toStrictEqual(deployment.spec.selector.matchLabels);

    const [pdb] = byKind(manifests, 'PodDisruptionBudget');
    expect(pdb.spec).toStrictEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    expect(byKind(manifests, 'HorizontalPodAutoscaler')).toStrictEqual([]);
  });

  test('the ConfigMap holds the routing objects exactly as synthesized, and the Services they name', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    const manifests = Testing.synth(chart);
    // THEN
    const [configMap] = byKind(manifests, 'ConfigMap');
    const served = parseAllDocuments(configMap.data['routes.yaml']).map((d) => d.toJS());
    const expected = [
      ...byKind(manifests, 'Service').filter((s) => s.metadata.name === 'task-api'),
      ...byKind(manifests, 'Gateway'),
      ...byKind(manifests, 'HTTPRoute'),
    ];
    expect(served).toStrictEqual(expected);
  });

  test('a change of routes changes the checksum annotation, so the pods roll', () => {
    // GIVEN
    const checksum = (extraPrefix?: string) => {
      const { chart, gateway, route, service } = app();
      if (extraPrefix) {
        route.addRule({ matches: [{ path: PathMatch.exact(extraPrefix) }], backendRefs: [BackendRef.fromService(service, { port: 8000 })] });
      }
      new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
      const [deployment] = byKind(Testing.synth(chart), 'Deployment');
      return deployment.spec.template.metadata.annotations[GatewayDeployment.CHECKSUM_ANNOTATION];
    };
    // WHEN / THEN
    expect(checksum()).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum()).toStrictEqual(checksum());
    expect(checksum('/api/health')).not.toStrictEqual(checksum());
  });

  test('the image defaults to the tag of this library version', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    // THEN
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(runtime.image).toStrictEqual(`ghcr.io/cdk8s-gateway/cdk8s-gateway:${require('../package.json').version}`);
  });

  test('autoscaling adds a HorizontalPodAutoscaler that owns the replica count', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', {
      gateways: [gateway], drainTimeout: Duration.seconds(20), autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilizationPercent: 60 },
    });
    const manifests = Testing.synth(chart);
    // THEN
    const [hpa] = byKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec.minReplicas).toStrictEqual(3);
    expect(hpa.spec.maxReplicas).toStrictEqual(10);
    expect(hpa.spec.metrics).toStrictEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    const [deployment] = byKind(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBeUndefined();
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toStrictEqual(30);
  });

  test('fails without gateways', () => {
    const { chart } = app();
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [] })).toThrow(/test\/Runtime: no gateways given; pass the Gateway\(s\)/);
  });

  test('fails when the admin port collides with a listener port', () => {
    const { chart, gateway } = app();
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], adminPort: 50051 }))
      .toThrow(/adminPort 50051 collides with a listener port; choose another adminPort/);
  });

  test('fails on a replica count that is not a whole number', () => {
    const { chart, gateway } = app();
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], replicas: 1.5 }))
      .toThrow(/test\/Runtime: replicas "1.5" must be an integer from 0 to 1000/);
  });

  test('fails on a drain timeout under one second', () => {
    const { chart, gateway } = app();
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], drainTimeout: Duration.millis(10) }))
      .toThrow(/drainTimeout .* is too short/);
  });

  test('fails when a listener is added after the deployment', () => {
    // GIVEN
    const { chart, gateway } = app();
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    // WHEN
    gateway.addListener(Listener.http({ name: 'late', port: 8081 }));
    // THEN
    expect(runtime.node.validate()).toStrictEqual([
      expect.stringMatching(/listener port\(s\) 8081 were added to the gateways after the GatewayDeployment was created/),
    ]);
  });

  test('the served objects are the same ApiObjects the chart synthesizes', () => {
    const { chart, gateway } = app();
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    const routes = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'HTTPRoute');
    expect(runtime.renderConfig()).toContain(Yaml.stringify(routes[0].toJson()).trim());
  });
});

describe('GatewayDeployment with HTTPS listeners', () => {
  function httpsApp(secretNamespace?: string) {
    const chart = Testing.chart();
    const gateway = new Gateway(chart, 'Gateway', {
      metadata: { name: 'web', namespace: 'web' },
      gatewayClassName: 'cdk8s-gateway',
      listeners: [
        Listener.http({ name: 'http', port: 80 }),
        Listener.https({ name: 'https', port: 443, hostname: 'web.example.com', certificateRefs: [CertificateRef.fromSecretName('web-tls', secretNamespace)] }),
      ],
    });
    return { chart, gateway };
  }

  test('mounts each certificate Secret and serves it with --tls-secret', () => {
    // GIVEN
    const { chart, gateway } = httpsApp();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'web' } });
    const [deployment] = byKind(Testing.synth(chart), 'Deployment');
    // THEN
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.args.slice(-4)).toStrictEqual(['--listen', '443=0.0.0.0:8443', '--tls-secret', 'web/web-tls=/etc/cdk8s-gateway/tls/web/web-tls']);
    const mount = container.volumeMounts.find((m: any) => m.mountPath === '/etc/cdk8s-gateway/tls/web/web-tls');
    expect(mount.readOnly).toStrictEqual(true);
    expect(pod.volumes.find((v: any) => v.name === mount.name).secret).toStrictEqual({ secretName: 'web-tls' });
  });

  test('fails when the certificate Secret is in another namespace than the pods', () => {
    const { chart, gateway } = httpsApp('certs');
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'web' } }))
      .toThrow(/uses the certificate Secret "certs\/web-tls", but the gateway pods run in namespace "web" and can mount Secrets of their own namespace only/);
  });
});
