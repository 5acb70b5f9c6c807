import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BackendRef, CanaryRoute, CanarySplit, HeaderMatch, HttpPathModifier, HttpRoute, HttpRouteFilter, ParentRef, PathMatch, PathMatchType, PathRoutes,
  QueryParamMatch,
} from '../src';

// A factory does not throw: the construct that uses its value throws the problem with its path and the place of the
// value. Each check uses the value in a new HTTPRoute `test/route` and expects the message to start with that place.
function failsAt(where: string, use: (route: HttpRoute) => void, message: RegExp): void {
  const route = new HttpRoute(Testing.chart(), 'route');
  const escaped = where.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(() => use(route)).toThrow(new RegExp(`^test/route: ${escaped}: ${message.source}`));
}

const failsWhereUsed = {
  path: (path: PathMatch, message: RegExp) => failsAt('the 1st rule added match 1', (r) => r.addRule({ matches: [{ path }] }), message),
  header: (h: HeaderMatch, message: RegExp) => failsAt('the 1st rule added match 1: header 1', (r) => r.addRule({ matches: [{ headers: [h] }] }), message),
  query: (q: QueryParamMatch, message: RegExp) => failsAt('the 1st rule added match 1: query parameter 1', (r) => r.addRule({ matches: [{ queryParams: [q] }] }), message),
  filter: (f: HttpRouteFilter, message: RegExp) => failsAt('the 1st rule added: filter 1', (r) => r.addRule({ filters: [f] }), message),
  pathModifier: (path: HttpPathModifier, message: RegExp) =>
    failsAt('the 1st rule added: filter 1: url rewrite path', (r) => r.addRule({ filters: [HttpRouteFilter.urlRewrite({ path })] }), message),
  backend: (b: BackendRef, message: RegExp) => failsAt('the 1st rule added: backendRef 1', (r) => r.addRule({ backendRefs: [b] }), message),
  parent: (p: ParentRef, message: RegExp) => failsAt('parentRef 1', (r) => r.addParentRef(p), message),
};

describe('factory problems', () => {
  test('a factory records the problem instead of throwing, and the construct that uses the value throws it', () => {
    // GIVEN a backend with port 0, made outside any construct
    const bad = BackendRef.fromName('web', { port: 0 });
    // WHEN a route rule uses it
    const route = new HttpRoute(Testing.chart(), 'route');
    // THEN the error names the route's path, the rule, the backendRef, the bad value and the fix
    expect(() => route.addRule({ backendRefs: [bad] }))
      .toThrow('test/route: the 1st rule added: backendRef 1: backend "web" port 0 must be an integer from 1 to 65535 (a tcp port number)');
  });

  test('fails where used for a problem nested in another value: a mirror backend, a backend filter, a copy', () => {
    // GIVEN values that hold a bad value
    const badPort = BackendRef.fromName('shadow', { port: 0 });
    const mirror = HttpRouteFilter.requestMirror({ backend: badPort });
    const filtered = BackendRef.fromName('web', { port: 80, filters: [HttpRouteFilter.requestHeaderModifier({})] });
    // WHEN routes use them, THEN the messages name the outer value and the inner one
    failsWhereUsed.filter(mirror, /request mirror backend: backend "shadow" port 0 must be an integer from 1 to 65535/);
    failsWhereUsed.backend(filtered, /backend "web" filter 1: request header modifier changes nothing/);
    // AND a copy with another weight keeps the problem of the original
    failsWhereUsed.backend(badPort.withWeight(5), /backend "shadow" port 0 must be an integer/);
  });

  test('fails where used in a routing pattern, with the pattern\'s path and the prop', () => {
    // GIVEN a canary whose stable backend has port 0
    const chart = Testing.chart();
    // WHEN the pattern is built, THEN the error names the pattern and the prop
    expect(() => new CanaryRoute(chart, 'canary', {
      stable: BackendRef.fromName('stable', { port: 0 }),
      canary: BackendRef.fromName('canary', { port: 80 }),
      split: CanarySplit.percent(10),
    })).toThrow(/^test\/canary: stable: backend "stable" port 0 must be an integer from 1 to 65535/);
    expect(() => new PathRoutes(chart, 'paths', { paths: [{ path: PathMatch.exact('api'), backendRefs: [BackendRef.fromName('a', { port: 80 })] }] }))
      .toThrow(/^test\/paths: exact path "api" must start with "\/"/);
  });
});

