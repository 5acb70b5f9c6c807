import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AllowedRoutes, Annotations, BackendRef, Gateway, HeaderMatch, HttpMethod, HttpPathModifier, HttpRoute, HttpRouteFilter, Listener, ParentRef,
  PathMatch, QueryParamMatch, RedirectScheme, RouteKind,
} from '../src';

function setup() {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'gw', {
    metadata: { name: 'gw' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http' })],
  });
  return { chart, gateway };
}

function routes(chart: any): any[] {
  return Testing.synth(chart).filter((o) => o.kind === 'HTTPRoute');
}

describe('HttpRoute', () => {
  test('synthesizes parentRefs, hostnames, matches, filters, weighted backends, timeouts and the rule name', () => {
    // GIVEN
    const { chart, gateway } = setup();
    const service = new kplus.Service(chart, 'svc', { metadata: { name: 'web' }, ports: [{ port: 8080 }] });
    // WHEN
    new HttpRoute(chart, 'route', {
      metadata: { name: 'web' },
      parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'http' })],
      hostnames: ['app.example.com'],
      rules: [{
        name: 'api',
        matches: [{
          path: PathMatch.pathPrefix('/api'),
          method: HttpMethod.POST,
          headers: [HeaderMatch.exact('x-version', '2'), HeaderMatch.regularExpression('x-user', 'a[0-9]+')],
          queryParams: [QueryParamMatch.exact('debug', 'true')],
        }],
        filters: [
          HttpRouteFilter.requestHeaderModifier({ set: { 'x-env': 'prod' }, add: { 'x-via': 'gw' }, remove: ['x-debug'] }),
          HttpRouteFilter.responseHeaderModifier({ remove: ['server'] }),
          HttpRouteFilter.urlRewrite({ hostname: 'internal.example.com', path: HttpPathModifier.replacePrefixMatch('/v2') }),
        ],
        backendRefs: [
          BackendRef.fromService(service, { weight: 90 }),
          BackendRef.fromName('web-canary', { port: 80, weight: 10, namespace: 'canary' }),
        ],
        timeouts: { request: Duration.seconds(10), backendRequest: Duration.millis(500) },
      }],
    });
    // THEN
    expect(routes(chart)).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: {
        parentRefs: [{ name: 'gw', sectionName: 'http' }],
        hostnames: ['app.example.com'],
        rules: [{
          name: 'api',
          matches: [{
            path: { type: 'PathPrefix', value: '/api' },
            method: 'POST',
            headers: [{ name: 'x-version', type: 'Exact', value: '2' }, { name: 'x-user', type: 'RegularExpression', value: 'a[0-9]+' }],
            queryParams: [{ name: 'debug', type: 'Exact', value: 'true' }],
          }],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }], add: [{ name: 'x-via', value: 'gw' }], remove: ['x-debug'] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['server'] } },
            { type: 'URLRewrite', urlRewrite: { hostname: 'internal.example.com', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
          ],
          backendRefs: [
            { name: 'web', port: 8080, weight: 90 },
            { name: 'web-canary', namespace: 'canary', port: 80, weight: 10 },
          ],
          timeouts: { request: '10s', backendRequest: '500ms' },
        }],
      },
    }]);
  });

  test('add* mutators are equivalent to props, and addRule returns a rule that accepts more matches and backends', () => {
    // GIVEN
    const { chart } = setup();
    const route = new HttpRoute(chart, 'route', { metadata: { name: 'r' } });
    // WHEN
    route.addParentRef(ParentRef.named('shared', { namespace: 'infra', port: 443 }));
    route.addHostname('*.example.com');
    const rule = route.addRule({ name: 'main' });
    rule.addMatch({ path: PathMatch.exact('/a') });
    rule.addMatch({ path: PathMatch.exact('/b') });
    rule.addBackendRef(BackendRef.fromName('svc', { port: 80 }));
    // THEN
    expect(route.rules).toStrictEqual([rule]);
    expect(rule.matches.length).toBe(2);
    expect(routes(chart)[0].spec).toStrictEqual({
      parentRefs: [{ name: 'shared', namespace: 'infra', port: 443 }],
      hostnames: ['*.example.com'],
      rules: [{
        name: 'main',
        matches: [{ path: { type: 'Exact', value: '/a' } }, { path: { type: 'Exact', value: '/b' } }],
        backendRefs: [{ name: 'svc', port: 80 }],
      }],
    });
  });

  test('a rule without matches omits them (the Gateway API default matches every request)', () => {
    // GIVEN
    const { chart, gateway } = setup();
    // WHEN
    new HttpRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [{ backendRefs: [BackendRef.fromName('svc', { port: 80 })] }],
    });
    // THEN
    expect(routes(chart)[0].spec.rules).toStrictEqual([{ backendRefs: [{ name: 'svc', port: 80 }] }]);
  });

  test('a redirect rule renders scheme, hostname, port, path and status code', () => {
    // GIVEN
    const { chart, gateway } = setup();
    // WHEN
    new HttpRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [{
        matches: [{ path: PathMatch.pathPrefix('/old') }],
        filters: [HttpRouteFilter.requestRedirect({
          scheme: RedirectScheme.HTTPS,
          hostname: 'new.example.com',
          port: 8443,
          statusCode: 301,
          path: HttpPathModifier.replaceFullPath('/new'),
        })],
      }],
    });
    // THEN
    expect(routes(chart)[0].spec.rules).toStrictEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
      filters: [{
        type: 'RequestRedirect',
        requestRedirect: { scheme: 'https', hostname: 'new.example.com', port: 8443, statusCode: 301, path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } },
      }],
    }]);
  });

  test('request mirrors render percent or fraction and may repeat', () => {
    // GIVEN
    const { chart, gateway } = setup();
    // WHEN
    new HttpRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [{
        filters: [
          HttpRouteFilter.requestMirror({ backend: BackendRef.fromName('shadow', { port: 80 }), percent: 10 }),
          HttpRouteFilter.requestMirror({ backend: BackendRef.fromName('audit', { port: 81 }), fraction: { numerator: 1, denominator: 1000 } }),
          HttpRouteFilter.requestMirror({ backend: BackendRef.fromName('all', { port: 82 }) }),
        ],
        backendRefs: [BackendRef.fromName('svc', { port: 80 })],
      }],
    });
    // THEN
    expect(routes(chart)[0].spec.rules[0].filters).toStrictEqual([
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 }, percent: 10 } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'audit', port: 81 }, fraction: { numerator: 1, denominator: 1000 } } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'all', port: 82 } } },
    ]);
  });

  test('backend filters are rendered on the backendRef', () => {
    // GIVEN
    const { chart, gateway } = setup();
    // WHEN
    new HttpRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [{
        backendRefs: [BackendRef.fromName('svc', { port: 80, filters: [HttpRouteFilter.requestHeaderModifier({ set: { 'x-backend': 'svc' } })] })],
      }],
    });
    // THEN
    expect(routes(chart)[0].spec.rules[0].backendRefs).toStrictEqual([{
      name: 'svc',
      port: 80,
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-backend', value: 'svc' }] } }],
    }]);
  });

  test('timeouts are rendered as gateway api durations', () => {
    // GIVEN
    const { chart, gateway } = setup();
    // WHEN
    new HttpRoute(chart, 'route', {
      metadata: { name: 'r' },
      parentRefs: [ParentRef.fromGateway(gateway)],
      rules: [
        { matches: [{ path: PathMatch.exact('/a') }], backendRefs: [BackendRef.fromName('a', { port: 80 })], timeouts: { request: Duration.minutes(90), backendRequest: Duration.millis(61_500) } },
        { matches: [{ path: PathMatch.exact('/b') }], backendRefs: [BackendRef.fromName('b', { port: 80 })], timeouts: { request: Duration.seconds(0), backendRequest: Duration.seconds(30) } },
      ],
    });
    // THEN
    expect(routes(chart)[0].spec.rules.map((r: any) => r.timeouts)).toStrictEqual([
      { request: '1h30m', backendRequest: '1m1s500ms' },
      { request: '0s', backendRequest: '30s' },
    ]);
  });

  test('a gateway in another namespace is referenced with its namespace; one in the route namespace without', () => {
    // GIVEN
    const chart = Testing.chart();
    const infra = new Gateway(chart, 'infra', { metadata: { name: 'gw', namespace: 'infra' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'http', allowedRoutes: AllowedRoutes.all() })] });
    const local = new Gateway(chart, 'local', { metadata: { name: 'local', namespace: 'web' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'http' })] });
    // WHEN
    new HttpRoute(chart, 'route', {
      metadata: { name: 'r', namespace: 'web' },
      parentRefs: [ParentRef.fromGateway(infra), ParentRef.fromGateway(local)],
      rules: [{ backendRefs: [BackendRef.fromName('svc', { port: 80, namespace: 'web' })] }],
    });
    // THEN
    const spec = routes(chart)[0].spec;
    expect(spec.parentRefs).toStrictEqual([{ name: 'gw', namespace: 'infra' }, { name: 'local' }]);
    expect(spec.rules[0].backendRefs).toStrictEqual([{ name: 'svc', port: 80 }]);
  });
});

