import { ApiObject, Chart, Testing } from 'cdk8s';
import {
  AllowedRoutes, Annotations, BackendRef, Gateway, GrpcMethodMatch, GrpcRoute, GrpcRouteRuleProps, GrpcServiceMethod, GrpcServiceRoute,
  HttpRoute, HttpRouteRuleProps, Listener, ParentRef, PathMatch,
} from '../src';
import { RouteTester } from '../src/testing';

// The constructs and the gateway agree: what synth emits (order) and reports (unreachable, not attached) is what the
// gateway's engine does with the same YAML. Each test names the disagreement it guards against.

function app(namespace = 'apps') {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'gw', {
    metadata: { name: 'gw', namespace },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http', port: 80 })],
  });
  return { chart, gateway };
}

const svc = (name: string) => BackendRef.fromName(name, { port: 8080 });

function httpRoute(s: ReturnType<typeof app>, rules: HttpRouteRuleProps[]): HttpRoute {
  return new HttpRoute(s.chart, 'route', { metadata: { name: 'route', namespace: 'apps' }, parentRefs: [ParentRef.fromGateway(s.gateway)], rules });
}

function grpcRoute(s: ReturnType<typeof app>, rules: GrpcRouteRuleProps[]): GrpcRoute {
  return new GrpcRoute(s.chart, 'route', { metadata: { name: 'route', namespace: 'apps' }, parentRefs: [ParentRef.fromGateway(s.gateway)], rules });
}

function grpcTo(tester: RouteTester, service: string, method: string): string | undefined {
  return tester.request(`http://localhost/${service}/${method}`, { method: 'POST', headers: { 'content-type': 'application/grpc' } }).backend;
}

function emitted(chart: Chart, kind: string): any[] {
  return Testing.synth(chart).filter((o) => o.kind === kind);
}

describe('overlapping regular expressions', () => {
  test('are emitted in the order the gateway ranks them (the longer pattern first), and the gateway picks the first', () => {
    // GIVEN two overlapping regular expressions, the shorter written first
    const s = app();
    const { chart } = s;
    httpRoute(s, [
      { name: 'any', matches: [{ path: PathMatch.regularExpression('/api/.*') }], backendRefs: [svc('any')] },
      { name: 'versioned', matches: [{ path: PathMatch.regularExpression('/api/v[0-9]+/.*') }], backendRefs: [svc('versioned')] },
    ]);
    // WHEN synthesized
    const [route] = emitted(chart, 'HTTPRoute');
    // THEN the longer regex comes first, and the gateway sends a request both match to it
    expect(route.spec.rules.map((r: any) => r.name)).toStrictEqual(['versioned', 'any']);
    const tester = RouteTester.fromChart(chart);
    expect(tester.request('http://localhost/api/v1/tasks').backend).toBe('versioned');
    expect(tester.request('http://localhost/api/tasks').backend).toBe('any');
  });
});

describe('regular expressions that cover a prefix', () => {
  test('fails when a "LIT.*" regular expression takes every request of a PathPrefix under LIT', () => {
    // GIVEN "/b.*" (ranked above every PathPrefix) and PathPrefix "/b/c" in another rule
    const s = app();
    const { chart } = s;
    httpRoute(s, [
      { name: 'under-c', matches: [{ path: PathMatch.pathPrefix('/b/c') }], backendRefs: [svc('c')] },
      { name: 'any-b', matches: [{ path: PathMatch.regularExpression('/b.*') }], backendRefs: [svc('b')] },
    ]);
    // THEN synth says so, as the gateway never picks it
    expect(() => Testing.synth(chart)).toThrow(/test\/route: rule "under-c" match 1 \(path prefix "\/b\/c"\) can never be selected: every request it matches is taken by rule "any-b" match 1 \(path regex "\/b\.\*"\); remove it or make it more specific/);
  });
});