describe('PathMatch', () => {
  test('factories keep type and value', () => {
    expect([PathMatch.exact('/a').type, PathMatch.pathPrefix('/a').type, PathMatch.regularExpression('/a/.*').type])
      .toStrictEqual([PathMatchType.EXACT, PathMatchType.PATH_PREFIX, PathMatchType.REGULAR_EXPRESSION]);
    expect(PathMatch.pathPrefix('/a%20b/~x').value).toBe('/a%20b/~x');
  });

  test('fails when an exact or prefix path does not start with "/"', () => {
    failsWhereUsed.path(PathMatch.pathPrefix('api'), /prefix path "api" must start with "\/" \(e.g. "\/api"\)/);
    failsWhereUsed.path(PathMatch.exact('api'), /exact path "api" must start with "\/"/);
  });

  test.each(['/a//b', '/a/./b', '/a/../b', '/a%2fb', '/a%2Fb', '/a#b'])('fails when a path contains a forbidden sequence: %s', (p) => {
    failsWhereUsed.path(PathMatch.pathPrefix(p), /prefix path ".*" must not contain ".*": write the normalized path the gateway will see/);
  });

  test.each(['/a/..', '/a/.'])('fails when a path ends with a dot segment: %s', (p) => {
    failsWhereUsed.path(PathMatch.exact(p), /exact path ".*" must not end with "\/\.\.?": write the normalized path the gateway will see/);
  });

  test('fails when a path has characters not allowed in a url path', () => {
    failsWhereUsed.path(PathMatch.exact('/a b'), /exact path "\/a b" contains characters not allowed in a url path; percent-encode them/);
    failsWhereUsed.path(PathMatch.exact('/a%zz'), /exact path "\/a%zz" contains characters not allowed in a url path/);
  });

  test('fails when a path is longer than 1024 characters or empty', () => {
    failsWhereUsed.path(PathMatch.pathPrefix('/' + 'a'.repeat(1024)), /path value ".*\.\.\." must be 1 to 1024 characters long \(it has 1025\)/);
    failsWhereUsed.path(PathMatch.regularExpression(''), /path value "" must be 1 to 1024 characters long/);
  });

  test('fails on an invalid re2 regular expression (e.g. a lookahead)', () => {
    failsWhereUsed.path(PathMatch.regularExpression('/(?=a)'), /path regular expression "\/\(\?=a\)" is not a valid re2 regular expression .*avoid lookarounds and backreferences/);
  });
});

describe('HeaderMatch and QueryParamMatch', () => {
  test('fails on an invalid header or query parameter name', () => {
    failsWhereUsed.header(HeaderMatch.exact('x version', '1'), /header name "x version" must be an rfc 7230 token of 1 to 256 characters/);
    failsWhereUsed.header(HeaderMatch.exact('h'.repeat(257), '1'), /header name ".*" must be an rfc 7230 token/);
    failsWhereUsed.query(QueryParamMatch.exact('a:b', '1'), /query parameter name "a:b" must be an rfc 7230 token/);
  });

  test('fails on an empty or too long value', () => {
    failsWhereUsed.header(HeaderMatch.exact('x', ''), /header "x" value "" must be 1 to 4096 characters long/);
    failsWhereUsed.query(QueryParamMatch.exact('q', 'v'.repeat(1025)), /query parameter "q" value ".*" must be 1 to 1024 characters long \(it has 1025\)/);
  });

  test('fails on an invalid regular expression', () => {
    failsWhereUsed.header(HeaderMatch.regularExpression('x', '('), /header "x" regular expression "\(" is not a valid re2 regular expression/);
    failsWhereUsed.query(QueryParamMatch.regularExpression('q', 'a{2,1}'), /query parameter "q" regular expression "a\{2,1\}" is not a valid re2 regular expression/);
  });
});

