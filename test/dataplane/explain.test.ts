/**
 * `cdk8s-gateway explain`, `describeTable`, and the shared --routes/--gateway/--backends options.
 * Input files are written under .tmp/ in the repository.
 */
import * as fs from 'fs';
import * as path from 'path';
import { docs, gateway, httpRoute, req } from './engine/helpers';
import { compile } from '../../src/dataplane/engine/compile';
import { describeTable, explain } from '../../src/dataplane/engine/describe';
import { emptyTableArgs, parseBackendsMap, parseTableArg, readBackendsFile } from '../../src/dataplane/engine/options';
import { parseExplainArgs, requestFromUrl, runExplain } from '../../src/dataplane/explain';

const DIR = path.join(__dirname, '..', '..', '.tmp', `explain-test-${process.pid}`);
const ROUTES = path.join(DIR, 'routes.yaml');
const BACKENDS = path.join(DIR, 'backends.yaml');

const YAML_TEXT = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: x
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: alt, port: 8080, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: tasks, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [example.com]
  rules:
  - name: api
    matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: x-canary, value: "1"}]}]
    backendRefs: [{name: tasks-v2, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-from, value: gw}]}}]
    backendRefs: [{name: tasks-v1, port: 8080, weight: 3}, {name: tasks-v2, port: 8080, weight: 1}]
  - matches: [{path: {type: Exact, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /new}, statusCode: 301}}]
  - matches: [{path: {type: Exact, value: /broken}}]
    backendRefs: [{name: missing, port: 8080}]
