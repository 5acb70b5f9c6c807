import { describeExample, variantObjects } from './harness';
import { expectMatchesSeed, loadSeed, precedenceViolations } from './seed-compare';
import { section, VARIANTS } from '../../examples/multi-service/main';

describeExample(section, (fresh) => {
  test.each([
    ['step-1', 'step-1-services'],
    ['step-2', 'step-2-urgent'],
    ['step-3', 'step-3-canary'],
  ])('%s routes as the lesson\'s requirements (%s)', (variant, fixture) => {
    const objects = variantObjects(fresh(), variant);
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toStrictEqual(['HTTPRoute/task-api/task-api-routes']);
    expectMatchesSeed(objects[0], loadSeed('multi-service', fixture));
    expect(precedenceViolations(objects[0])).toStrictEqual([]);
  });

  test('the /tasks/urgent override is the first rule, and the canary weights sum to 100', () => {
    const [route] = variantObjects(fresh(), 'step-3');
    expect(route.spec.rules[0]).toStrictEqual({
      matches: [{ path: { type: 'Exact', value: '/tasks/urgent' } }],
      backendRefs: [{ name: 'urgent-task-api', port: 8003 }],
    });
    const tasks = route.spec.rules.find((r: any) => r.matches[0].path.value === '/tasks');
    expect(tasks.backendRefs.reduce((sum: number, b: any) => sum + b.weight, 0)).toBe(100);
  });

  test.each(VARIANTS)('snapshot of %s', (variant) => {
    expect(variantObjects(fresh(), variant)).toMatchSnapshot();
  });
});
