/**
 * The informer against a real kube-apiserver: the first list, watch events, watches the server ends (resumed
 * without listing again), and a watch that stops silently (a TCP relay that keeps the connection open but
 * forwards nothing more) detected and replaced by a new list.
 */
import * as net from 'net';
import { Kube, startKube } from './harness';
import { KubeClient, KubeObject, ResourceRef } from '../../src/dataplane/kube/client';
import { Informer } from '../../src/dataplane/kube/informer';

const G = 'gateway.networking.k8s.io';
const NS = 'informer-test';
const routes: ResourceRef = { group: G, version: 'v1', plural: 'httproutes', namespace: NS };
const route = (name: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: NS },
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
});

/** A TCP relay to the API server whose open connections can be frozen: kept open, nothing forwarded either way. */
class FreezableRelay {
  public port = 0;
  private readonly server: net.Server;
  private readonly live = new Set<{ frozen: boolean; sockets: net.Socket[] }>();

  constructor(target: number) {
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(target, '127.0.0.1');
      const pair = { frozen: false, sockets: [inbound, outbound] };
      this.live.add(pair);
      inbound.on('data', (d) => pair.frozen || outbound.write(d));
      outbound.on('data', (d) => pair.frozen || inbound.write(d));
      const close = (): void => {
        this.live.delete(pair);
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('close', close).on('error', close);
      outbound.on('close', close).on('error', close);
    });
  }

  public listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = (this.server.address() as net.AddressInfo).port;
      resolve();
    }));
  }

  /** Freezes every connection open now; later ones are relayed. Returns how many were frozen. */
  public freeze(): number {
    for (const pair of this.live) pair.frozen = true;
    return this.live.size;
  }

  public close(): Promise<void> {
    for (const pair of this.live) pair.sockets.forEach((s) => s.destroy());
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('informer against a real API server', () => {
  let kube: Kube;
  let relay: FreezableRelay;
  let client: KubeClient;

  beforeAll(async () => {
    kube = await startKube();
    await kube.client.create({ group: '', version: 'v1', plural: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    relay = new FreezableRelay(Number(new URL(kube.server).port));
    await relay.listen();
    client = new KubeClient({ ...kube.connection, server: `https://127.0.0.1:${relay.port}` });
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await relay?.close();
    await kube?.stop();
  });

  test('GIVEN routes WHEN the informer starts and routes change THEN the copy follows, and watches the server ends are resumed without a list', async () => {
    // GIVEN
    await kube.client.create(routes, route('first'));
    const log: string[] = [];
    const informer = new Informer(client, routes, {
      onAdd: (o) => log.push(`add ${o.metadata.name}`),
      onUpdate: (o) => log.push(`update ${o.metadata.name} generation ${o.metadata.generation}`),
      onDelete: (o) => log.push(`delete ${o.metadata.name}`),
    }, { timeoutSeconds: 1, stallGraceMs: 5_000 });

    // WHEN
    await informer.start();
    expect(informer.list().map((o) => o.metadata.name)).toStrictEqual(['first']);
    await until('two watches ended by the server', () => informer.stats.watches >= 3);
    await kube.client.create(routes, route('second'));
    await kube.client.mergePatch({ ...routes, name: 'first' }, { spec: { hostnames: ['x.example.com'] } });
    await kube.client.delete({ ...routes, name: 'second' });
    await until('three events', () => log.length >= 4);
    await informer.stop();

    // THEN
    expect(log).toStrictEqual(['add first', 'add second', 'update first generation 2', 'delete second']);
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.stalls).toBe(0);
    expect(informer.get(NS, 'first')?.spec.hostnames).toStrictEqual(['x.example.com']);
  });

  test('GIVEN a watch whose connection stops forwarding WHEN a route is created meanwhile THEN the stall is detected and a new list brings the route', async () => {
    // GIVEN
    const added: string[] = [];
    const errors: string[] = [];
    const informer = new Informer(client, routes, { onAdd: (o) => added.push(o.metadata.name) }, {
      timeoutSeconds: 2,
      stallGraceMs: 1_000,
      onError: (e) => errors.push(e.message),
    });
    await informer.start();
    await until('the watch is open', () => informer.stats.watches >= 1);
    await new Promise((r) => setTimeout(r, 200));

    // WHEN
    expect(relay.freeze()).toBeGreaterThanOrEqual(1);
    await kube.client.create(routes, route('during-stall'));
    await until('the route seen after the stall', () => added.includes('during-stall'));
    await informer.stop();

    // THEN
    expect(informer.stats.stalls).toBe(1);
    expect(informer.stats.lists).toBe(2);
    expect(errors).toStrictEqual([expect.stringMatching(/^informer httproutes: watch from resourceVersion \d+ silent for 5000 ms; listing again$/)]);
  });
});