describe('HttpRouteFilter', () => {
  test('fails on a redirect status code the gateway api does not allow', () => {
    failsWhereUsed.filter(HttpRouteFilter.requestRedirect({ statusCode: 304 }), /request redirect status code 304 is not allowed; use one of 301, 302, 303, 307, 308/);
    expect(HttpRouteFilter.requestRedirect({ statusCode: 308 }).type).toBe('RequestRedirect');
  });

  test('fails on a redirect or rewrite hostname with a wildcard, or an invalid redirect port', () => {
    failsWhereUsed.filter(HttpRouteFilter.requestRedirect({ hostname: '*.example.com' }), /request redirect hostname "\*.example.com" must be a lowercase rfc 1123 hostname .*wildcards are not allowed here/);
    failsWhereUsed.filter(HttpRouteFilter.urlRewrite({ hostname: 'Example.com' }), /url rewrite hostname "Example.com" must be a lowercase rfc 1123 hostname/);
    failsWhereUsed.filter(HttpRouteFilter.requestRedirect({ port: 70000 }), /request redirect port 70000 must be an integer from 1 to 65535/);
  });

  test('fails on a url rewrite that changes nothing', () => {
    failsWhereUsed.filter(HttpRouteFilter.urlRewrite({}), /url rewrite changes nothing: give a hostname, a path or both/);
  });

  test('fails on a path modifier longer than 1024 characters', () => {
    failsWhereUsed.pathModifier(HttpPathModifier.replaceFullPath('/' + 'a'.repeat(1024)), /replaceFullPath ".*" must be 0 to 1024 characters long \(it has 1025\)/);
  });

  test('fails on a header modifier that changes nothing, names a header twice, or has too many headers', () => {
    failsWhereUsed.filter(HttpRouteFilter.requestHeaderModifier({}), /request header modifier changes nothing: give at least one of set, add or remove/);
    failsWhereUsed.filter(HttpRouteFilter.requestHeaderModifier({ set: { 'X-A': '1', 'x-a': '2' } }), /request header modifier set names header "X-A" twice \(as "X-A" and "x-a"\); header names are case-insensitive, keep one/);
    failsWhereUsed.filter(HttpRouteFilter.responseHeaderModifier({ remove: ['a', 'A'] }), /response header modifier remove names header "A" twice/);
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`h${i}`, 'v']));
    failsWhereUsed.filter(HttpRouteFilter.requestHeaderModifier({ add: many }), /request header modifier add has 17 headers; at most 16 are allowed/);
    failsWhereUsed.filter(HttpRouteFilter.requestHeaderModifier({ remove: Object.keys(many) }), /request header modifier remove has 17 headers; at most 16 are allowed/);
  });

  test('fails on an invalid header modifier name or value', () => {
    failsWhereUsed.filter(HttpRouteFilter.requestHeaderModifier({ set: { 'bad name': 'v' } }), /request header modifier set header name "bad name" must be an rfc 7230 token/);
    failsWhereUsed.filter(HttpRouteFilter.requestHeaderModifier({ set: { x: '' } }), /request header modifier set header "x" value "" must be 1 to 4096 characters long/);
  });

  test('fails on a mirror with both percent and fraction, a bad percent, or a fraction above 1', () => {
    const backend = BackendRef.fromName('shadow', { port: 80 });
    failsWhereUsed.filter(HttpRouteFilter.requestMirror({ backend, percent: 10, fraction: { numerator: 1 } }), /request mirror sets both percent \(10\) and fraction; set only one of them/);
    failsWhereUsed.filter(HttpRouteFilter.requestMirror({ backend, percent: 101 }), /request mirror percent 101 must be an integer from 0 to 100/);
    failsWhereUsed.filter(HttpRouteFilter.requestMirror({ backend, fraction: { numerator: 3, denominator: 2 } }), /request mirror fraction 3\/2: the numerator must be less than or equal to the denominator/);
    failsWhereUsed.filter(HttpRouteFilter.requestMirror({ backend, fraction: { numerator: 1, denominator: 0 } }), /request mirror fraction denominator 0 must be an integer from 1 to 2147483647/);
    failsWhereUsed.filter(HttpRouteFilter.requestMirror({ backend, fraction: { numerator: -1 } }), /request mirror fraction numerator -1 must be an integer from 0 to 2147483647/);
  });

  test('fails on a mirror backend with a weight or filters', () => {
    failsWhereUsed.filter(HttpRouteFilter.requestMirror({ backend: BackendRef.fromName('shadow', { port: 80, weight: 1 }) }), /request mirror backend "shadow" has a weight \(1\); a mirror sends copies, so leave the weight out/);
    const filters = [HttpRouteFilter.requestHeaderModifier({ remove: ['x'] })];
    failsWhereUsed.filter(HttpRouteFilter.requestMirror({ backend: BackendRef.fromName('shadow', { port: 80, filters }) }), /request mirror backend "shadow" has filters; a mirror backend cannot have filters/);
  });
});

