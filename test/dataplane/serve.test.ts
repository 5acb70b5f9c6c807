import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Backend, NS, backendRef, gatewayDoc, request, routeDoc, startBackend, startGateway, tmpDir, until, writeYaml } from './proxy/helpers';
import { spawnServeProcess } from './serve-process';
import { GatewayServer, endpointKeys, parseListen, parseServeArgs } from '../../src/dataplane/serve';


describe('serve command line', () => {
  test('parses every flag', () => {
    expect(parseServeArgs([
      '--routes', 'a.yaml', '--routes=dir', '--gateway', 'infra/gw', '--listen', '80=127.0.0.1:0', '--listen', 'infra/gw:443=[::1]:8443',
      '--backends', 'b.json', '--admin', '0.0.0.0:9000', '--no-access-log', '--no-watch', '--drain-timeout', '500ms', '--connect-timeout', '2s',
      '--tls-secret', 'infra/web-tls=/etc/tls/web', '--admin-config', '--max-input-size', '8Mi',
    ])).toStrictEqual({
      routes: ['a.yaml', 'dir'],
      gateways: ['infra/gw'],
      listen: [
        { gateway: undefined, listenerPort: 80, bind: { host: '127.0.0.1', port: 0 } },
        { gateway: 'infra/gw', listenerPort: 443, bind: { host: '::1', port: 8443 } },
      ],
      backendsFile: 'b.json',
      tlsSecrets: [{ secret: 'infra/web-tls', dir: '/etc/tls/web' }],
      maxInputBytes: 8 * 1024 * 1024,
      admin: { host: '0.0.0.0', port: 9000 },
      adminConfig: true,
      accessLog: false,
      watch: false,
      drainTimeoutMs: 500,
      connectTimeoutMs: 2000,
    });
    expect(parseServeArgs(['--routes', 'x'])).toMatchObject({
      admin: { host: '127.0.0.1', port: 9901 }, accessLog: true, watch: true, drainTimeoutMs: 30_000, connectTimeoutMs: 10_000,
    });
    expect(parseServeArgs(['--help'])).toBe('help');
  });

  test.each([
    [['--routes'], /--routes needs at least one file or directory/],
    [['--routes', 'x', '--listen'], /--listen needs a value/],
    [['--routes', 'x', '--bogus'], /unknown option '--bogus'/],
    [[], /--routes is required/],
    [['--routes', 'x', '--listen', '80'], /--listen: '80' must be \[NS\/NAME:\]PORT=HOST:PORT/],
    [['--routes', 'x', '--listen', 'http=1.2.3.4:80'], /--listen: 'http' must be a listener port or NS\/NAME:PORT/],
    [['--routes', 'x', '--listen', '80=localhost'], /--listen: 'localhost' is not HOST:PORT/],
    [['--routes', 'x', '--admin', '9901'], /--admin: '9901' is not HOST:PORT/],
    [['--routes', 'x', '--drain-timeout', '30'], /--drain-timeout: '30' is not a duration/],
    [['--routes', 'x', '--connect-timeout', '0s'], /--connect-timeout must be more than 0/],
    [['--routes', 'x', '--http1-server', 'node'], /unknown option '--http1-server'/],
    [['--routes', 'x', '--tls-secret', 'web-tls'], /--tls-secret must be NAMESPACE\/NAME=DIRECTORY \(got "web-tls"\)/],
    [['--routes', 'x', '--max-input-size', '64MB'], /--max-input-size: '64MB' is not a size \(a number of bytes, or with Ki, Mi or Gi, e\.g\. 64Mi\)/],
  ])('fails %j', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  test('fails on a listener port out of range', () => {
    expect(() => parseListen('70000=127.0.0.1:0')).toThrow(/must be a listener port or NS\/NAME:PORT/);
  });
});

describe('serve in process', () => {
  let v1: Backend;
  let v2: Backend;
  beforeAll(async () => {
    v1 = await startBackend('infra-backend-v1', (req, res) => {
      const delay = Number(new URL(req.url!, 'http://x').searchParams.get('delay') ?? '0');
      if (!delay) return false;
      setTimeout(() => res.end(JSON.stringify({ backend: 'infra-backend-v1', path: req.url })), delay);
      return true;
    });
    v2 = await startBackend('infra-backend-v2');
  });
  afterAll(async () => {
    await v1?.close();
    await v2?.close();
  });
  const backends = () => ({ [`${NS}/infra-backend-v1:8080`]: v1.address, [`${NS}/infra-backend-v2:8080`]: v2.address });

  test('fails to start when two Gateways share an address without --listen', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'routes.yaml');
    writeYaml(file, [gatewayDoc(undefined, 'one'), gatewayDoc(undefined, 'two')]);
    const server = new GatewayServer({ routes: [file], gateways: [], listen: [], admin: { host: '127.0.0.1', port: 0 }, accessLog: false, watch: false, drainTimeoutMs: 100, logger: () => undefined });
    await expect(server.start()).rejects.toThrow(/Gateways gateway-conformance-infra\/one and gateway-conformance-infra\/two both serve listener port 80 on 0\.0\.0\.0:80: use --listen/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails to start on an unreadable --backends file', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'routes.yaml');
    writeYaml(file, [gatewayDoc()]);
    const server = new GatewayServer({ routes: [file], gateways: [], listen: [], backendsFile: path.join(dir, 'missing.json'), admin: { host: '127.0.0.1', port: 0 }, accessLog: false, watch: false, drainTimeoutMs: 100, logger: () => undefined });
    await expect(server.start()).rejects.toThrow(/missing\.json: cannot read backends file/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails to start when a listener address is taken', async () => {
    const gw = await startGateway([gatewayDoc()], backends());
    const taken = gw.port();
    const dir = tmpDir();
    const file = path.join(dir, 'routes.yaml');
    writeYaml(file, [gatewayDoc()]);
    const server = new GatewayServer({ routes: [file], gateways: [], listen: [{ listenerPort: 80, bind: { host: '127.0.0.1', port: taken } }], admin: { host: '127.0.0.1', port: 0 }, accessLog: false, watch: false, drainTimeoutMs: 100, logger: () => undefined });
    await expect(server.start()).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+ for gateway-conformance-infra\/same-namespace port 80: EADDRINUSE/);
    await gw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('admin endpoints: healthz, readyz, metrics; /config off by default; readyz 503 while draining', async () => {
    const gw = await startGateway([gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('infra-backend-v1')] }])], backends(), {
      listen: [{ listenerPort: 80, bind: { host: '127.0.0.1', port: 0 } }, { gateway: 'infra/other', listenerPort: 80, bind: { host: '127.0.0.1', port: 0 } }],
    });
    try {
      expect(gw.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['--listen infra/other:80=127.0.0.1:0 matches no served listener port']);
      await request(gw.port(), { path: '/x', host: 'a.example.com' });
      const admin = (p: string) => request(gw.adminPort, { path: p });
      expect((await admin('/healthz')).status).toBe(200);
      expect((await admin('/readyz')).status).toBe(200);
      const metrics = await admin('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/gateway_requests_total\{[^}]*code="200"\} 1/);
      expect(metrics.body).toMatch(/gateway_request_duration_seconds_bucket/);
      expect(metrics.body).toMatch(/^gateway_requests_in_flight 0$/m);
      const slowOne = request(gw.port(), { path: '/in-flight?delay=300', host: 'a.example.com' });
      await until(() => v1.seen.some((r) => r.path === '/in-flight?delay=300'));
      expect((await admin('/metrics')).body).toMatch(/^gateway_requests_in_flight 1$/m);
      expect((await slowOne).status).toBe(200);
      expect(await admin('/config')).toMatchObject({ status: 404, body: 'the configuration dump is off: start serve with --admin-config to serve /config\n' });
      expect((await admin('/nope')).status).toBe(404);
      gw.server.markDraining();
      expect((await admin('/readyz')).status).toBe(503);
    } finally {
      await gw.close();
    }
  });

  test('a change of the --backends file reloads; pools of endpoints no longer used are dropped', async () => {
    const gw = await startGateway([gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('infra-backend-v1')] }])], backends(), { watch: true });
    try {
      expect([...endpointKeys(gw.server.current)]).toEqual([v1.address]);
      expect((await request(gw.port(), { path: '/a', host: 'a.example.com' })).json().backend).toBe('infra-backend-v1');
      expect(gw.server.pools.size).toBe(1);
      fs.writeFileSync(path.join(gw.dir, 'backends.json'), JSON.stringify({ [`${NS}/infra-backend-v1:8080`]: v2.address }));
      await until(() => gw.logs.some((l) => l.msg === 'reloaded'), 5_000);
      expect(gw.server.pools.size).toBe(0);
      expect((await request(gw.port(), { path: '/b', host: 'a.example.com' })).json().backend).toBe('infra-backend-v2');
      expect([...endpointKeys(gw.server.current)]).toEqual([v2.address]);
    } finally {
      await gw.close();
    }
  });

  test('reload swaps the table atomically under load, binds new listener ports, and rejects invalid input while serving on', async () => {
    const docs = (extraRoutes: any[], extraListeners: any[] = []) => [
      gatewayDoc([{ name: 'http', port: 80, protocol: 'HTTP' }, ...extraListeners]),
      routeDoc('r', [{ matches: [{ path: { type: 'PathPrefix', value: '/old' } }], backendRefs: [backendRef('infra-backend-v1')] }, ...extraRoutes]),
    ];
    // (a clock that advances 10 ms per reading: the reload logs how long its read and its compile took)
    let clock = 0;
    const gw = await startGateway(docs([]), backends(), {
      watch: true,
      listen: [{ listenerPort: 80, bind: { host: '127.0.0.1', port: 0 } }, { listenerPort: 81, bind: { host: '127.0.0.1', port: 0 } }],
      now: () => (clock += 10),
    });
    const file = path.join(gw.dir, 'routes.yaml');
    try {
      const port = gw.port();
      // a burst of requests in flight while the table changes
      const burst = Array.from({ length: 40 }, (_, i) => request(port, { path: `/old/${i}?delay=${50 + (i % 5) * 20}`, host: 'a.example.com' }));
      await until(() => v1.seen.filter((r) => r.path.startsWith('/old/')).length >= 10);
      writeYaml(file, docs([{ matches: [{ path: { type: 'PathPrefix', value: '/new' } }], backendRefs: [backendRef('infra-backend-v2')] }], [{ name: 'extra', port: 81, protocol: 'HTTP' }]));
      await until(() => gw.logs.some((l) => l.msg === 'reloaded'), 5_000);
      const more = Array.from({ length: 20 }, (_, i) => request(port, { path: `/old/after-${i}`, host: 'a.example.com' }));
      const results = await Promise.all([...burst, ...more]);
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
      expect(gw.logs.find((l) => l.msg === 'reloaded')).toStrictEqual({ level: 'info', msg: 'reloaded', generation: 2, readMs: 10, compileMs: 10 });
      expect((await request(port, { path: '/new/x', host: 'a.example.com' })).json().backend).toBe('infra-backend-v2');
      const listening81 = gw.logs.find((l) => l.msg === 'listening' && l.listenerPort === 81);
      expect(listening81).toMatchObject({ gateway: `${NS}/same-namespace`, address: '127.0.0.1' });
      expect((await request(listening81.port, { path: '/new/y', host: 'a.example.com' })).status).toBe(200);

      // an invalid change keeps the previous table
      fs.writeFileSync(file, 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: broken\n');
      await until(() => gw.logs.some((l) => l.msg === 'reload rejected'), 5_000);
      const rejected = gw.logs.find((l) => l.msg === 'reload rejected');
      expect(rejected.level).toBe('error');
      expect(rejected.error).toMatch(/routes\.yaml:1: invalid YAML/);
      expect((await request(port, { path: '/new/z', host: 'a.example.com' })).status).toBe(200);
      expect(await gw.server.metrics.registry.getSingleMetricAsString('gateway_config_reloads_total')).toMatch(/result="rejected"\} 1/);

      // removing the listener port closes its socket
      writeYaml(file, docs([]));
      await until(() => gw.logs.filter((l) => l.msg === 'reloaded').length === 2, 5_000);
      await until(() => gw.logs.some((l) => l.msg === 'listener closed' && l.listenerPort === 81), 5_000);
      await expect(request(listening81.port, { path: '/old/x', host: 'a.example.com', timeoutMs: 1_000 })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await gw.close();
    }
  });
});

