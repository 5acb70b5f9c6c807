import { ApiObject, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { RE2JS } from 're2js';
import {
  AllowedRoutes, Annotations, BackendRef, Gateway, GrpcMethodMatch, GrpcRoute, HeaderMatch, HttpMethod, HttpRoute, Listener, ParentRef, PathMatch,
  QueryParamMatch, RouteKind,
} from '../src';
import { RouteTester } from '../src/testing';

// Differential test of the two halves: generated apps (HTTP and gRPC routes, several routes per listener, regular
// expressions, methods, headers, query parameters, listeners with hostnames and namespace selectors) are synthesized;
// the gateway's engine then routes a fixed set of requests over the synthesized objects, and:
// (a) the rule the engine picks is the first rule of its route, in emitted order, that matches the request;
// (b) a match synth calls "can never be selected" is never picked;
// (c) in an app whose HTTPRoutes use no regular expressions, a rule no request selects was reported at synth
//     (with regular expressions, coverage of one match by another is undecidable in general: not claimed).
// The request set holds, for every match of the pools below, a request only that match's conditions select (a path
// at a segment no match names, a method no match names, no other header or parameter), so (c) is decided exactly.

interface HttpMatchSpec {
  readonly path: ['Exact' | 'PathPrefix' | 'RegularExpression', string];
  readonly method?: 'GET' | 'POST';
  readonly header?: ['Exact' | 'RegularExpression', string];
  readonly query?: string;
}
interface GrpcMatchSpec {
  readonly service?: string;
  readonly method?: string;
  readonly regex: boolean;
  readonly header?: string;
}
interface RouteSpec<M> {
  readonly namespace: 'team-a' | 'team-b';
  readonly hostname?: string;
  readonly rules: M[][];
}
interface AppSpec {
  readonly listenerHostname?: string;
  readonly selector: boolean;
  readonly http: RouteSpec<HttpMatchSpec>[];
  readonly grpc: RouteSpec<GrpcMatchSpec>[];
}

const PATHS: Record<string, string[]> = {
  Exact: ['/a', '/a/b', '/b'],
  PathPrefix: ['/', '/a', '/a/', '/b'],
  RegularExpression: ['/a/.*', '/a/[0-9]+', '/[ab]/.*', '/b.*'],
};
const HOSTS = ['a.example.com', 'b.example.com', 'c.other.org'];
const REQUEST_PATHS = ['/', '/a', '/a/', '/a/b', '/a/7', '/a/x', '/b', '/bx', '/b/c', '/c'];

const httpMatch: fc.Arbitrary<HttpMatchSpec> = fc.record({
  path: fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression').chain((t) => fc.constantFrom(...PATHS[t]).map((v) => [t, v] as HttpMatchSpec['path'])),
  method: fc.option(fc.constantFrom('GET' as const, 'POST' as const), { nil: undefined }),
  header: fc.option(fc.constantFrom<HttpMatchSpec['header']>(['Exact', '1'], ['Exact', '2'], ['RegularExpression', '[12]']), { nil: undefined }),
  query: fc.option(fc.constant('1'), { nil: undefined }),
});
const grpcMatch: fc.Arbitrary<GrpcMatchSpec> = fc.record({
  service: fc.option(fc.constantFrom('demo.Admin', 'demo\\.Admin', 'demo\\..*'), { nil: undefined }),
  method: fc.option(fc.constantFrom('Delete', 'Get', 'Del.*'), { nil: undefined }),
  regex: fc.boolean(),
  header: fc.option(fc.constant('1'), { nil: undefined }),
}).map((m) => ({ ...m, regex: m.regex || [m.service, m.method].some((v) => v !== undefined && /[\\.*]/.test(v)) }));
const routeOf = <M>(match: fc.Arbitrary<M>): fc.Arbitrary<RouteSpec<M>> => fc.record({
  namespace: fc.constantFrom('team-a' as const, 'team-b' as const),
  hostname: fc.option(fc.constantFrom('a.example.com', 'b.example.com', '*.example.com'), { nil: undefined }),
  rules: fc.array(fc.array(match, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }),
});
const appArb: fc.Arbitrary<AppSpec> = fc.record({
  listenerHostname: fc.option(fc.constantFrom('a.example.com', '*.example.com'), { nil: undefined }),
  selector: fc.boolean(),
  http: fc.array(routeOf(httpMatch), { minLength: 1, maxLength: 3 }),
  grpc: fc.array(routeOf(grpcMatch), { minLength: 0, maxLength: 2 }),
});

interface Synthesized {
  readonly objects: any[];
  readonly errors: string[];
  readonly warnings: string[];
}

function synthesize(spec: AppSpec): Synthesized {
  const chart = Testing.chart();
  const allowed = (kind: RouteKind) => (spec.selector
    ? AllowedRoutes.fromSelector({ matchLabels: { shared: 'true' }, kinds: [kind] })
    : AllowedRoutes.all({ kinds: [kind] }));
  const gateway = new Gateway(chart, 'gw', {
    metadata: { name: 'gw', namespace: 'infra' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [
      Listener.http({ name: 'web', port: 80, hostname: spec.listenerHostname, allowedRoutes: allowed(RouteKind.HTTP_ROUTE) }),
      Listener.http({ name: 'rpc', port: 8080, allowedRoutes: allowed(RouteKind.GRPC_ROUTE) }),
    ],
  });
  new ApiObject(chart, 'ns-a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { shared: 'true' } } });
  new ApiObject(chart, 'ns-b', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
  const backend = (name: string) => [BackendRef.fromName(name, { port: 8080 })];
  spec.http.forEach((r, i) => new HttpRoute(chart, `h${i}`, {
    metadata: { name: `h${i}`, namespace: r.namespace },
    hostnames: r.hostname ? [r.hostname] : undefined,
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'web' })],
    rules: r.rules.map((ms, k) => ({
      name: `r${k}`,
      backendRefs: backend(`h${i}-r${k}`),
      matches: ms.map((m) => ({
        path: m.path[0] === 'Exact' ? PathMatch.exact(m.path[1]) : m.path[0] === 'PathPrefix' ? PathMatch.pathPrefix(m.path[1]) : PathMatch.regularExpression(m.path[1]),
        method: m.method as HttpMethod | undefined,
        headers: m.header === undefined ? undefined : [m.header[0] === 'Exact' ? HeaderMatch.exact('x', m.header[1]) : HeaderMatch.regularExpression('x', m.header[1])],
        queryParams: m.query === undefined ? undefined : [QueryParamMatch.exact('q', m.query)],
      })),
    })),
  }));
  spec.grpc.forEach((r, i) => new GrpcRoute(chart, `g${i}`, {
    metadata: { name: `g${i}`, namespace: r.namespace },
    hostnames: r.hostname ? [r.hostname] : undefined,
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'rpc' })],
    rules: r.rules.map((ms, k) => ({
      name: `r${k}`,
      backendRefs: backend(`g${i}-r${k}`),
      matches: ms.map((m) => ({
        method: m.service === undefined && m.method === undefined ? undefined
          : (m.regex ? GrpcMethodMatch.regularExpression : GrpcMethodMatch.exact)({ service: m.service, method: m.method }),
        headers: m.header === undefined ? undefined : [HeaderMatch.exact('x', m.header)],
      })),
    })),
  }));
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const c of chart.node.findAll()) {
    errors.push(...c.node.validate());
    warnings.push(...Annotations.of(c).warnings);
  }
  const objects = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
  return { objects, errors, warnings };
}

