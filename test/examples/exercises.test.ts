import { describeExample, variantObjects } from './harness';
import { expectMatchesSeed, loadSeed, precedenceViolations } from './seed-compare';
import { section, VARIANTS } from '../../examples/exercises/main';

describeExample(section, (fresh) => {
  test.each([
    ['exercise-1', 'exercise-pathprefix'],
    ['exercise-2', 'exercise-header'],
    ['exercise-3', 'exercise-canary'],
    ['exercise-4', 'exercise-query'],
  ])('%s is the lesson\'s %s in namespace default', (variant, name) => {
    const objects = variantObjects(fresh(), variant);
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toStrictEqual([`HTTPRoute/default/${name}`]);
    expectMatchesSeed(objects[0], loadSeed('exercises', name));
    expect(precedenceViolations(objects[0])).toStrictEqual([]);
  });

  test.each(VARIANTS)('snapshot of %s', (variant) => {
    expect(variantObjects(fresh(), variant)).toMatchSnapshot();
  });
});
