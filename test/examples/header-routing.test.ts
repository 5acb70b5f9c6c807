import { section, VARIANTS } from '../../examples/header-routing/main';
import { expectDistUpToDate, removeFresh, synthFresh, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations } from './seed-compare';

describe('examples/header-routing', () => {
  let fresh: string;
  beforeAll(() => {
    fresh = synthFresh(section);
  });
  afterAll(() => removeFresh(fresh));

  test('the committed dist/ is exactly what the apps synthesize', () => {
    expectDistUpToDate(section, fresh);
  });

  test.each([
    ['header-version', 'task-api-header-version'],
    ['premium', 'task-api-premium'],
    ['beta', 'task-api-beta'],
  ])('variant %s is the lesson\'s %s, alone', (variant, name) => {
    const objects = variantObjects(fresh, variant);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toStrictEqual([`HTTPRoute/${name}`]);
    expectMatchesSeed(findObject(objects, 'HTTPRoute', name), loadSeed('header-routing', name));
    expect(precedenceViolations(objects[0])).toStrictEqual([]);
  });

  test('the header rule is emitted before the default rule', () => {
    const route = variantObjects(fresh, 'premium')[0];
    expect(route.spec.rules.map((r: any) => r.backendRefs[0].name)).toStrictEqual(['task-api-premium', 'task-api-standard']);
  });

  test.each(VARIANTS)('snapshot of %s', (variant) => {
    expect(variantObjects(fresh, variant)).toMatchSnapshot();
  });
});
