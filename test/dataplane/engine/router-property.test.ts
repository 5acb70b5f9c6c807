/**
 * Property tests of the router:
 * - the indexed router picks exactly what a naive reference implementation of the spec's precedence
 *   picks (scan every rule of every attached route, sort by the precedence tuple), for random tables
 *   and requests drawn from small alphabets so that overlaps are frequent;
 * - `route` never throws and never fails internally on arbitrary input.
 */
import * as fc from 'fast-check';
import { RE2JS } from 're2js';
import { docs, gateway } from './helpers';
import { compile } from '../../../src/dataplane/engine/compile';
import { RouteRequest } from '../../../src/dataplane/engine/model';
import { route } from '../../../src/dataplane/engine/router';

const SEGMENTS = ['a', 'b', 'ab'];
const HOSTNAMES = ['a.x.com', 'b.x.com', '*.x.com', '*.com', 'y.a.x.com'];
const REGEXES = ['/a.*', '/a/[ab]+', '/(a|b)/b', '/ab?/.*', '.*', '/b', '/a/b/?'];

const pathValue = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 3 }).chain((segs) => fc.boolean().map((slash) => `/${segs.join('/')}${slash && segs.length ? '/' : ''}`));
const pathMatch = fc.oneof(
  pathValue.map((value) => ({ type: 'Exact', value })),
  pathValue.map((value) => ({ type: 'PathPrefix', value })),
  fc.constantFrom(...REGEXES).map((value) => ({ type: 'RegularExpression', value })),
);
const matchArb = fc.record({
  path: fc.option(pathMatch, { nil: undefined }),
  method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
  headers: fc.option(fc.uniqueArray(fc.record({ name: fc.constantFrom('h1', 'h2'), value: fc.constantFrom('1', '2') }), { selector: (h) => h.name, maxLength: 2 }), { nil: undefined }),
  queryParams: fc.option(fc.uniqueArray(fc.record({ name: fc.constantFrom('q', 'r'), value: fc.constantFrom('1', '2') }), { selector: (h) => h.name, maxLength: 2 }), { nil: undefined }),
}, { requiredKeys: [] });
const ruleArb = fc.record({ matches: fc.array(matchArb, { maxLength: 3 }) });
const routeArb = fc.record({
  name: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
  namespace: fc.constantFrom('default', 'zz'),
  created: fc.option(fc.constantFrom('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z'), { nil: undefined }),
  hostnames: fc.uniqueArray(fc.constantFrom(...HOSTNAMES), { maxLength: 2 }),
  rules: fc.array(ruleArb, { minLength: 1, maxLength: 3 }),
});
const tableArb = fc.record({
  listenerHost: fc.option(fc.constantFrom('*.x.com', 'a.x.com'), { nil: undefined }),
  routes: fc.uniqueArray(routeArb, { selector: (r) => `${r.namespace}/${r.name}`, minLength: 1, maxLength: 5 }),
});
const requestArb = fc.record({
  host: fc.constantFrom('a.x.com', 'b.x.com', 'y.a.x.com', 'c.com', 'A.X.COM:80', 'other.org'),
  path: fc.oneof(pathValue, fc.constantFrom('/a//b', '/ab/', '/abc', '/a/b/c', '')),
  method: fc.constantFrom('GET', 'POST', 'HEAD'),
  headers: fc.dictionary(fc.constantFrom('h1', 'h2'), fc.constantFrom('1', '2')),
  query: fc.constantFrom('', 'q=1', 'q=2&r=1', 'r=2&q=1&q=2', 'q=%31', 'r=1'),
});

function buildObjects(t: { listenerHost?: string; routes: any[] }): any[] {
  const listener = { name: 'l', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } }, ...(t.listenerHost ? { hostname: t.listenerHost } : {}) };
  return [gateway([listener]), ...t.routes.map((r) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: r.name, namespace: r.namespace, ...(r.created ? { creationTimestamp: r.created } : {}) },
    spec: {
      parentRefs: [{ name: 'gw', namespace: 'default' }],
      hostnames: r.hostnames,
      rules: r.rules.map((rule: any, i: number) => ({ ...rule, backendRefs: [{ name: `${r.namespace}-${r.name}-${i}`, port: 80 }] })),
    },
  })),
  // GRPCRoutes on a hostname no request uses: they share the listener (exercising a comparator over
  // both kinds) and, where their hostnames intersect an HTTPRoute's, lose to it (newer by name).
  ...[1, 2, 3].map((i) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name: `zzzz-${i}`, namespace: 'zzzz' },
    spec: { parentRefs: [{ name: 'gw', namespace: 'default' }], hostnames: ['g.y.org'], rules: [{ matches: [{ method: { service: `s${i}` } }], backendRefs: [{ name: 'grpc', port: 80 }] }] },
  }))];
}

