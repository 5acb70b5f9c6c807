/**
 * Configuration faults: every bad input is refused with a message naming the file, document, field
 * and the fix; at start the gateway does not start, on reload the previous configuration keeps serving.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GatewayServer } from '../../src/dataplane/serve';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, request, routeDoc, startBackend, startGateway, tmpDir, until, writeYaml } from '../dataplane/proxy/helpers';

const GOOD = (backend: string) => [
  gatewayDoc(),
  routeDoc('r', [{ matches: [{ path: { type: 'PathPrefix', value: '/ok' } }], backendRefs: [backendRef(backend)] }]),
];

const route = (spec: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad, namespace: ${NS}}
spec: {parentRefs: [{name: same-namespace}], ${spec}}
`;
const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: same-namespace, namespace: ${NS}}
spec: {gatewayClassName: test, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}]}
---
`;

const BAD: [string, string, RegExp][] = [
  ['invalid YAML', `${GATEWAY}kind: HTTPRoute\nmetadata: {name: [unclosed\n`, /routes\.yaml:2: invalid YAML: .*\(line \d+\)/],
  ['tabs in YAML', `${GATEWAY}kind: HTTPRoute\n\tmetadata: x\n`, /routes\.yaml:2: invalid YAML: Tabs are not allowed as indentation/],
  ['an unknown kind (typo)', `${GATEWAY}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoutes\nmetadata: {name: r, namespace: ${NS}}\n`,
    /routes\.yaml:2:kind: unknown kind "HTTPRoutes" in gateway\.networking\.k8s\.io\/v1 \(did you mean "HTTPRoute"\?\): this gateway reads Gateway, HTTPRoute, GRPCRoute, ReferenceGrant/],
  ['an unknown kind', `${GATEWAY}apiVersion: gateway.networking.k8s.io/v1\nkind: Frobnicator\nmetadata: {name: r, namespace: ${NS}}\n`, /unknown kind "Frobnicator" in gateway\.networking\.k8s\.io\/v1: this gateway reads/],
  ['a Gateway API object without kind', `${GATEWAY}apiVersion: gateway.networking.k8s.io/v1\nmetadata: {name: r}\n`, /routes\.yaml:2:kind: a gateway\.networking\.k8s\.io\/v1 object needs a kind/],
  ['an unknown path match type', `${GATEWAY}${route('rules: [{matches: [{path: {type: Prefix, value: /a}}]}]')}`,
    /routes\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.path\.type: unknown path match type "Prefix" \(Exact, PathPrefix, RegularExpression\)/],
  ['a negative weight', `${GATEWAY}${route('rules: [{backendRefs: [{name: s, port: 80, weight: -1}]}]')}`, /spec\.rules\[0\]\.backendRefs\[0\]\.weight: weight -1 must be 0 or more/],
  ['rules that are not a list', `${GATEWAY}${route('rules: {a: 1}')}`, /spec\.rules: must be a list, got a map/],
  ['an invalid duration', `${GATEWAY}${route('rules: [{timeouts: {request: 5 seconds}}]')}`, /spec\.rules\[0\]\.timeouts\.request: invalid duration "5 seconds"/],
  ['a path regex that does not compile', `${GATEWAY}${route('rules: [{matches: [{path: {type: RegularExpression, value: "/api/("}}]}]')}`,
    /spec\.rules\[0\]\.matches\[0\]\.path\.value: invalid regular expression "\/api\/\(" \(RE2 syntax\): error parsing regexp: missing closing \)/],
  ['a header regex that does not compile', `${GATEWAY}${route('rules: [{matches: [{headers: [{type: RegularExpression, name: x, value: "a{2,1}"}]}]}]')}`,
    /headers\[0\]\.value: invalid regular expression "a\{2,1\}" \(RE2 syntax\): error parsing regexp: invalid repeat count/],
  ['a backreference (not RE2)', `${GATEWAY}${route('rules: [{matches: [{path: {type: RegularExpression, value: "/(a)\\\\1"}}]}]')}`, /invalid escape sequence/],
  ['no Gateway at all (an empty file)', '', /no Gateway in the input: nothing to serve \(a reload keeps the current configuration\)/],
  ['only routes, their Gateway gone', route('rules: [{backendRefs: [{name: s, port: 80}]}]'), /no Gateway in the input/],
];

describe('configuration faults', () => {
  let a: Backend;
  let b: Backend;
  let gw: StartedGateway;
  let file: string;
  beforeAll(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    gw = await startGateway(GOOD('a'), { [`${NS}/a:8080`]: a.address, [`${NS}/b:8080`]: b.address });
    file = path.join(gw.dir, 'routes.yaml');
  });
  afterAll(async () => {
    await gw?.close();
    await a?.close();
    await b?.close();
  });

  test.each(BAD)('fails %s on reload: the message names the fault, the previous configuration keeps serving', async (_name, text, message) => {
    const generation = gw.server.current.generation;
    fs.writeFileSync(file, text);
    await gw.server.reload();
    const last = gw.logs.filter((l) => l.msg === 'reload rejected').pop();
    expect(last?.error).toMatch(message);
    expect(gw.server.current.generation).toBe(generation);
    const r = await request(gw.port(), { path: '/ok', host: 'example.com' });
    expect(r.status).toBe(200);
    expect(r.json().backend).toBe('a');
  });

  test.each(BAD)('fails %s at start: the gateway does not start and says why', async (_name, text, message) => {
    const dir = tmpDir();
    try {
      fs.writeFileSync(path.join(dir, 'routes.yaml'), text);
      const server = new GatewayServer({
        routes: [path.join(dir, 'routes.yaml')],
        gateways: [],
        listen: [{ listenerPort: 80, bind: { host: '127.0.0.1', port: 0 } }],
        admin: { host: '127.0.0.1', port: 0 },
        accessLog: false,
        watch: false,
        drainTimeoutMs: 100,
        logger: () => undefined,
      });
      await expect(server.start()).rejects.toThrow(message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails a --gateway that is not in the input, at start and when a reload removes it', async () => {
    const dir = tmpDir();
    try {
      const f = path.join(dir, 'routes.yaml');
      writeYaml(f, GOOD('a'));
      fs.writeFileSync(path.join(dir, 'backends.json'), JSON.stringify({ [`${NS}/a:8080`]: a.address }));
      const options = {
        routes: [f],
        backendsFile: path.join(dir, 'backends.json'),
        gateways: [`${NS}/nope`],
        listen: [{ listenerPort: 80, bind: { host: '127.0.0.1', port: 0 } }],
        admin: { host: '127.0.0.1', port: 0 },
        accessLog: false,
        watch: false,
        drainTimeoutMs: 100,
        logger: () => undefined,
      };
      await expect(new GatewayServer(options).start()).rejects.toThrow(/gateway "gateway-conformance-infra\/nope" is not in the input \(gateways found: gateway-conformance-infra\/same-namespace\)/);
      const logs: any[] = [];
      const served = new GatewayServer({ ...options, gateways: [`${NS}/same-namespace`], logger: (level, msg, fields) => logs.push({ level, msg, ...fields }) });
      await served.start();
      try {
        writeYaml(f, [gatewayDoc(undefined, 'renamed'), ...GOOD('a').slice(1)]);
        await served.reload();
        expect(logs.find((l) => l.msg === 'reload rejected')?.error).toMatch(/gateway "gateway-conformance-infra\/same-namespace" is not in the input \(gateways found: gateway-conformance-infra\/renamed\)/);
        const port = served.sockets.get(`${NS}/same-namespace:80`)!.port;
        expect((await request(port, { path: '/ok', host: 'example.com' })).json().backend).toBe('a');
      } finally {
        await served.stop(100);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a route whose parent Gateway is missing is reported, and the rest is applied', async () => {
    writeYaml(file, [...GOOD('b'), { ...routeDoc('orphan', [{ backendRefs: [backendRef('a')] }]), spec: { parentRefs: [{ name: 'nope' }], rules: [] } }]);
    await gw.server.reload();
    expect(gw.logs.filter((l) => l.msg === 'configuration warning').map((l) => l.warning)).toContain(`HTTPRoute ${NS}/orphan: parent Gateway ${NS}/nope is not in the input`);
    expect((await request(gw.port(), { path: '/ok', host: 'example.com' })).json().backend).toBe('b');
  });

  test('a Gateway API route kind this gateway does not serve is a warning, the rest is applied', async () => {
    fs.writeFileSync(file, `${GATEWAY}apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: t, namespace: ${NS}}\nspec: {}\n---\n${
      route('rules: [{matches: [{path: {type: PathPrefix, value: /ok}}], backendRefs: [{name: a, port: 8080}]}]')}`);
    await gw.server.reload();
    expect(gw.logs.filter((l) => l.msg === 'configuration warning').map((l) => l.warning)).toContain('TCPRoute is not supported by this gateway and is ignored: its traffic is not served');
    expect((await request(gw.port(), { path: '/ok', host: 'example.com' })).json().backend).toBe('a');
  });

  test('the file watcher: a broken save keeps serving, the fixed save is applied', async () => {
    const dir = tmpDir();
    const watched = await startGateway(GOOD('a'), { [`${NS}/a:8080`]: a.address, [`${NS}/b:8080`]: b.address }, { watch: true });
    try {
      const f = path.join(watched.dir, 'routes.yaml');
      fs.writeFileSync(f, `${GATEWAY}kind: HTTPRoute\nmetadata: {name: [broken\n`);
      await until(() => watched.logs.some((l) => l.msg === 'reload rejected'), 5_000);
      expect((await request(watched.port(), { path: '/ok', host: 'example.com' })).json().backend).toBe('a');
      writeYaml(f, GOOD('b'));
      await until(() => watched.logs.some((l) => l.msg === 'reloaded'), 5_000);
      expect((await request(watched.port(), { path: '/ok', host: 'example.com' })).json().backend).toBe('b');
    } finally {
      await watched.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
