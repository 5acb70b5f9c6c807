import { classifyUpstreamError, failureStatus, grpcStatusForHttp, UpstreamError } from '../../../src/dataplane/proxy/errors';
import { corsPreflightHeaders, corsResponseHeaders, originAllowed, redirectLocation, replacePrefix, splitHostPort } from '../../../src/dataplane/proxy/filters';
import { parseGrpcTimeout, routeHostname } from '../../../src/dataplane/proxy/handler';
import { HOP_BY_HOP, applyHeaderModifier, connectionTokens, headerList, isHopByHop, setForwarded, stripHopByHop, stripHopByHopHead, toOutgoing } from '../../../src/dataplane/proxy/headers';

describe('replacePrefix', () => {
  test.each([
    ['/prefix/one', '/prefix', '/', '/one'],
    ['/prefix', '/prefix', '/', '/'],
    ['/prefix/', '/prefix', '/', '/'],
    ['/prefix/one/two', '/prefix/one', '/one', '/one/two'],
    ['/a/b', '/', '/x', '/x/a/b'],
    ['/a/b', '/a/', '/x/', '/x/b'],
    ['/original-prefix/lemon', '/original-prefix', '/replacement-prefix', '/replacement-prefix/lemon'],
  ])('%s with matched prefix %s replaced by %s is %s', (path, prefix, replacement, expected) => {
    expect(replacePrefix(path, prefix, replacement)).toBe(expected);
  });
});

describe('redirectLocation port rules', () => {
  const ctx = { scheme: 'http', host: 'example.com:8080', listenerPort: 80, path: '/p', query: 'a=1' };
  test.each([
    [{ statusCode: 302 }, 'http://example.com/p?a=1'],
    [{ statusCode: 302, scheme: 'https' as const }, 'https://example.com/p?a=1'],
    [{ statusCode: 302, scheme: 'https' as const, port: 8443 }, 'https://example.com:8443/p?a=1'],
    [{ statusCode: 302, scheme: 'http' as const, port: 443 }, 'http://example.com:443/p?a=1'],
    [{ statusCode: 302, port: 80 }, 'http://example.com/p?a=1'],
    [{ statusCode: 301, hostname: 'example.org', port: 8083 }, 'http://example.org:8083/p?a=1'],
  ])('%j -> %s', (config, location) => {
    expect(redirectLocation(config, ctx).location).toBe(location);
  });

  test('without port and scheme the listener port is kept (shown when it is not the default)', () => {
    expect(redirectLocation({ statusCode: 302 }, { ...ctx, listenerPort: 8080 }).location).toBe('http://example.com:8080/p?a=1');
    expect(redirectLocation({ statusCode: 302 }, { ...ctx, scheme: 'https', listenerPort: 443 }).location).toBe('https://example.com/p?a=1');
  });

  test('status defaults to 302; IPv6 hosts keep their brackets', () => {
    expect(redirectLocation({ statusCode: 0 }, { ...ctx, host: '[::1]:80' })).toStrictEqual({ status: 302, location: 'http://[::1]/p?a=1' });
    expect(splitHostPort('[::1]:8080')).toStrictEqual({ hostname: '[::1]', port: 8080 });
  });
});

describe('CORS', () => {
  const config = { allowOrigins: ['https://www.foo.com', 'https://*.bar.com'], allowMethods: ['GET'], allowHeaders: [], exposeHeaders: [], maxAge: 5, allowCredentials: false };

  test.each([
    ['https://www.foo.com', true],
    ['https://WWW.FOO.COM', true],
    ['https://a.b.bar.com', true],
    ['https://bar.com', false],
    ['http://www.foo.com', false],
    ['https://evil.com/.bar.com', false],
  ])('origin %s allowed: %s', (origin, allowed) => {
    expect(originAllowed(origin, config.allowOrigins)).toBe(allowed);
  });

  test('preflight without allowCredentials leaves the credentials header out; default max-age 5', () => {
    const h = corsPreflightHeaders(config, headerList({ 'origin': 'https://www.foo.com', 'access-control-request-method': 'GET' }));
    expect(h).toStrictEqual({ 'vary': 'Origin', 'access-control-allow-origin': 'https://www.foo.com', 'access-control-allow-methods': 'GET', 'access-control-max-age': '5' });
  });

  test('no CORS headers for a request without Origin', () => {
    expect(corsResponseHeaders(config, headerList({}))).toStrictEqual({});
  });
});

