/**
 * The comparators of the conformance runner, on hand-made answers: what passes and what fails, as
 * upstream's CompareRoundTrip and gRPC comparison decide it (see INDEX.md).
 */
import { backendOfPod, checkGrpc, checkHttp } from './harness/check';
import type { HttpAnswer } from './harness/client';

const echo = (over: Record<string, unknown> = {}, headers: Array<[string, string]> = []): HttpAnswer => ({
  status: 200,
  headers: [['Content-Type', 'application/json'], ...headers],
  body: Buffer.from(
    JSON.stringify({
      path: '/a?b=1',
      host: 'example.com',
      method: 'GET',
      proto: 'HTTP/1.1',
      headers: { 'X-Header-Add': ['one', 'two'], 'Some-Other': ['v'] },
      namespace: 'gateway-conformance-infra',
      pod: 'infra-backend-v1-x-y',
      ...over,
    }),
  ),
  protocol: 'HTTP/1.1',
});
const req = { scheme: 'http', host: 'example.com', path: '/a?b=1' };
const redirect = (status: number, location: string): HttpAnswer => ({ status, headers: [['Location', location]], body: Buffer.alloc(0), protocol: 'HTTP/1.1' });

describe('HTTP comparison', () => {
  test('GIVEN the expected echo THEN no mismatch', () => {
    expect(
      checkHttp(echo(), { status: 200, backend: 'infra-backend-v1', namespace: 'gateway-conformance-infra', method: 'GET', path: '/a?b=1', host: 'example.com' }, req),
    ).toStrictEqual([]);
  });

  test('fails on status, backend prefix, namespace, path and host', () => {
    expect(checkHttp(echo(), { status: 404 }, req)).toStrictEqual([expect.stringMatching(/^status: expected 404, got 200/)]);
    expect(checkHttp(echo(), { statusOneOf: [504, 408] }, req)).toStrictEqual([expect.stringMatching(/^status: expected 504 or 408, got 200/)]);
    const errors = checkHttp(echo(), { backend: 'infra-backend-v2', namespace: 'other', path: '/a', host: 'example.com:80' }, req);
    expect(errors).toStrictEqual([
      expect.stringMatching(/^backend: expected a pod of infra-backend-v2/),
      expect.stringMatching(/^namespace: expected 'other'/),
      expect.stringMatching(/^path: expected the backend to see '\/a', got '\/a\?b=1'/),
      expect.stringMatching(/^host: expected the backend to see 'example.com:80'/),
    ]);
  });

  test('request headers: every value joined with "," and names case-insensitive; absent headers', () => {
    expect(checkHttp(echo(), { headers: { 'x-header-add': 'one,two' }, absentHeaders: ['X-Gone'] }, req)).toStrictEqual([]);
    expect(checkHttp(echo(), { headers: { 'X-Header-Add': 'one, two' } }, req)).toStrictEqual([expect.stringMatching(/got 'one,two'/)]);
    expect(checkHttp(echo(), { headers: { 'X-Missing': 'x' } }, req)).toStrictEqual([expect.stringMatching(/X-Missing: expected 'x' at the backend, it is missing/)]);
    expect(checkHttp(echo(), { absentHeaders: ['some-other'] }, req)).toStrictEqual([expect.stringMatching(/some-other: expected absent at the backend, got 'v'/)]);
  });

  test('response headers: exact, one of (optionally ignoring whitespace), absent', () => {
    const a = echo({}, [['X-Header-Add', 'a'], ['x-header-add', 'b'], ['Access-Control-Allow-Methods', 'GET, OPTIONS']]);
    expect(checkHttp(a, { responseHeaders: { 'X-HEADER-ADD': 'a,b' } }, req)).toStrictEqual([]);
    expect(checkHttp(a, { responseHeaders: { 'X-Header-Add': 'a, b' } }, req)).toHaveLength(1);
    expect(checkHttp(a, { responseHeadersOneOf: { 'access-control-allow-methods': ['OPTIONS,GET', 'GET,OPTIONS'] }, ignoreWhitespaceInResponseHeaders: true }, req)).toStrictEqual([]);
    expect(checkHttp(a, { responseHeadersOneOf: { 'access-control-allow-methods': ['OPTIONS,GET', 'GET,OPTIONS'] } }, req)).toHaveLength(1);
    expect(checkHttp(a, { absentResponseHeaders: ['x-header-add'] }, req)).toStrictEqual([expect.stringMatching(/expected absent, got 'a,b'/)]);
  });

  test('response checks apply only to 200/204 answers', () => {
    const forbidden: HttpAnswer = { status: 403, headers: [['Access-Control-Allow-Origin', '*']], body: Buffer.alloc(0), protocol: 'HTTP/1.1' };
    expect(checkHttp(forbidden, { statusOneOf: [200, 204, 403], absentResponseHeaders: ['access-control-allow-origin'] }, req)).toStrictEqual([]);
  });

  test('notEchoed: an echo body fails, a gateway answer passes', () => {
    expect(checkHttp(echo(), { statusOneOf: [200, 204], notEchoed: true }, req)).toStrictEqual([expect.stringMatching(/echo backend pod 'infra-backend-v1-x-y' answered/)]);
    expect(checkHttp({ status: 204, headers: [], body: Buffer.alloc(0), protocol: 'HTTP/1.1' }, { statusOneOf: [200, 204], notEchoed: true }, req)).toStrictEqual([]);
  });

  test('an answer that is not an echo fails when echo fields are expected', () => {
    const plain: HttpAnswer = { status: 200, headers: [], body: Buffer.from('hello'), protocol: 'HTTP/1.1' };
    expect(checkHttp(plain, { path: '/a' }, req)).toStrictEqual([expect.stringMatching(/not an echo \(Content-Type none\): hello/)]);
  });

  test('the body is read as an echo only with Content-Type application/json, as upstream', () => {
    const relabelled: HttpAnswer = { ...echo(), headers: [['Content-Type', 'text/plain']] };
    expect(checkHttp(relabelled, { namespace: 'gateway-conformance-infra' }, req)).toStrictEqual([expect.stringMatching(/not an echo \(Content-Type text\/plain\)/)]);
    expect(checkHttp(relabelled, { notEchoed: true }, req)).toStrictEqual([]);
    const broken: HttpAnswer = { status: 200, headers: [['Content-Type', 'application/json']], body: Buffer.from('{oops'), protocol: 'HTTP/1.1' };
    expect(checkHttp(broken, { notEchoed: true }, req)).toStrictEqual([expect.stringMatching(/unexpected error reading response/)]);
  });
});

