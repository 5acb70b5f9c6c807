import { Testing } from 'cdk8s';
import { lessonGateway, onlyRoute, taskApiChart } from './util';
import { BackendRef, BlueGreenColor, BlueGreenRoute, HttpRoute, PathMatch, ProgressiveRollout, RolloutStage } from '../../src';

const stable = () => BackendRef.fromName('task-api-stable', { port: 8000 });
const canary = () => BackendRef.fromName('task-api-canary', { port: 8000 });
const lessonStages = () => [
  RolloutStage.withWeights(95, 5),
  RolloutStage.withWeights(75, 25),
  RolloutStage.withWeights(50, 50),
  RolloutStage.withWeights(0, 100),
];

describe('ProgressiveRollout', () => {
  test.each([
    [0, [95, 5]],
    [1, [75, 25]],
    [2, [50, 50]],
    [3, [0, 100]],
  ])('stage %d puts the weights %j on the backends', (currentStage, weights) => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new ProgressiveRollout(chart, 'Rollout', {
      metadata: { name: 'task-api-canary' },
      parentRefs: lessonGateway(),
      backends: [stable(), canary()],
      stages: lessonStages(),
      currentStage,
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
            { name: 'task-api-stable', port: 8000, weight: weights[0] },
            { name: 'task-api-canary', port: 8000, weight: weights[1] },
          ],
        }],
      },
    });
  });

  test('reads back the stage', () => {
    const chart = taskApiChart();
    const r = new ProgressiveRollout(chart, 'Rollout', { backends: [stable(), canary()], stages: lessonStages(), currentStage: 1 });
    expect(r.currentWeights).toStrictEqual([75, 25]);
    expect(r.currentBackendRefs.map((b) => [b.name, b.weight])).toStrictEqual([['task-api-stable', 75], ['task-api-canary', 25]]);
    expect(r.isComplete).toBe(false);
    expect(r.stages[3].percentages).toStrictEqual([0, 100]);
    expect(RolloutStage.withWeights(3, 1).percentages).toStrictEqual([75, 25]);
    const done = new ProgressiveRollout(chart, 'Done', { backends: [stable(), canary()], stages: lessonStages(), currentStage: 3 });
    expect(done.isComplete).toBe(true);
  });

  test('splits across three backends and matches every request by default', () => {
    const chart = taskApiChart();
    new ProgressiveRollout(chart, 'Rollout', {
      metadata: { name: 'r' },
      parentRefs: lessonGateway(),
      backends: [stable(), canary(), BackendRef.fromName('task-api-next', { port: 8000 })],
      stages: [RolloutStage.withWeights(80, 10, 10)],
      currentStage: 0,
    });
    expect(onlyRoute(chart).spec.rules).toStrictEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [
        { name: 'task-api-stable', port: 8000, weight: 80 },
        { name: 'task-api-canary', port: 8000, weight: 10 },
        { name: 'task-api-next', port: 8000, weight: 10 },
      ],
    }]);
  });

  test('composes one HttpRoute with id Route', () => {
    const r = new ProgressiveRollout(Testing.chart(), 'Rollout', { backends: [stable(), canary()], stages: lessonStages(), currentStage: 0 });
    expect(r.route).toBeInstanceOf(HttpRoute);
    expect(r.node.children.map((x) => x.node.id)).toStrictEqual(['Route']);
  });

  test('fails on a stage index outside the stages', () => {
    expect(() => new ProgressiveRollout(Testing.chart(), 'Rollout', { backends: [stable(), canary()], stages: lessonStages(), currentStage: 4 }))
      .toThrow(/^test\/Rollout: currentStage 4 is not a stage; use a 0-based index from 0 to 3/);
  });

  test('fails on a stage with the wrong number of weights', () => {
    expect(() => new ProgressiveRollout(Testing.chart(), 'Rollout', { backends: [stable(), canary()], stages: [RolloutStage.withWeights(100)], currentStage: 0 }))
      .toThrow(/^test\/Rollout: stage 0 has 1 weights \(100\) for 2 backends; give one weight per backend, in the order of backends \("task-api-stable", "task-api-canary"\)/);
  });

  test('fails on a stage where every weight is 0', () => {
    expect(() => new ProgressiveRollout(Testing.chart(), 'Rollout', { backends: [stable(), canary()], stages: [RolloutStage.withWeights(0, 0)], currentStage: 0 }))
      .toThrow(/^test\/Rollout: stage 0 gives every backend weight 0, so every request would fail with 500/);
  });

  test('fails on a weight that is not an integer 0..1,000,000', () => {
    expect(() => new ProgressiveRollout(Testing.chart(), 'Rollout', { backends: [stable(), canary()], stages: [RolloutStage.withWeights(99.5, 0.5)], currentStage: 0 }))
      .toThrow(/^test\/Rollout: stage 0 weight of "task-api-stable" 99\.5 must be an integer from 0 to 1000000/);
  });

  test('fails without stages, with fewer than 2 backends, or with duplicate or pre-weighted backends', () => {
    const chart = Testing.chart();
    expect(() => new ProgressiveRollout(chart, 'A', { backends: [stable(), canary()], stages: [], currentStage: 0 }))
      .toThrow(/^test\/A: the rollout has no stages; give at least one, e.g\. RolloutStage\.withWeights\(95, 5\)/);
    expect(() => new ProgressiveRollout(chart, 'B', { backends: [stable()], stages: lessonStages(), currentStage: 0 }))
      .toThrow(/^test\/B: a rollout needs 2 to 16 backends, got 1/);
    expect(() => new ProgressiveRollout(chart, 'C', { backends: [stable(), stable()], stages: lessonStages(), currentStage: 0 }))
      .toThrow(/^test\/C: backends\[0\] and backends\[1\] are the same backend "task-api-stable" port 8000/);
    expect(() => new ProgressiveRollout(chart, 'D', { backends: [stable(), canary().withWeight(5)], stages: lessonStages(), currentStage: 0 }))
      .toThrow(/^test\/D: backends\[1\] backend "task-api-canary" has weight 5, but the weights are set by the stages; create it without a weight/);
  });
});

