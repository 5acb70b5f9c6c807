/**
 * The route cache of `compile` (controller mode): a compile that reuses the routes read by the previous one gives the
 * same table, facts and warnings as a compile from scratch; a changed route object, Service or ReferenceGrant is read
 * again. The listeners' index entries keep the previous compile's order and only the changed routes' are sorted in:
 * the router index is the same as a compile from scratch builds, over a seeded series of route changes.
 */
import type { SourceDocument } from '../../../src/dataplane/config/load';
import { compile, RouteCache } from '../../../src/dataplane/engine/compile';
import type { CompiledTable } from '../../../src/dataplane/engine/model';
import { docs, gateway, httpRoute, ruleTo, seeded } from '../engine/helpers';

const service = (name: string, port = 80): any => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port }] } });
/** The table without its router index (functions and maps), for comparison. */
const plain = (t: CompiledTable): unknown => JSON.parse(JSON.stringify({ ...t, generation: 0 }, (k, v) => (k === 'index' ? undefined : v)));
/** Each listener's router index as plain data: maps as entry lists, an entry's rule by route and rule number, its rank kept. */
const listenerIndexes = (t: CompiledTable): unknown[] => t.gateways.flatMap((g) => g.ports.flatMap((p) => p.listeners.map((l) => l.index)));
const indexes = (t: CompiledTable): string => JSON.stringify(listenerIndexes(t), (k, v) => {
  if (v instanceof Map) return [...v];
  if (typeof v === 'function' || v instanceof RegExp) return String(v);
  if (k === 'rule') return `${v.routeKind} ${v.routeNamespace}/${v.routeName} #${v.index}`;
  if (k === 'match') return v.index;
  return v;
});

describe('compile with a route cache', () => {
  const objects = [
    gateway(), service('a'),
    httpRoute('one', { rules: [ruleTo('a', [{ path: { type: 'PathPrefix', value: '/one' } }])] }),
    httpRoute('two', { rules: [ruleTo('missing'), { ...ruleTo('a'), sessionPersistence: { type: 'Cookie' } }] }),
  ];

  test('GIVEN a cache filled by one compile WHEN the same objects are compiled again THEN the result equals a compile without cache', () => {
    // GIVEN
    const cache = new RouteCache();
    const input = docs(objects);
    const first = compile(input, { servicesComplete: true, routeCache: cache });

    // WHEN
    const second = compile(input, { servicesComplete: true, routeCache: cache });

    // THEN
    const scratch = compile(input, { servicesComplete: true });
    expect(plain(second)).toStrictEqual(plain(scratch));
    expect(second.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/sessionPersistence is not supported/));
    // the unchanged routes' rules are the very objects of the first compile
    const rules = (t: CompiledTable) => t.gateways[0].ports[0].listeners[0].routes.map((r) => r.rules);
    expect(rules(second)[0]).toBe(rules(first)[0]);
  });

  test('GIVEN a cache WHEN a route object is replaced, then the Service it needs appears THEN each is read again', () => {
    // GIVEN
    const cache = new RouteCache();
    compile(docs(objects), { servicesComplete: true, routeCache: cache });

    // WHEN the route is replaced (another object)
    const changed = [...objects.slice(0, 3), httpRoute('two', { rules: [ruleTo('b')] })];
    const afterRoute = compile(docs(changed), { servicesComplete: true, routeCache: cache });
    // AND the Service appears
    const afterService = compile(docs([...changed, service('b')]), { servicesComplete: true, routeCache: cache });

    // THEN
    const two = (t: CompiledTable) => t.facts!.routes.find((r) => r.name === 'two')!.parents[0].conditions[1];
    expect(two(afterRoute)).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
    expect(afterRoute.warnings.some((w) => /sessionPersistence/.test(w.message))).toBe(false);
    expect(two(afterService)).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    expect(plain(afterService)).toStrictEqual(plain(compile(docs([...changed, service('b')]), { servicesComplete: true })));
  });

  test('GIVEN a seeded series of routes added, replaced and removed WHEN each state is compiled with the cache THEN table, index and warnings equal a compile from scratch', () => {
    // GIVEN routes of every match kind on two listeners (one with a hostname), some with equal precedence
    const random = seeded(13);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const matches = [
      { path: { type: 'Exact', value: '/a' } },
      { path: { type: 'PathPrefix', value: '/a' } },
      { path: { type: 'PathPrefix', value: '/' } },
      { path: { type: 'RegularExpression', value: '/a/[0-9]+' } },
      { path: { type: 'PathPrefix', value: '/b' }, headers: [{ name: 'x', value: '1' }] },
      { path: { type: 'Exact', value: '/a' }, method: 'POST' },
      { path: { type: 'PathPrefix', value: '/b' }, queryParams: [{ name: 'q', value: 'v' }] },
    ];
    const route = (i: number, version: number): any => httpRoute(`r${i}`, {
      ...(random() < 0.3 ? { hostnames: [pick(['a.example.com', '*.example.com', 'b.example.com'])] } : {}),
      rules: [ruleTo('a', [pick(matches), ...(random() < 0.5 ? [pick(matches)] : [])]), ...(random() < 0.3 ? [ruleTo(pick(['a', 'missing']), [pick(matches)])] : [])],
    }, { creationTimestamp: `2026-01-0${1 + (version % 3)}T00:00:00Z` });
    const fixed = [gateway([
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      { name: 'named', port: 80, protocol: 'HTTP', hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } },
    ]), service('a')];
    const routes = new Map<number, any>(Array.from({ length: 30 }, (_, i) => [i, route(i, 0)]));
    // one document per object, the same while the object is (as the controller keeps them)
    const documents = new Map<object, SourceDocument>();
    const file = (o: any): string => `${o.kind} ${o.metadata.name}`;
    const input = (): SourceDocument[] => [...fixed, ...routes.values()].map((o) => {
      let d = documents.get(o);
      if (!d) documents.set(o, d = { file: file(o), document: 1, object: o, lineOf: () => undefined });
      return d;
    });
    const cache = new RouteCache();
    compile(input(), { servicesComplete: true, routeCache: cache });

    for (let step = 1; step <= 60; step++) {
      // WHEN one to three routes change: replaced, removed or added
      for (let c = 1 + Math.floor(random() * 3); c > 0; c--) {
        const i = Math.floor(random() * 40);
        if (routes.has(i) && random() < 0.3) routes.delete(i);
        else routes.set(i, route(i, step));
      }
      const cached = compile(input(), { servicesComplete: true, routeCache: cache });

      // THEN
      const fromScratch = docs([...fixed, ...routes.values()]).map((d) => ({ ...d, file: file(d.object), document: 1 }));
      const scratch = compile(fromScratch, { servicesComplete: true });
      expect(plain(cached)).toStrictEqual(plain(scratch));
      expect(indexes(cached)).toBe(indexes(scratch));
    }
  });
});
