/**
 * compile: input handling, backend resolution, filters, timeouts, retry, and every ConfigError.
 */
import { docs, gateway, httpRoute, req, ruleTo, yamlDocs } from './helpers';
import { compile } from '../../../src/dataplane/engine/compile';
import { CompiledRule, CompiledTable } from '../../../src/dataplane/engine/model';
import { route } from '../../../src/dataplane/engine/router';

const svc = (name: string, namespace = 'default', ports: any[] = [{ port: 80 }]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports } });

function onlyRule(table: CompiledTable): CompiledRule {
  const routes = table.gateways[0].ports[0].listeners[0].routes;
  expect(routes).toHaveLength(1);
  return routes[0].rules[0];
}

function ruleOf(objects: any[], options: Parameters<typeof compile>[1] = {}): CompiledRule {
  return onlyRule(compile(docs([gateway(), ...objects]), options));
}

describe('input objects', () => {
  test('objects without a namespace are in default; unknown kinds are ignored', () => {
    const r = httpRoute('r', { rules: [ruleTo('x')] });
    delete r.metadata.namespace;
    const t = compile(docs([gateway(), r, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e' } }]));
    expect(t.gateways[0].ports[0].listeners[0].routes[0].namespace).toBe('default');
  });

  test('v1beta1 HTTPRoute and Gateway are accepted; an unknown apiVersion is ignored with a warning', () => {
    const g = { ...gateway(), apiVersion: 'gateway.networking.k8s.io/v1beta1' };
    const r = { ...httpRoute('r', { rules: [ruleTo('x')] }), apiVersion: 'gateway.networking.k8s.io/v1beta1' };
    const old = { ...httpRoute('old', { rules: [ruleTo('y')] }), apiVersion: 'gateway.networking.k8s.io/v1alpha1' };
    const t = compile(docs([g, r, old]));
    expect(t.gateways[0].ports[0].listeners[0].routes.map((x) => x.name)).toEqual(['r']);
    expect(t.warnings[0]).toEqual({ where: 'test.yaml:3:apiVersion', message: expect.stringMatching(/v1alpha1" is ignored/) });
  });

  test('--gateway selects Gateways; NAME alone means default/NAME', () => {
    const t = compile(docs([gateway(undefined, 'a'), gateway(undefined, 'b'), gateway(undefined, 'c', 'other')]), { gateways: ['b', 'other/c'] });
    expect(t.gateways.map((g) => g.key)).toEqual(['default/b', 'other/c']);
    expect(t.sockets.map((s) => `${s.gateway}:${s.port}`)).toEqual(['default/b:80', 'other/c:80']);
  });

  test('fails when --gateway names a Gateway not in the input', () => {
    expect(() => compile(docs([gateway()]), { gateways: ['default/nope'] })).toThrow(/^\(arguments\):--gateway: gateway "default\/nope" is not in the input \(gateways found: default\/gw\)/);
  });

  test('fails on duplicate objects, naming both places', () => {
    expect(() => compile(docs([gateway(), httpRoute('r', {}), httpRoute('r', {})], 'a.yaml')))
      .toThrow(/^a\.yaml:3:metadata\.name: duplicate HTTPRoute "default\/r": also defined at a\.yaml:2/);
  });

  test('fails on a document that is not an object, and on an object without a name', () => {
    expect(() => compile(docs(['text'], 'a.yaml'))).toThrow(/^a\.yaml:1: document is not an object/);
    expect(() => compile(docs([{ apiVersion: 'v1', kind: 'Service', metadata: {} }], 'a.yaml'))).toThrow(/^a\.yaml:1:metadata\.name: Service has no metadata\.name/);
  });

  test('fails on a field of the wrong type, with the YAML line', () => {
    const text = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: x
  listeners: [{name: a, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: {path: {value: /x}}
`;
    expect(() => compile(yamlDocs(text))).toThrow(/^routes\.yaml:2:spec\.rules\[0\]\.matches: must be a list, got a map \(line 14\)$/);
  });

  test('fails on a regex that does not compile, naming the field (path, header, query, gRPC method)', () => {
    const bad = (match: any) => () => compile(docs([gateway(), httpRoute('r', { rules: [ruleTo('x', [match])] })], 'r.yaml'));
    expect(bad({ path: { type: 'RegularExpression', value: '/(a' } })).toThrow(/^r\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.path\.value: invalid regular expression "\/\(a" \(RE2 syntax\): .*missing closing \)/);
    expect(bad({ headers: [{ name: 'a', type: 'RegularExpression', value: '[' }] })).toThrow(/^r\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.value: invalid regular expression/);
    expect(bad({ queryParams: [{ name: 'a', type: 'RegularExpression', value: '(?<=x)' }] })).toThrow(/^r\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.queryParams\[0\]\.value: invalid regular expression/);
    const g = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'g' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ method: { type: 'RegularExpression', service: 'a', method: '*' } }] }] } };
    expect(() => compile(docs([gateway(), g], 'g.yaml'))).toThrow(/^g\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.method\.method: invalid regular expression "\*"/);
  });

  test('fails on an Exact or PathPrefix path that does not start with "/"', () => {
    expect(() => compile(docs([gateway(), httpRoute('r', { rules: [ruleTo('x', [{ path: { type: 'Exact', value: 'x' } }])] })], 'r.yaml')))
      .toThrow(/^r\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.path\.value: path "x" must start with "\/"/);
  });

  test('fails on a malformed duration, naming the field', () => {
    expect(() => compile(docs([gateway(), httpRoute('r', { rules: [ruleTo('x', undefined, { timeouts: { request: '1.5s' } })] })], 'r.yaml')))
      .toThrow(/^r\.yaml:2:spec\.rules\[0\]\.timeouts\.request: invalid duration "1\.5s"/);
  });

  test('fails on an invalid creationTimestamp', () => {
    expect(() => compile(docs([gateway(), httpRoute('r', {}, { creationTimestamp: 'yesterday' })], 'r.yaml'))).toThrow(/^r\.yaml:2:metadata\.creationTimestamp: not an RFC 3339 time/);
  });

  test('a route without rules matches everything and answers 500', () => {
    const t = compile(docs([gateway(), httpRoute('r', {})]));
    const d = route(t, req({ url: '/anything' }));
    expect(d.outcome === 'routed' && d.rule.directResponse).toEqual({ status: 500, reason: 'the rule has no backendRefs' });
  });
});

describe('backend resolution', () => {
  test('without Services in the input and without a map, Services resolve by DNS name', () => {
    const rule = ruleOf([httpRoute('r', { rules: [ruleTo('api')] })]);
    expect(rule.backends[0].target).toEqual({ endpoints: [{ host: 'api.default.svc', port: 80 }], protocol: 'http1' });
  });

  test('with Services in the input, a ref to a missing Service is BackendNotFound and a missing port UnresolvedBackend', () => {
    const rule = ruleOf([svc('api'), httpRoute('r', { rules: [{ backendRefs: [{ name: 'nope', port: 80 }, { name: 'api', port: 81 }, { name: 'api', port: 80 }] }] })]);
    expect(rule.backends.map((b) => b.invalid?.reason)).toEqual(['BackendNotFound', 'UnresolvedBackend', undefined]);
  });

  test('a backendRef of another kind is InvalidKind; one without port is UnresolvedBackend', () => {
    const rule = ruleOf([httpRoute('r', { rules: [{ backendRefs: [{ group: 'example.com', kind: 'Thing', name: 'x', port: 80 }, { name: 'api' }] }] })]);
    expect(rule.backends.map((b) => b.invalid?.reason)).toEqual(['InvalidKind', 'UnresolvedBackend']);
  });

  test('with a backends map, endpoints come from the map; refs not in it are invalid', () => {
    const backends = new Map([['default/api:80', [{ host: '127.0.0.1', port: 3000 }, { host: '127.0.0.1', port: 3001 }]]]);
    const rule = ruleOf([svc('other'), httpRoute('r', { rules: [{ backendRefs: [{ name: 'api', port: 80 }, { name: 'other', port: 80 }, { name: 'gone', port: 80 }] }] })], { backends });
    expect(rule.backends[0].target?.endpoints).toEqual([{ host: '127.0.0.1', port: 3000 }, { host: '127.0.0.1', port: 3001 }]);
    expect(rule.backends.slice(1).map((b) => b.invalid?.reason)).toEqual(['UnresolvedBackend', 'BackendNotFound']);
  });

  test('rules naming the same backend share one ref and one target; other backends keep their own', () => {
    // GIVEN two routes with rules to api:80 and one rule to web:80
    const backends = new Map([['default/api:80', [{ host: '127.0.0.1', port: 3000 }]], ['default/web:80', [{ host: '127.0.0.1', port: 3001 }]]]);
    const objects = [gateway(), httpRoute('a', { rules: [ruleTo('api'), ruleTo('web')] }), httpRoute('b', { rules: [ruleTo('api', [{ path: { value: '/b' } }])] })];

    // WHEN
    const [a, b] = compile(docs(objects), { backends }).gateways[0].ports[0].listeners[0].routes;

    // THEN
    const [api1, web] = a.rules.map((r) => r.backends[0]);
    const api2 = b.rules[0].backends[0];
    expect(api2.ref).toBe(api1.ref);
    expect(api2.target).toBe(api1.target);
    expect(api1.target).toStrictEqual({ endpoints: [{ host: '127.0.0.1', port: 3000 }], protocol: 'http1' });
    expect(web.ref).not.toBe(api1.ref);
    expect(web.target).toStrictEqual({ endpoints: [{ host: '127.0.0.1', port: 3001 }], protocol: 'http1' });
    // empty lists are shared and cannot be changed
    expect(api1.filters).toStrictEqual([]);
    expect(Object.isFrozen(api1.filters) && Object.isFrozen(b.rules[0].matches[0].headers)).toBe(true);
  });

  test('appProtocol of the Service port selects h2c or ws', () => {
    const s = svc('api', 'default', [{ port: 80 }, { port: 81, appProtocol: 'kubernetes.io/h2c' }, { port: 82, appProtocol: 'kubernetes.io/ws' }]);
    const rule = ruleOf([s, httpRoute('r', { rules: [{ backendRefs: [80, 81, 82].map((port) => ({ name: 'api', port })) }] })]);
    expect(rule.backends.map((b) => b.target?.protocol)).toEqual(['http1', 'h2c', 'ws']);
  });

  describe('ReferenceGrant', () => {
    const crossRef = httpRoute('r', { rules: [{ backendRefs: [{ name: 'web', namespace: 'web', port: 80 }] }] });
    const grant = (spec: any, namespace = 'web') => ({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: `g${Math.random()}`.replace('.', ''), namespace }, spec });
    const good = { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }], to: [{ group: '', kind: 'Service' }] };

    test('a cross-namespace backendRef without a grant is RefNotPermitted', () => {
      expect(ruleOf([crossRef]).backends[0].invalid?.reason).toBe('RefNotPermitted');
    });

    test('a matching grant (with or without to.name) permits it', () => {
      expect(ruleOf([crossRef, grant(good)]).backends[0].invalid).toBeUndefined();
      expect(ruleOf([crossRef, grant({ ...good, to: [{ group: '', kind: 'Service', name: 'web' }] })]).backends[0].invalid).toBeUndefined();
    });

    test.each([
      ['grant in the wrong namespace', grant(good, 'default')],
      ['wrong from.group', grant({ ...good, from: [{ ...good.from[0], group: 'x' }] })],
      ['wrong from.kind', grant({ ...good, from: [{ ...good.from[0], kind: 'GRPCRoute' }] })],
      ['wrong from.namespace', grant({ ...good, from: [{ ...good.from[0], namespace: 'other' }] })],
      ['wrong to.group', grant({ ...good, to: [{ group: 'apps', kind: 'Service' }] })],
      ['wrong to.kind', grant({ ...good, to: [{ group: '', kind: 'Secret' }] })],
      ['wrong to.name', grant({ ...good, to: [{ group: '', kind: 'Service', name: 'other' }] })],
    ])('a grant with %s does not permit it', (_name, g) => {
      expect(ruleOf([crossRef, g]).backends[0].invalid?.reason).toBe('RefNotPermitted');
    });

    test('a RequestMirror backendRef needs a grant too', () => {
      const r = httpRoute('r', { rules: [ruleTo('x', undefined, { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'web', namespace: 'web', port: 80 } } }] })] });
      const f = ruleOf([r]).filters[0];
      expect(f.type === 'RequestMirror' && f.backend.invalid?.reason).toBe('RefNotPermitted');
      const f2 = ruleOf([r, grant(good)]).filters[0];
      expect(f2.type === 'RequestMirror' && f2.backend.invalid).toBeUndefined();
    });
  });
});

describe('filters and rule settings', () => {
  test('every filter type compiles to its model form', () => {
    const r = httpRoute('r', {
      rules: [ruleTo('x', undefined, {
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-A', value: '1' }], add: [{ name: 'x-b', value: '2' }], remove: ['X-C'] } },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-d', value: '3' }] } },
          { type: 'URLRewrite', urlRewrite: { hostname: 'h.example', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } },
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 80 }, fraction: { numerator: 1, denominator: 4 } } },
          { type: 'CORS', cors: { allowOrigins: ['https://a.com'], allowMethods: ['GET'], allowCredentials: true } },
        ],
      })],
    });
    const rule = ruleOf([r]);
    expect(rule.filters[0]).toEqual({ type: 'RequestHeaderModifier', set: [['X-A', '1']], add: [['x-b', '2']], remove: ['x-c'] });
    expect(rule.filters[1]).toEqual({ type: 'ResponseHeaderModifier', set: [], add: [['x-d', '3']], remove: [] });
    expect(rule.filters[2]).toEqual({ type: 'URLRewrite', hostname: 'h.example', path: { type: 'ReplacePrefixMatch', value: '/new' } });
    expect(rule.filters[3]).toMatchObject({ type: 'RequestMirror', fraction: 0.25, backend: { ref: { name: 'm', port: 80 } } });
    expect(rule.filters[4]).toEqual({ type: 'CORS', allowOrigins: ['https://a.com'], allowMethods: ['GET'], allowHeaders: [], exposeHeaders: [], maxAge: 5, allowCredentials: true });
    expect(rule.directResponse).toBeUndefined();
  });

  test('a redirect-only rule needs no backends; statusCode defaults to 302', () => {
    const rule = ruleOf([httpRoute('r', { rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', port: 8443, path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } } }] }] })]);
    expect(rule.filters[0]).toEqual({ type: 'RequestRedirect', scheme: 'https', port: 8443, path: { type: 'ReplaceFullPath', value: '/x' }, statusCode: 302 });
    expect(rule.directResponse).toBeUndefined();
  });

  test('an unsupported filter (ExtensionRef) makes the rule answer 500', () => {
    const rule = ruleOf([httpRoute('r', { rules: [ruleTo('x', undefined, { filters: [{ type: 'ExtensionRef', extensionRef: { group: 'a', kind: 'B', name: 'c' } }] })] })]);
    expect(rule.directResponse).toEqual({ status: 500, reason: 'filter ExtensionRef is not supported by this gateway' });
  });

  test('backendRef filters stay on the backend; weights sum including weight 0 and invalid refs', () => {
    const rule = ruleOf([httpRoute('r', { rules: [{ backendRefs: [{ name: 'a', port: 80, weight: 3, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] } }] }, { name: 'b', port: 80, weight: 0 }, { kind: 'X', name: 'c', port: 80 }] }] })]);
    expect(rule.backends[0].filters).toEqual([{ type: 'RequestHeaderModifier', set: [['x', 'y']], add: [], remove: [] }]);
    expect(rule.totalWeight).toBe(4);
  });

  test('timeouts and experimental retry are kept; "0s" is 0 (disabled)', () => {
    const rule = ruleOf([httpRoute('r', { rules: [ruleTo('x', undefined, { timeouts: { request: '1m30s', backendRequest: '0s' }, retry: { codes: [500, 503], attempts: 3, backoff: '100ms' } })] })]);
    expect(rule.timeouts).toEqual({ requestMs: 90_000, backendRequestMs: 0 });
    expect(rule.retry).toEqual({ codes: [500, 503], attempts: 3, backoffMs: 100 });
  });

  test('the rule name and the route source are kept', () => {
    const rule = ruleOf([httpRoute('r', { rules: [ruleTo('x', undefined, { name: 'named' })] })]);
    expect(rule.name).toBe('named');
    expect(rule.source).toBe('test.yaml:2');
  });
});

describe('every structural error names file:document:field', () => {
  const listener = { name: 'l', port: 80, protocol: 'HTTP' };
  const withRule = (rule: any) => [gateway(), httpRoute('r', { rules: [rule] })];
  const withFilter = (filter: any) => withRule({ filters: [filter], backendRefs: [{ name: 'a', port: 80 }] });
  const grpc = (match: any) => [gateway(), { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'g' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [match] }] } }];
  test.each([
    ['a non-string namespace', [{ ...gateway(), metadata: { name: 'gw', namespace: 5 } }], /^t\.yaml:1:metadata\.namespace: metadata\.namespace must be a string/],
    ['namespace labels that are not a map', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: ['x'] } }], /^t\.yaml:1:metadata\.labels: must be a map, got a list/],
    ['a Service port that is not an object', [svc('s', 'default', [80])], /^t\.yaml:1:spec\.ports\[0\]: a Service port must be an object/],
    ['a Service port without port', [svc('s', 'default', [{ name: 'x' }])], /^t\.yaml:1:spec\.ports\[0\]\.port: is required/],
    ['a listener that is not an object', [gateway(['x'])], /^t\.yaml:1:spec\.listeners\[0\]: a listener must be an object/],
    ['a listener without name', [gateway([{ port: 80, protocol: 'HTTP' }])], /^t\.yaml:1:spec\.listeners\[0\]\.name: is required/],
    ['a listener port that is not an integer', [gateway([{ ...listener, port: '80' }])], /^t\.yaml:1:spec\.listeners\[0\]\.port: must be an integer, got "80"/],
    ['a listener hostname that is not a string', [gateway([{ ...listener, hostname: 5 }])], /^t\.yaml:1:spec\.listeners\[0\]\.hostname: must be a string, got number 5/],
    ['duplicate listener names', [gateway([listener, { ...listener, port: 81 }])], /^t\.yaml:1:spec\.listeners\[1\]\.name: duplicate listener name "l"/],
    ['from: Selector without selector', [gateway([{ ...listener, allowedRoutes: { namespaces: { from: 'Selector' } } }])], /^t\.yaml:1:spec\.listeners\[0\]\.allowedRoutes\.namespaces\.selector: from: Selector needs a selector/],
    ['an unknown selector operator', [gateway([{ ...listener, allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'a', operator: 'Is' }] } } } }])],
      /^t\.yaml:1:spec\.listeners\[0\]\.allowedRoutes\.namespaces\.selector\.matchExpressions\[0\]\.operator: unknown operator "Is"/],
    ['a rule that is not an object', withRule('x'), /^t\.yaml:2:spec\.rules\[0\]: a rule must be an object/],
    ['a match that is not an object', withRule({ matches: [5] }), /^t\.yaml:2:spec\.rules\[0\]\.matches\[0\]: a match must be an object/],
    ['an unknown path match type', withRule({ matches: [{ path: { type: 'Prefix', value: '/' } }] }), /^t\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.path\.type: unknown path match type "Prefix"/],
    ['an unknown header match type', withRule({ matches: [{ headers: [{ name: 'a', value: 'b', type: 'Glob' }] }] }), /^t\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.type: unknown match type "Glob"/],
    ['a header match without value', withRule({ matches: [{ headers: [{ name: 'a' }] }] }), /^t\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.value: is required/],
    ['a GRPCRoute match that is not an object', grpc(null), /^t\.yaml:2:spec\.rules\[0\]\.matches\[0\]: a match must be an object/],
    ['an unknown gRPC method match type', grpc({ method: { type: 'Prefix', service: 'a' } }), /^t\.yaml:2:spec\.rules\[0\]\.matches\[0\]\.method\.type: unknown method match type "Prefix"/],
    ['an unknown path modifier type', withFilter({ type: 'URLRewrite', urlRewrite: { path: { type: 'Replace' } } }), /^t\.yaml:2:spec\.rules\[0\]\.filters\[0\]\.urlRewrite\.path\.type: unknown path modifier type "Replace"/],
    ['a path modifier without its value', withFilter({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath' } } }), /^t\.yaml:2:spec\.rules\[0\]\.filters\[0\]\.urlRewrite\.path\.replaceFullPath: is required/],
    ['an unknown redirect scheme', withRule({ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'ftp' } }] }), /^t\.yaml:2:spec\.rules\[0\]\.filters\[0\]\.requestRedirect\.scheme: unknown scheme "ftp"/],
    ['a mirror fraction above 1', withFilter({ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 80 }, fraction: { numerator: 3, denominator: 2 } } }),
      /^t\.yaml:2:spec\.rules\[0\]\.filters\[0\]\.requestMirror\.fraction: fraction 3\/2 must satisfy/],
    ['a mirror without backendRef name', withFilter({ type: 'RequestMirror', requestMirror: {} }), /^t\.yaml:2:spec\.rules\[0\]\.filters\[0\]\.requestMirror\.backendRef\.name: is required/],
    ['a filter without type', withFilter({}), /^t\.yaml:2:spec\.rules\[0\]\.filters\[0\]\.type: is required/],
    ['a backendRef that is not an object', withRule({ backendRefs: ['a'] }), /^t\.yaml:2:spec\.rules\[0\]\.backendRefs\[0\]: a backendRef must be an object/],
    ['a negative weight', withRule({ backendRefs: [{ name: 'a', port: 80, weight: -1 }] }), /^t\.yaml:2:spec\.rules\[0\]\.backendRefs\[0\]\.weight: weight -1 must be 0 or more/],
    ['a fractional weight', withRule({ backendRefs: [{ name: 'a', port: 80, weight: 0.5 }] }), /^t\.yaml:2:spec\.rules\[0\]\.backendRefs\[0\]\.weight: must be an integer, got 0\.5/],
    ['a malformed retry backoff', withRule({ retry: { codes: [500], backoff: 'soon' }, backendRefs: [{ name: 'a', port: 80 }] }), /^t\.yaml:2:spec\.rules\[0\]\.retry\.backoff: invalid duration "soon"/],
    ['a parentRef without name', [gateway(), httpRoute('r', { parentRefs: [{}] })], /^t\.yaml:2:spec\.parentRefs\[0\]\.name: is required/],
    ['hostnames that are not a list', [gateway(), httpRoute('r', { hostnames: 'a.com' })], /^t\.yaml:2:spec\.hostnames: must be a list, got string "a\.com"/],
  ])('fails on %s', (_name, objects, message) => {
    expect(() => compile(docs(objects as any[], 't.yaml'))).toThrow(message);
  });
});
