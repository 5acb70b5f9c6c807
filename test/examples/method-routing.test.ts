import { copyOf, describeExample, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations, seedDifferences } from './seed-compare';
import { section } from '../../examples/method-routing/main';

describeExample(section, (fresh) => {
  test('task-api-method routes as the lesson\'s object plus HEAD to the replica and PATCH to the primary (examples/README.md, point 8)', () => {
    // GIVEN the lesson's route, corrected: HEAD is a read, PATCH a write
    const lesson = loadSeed('method-routing', 'task-api-method');
    const corrected = copyOf(lesson);
    const api = { type: 'PathPrefix', value: '/api/' };
    corrected.spec.rules.push(
      { matches: [{ path: api, method: 'HEAD' }], backendRefs: [{ name: 'task-api-read-replica', port: 8000 }] },
      { matches: [{ path: api, method: 'PATCH' }], backendRefs: [{ name: 'task-api-primary', port: 8000 }] },
    );
    const route = findObject(variantObjects(fresh()), 'HTTPRoute', 'task-api-method');
    // THEN
    expectMatchesSeed(route, corrected);
    // and exactly those two matches are what differs from the lesson as written
    expect(seedDifferences(route, lesson)).toStrictEqual([
      expect.stringMatching(/^HTTPRoute\/task-api-method: unexpected rule 1 match 2: .*"method":"HEAD".*task-api-read-replica/),
      expect.stringMatching(/^HTTPRoute\/task-api-method: unexpected rule 2 match 3: .*"method":"PATCH".*task-api-primary/),
    ]);
  });

  test('the route is the only object and lists its rules in precedence order', () => {
    const objects = variantObjects(fresh());
    expect(objects).toHaveLength(1);
    expect(objects.flatMap(precedenceViolations)).toStrictEqual([]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