describe('HttpRoute validation', () => {
  function route(rules: any[] = [{ backendRefs: [BackendRef.fromName('svc', { port: 80 })] }], extra: any = {}) {
    const { chart, gateway } = setup();
    const r = new HttpRoute(chart, 'route', { parentRefs: [ParentRef.fromGateway(gateway)], rules, ...extra });
    return { chart, gateway, route: r };
  }
  const svc = () => BackendRef.fromName('svc', { port: 80 });

  test('fails when the route has no rules', () => {
    const { chart } = route([]);
    expect(() => Testing.synth(chart)).toThrow(/test\/route: the route has no rules; add one with addRule/);
  });

  test('fails with more than 16 rules', () => {
    const rules = Array.from({ length: 17 }, (_, i) => ({ matches: [{ path: PathMatch.exact(`/p${i}`) }], backendRefs: [svc()] }));
    const { chart } = route(rules);
    expect(() => Testing.synth(chart)).toThrow(/the route has 17 rules; at most 16 are allowed \(split the route\)/);
  });

  test('fails with more than 64 matches in a rule', () => {
    const matches = Array.from({ length: 65 }, (_, i) => ({ path: PathMatch.exact(`/p${i}`) }));
    const { chart } = route([{ matches, backendRefs: [svc()] }]);
    expect(() => Testing.synth(chart)).toThrow(/rule 0: has 65 matches; at most 64 are allowed/);
  });

  test('fails with more than 128 matches across rules', () => {
    const rules = Array.from({ length: 3 }, (_, r) => ({ matches: Array.from({ length: 43 }, (__, i) => ({ path: PathMatch.exact(`/r${r}/p${i}`) })), backendRefs: [svc()] }));
    const { chart } = route(rules);
    expect(() => Testing.synth(chart)).toThrow(/the route has 129 matches across its rules; at most 128 are allowed/);
  });

  test('fails with more than 16 filters, backendRefs or backend filters', () => {
    const mirrors = Array.from({ length: 17 }, (_, i) => HttpRouteFilter.requestMirror({ backend: BackendRef.fromName(`m${i}`, { port: 80 }) }));
    const backends = Array.from({ length: 17 }, (_, i) => BackendRef.fromName(`b${i}`, { port: 80 }));
    expect(() => Testing.synth(route([{ filters: mirrors, backendRefs: [svc()] }]).chart)).toThrow(/rule 0: has 17 filters; at most 16 are allowed/);
    expect(() => Testing.synth(route([{ backendRefs: backends }]).chart)).toThrow(/rule 0: has 17 backendRefs; at most 16 are allowed/);
    expect(() => Testing.synth(route([{ backendRefs: [BackendRef.fromName('b', { port: 80, filters: mirrors })] }]).chart))
      .toThrow(/rule 0: backendRef 1 \("b"\) has 17 filters; at most 16 are allowed/);
  });

  test('fails with more than 16 hostnames or 32 parentRefs', () => {
    const hostnames = Array.from({ length: 17 }, (_, i) => `h${i}.example.com`);
    expect(() => Testing.synth(route(undefined, { hostnames }).chart)).toThrow(/the route has 17 hostnames; at most 16 are allowed/);
    const parentRefs = Array.from({ length: 33 }, (_, i) => ParentRef.named(`gw${i}`));
    expect(() => Testing.synth(route(undefined, { parentRefs }).chart)).toThrow(/the route has 33 parentRefs; at most 32 are allowed/);
  });

  test('fails when a filter type other than RequestMirror repeats', () => {
    const { chart } = route([{
      filters: [HttpRouteFilter.requestHeaderModifier({ remove: ['a'] }), HttpRouteFilter.requestHeaderModifier({ remove: ['b'] })],
      backendRefs: [svc()],
    }]);
    expect(() => Testing.synth(chart)).toThrow(/rule 0: has more than one RequestHeaderModifier filter; merge them into one \(only RequestMirror may repeat\)/);
  });

  test('fails when a rule has both RequestRedirect and URLRewrite', () => {
    const { chart } = route([{
      filters: [HttpRouteFilter.requestRedirect({ scheme: RedirectScheme.HTTPS }), HttpRouteFilter.urlRewrite({ hostname: 'x.example.com' })],
    }]);
    expect(() => Testing.synth(chart)).toThrow(/has both a RequestRedirect and a URLRewrite filter; use only one/);
  });

  test('fails when a redirect rule has backendRefs', () => {
    const { chart } = route([{ filters: [HttpRouteFilter.requestRedirect({ scheme: RedirectScheme.HTTPS })], backendRefs: [svc()] }]);
    expect(() => Testing.synth(chart)).toThrow(/rule 0: has a requestRedirect filter and backendRefs; a redirect answers the request itself, so remove the backendRefs/);
  });

  test.each([
    ['no matches', undefined],
    ['an exact match', [{ path: PathMatch.exact('/a') }]],
    ['two prefix matches', [{ path: PathMatch.pathPrefix('/a') }, { path: PathMatch.pathPrefix('/b') }]],
  ])('fails when replacePrefixMatch is used with %s', (_, matches) => {
    const { chart } = route([{ matches, filters: [HttpRouteFilter.urlRewrite({ path: HttpPathModifier.replacePrefixMatch('/x') })], backendRefs: [svc()] }]);
    expect(() => Testing.synth(chart)).toThrow(/uses URLRewrite with replacePrefixMatch, which needs exactly one match with a PathPrefix path/);
  });

  test('fails when a backend filter uses replacePrefixMatch without a single PathPrefix match', () => {
    const filters = [HttpRouteFilter.urlRewrite({ path: HttpPathModifier.replacePrefixMatch('/x') })];
    const { chart } = route([{ matches: [{ path: PathMatch.exact('/a') }], backendRefs: [BackendRef.fromName('b', { port: 80, filters })] }]);
    expect(() => Testing.synth(chart)).toThrow(/backendRef 1 \("b"\) uses URLRewrite with replacePrefixMatch/);
  });

  test('accepts replacePrefixMatch with exactly one PathPrefix match', () => {
    const { chart } = route([{ matches: [{ path: PathMatch.pathPrefix('/a') }], filters: [HttpRouteFilter.urlRewrite({ path: HttpPathModifier.replacePrefixMatch('/x') })], backendRefs: [svc()] }]);
    expect(routes(chart)[0].spec.rules[0].filters[0].urlRewrite.path).toStrictEqual({ type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' });
  });

  test('fails when two rules have the same name', () => {
    const { chart } = route([
      { name: 'a', matches: [{ path: PathMatch.exact('/a') }], backendRefs: [svc()] },
      { name: 'a', matches: [{ path: PathMatch.exact('/b') }], backendRefs: [svc()] },
    ]);
    expect(() => Testing.synth(chart)).toThrow(/test\/route: two rules are named "a"; rule names must be unique in a route/);
  });

  test('fails when a rule name is not a dns subdomain', () => {
    expect(() => route([{ name: 'My_Rule' }])).toThrow(/test\/route: the 1st rule added: name "My_Rule" must be a lowercase rfc 1123 subdomain/);
  });

  test('fails when the backendRequest timeout is longer than the request timeout', () => {
    expect(() => route([{ backendRefs: [svc()], timeouts: { request: Duration.seconds(1), backendRequest: Duration.seconds(2) } }]))
      .toThrow(/test\/route: the 1st rule added: backendRequest timeout 2s is longer than the request timeout 1s; make it at most 1s/);
  });

  test('fails when a timeout is not a whole number of milliseconds or too long', () => {
    expect(() => route([{ backendRefs: [svc()], timeouts: { request: Duration.millis(0.5) } }])).toThrow(/request timeout 0.5ms must be a whole, non-negative number of milliseconds/);
    expect(() => route([{ backendRefs: [svc()], timeouts: { request: Duration.hours(100_000) } }])).toThrow(/request timeout 360000000000ms is longer than the gateway api's maximum of 99999h/);
  });

  test('fails when a match has more than 16 header or query matches', () => {
    const headers = Array.from({ length: 17 }, (_, i) => HeaderMatch.exact(`h${i}`, 'v'));
    const queryParams = Array.from({ length: 17 }, (_, i) => QueryParamMatch.exact(`q${i}`, 'v'));
    expect(() => route([{ matches: [{ headers }] }])).toThrow(/the 1st rule added match 1 has 17 header matches; at most 16 are allowed/);
    expect(() => route([{ matches: [{ queryParams }] }])).toThrow(/the 1st rule added match 1 has 17 query parameter matches; at most 16 are allowed/);
  });

  test('fails when a match names a header twice (ignoring case) or a query parameter twice', () => {
    expect(() => route([{ matches: [{ headers: [HeaderMatch.exact('X-A', '1'), HeaderMatch.exact('x-a', '2')] }] }]))
      .toThrow(/the 1st rule added match 1 matches header "X-A" twice \(as "X-A" and "x-a"; header names are case-insensitive\)/);
    expect(() => route([{ matches: [{ queryParams: [QueryParamMatch.exact('a', '1'), QueryParamMatch.exact('a', '2')] }] }]))
      .toThrow(/the 1st rule added match 1 matches query parameter "a" twice; the gateway would ignore the second/);
  });

  test('query parameter names are case-sensitive: "a" and "A" may both be matched', () => {
    const { chart } = route([{ matches: [{ queryParams: [QueryParamMatch.exact('a', '1'), QueryParamMatch.exact('A', '2')] }], backendRefs: [svc()] }]);
    expect(routes(chart)[0].spec.rules[0].matches[0].queryParams).toStrictEqual([{ name: 'a', type: 'Exact', value: '1' }, { name: 'A', type: 'Exact', value: '2' }]);
  });

  test('fails when a hostname is invalid or listed twice', () => {
    const { route: r } = route();
    expect(() => r.addHostname('foo.*.example.com')).toThrow(/test\/route: hostname "foo.\*.example.com" must be a lowercase rfc 1123 hostname .*a wildcard is only allowed as the whole first label/);
    expect(() => r.addHostname('10.0.0.1')).toThrow(/hostname "10.0.0.1" is an ip address; the gateway api only accepts hostnames here/);
    r.addHostname('a.example.com');
    expect(() => r.addHostname('a.example.com')).toThrow(/test\/route: hostname "a.example.com" is listed twice; list it once/);
  });

  test('fails when the same gateway is referenced twice without sectionName, or with the same sectionName', () => {
    const { chart, gateway } = setup();
    gateway.addListener(Listener.http({ name: 'other', port: 8080 }));
    new HttpRoute(chart, 'a', { parentRefs: [ParentRef.fromGateway(gateway), ParentRef.fromGateway(gateway, { port: 80 })], rules: [{ backendRefs: [svc()] }] });
    expect(() => Testing.synth(chart)).toThrow(/parentRefs reference gateway "\/gw" 2 times, not all with a sectionName; give every reference to the same gateway a distinct sectionName/);
    const second = setup();
    new HttpRoute(second.chart, 'a', { parentRefs: [ParentRef.fromGateway(second.gateway, { sectionName: 'http' }), ParentRef.fromGateway(second.gateway, { sectionName: 'http', port: 80 })], rules: [{ backendRefs: [svc()] }] });
    expect(() => Testing.synth(second.chart)).toThrow(/parentRefs reference listener "http" of gateway "\/gw" twice; sectionName must be unique per gateway/);
  });

  test('accepts the same gateway twice with distinct sectionNames', () => {
    const { chart, gateway } = setup();
    gateway.addListener(Listener.http({ name: 'other', port: 8080 }));
    new HttpRoute(chart, 'a', { metadata: { name: 'a' }, parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'http' }), ParentRef.fromGateway(gateway, { sectionName: 'other' })], rules: [{ backendRefs: [svc()] }] });
    expect(routes(chart)[0].spec.parentRefs).toStrictEqual([{ name: 'gw', sectionName: 'http' }, { name: 'gw', sectionName: 'other' }]);
  });

  test('fails when the sectionName or port names no listener of the in-app gateway', () => {
    const a = setup();
    new HttpRoute(a.chart, 'a', { parentRefs: [ParentRef.fromGateway(a.gateway, { sectionName: 'https' })], rules: [{ backendRefs: [svc()] }] });
    expect(() => Testing.synth(a.chart)).toThrow(/parent gateway "test\/gw" has no listener named "https"; use one of "http" or add the listener/);
    const b = setup();
    new HttpRoute(b.chart, 'a', { parentRefs: [ParentRef.fromGateway(b.gateway, { port: 443 })], rules: [{ backendRefs: [svc()] }] });
    expect(() => Testing.synth(b.chart)).toThrow(/parent gateway "test\/gw" has no listener on port 443; use one of its ports \(80\)/);
  });

  test('a route without parentRefs synthesizes with a warning', () => {
    const { chart } = setup();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    new HttpRoute(chart, 'lonely', { metadata: { name: 'lonely' }, rules: [{ backendRefs: [svc()] }] });
    try {
      expect(routes(chart)[0].spec.parentRefs).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/test\/lonely: the route has no parentRefs, so no gateway serves it/));
    } finally {
      warn.mockRestore();
    }
  });
});

