import { ApiObject, Duration, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import {
  AllowedListeners, BackendRef, CertificateRef, ExternalTrafficPolicy, Gateway, GatewayDeployment, HeaderMatch, HttpRoute, Listener,
  ListenerSet, ListenerSetParent, ParentRef, PathMatch, TlsRoute,
} from '../src';
import { LAYOUTS, Layout } from './util/gateway-layouts';
import { restrictedViolations } from './util/pod-security';

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

function oneGateway(name: string, namespace: string, listeners: Listener[]) {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'Gateway', { metadata: { name, namespace }, gatewayClassName: 'cdk8s-gateway', listeners });
  return { chart, gateway };
}

/** The values following `flag` in `args`. */
function flagValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
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
    expect(container.command).toStrictEqual(['node', '--max-semi-space-size=4', '--heap-growing-percent=50', '/app/cdk8s-gateway.js']);
    expect(container.args).toStrictEqual([
      'serve', '--routes', '/etc/cdk8s-gateway/routes', '--admin', '0.0.0.0:9901', '--shutdown-delay', '5s', '--drain-timeout', '30s',
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
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
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
      .toThrow(/adminPort 50051 collides with a listener port of "task-api\/task-api-gateway"; choose another adminPort/);
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
      expect.stringMatching(/listener port\(s\) 8081 \(task-api\/task-api-gateway\) were added to the gateways after the GatewayDeployment was created/),
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
    // optional: a missing Secret leaves the directory empty instead of holding the pod in ContainerCreating
    expect(pod.volumes.find((v: any) => v.name === mount.name).secret).toStrictEqual({ secretName: 'web-tls', optional: true });
  });

  test('fails when the certificate Secret is in another namespace than the pods', () => {
    const { chart, gateway } = httpsApp('certs');
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'web' } }))
      .toThrow(/uses the certificate Secret "certs\/web-tls", but the gateway pods run in namespace "web" and can mount Secrets of their own namespace only/);
  });
});

