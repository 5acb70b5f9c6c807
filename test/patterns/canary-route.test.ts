import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart } from './util';
import { BackendRef, CanaryRoute, CanarySplit, HttpRoute, ParentRef, PathMatch } from '../../src';

const stable = () => BackendRef.fromName('task-api-stable', { port: 8000 });
const canary = () => BackendRef.fromName('task-api-canary', { port: 8000 });

describe('CanaryRoute', () => {
  test('splits the matching requests by a percentage', () => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new CanaryRoute(chart, 'Canary', {
      metadata: { name: 'task-api-canary' },
      parentRefs: [ParentRef.named('task-api-gateway')],
      stable: stable(),
      canary: canary(),
      split: CanarySplit.percent(10),
      match: { path: PathMatch.pathPrefix('/api/') },
    });
    // THEN
    expect(onlyRoute(chart)).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'task-api-canary', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [{
          matches: [{ path: { type: 'PathPrefix', value: '/api/' } }],
          backendRefs: [
            { name: 'task-api-stable', port: 8000, weight: 90 },
            { name: 'task-api-canary', port: 8000, weight: 10 },
          ],
        }],
      },
    });
  });

  test('takes explicit weights and matches every request by default', () => {
    const chart = taskApiChart();
    new CanaryRoute(chart, 'Canary', { metadata: { name: 'r' }, parentRefs: lessonGateway(), stable: stable(), canary: canary(), split: CanarySplit.weights(3, 1) });
    expect(onlyRoute(chart).spec.rules).toStrictEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [
        { name: 'task-api-stable', port: 8000, weight: 3 },
        { name: 'task-api-canary', port: 8000, weight: 1 },
      ],
    }]);
  });

  test('reads back the split', () => {
    const chart = taskApiChart();
    const c = new CanaryRoute(chart, 'Canary', { stable: stable(), canary: canary(), split: CanarySplit.weights(3, 1) });
    expect([c.stableWeight, c.canaryWeight, c.canaryPercent, c.stablePercent]).toStrictEqual([3, 1, 25, 75]);
    expect([c.stable.weight, c.canary.weight]).toStrictEqual([3, 1]);
    const p = new CanaryRoute(chart, 'Percent', { stable: stable(), canary: canary(), split: CanarySplit.percent(5) });
    expect([p.stableWeight, p.canaryWeight, p.canaryPercent]).toStrictEqual([95, 5, 5]);
  });

  test('composes one HttpRoute with id Route', () => {
    const chart = taskApiChart();
    const c = new CanaryRoute(chart, 'Canary', { stable: stable(), canary: canary(), split: CanarySplit.percent(0) });
    expect(c.route).toBeInstanceOf(HttpRoute);
    expect(c.route.node.id).toBe('Route');
    expect(c.node.children.map((x) => x.node.id)).toStrictEqual(['Route']);
  });

  test('0 and 100 percent are valid stages of a canary', () => {
    const chart = taskApiChart();
    new CanaryRoute(chart, 'Canary', { metadata: { name: 'r' }, parentRefs: lessonGateway(), stable: stable(), canary: canary(), split: CanarySplit.percent(100) });
    expect(onlyRoute(chart).spec.rules[0].backendRefs.map((b: any) => b.weight)).toStrictEqual([0, 100]);
  });

  test('fails without a split (from JavaScript)', () => {
    // GIVEN props without the required split, as JavaScript allows
    const chart = Testing.chart();
    const props: any = { stable: stable(), canary: canary() };
    // WHEN / THEN
    expect(() => new CanaryRoute(chart, 'Canary', props))
      .toThrow(/^test\/Canary: the split is missing; give split: CanarySplit\.percent\(10\) or CanarySplit\.weights\(90, 10\)$/);
  });

  test('fails on a percentage outside 0..100 or not an integer, naming the route and the split', () => {
    // GIVEN splits made outside any construct (the factory does not throw)
    const chart = Testing.chart();
    const over = CanarySplit.percent(101);
    const half = CanarySplit.percent(2.5);
    // WHEN canaries use them, THEN the errors name the construct path, the prop, the value and the fix
    expect(() => new CanaryRoute(chart, 'A', { stable: stable(), canary: canary(), split: over }))
      .toThrow(/^test\/A: split: canary percent 101 must be an integer from 0 to 100 \(e\.g\. 10 sends one request in ten to the canary\)$/);
    expect(() => new CanaryRoute(chart, 'B', { stable: stable(), canary: canary(), split: half }))
      .toThrow(/^test\/B: split: canary percent 2\.5 must be an integer from 0 to 100/);
  });

  test('fails on weights outside 0..1,000,000 or both 0', () => {
    const chart = Testing.chart();
    expect(() => new CanaryRoute(chart, 'A', { stable: stable(), canary: canary(), split: CanarySplit.weights(-1, 1) }))
      .toThrow(/^test\/A: split: stable weight -1 must be an integer from 0 to 1000000 \(weights are relative shares/);
    expect(() => new CanaryRoute(chart, 'B', { stable: stable(), canary: canary(), split: CanarySplit.weights(0, 0) }))
      .toThrow(/^test\/B: split: stable weight and canary weight are both 0, so every request would fail with 500/);
  });

  test('the split reads back its weights', () => {
    expect([CanarySplit.percent(10).stableWeight, CanarySplit.percent(10).canaryWeight]).toStrictEqual([90, 10]);
    expect([CanarySplit.weights(3, 1).stableWeight, CanarySplit.weights(3, 1).canaryWeight]).toStrictEqual([3, 1]);
  });

  test('fails on a backend that already has a weight', () => {
    const chart = Testing.chart();
    expect(() => new CanaryRoute(chart, 'Canary', { stable: stable().withWeight(50), canary: canary(), split: CanarySplit.percent(10) }))
      .toThrow(/^test\/Canary: stable backend "task-api-stable" has weight 50, but the weights are set by the split; create it without a weight/);
  });

  test('fails when stable and canary are the same backend', () => {
    const chart = Testing.chart();
    expect(() => new CanaryRoute(chart, 'Canary', { stable: stable(), canary: stable(), split: CanarySplit.percent(10) }))
      .toThrow(/^test\/Canary: stable and canary are the same backend "task-api-stable" port 8000; give them different services/);
  });
});
