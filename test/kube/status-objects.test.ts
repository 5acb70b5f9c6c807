/**
 * The status conformance cases' objects against a real kube-apiserver with the vendored CRDs: after the suite's
 * placeholders are filled and upstream's applier rewrites are made, the base objects, the suite-generated
 * Secrets and ConfigMaps, and every object of every case are accepted (schema and CEL validation included).
 * Objects of kinds whose CRDs are not vendored would be listed, never silently passed (every kind of the cases,
 * ListenerSet included, has its CRD vendored now).
 */
import { apply, Kube, refOf, startKube } from './harness';
import { readyPodsOf } from './pods';
import { KubeApiError } from '../../src/dataplane/kube/client';
import { loadStatusSuite } from '../conformance/status/cases';
import { checkExpectation, readForExpectation } from '../conformance/status/expect';
import { fillPlaceholders, prepareForApply, SuiteCertificates, SuiteEnv } from '../conformance/status/suite-objects';

const G = 'gateway.networking.k8s.io';

describe('status case objects against a real API server', () => {
  let kube: Kube;
  const suite = loadStatusSuite();
  const env: SuiteEnv = {
    gatewayClassName: 'cdk8s-gateway',
    controllerName: 'cdk8s-gateway.dev/gateway-controller',
    usableAddresses: [{ value: '192.0.2.10' }],
    unusableAddresses: [{ value: '198.51.100.10' }],
    certificates: new SuiteCertificates(),
  };

  beforeAll(async () => {
    kube = await startKube({ crdChannel: 'experimental' });
  }, 180_000);

  afterAll(async () => {
    await kube?.stop();
  });

  test('GIVEN the class under test WHEN base.json is applied THEN every base object and suite-generated Secret/ConfigMap is accepted', async () => {
    // GIVEN
    await apply(kube.client, { apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: env.gatewayClassName }, spec: { controllerName: env.controllerName } });

    // WHEN
    const objects = [...suite.base.objects, ...suite.base.generatedBySuite];
    for (const o of objects) await apply(kube.client, prepareForApply(await fillPlaceholders(o, env, 'base.json'), env));

    // THEN
    const gateways = await kube.client.list({ group: G, version: 'v1', plural: 'gateways' });
    expect(gateways.items.map((g) => g.spec.gatewayClassName)).toStrictEqual(Array(4).fill(env.gatewayClassName));
    const secret = await kube.client.get({ group: '', version: 'v1', plural: 'secrets', namespace: 'gateway-conformance-infra', name: 'tls-checks-certificate' });
    expect(Buffer.from(secret.data['tls.crt'], 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  }, 120_000);

  test('GIVEN base.json applied WHEN every case\'s objects are applied in order THEN the API server accepts all of them', async () => {
    // GIVEN
    const installed = new Set(kube.crds.map((n) => n.split('.')[0]));
    const refused: string[] = [];
    const notInstalled = new Set<string>();
    let applied = 0;

    // WHEN
    for (const c of suite.cases) {
      for (const o of c.objects) {
        if (o.apiVersion.startsWith(`${G}/`) && !installed.has(refOf(o).plural)) {
          notInstalled.add(o.kind);
          continue;
        }
        try {
          await apply(kube.client, prepareForApply(await fillPlaceholders(o, env, `cases/${c.name}.json`), env));
          applied++;
        } catch (e) {
          refused.push(`${c.name}: ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${(e as Error).message}`);
        }
      }
    }

    // THEN
    expect(refused).toStrictEqual([]);
    expect([...notInstalled]).toStrictEqual([]);
    expect(applied).toBe(suite.cases.reduce((n, c) => n + c.objects.length, 0));
    expect(suite.cases.some((c) => c.objects.some((o) => o.kind === 'ListenerSet'))).toBe(true);
  }, 170_000);

  test('GIVEN the base Deployments\' Pods written Ready WHEN setup.json\'s namespaceReady is read THEN only the Gateways (the controller\'s part) are missing', async () => {
    // GIVEN one Pod per replica, with addresses of a documentation range (no traffic goes to them)
    let next = 1;
    for (const d of suite.base.objects.filter((o) => o.kind === 'Deployment')) {
      const replicas = d.spec.replicas ?? 1;
      const written = await readyPodsOf(kube.client, d, Array.from({ length: replicas }, () => `192.0.2.${next++}`));
      expect(written.map((p) => p.status.conditions.find((c: any) => c.type === 'Ready').status)).toStrictEqual(Array(replicas).fill('True'));
    }

    // WHEN
    const ready = suite.setup.steps.flatMap((s) => s.expect).filter((e) => e.namespaceReady);
    const problems = await Promise.all(ready.map(async (e) => checkExpectation(e, await readForExpectation(kube.client, e))));

    // THEN no Pod is reported; the base Gateways wait for Accepted and Programmed
    expect(ready.map((e) => e.name)).toStrictEqual(['gateway-conformance-infra', 'gateway-conformance-app-backend', 'gateway-conformance-web-backend']);
    expect(problems.flat().filter((p) => !/^Gateway \S+: (no condition Accepted=True, Programmed=True|conditions not at generation)/.test(p))).toStrictEqual([]);
    expect(problems[0].length).toBeGreaterThan(0);
  }, 60_000);

  test('fails to create an EndpointSlice whose address is in the loopback range, with the API server\'s message', async () => {
    // WHEN
    const error = await apply(kube.client, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'loopback', namespace: 'gateway-conformance-infra', labels: { 'kubernetes.io/service-name': 'infra-backend-v1' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 3000, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    }).catch((e) => e);

    // THEN
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.message).toMatch(/422 Invalid: .*endpoints\[0\]\.addresses\[0\]: Invalid value: "127\.0\.0\.1": may not be in the loopback range/);
  });

  test('fails to make Pods with fewer addresses than replicas, or for an object that is not a Deployment', async () => {
    const deployment = suite.base.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'infra-backend-v1')!;
    await expect(readyPodsOf(kube.client, deployment, ['192.0.2.200'])).rejects.toThrow(
      /^pods: Deployment gateway-conformance-infra\/infra-backend-v1 has 2 replicas; give as many Pod IPs \(got 1\)$/,
    );
    await expect(readyPodsOf(kube.client, { ...deployment, kind: 'Service' }, [])).rejects.toThrow(/^pods: Service infra-backend-v1: expected a namespaced Deployment$/);
  });
});