describe('GatewayDeployment port layouts', () => {
  /** container port of each Service port, per Service (by name), and the ports the container declares. */
  function synthLayout(layout: Layout) {
    const { chart, gateways } = layout.build();
    new GatewayDeployment(chart, 'Runtime', { gateways, metadata: { namespace: 'edge' } });
    const manifests = Testing.synth(chart);
    const [deployment] = byKind(manifests, 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    const services = byKind(manifests, 'Service').filter((s) => s.spec.type === 'LoadBalancer');
    return { container, services };
  }

  test.each(LAYOUTS.map((l) => [l.name, l] as const))('%s: every socket has its own container port and every Service port reaches it', (_name, layout) => {
    // GIVEN / WHEN
    const { container, services } = synthLayout(layout);
    // THEN the container ports are distinct (admin included) and non-privileged
    const ports: number[] = container.ports.map((p: any) => p.containerPort);
    expect(new Set(ports).size).toStrictEqual(ports.length);
    expect(ports.every((p) => p >= 1024)).toBe(true);
    const names: string[] = container.ports.map((p: any) => p.name);
    expect(new Set(names).size).toStrictEqual(names.length);
    expect(names.every((n) => n.length <= 15)).toBe(true);
    // one Service per Gateway, exposing exactly that Gateway's listener ports
    expect(services).toHaveLength(layout.gatewayPorts.length);
    services.forEach((svc, i) => {
      expect(svc.spec.ports.map((p: any) => p.port)).toStrictEqual(layout.gatewayPorts[i]);
      for (const p of svc.spec.ports) expect(ports).toContain(p.targetPort);
    });
    // the targets of different Gateways never coincide
    const targets = services.flatMap((svc) => svc.spec.ports.map((p: any) => p.targetPort));
    expect(new Set(targets).size).toStrictEqual(targets.length);
    expect(flagValues(container.args, '--listen')).toStrictEqual(layout.listen);
  });

  test('each Gateway\'s Service is named after the deployment and the Gateway, and exposed as `services`', () => {
    // GIVEN two Gateways
    const layout = LAYOUTS.find((l) => l.gatewayPorts.length === 2)!;
    const { chart, gateways } = layout.build();
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways, metadata: { name: 'edge-gw', namespace: 'edge' } });
    const services = byKind(Testing.synth(chart), 'Service');
    // THEN
    expect(services.map((s) => s.metadata.name)).toStrictEqual(['edge-gw', `edge-gw-${gateways[1].name}`]);
    expect(runtime.services.map((s) => s.name)).toStrictEqual(services.map((s) => s.metadata.name));
    expect(runtime.service).toBe(runtime.services[0]);
  });

  test('fails when a Gateway has HTTP and HTTPS listeners on one port', () => {
    // GIVEN
    const { chart, gateway } = oneGateway('mixed', 'edge', [
      Listener.http({ name: 'http', port: 8443, hostname: 'a.example.com' }),
      Listener.https({ name: 'https', port: 8443, hostname: 'b.example.com', certificateRefs: [CertificateRef.fromSecretName('b-tls')] }),
    ]);
    // WHEN / THEN
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'edge' } }))
      .toThrow(/test\/Runtime: the Gateway "edge\/mixed" has HTTP and HTTPS listeners on port 8443; a port carries one protocol .*ProtocolConflict.*give the HTTPS listeners their own port/);
  });

  test('fails when a Gateway is given twice', () => {
    const { chart, gateway } = app();
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway, gateway] }))
      .toThrow(/the Gateway "task-api\/task-api-gateway" is given twice in `gateways`; list each Gateway once/);
  });

  test('a privileged port whose + 8000 port is taken moves to the next free port', () => {
    // GIVEN listener 80, listener 8080, and the admin port on 8081
    const { chart, gateway } = oneGateway('gw', 'edge', [Listener.http({ name: 'a', port: 80 }), Listener.http({ name: 'b', port: 8080, hostname: 'b.example.com' })]);
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], adminPort: 8081 });
    const [deployment] = byKind(Testing.synth(chart), 'Deployment');
    // THEN
    const container = deployment.spec.template.spec.containers[0];
    expect(container.ports).toStrictEqual([
      { containerPort: 8082, name: 'listener-80' },
      { containerPort: 8080, name: 'listener-8080' },
      { containerPort: 8081, name: 'admin' },
    ]);
    expect(flagValues(container.args, '--listen')).toStrictEqual(['80=0.0.0.0:8082']);
  });
});