describe('redirect comparison', () => {
  const r = { scheme: 'http', host: 'example.org', port: null, path: '/x' };

  test('absolute and relative Locations resolve against the request', () => {
    expect(checkHttp(redirect(302, 'http://example.org/x'), { status: 302, redirect: r }, req)).toStrictEqual([]);
    expect(checkHttp(redirect(302, 'http://example.org:80/x?q=1'), { status: 302, redirect: r }, req)).toStrictEqual([]);
    expect(checkHttp(redirect(302, '/x'), { status: 302, redirect: { ...r, host: null } }, req)).toStrictEqual([]);
  });

  test('fails on scheme, host, port and path', () => {
    const errors = checkHttp(redirect(301, 'https://other.org:8443/y'), { status: 301, redirect: r }, req);
    expect(errors).toStrictEqual([
      expect.stringMatching(/^redirect scheme: expected http, got https/),
      expect.stringMatching(/^redirect host: expected example.org, got other.org/),
      expect.stringMatching(/^redirect port: expected none/),
      expect.stringMatching(/^redirect path: expected \/x, got \/y/),
    ]);
    expect(checkHttp(redirect(302, 'http://example.org/x'), { status: 302, redirect: { ...r, port: '8083' } }, req)).toStrictEqual([
      expect.stringMatching(/^redirect port: expected 8083, got ''/),
    ]);
    expect(checkHttp(redirect(302, 'https://example.org:443/x'), { status: 302, redirect: { ...r, scheme: 'https' } }, req)).toStrictEqual([]);
  });
});

describe('gRPC comparison', () => {
  const ok = {
    code: 0,
    details: '',
    response: { assertions: { fullyQualifiedMethod: '/svc/Echo', context: { namespace: 'ns', pod: 'grpc-infra-backend-v1-x-y' } } },
  };

  test('status, method, namespace and pod prefix', () => {
    expect(checkGrpc(ok, { grpcCode: 0, fullyQualifiedMethod: '/svc/Echo', namespace: 'ns', backend: 'grpc-infra-backend-v1' })).toStrictEqual([]);
    expect(checkGrpc(ok, { grpcCode: 0, fullyQualifiedMethod: '/svc/EchoTwo', namespace: 'x', backend: 'grpc-infra-backend-v2' })).toHaveLength(3);
    expect(checkGrpc({ code: 12, details: 'unimplemented' }, { grpcStatus: 'UNIMPLEMENTED', grpcCode: 12 })).toStrictEqual([]);
    expect(checkGrpc(ok, { grpcStatus: 'UNIMPLEMENTED', grpcCode: 12 })).toStrictEqual([expect.stringMatching(/expected UNIMPLEMENTED \(12\), got 0/)]);
  });
});

test('the Service of a pod name drops the last two parts', () => {
  expect(backendOfPod('infra-backend-v1-x-y')).toBe('infra-backend-v1');
  expect(backendOfPod('grpc-infra-backend-v3-7d9f-abcde')).toBe('grpc-infra-backend-v3');
});
