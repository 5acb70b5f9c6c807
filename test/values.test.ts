import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BackendRef, HeaderMatch, HttpPathModifier, HttpRouteFilter, ParentRef, PathMatch, PathMatchType, QueryParamMatch,
} from '../src';

describe('PathMatch', () => {
  test('factories keep type and value', () => {
    expect([PathMatch.exact('/a').type, PathMatch.pathPrefix('/a').type, PathMatch.regularExpression('/a/.*').type])
      .toStrictEqual([PathMatchType.EXACT, PathMatchType.PATH_PREFIX, PathMatchType.REGULAR_EXPRESSION]);
    expect(PathMatch.pathPrefix('/a%20b/~x').value).toBe('/a%20b/~x');
  });

  test('fails when an exact or prefix path does not start with "/"', () => {
    expect(() => PathMatch.pathPrefix('api')).toThrow(/prefix path "api" must start with "\/" \(e.g. "\/api"\)/);
    expect(() => PathMatch.exact('api')).toThrow(/exact path "api" must start with "\/"/);
  });

  test.each(['/a//b', '/a/./b', '/a/../b', '/a%2fb', '/a%2Fb', '/a#b'])('fails when a path contains a forbidden sequence: %s', (p) => {
    expect(() => PathMatch.pathPrefix(p)).toThrow(/prefix path ".*" must not contain ".*": write the normalized path the gateway will see/);
  });

  test.each(['/a/..', '/a/.'])('fails when a path ends with a dot segment: %s', (p) => {
    expect(() => PathMatch.exact(p)).toThrow(/exact path ".*" must not end with "\/\.\.?": write the normalized path the gateway will see/);
  });

  test('fails when a path has characters not allowed in a url path', () => {
    expect(() => PathMatch.exact('/a b')).toThrow(/exact path "\/a b" contains characters not allowed in a url path; percent-encode them/);
    expect(() => PathMatch.exact('/a%zz')).toThrow(/contains characters not allowed in a url path/);
  });

  test('fails when a path is longer than 1024 characters or empty', () => {
    expect(() => PathMatch.pathPrefix('/' + 'a'.repeat(1024))).toThrow(/path value ".*\.\.\." must be 1 to 1024 characters long \(it has 1025\)/);
    expect(() => PathMatch.regularExpression('')).toThrow(/path value "" must be 1 to 1024 characters long/);
  });

  test('fails on an invalid re2 regular expression (e.g. a lookahead)', () => {
    expect(() => PathMatch.regularExpression('/(?=a)')).toThrow(/path regular expression "\/\(\?=a\)" is not a valid re2 regular expression .*avoid lookarounds and backreferences/);
  });
});

describe('HeaderMatch and QueryParamMatch', () => {
  test('fails on an invalid header or query parameter name', () => {
    expect(() => HeaderMatch.exact('x version', '1')).toThrow(/header name "x version" must be an rfc 7230 token of 1 to 256 characters/);
    expect(() => HeaderMatch.exact('h'.repeat(257), '1')).toThrow(/header name ".*" must be an rfc 7230 token/);
    expect(() => QueryParamMatch.exact('a:b', '1')).toThrow(/query parameter name "a:b" must be an rfc 7230 token/);
  });

  test('fails on an empty or too long value', () => {
    expect(() => HeaderMatch.exact('x', '')).toThrow(/header "x" value "" must be 1 to 4096 characters long/);
    expect(() => QueryParamMatch.exact('q', 'v'.repeat(1025))).toThrow(/query parameter "q" value ".*" must be 1 to 1024 characters long \(it has 1025\)/);
  });

  test('fails on an invalid regular expression', () => {
    expect(() => HeaderMatch.regularExpression('x', '(')).toThrow(/header "x" regular expression "\(" is not a valid re2 regular expression/);
    expect(() => QueryParamMatch.regularExpression('q', 'a{2,1}')).toThrow(/query parameter "q" regular expression "a\{2,1\}" is not a valid re2 regular expression/);
  });
});