describe('GatewayDeployment in production', () => {
  test('the pod passes every check of the Pod Security Standards restricted profile', () => {
    // GIVEN an app with an HTTPS listener (a Secret volume) and every option
    const { chart, gateway } = oneGateway('web', 'web', [
      Listener.http({ name: 'http', port: 80 }),
      Listener.https({ name: 'https', port: 443, hostname: 'web.example.com', certificateRefs: [CertificateRef.fromSecretName('web-tls')] }),
    ]);
    // WHEN
    new GatewayDeployment(chart, 'Runtime', {
      gateways: [gateway], metadata: { namespace: 'web' }, networkPolicy: {}, autoscaling: { maxReplicas: 4 },
    });
    const [deployment] = byKind(Testing.synth(chart), 'Deployment');
    // THEN
    expect(restrictedViolations(deployment.spec.template)).toStrictEqual([]);
    expect(deployment.spec.template.spec.securityContext.seccompProfile).toStrictEqual({ type: 'RuntimeDefault' });
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('fails a pod the restricted profile rejects (the check itself)', () => {
    // GIVEN pods that break one control each
    const ok = () => ({
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        volumes: [{ name: 'v', configMap: { name: 'x' } }],
      },
    });
    const broken = (edit: (p: any) => void) => {
      const p = ok();
      edit(p);
      return restrictedViolations(p);
    };
    // WHEN / THEN
    expect(restrictedViolations(ok())).toStrictEqual([]);
    expect(broken((p) => (p.spec.containers[0].securityContext.capabilities = { drop: [] } as any))).toStrictEqual(['Capabilities: containers[0] does not drop ALL']);
    expect(broken((p) => delete (p.spec.securityContext as any).seccompProfile)).toStrictEqual(['Seccomp: containers[0] has no RuntimeDefault or Localhost profile']);
    expect(broken((p) => (p.spec.containers[0].securityContext.allowPrivilegeEscalation = undefined as any))).toStrictEqual([
      'Privilege Escalation: containers[0] allowPrivilegeEscalation is not false',
    ]);
    expect(broken((p) => (p.spec.securityContext.runAsNonRoot = undefined as any))).toStrictEqual(['Running as Non-root: containers[0]']);
    expect(broken((p) => (p.spec.volumes = [{ name: 'h', hostPath: { path: '/' } } as any]))).toStrictEqual(['HostPath Volumes: h', 'Volume Types: h (hostPath)']);
    expect(broken((p) => ((p.spec as any).hostNetwork = true))).toStrictEqual(['Host Namespaces: hostNetwork']);
    expect(broken((p) => ((p.spec.containers[0].securityContext as any).capabilities.add = ['NET_ADMIN']))).toStrictEqual([
      'Capabilities: containers[0] adds NET_ADMIN', 'Capabilities: containers[0] adds NET_ADMIN (restricted allows only NET_BIND_SERVICE)',
    ]);
    expect(broken((p) => ((p.spec.containers[0] as any).ports = [{ containerPort: 80, hostPort: 80 }]))).toStrictEqual(['Host Ports: containers[0] hostPort 80']);
    expect(broken((p) => ((p.spec.containers[0] as any).readinessProbe = { httpGet: { host: '10.0.0.1', port: 1 } }))).toStrictEqual([
      'Host Probes / Lifecycle Hooks: containers[0].readinessProbe.httpGet.host',
    ]);
    expect(broken((p) => ((p.spec as any).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]))).toStrictEqual(['Sysctls: kernel.msgmax']);
  });

  test('spreads pods over nodes and zones, scrape annotations point at the admin port', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    const [deployment] = byKind(Testing.synth(chart), 'Deployment');
    // THEN
    const template = deployment.spec.template;
    expect(template.spec.topologySpreadConstraints).toStrictEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
      maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: deployment.spec.selector.matchLabels }, matchLabelKeys: ['pod-template-hash'],
    })));
    expect(template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9901', 'prometheus.io/path': '/metrics' });
  });

  test('topologySpread and prometheusScrape can be turned off; externalTrafficPolicy is set on the Service', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], topologySpread: false, prometheusScrape: false, externalTrafficPolicy: ExternalTrafficPolicy.LOCAL });
    const manifests = Testing.synth(chart);
    // THEN
    const [deployment] = byKind(manifests, 'Deployment');
    expect(deployment.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(Object.keys(deployment.spec.template.metadata.annotations)).toStrictEqual([GatewayDeployment.CHECKSUM_ANNOTATION]);
    const [service] = byKind(manifests, 'Service').filter((s) => s.spec.type === 'LoadBalancer');
    expect(service.spec.externalTrafficPolicy).toStrictEqual('Local');
  });

  test('replicas is the autoscaler\'s minimum unless minReplicas is given', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], replicas: 3, autoscaling: { maxReplicas: 9 } });
    const [hpa] = byKind(Testing.synth(chart), 'HorizontalPodAutoscaler');
    // THEN
    expect(hpa.spec.minReplicas).toStrictEqual(3);
    expect(hpa.spec.maxReplicas).toStrictEqual(9);
  });

  test('the grace period covers the shutdown delay and the drain timeout', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], shutdownDelay: Duration.seconds(10), drainTimeout: Duration.seconds(20) });
    const [deployment] = byKind(Testing.synth(chart), 'Deployment');
    // THEN
    const args: string[] = deployment.spec.template.spec.containers[0].args;
    expect(flagValues(args, '--shutdown-delay')).toStrictEqual(['10s']);
    expect(flagValues(args, '--drain-timeout')).toStrictEqual(['20s']);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toStrictEqual(35);
  });

  test('fails on a shutdown delay outside 1s to 5m', () => {
    const { chart, gateway } = app();
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], shutdownDelay: Duration.millis(200) }))
      .toThrow(/test\/Runtime: shutdownDelay 200ms must be from 1s to 5m; endpoint removal takes a few seconds/);
  });

  test('the NetworkPolicy opens the listener ports to all and the admin port to the named scrapers only', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', {
      gateways: [gateway],
      networkPolicy: { metricsNamespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, metricsPodLabels: { app: 'prometheus' } },
    });
    const manifests = Testing.synth(chart);
    // THEN
    const [deployment] = byKind(manifests, 'Deployment');
    const [policy] = byKind(manifests, 'NetworkPolicy');
    expect(policy.spec).toStrictEqual({
      podSelector: { matchLabels: deployment.spec.selector.matchLabels },
      policyTypes: ['Ingress'],
      ingress: [
        { ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 50051 }] },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { app: 'prometheus' } } }],
          ports: [{ protocol: 'TCP', port: 9901 }],
        },
      ],
    });
  });

  test('without scrapers the NetworkPolicy leaves the admin port to the kubelet alone', () => {
    const { chart, gateway } = app();
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], networkPolicy: {} });
    const [policy] = byKind(Testing.synth(chart), 'NetworkPolicy');
    expect(policy.spec.ingress).toStrictEqual([{ ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 50051 }] }]);
  });
});