// ---- the naive reference, written from the spec text independently of the engine ----

function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

function intersect(routeHost: string, listenerHost: string | undefined): string | undefined {
  if (!listenerHost) return routeHost;
  if (hostMatches(listenerHost, routeHost) || routeHost === listenerHost) return routeHost;
  if (hostMatches(routeHost, listenerHost)) return listenerHost;
  if (routeHost.startsWith('*.') && listenerHost.startsWith('*.') && routeHost.endsWith(listenerHost.slice(1))) return routeHost;
  if (routeHost.startsWith('*.') && listenerHost.startsWith('*.') && listenerHost.endsWith(routeHost.slice(1))) return listenerHost;
  return undefined;
}

function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  if (p === '') return path.startsWith('/');
  return path === p || path.startsWith(`${p}/`);
}

interface RefRequest { host: string; path: string; method: string; headers: Record<string, string>; query: string }

function referenceWinner(t: { listenerHost?: string; routes: any[] }, r: RefRequest): string {
  const host = r.host.toLowerCase().replace(/:\d+$/, '');
  if (t.listenerHost && !hostMatches(t.listenerHost, host)) return 'not-found';
  const query = new Map<string, string>();
  for (const part of r.query.split('&')) {
    if (!part) continue;
    const [k, v = ''] = part.split('=');
    if (!query.has(decodeURIComponent(k))) query.set(decodeURIComponent(k), decodeURIComponent(v));
  }
  const candidates: { key: (number | string)[]; backend: string }[] = [];
  for (const rt of t.routes) {
    let effective: string[] = rt.hostnames.map((h: string) => intersect(h, t.listenerHost)).filter((h: string | undefined) => h !== undefined);
    if (rt.hostnames.length > 0 && effective.length === 0) continue; // not attached
    if (rt.hostnames.length === 0 && t.listenerHost) effective = [t.listenerHost];
    let hostKey: number[] | undefined;
    if (effective.length === 0) hostKey = [0, 0];
    for (const h of effective) {
      if (!hostMatches(h, host)) continue;
      const k = h.startsWith('*.') ? [0, h.length] : [h.length, h.length];
      if (!hostKey || k[0] > hostKey[0] || (k[0] === hostKey[0] && k[1] > hostKey[1])) hostKey = k;
    }
    if (!hostKey) continue;
    rt.rules.forEach((rule: any, ri: number) => {
      const matches = rule.matches.length ? rule.matches : [{}];
      matches.forEach((m: any, mi: number) => {
        const path = m.path ?? { type: 'PathPrefix', value: '/' };
        const pathOk = path.type === 'Exact' ? r.path === path.value
          : path.type === 'PathPrefix' ? prefixMatches(path.value, r.path)
            : RE2JS.compile(path.value).matches(r.path);
        if (!pathOk) return;
        if (m.method && m.method !== r.method) return;
        if ((m.headers ?? []).some((h: any) => r.headers[h.name] !== h.value)) return;
        if ((m.queryParams ?? []).some((q: any) => query.get(q.name) !== q.value)) return;
        const typeRank = { Exact: 0, RegularExpression: 1, PathPrefix: 2 }[path.type as string]!;
        candidates.push({
          key: [-hostKey![0], -hostKey![1], typeRank, -path.value.length, m.method ? 0 : 1, -(m.headers?.length ?? 0), -(m.queryParams?.length ?? 0),
            rt.created ? Date.parse(rt.created) : Number.MAX_SAFE_INTEGER, `${rt.namespace}/${rt.name}`, ri, mi],
          backend: `${rt.namespace}-${rt.name}-${ri}`,
        });
      });
    });
  }
  if (candidates.length === 0) return 'not-found';
  candidates.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      if (a.key[i] < b.key[i]) return -1;
      if (a.key[i] > b.key[i]) return 1;
    }
    return 0;
  });
  return candidates[0].backend;
}

