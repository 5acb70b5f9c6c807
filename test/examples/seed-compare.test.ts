import { findObject, KubeObject, loadSeed, precedenceViolations, routeEntries, seedDifferences } from './seed-compare';
import { expectValidManifests } from '../util/schema';

/** A deep copy to mutate. */
function copy(obj: KubeObject): any {
  return JSON.parse(JSON.stringify(obj));
}

describe('seed fixtures', () => {
  test('every fixture is one Gateway API v1 object with a name and a namespace', () => {
    // GIVEN
    const fixtures: [string, string][] = [
      ['path-matching', 'task-api-exact'], ['path-matching', 'task-api-prefix'], ['path-matching', 'task-api-regex'],
      ['header-routing', 'task-api-header-version'], ['header-routing', 'task-api-premium'], ['header-routing', 'task-api-beta'],
      ['query-params', 'task-api-query'], ['query-params', 'task-api-experimental'],
      ['method-routing', 'task-api-method'],
      ['canary-rollout', 'task-api-canary'], ['canary-rollout', 'progressive-stage-1'], ['canary-rollout', 'progressive-stage-2'],
      ['canary-rollout', 'progressive-stage-3'], ['canary-rollout', 'progressive-stage-4'],
      ['canary-rollout', 'blue-green-before'], ['canary-rollout', 'blue-green-after'],
      ['mirroring', 'task-api-mirror'],
      ['rule-ordering', 'task-api-ordered'], ['rule-ordering', 'ordering-mistake-wrong'], ['rule-ordering', 'ordering-mistake-correct'],
      ['grpc-route', 'task-grpc-route'], ['grpc-route', 'task-api-gateway'],
      ['exercises', 'exercise-pathprefix'], ['exercises', 'exercise-header'], ['exercises', 'exercise-canary'], ['exercises', 'exercise-query'],
      ['multi-service', 'step-1-services'], ['multi-service', 'step-2-urgent'], ['multi-service', 'step-3-canary'],
    ];
    for (const [section, name] of fixtures) {
      // WHEN
      const obj = loadSeed(section, name);
      // THEN
      expect({ section, name, apiVersion: obj.apiVersion, hasName: typeof obj.metadata.name, hasNamespace: typeof obj.metadata.namespace })
        .toStrictEqual({ section, name, apiVersion: 'gateway.networking.k8s.io/v1', hasName: 'string', hasNamespace: 'string' });
      expect(['HTTPRoute', 'GRPCRoute', 'Gateway']).toContain(obj.kind);
      // the API server would accept it (schema and CEL rules of the vendored CRDs)
      expectValidManifests([obj]);
    }
  });

  test('a fixture keeps the lesson\'s structure (indentation restored)', () => {
    // WHEN
    const route = loadSeed('mirroring', 'task-api-mirror');
    // THEN
    expect(route).toStrictEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'task-api-mirror', namespace: 'task-api' },
      spec: {
        parentRefs: [{ name: 'task-api-gateway' }],
        rules: [{
          matches: [{ path: { type: 'PathPrefix', value: '/api/' } }],
          backendRefs: [{ name: 'task-api', port: 8000 }],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'task-api-shadow', port: 8000 } } }],
        }],
      },
    });
  });
});

