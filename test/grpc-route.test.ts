import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  Annotations, BackendRef, Gateway, GrpcMethodMatch, GrpcRoute, GrpcRouteFilter, GrpcRouteFilterType, HeaderMatch, HttpRoute, HttpRouteFilter,
  Listener, ParentRef, RedirectScheme,
} from '../src';

/** A method match is checked where a rule uses it: the error starts with the route's path and the match's place. */
function failsWhereUsed(method: GrpcMethodMatch, message: RegExp): void {
  const route = new GrpcRoute(Testing.chart(), 'route');
  expect(() => route.addRule({ matches: [{ method }] })).toThrow(new RegExp(`^test/route: the 1st rule added match 1: ${message.source}`));
}

function setup() {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'h2c' })] });
  return { chart, gateway };
}

function grpcRoutes(chart: any): any[] {
  return Testing.synth(chart).filter((o) => o.kind === 'GRPCRoute');
}

describe('GrpcRoute', () => {
  test('synthesizes method and header matches, filters, weighted backends and rule names in author order', () => {
    // GIVEN
    const { chart, gateway } = setup();
    const service = new kplus.Service(chart, 'svc', { metadata: { name: 'todo' }, ports: [{ port: 50051 }] });
    // WHEN
    const route = new GrpcRoute(chart, 'route', {
      metadata: { name: 'todo' },
      parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'h2c' })],
      hostnames: ['grpc.example.com'],
    });
    const reads = route.addRule({
      name: 'reads',
      matches: [
        { method: GrpcMethodMatch.exact({ service: 'todo.Todo', method: 'GetTask' }) },
        { method: GrpcMethodMatch.regularExpression({ service: 'todo\\.Todo', method: 'List.*' }), headers: [HeaderMatch.exact('x-tenant', 'a')] },
      ],
      filters: [
        GrpcRouteFilter.requestHeaderModifier({ set: { 'x-route': 'reads' } }),
        GrpcRouteFilter.responseHeaderModifier({ remove: ['x-internal'] }),
        GrpcRouteFilter.requestMirror({ backend: BackendRef.fromName('todo-shadow', { port: 50051 }), percent: 5 }),
      ],
      backendRefs: [BackendRef.fromService(service, { weight: 3 })],
    });
    reads.addBackendRef(BackendRef.fromName('todo-v2', { port: 50051, weight: 1 }), { filters: [GrpcRouteFilter.requestHeaderModifier({ set: { 'x-v': '2' } })] });
    route.addRule({ matches: [{ method: GrpcMethodMatch.exact({ service: 'todo.Todo' }) }], backendRefs: [BackendRef.fromService(service)] });
    // THEN
    expect(grpcRoutes(chart)).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'todo' },
      spec: {
        parentRefs: [{ name: 'gw', sectionName: 'h2c' }],
        hostnames: ['grpc.example.com'],
        rules: [
          {
            name: 'reads',
            matches: [
              { method: { type: 'Exact', service: 'todo.Todo', method: 'GetTask' } },
              { method: { type: 'RegularExpression', service: 'todo\\.Todo', method: 'List.*' }, headers: [{ name: 'x-tenant', type: 'Exact', value: 'a' }] },
            ],
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'reads' }] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x-internal'] } },
              { type: 'RequestMirror', requestMirror: { backendRef: { name: 'todo-shadow', port: 50051 }, percent: 5 } },
            ],
            backendRefs: [
              { name: 'todo', port: 50051, weight: 3 },
              { name: 'todo-v2', port: 50051, weight: 1, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-v', value: '2' }] } }] },
            ],
          },
          { matches: [{ method: { type: 'Exact', service: 'todo.Todo' } }], backendRefs: [{ name: 'todo', port: 50051 }] },
        ],
      },
    }]);
    expect(Annotations.of(route).warnings).toStrictEqual([]);
  });

  test('warns when a method regular expression is written as a glob: Get* does not match GetTask', () => {
    // GIVEN
    const { chart, gateway } = setup();
    const route = new GrpcRoute(chart, 'route', { parentRefs: [ParentRef.fromGateway(gateway)] });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      // WHEN
      route.addRule({ matches: [{ method: GrpcMethodMatch.regularExpression({ service: 'todo\\.Todo', method: 'Get*' }) }], backendRefs: [BackendRef.fromName('todo', { port: 50051 })] });
      // THEN
      expect(Annotations.of(route).warnings).toStrictEqual([
        'test/route: the 1st rule added match 1: grpc method regular expression "Get*" is re2, not a glob: "t*" means zero or more "t" (it does not match "GetTask"); to match anything starting with "Get" write "Get.*"',
      ]);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  test('no warning for regular expressions that mean what they say', () => {
    const { chart, gateway } = setup();
    const route = new GrpcRoute(chart, 'route', { parentRefs: [ParentRef.fromGateway(gateway)] });
    route.addRule({
      matches: [
        { method: GrpcMethodMatch.regularExpression({ method: 'Get.*' }) },
        { method: GrpcMethodMatch.regularExpression({ method: 'Get[A-Z]\\w*' }) },
        { method: GrpcMethodMatch.regularExpression({ service: 'todo\\..*' }) },
      ],
      backendRefs: [BackendRef.fromName('todo', { port: 50051 })],
    });
    expect(Annotations.of(route).warnings).toStrictEqual([]);
  });

  test('fails when a method match has neither service nor method', () => {
    failsWhereUsed(GrpcMethodMatch.exact({}), /grpc method match has neither service nor method; give one or both/);
  });

  test('fails on an exact service or method with invalid characters', () => {
    failsWhereUsed(GrpcMethodMatch.exact({ service: 'todo/Todo' }), /grpc service "todo\/Todo" is not a fully qualified protobuf service name/);
    failsWhereUsed(GrpcMethodMatch.exact({ method: 'Get.*' }), /grpc method "Get.\*" is not a protobuf method name; use an identifier .* or GrpcMethodMatch.regularExpression for a pattern/);
  });

  test('fails on an invalid regular expression', () => {
    failsWhereUsed(GrpcMethodMatch.regularExpression({ method: '*Task' }), /grpc method regular expression "\*Task" is not a valid re2 regular expression/);
  });

  test('fails when a service or method is longer than 1024 characters', () => {
    failsWhereUsed(GrpcMethodMatch.regularExpression({ service: 'a'.repeat(1025) }), /grpc service ".*" must be 1 to 1024 characters long \(it has 1025\)/);
  });

  test('fails when a backend carries HTTPRoute filters (a GRPCRoute backend takes GRPCRoute filters)', () => {
    // GIVEN a backend made with an HTTPRoute redirect filter
    const { chart } = setup();
    const backend = BackendRef.fromName('todo', { port: 50051, filters: [HttpRouteFilter.requestRedirect({ scheme: RedirectScheme.HTTPS })] });
    const route = new GrpcRoute(chart, 'route');
    // WHEN a GRPCRoute rule uses it, THEN the error names the route, the rule, the backend and the fix
    expect(() => route.addRule({ backendRefs: [backend] }))
      .toThrow(/^test\/route: the 1st rule added: backendRef 1: backend "todo" carries HTTPRoute filters, which a GRPCRoute does not take; create the backend without filters and give GRPCRoute filters with addBackendRef\(backendRef, \{ filters: /);
  });

  test('renders GRPCRoute filters of a backend, typed as GRPCRoute filters', () => {
    // GIVEN a rule whose second backend sets a request header for the calls it receives
    const { chart, gateway } = setup();
    const route = new GrpcRoute(chart, 'route', { parentRefs: [ParentRef.fromGateway(gateway)] });
    const rule = route.addRule({ backendRefs: [BackendRef.fromName('a', { port: 50051 })] });
    const setPool = GrpcRouteFilter.requestHeaderModifier({ set: { 'x-pool': 'b' } });
    rule.addBackendRef(BackendRef.fromName('b', { port: 50051 }), { filters: [setPool] });
    // WHEN synthesized
    const spec = Testing.synth(chart).find((o: any) => o.kind === 'GRPCRoute').spec;
    // THEN only the second backend has the filter, and the rule reads it back
    expect(spec.rules[0].backendRefs).toStrictEqual([
      { name: 'a', port: 50051 },
      { name: 'b', port: 50051, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-pool', value: 'b' }] } }] },
    ]);
    expect(rule.backendFilters(1).map((f) => f.type)).toStrictEqual([GrpcRouteFilterType.REQUEST_HEADER_MODIFIER]);
    expect(rule.backendFilters(0)).toStrictEqual([]);
  });

  test('fails where used on a bad backend filter', () => {
    const route = new GrpcRoute(setup().chart, 'route');
    const rule = route.addRule({});
    expect(() => rule.addBackendRef(BackendRef.fromName('b', { port: 1 }), { filters: [GrpcRouteFilter.requestHeaderModifier({})] }))
      .toThrow(/^test\/route: the 1st rule added: backendRef 1 filter 1: request header modifier changes nothing/);
  });

  test('fails when a filter type other than RequestMirror repeats', () => {
    const { chart, gateway } = setup();
    new GrpcRoute(chart, 'route', {
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [{ filters: [GrpcRouteFilter.responseHeaderModifier({ remove: ['a'] }), GrpcRouteFilter.responseHeaderModifier({ remove: ['b'] })], backendRefs: [BackendRef.fromName('todo', { port: 50051 })] }],
    });
    expect(() => Testing.synth(chart)).toThrow(/test\/route: rule 0: has more than one ResponseHeaderModifier filter; merge them into one/);
  });

  test('fails when the same match appears twice, in one rule or in two', () => {
    const m = () => ({ method: GrpcMethodMatch.exact({ service: 'todo.Todo', method: 'GetTask' }) });
    const a = setup();
    new GrpcRoute(a.chart, 'route', { parentRefs: [ParentRef.fromGateway(a.gateway)], rules: [{ matches: [m(), m()], backendRefs: [BackendRef.fromName('todo', { port: 50051 })] }] });
    expect(() => Testing.synth(a.chart)).toThrow(/test\/route: rule 0 match 2 \(service = "todo.Todo", method = "GetTask"\) repeats rule 0 match 1; remove one of them/);
    const b = setup();
    new GrpcRoute(b.chart, 'route', {
      parentRefs: [ParentRef.fromGateway(b.gateway)],
      rules: [
        { name: 'a', matches: [m()], backendRefs: [BackendRef.fromName('a', { port: 50051 })] },
        { name: 'b', matches: [m()], backendRefs: [BackendRef.fromName('b', { port: 50051 })] },
      ],
    });
    expect(() => Testing.synth(b.chart)).toThrow(/test\/route: rule "b" match 1 \(service = "todo.Todo", method = "GetTask"\) can never be selected: it is the same match as rule "a" match 1; remove it or make it more specific/);
  });

  test('matches that differ only in headers are not duplicates', () => {
    const { chart, gateway } = setup();
    const m = (v: string) => ({ method: GrpcMethodMatch.exact({ service: 'todo.Todo' }), headers: [HeaderMatch.exact('x-v', v)] });
    new GrpcRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [{ matches: [m('1')], backendRefs: [BackendRef.fromName('a', { port: 1 })] }, { matches: [m('2')], backendRefs: [BackendRef.fromName('b', { port: 1 })] }],
    });
    expect(grpcRoutes(chart)[0].spec.rules.length).toBe(2);
  });

  test('fails with no rules, more than 16 rules, or more than 64 matches in a rule', () => {
    const a = setup();
    new GrpcRoute(a.chart, 'route', { parentRefs: [ParentRef.fromGateway(a.gateway)] });
    expect(() => Testing.synth(a.chart)).toThrow(/test\/route: the route has no rules; add one with addRule/);
    const b = setup();
    new GrpcRoute(b.chart, 'route', { parentRefs: [ParentRef.fromGateway(b.gateway)], rules: Array.from({ length: 17 }, (_, i) => ({ matches: [{ method: GrpcMethodMatch.exact({ method: `M${i}` }) }] })) });
    expect(() => Testing.synth(b.chart)).toThrow(/the route has 17 rules; at most 16 are allowed/);
    const c = setup();
    new GrpcRoute(c.chart, 'route', { parentRefs: [ParentRef.fromGateway(c.gateway)], rules: [{ matches: Array.from({ length: 65 }, (_, i) => ({ method: GrpcMethodMatch.exact({ method: `M${i}` }) })) }] });
    expect(() => Testing.synth(c.chart)).toThrow(/rule 0: has 65 matches; at most 64 are allowed/);
  });
});

describe('HTTPRoute and GRPCRoute on one listener', () => {
  function both(http: { hostnames?: string[]; sectionName?: string }, grpc: { hostnames?: string[]; sectionName?: string }) {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'web' }), Listener.http({ name: 'grpc', port: 8080 })] });
    new HttpRoute(chart, 'web', { metadata: { name: 'web' }, hostnames: http.hostnames, parentRefs: [ParentRef.fromGateway(gw, { sectionName: http.sectionName })], rules: [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }] });
    new GrpcRoute(chart, 'api', { metadata: { name: 'api' }, hostnames: grpc.hostnames, parentRefs: [ParentRef.fromGateway(gw, { sectionName: grpc.sectionName })], rules: [{ backendRefs: [BackendRef.fromName('api', { port: 50051 })] }] });
    return () => Testing.synth(chart);
  }

  test('fails when both attach to the same listener with a hostname in common', () => {
    expect(both({ hostnames: ['*.example.com'] }, { hostnames: ['api.example.com'] }))
      .toThrow(/test\/api: this GRPCRoute and HTTPRoute "test\/web" both attach to listener "web" of gateway "test\/gw" with hostname "api.example.com" in common; the gateway accepts only the older of the two, so give them different hostnames or listeners/);
    expect(both({}, {})).toThrow(/both attach to listener "web" of gateway "test\/gw" with hostname \(any\) in common/);
  });

  test('different hostnames or listeners are fine', () => {
    expect(both({ hostnames: ['www.example.com'] }, { hostnames: ['api.example.com'] })().length).toBe(3);
    expect(both({ sectionName: 'web' }, { sectionName: 'grpc' })().length).toBe(3);
  });
});

