import { describeExample, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations } from './seed-compare';
import { section } from '../../examples/mirroring/main';

describeExample(section, (fresh) => {
  test('task-api-mirror routes as the lesson\'s object, and is the only object', () => {
    const objects = variantObjects(fresh());
    expect(objects).toHaveLength(1);
    expectMatchesSeed(findObject(objects, 'HTTPRoute', 'task-api-mirror'), loadSeed('mirroring', 'task-api-mirror'));
    expect(objects.flatMap(precedenceViolations)).toStrictEqual([]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