describe('router properties', () => {
  test('the indexed router agrees with a naive scan of every rule', () => {
    fc.assert(fc.property(tableArb, fc.array(requestArb, { minLength: 1, maxLength: 8 }), (t, requests) => {
      const table = compile(docs(buildObjects(t)));
      for (const r of requests) {
        const request: RouteRequest = { gateway: 'default/gw', port: 80, host: r.host, method: r.method, path: r.path, query: r.query, headers: r.headers };
        const d = route(table, request);
        const got = d.outcome === 'routed' ? d.rule.backends[0].ref.name : d.outcome;
        expect(got).toBe(referenceWinner(t, r));
      }
    }), { numRuns: 400, seed: 20240601 });
  });

  test('route never throws and never fails internally on arbitrary requests', () => {
    const table = compile(docs(buildObjects({
      listenerHost: undefined,
      routes: [{
        name: 'r',
        namespace: 'default',
        hostnames: ['*.x.com'],
        rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/a.*' }, headers: [{ name: 'h1', value: '1' }], queryParams: [{ name: 'q', value: '1' }] }] }, { matches: [{ path: { type: 'PathPrefix', value: '/b' }, method: 'GET' }] }],
      }],
    })));
    const anyValue = fc.oneof(fc.string(), fc.array(fc.string()), fc.constant(undefined), fc.anything() as fc.Arbitrary<any>);
    const anyHeaders = fc.dictionary(fc.string(), anyValue);
    fc.assert(fc.property(
      fc.record({
        gateway: fc.oneof(fc.constant('default/gw'), fc.string()),
        port: fc.oneof(fc.constant(80), fc.integer()),
        sni: fc.option(fc.string(), { nil: undefined }),
        host: fc.oneof(fc.string(), fc.constantFrom('a.x.com', '[::1]:80', '..x.com', '.', ':')),
        method: fc.string(),
        path: fc.oneof(fc.string(), fc.constantFrom('/a%zz', '/a/../b', '/b/%E0%A4%A', '*', '')),
        query: fc.oneof(fc.string(), fc.constantFrom('q=%', 'q=%E0%A4%A', '&&=&q', 'q=1&q')),
        headers: anyHeaders,
        grpc: fc.option(fc.record({ service: fc.string(), method: fc.string() }), { nil: undefined }),
      }),
      (request) => {
        const d = route(table, request as RouteRequest);
        expect(['routed', 'not-found', 'misdirected']).toContain(d.outcome);
        if (d.outcome !== 'routed') expect(d.reason).not.toMatch(/internal routing error/);
      },
    ), { numRuns: 2000, seed: 7 });
  });

  test('route survives hostile request objects (non-string fields, huge values)', () => {
    const table = compile(docs(buildObjects({ routes: [{ name: 'r', namespace: 'default', hostnames: [], rules: [{ matches: [{ queryParams: [{ name: 'q', value: '1' }] }] }] }] })));
    const huge = 'a'.repeat(1_000_000);
    for (const request of [
      { gateway: 'default/gw', port: 80, host: huge, method: huge, path: `/${huge}`, query: `q=${huge}`, headers: { h: huge } },
      { gateway: 'default/gw', port: 80, host: undefined, method: undefined, path: undefined, query: undefined, headers: {} },
      { gateway: 'default/gw', port: 80, host: 5, method: null, path: 7, query: 8, headers: { h1: 5 } },
      { gateway: 'default/gw', port: 80, host: 'a', method: 'GET', path: '/', query: { q: 1 }, headers: undefined },
      { gateway: 'default/gw', port: 80, host: 'a', method: 'GET', path: '/', query: 'q=1', headers: null, grpc: { service: 1, method: null } },
    ]) {
      const d = route(table, request as any);
      expect(d.outcome === 'routed' || !/internal routing error/.test(d.reason)).toBe(true);
      if (d.outcome !== 'routed') expect(d.reason.length).toBeLessThan(1000);
    }
  });
});