describe('GrpcRoute limits and routes on one listener', () => {
  test('fails with more than 16 filters, backendRefs or backend filters', () => {
    const mirrors = Array.from({ length: 17 }, (_, i) => GrpcRouteFilter.requestMirror({ backend: BackendRef.fromName(`m${i}`, { port: 1 }) }));
    const make = (rule: any, backendFilters?: GrpcRouteFilter[]) => {
      const { chart, gateway } = setup();
      const r = new GrpcRoute(chart, 'route', { parentRefs: [ParentRef.fromGateway(gateway)], rules: [rule] });
      if (backendFilters) r.rules[0].addBackendRef(BackendRef.fromName('b', { port: 1 }), { filters: backendFilters });
      return () => Testing.synth(chart);
    };
    expect(make({ filters: mirrors, backendRefs: [BackendRef.fromName('a', { port: 1 })] })).toThrow(/test\/route: rule 0: has 17 filters; at most 16 are allowed/);
    expect(make({ backendRefs: Array.from({ length: 17 }, (_, i) => BackendRef.fromName(`b${i}`, { port: 1 })) })).toThrow(/test\/route: rule 0: has 17 backendRefs; at most 16 are allowed/);
    expect(make({}, mirrors)).toThrow(/rule 0: backendRef 1 \("b"\) has 17 filters; at most 16 are allowed/);
  });

  test('fails when two grpc routes on the same gateway and hostname have the same match', () => {
    const { chart, gateway } = setup();
    const m = () => ({ method: GrpcMethodMatch.exact({ service: 'todo.Todo' }) });
    new GrpcRoute(chart, 'a', { hostnames: ['grpc.example.com'], parentRefs: [ParentRef.fromGateway(gateway)], rules: [{ matches: [m()], backendRefs: [BackendRef.fromName('a', { port: 1 })] }] });
    new GrpcRoute(chart, 'b', { hostnames: ['grpc.example.com'], parentRefs: [ParentRef.fromGateway(gateway)], rules: [{ matches: [m()], backendRefs: [BackendRef.fromName('b', { port: 1 })] }] });
    expect(() => Testing.synth(chart)).toThrow(/test\/b: rule 0 match 1 \(service = "todo.Todo"\) can never be selected on listener "h2c" of gateway "test\/gw" hostname "grpc.example.com": it is the same match as test\/a rule 0 match 1, and a tie goes to the older route, then to the first by namespace\/name \("test-a-c8988b32" before "test-b-c8afd76c"\); remove one of them or attach the routes to different hostnames/);
  });

  test('grpc routes with different hostnames may use the same match', () => {
    const { chart, gateway } = setup();
    const m = () => ({ method: GrpcMethodMatch.exact({ service: 'todo.Todo' }) });
    new GrpcRoute(chart, 'a', { metadata: { name: 'a' }, hostnames: ['a.example.com'], parentRefs: [ParentRef.fromGateway(gateway)], rules: [{ matches: [m()], backendRefs: [BackendRef.fromName('a', { port: 1 })] }] });
    new GrpcRoute(chart, 'b', { metadata: { name: 'b' }, hostnames: ['b.example.com'], parentRefs: [ParentRef.fromGateway(gateway)], rules: [{ matches: [m()], backendRefs: [BackendRef.fromName('b', { port: 1 })] }] });
    expect(grpcRoutes(chart).length).toBe(2);
  });
});
