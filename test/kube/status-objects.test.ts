/**
 * The status conformance cases' objects against a real kube-apiserver with the vendored CRDs: after the suite's
 * placeholders are filled and upstream's applier rewrites are made, the base objects, the suite-generated
 * Secrets and ConfigMaps, and every object of every case are accepted (schema and CEL validation included).
 * Objects of kinds whose CRDs are not vendored (ListenerSet) are listed, never silently passed.
 */
import { apply, Kube, refOf, startKube } from './harness';
import { loadStatusSuite } from '../conformance/status/cases';
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
    expect([...notInstalled]).toStrictEqual(['ListenerSet']);
    expect(applied).toBe(suite.cases.reduce((n, c) => n + c.objects.filter((o) => o.kind !== 'ListenerSet').length, 0));
  }, 170_000);
});