describe('BlueGreenRoute', () => {
  const blue = () => BackendRef.fromName('task-api-blue', { port: 8000 });
  const green = () => BackendRef.fromName('task-api-green', { port: 8000 });

  test.each([
    [BlueGreenColor.BLUE, [100, 0]],
    [BlueGreenColor.GREEN, [0, 100]],
  ])('live %s puts the weights %j on blue and green', (live, weights) => {
    // GIVEN
    const chart = taskApiChart();
    // WHEN
    new BlueGreenRoute(chart, 'BlueGreen', {
      metadata: { name: 'task-api-blue-green' },
      parentRefs: lessonGateway(),
      blue: blue(),
      green: green(),
      live,
      match: { path: PathMatch.pathPrefix('/api/') },
    });
    // THEN
    expect(onlyRoute(chart).spec).toStrictEqual({
      parentRefs: [{ name: 'task-api-gateway' }],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/api/' } }],
        backendRefs: [
          { name: 'task-api-blue', port: 8000, weight: weights[0] },
          { name: 'task-api-green', port: 8000, weight: weights[1] },
        ],
      }],
    });
  });

  test('is the two-stage rollout 100/0 -> 0/100 and reads back the colours', () => {
    const bg = new BlueGreenRoute(Testing.chart(), 'BlueGreen', { blue: blue(), green: green(), live: BlueGreenColor.GREEN });
    expect(bg).toBeInstanceOf(ProgressiveRollout);
    expect(bg.stages.map((s) => s.weights)).toStrictEqual([[100, 0], [0, 100]]);
    expect([bg.currentStage, bg.live, bg.idle]).toStrictEqual([1, BlueGreenColor.GREEN, BlueGreenColor.BLUE]);
    expect([bg.liveBackend.name, bg.liveBackend.weight, bg.idleBackend.name, bg.idleBackend.weight]).toStrictEqual(['task-api-green', 100, 'task-api-blue', 0]);
    expect(bg.route.node.id).toBe('Route');
  });

  test('fails when blue and green are the same backend, naming the colours', () => {
    expect(() => new BlueGreenRoute(Testing.chart(), 'BlueGreen', { blue: blue(), green: blue(), live: BlueGreenColor.BLUE }))
      .toThrow(/^test\/BlueGreen: blue and green are the same backend "task-api-blue" port 8000; give them different services/);
  });

  test('fails on a colour that already has a weight', () => {
    expect(() => new BlueGreenRoute(Testing.chart(), 'BlueGreen', { blue: blue(), green: green().withWeight(1), live: BlueGreenColor.BLUE }))
      .toThrow(/^test\/BlueGreen: green backend "task-api-green" has weight 1, but the weights are set by live; create it without a weight/);
  });
});