describe('HttpRouteFilter', () => {
  test('fails on a redirect status code the gateway api does not allow', () => {
    expect(() => HttpRouteFilter.requestRedirect({ statusCode: 304 })).toThrow(/request redirect status code 304 is not allowed; use one of 301, 302, 303, 307, 308/);
    expect(HttpRouteFilter.requestRedirect({ statusCode: 308 }).type).toBe('RequestRedirect');
  });

  test('fails on a redirect or rewrite hostname with a wildcard, or an invalid redirect port', () => {
    expect(() => HttpRouteFilter.requestRedirect({ hostname: '*.example.com' })).toThrow(/request redirect hostname "\*.example.com" must be a lowercase rfc 1123 hostname .*wildcards are not allowed here/);
    expect(() => HttpRouteFilter.urlRewrite({ hostname: 'Example.com' })).toThrow(/url rewrite hostname "Example.com" must be a lowercase rfc 1123 hostname/);
    expect(() => HttpRouteFilter.requestRedirect({ port: 70000 })).toThrow(/request redirect port 70000 must be an integer from 1 to 65535/);
  });

  test('fails on a url rewrite that changes nothing', () => {
    expect(() => HttpRouteFilter.urlRewrite({})).toThrow(/url rewrite changes nothing: give a hostname, a path or both/);
  });

  test('fails on a path modifier longer than 1024 characters', () => {
    expect(() => HttpPathModifier.replaceFullPath('/' + 'a'.repeat(1024))).toThrow(/replaceFullPath ".*" must be 0 to 1024 characters long \(it has 1025\)/);
  });

  test('fails on a header modifier that changes nothing, names a header twice, or has too many headers', () => {
    expect(() => HttpRouteFilter.requestHeaderModifier({})).toThrow(/request header modifier changes nothing: give at least one of set, add or remove/);
    expect(() => HttpRouteFilter.requestHeaderModifier({ set: { 'X-A': '1', 'x-a': '2' } })).toThrow(/request header modifier set names header "X-A" twice \(as "X-A" and "x-a"\); header names are case-insensitive, keep one/);
    expect(() => HttpRouteFilter.responseHeaderModifier({ remove: ['a', 'A'] })).toThrow(/response header modifier remove names header "A" twice/);
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`h${i}`, 'v']));
    expect(() => HttpRouteFilter.requestHeaderModifier({ add: many })).toThrow(/request header modifier add has 17 headers; at most 16 are allowed/);
    expect(() => HttpRouteFilter.requestHeaderModifier({ remove: Object.keys(many) })).toThrow(/request header modifier remove has 17 headers; at most 16 are allowed/);
  });

  test('fails on an invalid header modifier name or value', () => {
    expect(() => HttpRouteFilter.requestHeaderModifier({ set: { 'bad name': 'v' } })).toThrow(/request header modifier set header name "bad name" must be an rfc 7230 token/);
    expect(() => HttpRouteFilter.requestHeaderModifier({ set: { x: '' } })).toThrow(/request header modifier set header "x" value "" must be 1 to 4096 characters long/);
  });

  test('fails on a mirror with both percent and fraction, a bad percent, or a fraction above 1', () => {
    const backend = BackendRef.fromName('shadow', { port: 80 });
    expect(() => HttpRouteFilter.requestMirror({ backend, percent: 10, fraction: { numerator: 1 } })).toThrow(/request mirror sets both percent \(10\) and fraction; set only one of them/);
    expect(() => HttpRouteFilter.requestMirror({ backend, percent: 101 })).toThrow(/request mirror percent 101 must be an integer from 0 to 100/);
    expect(() => HttpRouteFilter.requestMirror({ backend, fraction: { numerator: 3, denominator: 2 } })).toThrow(/request mirror fraction 3\/2: the numerator must be less than or equal to the denominator/);
    expect(() => HttpRouteFilter.requestMirror({ backend, fraction: { numerator: 1, denominator: 0 } })).toThrow(/request mirror fraction denominator 0 must be an integer from 1 to 2147483647/);
    expect(() => HttpRouteFilter.requestMirror({ backend, fraction: { numerator: -1 } })).toThrow(/request mirror fraction numerator -1 must be an integer from 0 to 2147483647/);
  });

  test('fails on a mirror backend with a weight or filters', () => {
    expect(() => HttpRouteFilter.requestMirror({ backend: BackendRef.fromName('shadow', { port: 80, weight: 1 }) })).toThrow(/request mirror backend "shadow" has a weight \(1\); a mirror sends copies, so leave the weight out/);
    const filters = [HttpRouteFilter.requestHeaderModifier({ remove: ['x'] })];
    expect(() => HttpRouteFilter.requestMirror({ backend: BackendRef.fromName('shadow', { port: 80, filters }) })).toThrow(/request mirror backend "shadow" has filters; a mirror backend cannot have filters/);
  });
});