describe('serve as a process', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });
  const spawnServe = (args: string[]) => {
    const p = spawnServeProcess(args);
    children.push(p.child);
    return p;
  };

  test('logs the startup contract, drains on SIGTERM and exits 0', async () => {
    const backend = await startBackend('slow', (_req, res) => {
      setTimeout(() => res.end('done'), 700);
      return true;
    });
    const dir = tmpDir();
    writeYaml(path.join(dir, 'routes.yaml'), [gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('slow')] }])]);
    fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/slow:8080`]: backend.address }));
    const p = spawnServe(['--routes', dir, '--listen', '80=127.0.0.1:0', '--admin', '127.0.0.1:0', '--backends', path.join(dir, 'backends.json'), '--drain-timeout', '5s']);
    try {
      await until(() => p.lines.some((l) => l.msg === 'ready'), 20_000);
      const msgs = p.lines.map((l) => l.msg);
      expect(msgs.slice(0, 3)).toEqual(['listening', 'admin listening', 'ready']);
      const listening = p.lines[0];
      expect(listening).toStrictEqual({ level: 'info', msg: 'listening', gateway: `${NS}/same-namespace`, listenerPort: 80, address: '127.0.0.1', port: expect.any(Number) });
      const admin = p.lines[1];
      expect(admin).toStrictEqual({ level: 'info', msg: 'admin listening', address: '127.0.0.1', port: expect.any(Number) });
      const inFlight = request(listening.port, { path: '/slow', host: 'example.com' });
      await until(() => backend.seen.length === 1);
      p.child.kill('SIGTERM');
      await until(() => p.lines.some((l) => l.msg === 'draining'), 5_000);
      expect((await request(admin.port, { path: '/readyz' })).status).toBe(503);
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body).toBe('done');
      expect(await p.exited).toBe(0);
      expect(p.lines.find((l) => l.msg === 'access')).toMatchObject({ method: 'GET', path: '/slow', status: 200 });
      expect(p.lines[p.lines.length - 1].msg).toBe('stopped');
    } finally {
      await backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails fast on a second signal while draining; --no-access-log writes no access lines', async () => {
    const backend = await startBackend('hang', (req) => req.url !== '/fast');
    const dir = tmpDir();
    writeYaml(path.join(dir, 'routes.yaml'), [gatewayDoc(), routeDoc('r', [{ backendRefs: [backendRef('hang')] }])]);
    fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/hang:8080`]: backend.address }));
    const p = spawnServe(['--routes', dir, '--listen', '80=127.0.0.1:0', '--admin', '127.0.0.1:0', '--backends', path.join(dir, 'backends.json'), '--drain-timeout', '60s', '--no-access-log']);
    try {
      await until(() => p.lines.some((l) => l.msg === 'ready'), 20_000);
      expect((await request(p.lines[0].port, { path: '/fast', host: 'example.com' })).status).toBe(200);
      request(p.lines[0].port, { path: '/hang', host: 'example.com', timeoutMs: 20_000 }).catch(() => undefined);
      await until(() => backend.seen.length === 2);
      p.child.kill('SIGTERM');
      await until(() => p.lines.some((l) => l.msg === 'draining'), 5_000);
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(1);
      expect(p.lines.find((l) => l.level === 'warn')?.msg).toMatch(/^second signal: exiting without waiting for requests in flight$/);
      expect(p.lines.some((l) => l.msg === 'access')).toBe(false);
    } finally {
      await backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails at start on invalid configuration with file:document:field', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: Namespace\napiVersion: v1\nmetadata: {name: x}\n---\nkind: HTTPRoute\napiVersion: gateway.networking.k8s.io/v1\nmetadata: {name: r, namespace: x}\nspec: {rules: [{matches: [{path: {type: RegularExpression, value: "(("}}]}]}\n');
    const p = spawnServe(['--routes', dir, '--admin', '127.0.0.1:0']);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/^cdk8s-gateway serve: .*a\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.path\.value: /);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails with a usage message on bad flags', async () => {
    const p = spawnServe(['--routes']);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/--routes needs at least one file or directory[\s\S]*usage: cdk8s-gateway serve/);
  });
});

