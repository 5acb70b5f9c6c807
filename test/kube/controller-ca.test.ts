/**
 * The controller's CA certificates against a real API server: of each ConfigMap only `ca.crt` is kept, a ConfigMap
 * change that leaves `ca.crt` as it was compiles nothing, and a BackendTLSPolicy's status follows its CA ConfigMap
 * (created, emptied) and names the Gateway whose route reaches its Service.
 */
import { apply, Kube, refOf, servedGateway, startKube, testController, until } from './harness';
import { GATEWAY_CONTROLLER_NAME } from '../../src/dataplane/controller/constants';
import { Controller } from '../../src/dataplane/controller/controller';
import type { KubeObject } from '../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';
const NS = 'ca';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, annotations: { note: 'x'.repeat(100) } },
  data,
});
const policy: KubeObject = {
  apiVersion: `${G}/v1`,
  kind: 'BackendTLSPolicy',
  metadata: { name: 'api-tls', namespace: NS },
  spec: {
    targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
    validation: { hostname: 'api.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'api-ca' }] },
  },
};

/** `type=status/reason` of the conditions of the policy's ancestor `name`, once at the policy's generation. */
async function ancestorConditions(kube: Kube, name: string): Promise<string[] | undefined> {
  const live = await kube.client.get(refOf(policy));
  const ancestor = (live.status?.ancestors ?? []).find((a: any) => a.ancestorRef?.name === name && a.controllerName === GATEWAY_CONTROLLER_NAME);
  if (!ancestor || ancestor.conditions.some((c: any) => c.observedGeneration !== live.metadata.generation)) return undefined;
  return ancestor.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`);
}

describe('controller: CA ConfigMaps and BackendTLSPolicy status against a real API server', () => {
  let kube: Kube;
  let controller: Controller;

  beforeAll(async () => {
    kube = await startKube();
    for (const o of [
      ...servedGateway(NS, GATEWAY_CONTROLLER_NAME),
      { apiVersion: `${G}/v1`, kind: 'Gateway', metadata: { name: 'gw2', namespace: NS }, spec: { gatewayClassName: 'ours', listeners: [{ name: 'http', port: 8081, protocol: 'HTTP' }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: NS }, spec: { ports: [{ port: 443 }] } },
      {
        apiVersion: `${G}/v1`,
        kind: 'HTTPRoute',
        metadata: { name: 'api', namespace: NS },
        spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'api', port: 443 }] }] },
      },
      policy,
      configMap('settings', { 'app.yaml': 'a: 1' }),
    ] as KubeObject[]) await apply(kube.client, o);
    controller = testController(kube);
    await controller.start();
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await kube?.stop();
  });

  test('fails the policy while its CA ConfigMap is missing, and accepts it once the ConfigMap exists, with the Gateway as ancestor', async () => {
    // GIVEN the policy naming a ConfigMap that does not exist: THEN its ancestor gw says so
    expect(await until('NoValidCACertificate', () => ancestorConditions(kube, 'gw').then((c) => (c?.[0] === 'Accepted=False/NoValidCACertificate' ? c : undefined))))
      .toStrictEqual(['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateRef']);

    // WHEN the ConfigMap is created
    await apply(kube.client, configMap('api-ca', { 'ca.crt': PEM, 'other.txt': 'dropped' }));

    // THEN the policy is accepted, and the informer kept only ca.crt
    expect(await until('Accepted', () => ancestorConditions(kube, 'gw').then((c) => (c?.[0] === 'Accepted=True/Accepted' ? c : undefined))))
      .toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    const kept = controller.informer('ConfigMap').get(NS, 'api-ca')!;
    expect([kept.data, kept.metadata.annotations]).toStrictEqual([{ 'ca.crt': PEM }, undefined]);
    expect(controller.informer('ConfigMap').get(NS, 'settings')!.data).toBeUndefined();
  });

  test('GIVEN a ConfigMap without ca.crt WHEN it changes THEN nothing is compiled; WHEN a ca.crt is emptied THEN the policy fails again', async () => {
    // GIVEN everything compiled
    await controller.settled();
    const rebuilds = controller.stats.rebuilds;

    // WHEN a ConfigMap without ca.crt changes, and the informer has it
    const live = await apply(kube.client, configMap('settings', { 'app.yaml': 'a: 2' }));
    await until('change seen', async () => (controller.informer('ConfigMap').get(NS, 'settings')?.metadata.resourceVersion === live.metadata.resourceVersion ? true : undefined));
    await controller.settled();

    // THEN
    expect(controller.stats.rebuilds).toBe(rebuilds);

    // WHEN the CA's ca.crt is emptied
    await apply(kube.client, configMap('api-ca', { 'ca.crt': '' }));

    // THEN
    expect(await until('NoValidCACertificate', () => ancestorConditions(kube, 'gw').then((c) => (c?.[0] === 'Accepted=False/NoValidCACertificate' ? c : undefined))))
      .toStrictEqual(['Accepted=False/NoValidCACertificate', 'ResolvedRefs=False/InvalidCACertificateRef']);
    expect(controller.stats.rebuilds).toBeGreaterThan(rebuilds);
  });

  test('GIVEN the policy with one ancestor WHEN a route of another Gateway starts sending to its Service (a change of routes only) THEN that Gateway is an ancestor too', async () => {
    // GIVEN
    await controller.settled();
    const route = {
      apiVersion: `${G}/v1`,
      kind: 'HTTPRoute',
      metadata: { name: 'api-2', namespace: NS },
      spec: { parentRefs: [{ name: 'gw2' }], rules: [{ backendRefs: [{ name: 'api', port: 443 }] }] },
    } as KubeObject;

    // WHEN
    await apply(kube.client, route);

    // THEN
    expect(await until('gw2 an ancestor', () => ancestorConditions(kube, 'gw2'))).toHaveLength(2);
    const live = await kube.client.get(refOf(policy));
    expect(live.status.ancestors.map((a: any) => a.ancestorRef.name).sort()).toStrictEqual(['gw', 'gw2']);
  });
});