`;

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => { out.stdout += s; }, stderr: (s: string) => { out.stderr += s; } } };
}

beforeAll(() => {
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(ROUTES, YAML_TEXT);
  fs.writeFileSync(BACKENDS, '"apps/tasks-v1:8080": "127.0.0.1:3001"\n"apps/tasks-v2:8080": ["127.0.0.1:3002", "[::1]:3003"]\n');
});

afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

describe('explain (function)', () => {
  const table = compile(docs([
    gateway(),
    httpRoute('r', { rules: [{ name: 'split', backendRefs: [{ name: 'a', port: 80, weight: 1 }, { name: 'b', port: 80, weight: 1, kind: 'Pod' }] }] }),
  ]));

  test('names the listener, route, rule, match, backends with probabilities, and the status', () => {
    const r = explain(table, req({ url: '/x?y=1' }));
    expect(r).toMatchObject({
      outcome: 'routed',
      status: 200,
      listener: { gateway: 'default/gw', name: 'http', port: 80, protocol: 'HTTP' },
      route: { kind: 'HTTPRoute', namespace: 'default', name: 'r' },
      rule: { index: 0, name: 'split', source: 'test.yaml:2' },
      matches: { index: 0, summary: 'PathPrefix /' },
      backends: [
        { name: 'a', namespace: 'default', port: 80, weight: 1, probability: 0.5, endpoints: ['a.default.svc:80'] },
        { name: 'b', kind: 'Pod', probability: 0.5, invalid: { reason: 'InvalidKind' } },
      ],
    });
    expect(r.reason).toMatch(/50\.0% of requests pick an invalid backend and get 500/);
  });

  test('near misses name the failing header, query param, method or gRPC part', () => {
    const t = compile(docs([gateway(), httpRoute('r', {
      hostnames: ['example.com'],
      rules: [
        { matches: [{ path: { type: 'Exact', value: '/a' }, method: 'PUT' }], backendRefs: [{ name: 'a', port: 80 }] },
        { matches: [{ headers: [{ name: 'x', value: '1' }] }, { queryParams: [{ name: 'q', type: 'RegularExpression', value: '[0-9]+' }] }], backendRefs: [{ name: 'a', port: 80 }] },
      ],
    }), { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'g', namespace: 'default' }, spec: { parentRefs: [{ name: 'gw' }], hostnames: ['grpc.example.com'], rules: [{ matches: [{ method: { service: 's', method: 'M' } }], backendRefs: [{ name: 'a', port: 80 }] }] } }]));
    const r = explain(t, req({ url: '/a?q=x', headers: { x: '2' } }));
    expect(r.outcome).toBe('not-found');
    expect(r.nearMisses!.map((n) => n.failed)).toEqual([
      'hostname (route hostnames: grpc.example.com)',
      'method (want PUT, got GET)',
      'header x (want 1, got "2")',
      'query q (want ~[0-9]+, got "x")',
    ]);
    const g = explain(t, req({ host: 'grpc.example.com', url: '/s/X', method: 'POST', grpc: { service: 's', method: 'X' } }));
    expect(g.nearMisses![0].failed).toBe('gRPC method (want M, got X)');
  });

  test('not found is 404 with the listener and reason', () => {
    const r = explain(table, req({ port: 81 }));
    expect(r).toMatchObject({ outcome: 'not-found', status: 404, backends: [] });
    expect(r.reason).toMatch(/no listener for gateway default\/gw port 81/);
  });

  test('describeTable is JSON without private keys and with the rules of every attached route', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c', namespace: 'default' }, stringData: { 'tls.crt': '-----BEGIN CERTIFICATE-----', 'tls.key': '-----BEGIN PRIVATE KEY-----secret' } };
    const t = compile(docs([gateway([{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'c' }] } }]), secret, httpRoute('r', { rules: [{ backendRefs: [{ name: 'a', port: 80 }] }] })]), { generation: 9 });
    const d: any = describeTable(t);
    const text = JSON.stringify(d);
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(JSON.parse(text)).toStrictEqual(d);
    expect(d.generation).toBe(9);
    expect(d.gateways[0].ports[0].listeners[0]).toMatchObject({ name: 'https', tls: { certificates: ['default/c'] }, attachedRoutes: 1 });
    expect(d.gateways[0].ports[0].listeners[0].routes[0].rules[0].backends[0]).toMatchObject({ name: 'a', probability: 1 });
    expect(d.sockets).toEqual([{ gateway: 'default/gw', port: 443, protocol: 'HTTPS', certificates: [{ listener: 'https', secrets: ['default/c'] }] }]);
  });
});

describe('runExplain (command)', () => {
  test('routes a URL and prints a readable block; exit 0', async () => {
    const { out, io } = capture();
    const code = await runExplain(['--routes', ROUTES, '--backends', BACKENDS, 'http://example.com/api/v1/tasks?x=1'], io);
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/listener  http \(HTTP :80, hostname \*\)/);
    expect(out.stdout).toMatch(/route     HTTPRoute apps\/tasks \(hostname example\.com\)/);
    expect(out.stdout).toMatch(/rule      1 at .*routes\.yaml:2/);
    expect(out.stdout).toMatch(/filters   RequestHeaderModifier set x-from: gw/);
    expect(out.stdout).toMatch(/75\.0%  apps\/tasks-v1:8080 \(weight 3\) -> 127\.0\.0\.1:3001/);
    expect(out.stdout).toMatch(/25\.0%  apps\/tasks-v2:8080 \(weight 1\) -> 127\.0\.0\.1:3002, \[::1\]:3003/);
    expect(out.stdout).toMatch(/outcome   routed -> 200/);
  });

  test('-H headers take part in matching; --json prints the object', async () => {
    const { out, io } = capture();
    const code = await runExplain(['--routes', ROUTES, '-H', 'X-Canary: 1', '--json', 'http://example.com/api'], io);
    expect(code).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.rule).toMatchObject({ index: 0, name: 'api' });
    expect(r.backends.map((b: any) => b.name)).toEqual(['tasks-v2']);
  });

  test('a redirect exits 0 with its status; 404 and 500 exit 1', async () => {
    const c1 = capture();
    expect(await runExplain(['--routes', ROUTES, '--json', 'http://example.com/old'], c1.io)).toBe(0);
    expect(JSON.parse(c1.out.stdout).status).toBe(301);
    const c2 = capture();
    expect(await runExplain(['--routes', ROUTES, 'http://other.com/api'], c2.io)).toBe(1);
    expect(c2.out.stdout).toMatch(/outcome   not-found -> 404/);
    const c3 = capture();
    expect(await runExplain(['--routes', ROUTES, '--backends', BACKENDS, 'http://example.com/broken'], c3.io)).toBe(1);
    expect(c3.out.stdout).toMatch(/outcome   routed -> 500: .*BackendNotFound/);
  });

  test('a 404 lists the rules not taken and the first condition each one fails', async () => {
    const { out, io } = capture();
    expect(await runExplain(['--routes', ROUTES, '-X', 'POST', 'http://example.com/old/x'], io)).toBe(1);
    expect(out.stdout).toMatch(/not taken HTTPRoute apps\/tasks rule "api" match 0 \[PathPrefix \/api, header x-canary=1\]: path \(PathPrefix \/api\)/);
    expect(out.stdout).toMatch(/\n {10}HTTPRoute apps\/tasks rule 2 match 0 \[Exact \/old\]: path \(Exact \/old\)/);
    const c2 = capture();
    await runExplain(['--routes', ROUTES, '--json', 'http://other.com/api'], c2.io);
    expect(JSON.parse(c2.out.stdout).nearMisses[0]).toEqual({
      route: 'HTTPRoute apps/tasks', rule: 0, ruleName: 'api', match: 0, summary: 'PathPrefix /api, header x-canary=1', failed: 'hostname (route hostnames: example.com)',
    });
  });

  test('the URL port selects the listener port', async () => {
    const { out, io } = capture();
    expect(await runExplain(['--routes', ROUTES, '--json', 'http://example.com:8080/api'], io)).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ status: 200, request: { port: 8080 }, listener: { name: 'alt', port: 8080 } });
  });

  test('warnings go to stderr, also with --json', async () => {
    const { out, io } = capture();
    await runExplain(['--routes', ROUTES, '--json', 'http://example.com/api'], io);
    expect(JSON.parse(out.stdout).status).toBe(200);
    expect(out.stderr).toBe('');
    const c2 = capture();
    await runExplain(['--routes', ROUTES, '--backends', BACKENDS, '--json', 'http://example.com/api'], c2.io);
    expect(c2.out.stderr).toMatch(/^warning: .*routes\.yaml:2:spec\.rules\[3\]\.backendRefs\[0\]: backendRef to Service apps\/missing:8080: the Service is not in the input and not in --backends \(BackendNotFound\)$/m);
  });

  test('--help prints usage and exits 0', async () => {
    const { out, io } = capture();
    expect(await runExplain(['--help'], io)).toBe(0);
    expect(out.stdout).toMatch(/^usage: cdk8s-gateway explain --routes PATH\.\.\./);
  });

  test.each([
    [['http://example.com/'], /--routes is required/],
    [['--routes', ROUTES], /a URL is required/],
    [['--routes', ROUTES, '--bogus', 'http://x/'], /unknown option --bogus/],
    [['--routes', ROUTES, '-H', 'novalue', 'http://x/'], /-H needs 'name: value'/],
    [['--routes', ROUTES, 'ftp://x/'], /URL must look like http:\/\/HOST/],
    [['--routes', ROUTES, '--gateway', 'apps/nope', 'http://x/'], /gateway "apps\/nope" is not in the input/],
    [['--routes', path.join(DIR, 'missing.yaml'), 'http://x/'], /missing\.yaml: cannot read input: no such file or directory/],
    [['--routes', ROUTES, 'http://x:9999/'], /no Gateway has a listener on port 9999/],
  ])('fails with exit 2 and a message on stderr: %j', async (argv, message) => {
    const { out, io } = capture();
    expect(await runExplain(argv as string[], io)).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  test('fails with exit 2 naming file:document:field on a bad regex', async () => {
    const bad = path.join(DIR, 'bad.yaml');
    fs.writeFileSync(bad, YAML_TEXT.replace('{type: Exact, value: /broken}', '{type: RegularExpression, value: "/(broken"}'));
    const { out, io } = capture();
    expect(await runExplain(['--routes', bad, 'http://example.com/'], io)).toBe(2);
    expect(out.stderr).toMatch(/bad\.yaml:2:spec\.rules\[3\]\.matches\[0\]\.path\.value: invalid regular expression "\/\(broken" \(RE2 syntax\)/);
  });
});

describe('argument and URL parsing', () => {
  test('--routes takes several paths up to the next option or URL', () => {
    const a = parseExplainArgs(['--routes', 'a.yaml', 'dir/', 'http://x/', '--routes=b.yaml', '--gateway', 'gw', '-X', 'post']);
    expect(a.table.routes).toEqual(['a.yaml', 'dir/', 'b.yaml']);
    expect(a.table.gateways).toEqual(['default/gw']);
    expect(a.url).toBe('http://x/');
    expect(a.method).toBe('POST');
  });

  test('parseTableArg returns 0 for options it does not own', () => {
    expect(parseTableArg(['--port', '80'], 0, emptyTableArgs())).toBe(0);
    expect(() => parseTableArg(['--backends'], 0, emptyTableArgs())).toThrow(/--backends needs a value/);
  });

  test('requestFromUrl: https sets SNI and default port 443; a Host header overrides the host; gRPC detected', () => {
    expect(requestFromUrl('https://Example.com/a?b=1', 'GET', [], 'g')).toMatchObject({ port: 443, sni: 'example.com', host: 'example.com', path: '/a', query: 'b=1' });
    expect(requestFromUrl('http://10.0.0.1:8080', 'GET', [['host', 'app.example.com']], 'g')).toMatchObject({ port: 8080, host: 'app.example.com', path: '/' });
    expect(requestFromUrl('http://x/pkg.Svc/Call', 'POST', [['content-type', 'application/grpc']], 'g').grpc).toEqual({ service: 'pkg.Svc', method: 'Call' });
  });

  test('backends file: JSON/YAML map of NAMESPACE/SERVICE:PORT to HOST:PORT or a list', () => {
    expect(readBackendsFile(BACKENDS).get('apps/tasks-v2:8080')).toEqual([{ host: '127.0.0.1', port: 3002 }, { host: '::1', port: 3003 }]);
    expect(parseBackendsMap({ 'a/b:80': 'h:1' }, 'f')).toEqual(new Map([['a/b:80', [{ host: 'h', port: 1 }]]]));
  });

  test.each([
    [[], /must be a map/],
    [{ 'b:80': 'h:1' }, /^f:b:80: key "b:80" must look like NAMESPACE\/SERVICE:PORT/],
    [{ 'a/b:80': 'h' }, /^f:a\/b:80: "h" must be "HOST:PORT"/],
    [{ 'a/b:80': ['h:1', 'h:99999'] }, /^f:a\/b:80\[1\]: "h:99999" must be "HOST:PORT" with a port 1\.\.65535/],
    [{ 'a/b:80': [] }, /needs at least one/],
  ])('fails on a bad backends map %j', (value, message) => {
    expect(() => parseBackendsMap(value, 'f')).toThrow(message);
  });
});
