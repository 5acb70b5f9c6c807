/**
 * The lesson's curl examples, routed by this library's data plane router over the committed example YAML (and,
 * where the lesson and the spec differ, over the lesson's own objects): each request goes where the lesson says,
 * except where examples/README.md says the spec decides otherwise.
 */
import * as path from 'path';
import { readObjects } from './harness';
import { KubeObject, loadSeed } from './seed-compare';
import { SourceDocument } from '../../src/dataplane/config/load';
import { compile } from '../../src/dataplane/engine/compile';
import { CompiledTable, RouteRequest } from '../../src/dataplane/engine/model';
import { route } from '../../src/dataplane/engine/router';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

/** The lesson's Gateway, as the grpc-route example commits it. */
function lessonGateway(): KubeObject[] {
  return readObjects(path.join(EXAMPLES, 'grpc-route', 'dist')).filter((o) => o.kind === 'Gateway');
}

/** A routing table of the lesson's Gateway and the committed objects of `dist` (relative to examples/). */
function tableOf(objects: KubeObject[]): CompiledTable {
  const docs: SourceDocument[] = [...lessonGateway(), ...objects]
    .map((object, i) => ({ file: 'lesson.yaml', document: i + 1, object, lineOf: () => undefined }));
  return compile(docs, { generation: 1 });
}

function committed(dist: string): KubeObject[] {
  return readObjects(path.join(EXAMPLES, dist)).filter((o) => o.kind !== 'Gateway');
}

