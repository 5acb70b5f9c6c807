/**
 * The controller's ListenerSets and TLSRoutes against a real API server: it watches both kinds, serves a
 * ListenerSet's listeners on its Gateway, writes the ListenerSet's status, the Gateway's `attachedListenerSets` and
 * the routes' parents (a ListenerSet parent, a TLSRoute's), follows a change at its new generation, leaves
 * ListenerSets of other controllers' Gateways alone, and writes nothing on a restart.
 */
import { apply, conditionOf as cond, gatewayClass, Kube, refOf, startKube, testController } from './harness';
import { until } from './until';
import { GATEWAY_CONTROLLER_NAME } from '../../src/dataplane/controller/constants';
import { Controller } from '../../src/dataplane/controller/controller';
import type { CompiledTable } from '../../src/dataplane/engine/model';
import { KubeClient, KubeObject } from '../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';
const NS = 'lset';

const gateway = (name: string, className: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'Gateway',
  metadata: { name, namespace: NS },
  spec: {
    gatewayClassName: className,
    allowedListeners: { namespaces: { from: 'Same' } },
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP', hostname: 'gw.example.com' },
      { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
    ],
  },
});
const listenerSet = (name: string, parent: string, hostname: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'ListenerSet',
  metadata: { name, namespace: NS },
  spec: { parentRef: { name: parent }, listeners: [{ name: 'team', port: 80, protocol: 'HTTP', hostname }] },
});
const service = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ name: 'http', port: 8080 }, { name: 'tls', port: 8443 }] } });
const httpRoute = (name: string, parentSet: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: NS },
  spec: { parentRefs: [{ group: G, kind: 'ListenerSet', name: parentSet }], rules: [{ backendRefs: [{ name: 'backend', port: 8080 }] }] },
});
const tlsRoute = (name: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'TLSRoute',
  metadata: { name, namespace: NS },
  spec: { parentRefs: [{ name: 'gw', sectionName: 'tls' }], hostnames: ['pass.example.com'], rules: [{ backendRefs: [{ name: 'backend', port: 8443 }] }] },
});

