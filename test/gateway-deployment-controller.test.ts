/**
 * GatewayDeployment in controller mode (`GatewayDeploymentMode.kubernetes()`): the command line of
 * `serve --kubernetes`, the ServiceAccount and its RBAC (exactly the calls the controller makes), no routes
 * ConfigMap, and everything the ConfigMap mode guarantees for the pods kept.
 */
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BackendRef, CertificateRef, Gateway, GatewayClass, GatewayDeployment, GatewayDeploymentMode, HeaderMatch, HttpRoute, Listener, ParentRef, PathMatch,
  ReferenceGrant, ReferenceGrantFrom, ReferenceGrantTo,
} from '../src';
import { restrictedViolations } from './util/pod-security';

/**
 * A chart in namespace `edge` with a Gateway `edge/public` (HTTP 80, HTTPS 443 with a Secret of namespace `certs`, which
 * a ReferenceGrant allows).
 */
function edgeApp(gatewayProps: { gatewayClass?: GatewayClass; gatewayClassName?: string } = {}) {
  const chart = new Chart(new App(), 'edge', { namespace: 'edge', disableResourceNameHashes: true });
  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'public' },
    gatewayClassName: gatewayProps.gatewayClass ? undefined : (gatewayProps.gatewayClassName ?? 'cdk8s-gateway'),
    gatewayClass: gatewayProps.gatewayClass,
    listeners: [
      Listener.http({ name: 'http', port: 80 }),
      Listener.https({ name: 'https', port: 443, hostname: 'web.example.com', certificateRefs: [CertificateRef.fromSecretName('web-tls', 'certs')] }),
    ],
  });
  new ReferenceGrant(chart, 'CertsGrant', { metadata: { namespace: 'certs' }, fromObjects: [ReferenceGrantFrom.gateways('edge')], to: [ReferenceGrantTo.secrets('web-tls')] });
  return { chart, gateway };
}

