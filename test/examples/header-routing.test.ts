import { Testing } from 'cdk8s';
import { describeExample, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations } from './seed-compare';
import { section, VARIANTS } from '../../examples/header-routing/main';
import { BackendRef, HeaderVersionRoute, ParentRef, PathMatch } from '../../src';

describeExample(section, (fresh) => {
  test.each([
    ['header-version', 'task-api-header-version'],
    ['premium', 'task-api-premium'],
    ['beta', 'task-api-beta'],
  ])('variant %s is the lesson\'s %s, alone', (variant, name) => {
    const objects = variantObjects(fresh(), variant);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toStrictEqual([`HTTPRoute/${name}`]);
    expectMatchesSeed(findObject(objects, 'HTTPRoute', name), loadSeed('header-routing', name));
    expect(precedenceViolations(objects[0])).toStrictEqual([]);
  });

  test('the header rule is emitted before the default rule', () => {
    const route = variantObjects(fresh(), 'premium')[0];
    expect(route.spec.rules.map((r: any) => r.backendRefs[0].name)).toStrictEqual(['task-api-premium', 'task-api-standard']);
  });

  test('the alternatives on one Gateway fail synth: their identical default rules tie, and the oldest route takes them all (examples/README.md, point 13)', () => {
    // GIVEN the header-version and beta routes in one app, on the same Gateway
    const chart = Testing.chart();
    for (const [id, header] of [['Version', 'x-version'], ['Beta', 'x-beta-user']]) {
      new HeaderVersionRoute(chart, id, {
        parentRefs: [ParentRef.named('task-api-gateway')],
        path: PathMatch.pathPrefix('/api/'),
        headerName: header,
        versions: [{ value: '2', backendRefs: [BackendRef.fromName(`${id.toLowerCase()}-2`, { port: 8000 })] }],
        defaultBackendRefs: [BackendRef.fromName(`${id.toLowerCase()}-default`, { port: 8000 })],
      });
    }
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/Version\/Route: rule 1 match 1 \(path prefix "\/api\/"\) can never be selected .*it is the same match as test\/Beta\/Route rule 1 match 1, and a tie goes to the older route, then to the first by namespace\/name/);
  });

  test.each(VARIANTS)('snapshot of %s', (variant) => {
    expect(variantObjects(fresh(), variant)).toMatchSnapshot();
  });
});