describe('headers', () => {
  test('stripHopByHop keeps TE: trailers for gRPC and the upgrade pair when upgrading', () => {
    const grpc = stripHopByHop(headerList({ te: 'trailers', connection: 'te', x: '1' }), { keepTeTrailers: true });
    expect(toOutgoing(grpc)).toStrictEqual({ te: 'trailers', x: '1' });
    const ws = stripHopByHop(headerList({ 'connection': 'Upgrade', 'upgrade': 'websocket', 'transfer-encoding': 'chunked' }), { upgrade: true });
    expect(toOutgoing(ws)).toStrictEqual({ connection: 'upgrade', upgrade: 'websocket' });
  });

  test('stripHopByHop removes the headers Connection names, and every hop-by-hop header', () => {
    const h = stripHopByHop(headerList({ 'connection': 'keep-alive, X-Secret', 'x-secret': 's', 'keep-alive': 'timeout=5', 'te': 'trailers', 'x': '1' }));
    expect(toOutgoing(h)).toStrictEqual({ x: '1' });
  });

  test('stripHopByHopHead: a response head without hop-by-hop headers is returned as it is', () => {
    const head = { 'content-type': 'text/plain', 'content-length': '3' };
    expect(stripHopByHopHead(head)).toBe(head);
  });

  test('stripHopByHopHead leaves out hop-by-hop headers and those Connection names, and keeps the rest and their order', () => {
    // GIVEN a backend's head naming x-secret in Connection, with Keep-Alive and a repeated Set-Cookie
    const head = { 'connection': 'keep-alive, X-Secret', 'keep-alive': 'timeout=5', 'x-secret': 'token', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain', 'transfer-encoding': 'chunked' };
    // WHEN stripped
    const out = stripHopByHopHead(head);
    // THEN only the end-to-end fields remain, in their order
    expect(Object.entries(out)).toStrictEqual([['set-cookie', ['a=1', 'b=2']], ['content-type', 'text/plain']]);
    expect(head['x-secret']).toBe('token'); // a new object: the head itself is not changed
  });

  test('a field named __proto__ is kept as a field, never taken for the prototype (toOutgoing, stripHopByHopHead)', () => {
    // GIVEN a list and a backend's head with a field named __proto__, once and twice
    const once = toOutgoing(new Map([['__proto__', ['a']], ['x-b', ['b']]]));
    const twice = toOutgoing(new Map([['__proto__', ['a', 'b']]]));
    const head: Record<string, string | string[]> = JSON.parse('{"__proto__": ["a", "b"], "connection": "close", "x-c": "c"}');
    const stripped = stripHopByHopHead(head);

    // THEN each is an own, enumerable field, and the objects' prototype is Object's
    expect(Object.entries(once)).toStrictEqual([['__proto__', 'a'], ['x-b', 'b']]);
    expect(Object.entries(twice)).toStrictEqual([['__proto__', ['a', 'b']]]);
    expect(Object.entries(stripped)).toStrictEqual([['__proto__', ['a', 'b']], ['x-c', 'c']]);
    for (const o of [once, twice, stripped]) expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });

  test('header modifiers are case-insensitive; add keeps both values', () => {
    const h = headerList({ 'x-a': 'one', 'X-B': 'b' });
    applyHeaderModifier(h, { set: [['X-C', 'c']], add: [['X-A', 'two']], remove: ['x-b'] });
    expect(toOutgoing(h)).toStrictEqual({ 'x-a': ['one', 'two'], 'x-c': 'c' });
  });

  test('isHopByHop answers true for exactly the HOP_BY_HOP names', () => {
    // GIVEN the hop-by-hop names, and names of the same lengths that are not
    const others = ['tx', 'trailers', 'upgrades', 'connectio', 'keep-alivE', 'x-backend1', 'content-length', 'http2-settingz', 'proxy-connectionx',
      'transfer-encodinG', 'proxy-authenticatx', 'proxy-authorizatio', 'date', ''];
    // THEN each is told apart (names are given lowercase)
    for (const n of HOP_BY_HOP) expect(isHopByHop(n)).toBe(true);
    for (const n of others) expect(isHopByHop(n)).toBe(HOP_BY_HOP.includes(n));
  });

  test('connectionTokens: the names a Connection header lists, except keep-alive and close alone', () => {
    expect(connectionTokens(['Connection', 'Keep-Alive', 'X-A', '1'])).toBeUndefined();
    expect(connectionTokens(['connection', 'close'])).toBeUndefined();
    expect(connectionTokens(['Connection', 'X-Trace, Keep-Alive', 'Connection', 'x-other'])).toStrictEqual(['x-trace', 'keep-alive', 'x-other']);
    expect(connectionTokens(['X-A', '1'])).toBeUndefined();
  });

  test('X-Forwarded-For strips the IPv4-mapped prefix', () => {
    const h = setForwarded(headerList({}), { clientAddress: '::ffff:10.1.2.3', proto: 'https', host: 'a' });
    expect(toOutgoing(h)).toStrictEqual({ 'x-forwarded-for': '10.1.2.3', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a' });
  });
});

describe('routeHostname', () => {
  test('is the hostname splitHostPort gives, without one trailing dot, lowercase, for every shape of authority', () => {
    // GIVEN authorities of every shape a request may carry
    const authorities = ['example.com', 'Example.COM', 'example.com:8080', 'example.com.', 'EXAMPLE.com.:80', 'example.com..', 'host:', 'host:x',
      'a:1:2', '[::1]', '[::1]:8443', '[FE80::1].', '127.0.0.1:18080', ':80', '', '.', 'h:0', 'h:65535', 'h:123456'];
    // THEN the hand-written reading agrees with the general one
    for (const a of authorities) expect([a, routeHostname(a)]).toStrictEqual([a, splitHostPort(a).hostname.replace(/\.$/, '').toLowerCase()]);
  });
});

describe('error catalog', () => {
  test('maps failure kinds to HTTP and gRPC statuses', () => {
    expect([failureStatus('no-route').http, failureStatus('no-route').grpc]).toEqual([404, 12]);
    expect(failureStatus('misdirected').http).toBe(421);
    expect(failureStatus('internal').http).toBe(500);
    expect(failureStatus('invalid-backend').http).toBe(500);
    expect(failureStatus('upstream-refused').http).toBe(503);
    expect(failureStatus('upstream-reset').http).toBe(502);
    expect([failureStatus('request-timeout').http, failureStatus('grpc-deadline').grpc]).toEqual([504, 4]);
  });

  test('classifies socket errors', () => {
    expect(classifyUpstreamError({ code: 'ECONNREFUSED' })).toBe('upstream-refused');
    expect(classifyUpstreamError({ code: 'HPE_INVALID_CONSTANT' })).toBe('upstream-protocol');
    expect(classifyUpstreamError({ code: 'ECONNRESET' })).toBe('upstream-reset');
    expect(classifyUpstreamError(new UpstreamError('backend-timeout', 'x'))).toBe('backend-timeout');
    expect([grpcStatusForHttp(404), grpcStatusForHttp(503), grpcStatusForHttp(418)]).toEqual([12, 14, 2]);
  });

  test('grpc-timeout parsing', () => {
    expect(parseGrpcTimeout('100m')).toBe(100);
    expect(parseGrpcTimeout('2S')).toBe(2000);
    expect(parseGrpcTimeout('1H')).toBe(3_600_000);
    expect(parseGrpcTimeout('5n')).toBe(1);
    expect(parseGrpcTimeout('soon')).toBeUndefined();
    expect(parseGrpcTimeout(undefined)).toBeUndefined();
  });
});