describe('GatewayDeployment size limits', () => {
  /** An app whose routes carry `routes` HTTPRoutes of 16 rules, each rule `matches` matches of 16 headers of 3,500 bytes. */
  function bigApp(routes: number, matches: number) {
    const { chart, gateway, service } = app();
    for (let r = 0; r < routes; r++) {
      new HttpRoute(chart, `Big${r}`, {
        metadata: { name: `big-${r}`, namespace: 'task-api' },
        parentRefs: [ParentRef.fromGateway(gateway)],
        hostnames: [`big${r}.example.com`],
        rules: Array.from({ length: 16 }, (_, i) => ({
          matches: Array.from({ length: matches }, (_m, m) => ({
            path: PathMatch.exact(`/r${i}/m${m}`),
            headers: Array.from({ length: 16 }, (_h, h) => HeaderMatch.exact(`x-h${h}`, `${i}-${m}-`.padEnd(3500, 'v'))),
          })),
          backendRefs: [BackendRef.fromService(service, { port: 8000 })],
        })),
      });
    }
    return { chart, gateway };
  }

  test('fails synth when the routes ConfigMap is over 1 MiB, naming the size and the way out', () => {
    // GIVEN two routes of about 0.9 MB each: each object is under the request limit, together over the ConfigMap's
    const { chart, gateway } = bigApp(2, 1);
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    // THEN
    expect(runtime.node.validate()).toStrictEqual([
      expect.stringMatching(/^test\/Runtime: the routes ConfigMap would hold 1\.\d\d MiB \(\d+ bytes\) of routes, over the API server's limit of 1\.00 MiB \(1048576 bytes\) for a ConfigMap's data, so applying it would fail; split the routes over several GatewayDeployments .* or run the gateway in controller mode/),
    ]);
    expect(() => Testing.synth(chart)).toThrow(/the routes ConfigMap would hold/);
  });

  test('fails synth when one served object is over the API server\'s request limit', () => {
    // GIVEN one route of about 1.8 MB
    const { chart, gateway } = bigApp(1, 2);
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    // THEN
    const errors = runtime.node.validate();
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(/^test\/Runtime: the HTTPRoute "big-0" \(test\/Big0\/Resource\) is 1\.\d\d MiB \(\d+ bytes\) as JSON, over the API server's request limit of 1\.50 MiB \(1572864 bytes\), so applying it would fail; make it smaller \(a route's rules can be split over several routes\), split the routes over several GatewayDeployments/);
  });
});