describe('attachment to an in-app gateway', () => {
  const svc = () => BackendRef.fromName('svc', { port: 80 });

  test('fails when no selected listener serves one of the route hostnames', () => {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { gatewayClassName: 'c', listeners: [Listener.http({ name: 'web', hostname: '*.example.com' }), Listener.http({ name: 'shop', port: 8080, hostname: 'shop.example.net' })] });
    new HttpRoute(chart, 'route', { hostnames: ['api.example.org'], parentRefs: [ParentRef.fromGateway(gw)], rules: [{ backendRefs: [svc()] }] });
    expect(() => Testing.synth(chart)).toThrow(/test\/route: no listener of parent gateway "test\/gw" accepts this route: listener "web" serves hostname "\*.example.com", which none of the route's hostnames \("api.example.org"\) matches; listener "shop" serves hostname "shop.example.net", which none/);
  });

  test('accepts a route whose hostname matches a wildcard listener, or a wildcard route on an exact listener', () => {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'web', hostname: '*.example.com' }), Listener.http({ name: 'shop', port: 8080, hostname: 'shop.example.net' })] });
    new HttpRoute(chart, 'a', { metadata: { name: 'a' }, hostnames: ['foo.bar.example.com'], parentRefs: [ParentRef.fromGateway(gw, { sectionName: 'web' })], rules: [{ backendRefs: [svc()] }] });
    new HttpRoute(chart, 'b', { metadata: { name: 'b' }, hostnames: ['*.example.net'], parentRefs: [ParentRef.fromGateway(gw, { sectionName: 'shop' })], rules: [{ backendRefs: [svc()] }] });
    expect(routes(chart).length).toBe(2);
  });

  test('fails when the listener only accepts routes from the gateway namespace', () => {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { metadata: { namespace: 'infra' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'web' })] });
    new HttpRoute(chart, 'route', { metadata: { namespace: 'shop' }, parentRefs: [ParentRef.fromGateway(gw)], rules: [{ backendRefs: [svc()] }] });
    expect(() => Testing.synth(chart)).toThrow(/listener "web" only accepts routes from its own namespace "infra", not "shop" \(use AllowedRoutes.all\(\) or AllowedRoutes.fromSelector\(...\)\)/);
  });

  test('accepts a route from another namespace when the listener allows all namespaces', () => {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { metadata: { name: 'gw', namespace: 'infra' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'web', allowedRoutes: AllowedRoutes.all() })] });
    new HttpRoute(chart, 'route', { metadata: { name: 'r', namespace: 'shop' }, parentRefs: [ParentRef.fromGateway(gw)], rules: [{ backendRefs: [svc()] }] });
    expect(routes(chart)[0].spec.parentRefs).toStrictEqual([{ name: 'gw', namespace: 'infra' }]);
  });

  test('fails when the listener does not accept the route kind', () => {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { gatewayClassName: 'c', listeners: [Listener.http({ name: 'grpc', allowedRoutes: AllowedRoutes.same({ kinds: [RouteKind.GRPC_ROUTE] }) })] });
    new HttpRoute(chart, 'route', { parentRefs: [ParentRef.fromGateway(gw)], rules: [{ backendRefs: [svc()] }] });
    expect(() => Testing.synth(chart)).toThrow(/listener "grpc" only accepts GRPCRoute \(add RouteKind for HTTPRoute to its allowedRoutes kinds\)/);
  });
});

