import { copyOf, describeExample, variantObjects } from './harness';
import { expectMatchesSeed, findObject, loadSeed, precedenceViolations, seedDifferences } from './seed-compare';
import { section } from '../../examples/grpc-route/main';
import { GrpcServiceMethod } from '../../src';

describeExample(section, (fresh) => {
  test('the Gateway is the lesson\'s object', () => {
    expectMatchesSeed(findObject(variantObjects(fresh()), 'Gateway', 'task-api-gateway'), loadSeed('grpc-route', 'task-api-gateway'));
  });

  test('the lesson\'s method "Get*" does not match GetTask; the prefix helper\'s "Get.*" does (examples/README.md, point 4)', () => {
    expect(GrpcServiceMethod.regularExpression('Get*').matches('GetTask')).toBe(false);
    expect(['Ge', 'Get', 'Gett'].every((m) => GrpcServiceMethod.regularExpression('Get*').matches(m))).toBe(true);
    expect(GrpcServiceMethod.prefix('Get').value).toBe('Get.*');
    expect(GrpcServiceMethod.prefix('Get').matches('GetTask')).toBe(true);
  });

  test('task-grpc-route routes as the lesson\'s object with the spec corrections: Get.*, escaped service, grpc listener (points 4 to 6)', () => {
    // GIVEN the lesson's route, corrected
    const lesson = loadSeed('grpc-route', 'task-grpc-route');
    const corrected = copyOf(lesson);
    corrected.spec.parentRefs[0].sectionName = 'grpc';
    corrected.spec.rules[2].matches[0].method = { type: 'RegularExpression', service: 'task\\.TaskService', method: 'Get.*' };
    const route = findObject(variantObjects(fresh()), 'GRPCRoute', 'task-grpc-route');
    // THEN
    expectMatchesSeed(route, corrected);
    // and only those corrections differ from the lesson as written
    expect(seedDifferences(route, lesson)).toStrictEqual([
      expect.stringMatching(/^GRPCRoute\/task-grpc-route: parentRefs differs: .*"sectionName":"grpc"/),
      expect.stringMatching(/^GRPCRoute\/task-grpc-route: missing rule 3 match 1: .*"method":"Get\*"/),
      expect.stringMatching(/^GRPCRoute\/task-grpc-route: unexpected rule 2 match 1: .*"method":"Get\.\*","service":"task\\\\\.TaskService"/),
    ]);
  });

  test('method-level rules come before the service-level rule', () => {
    const route = findObject(variantObjects(fresh()), 'GRPCRoute', 'task-grpc-route');
    expect(route.spec.rules.map((r: any) => r.backendRefs[0].name)).toStrictEqual(['task-grpc-write', 'task-grpc-read', 'task-grpc-service']);
    expect(precedenceViolations(route)).toStrictEqual([]);
  });

  test('snapshot', () => {
    expect(variantObjects(fresh())).toMatchSnapshot();
  });
});
