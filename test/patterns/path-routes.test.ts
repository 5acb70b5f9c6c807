import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart } from './util';
import { BackendRef, PathMatch, PathRoutes } from '../../src';

describe('PathRoutes', () => {
  test('routes services by prefix, with an exact override first, whatever the order they are added in', () => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    const routes = new PathRoutes(chart, 'Paths', {
      metadata: { name: 'task-api-routes' },
      parentRefs: lessonGateway(),
      paths: [
        { path: PathMatch.pathPrefix('/tasks'), backendRefs: [BackendRef.fromName('task-api', { port: 8000 })] },
        { path: PathMatch.pathPrefix('/users'), backendRefs: [BackendRef.fromName('user-api', { port: 8001 })] },
      ],
    });
    routes.addPrefix('/notifications', [BackendRef.fromName('notification-api', { port: 8002 })]);
    routes.addExact('/tasks/urgent', [BackendRef.fromName('urgent-task-api', { port: 8003 })]);
    // THEN
    expect(onlyRoute(chart)).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'task-api-routes', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [
          { matches: [{ path: { type: 'Exact', value: '/tasks/urgent' } }], backendRefs: [{ name: 'urgent-task-api', port: 8003 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/notifications' } }], backendRefs: [{ name: 'notification-api', port: 8002 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/tasks' } }], backendRefs: [{ name: 'task-api', port: 8000 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/users' } }], backendRefs: [{ name: 'user-api', port: 8001 }] },
        ],
      },
    });
    expect(routes.paths.map((p) => `${p.path.type} ${p.path.value}`)).toStrictEqual(['PathPrefix /tasks', 'PathPrefix /users', 'PathPrefix /notifications', 'Exact /tasks/urgent']);
    expect(routes.route.node.id).toBe('Route');
  });

  test('splits a path between weighted backends', () => {
    const chart = taskApiChart();
    const routes = new PathRoutes(chart, 'Paths', { metadata: { name: 'r' }, parentRefs: lessonGateway() });
    routes.addPrefix('/tasks', [BackendRef.fromName('task-api-stable', { port: 8000, weight: 95 }), BackendRef.fromName('task-api-canary', { port: 8000, weight: 5 })]);
    expect(onlyRoute(chart).spec.rules).toStrictEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/tasks' } }],
      backendRefs: [{ name: 'task-api-stable', port: 8000, weight: 95 }, { name: 'task-api-canary', port: 8000, weight: 5 }],
    }]);
  });

  test('fails on a path routed twice', () => {
    const routes = new PathRoutes(Testing.chart(), 'Paths');
    routes.addPrefix('/tasks', [BackendRef.fromName('a', { port: 1 })]);
    expect(() => routes.addPrefix('/tasks', [BackendRef.fromName('b', { port: 1 })]))
      .toThrow(/^test\/Paths: PathPrefix path "\/tasks" is routed twice; route each path once/);
  });

  test('fails on prefixes that differ only by a trailing slash', () => {
    const routes = new PathRoutes(Testing.chart(), 'Paths');
    routes.addPrefix('/tasks', [BackendRef.fromName('a', { port: 1 })]);
    expect(() => routes.addPrefix('/tasks/', [BackendRef.fromName('b', { port: 1 })]))
      .toThrow(/^test\/Paths: prefix "\/tasks\/" matches the same requests as prefix "\/tasks" \(a trailing "\/" is ignored\); route the prefix once/);
  });

  test('fails on a path without backends', () => {
    expect(() => new PathRoutes(Testing.chart(), 'Paths').addExact('/x', []))
      .toThrow(/^test\/Paths: the backends of path "\/x" is empty; give at least one backend/);
  });

  test('fails on a path that does not start with "/"', () => {
    expect(() => new PathRoutes(Testing.chart(), 'Paths').addPrefix('tasks', [BackendRef.fromName('a', { port: 1 })]))
      .toThrow(/^test\/Paths: prefix path "tasks" must start with "\/" \(e\.g\. "\/tasks"\)/);
  });
});
