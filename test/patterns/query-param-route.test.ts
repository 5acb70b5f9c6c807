import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart } from './util';
import { BackendRef, PathMatch, QueryParamMatch, QueryParamRoute } from '../../src';

const b = (name: string) => BackendRef.fromName(name, { port: 8000 });

describe('QueryParamRoute', () => {
  test('routes query parameters to their backends, in the order given, and the rest to the default', () => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new QueryParamRoute(chart, 'Query', {
      metadata: { name: 'task-api-query' },
      parentRefs: lessonGateway(),
      path: PathMatch.pathPrefix('/api/'),
      params: [
        { match: QueryParamMatch.exact('debug', 'true'), backendRefs: [b('task-api-debug')] },
        { match: QueryParamMatch.exact('tier', 'premium'), backendRefs: [b('task-api-premium')] },
      ],
      defaultBackendRefs: [b('task-api')],
    });
    // THEN
    expect(onlyRoute(chart)).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'task-api-query', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api/' }, queryParams: [{ name: 'debug', type: 'Exact', value: 'true' }] }],
            backendRefs: [{ name: 'task-api-debug', port: 8000 }],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api/' }, queryParams: [{ name: 'tier', type: 'Exact', value: 'premium' }] }],
            backendRefs: [{ name: 'task-api-premium', port: 8000 }],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api/' } }],
            backendRefs: [{ name: 'task-api', port: 8000 }],
          },
        ],
      },
    });
  });

  test('adds parameters later, without a default', () => {
    const chart = taskApiChart();
    const q = new QueryParamRoute(chart, 'Query', { metadata: { name: 'r' }, parentRefs: lessonGateway(), path: PathMatch.pathPrefix('/api/v2/') });
    q.addParam({ match: QueryParamMatch.exact('experimental', 'enabled'), backendRefs: [b('task-api-experimental')] });
    expect(onlyRoute(chart).spec.rules).toStrictEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/api/v2/' }, queryParams: [{ name: 'experimental', type: 'Exact', value: 'enabled' }] }],
      backendRefs: [{ name: 'task-api-experimental', port: 8000 }],
    }]);
    expect(q.params.map((p) => p.match.name)).toStrictEqual(['experimental']);
    expect(q.route.node.id).toBe('Route');
  });

  test('fails on a condition routed twice', () => {
    const q = new QueryParamRoute(Testing.chart(), 'Query', { params: [{ match: QueryParamMatch.exact('debug', 'true'), backendRefs: [b('a')] }] });
    expect(() => q.addParam({ match: QueryParamMatch.exact('debug', 'true'), backendRefs: [b('c')] }))
      .toThrow(/^test\/Query: query parameter "debug" value "true" is routed twice; route each condition once/);
  });

  test('fails on a condition without backends, or an empty default', () => {
    expect(() => new QueryParamRoute(Testing.chart(), 'A', { params: [{ match: QueryParamMatch.exact('debug', 'true'), backendRefs: [] }] }))
      .toThrow(/^test\/A: the backends of query parameter "debug" value "true" is empty; give at least one backend/);
    expect(() => new QueryParamRoute(Testing.chart(), 'B', { params: [{ match: QueryParamMatch.exact('debug', 'true'), backendRefs: [b('a')] }], defaultBackendRefs: [] }))
      .toThrow(/^test\/B: defaultBackendRefs is empty; give at least one backend, or leave defaultBackendRefs out/);
  });

  test('fails synth without any routed parameter', () => {
    const chart = Testing.chart();
    new QueryParamRoute(chart, 'Query', { defaultBackendRefs: [b('a')], parentRefs: lessonGateway() });
    expect(() => Testing.synth(chart)).toThrow(/test\/Query: no query parameter is routed; add one with addParam/);
  });
});
