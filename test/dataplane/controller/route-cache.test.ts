/**
 * The route cache of `compile` (controller mode): a compile that reuses the routes read by the previous one gives the
 * same table, facts and warnings as a compile from scratch; a changed route object, Service or ReferenceGrant is read
 * again.
 */
import { compile, RouteCache } from '../../../src/dataplane/engine/compile';
import type { CompiledTable } from '../../../src/dataplane/engine/model';
import { docs, gateway, httpRoute, ruleTo } from '../engine/helpers';

const service = (name: string, port = 80): any => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port }] } });
/** The table without its router index (functions and maps), for comparison. */
const plain = (t: CompiledTable): unknown => JSON.parse(JSON.stringify({ ...t, generation: 0 }, (k, v) => (k === 'index' ? undefined : v)));

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
});
