import { describeExample, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations } from './seed-compare';
import { section } from '../../examples/query-params/main';

describeExample(section, (fresh) => {
  test('synthesizes the lesson\'s query route and the combined path and query route', () => {
    expect(variantObjects(fresh()).map((o) => `${o.kind}/${o.metadata.name}`))
      .toStrictEqual(['HTTPRoute/task-api-experimental', 'HTTPRoute/task-api-query']);
  });

  test.each(['task-api-query', 'task-api-experimental'])('%s routes as the lesson\'s object', (name) => {
    expectMatchesSeed(findObject(variantObjects(fresh()), 'HTTPRoute', name), loadSeed('query-params', name));
  });

  test('debug stays ahead of tier: a request with both parameters goes to task-api-debug, as in the lesson', () => {
    const rules = findObject(variantObjects(fresh()), 'HTTPRoute', 'task-api-query').spec.rules;
    expect(rules.map((r: any) => r.backendRefs[0].name)).toStrictEqual(['task-api-debug', 'task-api-premium', 'task-api']);
  });

  test('every route lists its rules in precedence order', () => {
    expect(variantObjects(fresh()).flatMap(precedenceViolations)).toStrictEqual([]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