interface Probe {
  readonly host: string;
  readonly path: string;
  readonly method: string;
  readonly x?: string;
  readonly q?: string;
  readonly grpc?: { service: string; method: string };
}

const HTTP_PROBES: Probe[] = HOSTS.flatMap((host) => REQUEST_PATHS.flatMap((path) => ['GET', 'POST', 'PUT'].flatMap((method) =>
  [undefined, '1', '2', '3'].flatMap((x) => [undefined, '1'].map((q) => ({ host, path, method, x, q }))))));
const GRPC_PROBES: Probe[] = ['demo.Admin', 'demoXAdmin', 'other.S'].flatMap((service) => ['Delete', 'Deliver', 'Get', 'Put'].flatMap((method) =>
  [undefined, '1'].map((x) => ({ host: 'a.example.com', path: `/${service}/${method}`, method: 'POST', x, grpc: { service, method } }))));

const whole = (pattern: string, value: string) => RE2JS.compile(pattern).matches(value);

/** An independent reading of one emitted match against a probe (the spec's matching, not the engine's code). */
function matchesProbe(kind: string, m: any, p: Probe): boolean {
  const header = (m.headers ?? []).every((h: any) => p.x !== undefined && h.name === 'x' && (h.type === 'RegularExpression' ? whole(h.value, p.x) : h.value === p.x));
  if (kind === 'GRPCRoute') {
    const g = m.method;
    const ok = (want: string | undefined, got: string) => want === undefined || (g.type === 'RegularExpression' ? whole(want, got) : want === got);
    return p.grpc !== undefined && (g === undefined || (ok(g.service, p.grpc.service) && ok(g.method, p.grpc.method))) && header;
  }
  const type = m.path?.type ?? 'PathPrefix';
  const value = m.path?.value ?? '/';
  const base = value === '/' ? '/' : value.replace(/\/$/, '');
  const path = type === 'Exact' ? p.path === value
    : type === 'RegularExpression' ? whole(value, p.path)
      : base === '/' || p.path === base || p.path.startsWith(`${base}/`);
  const query = (m.queryParams ?? []).every((c: any) => c.name === 'q' && p.q === c.value);
  return path && (m.method === undefined || m.method === p.method) && header && query;
}

