/**
 * `serve --kubernetes` in process against a real API server: the gateway serves what the API holds, a route written
 * through the API is served once the controller pushed the new table (waited for by its log line, no time bound),
 * and the file-mode options are refused.
 */
import { apply, Kube, refOf, startKube } from './harness';
import { GATEWAY_CONTROLLER_NAME } from '../../src/dataplane/controller/constants';
import type { KubeObject } from '../../src/dataplane/kube/client';
import { controllerTableSource, GatewayServer, parseServeArgs, ServeOptions } from '../../src/dataplane/serve';
import { request } from '../dataplane/proxy/helpers';
import { spawnServeProcess } from '../dataplane/serve-process';

const G = 'gateway.networking.k8s.io';
const NS = 'web';

const redirectRoute = (name: string, prefix: string, hostname: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind: 'HTTPRoute',
  metadata: { name, namespace: NS },
  spec: {
    parentRefs: [{ name: 'gw' }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname, statusCode: 301 } }] }],
  },
});

describe('serve --kubernetes against a real API server', () => {
  let kube: Kube;
  let server: GatewayServer;
  const logs: Array<{ msg: string; [k: string]: unknown }> = [];

  beforeAll(async () => {
    kube = await startKube();
    for (const o of [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: 'cdk8s' }, spec: { controllerName: GATEWAY_CONTROLLER_NAME } },
      { apiVersion: `${G}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace: NS }, spec: { gatewayClassName: 'cdk8s', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
      redirectRoute('first', '/first', 'first.example.com'),
    ] as KubeObject[]) await apply(kube.client, o);
    const options = parseServeArgs([
      '--kubernetes', '--kubeconfig', kube.kubeconfig, '--lease', `${NS}/gateway-leader`, '--identity', 'replica-1',
      '--listen', '80=127.0.0.1:0', '--listen', '8080=127.0.0.1:0', '--admin', '127.0.0.1:0', '--no-access-log',
    ]) as ServeOptions;
    const log = (level: string, msg: string, fields?: Record<string, unknown>): void => {
      logs.push({ level, msg, ...fields });
    };
    server = new GatewayServer({ ...options, logger: log, tableSource: controllerTableSource(options.kubernetes!, options.gateways, log) });
    await server.start();
  }, 180_000);

  afterAll(async () => {
    await server?.stop(0);
    await kube?.stop();
  });

  const port = (): number => server.sockets.get(`${NS}/gw:80`)!.port;

  test('GIVEN a route in the API WHEN the gateway has started THEN it is served', async () => {
    // WHEN
    const reply = await request(port(), { path: '/first/a', host: 'x.example.com' });

    // THEN
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe('http://first.example.com/first/a');
  });

  test('GIVEN the running gateway WHEN a route is created through the API THEN the next table serves it, the others unchanged', async () => {
    // GIVEN
    const reloads = logs.filter((l) => l.msg === 'reloaded').length;

    // WHEN
    await apply(kube.client, redirectRoute('second', '/second', 'second.example.com'));
    for (let i = 0; i < 400 && !server.current.gateways[0]?.ports[0]?.listeners[0]?.routes.some((r) => r.name === 'second'); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }

    // THEN
    expect(logs.filter((l) => l.msg === 'reloaded').length).toBeGreaterThan(reloads);
    expect((await request(port(), { path: '/second/b', host: 'x.example.com' })).headers.location).toBe('http://second.example.com/second/b');
    expect((await request(port(), { path: '/first/b', host: 'x.example.com' })).headers.location).toBe('http://first.example.com/first/b');
  });

  test('GIVEN the running gateway WHEN a second Gateway of the class is created THEN its listener is bound and serves its route', async () => {
    // WHEN
    await apply(kube.client, {
      apiVersion: `${G}/v1`,
      kind: 'Gateway',
      metadata: { name: 'gw2', namespace: NS },
      spec: { gatewayClassName: 'cdk8s', listeners: [{ name: 'alt', port: 8080, protocol: 'HTTP' }] },
    });
    await apply(kube.client, { ...redirectRoute('third', '/third', 'third.example.com'), spec: { ...redirectRoute('third', '/third', 'third.example.com').spec, parentRefs: [{ name: 'gw2' }] } });
    for (let i = 0; i < 400 && !server.current.gateways.find((g) => g.name === 'gw2')?.ports[0]?.listeners[0]?.routes.length; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }

    // THEN
    const bound = server.sockets.get(`${NS}/gw2:8080`);
    expect(bound).toBeDefined();
    expect((await request(bound!.port, { path: '/third/c', host: 'y.example.com' })).headers.location).toBe('http://third.example.com:8080/third/c');
    expect((await request(bound!.port, { path: '/first/c', host: 'y.example.com' })).status).toBe(404);
  });

  test('GIVEN serve --kubernetes as a process WHEN it gets SIGTERM after it leads THEN it releases the Lease and exits 0', async () => {
    // GIVEN
    const p = spawnServeProcess([
      '--kubernetes', '--kubeconfig', kube.kubeconfig, '--lease', `${NS}/process-leader`, '--identity', 'process-1',
      '--listen', '80=127.0.0.1:0', '--listen', '8080=127.0.0.1:0', '--admin', '127.0.0.1:0', '--no-access-log',
    ]);
    try {
      for (let i = 0; i < 600 && !p.lines.some((l) => l.msg === 'leading: this replica writes status') && p.child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(p.lines.map((l) => l.msg)).toContain('ready');

      // WHEN
      p.child.kill('SIGTERM');

      // THEN
      expect(await p.exited).toBe(0);
      const lease = await kube.client.get({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: NS, name: 'process-leader' });
      expect(lease.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  }, 60_000);

  test('GIVEN the only replica WHEN it has started THEN it holds the Lease named by --lease and writes status', async () => {
    // THEN
    const lease = await kube.client.get({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: NS, name: 'gateway-leader' });
    expect(lease.spec.holderIdentity).toBe('replica-1');
    let route = await kube.client.get(refOf(redirectRoute('first', '/', '')));
    for (let i = 0; i < 200 && !route.status?.parents?.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      route = await kube.client.get(refOf(route as KubeObject & { kind: string }));
    }
    expect(route.status.parents[0].conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  });
});