describe('BackendRef', () => {
  test('fromService uses the only port, or checks the given port against the service ports', () => {
    const chart = Testing.chart();
    const one = new kplus.Service(chart, 'one', { metadata: { name: 'one', namespace: 'apps' }, ports: [{ port: 8080 }] });
    const two = new kplus.Service(chart, 'two', { metadata: { name: 'two' }, ports: [{ port: 80 }, { port: 9090 }] });
    expect([BackendRef.fromService(one).port, BackendRef.fromService(one).namespace]).toStrictEqual([8080, 'apps']);
    expect(BackendRef.fromService(two, { port: 9090 }).port).toBe(9090);
    expect(() => BackendRef.fromService(two)).toThrow(/backend service "two" has ports 80, 9090; pass the port to use, e.g. BackendRef.fromService\(service, \{ port: 80 \}\)/);
    expect(() => BackendRef.fromService(two, { port: 81 })).toThrow(/backend service "two" has no port 81; use one of its ports \(80, 9090\)/);
    const none = new kplus.Service(chart, 'none', { metadata: { name: 'none' } });
    expect(() => BackendRef.fromService(none)).toThrow(/backend service "none" has no ports; pass the port to use, .* after adding it to the service/);
  });

  test('withWeight returns a copy with another weight', () => {
    const a = BackendRef.fromName('a', { port: 80 });
    const b = a.withWeight(10);
    expect([a.weight, b.weight, b.name, b.port]).toStrictEqual([undefined, 10, 'a', 80]);
  });

  test.each([-1, 1.5, 1_000_001])('fails on weight %p', (weight) => {
    expect(() => BackendRef.fromName('a', { port: 80, weight })).toThrow(/backend "a" weight .* must be an integer from 0 to 1000000 \(weights are relative shares, e.g. 90 and 10\)/);
  });

  test('fails on an invalid port, name or namespace', () => {
    expect(() => BackendRef.fromName('a', { port: 0 })).toThrow(/backend "a" port 0 must be an integer from 1 to 65535/);
    expect(() => BackendRef.fromName('', { port: 80 })).toThrow(/backend name "" must be 1 to 253 characters long/);
    expect(() => BackendRef.fromName('a', { port: 80, namespace: 'A' })).toThrow(/backend "a" namespace "A" must be a kubernetes namespace name/);
  });

  test('fromResource references other kinds and requires a port for a core Service', () => {
    const ref = BackendRef.fromResource({ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'api', port: 80 });
    expect([ref.group, ref.kind, ref.name]).toStrictEqual(['multicluster.x-k8s.io', 'ServiceImport', 'api']);
    expect(() => BackendRef.fromResource({ group: '', kind: 'Service', name: 'api' })).toThrow(/backend service "api" has no port; a Service backend must have a port/);
    expect(() => BackendRef.fromResource({ group: 'x', kind: 'not a kind', name: 'api' })).toThrow(/backend kind "not a kind" must be a kubernetes kind/);
  });
});

describe('ParentRef', () => {
  test('fails on an invalid name, namespace, sectionName or port', () => {
    expect(() => ParentRef.named('')).toThrow(/parent gateway name "" must be 1 to 253 characters long/);
    expect(() => ParentRef.named('gw', { namespace: 'In_Fra' })).toThrow(/parent gateway "gw" namespace "In_Fra" must be a kubernetes namespace name/);
    expect(() => ParentRef.named('gw', { sectionName: 'HTTPS' })).toThrow(/parent gateway "gw" sectionName "HTTPS" must be a lowercase rfc 1123 subdomain/);
    expect(() => ParentRef.named('gw', { port: 65536 })).toThrow(/parent gateway "gw" port 65536 must be an integer from 1 to 65535/);
  });
});
