/**
 * Match precedence, one test per criterion. Every setup lists the expected winner where "first rule
 * in list order" or "first route in the input" would pick the wrong one.
 */
import { docs, gateway, httpRoute, req, ruleTo } from './helpers';
import { compile } from '../../../src/dataplane/engine/compile';
import { Decision, RouteRequest } from '../../../src/dataplane/engine/model';
import { route } from '../../../src/dataplane/engine/router';

function winner(d: Decision): string {
  if (d.outcome !== 'routed') return d.outcome;
  return d.rule.backends[0]?.ref.name ?? `${d.rule.routeName}#${d.rule.index}`;
}

function routeWith(objects: any[], request: Partial<RouteRequest> & { url?: string }): string {
  return winner(route(compile(docs([gateway(), ...objects])), req(request)));
}

describe('HTTPRoute match precedence', () => {
  test('an Exact path beats a PathPrefix of the same value listed first', () => {
    // GIVEN a prefix rule before an exact rule for the same path
    const r = httpRoute('r', { rules: [ruleTo('prefix', [{ path: { type: 'PathPrefix', value: '/foo/bar' } }]), ruleTo('exact', [{ path: { type: 'Exact', value: '/foo/bar' } }])] });
    // WHEN / THEN the exact rule wins for the exact path; the prefix rule keeps the rest
    expect(routeWith([r], { url: '/foo/bar' })).toBe('exact');
    expect(routeWith([r], { url: '/foo/bar/baz' })).toBe('prefix');
  });

  test('an Exact path beats a longer-prefix rule with more header matches', () => {
    const r = httpRoute('r', {
      rules: [
        ruleTo('prefix', [{ path: { type: 'PathPrefix', value: '/a' }, headers: [{ name: 'x', value: '1' }, { name: 'y', value: '2' }] }]),
        ruleTo('exact', [{ path: { type: 'Exact', value: '/a' } }]),
      ],
    });
    expect(routeWith([r], { url: '/a', headers: { x: '1', y: '2' } })).toBe('exact');
  });

  test('a RegularExpression path ranks between Exact and PathPrefix', () => {
    const r = httpRoute('r', {
      rules: [
        ruleTo('prefix', [{ path: { type: 'PathPrefix', value: '/items/' } }]),
        ruleTo('regex', [{ path: { type: 'RegularExpression', value: '/items/[0-9]+' } }]),
        ruleTo('exact', [{ path: { type: 'Exact', value: '/items/42' } }]),
      ],
    });
    expect(routeWith([r], { url: '/items/7' })).toBe('regex');
    expect(routeWith([r], { url: '/items/42' })).toBe('exact');
    expect(routeWith([r], { url: '/items/x' })).toBe('prefix');
  });

  test('a RegularExpression must match the whole path', () => {
    const r = httpRoute('r', { rules: [ruleTo('regex', [{ path: { type: 'RegularExpression', value: '/v[0-9]' } }])] });
    expect(routeWith([r], { url: '/v1' })).toBe('regex');
    expect(routeWith([r], { url: '/v1/x' })).toBe('not-found');
    expect(routeWith([r], { url: '/x/v1' })).toBe('not-found');
  });

  test('among regexes, the longer pattern wins; literal-prefix indexing does not hide optional characters', () => {
    const r = httpRoute('r', {
      rules: [
        ruleTo('short', [{ path: { type: 'RegularExpression', value: '/ab?c.*' } }]),
        ruleTo('long', [{ path: { type: 'RegularExpression', value: '/a(x|y)?c/[a-z]+' } }]),
        ruleTo('alt', [{ path: { type: 'RegularExpression', value: '/q|/r' } }]),
      ],
    });
    expect(routeWith([r], { url: '/ac/abc' })).toBe('long');
    expect(routeWith([r], { url: '/ac' })).toBe('short');
    expect(routeWith([r], { url: '/abc' })).toBe('short');
    expect(routeWith([r], { url: '/r' })).toBe('alt');
  });

  test('the longest PathPrefix wins regardless of rule order', () => {
    const r = httpRoute('r', { rules: [ruleTo('short', [{ path: { type: 'PathPrefix', value: '/foo' } }]), ruleTo('long', [{ path: { type: 'PathPrefix', value: '/foo/bar' } }])] });
    expect(routeWith([r], { url: '/foo/bar/baz' })).toBe('long');
    expect(routeWith([r], { url: '/foo/barn' })).toBe('short');
  });

  test('PathPrefix matches whole segments; a trailing slash of the prefix is ignored', () => {
    const r = httpRoute('r', { rules: [ruleTo('foo', [{ path: { type: 'PathPrefix', value: '/foo' } }]), ruleTo('bar', [{ path: { type: 'PathPrefix', value: '/bar/' } }])] });
    expect(routeWith([r], { url: '/foo' })).toBe('foo');
    expect(routeWith([r], { url: '/foo/' })).toBe('foo');
    expect(routeWith([r], { url: '/foo/x' })).toBe('foo');
    expect(routeWith([r], { url: '/foobar' })).toBe('not-found');
    expect(routeWith([r], { url: '/bar' })).toBe('bar');
    expect(routeWith([r], { url: '/bar/x' })).toBe('bar');
    expect(routeWith([r], { url: '/barx' })).toBe('not-found');
  });

  test('a method match beats more header matches', () => {
    const r = httpRoute('r', {
      rules: [
        ruleTo('headers', [{ headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] }]),
        ruleTo('method', [{ method: 'GET' }]),
      ],
    });
    expect(routeWith([r], { url: '/', headers: { a: '1', b: '2' } })).toBe('method');
    expect(routeWith([r], { url: '/', method: 'POST', headers: { a: '1', b: '2' } })).toBe('headers');
  });

  test('more header matches beat fewer', () => {
    const r = httpRoute('r', { rules: [ruleTo('one', [{ headers: [{ name: 'a', value: '1' }] }]), ruleTo('two', [{ headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] }])] });
    expect(routeWith([r], { url: '/', headers: { a: '1', b: '2' } })).toBe('two');
    expect(routeWith([r], { url: '/', headers: { a: '1' } })).toBe('one');
  });

  test('a header match beats more query-param matches', () => {
    const r = httpRoute('r', {
      rules: [
        ruleTo('query', [{ queryParams: [{ name: 'p', value: '1' }, { name: 'q', value: '2' }] }]),
        ruleTo('header', [{ headers: [{ name: 'a', value: '1' }] }]),
      ],
    });
    expect(routeWith([r], { url: '/?p=1&q=2', headers: { a: '1' } })).toBe('header');
  });

  test('more query-param matches beat fewer', () => {
    const r = httpRoute('r', { rules: [ruleTo('one', [{ queryParams: [{ name: 'p', value: '1' }] }]), ruleTo('two', [{ queryParams: [{ name: 'p', value: '1' }, { name: 'q', value: '2' }] }])] });
    expect(routeWith([r], { url: '/?q=2&p=1' })).toBe('two');
    expect(routeWith([r], { url: '/?p=1' })).toBe('one');
  });

  test('on a tie, the oldest route by creationTimestamp wins', () => {
    const a = httpRoute('a', { rules: [ruleTo('newer')] }, { creationTimestamp: '2024-05-01T00:00:00Z' });
    const b = httpRoute('b', { rules: [ruleTo('older')] }, { creationTimestamp: '2024-01-01T00:00:00Z' });
    expect(routeWith([a, b], { url: '/' })).toBe('older');
    expect(routeWith([b, a], { url: '/' })).toBe('older');
  });

  test('on a tie without timestamps, namespace/name in alphabetical order wins', () => {
    const z = { ...httpRoute('a', { rules: [ruleTo('z-ns')] }), metadata: { name: 'a', namespace: 'z' } };
    const b = httpRoute('b', { rules: [ruleTo('default-b')] });
    const a = httpRoute('c', { rules: [ruleTo('default-c')] });
    z.spec.parentRefs = [{ name: 'gw', namespace: 'default' }];
    expect(routeWith([z, a, b], { url: '/' })).toBe('default-b');
  });

  test('within a route, the first rule wins a full tie, and any of its matches selects it', () => {
    const r = httpRoute('r', { rules: [ruleTo('first', [{ path: { type: 'PathPrefix', value: '/x' } }, { path: { type: 'PathPrefix', value: '/' } }]), ruleTo('second', [{ path: { type: 'PathPrefix', value: '/' } }])] });
    expect(routeWith([r], { url: '/' })).toBe('first');
    expect(routeWith([r], { url: '/x/1' })).toBe('first');
  });

  test('a longer matching non-wildcard hostname beats a better path match', () => {
    const wild = httpRoute('a-wild', { hostnames: ['*.example.com'], rules: [ruleTo('wild', [{ path: { type: 'Exact', value: '/x' } }])] });
    const exact = httpRoute('b-exact', { hostnames: ['foo.example.com'], rules: [ruleTo('exact-host')] });
    expect(routeWith([wild, exact], { host: 'foo.example.com', url: '/x' })).toBe('exact-host');
    expect(routeWith([wild, exact], { host: 'bar.example.com', url: '/x' })).toBe('wild');
  });

  test('a longer wildcard hostname beats a shorter one, and both beat a route without hostnames', () => {
    const any = httpRoute('a', { rules: [ruleTo('any', [{ path: { type: 'Exact', value: '/x' } }])] });
    const short = httpRoute('b', { hostnames: ['*.com'], rules: [ruleTo('short', [{ path: { type: 'Exact', value: '/x' } }])] });
    const long = httpRoute('c', { hostnames: ['*.example.com'], rules: [ruleTo('long')] });
    expect(routeWith([any, short, long], { host: 'a.example.com', url: '/x' })).toBe('long');
    expect(routeWith([any, short, long], { host: 'a.other.com', url: '/x' })).toBe('short');
    expect(routeWith([any, short, long], { host: 'a.org', url: '/x' })).toBe('any');
  });

  test('when the most specific hostname has no matching rule, less specific hostnames are tried', () => {
    const exact = httpRoute('a', { hostnames: ['foo.example.com'], rules: [ruleTo('exact-host', [{ path: { type: 'PathPrefix', value: '/a' } }])] });
    const wild = httpRoute('b', { hostnames: ['*.example.com'], rules: [ruleTo('wild', [{ path: { type: 'PathPrefix', value: '/b' } }])] });
    expect(routeWith([exact, wild], { host: 'foo.example.com', url: '/b' })).toBe('wild');
    expect(routeWith([exact, wild], { host: 'foo.example.com', url: '/c' })).toBe('not-found');
  });

  test('the Host is matched case-insensitively and without its port', () => {
    const r = httpRoute('r', { hostnames: ['foo.example.com'], rules: [ruleTo('x')] });
    expect(routeWith([r], { host: 'FOO.Example.COM:8080' })).toBe('x');
    expect(routeWith([r], { host: 'foo.example.com.' })).toBe('x');
    expect(routeWith([r], { host: 'example.com' })).toBe('not-found');
  });
});

