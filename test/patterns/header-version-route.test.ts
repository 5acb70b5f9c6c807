import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart } from './util';
import { BackendRef, HeaderVersionRoute, MatchType, PathMatch } from '../../src';

const b = (name: string) => BackendRef.fromName(name, { port: 8000 });

describe('HeaderVersionRoute', () => {
  test('routes a header value to its backend and the rest to the default', () => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new HeaderVersionRoute(chart, 'Version', {
      metadata: { name: 'task-api-header-version' },
      parentRefs: lessonGateway(),
      headerName: 'x-version',
      versions: [{ value: '2', backendRefs: [b('task-api-v2')] }],
      defaultBackendRefs: [b('task-api-v1')],
      path: PathMatch.pathPrefix('/api/'),
    });
    // THEN
    expect(onlyRoute(chart)).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'task-api-header-version', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api/' }, headers: [{ name: 'x-version', type: 'Exact', value: '2' }] }],
            backendRefs: [{ name: 'task-api-v2', port: 8000 }],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api/' } }],
            backendRefs: [{ name: 'task-api-v1', port: 8000 }],
          },
        ],
      },
    });
  });

  test('matches values by regular expression, keeps the order of equally specific values, and adds versions later', () => {
    const chart = taskApiChart();
    const route = new HeaderVersionRoute(chart, 'Tier', {
      metadata: { name: 'r' },
      parentRefs: lessonGateway(),
      headerName: 'x-api-key',
      versions: [{ value: '^premium-.*', matchType: MatchType.REGULAR_EXPRESSION, backendRefs: [b('task-api-premium')] }],
      defaultBackendRefs: [b('task-api-standard')],
    });
    route.addVersion({ value: 'internal-1', backendRefs: [b('task-api-internal')] });
    expect(onlyRoute(chart).spec.rules).toStrictEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-api-key', type: 'RegularExpression', value: '^premium-.*' }] }],
        backendRefs: [{ name: 'task-api-premium', port: 8000 }],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-api-key', type: 'Exact', value: 'internal-1' }] }],
        backendRefs: [{ name: 'task-api-internal', port: 8000 }],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'task-api-standard', port: 8000 }],
      },
    ]);
    expect(route.versions.map((v) => [v.value, v.matchType])).toStrictEqual([['^premium-.*', MatchType.REGULAR_EXPRESSION], ['internal-1', MatchType.EXACT]]);
    expect(route.route.node.id).toBe('Route');
  });

  test('without a default, only the routed values are served', () => {
    const chart = taskApiChart();
    new HeaderVersionRoute(chart, 'Beta', { metadata: { name: 'r' }, parentRefs: lessonGateway(), headerName: 'x-beta-user', versions: [{ value: 'true', backendRefs: [b('task-api-beta')] }] });
    expect(onlyRoute(chart).spec.rules).toHaveLength(1);
  });

  test('fails on an invalid header name', () => {
    expect(() => new HeaderVersionRoute(Testing.chart(), 'Version', { headerName: 'x version', defaultBackendRefs: [b('a')] }))
      .toThrow(/^test\/Version: header name "x version"/);
  });

  test('fails on a value routed twice', () => {
    const route = new HeaderVersionRoute(Testing.chart(), 'Version', { headerName: 'x-version', versions: [{ value: '2', backendRefs: [b('a')] }] });
    expect(() => route.addVersion({ value: '2', backendRefs: [b('c')] }))
      .toThrow(/^test\/Version: header "x-version" value "2" is routed twice; route each value once/);
  });

  test('fails on a value without backends, or an empty default', () => {
    expect(() => new HeaderVersionRoute(Testing.chart(), 'A', { headerName: 'x-version', versions: [{ value: '2', backendRefs: [] }] }))
      .toThrow(/^test\/A: the backends of header "x-version" value "2" is empty; give at least one backend/);
    expect(() => new HeaderVersionRoute(Testing.chart(), 'B', { headerName: 'x-version', versions: [{ value: '2', backendRefs: [b('a')] }], defaultBackendRefs: [] }))
      .toThrow(/^test\/B: defaultBackendRefs is empty; give at least one backend, or leave defaultBackendRefs out so unmatched requests get 404/);
  });

  test('fails on an invalid regular expression', () => {
    expect(() => new HeaderVersionRoute(Testing.chart(), 'A', { headerName: 'x-version', versions: [{ value: '(', matchType: MatchType.REGULAR_EXPRESSION, backendRefs: [b('a')] }] }))
      .toThrow(/^test\/A: header "x-version" regular expression "\("/);
  });

  test('fails synth when an earlier regular expression takes every request of a later value', () => {
    const chart = Testing.chart();
    const route = new HeaderVersionRoute(chart, 'Tier', {
      parentRefs: lessonGateway(),
      headerName: 'x-api-key',
      versions: [{ value: '^premium-.*', matchType: MatchType.REGULAR_EXPRESSION, backendRefs: [b('task-api-premium')] }],
    });
    route.addVersion({ value: 'premium-internal', backendRefs: [b('task-api-internal')] });
    expect(() => Testing.synth(chart)).toThrow(/test\/Tier\/Route: rule 1 match 1 \(.*"premium-internal"\) can never be selected/);
  });

  test('fails synth without any routed value', () => {
    const chart = Testing.chart();
    new HeaderVersionRoute(chart, 'Version', { headerName: 'x-version', defaultBackendRefs: [b('a')], parentRefs: lessonGateway() });
    expect(() => Testing.synth(chart)).toThrow(/test\/Version: no header values are routed; add one with addVersion/);
  });
});
