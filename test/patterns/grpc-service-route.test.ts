import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart, warnings } from './util';
import { BackendRef, GrpcRoute, GrpcServiceMethod, GrpcServiceRoute, MatchType } from '../../src';

const b = (name: string) => BackendRef.fromName(name, { port: 50051 });

describe('GrpcServiceMethod', () => {
  test('prefix emits a whole-name RE2 that matches names starting with the prefix', () => {
    // WHEN
    const get = GrpcServiceMethod.prefix('Get');
    // THEN
    expect([get.type, get.value]).toStrictEqual([MatchType.REGULAR_EXPRESSION, 'Get.*']);
    expect(['Get', 'GetTask', 'GetTasks', 'ListTasks', 'TaskGet', 'Ge'].filter((m) => get.matches(m))).toStrictEqual(['Get', 'GetTask', 'GetTasks']);
  });

  test('prefix escapes regular expression metacharacters', () => {
    const odd = GrpcServiceMethod.prefix('Get.v1+(');
    expect(odd.value).toBe('Get\\.v1\\+\\(.*');
    expect(odd.matches('Get.v1+(Task')).toBe(true);
    expect(odd.matches('GetXv1+(Task')).toBe(false);
  });

  test('named is an exact method; regularExpression is taken as written', () => {
    expect([GrpcServiceMethod.named('CreateTask').type, GrpcServiceMethod.named('CreateTask').value]).toStrictEqual([MatchType.EXACT, 'CreateTask']);
    const re = GrpcServiceMethod.regularExpression('(Get|List).*');
    expect(['GetTask', 'ListTasks', 'CreateTask'].filter((m) => re.matches(m))).toStrictEqual(['GetTask', 'ListTasks']);
  });

  test('fails on an empty prefix, a method name with a pattern in it, or an invalid regular expression, naming the route', () => {
    // GIVEN selectors made outside any construct (the factories do not throw)
    const bad = [GrpcServiceMethod.prefix(''), GrpcServiceMethod.named('Get*'), GrpcServiceMethod.regularExpression('(')];
    // WHEN a GrpcServiceRoute uses them
    const route = new GrpcServiceRoute(Testing.chart(), 'svc', { service: 'task.TaskService' });
    const messages = bad.map((method) => {
      try {
        route.addMethod({ method, backendRefs: [BackendRef.fromName('b', { port: 80 })] });
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    });
    // THEN each error names the route's path, the bad value and the fix
    expect(messages[0]).toMatch(/^test\/svc: grpc method prefix is empty; give the start of the method names \(e\.g\. "Get"\)/);
    expect(messages[1]).toMatch(/^test\/svc: grpc method "Get\*" is not a protobuf method name; use an identifier \(e\.g\. "CreateTask"\), GrpcServiceMethod\.prefix for a prefix/);
    expect(messages[2]).toMatch(/^test\/svc: grpc method regular expression "\(" is not a valid re2 regular expression/);
  });
});

describe('GrpcServiceRoute', () => {
  test('emits method-level rules before the service-level rule, in precedence order', () => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new GrpcServiceRoute(chart, 'Grpc', {
      metadata: { name: 'task-grpc-route' },
      parentRefs: lessonGateway(),
      service: 'task.TaskService',
      backendRefs: [b('task-grpc-service')],
      methods: [
        { method: GrpcServiceMethod.named('CreateTask'), backendRefs: [b('task-grpc-write')] },
        { method: GrpcServiceMethod.prefix('Get'), backendRefs: [b('task-grpc-read')] },
      ],
    });
    // THEN
    expect(onlyRoute(chart, 'GRPCRoute')).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'task-grpc-route', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [
          {
            matches: [{ method: { type: 'Exact', service: 'task.TaskService', method: 'CreateTask' } }],
            backendRefs: [{ name: 'task-grpc-write', port: 50051 }],
          },
          {
            matches: [{ method: { type: 'RegularExpression', service: 'task\\.TaskService', method: 'Get.*' } }],
            backendRefs: [{ name: 'task-grpc-read', port: 50051 }],
          },
          {
            matches: [{ method: { type: 'Exact', service: 'task.TaskService' } }],
            backendRefs: [{ name: 'task-grpc-service', port: 50051 }],
          },
        ],
      },
    });
    expect(warnings(chart)).toStrictEqual([]);
  });

  test('orders exact methods by length, keeps ties in the order added, and adds methods later', () => {
    const chart = taskApiChart();
    const route = new GrpcServiceRoute(chart, 'Grpc', { metadata: { name: 'r' }, parentRefs: lessonGateway(), service: 'todo' });
    route.addMethod({ method: GrpcServiceMethod.named('Put'), backendRefs: [b('a')] });
    route.addMethod({ method: GrpcServiceMethod.named('Delete'), backendRefs: [b('b')] });
    route.addMethod({ method: GrpcServiceMethod.named('Create'), backendRefs: [b('c')] });
    expect(onlyRoute(chart, 'GRPCRoute').spec.rules.map((r: any) => r.matches[0].method.method)).toStrictEqual(['Delete', 'Create', 'Put']);
    expect(route.methods.map((m) => m.method.value)).toStrictEqual(['Put', 'Delete', 'Create']);
    expect(route.route).toBeInstanceOf(GrpcRoute);
    expect(route.route.node.id).toBe('Route');
  });

  test('warns when a method is routed by name and also selected by a prefix', () => {
    const chart = taskApiChart();
    new GrpcServiceRoute(chart, 'Grpc', {
      metadata: { name: 'r' },
      parentRefs: lessonGateway(),
      service: 'task.TaskService',
      methods: [
        { method: GrpcServiceMethod.prefix('Get'), backendRefs: [b('read')] },
        { method: GrpcServiceMethod.named('GetTaskFast'), backendRefs: [b('fast')] },
      ],
    });
    Testing.synth(chart);
    expect(warnings(chart)).toStrictEqual([
      'test/Grpc: method "GetTaskFast" is routed by name and also selected by the re2 pattern "Get.*"; this gateway gives the exact rule precedence, but how a regular expression ranks is implementation-specific, so give the method a name the pattern does not select or drop one of them',
    ]);
  });

  test('fails on a service name that is not a protobuf service', () => {
    expect(() => new GrpcServiceRoute(Testing.chart(), 'Grpc', { service: 'task/TaskService', backendRefs: [b('a')] }))
      .toThrow(/^test\/Grpc: grpc service "task\/TaskService" is not a fully qualified protobuf service name/);
  });

  test('fails on a method routed twice', () => {
    const route = new GrpcServiceRoute(Testing.chart(), 'Grpc', { service: 'task.TaskService', methods: [{ method: GrpcServiceMethod.prefix('Get'), backendRefs: [b('a')] }] });
    expect(() => route.addMethod({ method: GrpcServiceMethod.prefix('Get'), backendRefs: [b('b')] }))
      .toThrow(/^test\/Grpc: method "Get\.\*" of "task\.TaskService" is routed twice; route each method once/);
  });

  test('fails on empty backends', () => {
    expect(() => new GrpcServiceRoute(Testing.chart(), 'A', { service: 'task.TaskService', backendRefs: [] }))
      .toThrow(/^test\/A: backendRefs is empty; give at least one backend, or leave backendRefs out so only the listed methods are routed/);
    expect(() => new GrpcServiceRoute(Testing.chart(), 'B', { service: 'task.TaskService', methods: [{ method: GrpcServiceMethod.named('X'), backendRefs: [] }] }))
      .toThrow(/^test\/B: the backends of method "X" is empty; give at least one backend/);
  });

  test('fails synth when nothing is routed', () => {
    const chart = Testing.chart();
    new GrpcServiceRoute(chart, 'Grpc', { service: 'task.TaskService', parentRefs: lessonGateway() });
    expect(() => Testing.synth(chart)).toThrow(/test\/Grpc: nothing is routed; give backendRefs for the service or add a method with addMethod/);
  });

  test('fails on addMethod after synthesis', () => {
    const chart = Testing.chart();
    const route = new GrpcServiceRoute(chart, 'Grpc', { service: 'task.TaskService', backendRefs: [b('a')], parentRefs: lessonGateway() });
    Testing.synth(chart);
    expect(() => route.addMethod({ method: GrpcServiceMethod.named('X'), backendRefs: [b('b')] }))
      .toThrow(/^test\/Grpc: addMethod after synthesis started; add methods before synthesizing/);
  });
});