describe('regular expression warnings', () => {
  test('warns when a path regular expression is written as a glob', () => {
    const { chart, gateway } = setup();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const route = new HttpRoute(chart, 'route', {
        parentRefs: [ParentRef.fromGateway(gateway)],
        rules: [{ matches: [{ path: PathMatch.regularExpression('/api/*') }, { path: PathMatch.regularExpression('/users/[0-9]+') }], backendRefs: [BackendRef.fromName('a', { port: 80 })] }],
      });
      expect(Annotations.of(route).warnings).toStrictEqual([
        'test/route: the 1st rule added match 1: path regular expression "/api/*" is re2, not a glob: "/*" means zero or more "/" (it does not match "/api/x"); to match anything starting with "/api/" write "/api/.*"',
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('rules that answer every request with an error', () => {
  test('warns about a rule without backends or redirect, and about a rule whose backends all have weight 0', () => {
    const { chart, gateway } = setup();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const route = new HttpRoute(chart, 'route', {
        metadata: { name: 'r' },
        parentRefs: [ParentRef.fromGateway(gateway)],
        rules: [
          { name: 'empty', matches: [{ path: PathMatch.exact('/a') }] },
          { name: 'zero', matches: [{ path: PathMatch.exact('/b') }], backendRefs: [BackendRef.fromName('a', { port: 80, weight: 0 }), BackendRef.fromName('b', { port: 80, weight: 0 })] },
          { name: 'canary', matches: [{ path: PathMatch.exact('/c') }], backendRefs: [BackendRef.fromName('a', { port: 80, weight: 100 }), BackendRef.fromName('b', { port: 80, weight: 0 })] },
          { name: 'redirect', matches: [{ path: PathMatch.exact('/d') }], filters: [HttpRouteFilter.requestRedirect({ scheme: RedirectScheme.HTTPS })] },
        ],
      });
      Testing.synth(chart);
      expect(Annotations.of(route).warnings).toStrictEqual([
        'test/route: rule "empty" has no backendRefs and no requestRedirect, so every request it matches gets a 500; add backendRefs',
        'test/route: every backendRef of rule "zero" has weight 0, so every request it matches gets a 500; give at least one backend a weight above 0',
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});
