/**
 * Under load: 100 configuration reloads during a sustained load run fail no request; SIGTERM during
 * load lets every request in flight complete, refuses new connections and exits 0.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { sleep } from './helpers';
import { startLoad } from './load';
import { Backend, NS, backendRef, gatewayDoc, request, routeDoc, startBackend, startGateway, tmpDir, until, writeYaml } from '../dataplane/proxy/helpers';

const ROOT = path.resolve(__dirname, '../..');

describe('reloads under load', () => {
  let v1: Backend;
  let v2: Backend;
  beforeAll(async () => {
    v1 = await startBackend('v1');
    v2 = await startBackend('v2');
  });
  afterAll(async () => {
    await v1?.close();
    await v2?.close();
  });

  test('100 reloads (backends swapped, routes and a listener added and removed) during load: zero failed requests', async () => {
    const backends = { [`${NS}/v1:8080`]: v1.address, [`${NS}/v2:8080`]: v2.address };
    const config = (n: number) => [
      gatewayDoc([
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
        ...(n % 20 < 10 ? [] : [{ name: 'extra', port: 81, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }]),
      ]),
      routeDoc('load', [{
        matches: [{ path: { type: 'PathPrefix', value: '/load' } }],
        backendRefs: [backendRef(n % 2 === 0 ? 'v1' : 'v2', { weight: 3 }), backendRef(n % 2 === 0 ? 'v2' : 'v1', { weight: n % 3 === 0 ? 1 : 0 })],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-generation', value: String(n) }] } }],
      }]),
      ...Array.from({ length: n % 7 }, (_, i) => routeDoc(`extra-${i}`, [{ matches: [{ path: { type: 'Exact', value: `/extra/${i}` } }], backendRefs: [backendRef('v1')] }])),
    ];
    const gw = await startGateway(config(0), backends, { accessLogSink: () => undefined, listen: [{ listenerPort: 80, bind: { host: '127.0.0.1', port: 0 } }, { listenerPort: 81, bind: { host: '127.0.0.1', port: 0 } }] });
    const load = startLoad({ port: gw.port(), connections: 12, h2Sessions: 2, streamsPerSession: 4, path: (id) => `/load/${id}` });
    try {
      const file = path.join(gw.dir, 'routes.yaml');
      const first = gw.server.current.generation;
      for (let n = 1; n <= 100; n++) {
        writeYaml(file, config(n));
        await gw.server.reload();
        // Each generation serves requests before the next one replaces it: at least 5 more answers from the
        // backend this generation weighs 3 (counted, not timed: the machine's speed does not matter).
        const primary = n % 2 === 0 ? v1 : v2;
        const seenBefore = primary.seen.length;
        await until(() => primary.seen.length >= seenBefore + 5, 20_000);
      }
      expect(gw.server.current.generation).toBe(first + 100);
      expect(gw.logs.filter((l) => l.msg === 'reload rejected')).toStrictEqual([]);
      await sleep(100);
    } finally {
      const result = await load.stop();
      await gw.close();
      // THEN not one request failed, and the load really ran through the reloads (5 answers per generation at least)
      expect(result.failures.slice(0, 5)).toStrictEqual([]);
      expect(result.ok).toBeGreaterThanOrEqual(500);
      expect(v1.seen.length).toBeGreaterThanOrEqual(250);
      expect(v2.seen.length).toBeGreaterThanOrEqual(250);
    }
  });
});

describe('SIGTERM during load', () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

  test('every request in flight completes, new connections are refused, the process exits 0', async () => {
    const inBackend = new Set<number>();
    const backend = await startBackend('slow', (req, res) => {
      const id = Number(/\/work\/(\d+)/.exec(req.url!)?.[1]);
      inBackend.add(id);
      setTimeout(() => res.end(JSON.stringify({ id })), 150 + (id % 5) * 50);
      return true;
    });
    const dir = tmpDir();
    writeYaml(path.join(dir, 'routes.yaml'), [gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('slow')] }])]);
    fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/slow:8080`]: backend.address }));
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src/dataplane/main.ts'), 'serve',
      '--routes', dir, '--listen', '80=127.0.0.1:0', '--admin', '127.0.0.1:0', '--backends', path.join(dir, 'backends.json'),
      '--drain-timeout', '10s', '--no-access-log', '--no-watch'], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ ignoreDeprecations: '6.0', module: 'commonjs', moduleResolution: 'node' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const lines: any[] = [];
    let buffered = '';
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          lines.push(JSON.parse(line));
        } catch {
          // not JSON
        }
      }
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(() => lines.some((l) => l.msg === 'ready'), 30_000);
      const port = lines.find((l) => l.msg === 'listening').port;
      const answered = new Map<number, number>();
      const load = startLoad({
        port,
        connections: 24,
        h2Sessions: 2,
        streamsPerSession: 4,
        path: (id) => `/work/${id}`,
        onAnswer: (id, status) => answered.set(id, status),
      });
      await until(() => load.ok > 100, 15_000);
      const inFlightAtSignal = inBackend.size - load.ok;
      child.kill('SIGTERM');
      await until(() => lines.some((l) => l.msg === 'draining'), 5_000);
      const code = await exited;
      const result = await load.stop();
      // THEN every request that reached the backend was answered 200 to its client
      const lost = [...inBackend].filter((id) => answered.get(id) !== 200);
      expect(lost).toStrictEqual([]);
      expect(inFlightAtSignal).toBeGreaterThan(10);
      // requests that failed never reached the backend: refused connections or streams after the drain began
      expect(result.failures.filter((f) => inBackend.has(f.id))).toStrictEqual([]);
      expect(code).toBe(0);
      expect(lines.map((l) => l.msg)).toContain('stopped');
      await expect(request(port, { path: '/work/after', host: 'example.com', timeoutMs: 1_000 })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      child.kill('SIGKILL');
      await backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
