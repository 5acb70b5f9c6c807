import { Testing } from 'cdk8s';
import {
  BackendRef, Gateway, HeaderMatch, HttpMethod, HttpRoute, Listener, ParentRef, PathMatch,
} from '../../src';
import { RouteMatchers, RouteTester, routeMatchers } from '../../src/testing';

function taskApi() {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'task-api-gateway', namespace: 'task-api' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http', port: 80 })],
  });
  const backend = (name: string, weight?: number) => BackendRef.fromName(name, { port: 8000, weight });
  new HttpRoute(chart, 'Ordered', {
    metadata: { name: 'task-api-ordered', namespace: 'task-api' },
    parentRefs: [ParentRef.fromGateway(gateway)],
    rules: [
      { matches: [{ path: PathMatch.pathPrefix('/') }], backendRefs: [backend('default-backend')] },
      { matches: [{ path: PathMatch.pathPrefix('/api/v1/tasks') }], backendRefs: [backend('task-api')] },
      { matches: [{ path: PathMatch.regularExpression('/api/v1/tasks/[0-9]+') }], backendRefs: [backend('task-api-read')] },
      { matches: [{ path: PathMatch.exact('/api/v1/tasks/urgent') }], backendRefs: [backend('task-api-urgent')] },
    ],
  });
  new HttpRoute(chart, 'Canary', {
    metadata: { name: 'task-api-canary', namespace: 'task-api' },
    parentRefs: [ParentRef.fromGateway(gateway)],
    rules: [{ matches: [{ path: PathMatch.pathPrefix('/api/') }], backendRefs: [backend('task-api-stable', 90), backend('task-api-canary', 10)] }],
  });
  new HttpRoute(chart, 'Beta', {
    metadata: { name: 'task-api-beta', namespace: 'task-api' },
    parentRefs: [ParentRef.fromGateway(gateway)],
    rules: [{ matches: [{ path: PathMatch.pathPrefix('/api/'), headers: [HeaderMatch.exact('x-beta-user', 'true')], method: HttpMethod.POST }], backendRefs: [backend('task-api-beta')] }],
  });
  return chart;
}

describe('RouteTester', () => {
  test('says which backend answers a request, by the same precedence serve uses', () => {
    // GIVEN
    const routes = RouteTester.fromChart(taskApi());
    // WHEN / THEN
    expect(routes.request('http://localhost/api/v1/tasks/123').backend).toStrictEqual('task-api-read');
    expect(routes.request('http://localhost/api/v1/tasks/urgent').backend).toStrictEqual('task-api-urgent');
    expect(routes.request('http://localhost/api/v1/tasks').backend).toStrictEqual('task-api');
    expect(routes.request('http://localhost/health').backend).toStrictEqual('default-backend');
  });

  test('reports the share of a weighted split', () => {
    // GIVEN
    const routes = RouteTester.fromChart(taskApi());
    // WHEN
    const result = routes.request('http://localhost/api/');
    // THEN
    expect(result.backend).toBeUndefined();
    expect(result.probabilityOf('task-api-canary')).toBeCloseTo(0.1, 10);
    expect(result.probabilityOf('task-api/task-api-stable')).toBeCloseTo(0.9, 10);
    expect(result.route).toStrictEqual({ kind: 'HTTPRoute', namespace: 'task-api', name: 'task-api-canary' });
  });

  test('method and headers take part in matching', () => {
    const routes = RouteTester.fromChart(taskApi());
    expect(routes.request('http://localhost/api/tasks', { method: 'post', headers: { 'X-Beta-User': 'true' } }).backend).toStrictEqual('task-api-beta');
    expect(routes.request('http://localhost/api/tasks', { headers: { 'X-Beta-User': 'true' } }).backend).toBeUndefined();
  });

  test('a request nothing matches is a 404 with no backend', () => {
    // GIVEN
    const chart = Testing.chart();
    const gateway = new Gateway(chart, 'Gateway', { gatewayClassName: 'x', listeners: [Listener.http({ name: 'http', port: 80 })] });
    new HttpRoute(chart, 'Route', { parentRefs: [ParentRef.fromGateway(gateway)], rules: [{ matches: [{ path: PathMatch.exact('/only') }], backendRefs: [BackendRef.fromName('svc', { port: 80 })] }] });
    // WHEN
    const result = RouteTester.fromChart(chart).request('http://localhost/other');
    // THEN
    expect(result.status).toStrictEqual(404);
    expect(result.backend).toBeUndefined();
    expect(result.probabilityOf('svc')).toStrictEqual(0);
  });

  test('reads YAML exactly as cdk8s writes it', () => {
    const yaml = [
      'apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: { name: gw, namespace: ns }',
      'spec: { gatewayClassName: x, listeners: [{ name: http, port: 8080, protocol: HTTP }] }', '---',
      'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', 'metadata: { name: r, namespace: ns }',
      'spec: { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: web, port: 80 }] }] }', '',
    ].join('\n');
    expect(RouteTester.fromYaml(yaml).request('http://example.com:8080/anything').backend).toStrictEqual('web');
  });

  test('fails when no Gateway listens on the URL port', () => {
    const routes = RouteTester.fromChart(taskApi());
    expect(() => routes.request('http://localhost:9999/')).toThrow(/no Gateway has a listener on port 9999/);
  });

  test('fails on a backend address that is not HOST:PORT', () => {
    expect(() => RouteTester.fromChart(taskApi(), { backends: { 'task-api/task-api:8000': 'nowhere' } }))
      .toThrow(/<backends>:task-api\/task-api:8000: "nowhere" must be "HOST:PORT" with a port 1..65535/);
  });
});

describe('RouteTester backend names', () => {
  test('fails on a backend name no route mentions, instead of reading a typo as probability 0', () => {
    // GIVEN
    const result = RouteTester.fromChart(taskApi()).request('http://localhost/api/');
    // THEN
    expect(() => result.probabilityOf('task-api-canry')).toThrow(/^no route mentions a backend named "task-api-canry"; the routes mention "default-backend", "task-api", .*"task-api-canary".* \(check the name, or give NAMESPACE\/NAME\)$/);
    expect(result.probabilityOf('task-api-urgent')).toStrictEqual(0);
  });
});

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> extends RouteMatchers<R> {}
  }
}
expect.extend(routeMatchers);

describe('jest matchers', () => {
  test('toRoute passes when the backend gets the request, with the given share', () => {
    const routes = RouteTester.fromChart(taskApi());
    expect(routes).toRoute('http://localhost/api/v1/tasks/123', { to: 'task-api-read' });
    expect(routes).toRoute('http://localhost/api/', { to: 'task-api-canary', probability: 0.1 });
    expect(routes).toRoute('http://localhost/api/tasks', { to: 'task-api-beta', method: 'POST', headers: { 'x-beta-user': 'true' } });
    expect(routes).not.toRoute('http://localhost/api/v1/tasks/123', { to: 'task-api' });
  });

  test('fails naming the rule that answered and the split', () => {
    const routes = RouteTester.fromChart(taskApi());
    expect(() => expect(routes).toRoute('http://localhost/api/v1/tasks/123', { to: 'task-api' }))
      .toThrow(/expected http:\/\/localhost\/api\/v1\/tasks\/123 to be routed to task-api with probability 1, got 0 \(HTTPRoute task-api\/task-api-ordered rule 1: task-api-read 100\.0%\)/);
  });

  test('fails on a backend name no route mentions', () => {
    const routes = RouteTester.fromChart(taskApi());
    expect(() => expect(routes).toRoute('http://localhost/', { to: 'default-backnd' })).toThrow(/^no route mentions a backend named "default-backnd"/);
  });
});
