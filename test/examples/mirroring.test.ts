import { expectDistUpToDate, removeFresh, synthFresh, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations } from './seed-compare';
import { section } from '../../examples/mirroring/main';

describe('examples/mirroring', () => {
  let fresh: string;
  beforeAll(() => {
    fresh = synthFresh(section);
  });
  afterAll(() => removeFresh(fresh));

  test('the committed dist/ is exactly what the app synthesizes', () => {
    expectDistUpToDate(section, fresh);
  });

  test('task-api-mirror routes as the lesson\'s object, and is the only object', () => {
    const objects = variantObjects(fresh);
    expect(objects).toHaveLength(1);
    expectMatchesSeed(findObject(objects, 'HTTPRoute', 'task-api-mirror'), loadSeed('mirroring', 'task-api-mirror'));
    expect(objects.flatMap(precedenceViolations)).toStrictEqual([]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh)).toMatchSnapshot();
  });
});