const brief = (list: any[] | undefined): string[] => (list ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('controller: ListenerSets and TLSRoutes against a real API server', () => {
  let kube: Kube;
  let controller: Controller;
  const tables: CompiledTable[] = [];

  beforeAll(async () => {
    kube = await startKube();
    for (const o of [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      gatewayClass('ours', GATEWAY_CONTROLLER_NAME), gatewayClass('theirs', 'example.com/other'),
      gateway('gw', 'ours'), gateway('other-gw', 'theirs'), service('backend'),
      listenerSet('team-a', 'gw', 'a.example.com'), listenerSet('stranger', 'other-gw', 's.example.com'),
      httpRoute('via-set', 'team-a'), tlsRoute('pass'),
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

  test('GIVEN a ListenerSet and a TLSRoute WHEN started THEN the ListenerSet\'s listener is served and every status is written', async () => {
    // THEN the table serves the ListenerSet's listener on the Gateway's port 80, and the TLSRoute on 443
    const gwTable = tables[0].gateways.find((g) => g.key === `${NS}/gw`)!;
    expect(gwTable.ports.find((p) => p.port === 80)!.listeners.map((l) => l.name).sort()).toStrictEqual(['http', `${NS}/team-a/team`]);
    expect(tables[0].sockets.find((s) => s.port === 443)!.tlsListeners![0].routes.map((r) => r.name)).toStrictEqual(['pass']);
    // the ListenerSet: Accepted, Programmed, its listener with the route attached, at its generation
    const set = await until('ListenerSet programmed', async () => {
      const s = await get(listenerSet('team-a', 'gw', ''));
      return cond(s.status?.conditions, 'Programmed')?.status === 'True' ? s : undefined;
    });
    expect(brief(set.status.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    expect(set.status.conditions.every((c: any) => c.observedGeneration === set.metadata.generation)).toBe(true);
    expect(set.status.listeners).toStrictEqual([expect.objectContaining({
      name: 'team', attachedRoutes: 1, supportedKinds: [{ group: G, kind: 'HTTPRoute' }, { group: G, kind: 'GRPCRoute' }],
    })]);
    expect(brief(set.status.listeners[0].conditions)).toStrictEqual(['Accepted=True/Accepted', 'Conflicted=False/NoConflicts', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed']);
    // the Gateway counts it, and its TLS listener counts the TLSRoute
    const gw = await until('attachedListenerSets', async () => {
      const g = await get(gateway('gw', 'ours'));
      return g.status?.attachedListenerSets === 1 ? g : undefined;
    });
    expect(gw.status.listeners.find((l: any) => l.name === 'tls')).toMatchObject({ attachedRoutes: 1, supportedKinds: [{ group: G, kind: 'TLSRoute' }] });
    // the HTTPRoute's parent is the ListenerSet; the TLSRoute's is the Gateway
    const viaSet = await until('route parent', async () => {
      const r = await get(httpRoute('via-set', 'team-a'));
      return r.status?.parents?.length ? r : undefined;
    });
    expect(viaSet.status.parents).toStrictEqual([expect.objectContaining({ controllerName: GATEWAY_CONTROLLER_NAME, parentRef: { group: G, kind: 'ListenerSet', namespace: NS, name: 'team-a' } })]);
    expect(brief(viaSet.status.parents[0].conditions)).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    const pass = await until('TLSRoute parent', async () => {
      const r = await get(tlsRoute('pass'));
      return r.status?.parents?.length ? r : undefined;
    });
    expect(pass.status.parents).toStrictEqual([expect.objectContaining({
      controllerName: GATEWAY_CONTROLLER_NAME, parentRef: { group: G, kind: 'Gateway', namespace: NS, name: 'gw', sectionName: 'tls' },
    })]);
    expect(brief(pass.status.parents[0].conditions)).toStrictEqual(['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
    expect(pass.status.parents[0].conditions.every((c: any) => c.observedGeneration === pass.metadata.generation)).toBe(true);

    // AND the ListenerSet of the other controller's Gateway is left as the API server defaulted it
    await controller.settled();
    const stranger = await get(listenerSet('stranger', 'other-gw', ''));
    expect(brief(stranger.status?.conditions)).toStrictEqual(['Accepted=Unknown/Pending', 'Programmed=Unknown/Pending']);
  });

  test.each([
    ['every Gateway of the class', undefined],
    ['the Gateway named as with --gateway', [`${NS}/gw`]],
  ])('GIVEN the status written WHEN another controller serving %s starts on the same objects (a restart) THEN it writes nothing', async (_what, gateways) => {
    // GIVEN
    await controller.settled();

    // WHEN
    const restarted = new Controller({ client: new KubeClient(kube.connection), leaderElection: false, gateways, informer: { random: () => 0.5 } });
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

  test('GIVEN the ListenerSet WHEN a second HTTPRoute attaches to it (a change of routes only) THEN its listener counts both', async () => {
    // GIVEN the status written
    await controller.settled();

    // WHEN
    await apply(kube.client, httpRoute('via-set-2', 'team-a'));

    // THEN the ListenerSet's status follows, though only a route changed
    const set = await until('attachedRoutes 2', async () => {
      const s = await get(listenerSet('team-a', 'gw', ''));
      return s.status?.listeners?.[0]?.attachedRoutes === 2 ? s : undefined;
    });
    expect(brief(set.status.conditions)).toStrictEqual(['Accepted=True/Accepted', 'Programmed=True/Programmed']);
    await kube.client.delete(refOf(httpRoute('via-set-2', 'team-a')));
    await until('attachedRoutes 1', async () => {
      const s = await get(listenerSet('team-a', 'gw', ''));
      return s.status?.listeners?.[0]?.attachedRoutes === 1 ? s : undefined;
    });
  });

  test('GIVEN a TCPRoute and a UDPRoute naming the Gateway WHEN written THEN each is told it is not served, and nothing is served for them', async () => {
    // GIVEN
    const route = (kind: string, name: string): KubeObject => ({
      apiVersion: `${G}/v1`,
      kind,
      metadata: { name, namespace: NS },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'backend', port: 9000 }] }] },
    });
    const before = controller.stats.rebuilds;

    // WHEN
    for (const r of [route('TCPRoute', 'db'), route('UDPRoute', 'dns')]) await apply(kube.client, r);

    // THEN each has one parent entry of ours, not accepted, at its generation
    for (const [kind, name, proto] of [['TCPRoute', 'db', 'TCP'], ['UDPRoute', 'dns', 'UDP']]) {
      const written = await until(`${kind} status`, async () => {
        const r = await get(route(kind, name));
        return r.status?.parents?.length ? r : undefined;
      });
      expect(written.status.parents).toStrictEqual([expect.objectContaining({ controllerName: GATEWAY_CONTROLLER_NAME, parentRef: { group: G, kind: 'Gateway', namespace: NS, name: 'gw' } })]);
      const accepted = cond(written.status.parents[0].conditions, 'Accepted');
      expect(accepted).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners', observedGeneration: written.metadata.generation });
      expect(accepted.message).toContain(`has no ${proto} listener`);
    }
    // AND the table was rebuilt for them, with no socket other than the Gateway's own ports
    expect(controller.stats.rebuilds).toBeGreaterThan(before);
    expect(tables[tables.length - 1].sockets.map((s) => s.port).sort((a, b) => a - b)).toStrictEqual([80, 443]);
  });

  test('GIVEN the ListenerSet WHEN its only listener takes the Gateway\'s hostname THEN it is ListenersNotValid at the new generation and no longer counted', async () => {
    // GIVEN
    const before = await get(listenerSet('team-a', 'gw', ''));

    // WHEN
    await kube.client.replace(refOf(before), { ...before, spec: { ...before.spec, listeners: [{ name: 'team', port: 80, protocol: 'HTTP', hostname: 'gw.example.com' }] } });

    // THEN
    const set = await until('ListenersNotValid', async () => {
      const s = await get(before);
      return cond(s.status?.conditions, 'Accepted')?.reason === 'ListenersNotValid' ? s : undefined;
    });
    expect(set.metadata.generation).toBeGreaterThan(before.metadata.generation!);
    expect(cond(set.status.conditions, 'Accepted')).toMatchObject({ status: 'False', observedGeneration: set.metadata.generation });
    expect(brief(set.status.listeners[0].conditions)).toStrictEqual(['Accepted=False/HostnameConflict', 'Conflicted=True/HostnameConflict', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/HostnameConflict']);
    const gw = await until('attachedListenerSets 0', async () => {
      const g = await get(gateway('gw', 'ours'));
      return g.status?.attachedListenerSets === 0 ? g : undefined;
    });
    expect(gw.status.attachedListenerSets).toBe(0);
    // the route naming it no longer attaches
    const route = await until('route not accepted', async () => {
      const r = await get(httpRoute('via-set', 'team-a'));
      return cond(r.status?.parents?.[0]?.conditions, 'Accepted')?.status === 'False' ? r : undefined;
    });
    expect(cond(route.status.parents[0].conditions, 'Accepted').reason).toBe('NoMatchingParent');
  });

  test('fails naming listenersets and the fix when the API server does not serve the ListenerSet CRD', async () => {
    // GIVEN a client whose requests for listenersets get 404 (a path the server does not serve)
    const client = new KubeClient(kube.connection);
    const original = client.request.bind(client);
    (client as any).request = (method: string, path: string, options: any) => original(method, path.replace('/listenersets', '/listenersetz'), options);
    const c = new Controller({ client, leaderElection: false, startTimeoutMs: 5_000 });

    // WHEN
    const error: Error = await c.start().then(() => new Error('started'), (e) => e);

    // THEN
    expect(error.message).toMatch(/does not serve listenersets\.gateway\.networking\.k8s\.io v1: install the Gateway API CRDs \(standard channel\) of v1\.6\.1 or later/);
  });
});