describe('constructs and gateway agree (differential)', () => {
  test('the engine picks the first matching rule in emitted order, never an unreachable match, and every rule no request selects was reported', () => {
    // Synth prints its warnings; the property reads them from the constructs instead.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    fc.assert(fc.property(appArb, (spec) => {
      // GIVEN a generated app, synthesized
      const { objects, errors, warnings } = synthesize(spec);
      const tester = RouteTester.fromObjects(objects);
      const routes = new Map<string, any>(objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
      const dead = new Set(errors.flatMap((e) => {
        const m = /^test\/([gh]\d+): rule "(r\d+)" match (\d+) \(.*\) can never be selected/.exec(e);
        return m ? [`${m[1]}#${m[2]}#${Number(m[3]) - 1}`] : [];
      }));
      const unordered = new Set([...errors, ...warnings].flatMap((e) => (/cannot be ordered|may be selected differently/.test(e) ? [/^test\/([gh]\d+):/.exec(e)?.[1]] : [])));
      const picked = new Set<string>();
      // WHEN the engine routes every probe
      for (const p of [...HTTP_PROBES, ...GRPC_PROBES]) {
        const r = tester.request(`http://${p.host}${p.grpc ? ':8080' : ''}${p.path}${p.q ? `?q=${p.q}` : ''}`, {
          method: p.method,
          headers: { ...(p.x !== undefined ? { x: p.x } : {}), ...(p.grpc ? { 'content-type': 'application/grpc' } : {}) },
        });
        if (r.outcome !== 'routed' || r.route === undefined || r.rule === undefined) continue;
        const route = routes.get(`${r.route.namespace}/${r.route.name}`);
        const emittedRules: any[] = route.spec.rules;
        const at = emittedRules.findIndex((x) => x.name === r.rule!.name);
        const key = `${r.route.name}#${r.rule.name}#${r.matches!.index}`;
        picked.add(`${r.route.name}#${r.rule.name}`);
        // THEN (b) what synth called unreachable is never picked
        expect({ probe: p, picked: key, dead: dead.has(key) }).toStrictEqual({ probe: p, picked: key, dead: false });
        // THEN the picked match matches, and (a) no rule emitted before it in its route matches
        const matchesOf = (rule: any) => (rule.matches ?? [{}]);
        expect(matchesProbe(route.kind, matchesOf(emittedRules[at])[r.matches!.index], p)).toBe(true);
        if (!unordered.has(r.route.name)) {
          const earlier = emittedRules.slice(0, at).filter((rule) => matchesOf(rule).some((m: any) => matchesProbe(route.kind, m, p)));
          expect({ probe: p, picked: key, earlier: earlier.map((x) => x.name) }).toStrictEqual({ probe: p, picked: key, earlier: [] });
        }
      }
      // THEN (c) in a regex-free app, a rule no probe selects was reported at synth
      const regexFree = spec.http.every((route) => route.rules.every((ms) => ms.every((m) => m.path[0] !== 'RegularExpression' && m.header?.[0] !== 'RegularExpression')));
      spec.http.forEach((route, i) => {
        if (!regexFree) return;
        const attached = (spec.selector ? route.namespace === 'team-a' : true)
          && (route.hostname === undefined || spec.listenerHostname === undefined || route.hostname === spec.listenerHostname
            || (spec.listenerHostname.startsWith('*.') && route.hostname.endsWith(spec.listenerHostname.slice(1)))
            || (route.hostname.startsWith('*.') && spec.listenerHostname.endsWith(route.hostname.slice(1))));
        if (!attached) return;
        route.rules.forEach((_, k) => {
          if (picked.has(`h${i}#r${k}`)) return;
          expect({ rule: `h${i}#r${k}`, reported: errors.some((e) => e.startsWith(`test/h${i}: `) && e.includes(`rule "r${k}"`)) })
            .toStrictEqual({ rule: `h${i}#r${k}`, reported: true });
        });
      });
    }), { seed: 20261205, numRuns: 60, endOnFailure: true });
  });
});
