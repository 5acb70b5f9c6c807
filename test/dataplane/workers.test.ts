/**
 * `serve --workers 2`: two processes share the listener, both answer; the primary serves the admin listener (ready
 * when both are, metrics summed over both) and drains both on SIGTERM.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Backend, NS, backendRef, gatewayDoc, request, routeDoc, startBackend, tmpDir, until, writeYaml } from './proxy/helpers';
import { spawnServeProcess } from './serve-process';
import { GATEWAY_NODE_FLAGS } from '../../src/dataplane/memory';
import { parseServeArgs } from '../../src/dataplane/serve';

describe('serve --workers', () => {
  test('parses a number or auto; fails on anything else', () => {
    expect(parseServeArgs(['--routes', 'x', '--workers', '2'])).toMatchObject({ workers: 2 });
    expect(parseServeArgs(['--routes', 'x', '--workers', 'auto'])).toMatchObject({ workers: 'auto' });
    expect(parseServeArgs(['--routes', 'x'])).not.toHaveProperty('workers');
    expect(() => parseServeArgs(['--routes', 'x', '--workers', '0'])).toThrow(/--workers: '0' must be a number of processes \(1 or more\) or auto/);
  });

  test('two workers share the listener and both answer; admin once, summed; SIGTERM drains both', async () => {
    // GIVEN a gateway of two workers
    const backend: Backend = await startBackend('web');
    const dir = tmpDir();
    writeYaml(path.join(dir, 'routes.yaml'), [gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('web')] }])]);
    fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/web:8080`]: backend.address }));
    const p = spawnServeProcess(['--routes', dir, '--listen', '80=127.0.0.1:0', '--admin', '127.0.0.1:0', '--backends', path.join(dir, 'backends.json'),
      '--workers', '2', '--drain-timeout', '5s', '--admin-config']);
    try {
      await until(() => p.lines.filter((l) => l.msg === 'worker ready').length === 2, 60_000);
      const admin = p.lines.find((l) => l.msg === 'admin listening');
      expect(admin).toMatchObject({ workers: 2 });
      const listening = p.lines.filter((l) => l.msg === 'listening');
      expect(listening.map((l) => l.worker).sort()).toStrictEqual([1, 2]);
      // each worker runs with the gateway's Node flags
      for (const ready of p.lines.filter((l) => l.msg === 'worker ready')) {
        const argv = fs.readFileSync(`/proc/${ready.pid}/cmdline`, 'utf8').split('\0');
        expect(argv).toStrictEqual(expect.arrayContaining([...GATEWAY_NODE_FLAGS]));
      }
      expect(new Set(listening.map((l) => l.port)).size).toBe(1);
      expect((await request(admin.port, { path: '/readyz' })).status).toBe(200);
      expect(await request(admin.port, { path: '/config' })).toMatchObject({ status: 404, body: expect.stringMatching(/^\/config is not served with --workers/) });
      // WHEN clients connect one after another (a new connection each) until both workers answered, at most 200
      let sent = 0;
      const workersSeen = () => new Set(p.lines.filter((l) => l.msg === 'access').map((l) => l.worker));
      while (workersSeen().size < 2 && sent < 200) {
        expect((await request(listening[0].port, { path: `/n${sent}`, host: 'example.com' })).status).toBe(200);
        sent++;
        await until(() => p.lines.filter((l) => l.msg === 'access').length === sent, 5_000);
      }
      // THEN both answered, and the admin metrics count every request of both
      expect([...workersSeen()].sort()).toStrictEqual([1, 2]);
      const metrics = (await request(admin.port, { path: '/metrics' })).body;
      const total = [...metrics.matchAll(/^gateway_requests_total\{[^}]*code="200"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(total).toBe(sent);
      // WHEN SIGTERM reaches the primary THEN it reports draining, both workers stop, and it exits 0
      p.child.kill('SIGTERM');
      await until(() => p.lines.some((l) => l.msg === 'draining' && l.workers === 2), 5_000);
      expect(await p.exited).toBe(0);
      expect(p.lines.filter((l) => l.msg === 'stopped').map((l) => l.worker ?? 'primary').sort()).toStrictEqual([1, 2, 'primary']);
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  test('fails to start, exit code 1, when a worker cannot start', async () => {
    // GIVEN an input without a Gateway
    const dir = tmpDir();
    writeYaml(path.join(dir, 'routes.yaml'), [routeDoc('r', [{ backendRefs: [backendRef('web')] }])]);
    const p = spawnServeProcess(['--routes', dir, '--admin', '127.0.0.1:0', '--workers', '2']);
    try {
      // THEN
      expect(await p.exited).toBe(1);
      expect(p.lines.some((l) => l.msg === 'worker failed to start: stopping every worker')).toBe(true);
      expect(p.stderr()).toMatch(/no Gateway in the input/);
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