describe('seedDifferences', () => {
  test('an object equals itself', () => {
    const route = loadSeed('query-params', 'task-api-query');
    expect(seedDifferences(route, route)).toStrictEqual([]);
  });

  test('is insensitive to defaults the API server adds', () => {
    // GIVEN
    const lesson = loadSeed('header-routing', 'task-api-premium');
    const defaulted = copy(lesson);
    defaulted.spec.parentRefs[0] = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'task-api', name: 'task-api-gateway' };
    for (const rule of defaulted.spec.rules) {
      rule.backendRefs = rule.backendRefs.map((b: any) => ({ group: '', kind: 'Service', namespace: 'task-api', weight: 1, ...b }));
    }
    defaulted.spec.rules[1].matches[0].headers = [];
    // WHEN
    const diffs = seedDifferences(defaulted, lesson);
    // THEN
    expect(diffs).toStrictEqual([]);
  });

  test('a rule without matches is the default PathPrefix "/" match', () => {
    const explicit = copy(loadSeed('exercises', 'exercise-pathprefix'));
    explicit.spec.rules[0].matches = [{ path: { type: 'PathPrefix', value: '/' } }];
    const implicit = copy(explicit);
    delete implicit.spec.rules[0].matches;
    expect(seedDifferences(implicit, explicit)).toStrictEqual([]);
  });

  test('rules the spec ranks differently may come in any order', () => {
    // GIVEN the lesson's header route with its two rules swapped
    const lesson = loadSeed('header-routing', 'task-api-header-version');
    const swapped = copy(lesson);
    swapped.spec.rules.reverse();
    // THEN
    expect(seedDifferences(swapped, lesson)).toStrictEqual([]);
  });

  test('the lesson\'s "wrong" and "correct" orders are the same route under the spec', () => {
    expect(seedDifferences(loadSeed('rule-ordering', 'ordering-mistake-wrong'), loadSeed('rule-ordering', 'ordering-mistake-correct')))
      .toStrictEqual([]);
  });

  test('matches of one rule may be split into rules with the same action, and back', () => {
    // GIVEN the lesson's method route with its three write rules merged into one rule of three matches
    const lesson = loadSeed('method-routing', 'task-api-method');
    const merged = copy(lesson);
    merged.spec.rules = [
      merged.spec.rules[0],
      { matches: merged.spec.rules.slice(1).map((r: any) => r.matches[0]), backendRefs: merged.spec.rules[1].backendRefs },
    ];
    // THEN
    expect(seedDifferences(merged, lesson)).toStrictEqual([]);
  });

  test('fails when equally ranked rules that can both match change order', () => {
    // GIVEN ?debug=true&tier=premium matches both query param rules: the first one wins
    const lesson = loadSeed('query-params', 'task-api-query');
    const swapped = copy(lesson);
    [swapped.spec.rules[0], swapped.spec.rules[1]] = [swapped.spec.rules[1], swapped.spec.rules[0]];
    // WHEN
    const diffs = seedDifferences(swapped, lesson);
    // THEN
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(/^HTTPRoute\/task-api-query: equally ranked rules are in a different order/);
  });

  test('equally ranked rules that can never match the same request may come in any order', () => {
    const lesson = loadSeed('multi-service', 'step-1-services');
    const swapped = copy(lesson);
    // /tasks and /users are both 6-character prefixes
    [swapped.spec.rules[0], swapped.spec.rules[1]] = [swapped.spec.rules[1], swapped.spec.rules[0]];
    expect(seedDifferences(swapped, lesson)).toStrictEqual([]);
  });

  test('fails on a different weight, naming the entry', () => {
    const lesson = loadSeed('canary-rollout', 'task-api-canary');
    const changed = copy(lesson);
    changed.spec.rules[0].backendRefs[1].weight = 11;
    const diffs = seedDifferences(changed, lesson);
    expect(diffs).toHaveLength(2);
    expect(diffs[0]).toMatch(/^HTTPRoute\/task-api-canary: missing rule 1 match 1: .*"name":"task-api-canary".*"weight":10/);
    expect(diffs[1]).toMatch(/^HTTPRoute\/task-api-canary: unexpected rule 1 match 1: .*"weight":11/);
  });

  test('fails on a missing filter', () => {
    const lesson = loadSeed('mirroring', 'task-api-mirror');
    const changed = copy(lesson);
    delete changed.spec.rules[0].filters;
    expect(seedDifferences(changed, lesson).join('\n')).toMatch(/missing rule 1 match 1: .*"name":"task-api-shadow".*"type":"RequestMirror"/);
  });

  test('fails on a different name, namespace, parentRef or hostname', () => {
    const lesson = loadSeed('path-matching', 'task-api-exact');
    const renamed = copy(lesson);
    renamed.metadata.name = 'other';
    expect(seedDifferences(renamed, lesson)).toStrictEqual([
      'HTTPRoute/task-api-exact: metadata.name differs: got "other", the lesson has "task-api-exact"',
    ]);
    const moved = copy(lesson);
    moved.metadata.namespace = 'default';
    expect(seedDifferences(moved, lesson)[0]).toMatch(/metadata\.namespace differs: got "default"/);
    const reparented = copy(lesson);
    reparented.spec.parentRefs[0].sectionName = 'http';
    expect(seedDifferences(reparented, lesson)[0]).toMatch(/parentRefs differs: .*"sectionName":"http"/);
    const hosted = copy(lesson);
    hosted.spec.hostnames = ['tasks.example.com'];
    expect(seedDifferences(hosted, lesson)[0]).toMatch(/hostnames differs: got \["tasks.example.com"\]/);
  });

  test('fails on a different header match type', () => {
    const lesson = loadSeed('header-routing', 'task-api-premium');
    const changed = copy(lesson);
    delete changed.spec.rules[0].matches[0].headers[0].type;
    expect(seedDifferences(changed, lesson).join('\n')).toMatch(/missing rule 1 match 1: .*"type":"RegularExpression","value":"\^premium-\.\*"/);
  });

  test('compares GRPCRoutes by service/method precedence', () => {
    // GIVEN the lesson's GRPCRoute reversed: every rule ranks differently, so order does not matter
    const lesson = loadSeed('grpc-route', 'task-grpc-route');
    const reversed = copy(lesson);
    reversed.spec.rules.reverse();
    expect(seedDifferences(reversed, lesson)).toStrictEqual([]);
    // WHEN the regex is corrected
    const corrected = copy(lesson);
    corrected.spec.rules[2].matches[0].method.method = 'Get.*';
    // THEN it is a difference
    expect(seedDifferences(corrected, lesson).join('\n')).toMatch(/missing rule 3 match 1: .*"method":"Get\*"/);
  });

  test('compares Gateways by listener set, with allowedRoutes defaulted', () => {
    const lesson = loadSeed('grpc-route', 'task-api-gateway');
    const changed = copy(lesson);
    changed.spec.listeners.reverse();
    changed.spec.listeners[0].allowedRoutes = { namespaces: { from: 'Same' } };
    expect(seedDifferences(changed, lesson)).toStrictEqual([]);
    changed.spec.listeners[1].port = 8080;
    expect(seedDifferences(changed, lesson)[0]).toMatch(/^Gateway\/task-api-gateway: listeners differs/);
  });
});

