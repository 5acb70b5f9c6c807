/**
 * Two controllers against one API server with leader election on one Lease: both serve (both compile tables), one
 * writes status; when the leader's renewals stop (it stops without releasing, as a replica that dies), the other
 * takes the Lease over once it has expired and writes from then on.
 */
import { apply, Kube, refOf, servedGateway, startKube, until } from './harness';
import { GATEWAY_CONTROLLER_NAME } from '../../src/dataplane/controller/constants';
import { Controller } from '../../src/dataplane/controller/controller';
import { KubeClient, KubeObject } from '../../src/dataplane/kube/client';

const G = 'gateway.networking.k8s.io';
const NS = 'le';

const route = (name: string, backend: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: NS },
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: backend, port: 80 }] }] },
});

describe('leader election between two controllers', () => {
  let kube: Kube;
  const controllers: Controller[] = [];

  beforeAll(async () => {
    kube = await startKube();
    for (const o of [
      ...servedGateway(NS, GATEWAY_CONTROLLER_NAME),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: NS }, spec: { ports: [{ port: 80 }] } },
      route('r', 'svc'),
    ] as KubeObject[]) await apply(kube.client, o);
    for (const identity of ['a', 'b']) {
      controllers.push(new Controller({
        client: new KubeClient(kube.connection),
        leaderElection: { lease: { namespace: NS, name: 'gateway' }, identity, leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 },
        informer: { random: () => 0.5 },
      }));
    }
    await Promise.all(controllers.map((c) => c.start()));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(controllers.map((c) => c.stop()));
    await kube?.stop();
  });

  test('GIVEN two replicas WHEN both run THEN both compile, exactly one leads and only it writes status', async () => {
    // WHEN
    const leader = await until('a leader', () => controllers.find((c) => c.isLeader));
    const follower = controllers.find((c) => c !== leader)!;
    await until('route status', async () => ((await kube.client.get(refOf(route('r', 'svc')))).status?.parents?.length ? true : undefined));

    // THEN
    expect(controllers.map((c) => c.stats.rebuilds > 0)).toStrictEqual([true, true]);
    expect(follower.isLeader).toBe(false);
    expect(leader.writer.stats.puts).toBeGreaterThan(0);
    expect(follower.writer.stats.puts).toBe(0);
    const lease = await kube.client.get({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: NS, name: 'gateway' });
    expect(lease.spec.holderIdentity).toBe(leader === controllers[0] ? 'a' : 'b');
  });

  test('GIVEN the leader WHEN its renewals stop without release THEN the other takes over after expiry and writes the next change', async () => {
    // GIVEN
    const leader = controllers.find((c) => c.isLeader)!;
    const follower = controllers.find((c) => c !== leader)!;

    // WHEN
    await leader.stop(false);
    await until('takeover', () => (follower.isLeader ? true : undefined), 15_000);
    await apply(kube.client, { ...route('r', 'missing') });

    // THEN
    const r = await until('ResolvedRefs False written', async () => {
      const x = await kube.client.get(refOf(route('r', 'svc')));
      return x.status?.parents?.[0]?.conditions?.find((c: any) => c.type === 'ResolvedRefs')?.status === 'False' ? x : undefined;
    });
    expect(r.status.parents[0].conditions.find((c: any) => c.type === 'ResolvedRefs').reason).toBe('BackendNotFound');
    expect(follower.writer.stats.puts).toBeGreaterThan(0);
    const lease = await kube.client.get({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: NS, name: 'gateway' });
    expect(lease.spec.holderIdentity).toBe(follower === controllers[0] ? 'a' : 'b');
    expect(lease.spec.leaseTransitions).toBe(1);
  });

  test('GIVEN the new leader WHEN it stops THEN it releases the Lease for the next replica at once', async () => {
    // GIVEN
    const leader = controllers.find((c) => c.isLeader)!;

    // WHEN
    await leader.stop();

    // THEN
    const lease = await kube.client.get({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: NS, name: 'gateway' });
    expect(lease.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 1 });
    expect(leader.isLeader).toBe(false);
  });
});
