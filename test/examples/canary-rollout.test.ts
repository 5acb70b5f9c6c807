import { copyOf, describeExample, variantObjects } from './harness';
import { expectMatchesSeed, KubeObject, loadSeed, precedenceViolations, seedDifferences } from './seed-compare';
import { buildApp, section, STAGES, VARIANTS } from '../../examples/canary-rollout/main';

/** The route without backendRefs of weight 0 (they receive no requests). */
function withoutZeroWeights(route: KubeObject): KubeObject {
  const out = copyOf(route);
  for (const rule of out.spec.rules) {
    rule.backendRefs = rule.backendRefs.filter((b: any) => b.weight !== 0);
  }
  return out;
}

describeExample(section, (fresh) => {
  test.each([
    ['canary', 'task-api-canary'],
    ['stage-1', 'progressive-stage-1'],
    ['stage-2', 'progressive-stage-2'],
    ['stage-3', 'progressive-stage-3'],
    ['blue-green-before', 'blue-green-before'],
    ['blue-green-after', 'blue-green-after'],
  ])('variant %s routes as the lesson\'s %s', (variant, fixture) => {
    const objects = variantObjects(fresh(), variant);
    expect(objects).toHaveLength(1);
    expectMatchesSeed(objects[0], loadSeed('canary-rollout', fixture));
    expect(precedenceViolations(objects[0])).toStrictEqual([]);
  });

  test('stage-4 keeps task-api-stable at weight 0 where the lesson drops it; otherwise it is the lesson\'s object (examples/README.md, point 9)', () => {
    const [route] = variantObjects(fresh(), 'stage-4');
    const lesson = loadSeed('canary-rollout', 'progressive-stage-4');
    expect(route.spec.rules[0].backendRefs).toStrictEqual([
      { name: 'task-api-stable', port: 8000, weight: 0 },
      { name: 'task-api-canary', port: 8000, weight: 100 },
    ]);
    expect(seedDifferences(route, lesson)).toHaveLength(2);
    expectMatchesSeed(withoutZeroWeights(route), withoutZeroWeights(lesson));
  });

  test('the stages are the lesson\'s 5%, 25%, 50% and 100% canary', () => {
    expect(STAGES.map((s) => s.percentages[1])).toStrictEqual([5, 25, 50, 100]);
  });

  test('fails on an unknown variant, listing the known ones', () => {
    expect(() => buildApp('unused', 'stage-9'))
      .toThrow(/^examples\/canary-rollout: unknown variant "stage-9"; use one of canary, stage-1, stage-2, stage-3, stage-4, blue-green-before, blue-green-after$/);
  });

  test.each(VARIANTS)('snapshot of %s', (variant) => {
    expect(variantObjects(fresh(), variant)).toMatchSnapshot();
  });
});