describe('GatewayDeployment with ListenerSets and TLSRoutes (ConfigMap mode)', () => {
  /** A Gateway on port 80 admitting ListenerSets of its namespace, a team's ListenerSet on 443 (TLS passthrough and HTTPS) and a TLSRoute. */
  function teamApp(certificateNamespace?: string) {
    const chart = Testing.chart();
    const gateway = new Gateway(chart, 'Gateway', {
      metadata: { name: 'shared', namespace: 'edge' },
      gatewayClassName: 'cdk8s-gateway',
      allowedListeners: AllowedListeners.same(),
      listeners: [Listener.http({ name: 'http', port: 80 })],
    });
    const set = new ListenerSet(chart, 'Team', {
      metadata: { name: 'team', namespace: 'edge' },
      parent: ListenerSetParent.fromGateway(gateway),
      listeners: [
        Listener.tlsPassthrough({ name: 'db', port: 443, hostname: 'db.example.com' }),
        Listener.https({ name: 'web', port: 443, hostname: 'web.example.com', certificateRefs: [CertificateRef.fromSecretName('team-tls', certificateNamespace)] }),
      ],
    });
    const db = new kplus.Service(chart, 'Db', { metadata: { name: 'db', namespace: 'edge' }, ports: [{ port: 5432 }] });
    new TlsRoute(chart, 'DbRoute', {
      metadata: { name: 'db', namespace: 'edge' },
      parentRefs: [ParentRef.fromListenerSet(set, { sectionName: 'db' })],
      hostnames: ['db.example.com'],
      backendRefs: [BackendRef.fromService(db, { port: 5432 })],
    });
    return { chart, gateway, set };
  }

  test('the routes ConfigMap carries the ListenerSet, the TLSRoute and the Service it names; the ListenerSet\'s port is exposed and its Secret mounted', () => {
    // GIVEN
    const { chart, gateway } = teamApp();
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'edge' } });
    const manifests = Testing.synth(chart);
    // THEN the served objects include the ListenerSet, the TLSRoute and the db Service
    const served = parseAllDocuments(runtime.renderConfig()).map((d) => d.toJS());
    expect(served.map((o) => `${o.kind} ${o.metadata.name}`)).toStrictEqual(['Service db', 'Gateway shared', 'ListenerSet team', 'TLSRoute db']);
    // AND the Service exposes the ListenerSet's port 443 next to the Gateway's 80
    const lb = byKind(manifests, 'Service').find((s) => s.spec.type === 'LoadBalancer');
    expect(lb.spec.ports.map((p: any) => p.port)).toStrictEqual([80, 443]);
    // AND the ListenerSet's certificate Secret is mounted and served
    const container = byKind(manifests, 'Deployment')[0].spec.template.spec.containers[0];
    expect(flagValues(container.args, '--tls-secret')).toStrictEqual(['edge/team-tls=/etc/cdk8s-gateway/tls/edge/team-tls']);
    expect(flagValues(container.args, '--listen')).toStrictEqual(['80=0.0.0.0:8080', '443=0.0.0.0:8443']);
  });

  test('fails when a ListenerSet adds a port after the GatewayDeployment was created', () => {
    // GIVEN
    const { chart, gateway } = teamApp();
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'edge' } });
    // WHEN
    new ListenerSet(chart, 'Late', {
      metadata: { name: 'late', namespace: 'edge' },
      parent: ListenerSetParent.fromGateway(gateway),
      listeners: [Listener.http({ name: 'late', port: 8081, hostname: 'late.example.com' })],
    });
    // THEN
    expect(runtime.node.validate()).toStrictEqual([
      expect.stringMatching(/listener port\(s\) 8081 \(edge\/shared\) were added to the gateways after the GatewayDeployment was created \(directly or by a ListenerSet\)/),
    ]);
  });

  test('fails when a ListenerSet\'s certificate Secret is in another namespace than the pods', () => {
    const { chart, gateway } = teamApp('certs');
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'edge' } }))
      .toThrow(/listener "web" of test\/Team uses the certificate Secret "certs\/team-tls", but the gateway pods run in namespace "edge"/);
  });
});
