/**
 * The request-target policy as a pure function, and `explain` / compile applying the same policy as
 * the proxy.
 */
import * as fc from 'fast-check';
import { compile } from '../../src/dataplane/engine/compile';
import { explain } from '../../src/dataplane/engine/describe';
import { checkAuthority, checkRequestTarget, normalizePath } from '../../src/dataplane/engine/path-policy';
import { NS, backendRef, gatewayDoc, routeDoc } from '../dataplane/proxy/helpers';

const docs = (objects: any[]) => objects.map((object, i) => ({ file: 'test.yaml', document: i + 1, object, text: '' })) as any;

describe('checkRequestTarget', () => {
  test.each([
    ['/', '/', ''],
    ['/a/b?x=1&y=%2F', '/a/b', 'x=1&y=%2F'],
    ['/a/./b/../c', '/a/c', ''],
    ['/a/b/..', '/a/', ''],
    ['/a/%2E%2e/b', '/b', ''],
    ['/..', '/', ''],
    ['//a//b//', '/a/b/', ''],
    ['/a//../b', '/b', ''],
    ['/%7Euser/%61', '/~user/a', ''],
    ['/a%3Bb/%C3%A9', '/a%3Bb/%C3%A9', ''],
    ['/a;b=c/d', '/a;b=c/d', ''],
    ['/..a/.b/a..', '/..a/.b/a..', ''],
    ['http://h.example/x/../y?q', '/y', 'q'],
    ['https://h.example', '/', ''],
    ['http://h.example?q=1', '/', 'q=1'],
  ])('%s -> path %s query %s', (target, path, query) => {
    expect(checkRequestTarget('GET', target)).toMatchObject({ ok: true, path, query });
  });

  test('absolute-form gives its authority', () => {
    expect(checkRequestTarget('GET', 'http://h.example:8080/x')).toStrictEqual({ ok: true, path: '/x', query: '', authority: 'h.example:8080' });
  });

  test.each([
    ['GET', 'x/y', 400, /must start with "\/" \(origin-form\) or be an absolute http\(s\) URL/],
    ['GET', '', 400, /has no request-target/],
    ['GET', 'http:///x', 400, /has no host/],
    ['GET', 'http://a b/x', 400, /must start with "\/"|is not a valid host/],
    ['GET', 'http://[zz]/x', 400, /is not a valid host\[:port\]/],
    ['CONNECT', 'h.example:443', 405, /CONNECT is not supported/],
    ['POST', '*', 400, /"\*" is only allowed with OPTIONS \(got POST\)/],
    ['GET', '/a b', 400, /character 0x20, which must be percent-encoded/],
    ['GET', '/a\u00e9', 400, /character 0xE9, which must be percent-encoded/],
    ['GET', '/a\x7f', 400, /character 0x7F/],
    ['GET', '/a?b c', 400, /the query contains the character 0x20/],
    ['GET', '/a?b#c', 400, /contains '#'/],
    ['GET', '/a%2F', 400, /encoded '\/' \(%2F\)/],
    ['GET', '/a%5c', 400, /encoded '\\' \(%5c\)/],
    ['GET', '/a%7F', 400, /encoded control character \(%7F\)/],
    ['GET', '/a%1', 400, /invalid percent-encoding at "%1"/],
    ['GET', '/a/..;/b', 400, /dot-segment with parameters/],
    ['GET', '/a/%2e%2e;x/b', 400, /dot-segment with parameters/],
  ])('fails %s %j with %i', (method, target, status, message) => {
    const v = checkRequestTarget(method, target);
    expect(v).toMatchObject({ ok: false, status });
    expect(!v.ok && v.reason).toMatch(message);
  });

  test('fails a target over the limit with 414', () => {
    const v = checkRequestTarget('GET', `/${'a'.repeat(100)}`, { maxUriBytes: 64 });
    expect(v).toStrictEqual({ ok: false, status: 414, reason: 'the request-target is 101 bytes long, more than the limit of 64' });
  });

  test('OPTIONS * is accepted', () => {
    expect(checkRequestTarget('OPTIONS', '*')).toStrictEqual({ ok: true, path: '*', query: '' });
  });

  test.each([
    ['example.com', undefined],
    ['example.com:8080', undefined],
    ['[::1]:80', undefined],
    ['', undefined],
    ['a@b', /userinfo/],
    ['a/b', /not a valid host/],
    ['a b', /not a valid host/],
    ['a:port', /not a valid host/],
  ])('checkAuthority(%j)', (value, message) => {
    const r = checkAuthority(value);
    if (message === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(message);
  });

  test('property: a normalized path is stable, starts with "/", has no "//", no dot-segment, no %2F', () => {
    const seg = fc.constantFrom('a', 'b', '.', '..', '', '%2e', '%2E%2e', '%41', '%c3%a9', '.a', 'a.', '~', ';x');
    fc.assert(fc.property(fc.array(seg, { maxLength: 10 }), (parts) => {
      const raw = `/${parts.join('/')}`;
      const n = normalizePath(raw);
      if (typeof n !== 'string') {
        expect(n.reason).toMatch(/dot-segment with parameters/);
        return;
      }
      expect(n.startsWith('/')).toBe(true);
      expect(n).not.toMatch(/\/\//);
      expect(n).not.toMatch(/(^|\/)\.\.?(\/|$)/);
      expect(normalizePath(n)).toBe(n);
    }), { numRuns: 2000 });
  });
});

describe('explain applies the same policy', () => {
  const table = compile(docs([
    gatewayDoc(),
    routeDoc('public', [{ matches: [{ path: { type: 'PathPrefix', value: '/public' } }], backendRefs: [backendRef('public')] }]),
    routeDoc('admin', [{ matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [backendRef('admin')] }]),
  ]));
  const ask = (path: string, query = '', method = 'GET', host = 'example.com') => explain(table, {
    gateway: `${NS}/same-namespace`, port: 80, host, method, path, query, headers: {},
  });

  test('a dot-segment path is explained by the route of its normalized path', () => {
    const r = ask('/public/%2e%2e/admin/x');
    expect(r.request.path).toBe('/admin/x');
    expect(r.route?.name).toBe('admin');
  });

  test('fails an encoded slash with 400 before routing', () => {
    const r = ask('/public%2Fadmin');
    expect(r).toMatchObject({ outcome: 'refused', status: 400 });
    expect(r.reason).toMatch(/encoded '\/' \(%2F\)/);
  });

  test('fails an invalid host with 400 before routing', () => {
    const r = ask('/public', '', 'GET', 'a b');
    expect(r).toMatchObject({ outcome: 'refused', status: 400 });
    expect(r.reason).toMatch(/is not a valid host/);
  });

  test('OPTIONS * is answered by the gateway', () => {
    expect(ask('*', '', 'OPTIONS')).toMatchObject({ outcome: 'refused', status: 200, reason: expect.stringMatching(/never routed/) });
  });
});

describe('compile normalizes Exact and PathPrefix values the way requests are normalized', () => {
  test('warns and matches by the normalized value', () => {
    const table = compile(docs([
      gatewayDoc(),
      routeDoc('r', [{ matches: [{ path: { type: 'Exact', value: '/a/%7Eb' } }, { path: { type: 'PathPrefix', value: '/x//y' } }], backendRefs: [backendRef('v')] }]),
    ]));
    expect(table.warnings.map((w) => w.message)).toStrictEqual([
      'path "/a/%7Eb" is matched as "/a/~b": request paths are normalized before matching (slashes merged, dot-segments removed, escapes of unreserved characters decoded)',
      'path "/x//y" is matched as "/x/y": request paths are normalized before matching (slashes merged, dot-segments removed, escapes of unreserved characters decoded)',
    ]);
    const ask = (path: string) => explain(table, { gateway: `${NS}/same-namespace`, port: 80, host: 'h', method: 'GET', path, query: '', headers: {} }).status;
    expect(ask('/a/%7Eb')).toBe(200);
    expect(ask('/a/~b')).toBe(200);
    expect(ask('/x/y/z')).toBe(200);
    expect(ask('/x//y')).toBe(200);
  });
});