function one(manifests: any[], kind: string): any {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The calls of the controller, as the rules that allow them (CONTRACT of `serve --kubernetes`). */
const CLUSTER_RULES = [
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'backendtlspolicies'],
    verbs: ['get', 'list', 'watch'],
  },
  { apiGroups: [''], resources: ['namespaces', 'services', 'secrets', 'configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['gatewayclasses/status', 'gateways/status', 'httproutes/status', 'grpcroutes/status', 'backendtlspolicies/status'],
    verbs: ['update'],
  },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['listenersets', 'tlsroutes', 'tcproutes', 'udproutes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['listenersets/status', 'tlsroutes/status', 'tcproutes/status', 'udproutes/status'], verbs: ['update'] },
];
/** The status subresources the controller updates. */
const STATUS_RESOURCES = CLUSTER_RULES.filter((r) => r.verbs.includes('update')).flatMap((r) => r.resources);

describe('GatewayDeployment in controller mode', () => {
  test('runs serve --kubernetes for its Gateway, with its Lease and its Service, and POD_NAME as the identity', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', {
      gateways: [gateway], metadata: { name: 'gw' }, image: 'example.com/gw:1', mode: GatewayDeploymentMode.kubernetes(),
    });
    const manifests = Testing.synth(chart);
    // THEN
    const container = one(manifests, 'Deployment').spec.template.spec.containers[0];
    expect(container.command).toStrictEqual(['node', '--max-semi-space-size=4', '--heap-growing-percent=50', '/app/cdk8s-gateway.js']);
    expect(container.args).toStrictEqual([
      'serve', '--kubernetes', '--admin', '0.0.0.0:9901', '--shutdown-delay', '5s', '--drain-timeout', '30s',
      '--gateway', 'edge/public', '--lease', 'edge/gw', '--service', 'edge/gw',
      '--listen', '80=0.0.0.0:8080', '--listen', '443=0.0.0.0:8443',
    ]);
    expect(container.env).toStrictEqual([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    expect(one(manifests, 'Service').metadata.name).toStrictEqual(runtime.service.name);
    expect(runtime.leaseName).toStrictEqual('gw');
    expect(runtime.mode.watchesApi).toBe(true);
  });

  test('without metadata.name, --lease and --service name the generated Deployment and Service, and the Role that Lease', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode: GatewayDeploymentMode.kubernetes() });
    const manifests = Testing.synth(chart);
    // THEN
    const deployment = one(manifests, 'Deployment');
    const args: string[] = deployment.spec.template.spec.containers[0].args;
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('--lease')).toStrictEqual(`edge/${deployment.metadata.name}`);
    expect(value('--service')).toStrictEqual(`edge/${one(manifests, 'Service').metadata.name}`);
    expect(one(manifests, 'Role').rules[1].resourceNames).toStrictEqual([deployment.metadata.name]);
    expect(one(manifests, 'ClusterRole').metadata.name).toStrictEqual(`edge-${deployment.metadata.name}`);
    expect(deployment.spec.template.spec.serviceAccountName).toStrictEqual(one(manifests, 'ServiceAccount').metadata.name);
  });

  test('has no routes ConfigMap, no checksum annotation and no Secret volumes: the pods read all of it from the API', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode: GatewayDeploymentMode.kubernetes() });
    const manifests = Testing.synth(chart);
    // THEN
    expect(runtime.config).toBeUndefined();
    expect(manifests.filter((m) => m.kind === 'ConfigMap')).toStrictEqual([]);
    const pod = one(manifests, 'Deployment').spec.template;
    expect(pod.metadata.annotations[GatewayDeployment.CHECKSUM_ANNOTATION]).toBeUndefined();
    expect(pod.spec.volumes).toBeUndefined();
    expect(pod.spec.containers[0].volumeMounts).toBeUndefined();
    expect(pod.spec.containers[0].args).not.toContain('--tls-secret');
  });

  test('a ServiceAccount that does not mount its token; the pod does', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { name: 'gw' }, mode: GatewayDeploymentMode.kubernetes() });
    const manifests = Testing.synth(chart);
    // THEN
    const sa = one(manifests, 'ServiceAccount');
    expect(sa).toStrictEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gw', namespace: 'edge' }, automountServiceAccountToken: false });
    expect(runtime.serviceAccount!.name).toStrictEqual('gw');
    const pod = one(manifests, 'Deployment').spec.template.spec;
    expect(pod.serviceAccountName).toStrictEqual('gw');
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('the ClusterRole allows exactly the controller\'s reads and status updates, bound to the ServiceAccount', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { name: 'gw', labels: { team: 'edge' } }, mode: GatewayDeploymentMode.kubernetes() });
    const manifests = Testing.synth(chart);
    // THEN cluster-scoped, named after the namespace and the deployment, without a namespace
    const role = one(manifests, 'ClusterRole');
    expect(role.metadata).toStrictEqual({ name: 'edge-gw', labels: { team: 'edge' } });
    expect(role.rules).toStrictEqual(CLUSTER_RULES);
    const binding = one(manifests, 'ClusterRoleBinding');
    expect(binding).toStrictEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'edge-gw', labels: { team: 'edge' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edge-gw' },
      subjects: [{ kind: 'ServiceAccount', name: 'gw', namespace: 'edge' }],
    });
    // AND nothing in it writes a spec or touches anything else
    const verbs = role.rules.flatMap((r: any) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${v} ${res}`)));
    expect(verbs.filter((v: string) => !/^(get|list|watch) /.test(v))).toStrictEqual(STATUS_RESOURCES.map((r) => `update ${r}`));
    expect(STATUS_RESOURCES.every((r) => r.endsWith('/status'))).toBe(true);
  });

  test('the Role in the deployment\'s namespace creates Leases and reads and updates only its own', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { name: 'gw' }, mode: GatewayDeploymentMode.kubernetes() });
    const manifests = Testing.synth(chart);
    // THEN
    const role = one(manifests, 'Role');
    expect(role.metadata).toStrictEqual({ name: 'gw', namespace: 'edge' });
    expect(role.rules).toStrictEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['gw'], verbs: ['get', 'update'] },
    ]);
    expect(one(manifests, 'RoleBinding')).toStrictEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'gw', namespace: 'edge' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gw' },
      subjects: [{ kind: 'ServiceAccount', name: 'gw', namespace: 'edge' }],
    });
  });

  test('another controller name and Lease name go to the command line and the Role', () => {
    // GIVEN
    const { chart, gateway } = edgeApp({ gatewayClassName: 'edge' });
    new GatewayClass(chart, 'Class', { metadata: { name: 'edge' }, controllerName: 'example.net/edge-gateway' });
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', {
      gateways: [gateway],
      mode: GatewayDeploymentMode.kubernetes({ controllerName: 'example.net/edge-gateway', leaseName: 'edge-leader' }),
    });
    const manifests = Testing.synth(chart);
    // THEN
    const args: string[] = one(manifests, 'Deployment').spec.template.spec.containers[0].args;
    expect(args.slice(args.indexOf('--gateway'), args.indexOf('--service'))).toStrictEqual([
      '--gateway', 'edge/public', '--controller-name', 'example.net/edge-gateway', '--lease', 'edge/edge-leader',
    ]);
    expect(one(manifests, 'Role').rules[1].resourceNames).toStrictEqual(['edge-leader']);
    expect(runtime.leaseName).toStrictEqual('edge-leader');
  });

  test('keeps the pod guarantees of ConfigMap mode: probes, restricted profile, grace period, PDB, autoscaler', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', {
      gateways: [gateway], mode: GatewayDeploymentMode.kubernetes(), autoscaling: { maxReplicas: 4 }, networkPolicy: {},
    });
    const manifests = Testing.synth(chart);
    // THEN
    const deployment = one(manifests, 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(restrictedViolations(deployment.spec.template)).toStrictEqual([]);
    expect(container.readinessProbe.httpGet).toStrictEqual({ path: '/readyz', port: 9901, scheme: 'HTTP' });
    expect(container.livenessProbe.httpGet).toStrictEqual({ path: '/healthz', port: 9901, scheme: 'HTTP' });
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toStrictEqual(40);
    expect(deployment.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(one(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toStrictEqual(1);
    expect(one(manifests, 'HorizontalPodAutoscaler').spec.minReplicas).toStrictEqual(2);
    expect(one(manifests, 'NetworkPolicy').spec.policyTypes).toStrictEqual(['Ingress']);
  });

  test('ConfigMap mode is the default: no ServiceAccount, no RBAC, no token', () => {
    // GIVEN
    const chart = Testing.chart();
    const gateway = new Gateway(chart, 'Gateway', { metadata: { name: 'public', namespace: 'edge' }, gatewayClassName: 'cdk8s-gateway', listeners: [Listener.http({ name: 'http' })] });
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: 'edge' } });
    const manifests = Testing.synth(chart);
    // THEN
    expect(runtime.mode.watchesApi).toBe(false);
    expect([runtime.serviceAccount, runtime.clusterRole, runtime.clusterRoleBinding, runtime.role, runtime.roleBinding, runtime.leaseName])
      .toStrictEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(manifests.map((m) => m.kind).filter((k) => /ServiceAccount|Role/.test(k))).toStrictEqual([]);
    expect(one(manifests, 'ConfigMap').data['routes.yaml']).toContain('kind: Gateway');
    const pod = one(manifests, 'Deployment').spec.template.spec;
    expect([pod.automountServiceAccountToken, pod.serviceAccountName, pod.containers[0].args.slice(0, 3)]).toStrictEqual([false, undefined, ['serve', '--routes', '/etc/cdk8s-gateway/routes']]);
  });

  test('routes over the ConfigMap limit synthesize: nothing holds them but the API', () => {
    // GIVEN two routes of about 0.9 MB each (together over the 1 MiB a ConfigMap holds)
    const { chart, gateway } = edgeApp();
    const service = new kplus.Service(chart, 'Web', { metadata: { name: 'web' }, ports: [{ port: 8000 }] });
    for (let r = 0; r < 2; r++) {
      new HttpRoute(chart, `Big${r}`, {
        parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'http' })],
        rules: Array.from({ length: 16 }, (_, i) => ({
          matches: [{ path: PathMatch.exact(`/r${r}/${i}`), headers: Array.from({ length: 16 }, (_h, h) => HeaderMatch.exact(`x-h${h}`, `${i}`.padEnd(3500, 'v'))) }],
          backendRefs: [BackendRef.fromService(service, { port: 8000 })],
        })),
      });
    }
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode: GatewayDeploymentMode.kubernetes() });
    // THEN
    expect(Buffer.byteLength(runtime.renderConfig())).toBeGreaterThan(1024 * 1024);
    expect(runtime.node.validate()).toStrictEqual([]);
  });
});

describe('GatewayDeployment in controller mode: errors', () => {
  test('fails with two Gateways: each Gateway\'s addresses come from its own Service', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    const internal = new Gateway(chart, 'Internal', { metadata: { name: 'internal' }, gatewayClassName: 'cdk8s-gateway', listeners: [Listener.http({ name: 'http' })] });
    // WHEN / THEN
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway, internal], mode: GatewayDeploymentMode.kubernetes() }))
      .toThrow('edge/Runtime: 2 Gateways ("edge/public", "edge/internal") are given in controller mode, but a Gateway\'s status.addresses come from the one Service the pods are told of (`serve --service`); create one GatewayDeployment per Gateway');
  });

  test('fails where the mode is given on a controller name that is not a domain-prefixed path', () => {
    // GIVEN a mode with a bad controller name (the factory does not throw)
    const { chart, gateway } = edgeApp();
    const mode = GatewayDeploymentMode.kubernetes({ controllerName: 'cdk8s-gateway' });
    // WHEN / THEN the deployment's path and the prop are named
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode }))
      .toThrow(new Error('edge/Runtime: mode: controller mode controllerName "cdk8s-gateway" must be a domain-prefixed path: a lowercase dns subdomain, \'/\', then a path (e.g. "cdk8s-gateway.dev/gateway-controller")'));
  });

  test('fails where the mode is given on a Lease name that is not an object name', () => {
    // GIVEN
    const { chart, gateway } = edgeApp();
    const mode = GatewayDeploymentMode.kubernetes({ leaseName: 'Leader_1' });
    // WHEN / THEN
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode }))
      .toThrow(new Error('edge/Runtime: mode: controller mode leaseName "Leader_1" must be a lowercase rfc 1123 subdomain of at most 253 characters: lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit (e.g. "my-name")'));
  });

  test('fails synth when the Gateway\'s class construct names another controller', () => {
    // GIVEN
    const chart0 = new Chart(new App(), 'classes');
    const istio = new GatewayClass(chart0, 'Istio', { metadata: { name: 'istio' }, controllerName: 'istio.io/gateway-controller' });
    const { chart, gateway } = edgeApp({ gatewayClass: istio });
    // WHEN
    const runtime = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode: GatewayDeploymentMode.kubernetes() });
    // THEN
    expect(runtime.node.validate()).toStrictEqual([
      'edge/Runtime: the Gateway "edge/public" (edge/Gateway) has the GatewayClass "istio" (classes/Istio), whose controllerName is "istio.io/gateway-controller", but this GatewayDeployment runs the controller "cdk8s-gateway.dev/gateway-controller", which serves only the Gateways of its own classes; give the Gateway a GatewayClass whose controllerName is "cdk8s-gateway.dev/gateway-controller" (the default of new GatewayClass()), or serve it with the controller its class names',
    ]);
  });

  test('fails synth when the class the Gateway names is a GatewayClass of the app for another controller', () => {
    // GIVEN
    const { chart, gateway } = edgeApp({ gatewayClassName: 'cdk8s-gateway' });
    new GatewayClass(chart, 'Class', { metadata: { name: 'cdk8s-gateway' }, controllerName: 'example.net/other' });
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode: GatewayDeploymentMode.kubernetes() });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/the GatewayClass "cdk8s-gateway" \(edge\/Class\), whose controllerName is "example\.net\/other"/);
  });

  test('a class name with no GatewayClass in the app, or a class of this controller, synthesizes', () => {
    // GIVEN
    const { chart, gateway } = edgeApp({ gatewayClassName: 'defined-elsewhere' });
    const mine = edgeApp({ gatewayClass: new GatewayClass(new Chart(new App(), 'c'), 'Mine') });
    // WHEN
    const a = new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], mode: GatewayDeploymentMode.kubernetes() });
    const b = new GatewayDeployment(mine.chart, 'Runtime', { gateways: [mine.gateway], mode: GatewayDeploymentMode.kubernetes() });
    // THEN
    expect([a.node.validate(), b.node.validate()]).toStrictEqual([[], []]);
  });
});
