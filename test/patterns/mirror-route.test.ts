import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart } from './util';
import { BackendRef, HttpRouteFilter, MirrorRoute, PathMatch } from '../../src';

const b = (name: string) => BackendRef.fromName(name, { port: 8000 });

describe('MirrorRoute', () => {
  test('sends requests to the primary and a copy to the shadow', () => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new MirrorRoute(chart, 'Mirror', {
      metadata: { name: 'task-api-mirror' },
      parentRefs: lessonGateway(),
      match: { path: PathMatch.pathPrefix('/api/') },
      primary: b('task-api'),
      shadow: b('task-api-shadow'),
    });
    // THEN
    expect(onlyRoute(chart)).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'task-api-mirror', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [{
          matches: [{ path: { type: 'PathPrefix', value: '/api/' } }],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'task-api-shadow', port: 8000 } } }],
          backendRefs: [{ name: 'task-api', port: 8000 }],
        }],
      },
    });
  });

  test('mirrors a percentage of the requests', () => {
    const chart = taskApiChart();
    const m = new MirrorRoute(chart, 'Mirror', { metadata: { name: 'r' }, parentRefs: lessonGateway(), primary: b('task-api'), shadow: b('task-api-shadow'), percent: 10 });
    expect(onlyRoute(chart).spec.rules).toStrictEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'task-api-shadow', port: 8000 }, percent: 10 } }],
      backendRefs: [{ name: 'task-api', port: 8000 }],
    }]);
    expect([m.primary.name, m.shadow.name, m.percent, m.route.node.id]).toStrictEqual(['task-api', 'task-api-shadow', 10, 'Route']);
  });

  test('fails on a percentage outside 0..100', () => {
    expect(() => new MirrorRoute(Testing.chart(), 'Mirror', { primary: b('a'), shadow: b('s'), percent: 150 }))
      .toThrow(/^test\/Mirror: percent 150 must be an integer from 0 to 100 \(e\.g\. 10 copies one request in ten to the shadow\)/);
  });

  test('fails on a shadow with a weight', () => {
    expect(() => new MirrorRoute(Testing.chart(), 'Mirror', { primary: b('a'), shadow: b('s').withWeight(1) }))
      .toThrow(/^test\/Mirror: shadow backend "s" has a weight, which a mirror does not use; create it without weight and filters/);
  });

  test('fails on a shadow with filters', () => {
    const shadow = BackendRef.fromName('s', { port: 8000, filters: [HttpRouteFilter.requestHeaderModifier({ set: { 'x-shadow': '1' } })] });
    expect(() => new MirrorRoute(Testing.chart(), 'Mirror', { primary: b('a'), shadow }))
      .toThrow(/^test\/Mirror: shadow backend "s" has a filter, which a mirror does not use; create it without weight and filters/);
  });

  test('fails when the shadow is the primary', () => {
    expect(() => new MirrorRoute(Testing.chart(), 'Mirror', { primary: b('a'), shadow: b('a') }))
      .toThrow(/^test\/Mirror: primary and shadow are the same backend "a" port 8000; give them different services/);
  });
});