describe('BackendRef', () => {
  test('fromService uses the only port, or checks the given port against the service ports', () => {
    const chart = Testing.chart();
    const one = new kplus.Service(chart, 'one', { metadata: { name: 'one', namespace: 'apps' }, ports: [{ port: 8080 }] });
    const two = new kplus.Service(chart, 'two', { metadata: { name: 'two' }, ports: [{ port: 80 }, { port: 9090 }] });
    expect([BackendRef.fromService(one).port, BackendRef.fromService(one).namespace]).toStrictEqual([8080, 'apps']);
    expect(BackendRef.fromService(two, { port: 9090 }).port).toBe(9090);
    failsWhereUsed.backend(BackendRef.fromService(two), /backend service "two" has ports 80, 9090; pass the port to use, e.g. BackendRef.fromService\(service, \{ port: 80 \}\)/);
    failsWhereUsed.backend(BackendRef.fromService(two, { port: 81 }), /backend service "two" has no port 81; use one of its ports \(80, 9090\)/);
    const none = new kplus.Service(chart, 'none', { metadata: { name: 'none' } });
    failsWhereUsed.backend(BackendRef.fromService(none), /backend service "none" has no ports; pass the port to use, .* after adding it to the service/);
  });

  test('withWeight returns a copy with another weight', () => {
    const a = BackendRef.fromName('a', { port: 80 });
    const b = a.withWeight(10);
    expect([a.weight, b.weight, b.name, b.port]).toStrictEqual([undefined, 10, 'a', 80]);
  });

  test.each([-1, 1.5, 1_000_001])('fails on weight %p', (weight) => {
    failsWhereUsed.backend(BackendRef.fromName('a', { port: 80, weight }), /backend "a" weight .* must be an integer from 0 to 1000000 \(weights are relative shares, e.g. 90 and 10\)/);
  });

  test('fails on an invalid port, name or namespace', () => {
    failsWhereUsed.backend(BackendRef.fromName('a', { port: 0 }), /backend "a" port 0 must be an integer from 1 to 65535/);
    failsWhereUsed.backend(BackendRef.fromName('', { port: 80 }), /backend name "" must be 1 to 253 characters long/);
    failsWhereUsed.backend(BackendRef.fromName('a', { port: 80, namespace: 'A' }), /backend "a" namespace "A" must be a kubernetes namespace name/);
  });

  test('fromResource references other kinds and requires a port for a core Service', () => {
    const ref = BackendRef.fromResource({ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'api', port: 80 });
    expect([ref.group, ref.kind, ref.name]).toStrictEqual(['multicluster.x-k8s.io', 'ServiceImport', 'api']);
    failsWhereUsed.backend(BackendRef.fromResource({ group: '', kind: 'Service', name: 'api' }), /backend service "api" has no port; a Service backend must have a port/);
    failsWhereUsed.backend(BackendRef.fromResource({ group: 'x', kind: 'not a kind', name: 'api' }), /backend kind "not a kind" must be a kubernetes kind/);
  });
});

describe('ParentRef', () => {
  test('fails on an invalid name, namespace, sectionName or port', () => {
    failsWhereUsed.parent(ParentRef.named(''), /parent gateway name "" must be 1 to 253 characters long/);
    failsWhereUsed.parent(ParentRef.named('gw', { namespace: 'In_Fra' }), /parent gateway "gw" namespace "In_Fra" must be a kubernetes namespace name/);
    failsWhereUsed.parent(ParentRef.named('gw', { sectionName: 'HTTPS' }), /parent gateway "gw" sectionName "HTTPS" must be a lowercase rfc 1123 subdomain/);
    failsWhereUsed.parent(ParentRef.named('gw', { port: 65536 }), /parent gateway "gw" port 65536 must be an integer from 1 to 65535/);
  });
});