describe('GRPCRoute precedence', () => {
  test('an Exact method beats a RegularExpression method of the same service even when the regex service is escaped', () => {
    // GIVEN the regex rule written first, with the service escaped (one character longer as written)
    const s = app();
    const { chart } = s;
    grpcRoute(s, [
      { name: 'del-any', matches: [{ method: GrpcMethodMatch.regularExpression({ service: 'demo\\.Admin', method: 'Del.*' }) }], backendRefs: [svc('del-any')] },
      { name: 'delete', matches: [{ method: GrpcMethodMatch.exact({ service: 'demo.Admin', method: 'Delete' }) }], backendRefs: [svc('delete')] },
    ]);
    // WHEN synthesized
    const [route] = emitted(chart, 'GRPCRoute');
    // THEN the exact rule is emitted first and the gateway routes Delete to it
    expect(route.spec.rules.map((r: any) => r.name)).toStrictEqual(['delete', 'del-any']);
    const tester = RouteTester.fromChart(chart);
    expect(grpcTo(tester, 'demo.Admin', 'Delete')).toBe('delete');
    expect(grpcTo(tester, 'demo.Admin', 'DeleteAll')).toBe('del-any');
  });

  test('GRPCRoute rules are emitted in precedence order, not in the order written', () => {
    // GIVEN a service-level rule written before a method-level one
    const s = app();
    const { chart } = s;
    grpcRoute(s, [
      { name: 'service', matches: [{ method: GrpcMethodMatch.exact({ service: 'task.Tasks' }) }], backendRefs: [svc('service')] },
      { name: 'create', matches: [{ method: GrpcMethodMatch.exact({ service: 'task.Tasks', method: 'Create' }) }], backendRefs: [svc('create')] },
    ]);
    // THEN
    expect(emitted(chart, 'GRPCRoute')[0].spec.rules.map((r: any) => r.name)).toStrictEqual(['create', 'service']);
    expect(grpcTo(RouteTester.fromChart(chart), 'task.Tasks', 'Create')).toBe('create');
  });

  test('GrpcServiceRoute: a method named exactly is routed to its backend, not to a prefix that also selects it; the warning spells the re2 pattern', () => {
    // GIVEN named('Delete') and prefix('Del')
    const { chart, gateway } = app();
    const route = new GrpcServiceRoute(chart, 'admin', {
      metadata: { name: 'admin', namespace: 'apps' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      service: 'demo.Admin',
      methods: [
        { method: GrpcServiceMethod.prefix('Del'), backendRefs: [svc('del-prefix')] },
        { method: GrpcServiceMethod.named('Delete'), backendRefs: [svc('delete')] },
      ],
    });
    // WHEN
    const tester = RouteTester.fromChart(chart);
    // THEN
    expect(grpcTo(tester, 'demo.Admin', 'Delete')).toBe('delete');
    expect(grpcTo(tester, 'demo.Admin', 'Deliver')).toBe('del-prefix');
    expect(Annotations.of(route).warnings).toStrictEqual([
      'test/admin: method "Delete" is routed by name and also selected by the re2 pattern "Del.*"; this gateway gives the exact rule precedence, but how a regular expression ranks is implementation-specific, so give the method a name the pattern does not select or drop one of them',
    ]);
  });

  test('fails when a gRPC match is covered by a match of another rule that wins', () => {
    // GIVEN a method-level match under a rule whose Exact service+method match is the same call
    const s = app();
    const { chart } = s;
    grpcRoute(s, [
      { name: 'literal', matches: [{ method: GrpcMethodMatch.regularExpression({ service: 'task\\.Tasks', method: 'Create' }) }], backendRefs: [svc('a')] },
      { name: 'exact', matches: [{ method: GrpcMethodMatch.exact({ service: 'task.Tasks', method: 'Create' }) }], backendRefs: [svc('b')] },
    ]);
    // THEN the second of two equivalent matches is unreachable, as the gateway never picks it
    expect(() => Testing.synth(chart)).toThrow(/test\/route: rule "exact" match 1 \(service = "task.Tasks", method = "Create"\) can never be selected: it is the same match as rule "literal" match 1; remove it or make it more specific/);
  });
});

describe('AllowedRoutes.fromSelector at synth', () => {
  function selectorApp() {
    const chart = Testing.chart();
    const gateway = new Gateway(chart, 'gw', {
      metadata: { name: 'gw', namespace: 'infra' },
      gatewayClassName: 'cdk8s-gateway',
      listeners: [Listener.http({ name: 'http', port: 80, allowedRoutes: AllowedRoutes.fromSelector({ matchLabels: { 'shared-gateway': 'true' } }) })],
    });
    const namespace = (name: string, labels: Record<string, string>) =>
      new ApiObject(chart, `ns-${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    const route = (id: string, ns: string) => new HttpRoute(chart, id, {
      metadata: { name: id, namespace: ns },
      hostnames: ['app.example.com'],
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [{ matches: [{ path: PathMatch.pathPrefix('/api') }], backendRefs: [svc(id)] }],
    });
    return { chart, namespace, route };
  }

  test('fails when a declared namespace is not selected', () => {
    // GIVEN a route in a namespace without the label
    const { chart, namespace, route } = selectorApp();
    namespace('team-a', { team: 'a' });
    route('a', 'team-a');
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/a: no listener of parent gateway "test\/gw" accepts this route: listener "http" selects namespaces by label \{"matchLabels":\{"shared-gateway":"true"\}\}, and namespace "team-a" \(labels team=a, kubernetes.io\/metadata.name=team-a\) is not selected; label the namespace or change the selector/);
  });

  test('fails when the namespace is not declared, saying how to declare it', () => {
    // GIVEN a route in a namespace the app does not declare
    const { chart, route } = selectorApp();
    route('a', 'team-a');
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/namespace "team-a" is not declared in this app, so it has only the label kubernetes.io\/metadata.name=team-a \(as the gateway reads this app's output\); declare it with its labels, e.g. new ApiObject\(chart, 'ns', \{ apiVersion: 'v1', kind: 'Namespace'/);
  });

  test('two selected teams routing the same path on the same host fail synth, as one route is dead in the gateway', () => {
    // GIVEN two labelled namespaces with the same match
    const { chart, namespace, route } = selectorApp();
    namespace('team-a', { 'shared-gateway': 'true' });
    namespace('team-b', { 'shared-gateway': 'true' });
    route('a', 'team-a');
    route('b', 'team-b');
    // THEN synth names b (team-a/a wins the tie by name) ...
    expect(() => Testing.synth(chart)).toThrow(/test\/b: rule 0 match 1 \(path prefix "\/api"\) can never be selected on listener "http" of gateway "test\/gw" hostname "app.example.com": it is the same match as test\/a rule 0 match 1, and a tie goes to the older route, then to the first by namespace\/name \("team-a\/a" before "team-b\/b"\)/);
  });

  test('the gateway agrees: it attaches the selected namespace and sends the shared path to the route first by name', () => {
    // GIVEN the same objects, the routes b and c synthesized in apps of their own (so synth does not refuse them)
    const { chart, namespace, route } = selectorApp();
    namespace('team-a', { 'shared-gateway': 'true' });
    namespace('team-b', { 'shared-gateway': 'true' });
    namespace('team-c', { team: 'c' });
    route('a', 'team-a');
    const elsewhere = (id: string, ns: string) => {
      const other = Testing.chart();
      new HttpRoute(other, id, {
        metadata: { name: id, namespace: ns },
        hostnames: ['app.example.com'],
        parentRefs: [ParentRef.named('gw', { namespace: 'infra' })],
        rules: [{ matches: [{ path: PathMatch.pathPrefix('/api') }], backendRefs: [svc(id)] }],
      });
      return Testing.synth(other);
    };
    const objects = [...Testing.synth(chart), ...elsewhere('b', 'team-b'), ...elsewhere('c', 'team-c')];
    // WHEN the gateway compiles them
    const tester = RouteTester.fromObjects(objects);
    // THEN a wins the tie, and c (not selected) is not attached
    expect(tester.request('http://app.example.com/api/x').backend).toBe('a');
    expect(tester.table.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/HTTPRoute team-c\/c does not attach to Gateway infra\/gw: listener "http" does not allow routes from namespace team-c/));
  });

  test('a selected namespace attaches without error', () => {
    const { chart, namespace, route } = selectorApp();
    namespace('team-a', { 'shared-gateway': 'true' });
    route('a', 'team-a');
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});

describe('BackendRef', () => {
  test('fails when a Service reference has no port (from JavaScript, fromName(name, {}) type-checks)', () => {
    // GIVEN a Service reference without a port, as JavaScript allows
    const backend = BackendRef.fromName('web', {} as any);
    const route = new HttpRoute(Testing.chart(), 'route');
    // WHEN a rule uses it, THEN the error names the route, the rule, the backendRef and the fix
    expect(() => route.addRule({ backendRefs: [backend] }))
      .toThrow(/^test\/route: the 1st rule added: backendRef 1: backend service "web" has no port; a Service backend must have a port \(e\.g\. BackendRef\.fromName\("web", \{ port: 80 \}\)\)/);
  });
});

describe('strict mode', () => {
  test('fails synth with what would have been a warning', () => {
    // GIVEN an app in strict mode and a route without parentRefs (a warning otherwise)
    const strictApp = Testing.app();
    strictApp.node.setContext('cdk8s-gateway:strict', true);
    const chart = new Chart(strictApp, 'test');
    new HttpRoute(chart, 'route', { rules: [{ backendRefs: [svc('a')] }] });
    // THEN
    expect(() => strictApp.synth()).toThrow(/^test\/route: the route has no parentRefs, so no gateway serves it; add one with addParentRef\(ParentRef\.fromGateway\(gateway\)\) \(strict mode: cdk8s-gateway:strict turns warnings into errors\)$/);
  });

  test('without it the same app synthesizes with a warning', () => {
    const { chart } = app();
    const route = new HttpRoute(chart, 'route', { rules: [{ backendRefs: [svc('a')] }] });
    expect(() => Testing.synth(chart)).not.toThrow();
    expect(Annotations.of(route).warnings).toStrictEqual([expect.stringMatching(/^test\/route: the route has no parentRefs/)]);
  });
});
