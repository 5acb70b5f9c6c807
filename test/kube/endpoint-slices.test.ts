/**
 * EndpointSlices from a real API server, through informers, into the EndpointRegistry of a gateway serving
 * local backends: the API server refuses loopback addresses in slices, so the slices publish TEST-NET-1
 * addresses (192.0.2.x) and the gateway's address translation sends those to 127.0.0.1.
 */
import { Kube, apply, startKube } from './harness';
import { EndpointRegistry } from '../../src/dataplane/endpoints/registry';
import { KubeApiError, KubeObject, ResourceRef } from '../../src/dataplane/kube/client';
import { Informer } from '../../src/dataplane/kube/informer';
import { Backend, StartedGateway, request, startBackend, startGateway, until } from '../dataplane/proxy/helpers';

const NS = 'eps';
const slices: ResourceRef = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespace: NS };
const services: ResourceRef = { group: '', version: 'v1', plural: 'services', namespace: NS };

function slice(name: string, endpoints: { ip: string; ready?: boolean }[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'tests.cdk8s-gateway.dev' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true } })),
  };
}

describe('EndpointSlices from a real API server', () => {
  let kube: Kube;
  let gw: StartedGateway;
  let pods: Backend[];
  const registry = new EndpointRegistry();
  const problems: string[] = [];
  const informers: Informer[] = [];
  const translation = new Map<string, number>();

  beforeAll(async () => {
    kube = await startKube();
    await apply(kube.client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
    await apply(kube.client, service);
    pods = await Promise.all(['pod-1', 'pod-2', 'pod-3'].map((n) => startBackend(n)));
    pods.forEach((p, i) => translation.set(`192.0.2.${i + 1}:8080`, p.port));
    const feed = (upsert: (o: KubeObject) => readonly string[], remove: (o: KubeObject) => void) => ({
      onAdd: (o: KubeObject) => problems.push(...upsert(o)),
      onUpdate: (o: KubeObject) => problems.push(...upsert(o)),
      onDelete: (o: KubeObject) => remove(o),
    });
    informers.push(
      new Informer(kube.client, services, feed((o) => registry.upsertService(o), (o) => registry.deleteService(o))),
      new Informer(kube.client, slices, feed((o) => registry.upsertSlice(o), (o) => registry.deleteSlice(o))),
    );
    await Promise.all(informers.map((i) => i.start()));
    gw = await startGateway([
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'same-namespace', namespace: 'gateway-conformance-infra' }, spec: { gatewayClassName: 'test', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: NS }, spec: { parentRefs: [{ name: 'same-namespace', namespace: 'gateway-conformance-infra' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
      service,
    ], {}, {
      backendsFile: undefined,
      endpoints: registry,
      translateAddress: (host, port) => {
        const local = translation.get(`${host}:${port}`);
        return local !== undefined ? { host: '127.0.0.1', port: local } : { host, port };
      },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(informers.map((i) => i.stop()));
    await gw?.close();
    await Promise.all((pods ?? []).map((p) => p.close()));
    await kube?.stop();
  });

  const get = () => request(gw.port(), { path: '/', host: 'web.example.com' });
  const ready = () => registry.resolve(NS, 'web', 80)?.size ?? 0;

  test('fails to publish a loopback address: the API server refuses it (what the address translation is for)', async () => {
    // WHEN a slice lists 127.0.0.1 THEN it is refused as invalid, naming the loopback range
    const refused = kube.client.create(slices, slice('loopback', [{ ip: '127.0.0.1' }]));
    await expect(refused).rejects.toBeInstanceOf(KubeApiError);
    await expect(refused).rejects.toMatchObject({ code: 422, message: expect.stringContaining('loopback') });
  });

  test('slices written to the API are balanced over per request, follow readiness, and a Service without endpoints answers 503', async () => {
    // GIVEN a slice of Service web with three ready endpoints
    await kube.client.create(slices, slice('web-1', [{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }, { ip: '192.0.2.3' }]));
    await until(() => ready() === 3, 10_000);
    // WHEN 9 requests come in THEN each pod answers 3
    for (let i = 0; i < 9; i++) expect((await get()).status).toBe(200);
    expect(pods.map((p) => p.seen.length)).toEqual([3, 3, 3]);
    // WHEN pod-2 becomes not ready THEN the next 6 go to pod-1 and pod-3
    await kube.client.replace({ ...slices, name: 'web-1' }, {
      ...(await kube.client.get({ ...slices, name: 'web-1' })),
      endpoints: slice('web-1', [{ ip: '192.0.2.1' }, { ip: '192.0.2.2', ready: false }, { ip: '192.0.2.3' }]).endpoints,
    });
    await until(() => ready() === 2, 10_000);
    for (let i = 0; i < 6; i++) expect((await get()).status).toBe(200);
    expect(pods.map((p) => p.seen.length)).toEqual([6, 3, 6]);
    // WHEN the slice is deleted THEN requests get 503
    await kube.client.delete({ ...slices, name: 'web-1' });
    await until(() => ready() === 0, 10_000);
    expect((await get()).status).toBe(503);
    // AND the objects the API server handed over had no problem
    expect(problems).toEqual([]);
  });
});
