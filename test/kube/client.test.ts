/**
 * The Kubernetes client against a real kube-apiserver and etcd (test/kube/harness.ts) with the vendored Gateway
 * API CRDs: objects are created, the API server's own schema and CEL validation refuse bad routes with its
 * message, watch events arrive in order, and status is written through the status subresource.
 */
import * as fs from 'fs';
import { Kube, startKube } from './harness';
import { KubeApiError, KubeClient, KubeObject, ResourceRef, WatchEnd, WatchEvent } from '../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';
const NS = 'client-test';
const routes: ResourceRef = { group: G, version: 'v1', plural: 'httproutes', namespace: NS };
const route = (name: string, path = '/api', weight = 1): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: NS },
  spec: {
    parentRefs: [{ name: 'gw' }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: 'web', port: 80, weight }] }],
  },
});

/** Collects watch events until `count` have arrived or `ms` have passed. */
function collect(events: WatchEvent[], count: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = setInterval(() => {
      if (events.length >= count) {
        clearInterval(tick);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(tick);
        reject(new Error(`only ${events.length} of ${count} watch events within ${ms} ms: ${events.map((e) => e.type).join(', ')}`));
      }
    }, 20);
  });
}

describe('kubernetes client against a real API server', () => {
  let kube: Kube;

  beforeAll(async () => {
    kube = await startKube();
    await kube.client.create({ group: '', version: 'v1', plural: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  }, 180_000);

  afterAll(async () => {
    await kube?.stop();
  });

  test('GIVEN the harness THEN the API server is the built release and serves the Gateway API CRDs', async () => {
    // WHEN
    const version = await kube.client.request('GET', '/version');
    const group = await kube.client.request('GET', `/apis/${G}/v1`);

    // THEN
    expect(version.gitVersion).toMatch(/^v1\.(3[4-9]|[4-9]\d)\.\d+$/);
    expect(group.resources.map((r: any) => r.name)).toEqual(expect.arrayContaining(['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'httproutes/status']));
    expect(kube.crds).toContain(`httproutes.${G}`);
    expect(fs.readFileSync(kube.kubeconfig, 'utf8')).toMatch(/current-context: test/);
  });

  test('GIVEN a valid HTTPRoute WHEN created THEN it is stored at generation 1 with its spec', async () => {
    // WHEN
    const created = await kube.client.create(routes, route('created'));
    const read = await kube.client.get({ ...routes, name: 'created' });

    // THEN
    expect(created.metadata.generation).toBe(1);
    expect(read.metadata.uid).toBe(created.metadata.uid);
    expect(read.spec.rules[0].matches[0].path).toStrictEqual({ type: 'PathPrefix', value: '/api' });
  });

  test('fails to create a route whose path has no leading slash, with the CRD\'s CEL message', async () => {
    // WHEN
    const error = await kube.client.create(routes, route('no-slash', 'api')).catch((e) => e);

    // THEN
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.code).toBe(422);
    expect(error.reason).toBe('Invalid');
    expect(error.message).toMatch(/^kubernetes api POST \/apis\/gateway\.networking\.k8s\.io\/v1\/namespaces\/client-test\/httproutes: 422 Invalid: .*spec\.rules\[0\]\.matches\[0\]\.path: Invalid value: .*value must be an absolute path and start with '\/'/);
  });

  test('fails to create a route whose backend weight is above 1,000,000, with the schema\'s message', async () => {
    // WHEN
    const error = await kube.client.create(routes, route('heavy', '/api', 1_000_001)).catch((e) => e);

    // THEN
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.code).toBe(422);
    expect(error.message).toMatch(/spec\.rules\[0\]\.backendRefs\[0\]\.weight: Invalid value: 1000001: spec\.rules\[0\]\.backendRefs\[0\]\.weight in body should be less than or equal to 1000000/);
  });

  test('GIVEN a watch from a list WHEN a route is created, changed and deleted THEN the three events arrive in order', async () => {
    // GIVEN
    const list = await kube.client.list(routes);
    const events: WatchEvent[] = [];
    const watch = kube.client.watch(routes, { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true }, (e) => {
      if (e.type !== 'BOOKMARK') events.push(e);
    });

    // WHEN
    await kube.client.create(routes, route('watched'));
    await kube.client.mergePatch({ ...routes, name: 'watched' }, { spec: { hostnames: ['a.example.com'] } });
    await kube.client.delete({ ...routes, name: 'watched' });
    await collect(events, 3, 20_000);
    watch.stop();

    // THEN
    expect(events.map((e) => [e.type, e.object.metadata.name])).toStrictEqual([['ADDED', 'watched'], ['MODIFIED', 'watched'], ['DELETED', 'watched']]);
    expect(events[1].object.spec.hostnames).toStrictEqual(['a.example.com']);
    expect(events[1].object.metadata.generation).toBe(2);
    await expect(watch.done).resolves.toStrictEqual({ kind: 'stopped' });
  });

  test('GIVEN a watch with timeoutSeconds WHEN the server ends it THEN done says closed', async () => {
    // GIVEN
    const list = await kube.client.list(routes);

    // WHEN
    const watch = kube.client.watch(routes, { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 1 }, () => undefined);
    const guard = new Promise<WatchEnd>((resolve) => setTimeout(() => resolve({ kind: 'error', error: new Error('watch still open after 20 s') }), 20_000).unref());

    // THEN
    await expect(Promise.race([watch.done, guard])).resolves.toStrictEqual({ kind: 'closed' });
  });

  test('GIVEN a route WHEN its status is written through the status subresource THEN status is stored and generation is unchanged', async () => {
    // GIVEN
    const created = await kube.client.create(routes, route('with-status'));
    const condition = {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message: 'route accepted',
      observedGeneration: created.metadata.generation,
      lastTransitionTime: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000', ''),
    };
    const status = { parents: [{ parentRef: { group: G, kind: 'Gateway', name: 'gw' }, controllerName: 'example.com/gateway', conditions: [condition] }] };

    // WHEN the spec is also changed in the same write, the status endpoint ignores it
    const written = await kube.client.replace({ ...routes, name: 'with-status', subresource: 'status' }, {
      ...created,
      spec: { ...created.spec, hostnames: ['ignored.example.com'] },
      status,
    });

    // THEN
    const read = await kube.client.get({ ...routes, name: 'with-status' });
    expect(read.status).toStrictEqual(status);
    expect(read.spec.hostnames).toBeUndefined();
    expect(read.metadata.generation).toBe(1);
    expect(written.metadata.resourceVersion).toBe(read.metadata.resourceVersion);
  });

  test('fails to write status over a stale resourceVersion, with Conflict', async () => {
    // GIVEN
    const created = await kube.client.create(routes, route('stale'));
    await kube.client.mergePatch({ ...routes, name: 'stale' }, { metadata: { labels: { touched: 'yes' } } });

    // WHEN
    const error = await kube.client.replace({ ...routes, name: 'stale', subresource: 'status' }, { ...created, status: { parents: [] } }).catch((e) => e);

    // THEN
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.code).toBe(409);
    expect(error.message).toMatch(/409 Conflict: Operation cannot be fulfilled on httproutes\.gateway\.networking\.k8s\.io "stale": the object has been modified/);
  });

  test('fails to write a status whose condition breaks the CRD schema, with its message', async () => {
    // GIVEN
    const created = await kube.client.create(routes, route('bad-status'));

    // WHEN
    const error = await kube.client.replace({ ...routes, name: 'bad-status', subresource: 'status' }, {
      ...created,
      status: { parents: [{ parentRef: { name: 'gw' }, controllerName: 'example.com/gateway', conditions: [{ type: 'Accepted', status: 'Maybe', reason: 'Accepted', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] }] },
    }).catch((e) => e);

    // THEN
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.code).toBe(422);
    expect(error.message).toMatch(/status\.parents\[0\]\.conditions\[0\]\.status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"/);
  });

  test('fails with Unauthorized for a wrong token, naming the request', async () => {
    // GIVEN
    const client = new KubeClient({ ...kube.connection, token: 'not-the-token', source: 'test' });

    // WHEN
    const error = await client.list(routes).catch((e) => e);
    client.close();

    // THEN
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.code).toBe(401);
    expect(error.message).toMatch(/^kubernetes api GET \/apis\/gateway\.networking\.k8s\.io\/v1\/namespaces\/client-test\/httproutes: 401 Unauthorized/);
  });

  test('fails a watch that the server refuses (an unknown resource), with its status', async () => {
    // WHEN
    const watch = kube.client.watch({ group: G, version: 'v1', plural: 'nosuchroutes', namespace: NS }, {}, () => undefined);
    const end = await watch.done;

    // THEN
    expect(end.kind).toBe('error');
    expect(end.kind === 'error' && end.error.message).toMatch(/^kubernetes api GET \/apis\/gateway\.networking\.k8s\.io\/v1\/namespaces\/client-test\/nosuchroutes\?watch=true: 404 NotFound/);
  });
});
