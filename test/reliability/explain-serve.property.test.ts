/**
 * Property: over random route tables and random requests, the router never fails internally, and
 * `explain` (what RouteTester and `cdk8s-gateway explain` say) and `serve` (real sockets) agree on the
 * status and on the backend, with deterministic weights (one backend of a rule has weight, the others 0).
 */
import * as path from 'path';
import * as fc from 'fast-check';
import { get, rawRequest } from './helpers';
import { explain } from '../../src/dataplane/engine/describe';
import { route } from '../../src/dataplane/engine/router';
import { Backend, NS, StartedGateway, gatewayDoc, startBackend, startGateway, writeYaml } from '../dataplane/proxy/helpers';

const BACKENDS = ['b0', 'b1', 'b2', 'b3'];
const GATEWAY = `${NS}/same-namespace`;

const pathValue = fc.constantFrom('/', '/a', '/a/', '/a/b', '/b', '/a/b/c', '/c', '/%7Ea', '/a//b');
const regexValue = fc.constantFrom('/a/.*', '/[ab]/c', '/a/b+', '.*c', '/(a|b)/?', '/~a.*');
const pathMatch = fc.oneof(
  fc.record({ type: fc.constantFrom('Exact', 'PathPrefix'), value: pathValue }),
  fc.record({ type: fc.constant('RegularExpression'), value: regexValue }),
);
/** Mostly absent: a condition in one match out of four. */
const sometimes = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
const match = fc.record({
  path: pathMatch,
  method: sometimes(fc.constantFrom('GET', 'POST')),
  headers: sometimes(fc.constantFrom([{ name: 'x-v', value: '1' }], [{ type: 'RegularExpression', name: 'x-v', value: '[12]' }])),
  queryParams: sometimes(fc.constantFrom([{ name: 'q', value: '1' }])),
}, { requiredKeys: ['path'] });
const backends = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(fc.constantFrom(...BACKENDS), fc.constantFrom(...BACKENDS), fc.integer({ min: 1, max: 5 }))
      .map(([live, dead, w]) => [{ name: live, port: 8080, weight: w }, ...(live === dead ? [] : [{ name: dead, port: 8080, weight: 0 }])]),
  },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.constantFrom(...BACKENDS).map((n) => [{ name: n, port: 8080, weight: 0 }]) },
);
const rule = fc.record({
  matches: fc.array(match, { minLength: 1, maxLength: 2 }),
  backendRefs: backends,
  redirect: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
});
const routes = fc.array(fc.record({
  hostnames: fc.constantFrom([], [], [], ['a.example.com'], ['*.example.com'], ['a.example.com', 'b.example.com']),
  rules: fc.array(rule, { minLength: 1, maxLength: 3 }),
  age: fc.integer({ min: 0, max: 3 }),
}), { minLength: 1, maxLength: 5 });

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'c') },
  { weight: 4, arbitrary: fc.constantFrom('.', '..', '%2e%2e', '', '%41', '%7Ea', '~a', 'x%2Fy', '%zz', 'a;b', '..;') },
);
const requestArb = fc.record({
  host: fc.constantFrom('a.example.com', 'b.example.com', 'example.com', 'A.Example.COM', 'c.example.com:80'),
  method: fc.constantFrom('GET', 'POST', 'DELETE'),
  segments: fc.array(segment, { minLength: 0, maxLength: 4 }),
  query: fc.constantFrom('', 'q=1', 'q=2', 'q=%31'),
  xv: fc.constantFrom(undefined, '1', '2'),
});
type Req = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function toDocs(table: any[]): any[] {
  return [gatewayDoc(), ...table.map((r: any, i: number) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r${i}`, namespace: NS, creationTimestamp: `2024-01-0${1 + r.age}T00:00:00Z` },
    spec: {
      parentRefs: [{ name: 'same-namespace' }],
      ...(r.hostnames.length ? { hostnames: r.hostnames } : {}),
      rules: r.rules.map((ru: any) => ({
        matches: ru.matches.map((m: any) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined))),
        ...(ru.redirect ? { filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 302, hostname: 'elsewhere.example' } }] } : { backendRefs: ru.backendRefs }),
      })),
    },
  }))];
}

let gw: StartedGateway;
const echo: Backend[] = [];

beforeAll(async () => {
  for (const n of BACKENDS) echo.push(await startBackend(n));
  gw = await startGateway([gatewayDoc()], Object.fromEntries(BACKENDS.map((n, i) => [`${NS}/${n}:8080`, echo[i].address])), {
    accessLogSink: () => undefined,
    random: () => 0.5,
  });
});

afterAll(async () => {
  await gw?.close();
  for (const e of echo) await e.close();
});

function target(r: Req): string {
  return `/${r.segments.join('/')}${r.query ? `?${r.query}` : ''}`;
}

test('explain and serve agree on status and backend; the router never fails internally', async () => {
  let compared = 0;
  let routed = 0;
  const sentArb = fc.array(requestArb, { minLength: 10, maxLength: 10 });
  const offlineArb = fc.array(requestArb, { minLength: 100, maxLength: 100 });
  await fc.assert(fc.asyncProperty(routes, sentArb, offlineArb, async (table, sent, offline) => {
    writeYaml(path.join(gw.dir, 'routes.yaml'), toDocs(table));
    const generation = gw.server.current.generation;
    await gw.server.reload();
    expect(gw.server.current.generation).toBe(generation + 1);
    const current = gw.server.current;
    const ask = (r: Req) => {
      const full = target(r);
      const q = full.indexOf('?');
      return explain(current, {
        gateway: GATEWAY,
        port: 80,
        host: r.host.replace(/:\d+$/, '').toLowerCase(),
        method: r.method,
        path: q < 0 ? full : full.slice(0, q),
        query: q < 0 ? '' : full.slice(q + 1),
        headers: r.xv !== undefined ? { 'x-v': r.xv } : {},
      });
    };
    for (const r of offline) {
      const full = target(r);
      const q = full.indexOf('?');
      const d = route(current, { gateway: GATEWAY, port: 80, host: r.host, method: r.method, path: q < 0 ? full : full.slice(0, q), query: q < 0 ? '' : full.slice(q + 1), headers: {} });
      expect(d.outcome === 'not-found' ? d.reason : '').not.toMatch(/internal routing error/);
      ask(r);
    }
    for (const r of sent) {
      const expected = ask(r);
      const answer = await rawRequest(gw.port(), get(target(r), r.host, r.xv !== undefined ? `x-v: ${r.xv}\r\n` : '').replace('GET ', `${r.method} `));
      const context = { request: `${r.method} ${r.host}${target(r)} x-v=${r.xv}`, explained: `${expected.status} ${expected.reason}`, served: `${answer.status} ${answer.body.slice(0, 200)}` };
      expect({ ...context, status: answer.status }).toStrictEqual({ ...context, status: expected.status });
      if (expected.status === 200) {
        const live = expected.backends.filter((b) => b.probability > 0).map((b) => b.name);
        expect({ ...context, backend: JSON.parse(answer.body).backend }).toStrictEqual({ ...context, backend: live[0] });
        routed++;
      }
      compared++;
    }
  }), { numRuns: 40, seed: Number(process.env.FC_SEED ?? 20261126) });
  // THEN the runs exercised both forwarded and refused/unmatched requests
  expect(compared).toBe(400);
  expect(routed).toBeGreaterThan(60);
});