describe('HTTPRoute conditions', () => {
  test('header names are case-insensitive, values exact and case-sensitive', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ headers: [{ name: 'X-Version', value: 'Two' }] }])] });
    expect(routeWith([r], { headers: { 'x-version': 'Two' } })).toBe('x');
    expect(routeWith([r], { headers: { 'x-version': 'two' } })).toBe('not-found');
  });

  test('a repeated request header is matched as its values joined with ", "', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ headers: [{ name: 'a', value: '1, 2' }] }])] });
    expect(routeWith([r], { headers: { a: ['1', '2'] } })).toBe('x');
    expect(routeWith([r], { headers: { a: ['1'] } })).toBe('not-found');
  });

  test('only the first of several header matches with an equivalent name counts', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ headers: [{ name: 'a', value: '1' }, { name: 'A', value: '2' }] }])] });
    expect(routeWith([r], { headers: { a: '1' } })).toBe('x');
  });

  test('a RegularExpression header match is RE2 over the whole value', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ headers: [{ name: 'a', type: 'RegularExpression', value: 'v[0-9]+' }] }])] });
    expect(routeWith([r], { headers: { a: 'v12' } })).toBe('x');
    expect(routeWith([r], { headers: { a: 'xv12' } })).toBe('not-found');
    expect(routeWith([r], {})).toBe('not-found');
  });

  test('query params: names case-sensitive, first value counts, values percent-decoded', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ queryParams: [{ name: 'q', value: 'a b/c' }] }])] });
    expect(routeWith([r], { url: '/?q=a%20b%2Fc' })).toBe('x');
    expect(routeWith([r], { url: '/?q=a%20b%2Fc&q=zzz' })).toBe('x');
    expect(routeWith([r], { url: '/?q=zzz&q=a%20b%2Fc' })).toBe('not-found');
    expect(routeWith([r], { url: '/?Q=a%20b%2Fc' })).toBe('not-found');
    expect(routeWith([r], { url: '/?q=a+b%2Fc' })).toBe('not-found');
  });

  test('method matching is exact (HEAD is not GET)', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ method: 'GET' }])] });
    expect(routeWith([r], { method: 'GET' })).toBe('x');
    expect(routeWith([r], { method: 'HEAD' })).toBe('not-found');
  });

  test('the path is matched as received: no decoding, case-sensitive', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ path: { type: 'Exact', value: '/a b' } }, { path: { type: 'Exact', value: '/Caps' } }])] });
    expect(routeWith([r], { url: '/a%20b' })).toBe('not-found');
    expect(routeWith([r], { url: '/caps' })).toBe('not-found');
    expect(routeWith([r], { url: '/Caps' })).toBe('x');
  });

  test('the matched PathPrefix is reported for ReplacePrefixMatch', () => {
    const r = httpRoute('r', { rules: [ruleTo('x', [{ path: { type: 'PathPrefix', value: '/api/' } }])] });
    const d = route(compile(docs([gateway(), r])), req({ url: '/api/v1' }));
    expect(d.outcome === 'routed' && d.matchedPathPrefix).toBe('/api/');
  });
});
