import { describeExample, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations } from './seed-compare';
import { section } from '../../examples/rule-ordering/main';

describeExample(section, (fresh) => {
  test('task-api-ordered routes as the lesson\'s object', () => {
    expectMatchesSeed(findObject(variantObjects(fresh()), 'HTTPRoute', 'task-api-ordered'), loadSeed('rule-ordering', 'task-api-ordered'));
  });

  test('task-api-ordered is emitted Exact, RegularExpression, longest PathPrefix, catch-all', () => {
    const rules = findObject(variantObjects(fresh()), 'HTTPRoute', 'task-api-ordered').spec.rules;
    expect(rules.map((r: any) => `${r.matches[0].path.type} ${r.matches[0].path.value}`)).toStrictEqual([
      'Exact /api/v1/tasks/urgent',
      'RegularExpression /api/v1/tasks/[0-9]+',
      'PathPrefix /api/v1/tasks',
      'PathPrefix /',
    ]);
  });

  test('the health route, written in the lesson\'s "wrong" order, routes as both the "wrong" and the "correct" snippet (examples/README.md, point 2)', () => {
    const route = findObject(variantObjects(fresh()), 'HTTPRoute', 'task-api-health');
    expectMatchesSeed(route, loadSeed('rule-ordering', 'ordering-mistake-wrong'));
    expectMatchesSeed(route, loadSeed('rule-ordering', 'ordering-mistake-correct'));
    expect(route.spec.rules.map((r: any) => r.backendRefs[0].name)).toStrictEqual(['health-checker', 'task-api']);
  });

  test('every route lists its rules in precedence order', () => {
    const objects = variantObjects(fresh());
    expect(objects.map((o) => o.metadata.name)).toStrictEqual(['task-api-health', 'task-api-ordered']);
    expect(objects.flatMap(precedenceViolations)).toStrictEqual([]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