/** Where `curl [-X method] [-H header] http://localhost:8080<url>` goes: the backends of the selected rule, or 404. */
function destination(table: CompiledTable, url: string, options: { method?: string; headers?: Record<string, string> } = {}): string {
  const q = url.indexOf('?');
  const req: RouteRequest = {
    gateway: 'task-api/task-api-gateway',
    port: 80,
    host: 'localhost',
    method: options.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const d = route(table, req);
  if (d.outcome !== 'routed') return '404';
  return d.rule.backends.map((b) => (b.weight === 1 ? b.ref.name : `${b.ref.name}=${b.weight}`)).join(' ');
}

/** Where a gRPC call to `service/method` on port `port` goes. */
function grpcDestination(table: CompiledTable, service: string, method: string, port: number = 50051): string {
  const d = route(table, {
    gateway: 'task-api/task-api-gateway',
    port,
    host: 'localhost',
    method: 'POST',
    path: `/${service}/${method}`,
    query: '',
    headers: { 'content-type': 'application/grpc' },
    grpc: { service, method },
  });
  return d.outcome === 'routed' ? d.rule.backends.map((b) => b.ref.name).join(' ') : '404';
}

describe('the lesson\'s requests, routed by the data plane over the committed examples', () => {
  test('path matching: Exact, PathPrefix and RegularExpression', () => {
    // Each route alone, as the lesson tests them one at a time.
    const [exact, prefix, regex] = ['task-api-exact', 'task-api-prefix', 'task-api-regex']
      .map((name) => tableOf(committed('path-matching/dist').filter((o) => o.metadata.name === name)));
    expect(['/api/v1/tasks', '/api/v1/tasks/', '/api/v1/tasks/123'].map((u) => destination(exact, u))).toStrictEqual(['task-api', '404', '404']);
    expect(['/api/v1/', '/api/v1/tasks', '/api/v1/tasks/123', '/api/v1/tasks/123/comments'].map((u) => destination(prefix, u)))
      .toStrictEqual(['task-api', 'task-api', 'task-api', 'task-api']);
    expect(['/api/v1/tasks', '/api/v2/tasks', '/api/v99/tasks', '/api/beta/tasks'].map((u) => destination(regex, u)))
      .toStrictEqual(['task-api', 'task-api', 'task-api', '404']);
  });

  test('header routing: version, premium key, beta user', () => {
    const version = tableOf(committed('header-routing/dist/header-version'));
    expect([
      destination(version, '/api/tasks', { headers: { 'x-version': '2' } }),
      destination(version, '/api/tasks'),
      destination(version, '/api/tasks', { headers: { 'x-version': '1' } }),
    ]).toStrictEqual(['task-api-v2', 'task-api-v1', 'task-api-v1']);
    const premium = tableOf(committed('header-routing/dist/premium'));
    expect([
      destination(premium, '/api/tasks', { headers: { 'x-api-key': 'premium-abc123' } }),
      destination(premium, '/api/tasks', { headers: { 'x-api-key': 'basic-xyz789' } }),
    ]).toStrictEqual(['task-api-premium', 'task-api-standard']);
    const beta = tableOf(committed('header-routing/dist/beta'));
    expect([destination(beta, '/api/tasks', { headers: { 'X-Beta-User': 'true' } }), destination(beta, '/api/tasks')])
      .toStrictEqual(['task-api-beta', 'task-api-stable']);
  });

  test('query parameters, and path combined with a query parameter', () => {
    const table = tableOf(committed('query-params/dist'));
    expect([
      destination(table, '/api/tasks?debug=true'),
      destination(table, '/api/tasks?tier=premium'),
      destination(table, '/api/tasks'),
      destination(table, '/api/tasks?debug=true&tier=premium'),
      destination(table, '/api/v2/tasks?experimental=enabled'),
      destination(table, '/api/v1/tasks?experimental=enabled'),
    ]).toStrictEqual(['task-api-debug', 'task-api-premium', 'task-api', 'task-api-debug', 'task-api-experimental', 'task-api']);
  });

  test('method routing: the lesson\'s route answers PATCH and HEAD with 404, MethodRoute routes them (point 8)', () => {
    const ours = tableOf(committed('method-routing/dist'));
    const lessons = tableOf([loadSeed('method-routing', 'task-api-method')]);
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
    expect(methods.map((method) => destination(lessons, '/api/tasks/1', { method }))).toStrictEqual([
      'task-api-read-replica', 'task-api-primary', 'task-api-primary', 'task-api-primary', '404', '404', '404',
    ]);
    expect(methods.map((method) => destination(ours, '/api/tasks/1', { method }))).toStrictEqual([
      'task-api-read-replica', 'task-api-primary', 'task-api-primary', 'task-api-primary', 'task-api-primary', 'task-api-read-replica', '404',
    ]);
  });

  test('canary, rollout stages and blue-green carry the lesson\'s weights', () => {
    expect(destination(tableOf(committed('canary-rollout/dist/canary')), '/api/version')).toBe('task-api-stable=90 task-api-canary=10');
    expect(['stage-1', 'stage-2', 'stage-3', 'stage-4'].map((s) => destination(tableOf(committed(`canary-rollout/dist/${s}`)), '/api/version'))).toStrictEqual([
      'task-api-stable=95 task-api-canary=5',
      'task-api-stable=75 task-api-canary=25',
      'task-api-stable=50 task-api-canary=50',
      'task-api-stable=0 task-api-canary=100',
    ]);
    expect(['blue-green-before', 'blue-green-after'].map((s) => destination(tableOf(committed(`canary-rollout/dist/${s}`)), '/api/version')))
      .toStrictEqual(['task-api-blue=100 task-api-green=0', 'task-api-blue=0 task-api-green=100']);
  });

  test('mirroring: requests go to task-api, with a RequestMirror to task-api-shadow', () => {
    const table = tableOf(committed('mirroring/dist'));
    const d = route(table, { gateway: 'task-api/task-api-gateway', port: 80, host: 'localhost', method: 'GET', path: '/api/tasks', query: '', headers: {} });
    expect(d.outcome).toBe('routed');
    if (d.outcome !== 'routed') return;
    expect(d.rule.backends.map((b) => b.ref.name)).toStrictEqual(['task-api']);
    expect(d.rule.filters.map((f) => (f.type === 'RequestMirror' ? `${f.type} ${f.backend.ref.name} ${f.fraction}` : f.type))).toStrictEqual(['RequestMirror task-api-shadow 1']);
  });

  test('rule ordering: the lesson\'s request table, and the "wrong" order routes /api/health to health-checker too (points 2, 3)', () => {
    const table = tableOf(committed('rule-ordering/dist'));
    expect(['/api/v1/tasks/urgent', '/api/v1/tasks/123', '/api/v1/tasks', '/api/v1/tasks/new', '/health'].map((u) => destination(table, u)))
      .toStrictEqual(['task-api-urgent', 'task-api-read', 'task-api', 'task-api', 'default-backend']);
    for (const fixture of ['ordering-mistake-wrong', 'ordering-mistake-correct']) {
      const lessons = tableOf([loadSeed('rule-ordering', fixture)]);
      expect([destination(lessons, '/api/health'), destination(lessons, '/api/tasks')]).toStrictEqual(['health-checker', 'task-api']);
    }
  });

  test('gRPC: the lesson\'s Get* sends GetTask to the service-level backend; Get.* sends it to task-grpc-read (point 4)', () => {
    const ours = tableOf(committed('grpc-route/dist'));
    expect(['CreateTask', 'GetTask', 'GetTasks', 'DeleteTask'].map((m) => grpcDestination(ours, 'task.TaskService', m)))
      .toStrictEqual(['task-grpc-write', 'task-grpc-read', 'task-grpc-read', 'task-grpc-service']);
    expect(grpcDestination(ours, 'taskXTaskService', 'GetTask')).toBe('404');
    const lessons = tableOf([loadSeed('grpc-route', 'task-grpc-route')]);
    expect(['CreateTask', 'GetTask', 'Get', 'Gett'].map((m) => grpcDestination(lessons, 'task.TaskService', m)))
      .toStrictEqual(['task-grpc-write', 'task-grpc-service', 'task-grpc-read', 'task-grpc-read']);
  });

  test('gRPC: the lesson\'s route also answers on the HTTP listener (port 80); the example\'s only on the grpc listener (point 6)', () => {
    const ours = tableOf(committed('grpc-route/dist'));
    const lessons = tableOf([loadSeed('grpc-route', 'task-grpc-route')]);
    expect(grpcDestination(lessons, 'task.TaskService', 'CreateTask', 80)).toBe('task-grpc-write');
    expect(grpcDestination(ours, 'task.TaskService', 'CreateTask', 80)).toBe('404');
  });

  test('multi-service: paths to services, /tasks/urgent overriding /tasks, then the 95/5 canary', () => {
    const step1 = tableOf(committed('multi-service/dist/step-1'));
    expect(['/tasks', '/tasks/urgent', '/users/7', '/notifications', '/tasksx'].map((u) => destination(step1, u)))
      .toStrictEqual(['task-api', 'task-api', 'user-api', 'notification-api', '404']);
    const step3 = tableOf(committed('multi-service/dist/step-3'));
    expect(['/tasks/1', '/tasks/urgent', '/tasks/urgent/1'].map((u) => destination(step3, u)))
      .toStrictEqual(['task-api-stable=95 task-api-canary=5', 'urgent-task-api', 'task-api-stable=95 task-api-canary=5']);
  });

  test('exercises: routes in namespace default do not attach to the Gateway in task-api (point 10)', () => {
    const table = tableOf([loadSeed('exercises', 'exercise-pathprefix')]);
    expect(destination(table, '/api/tasks')).toBe('404');
  });

  test('exercises applied one after the other: the older route wins the tie, so the 90/10 split gets nothing (point 13)', () => {
    // GIVEN the lesson's Gateway in namespace default (the one the exercises reference), exercise 1, then exercise 3
    const gateway = { ...lessonGateway()[0], metadata: { name: 'task-api-gateway', namespace: 'default' } };
    const stamped = (name: string, at: string) => {
      const o = loadSeed('exercises', name);
      return { ...o, metadata: { ...o.metadata, creationTimestamp: at } };
    };
    const docs: SourceDocument[] = [gateway, stamped('exercise-canary', '2026-01-02T00:00:00Z'), stamped('exercise-pathprefix', '2026-01-01T00:00:00Z')]
      .map((object, i) => ({ file: 'lesson.yaml', document: i + 1, object, lineOf: () => undefined }));
    const table = compile(docs, { generation: 1 });
    // WHEN
    const d = route(table, { gateway: 'default/task-api-gateway', port: 80, host: 'localhost', method: 'GET', path: '/api/tasks', query: '', headers: {} });
    // THEN
    expect(d.outcome === 'routed' ? `${d.rule.routeName} ${d.rule.backends.map((b) => b.ref.name).join(' ')}` : d.outcome)
      .toBe('exercise-pathprefix task-api');
  });
});
