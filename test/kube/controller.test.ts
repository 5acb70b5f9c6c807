/**
 * The controller against a real API server: it serves the Gateways of its own GatewayClass only, writes their status
 * and their routes' status from the one compile, writes nothing when nothing changed, follows changes after its
 * watches broke, and fails at once with a clear error when the API server cannot be reached.
 */
import { apply, conditionOf as cond, gatewayClass, Kube, refOf, startKube, testController } from './harness';
import { until } from './until';
import { GATEWAY_CONTROLLER_NAME, SUPPORTED_FEATURES } from '../../src/dataplane/controller/constants';
import { Controller } from '../../src/dataplane/controller/controller';
import type { CompiledTable } from '../../src/dataplane/engine/model';
import { KubeClient, KubeObject } from '../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';
const NS = 'ctl';

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const gateway = (name: string, className: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'Gateway',
  metadata: { name, namespace: NS },
  spec: { gatewayClassName: className, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
});
const service = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ port: 8080 }] } });
const route = (name: string, parent: string, backend: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: NS },
  spec: { parentRefs: [{ name: parent }], rules: [{ backendRefs: [{ name: backend, port: 8080 }] }] },
});


describe('controller against a real API server', () => {
  let kube: Kube;
  let controller: Controller;
  const tables: CompiledTable[] = [];

  beforeAll(async () => {
    kube = await startKube();
    for (const o of [
      ns(NS), gatewayClass('ours', GATEWAY_CONTROLLER_NAME), gatewayClass('theirs', 'example.com/other'),
      gateway('gw', 'ours'), gateway('other-gw', 'theirs'), service('backend'),
      route('web', 'gw', 'backend'), route('elsewhere', 'other-gw', 'backend'),
    ]) await apply(kube.client, o);
    controller = testController(kube, {
      onTable: (t) => {
        tables.push(t);
      },
    });
    await controller.start();
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await kube?.stop();
  });

  const get = (o: KubeObject): Promise<KubeObject> => kube.client.get(refOf(o));

  test('GIVEN our class and another controller\'s WHEN started THEN only our Gateway is served and every status of ours is written', async () => {
    // THEN the table serves gw only
    expect(tables[0].gateways.map((g) => g.key)).toStrictEqual([`${NS}/gw`]);
    // the class is Accepted with the features claimed
    const cls = await until('class accepted', async () => {
      const c = await get(gatewayClass('ours', ''));
      return cond(c.status?.conditions, 'Accepted')?.status === 'True' ? c : undefined;
    });
    expect(cls.status.supportedFeatures).toStrictEqual(SUPPORTED_FEATURES.map((name) => ({ name })));
    expect(cond(cls.status.conditions, 'Accepted').observedGeneration).toBe(cls.metadata.generation);
    // the Gateway and its listener
    const gw = await until('gateway programmed', async () => {
      const g = await get(gateway('gw', 'ours'));
      return cond(g.status?.conditions, 'Programmed')?.status === 'True' ? g : undefined;
    });
    expect(cond(gw.status.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: gw.metadata.generation });
    expect(gw.status.listeners).toHaveLength(1);
    expect(gw.status.listeners[0]).toMatchObject({
      name: 'http',
      attachedRoutes: 1,
      supportedKinds: [{ group: G, kind: 'HTTPRoute' }, { group: G, kind: 'GRPCRoute' }],
    });
    expect(gw.status.listeners[0].conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toStrictEqual([
      'Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed',
    ]);
    // the route's parent
    const web = await until('route accepted', async () => {
      const r = await get(route('web', 'gw', 'backend'));
      return r.status?.parents?.length ? r : undefined;
    });
    expect(web.status.parents).toHaveLength(1);
    expect(web.status.parents[0]).toMatchObject({
      controllerName: GATEWAY_CONTROLLER_NAME,
      parentRef: { group: G, kind: 'Gateway', namespace: NS, name: 'gw' },
    });
    expect(web.status.parents[0].conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);

    // AND nothing of the other controller's is touched
    expect((await get(gatewayClass('theirs', ''))).status?.conditions?.some((c: any) => c.reason === 'Accepted')).not.toBe(true);
    expect((await get(gateway('other-gw', 'theirs'))).status?.listeners).toBeUndefined();
    expect((await get(route('elsewhere', 'other-gw', 'backend'))).status?.parents ?? []).toStrictEqual([]);
  });

  test('GIVEN status written WHEN a change arrives that alters no status THEN no PUT is made and every resourceVersion stays', async () => {
    // GIVEN
    await controller.settled();
    const objects = [gatewayClass('ours', ''), gateway('gw', 'ours'), route('web', 'gw', 'backend')];
    const before = await Promise.all(objects.map(async (o) => (await get(o)).metadata.resourceVersion));
    const puts = controller.writer.stats.puts;
    const rebuilds = controller.stats.rebuilds;

    // WHEN an unrelated Service appears (a recompile) and the route's labels change (a recompile too)
    await apply(kube.client, service('unrelated'));
    const web = await get(route('web', 'gw', 'backend'));
    await kube.client.replace(refOf(web), { ...web, metadata: { ...web.metadata, labels: { team: 'a' } } });
    await until('two rebuilds', async () => (controller.stats.rebuilds >= rebuilds + 1 ? true : undefined));
    await controller.settled();

    // THEN
    expect(controller.writer.stats.puts).toBe(puts);
    const after = await Promise.all(objects.map(async (o) => (await get(o)).metadata.resourceVersion));
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
  });

  test('GIVEN ten more routes with status written WHEN one route is added THEN its status and the Gateway\'s are written, and not every route is checked again', async () => {
    // GIVEN
    for (let i = 0; i < 10; i++) await apply(kube.client, route(`more-${i}`, 'gw', 'backend'));
    await until('ten routes accepted', async () => ((await get(route('more-9', 'gw', 'backend'))).status?.parents?.length ? true : undefined));
    await controller.settled();
    const puts = controller.writer.stats.puts;
    const checked = controller.stats.statusChecked;
    const routes = (await kube.client.list({ group: G, version: 'v1', plural: 'httproutes', namespace: NS })).items.length;

    // WHEN
    await apply(kube.client, route('added', 'gw', 'backend'));

    // THEN the route is Accepted and the listener counts it
    const added = await until('added accepted', async () => {
      const r = await get(route('added', 'gw', 'backend'));
      return r.status?.parents?.length ? r : undefined;
    });
    expect(cond(added.status.parents[0].conditions, 'Accepted')).toMatchObject({ status: 'True', observedGeneration: added.metadata.generation });
    const gw = await until('attachedRoutes counted', async () => {
      const g = await get(gateway('gw', 'ours'));
      return g.status?.listeners?.[0]?.attachedRoutes === 12 ? g : undefined;
    });
    expect(gw.status.listeners[0].attachedRoutes).toBe(12);
    await controller.settled();
    // two writes (the route, the Gateway), and the passes checked fewer objects than there are routes: neither every
    // route after the compile, nor the objects of our own writes when their watch events came back
    expect(controller.writer.stats.puts - puts).toBe(2);
    expect(controller.stats.statusChecked - checked).toBeLessThan(routes);

    // (the routes go again: the tests below count the Gateway's routes)
    for (const name of ['added', ...Array.from({ length: 10 }, (_, i) => `more-${i}`)]) await kube.client.delete(refOf(route(name, 'gw', 'backend')));
    await until('routes gone from the status', async () => ((await get(gateway('gw', 'ours'))).status?.listeners?.[0]?.attachedRoutes === 1 ? true : undefined));
  });

  test('GIVEN a controller whose status passes wait for 60 s of quiet, at most 3 s WHEN a route is added THEN it is served at once and its status written only after the wait', async () => {
    // GIVEN a class, Gateway and controller of their own (the main controller leaves them alone)
    await apply(kube.client, gatewayClass('quiet', 'example.com/quiet'));
    await apply(kube.client, gateway('quiet-gw', 'quiet'));
    const served: string[][] = [];
    const quiet = new Controller({
      client: new KubeClient(kube.connection),
      controllerName: 'example.com/quiet',
      gateways: [`${NS}/quiet-gw`],
      leaderElection: false,
      statusQuietMs: 60_000,
      statusMaxDelayMs: 3_000,
      onTable: (t) => {
        served.push(t.gateways.flatMap((g) => g.ports.flatMap((p) => p.listeners.flatMap((l) => l.routes.map((r) => r.name)))));
      },
      informer: { random: () => 0.5 },
    });
    try {
      await quiet.start();
      await quiet.settled();

      // WHEN
      await apply(kube.client, route('quiet-route', 'quiet-gw', 'backend'));

      // THEN the table serves it as soon as it is compiled
      await until('route served', async () => (served.some((names) => names.includes('quiet-route')) ? true : undefined));
      // no status yet half a second later (a pass that did not wait would have written it by then)
      await new Promise((r) => setTimeout(r, 500));
      expect((await get(route('quiet-route', 'quiet-gw', 'backend'))).status?.parents ?? []).toStrictEqual([]);
      // and written once the wait is over
      const r = await until('status written', async () => {
        const x = await get(route('quiet-route', 'quiet-gw', 'backend'));
        return x.status?.parents?.length ? x : undefined;
      });
      expect(r.status.parents[0]).toMatchObject({ controllerName: 'example.com/quiet', parentRef: { name: 'quiet-gw' } });
    } finally {
      await quiet.stop();
      await kube.client.delete(refOf(route('quiet-route', 'quiet-gw', 'backend')));
    }
  });

  test('GIVEN status written by one controller WHEN another starts on the same objects (a restart) THEN it writes nothing', async () => {
    // GIVEN
    await controller.settled();

    // WHEN
    const restarted = new Controller({ client: new KubeClient(kube.connection), leaderElection: false, informer: { random: () => 0.5 } });
    try {
      await restarted.start();
      await restarted.settled();

      // THEN
      expect(restarted.stats.statusPasses).toBeGreaterThan(0);
      expect(restarted.writer.stats.puts).toBe(0);
    } finally {
      await restarted.stop();
    }
  });

  test('GIVEN the route WHEN its backend is changed to a missing Service THEN ResolvedRefs turns False/BackendNotFound at the new generation, keeping Accepted\'s transition time', async () => {
    // GIVEN
    const web = await get(route('web', 'gw', 'backend'));
    const acceptedBefore = cond(web.status.parents[0].conditions, 'Accepted');

    // WHEN
    await kube.client.replace(refOf(web), { ...web, spec: { ...web.spec, rules: [{ backendRefs: [{ name: 'missing', port: 8080 }] }] } });

    // THEN
    const r = await until('ResolvedRefs False', async () => {
      const x = await get(web);
      const c = cond(x.status?.parents?.[0]?.conditions, 'ResolvedRefs');
      return c?.status === 'False' ? x : undefined;
    });
    const resolved = cond(r.status.parents[0].conditions, 'ResolvedRefs');
    expect(resolved).toMatchObject({ reason: 'BackendNotFound', observedGeneration: r.metadata.generation });
    expect(resolved.message).toMatch(/ctl\/missing:8080/);
    const accepted = cond(r.status.parents[0].conditions, 'Accepted');
    expect(accepted).toMatchObject({ status: 'True', observedGeneration: r.metadata.generation, lastTransitionTime: acceptedBefore.lastTransitionTime });
  });

  test('GIVEN another controller\'s parent entry on our route WHEN we write THEN that entry is kept as it was', async () => {
    // GIVEN
    const web = await get(route('web', 'gw', 'backend'));
    const foreign = {
      parentRef: { group: G, kind: 'Gateway', namespace: NS, name: 'other-gw' },
      controllerName: 'example.com/other',
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'theirs', observedGeneration: web.metadata.generation, lastTransitionTime: '2026-01-01T00:00:00Z' }],
    };
    await kube.client.replace({ ...refOf(web), subresource: 'status' }, { ...web, status: { parents: [foreign] } });

    // WHEN our entry is written again (ours was removed by the write above)
    const r = await until('our parent back', async () => {
      const x = await get(web);
      return x.status?.parents?.length === 2 ? x : undefined;
    });

    // THEN
    expect(r.status.parents[0]).toStrictEqual(foreign);
    expect(r.status.parents[1].controllerName).toBe(GATEWAY_CONTROLLER_NAME);
  });

  test('GIVEN running watches WHEN every connection to the API server is cut THEN the informers list again and a later change is still reconciled', async () => {
    // GIVEN
    const lists = controller.informer('HTTPRoute').stats.lists;

    // WHEN the watches' sockets are destroyed
    (controller as any).options.client.close();
    await until('re-listed', async () => (controller.informer('HTTPRoute').stats.lists > lists ? true : undefined));
    await apply(kube.client, route('late', 'gw', 'backend'));

    // THEN
    const late = await until('late route accepted', async () => {
      const x = await get(route('late', 'gw', 'backend'));
      return cond(x.status?.parents?.[0]?.conditions, 'Accepted')?.status === 'True' ? x : undefined;
    });
    expect(late.status.parents[0].parentRef.name).toBe('gw');
    const gw = await until('two attached', async () => {
      const g = await get(gateway('gw', 'ours'));
      return g.status?.listeners?.[0]?.attachedRoutes === 2 ? g : undefined;
    });
    expect(gw.status.listeners[0].attachedRoutes).toBe(2);
  });

  test('GIVEN a route the engine cannot read WHEN it is created THEN it is left out, its status says why, and the others are still served', async () => {
    // GIVEN a regular expression RE2 refuses (lookbehind), which the CRD's schema does not check
    const bad: KubeObject = {
      ...route('bad-regex', 'gw', 'backend'),
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/(?<=a)b' } }], backendRefs: [{ name: 'backend', port: 8080 }] }] },
    };

    // WHEN
    await apply(kube.client, bad);

    // THEN
    const r = await until('bad route refused', async () => {
      const x = await get(bad);
      return cond(x.status?.parents?.[0]?.conditions, 'Accepted')?.status === 'False' ? x : undefined;
    });
    const accepted = cond(r.status.parents[0].conditions, 'Accepted');
    expect(accepted.reason).toBe('UnsupportedValue');
    expect(accepted.message).toMatch(/^HTTPRoute ctl\/bad-regex:spec\.rules\[0\]\.matches\[0\]\.path\.value: invalid regular expression "\/\(\?<=a\)b" \(RE2 syntax\)/);
    const table = tables[tables.length - 1];
    expect(table.gateways[0].ports[0].listeners[0].routes.map((x) => x.name)).not.toContain('bad-regex');
    expect(table.gateways[0].ports[0].listeners[0].routes.map((x) => x.name)).toContain('web');
  });

  test('GIVEN a TLS Secret and an Opaque one WHEN both exist THEN only the TLS Secret is read', async () => {
    // WHEN
    const secret = (name: string, type: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NS },
      type,
      data: { 'tls.crt': Buffer.from('x').toString('base64'), 'tls.key': Buffer.from('y').toString('base64') },
    });
    await apply(kube.client, secret('opaque', 'Opaque'));
    await apply(kube.client, secret('cert', 'kubernetes.io/tls'));

    // THEN
    await until('TLS Secret seen', async () => (controller.informer('Secret').get(NS, 'cert') ? true : undefined));
    expect(controller.informer('Secret').get(NS, 'opaque')).toBeUndefined();
    expect(controller.informer('Secret').list().every((x) => x.type === 'kubernetes.io/tls')).toBe(true);
  });

  test('GIVEN an endpoint sink WHEN EndpointSlices and Services come and go THEN the sink is told each, as the informer hands them', async () => {
    // GIVEN
    const seen: string[] = [];
    const sink = {
      upsertSlice: (o: KubeObject) => seen.push(`upsert slice ${o.metadata.name} ${o.endpoints?.[0]?.addresses?.[0]}`),
      deleteSlice: (o: KubeObject) => seen.push(`delete slice ${o.metadata.name}`),
      upsertService: (o: KubeObject) => o.metadata.name === 'svc-eps' && seen.push(`upsert service ${o.metadata.name}`),
      deleteService: (o: KubeObject) => o.metadata.name === 'svc-eps' && seen.push(`delete service ${o.metadata.name}`),
    };
    const withSink = new Controller({
      client: new KubeClient(kube.connection), leaderElection: false, endpoints: sink, informer: { random: () => 0.5 },
    });
    await withSink.start();
    const slice: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'svc-eps-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'svc-eps' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.0.7'], conditions: { ready: true } }],
      ports: [{ port: 8080 }],
    };
    try {
      // WHEN
      await apply(kube.client, service('svc-eps'));
      await apply(kube.client, slice);
      await until('slice seen', async () => (seen.some((x) => x.startsWith('upsert slice')) ? true : undefined));
      await kube.client.delete(refOf(slice));
      await kube.client.delete(refOf(service('svc-eps')));
      await until('deletes seen', async () => (seen.includes('delete service svc-eps') && seen.includes('delete slice svc-eps-1') ? true : undefined));

      // THEN
      expect(seen).toStrictEqual(['upsert service svc-eps', 'upsert slice svc-eps-1 10.244.0.7', 'delete slice svc-eps-1', 'delete service svc-eps']);
    } finally {
      await withSink.stop();
    }
  });

  test('GIVEN status writes that fail WHEN passes run THEN each pass logs one line and the next waits twice as long', async () => {
    // GIVEN a client whose status PUTs are refused by the network, and an object whose status must change
    const client = new KubeClient(kube.connection);
    const original = client.request.bind(client);
    (client as any).request = (method: string, path: string, options: any) =>
      (method === 'PUT' && path.endsWith('/status') ? Promise.reject(new Error('connect ECONNRESET (injected)')) : original(method, path, options));
    const lines: any[] = [];
    const failing = new Controller({
      client,
      leaderElection: false,
      informer: { random: () => 0.5 },
      controllerName: 'example.com/failing',
      log: (level, msg, fields) => lines.push({ level, msg, ...fields }),
    });
    await apply(kube.client, gatewayClass('failing', 'example.com/failing'));
    try {
      // WHEN
      await failing.start();
      await until('two failed passes', async () => (lines.filter((l) => l.msg === 'status writes failed').length >= 2 ? true : undefined), 15_000);

      // THEN
      const failed = lines.filter((l) => l.msg === 'status writes failed');
      expect(failed.slice(0, 2).map((l) => l.retryInMs)).toStrictEqual([1000, 2000]);
      expect(failed[0]).toMatchObject({ level: 'error', failed: 1, of: 1, first: { object: 'GatewayClass failing', error: expect.stringMatching(/ECONNRESET \(injected\)/) } });
    } finally {
      await failing.stop();
    }
  });

  test('fails at once with the server and the cause when the API server cannot be reached', async () => {
    // GIVEN a server address nothing listens on
    const client = new KubeClient({ server: 'https://127.0.0.1:1', source: 'test settings' });
    const unreachable = new Controller({ client, leaderElection: false, startTimeoutMs: 5_000 });

    // WHEN
    const started = Date.now();
    const error: Error = await unreachable.start().then(() => new Error('started'), (e) => e);

    // THEN
    expect(error.message).toMatch(/^kubernetes: cannot list gatewayclasses\.gateway\.networking\.k8s\.io from https:\/\/127\.0\.0\.1:1 \(test settings\): .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('fails naming the kind and the fix when the Gateway API CRDs are not served', async () => {
    // GIVEN a client whose requests for gatewayclasses get 404 (a path the server does not serve)
    const client = new KubeClient(kube.connection);
    const original = client.request.bind(client);
    (client as any).request = (method: string, path: string, options: any) => original(method, path.replace('/gateway.networking.k8s.io/', '/gateway.example.com/'), options);
    const c = new Controller({ client, leaderElection: false, startTimeoutMs: 5_000 });

    // WHEN
    const error: Error = await c.start().then(() => new Error('started'), (e) => e);

    // THEN
    expect(error.message).toMatch(/does not serve gatewayclasses\.gateway\.networking\.k8s\.io v1: install the Gateway API CRDs/);
  });
});
