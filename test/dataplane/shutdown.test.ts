/**
 * The graceful shutdown of `serve` (SIGTERM): unready at once, still accepting and serving for `--shutdown-delay`
 * while asking clients to go away (HTTP/1.1 `Connection: close`, HTTP/2 GOAWAY), then draining and exiting.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import * as path from 'path';
import { Backend, NS, backendRef, gatewayDoc, request, requestH2, routeDoc, startBackend, tmpDir, writeYaml } from './proxy/helpers';
import { parseServeArgs } from '../../src/dataplane/serve';
import { GatewayProcess, spawnGatewayProcess } from '../util/gateway-process';

describe('serve --shutdown-delay', () => {
  test('parses a duration; absent, there is no delay', () => {
    expect(parseServeArgs(['--routes', 'x', '--shutdown-delay', '5s'])).toMatchObject({ shutdownDelayMs: 5000 });
    expect(parseServeArgs(['--routes', 'x'])).not.toHaveProperty('shutdownDelayMs');
  });

  test('fails on a value that is not a duration', () => {
    expect(() => parseServeArgs(['--routes', 'x', '--shutdown-delay', 'soon'])).toThrow(/--shutdown-delay: 'soon' is not a duration \(e\.g\. 30s, 500ms, 1m\)/);
  });
});

describe('SIGTERM with a shutdown delay', () => {
  let dir: string;
  let backend: Backend;
  let gw: GatewayProcess | undefined;

  beforeEach(async () => {
    backend = await startBackend('app', (req, res) => {
      if (req.url !== '/slow') return false;
      setTimeout(() => res.end('slow done'), 1_500);
      return true;
    });
    dir = tmpDir();
    writeYaml(path.join(dir, 'routes.yaml'), [gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('app')] }])]);
    fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/app:8080`]: backend.address }));
  });

  afterEach(async () => {
    gw?.child.kill('SIGKILL');
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('unready at once; new HTTP/1.1 and HTTP/2 connections served during the delay, asked to go away; then drained', async () => {
    // GIVEN a gateway with a 3 s shutdown delay, an HTTP/2 session and an HTTP/1.1 keep-alive connection open
    gw = spawnGatewayProcess([
      '--routes', dir, '--backends', path.join(dir, 'backends.json'), '--listen', '80=127.0.0.1:0', '--admin', '127.0.0.1:0',
      '--shutdown-delay', '3s', '--drain-timeout', '10s', '--no-watch',
    ]);
    await gw.line((l) => l.msg === 'ready', 60_000);
    const port = gw.lines.find((l) => l.msg === 'listening').port;
    const admin = gw.lines.find((l) => l.msg === 'admin listening').port;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code) => resolve(code)));
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await request(port, { path: '/a', host: 'example.com', agent: keepAlive });
    expect(first.headers.connection).not.toStrictEqual('close');
    const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const stream = session.request({ ':path': '/slow', ':authority': 'example.com' });
      let status = 0;
      let body = '';
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (c) => (body += c));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });
    await new Promise<void>((resolve) => {
      const wait = () => (backend.seen.some((r) => r.path === '/slow') ? resolve() : setTimeout(wait, 10));
      wait();
    });

    // WHEN SIGTERM
    gw.child.kill('SIGTERM');
    await gw.line((l) => l.msg === 'shutting down', 10_000);

    // THEN /readyz is 503 at once, the open HTTP/2 session gets GOAWAY (NO_ERROR) and its request in flight finishes
    expect((await request(admin, { path: '/readyz' })).status).toStrictEqual(503);
    expect(await goaway).toStrictEqual(http2.constants.NGHTTP2_NO_ERROR);
    // the keep-alive connection is served, and asked to close
    const onKeepAlive = await request(port, { path: '/b', host: 'example.com', agent: keepAlive });
    expect([onKeepAlive.status, onKeepAlive.headers.connection]).toStrictEqual([200, 'close']);
    // new connections are still accepted and served during the delay: HTTP/1.1 (asked to close) and HTTP/2
    const fresh = await request(port, { path: '/c', host: 'example.com' });
    expect([fresh.status, fresh.headers.connection]).toStrictEqual([200, 'close']);
    expect((await requestH2(port, { path: '/d', authority: 'example.com' })).status).toStrictEqual(200);
    expect(gw.lines.some((l) => l.msg === 'draining')).toBe(false);
    expect(await slow).toStrictEqual({ status: 200, body: 'slow done' });

    // and after the delay it drains, stops accepting and exits 0
    await gw.line((l) => l.msg === 'draining', 10_000);
    expect(await gw.exited).toStrictEqual(0);
    await expect(request(port, { path: '/e', host: 'example.com', timeoutMs: 2_000 })).rejects.toThrow(/ECONNREFUSED/);
    expect(gw.lines.map((l) => l.msg).filter((m) => ['shutting down', 'draining', 'stopped'].includes(m))).toStrictEqual(['shutting down', 'draining', 'stopped']);
    keepAlive.destroy();
    session.destroy();
  }, 90_000);
});