describe('routeEntries', () => {
  test('puts the lesson\'s ordered route in spec precedence: Exact, RegularExpression, longest PathPrefix, "/"', () => {
    const entries = routeEntries(loadSeed('rule-ordering', 'task-api-ordered'));
    expect(entries.map(e => `${e.match.path.type} ${e.match.path.value}`)).toStrictEqual([
      'Exact /api/v1/tasks/urgent',
      'RegularExpression /api/v1/tasks/[0-9]+',
      'PathPrefix /api/v1/tasks',
      'PathPrefix /',
    ]);
  });

  test('puts a method-level gRPC match before a service-level one', () => {
    const entries = routeEntries(loadSeed('grpc-route', 'task-grpc-route'));
    expect(entries.map(e => e.match.method.method ?? '*')).toStrictEqual(['CreateTask', 'Get*', '*']);
  });
});

describe('precedenceViolations', () => {
  test('accepts routes written in precedence order', () => {
    expect(precedenceViolations(loadSeed('rule-ordering', 'ordering-mistake-correct'))).toStrictEqual([]);
    expect(precedenceViolations(loadSeed('query-params', 'task-api-query'))).toStrictEqual([]);
  });

  test('fails on a more specific match written after a less specific one', () => {
    const violations = precedenceViolations(loadSeed('rule-ordering', 'ordering-mistake-wrong'));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(/^HTTPRoute\/task-api-health: rule 2 match 1: .*"Exact","value":"\/api\/health".* outranks the match before it/);
  });

  test('fails on the lesson\'s GRPCRoute order (service-level rule first)', () => {
    expect(precedenceViolations(loadSeed('grpc-route', 'task-grpc-route'))).toHaveLength(1);
  });
});

describe('findObject', () => {
  test('finds one object by kind and name', () => {
    const gw = loadSeed('grpc-route', 'task-api-gateway');
    const route = loadSeed('grpc-route', 'task-grpc-route');
    expect(findObject([gw, route], 'GRPCRoute', 'task-grpc-route')).toBe(route);
  });

  test('fails listing what is there', () => {
    const gw = loadSeed('grpc-route', 'task-api-gateway');
    expect(() => findObject([gw], 'GRPCRoute', 'x')).toThrow(/expected exactly one GRPCRoute\/x, found 0 among \[Gateway\/task-api-gateway\]/);
  });
});
