import { describeExample, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations } from './seed-compare';
import { section } from '../../examples/path-matching/main';

describeExample(section, (fresh) => {
  test('synthesizes the lesson\'s three routes and nothing else', () => {
    expect(variantObjects(fresh()).map((o) => `${o.kind}/${o.metadata.name}`))
      .toStrictEqual(['HTTPRoute/task-api-exact', 'HTTPRoute/task-api-prefix', 'HTTPRoute/task-api-regex']);
  });

  test.each(['task-api-exact', 'task-api-prefix', 'task-api-regex'])('%s routes as the lesson\'s object', (name) => {
    expectMatchesSeed(findObject(variantObjects(fresh()), 'HTTPRoute', name), loadSeed('path-matching', name));
  });

  test('every route lists its rules in precedence order', () => {
    expect(variantObjects(fresh()).flatMap(precedenceViolations)).toStrictEqual([]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
