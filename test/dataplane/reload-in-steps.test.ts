/**
 * A reload reads its input in a worker thread and compiles in steps: requests are answered while it runs, and an
 * input whose bytes did not change is not compiled again.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, routeDoc, startBackend, startGateway, writeYaml } from './proxy/helpers';

function routes(n: number): any[] {
  return Array.from({ length: n }, (_, i) => routeDoc(`r${i}`, [{ matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }], backendRefs: [backendRef('web')] }]));
}

describe('reloads in steps', () => {
  let backend: Backend;
  let gateway: StartedGateway;
  let file: string;

  beforeAll(async () => {
    backend = await startBackend('web');
    gateway = await startGateway([gatewayDoc(), ...routes(1)], { [`${NS}/web:8080`]: backend.address });
    file = path.join(gateway.dir, 'routes.yaml');
  });

  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  test('requests are answered, and the event loop turns, while 2,000 routes are read and compiled', async () => {
    // GIVEN a change to 2,000 routes
    writeYaml(file, [gatewayDoc(), ...routes(2_000)]);
    // WHEN it is reloaded while a client sends requests one after another
    let done = false;
    let turns = 0;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const reload = gateway.server.reload().finally(() => {
      done = true;
    });
    const statuses: number[] = [];
    while (!done && statuses.length < 1_000) statuses.push((await request(gateway.port(), { path: '/r0' })).status);
    await reload;
    // THEN every request got its answer and the event loop was never held for the whole reload
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(turns).toBeGreaterThan(10);
    expect(gateway.logs.filter((l) => l.msg === 'reloaded')).toHaveLength(1);
    expect(gateway.server.current.gateways[0].ports[0].listeners[0].routes).toHaveLength(2_000);
    expect((await request(gateway.port(), { path: '/r1999' })).status).toBe(200);
  }, 60_000);

  test('an input rewritten with the same bytes is not compiled again', async () => {
    // GIVEN
    const generation = gateway.server.current.generation;
    // WHEN the same bytes are written again and a reload runs
    fs.writeFileSync(file, fs.readFileSync(file));
    await gateway.server.reload();
    // THEN the table is the same one
    expect(gateway.server.current.generation).toBe(generation);
    expect(gateway.logs.filter((l) => l.msg === 'reloaded')).toHaveLength(1);
  }, 30_000);
});
