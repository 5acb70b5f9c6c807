/**
 * Listener selection, isolation, attachment (parentRefs, allowedRoutes, hostnames) and gRPC routing.
 */
import { docs, gateway, httpRoute, req, ruleTo } from './helpers';
import { compile } from '../../../src/dataplane/engine/compile';
import { Decision } from '../../../src/dataplane/engine/model';
import { grpcCall, route } from '../../../src/dataplane/engine/router';
import { intersectHostnames, hostnameMatches, normalizeHost } from '../../../src/dataplane/engine/util';

function backendOf(d: Decision): string {
  return d.outcome === 'routed' ? d.rule.backends[0].ref.name : d.outcome;
}

const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

describe('hostname helpers', () => {
  test.each([
    ['foo.example.com', undefined, 'foo.example.com'],
    ['foo.example.com', 'foo.example.com', 'foo.example.com'],
    ['foo.example.com', 'bar.example.com', undefined],
    ['foo.example.com', '*.example.com', 'foo.example.com'],
    ['a.b.example.com', '*.example.com', 'a.b.example.com'],
    ['example.com', '*.example.com', undefined],
    ['*.example.com', 'foo.example.com', 'foo.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['*.example.com', '*.example.com', '*.example.com'],
    ['*.a.example.com', '*.example.com', '*.a.example.com'],
    ['*.example.com', '*.a.example.com', '*.a.example.com'],
    ['*.example.com', '*.example.net', undefined],
  ])('route %s on listener %s intersects as %s', (routeHost, listenerHost, expected) => {
    expect(intersectHostnames(routeHost, listenerHost)).toBe(expected);
  });

  test('a wildcard matches one or more labels but not the bare suffix or an empty label', () => {
    expect(hostnameMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(hostnameMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostnameMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostnameMatches('*.example.com', '.example.com')).toBe(false);
    expect(hostnameMatches('*.example.com', 'a..example.com')).toBe(false);
  });

  test('normalizeHost strips ports (also for IPv6) and lowercases', () => {
    expect(normalizeHost('Example.COM:8080')).toBe('example.com');
    expect(normalizeHost('[::1]:8080')).toBe('[::1]');
    expect(normalizeHost('::1')).toBe('::1');
    expect(normalizeHost('')).toBe('');
  });
});

describe('listener selection and isolation', () => {
  const listeners = [
    { name: 'empty', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
    { name: 'wild', port: 80, protocol: 'HTTP', hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } },
    { name: 'deep', port: 80, protocol: 'HTTP', hostname: '*.foo.example.com', allowedRoutes: { namespaces: { from: 'All' } } },
    { name: 'exact', port: 80, protocol: 'HTTP', hostname: 'bar.example.com', allowedRoutes: { namespaces: { from: 'All' } } },
  ];
  const routes = ['empty', 'wild', 'deep', 'exact'].map((l) => httpRoute(`r-${l}`, { parentRefs: [{ name: 'gw', sectionName: l }], rules: [ruleTo(`to-${l}`)] }));
  const table = compile(docs([gateway(listeners), ...routes]));

  test('listeners on a port are ordered most specific first', () => {
    expect(table.gateways[0].ports[0].listeners.map((l) => l.name)).toEqual(['exact', 'deep', 'wild', 'empty']);
  });

  test.each([
    ['bar.example.com', 'to-exact'],
    ['x.foo.example.com', 'to-deep'],
    ['foo.example.com', 'to-wild'],
    ['baz.example.com', 'to-wild'],
    ['example.com', 'to-empty'],
    ['other.org', 'to-empty'],
  ])('host %s is served only by the routes of its most specific listener (%s)', (host, expected) => {
    expect(backendOf(route(table, req({ host })))).toBe(expected);
  });

  test('a route on a less specific listener never sees hosts of a more specific one', () => {
    // GIVEN only the empty-hostname listener has a route
    const t = compile(docs([gateway(listeners), routes[0]]));
    // THEN a host owned by the wildcard listener gets 404 even though the route would match it
    const d = route(t, req({ host: 'a.example.com' }));
    expect(d.outcome).toBe('not-found');
    expect(d.outcome === 'not-found' && d.listener?.name).toBe('wild');
  });

  test('a port without listeners, or another gateway, is not found', () => {
    expect(route(table, req({ port: 8080 })).outcome).toBe('not-found');
    expect(route(table, req({ gateway: 'default/other' })).outcome).toBe('not-found');
  });

  test('parentRef port and sectionName narrow attachment', () => {
    const gw = gateway([
      { name: 'a', port: 80, protocol: 'HTTP' },
      { name: 'b', port: 8080, protocol: 'HTTP' },
      { name: 'c', port: 8080, protocol: 'HTTP', hostname: 'c.example.com' },
    ]);
    const byPort = httpRoute('by-port', { parentRefs: [{ name: 'gw', port: 8080 }], rules: [ruleTo('port')] });
    const bySection = httpRoute('by-section', { parentRefs: [{ name: 'gw', port: 8080, sectionName: 'c' }], hostnames: ['c.example.com'], rules: [ruleTo('section', [{ path: { type: 'Exact', value: '/s' } }])] });
    const t = compile(docs([gw, byPort, bySection]));
    expect(backendOf(route(t, req({ port: 80 })))).toBe('not-found');
    expect(backendOf(route(t, req({ port: 8080 })))).toBe('port');
    expect(backendOf(route(t, req({ port: 8080, host: 'c.example.com', url: '/s' })))).toBe('section');
    expect(backendOf(route(t, req({ port: 8080, host: 'c.example.com', url: '/' })))).toBe('port');
  });

  test('a parentRef to a Gateway that is not in the input is a warning', () => {
    const t = compile(docs([gateway(), httpRoute('r', { parentRefs: [{ name: 'nope' }], rules: [ruleTo('x')] })]));
    expect(t.warnings).toEqual([{ where: 'test.yaml:2:spec.parentRefs[0]', message: 'HTTPRoute default/r: parent Gateway default/nope is not in the input' }]);
    // AND a Gateway left out by --gateway is not warned about
    const t2 = compile(docs([gateway(), gateway(undefined, 'other'), httpRoute('r', { parentRefs: [{ name: 'other' }], rules: [ruleTo('x')] })]), { gateways: ['default/gw'] });
    expect(t2.warnings).toEqual([]);
  });

  test('a route whose hostnames do not intersect the listener does not attach, with a warning', () => {
    const gw = gateway([{ name: 'h', port: 80, protocol: 'HTTP', hostname: 'a.example.com' }]);
    const r = httpRoute('r', { hostnames: ['b.example.com'], rules: [ruleTo('x')] });
    const t = compile(docs([gw, r]));
    expect(t.gateways[0].ports[0].listeners[0].attachedRoutes).toBe(0);
    expect(t.warnings.map((w) => w.message).join('\n')).toMatch(/NoMatchingListenerHostname/);
  });

  test('route hostnames outside the listener hostname are ignored', () => {
    const gw = gateway([{ name: 'h', port: 80, protocol: 'HTTP', hostname: '*.example.com' }]);
    const r = httpRoute('r', { hostnames: ['a.example.com', 'a.example.net'], rules: [ruleTo('x')] });
    const t = compile(docs([gw, r]));
    expect(t.gateways[0].ports[0].listeners[0].routes[0].hostnames).toEqual(['a.example.com']);
    expect(backendOf(route(t, req({ host: 'a.example.com' })))).toBe('x');
    expect(backendOf(route(t, req({ host: 'b.example.com' })))).toBe('not-found');
  });

  test('conflicting listeners on one port are dropped with a warning', () => {
    const gw = gateway([
      { name: 'a', port: 80, protocol: 'HTTP' },
      { name: 'b', port: 80, protocol: 'HTTPS', hostname: 'x.example.com', tls: { certificateRefs: [] } },
      { name: 'c', port: 80, protocol: 'HTTP' },
      { name: 'd', port: 9000, protocol: 'TCP' },
    ]);
    const t = compile(docs([gw]));
    expect(t.gateways[0].ports.map((p) => p.listeners.map((l) => l.name))).toEqual([['a']]);
    expect(t.warnings.map((w) => w.message).join('\n')).toMatch(/ProtocolConflict[\s\S]*HostnameConflict[\s\S]*TCP is not supported/);
  });
});

describe('HTTPS listeners and SNI', () => {
  const tls = { certificateRefs: [{ name: 'cert' }] };
  const gw = gateway([
    { name: 'any', port: 443, protocol: 'HTTPS', tls },
    { name: 'second', port: 443, protocol: 'HTTPS', hostname: 'second.example.org', tls },
    { name: 'wild', port: 443, protocol: 'HTTPS', hostname: '*.wild.org', tls },
  ]);
  const routes = ['any', 'second', 'wild'].map((l) => httpRoute(`r-${l}`, { parentRefs: [{ name: 'gw', sectionName: l }], rules: [ruleTo(`to-${l}`)] }));
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'default' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': '-----BEGIN CERTIFICATE-----\nx\n', 'tls.key': '-----BEGIN PRIVATE KEY-----\ny\n' } };
  const table = compile(docs([gw, secret, ...routes]));

  test('SNI and Host selecting the same listener route normally', () => {
    expect(backendOf(route(table, req({ port: 443, sni: 'second.example.org', host: 'second.example.org' })))).toBe('to-second');
    expect(backendOf(route(table, req({ port: 443, sni: 'a.wild.org', host: 'b.wild.org' })))).toBe('to-wild');
  });

  test('a Host that belongs to another listener than the SNI is misdirected (421)', () => {
    const d = route(table, req({ port: 443, sni: 'example.org', host: 'second.example.org' }));
    expect(d.outcome).toBe('misdirected');
    expect(d.outcome === 'misdirected' && d.listener.name).toBe('any');
  });

  test('without SNI the Host selects the listener', () => {
    expect(backendOf(route(table, req({ port: 443, host: 'x.wild.org' })))).toBe('to-wild');
  });

  test('sockets list the certificates per listener, most specific first', () => {
    const s = table.sockets[0];
    expect(s.protocol).toBe('HTTPS');
    expect(s.certificates?.map((c) => [c.listener, c.hostname, c.certificates.map((x) => x.secret)])).toEqual([
      ['second', 'second.example.org', ['default/cert']],
      ['wild', '*.wild.org', ['default/cert']],
      ['any', undefined, ['default/cert']],
    ]);
    expect(s.certificates?.[0].certificates[0].keyPem).toMatch(/PRIVATE KEY/);
  });

  test('an HTTPS listener without certificateRefs is served without certificates, with a warning', () => {
    const t = compile(docs([gateway([{ name: 'h', port: 443, protocol: 'HTTPS' }])]));
    expect(t.gateways[0].ports[0].listeners[0].tls).toEqual({ certificates: [] });
    expect(t.warnings).toEqual([{ where: 'test.yaml:1:spec.listeners[0].tls', message: 'listener "h": HTTPS needs tls.certificateRefs; without a certificate no handshake can complete' }]);
  });

  test('base64 data Secrets are decoded; a missing or cross-namespace Secret without grant is a warning', () => {
    const data = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b64', namespace: 'default' }, data: { 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64'), 'tls.key': Buffer.from('-----BEGIN EC PRIVATE KEY-----').toString('base64') } };
    const other = { ...data, metadata: { name: 'b64', namespace: 'certs' } };
    const g = gateway([
      { name: 'a', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'b64' }] } },
      { name: 'b', port: 443, protocol: 'HTTPS', hostname: 'b.com', tls: { certificateRefs: [{ name: 'missing' }, { name: 'b64', namespace: 'certs' }] } },
    ]);
    const t = compile(docs([g, data, other]));
    const [b, a] = t.gateways[0].ports[0].listeners;
    expect(a.tls?.certificates[0].certPem).toBe('-----BEGIN CERTIFICATE-----');
    expect(b.tls?.certificates).toEqual([]);
    expect(t.warnings.map((w) => w.message).join('\n')).toMatch(/default\/missing is not in the input[\s\S]*certs\/b64 is in another namespace/);
    // AND a ReferenceGrant from Gateways in default permits the cross-namespace Secret
    const grant = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'certs' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default' }], to: [{ group: '', kind: 'Secret' }] } };
    const t2 = compile(docs([g, data, other, grant]));
    expect(t2.gateways[0].ports[0].listeners[0].tls?.certificates.map((c) => c.secret)).toEqual(['certs/b64']);
  });
});

describe('allowedRoutes', () => {
  const route1 = (namespace: string) => ({ ...httpRoute(`r-${namespace}`, { parentRefs: [{ name: 'gw', namespace: 'default' }], rules: [ruleTo(`from-${namespace}`)] }), metadata: { name: `r-${namespace}`, namespace } });
  const attachedFrom = (namespaces: any, extra: any[] = []) => {
    const t = compile(docs([gateway([{ name: 'l', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces } }]), ...extra, route1('default'), route1('team-a'), route1('team-b')]));
    return t.gateways[0].ports[0].listeners[0].routes.map((r) => r.namespace);
  };

  test('Same (the default) allows only the Gateway namespace', () => {
    expect(attachedFrom(undefined)).toEqual(['default']);
    expect(attachedFrom({ from: 'Same' })).toEqual(['default']);
  });

  test('All allows every namespace', () => {
    expect(attachedFrom({ from: 'All' })).toEqual(['default', 'team-a', 'team-b']);
  });

  test('Selector matchLabels uses the declared Namespace labels', () => {
    expect(attachedFrom({ from: 'Selector', selector: { matchLabels: { team: 'yes' } } }, [ns('team-a', { team: 'yes' }), ns('team-b', { team: 'no' })])).toEqual(['team-a']);
  });

  test('Selector matchExpressions: In, NotIn, Exists, DoesNotExist; undeclared namespaces have only kubernetes.io/metadata.name', () => {
    const nss = [ns('team-a', { team: 'yes', tier: 'x' }), ns('team-b', { team: 'no' })];
    expect(attachedFrom({ from: 'Selector', selector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['yes', 'maybe'] }] } }, nss)).toEqual(['team-a']);
    expect(attachedFrom({ from: 'Selector', selector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['yes'] }] } }, nss)).toEqual(['default', 'team-b']);
    expect(attachedFrom({ from: 'Selector', selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } }, nss)).toEqual(['team-a']);
    expect(attachedFrom({ from: 'Selector', selector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] } }, nss)).toEqual(['default']);
    expect(attachedFrom({ from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-b' } } })).toEqual(['team-b']);
  });

  test('allowedRoutes.kinds restricts route kinds', () => {
    const gw = gateway([{ name: 'l', port: 80, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } }]);
    const t = compile(docs([gw, httpRoute('r', { rules: [ruleTo('x')] })]));
    expect(t.gateways[0].ports[0].listeners[0].attachedRoutes).toBe(0);
    expect(t.warnings[0].message).toMatch(/does not allow HTTPRoute/);
  });

  test('fails on an unknown from value, naming the field', () => {
    expect(() => compile(docs([gateway([{ name: 'l', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Some' } } }])], 'gw.yaml')))
      .toThrow(/^gw\.yaml:1:spec\.listeners\[0\]\.allowedRoutes\.namespaces\.from: unknown value "Some"/);
  });
});

describe('GRPCRoute', () => {
  const SVC = 'pkg.Echo';
  const grpcRoute = (name: string, spec: any, meta: any = {}) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name, namespace: 'default', ...meta }, spec: { parentRefs: [{ name: 'gw' }], ...spec } });
  const grpcReq = (service: string, method: string, over: any = {}) => req({
    method: 'POST', url: `/${service}/${method}`, headers: { 'content-type': 'application/grpc' }, grpc: { service, method }, ...over,
  });

  test('exact service+method beats service only beats method only beats match-all', () => {
    const r = grpcRoute('g', {
      rules: [
        ruleTo('all'),
        ruleTo('method-only', [{ method: { method: 'Echo' } }]),
        ruleTo('service-only', [{ method: { service: SVC } }]),
        ruleTo('both', [{ method: { service: SVC, method: 'Echo' } }]),
      ],
    });
    const t = compile(docs([gateway(), r]));
    expect(backendOf(route(t, grpcReq(SVC, 'Echo')))).toBe('both');
    expect(backendOf(route(t, grpcReq(SVC, 'Other')))).toBe('service-only');
    expect(backendOf(route(t, grpcReq('x.Y', 'Echo')))).toBe('method-only');
    expect(backendOf(route(t, grpcReq('x.Y', 'Z')))).toBe('all');
  });

  test('characters of the matching service come before characters of the method; then header matches', () => {
    const r = grpcRoute('g', {
      rules: [
        ruleTo('long-method', [{ method: { type: 'RegularExpression', service: 'pkg\\..*', method: 'Echo.*' } }]),
        ruleTo('long-service', [{ method: { type: 'RegularExpression', service: 'pkg\\.E.*o', method: 'E.*' } }]),
        ruleTo('headers', [{ method: { type: 'RegularExpression', service: 'pkg\\.E.*o', method: 'E.*' }, headers: [{ name: 'v', value: '2' }] }]),
      ],
    });
    const t = compile(docs([gateway(), r]));
    expect(backendOf(route(t, grpcReq(SVC, 'EchoTwo')))).toBe('long-service');
    expect(backendOf(route(t, grpcReq(SVC, 'EchoTwo', { headers: { 'content-type': 'application/grpc', 'v': '2' } })))).toBe('headers');
  });

  test('an unmatched call on a hostname covered by GRPCRoutes is not found (UNIMPLEMENTED)', () => {
    const t = compile(docs([gateway(), grpcRoute('g', { rules: [ruleTo('x', [{ method: { service: SVC, method: 'Echo' } }])] })]));
    expect(route(t, grpcReq(SVC, 'EchoThree')).outcome).toBe('not-found');
  });

  test('a non-gRPC request never matches a GRPCRoute; gRPC calls fall back to HTTPRoutes on hostnames without GRPCRoutes', () => {
    const g = grpcRoute('g', { hostnames: ['grpc.example.com'], rules: [ruleTo('grpc')] });
    const h = httpRoute('h', { hostnames: ['web.example.com'], rules: [ruleTo('http')] });
    const t = compile(docs([gateway(), g, h]));
    expect(backendOf(route(t, req({ host: 'grpc.example.com' })))).toBe('not-found');
    expect(backendOf(route(t, grpcReq(SVC, 'Echo', { host: 'grpc.example.com' })))).toBe('grpc');
    expect(backendOf(route(t, grpcReq(SVC, 'Echo', { host: 'web.example.com' })))).toBe('http');
  });

  test('an HTTPRoute and a GRPCRoute with intersecting hostnames: only the older is attached', () => {
    const g = grpcRoute('a-grpc', { hostnames: ['*.example.com'], rules: [ruleTo('grpc')] }, { creationTimestamp: '2024-02-01T00:00:00Z' });
    const h = httpRoute('b-http', { hostnames: ['web.example.com'], rules: [ruleTo('http')] }, { creationTimestamp: '2024-01-01T00:00:00Z' });
    const t = compile(docs([gateway(), g, h]));
    expect(t.gateways[0].ports[0].listeners[0].routes.map((r) => r.name)).toEqual(['b-http']);
    expect(t.warnings.map((w) => w.message).join('\n')).toMatch(/GRPCRoute default\/a-grpc is not attached .* HTTPRoute default\/b-http/);
    expect(backendOf(route(t, grpcReq(SVC, 'Echo', { host: 'web.example.com' })))).toBe('http');
  });

  test('grpcCall recognises gRPC content types and /service/method paths', () => {
    expect(grpcCall('application/grpc', '/a.B/C')).toEqual({ service: 'a.B', method: 'C' });
    expect(grpcCall('application/grpc+proto; charset=x', '/a.B/C')).toEqual({ service: 'a.B', method: 'C' });
    expect(grpcCall('application/grpc-web', '/a.B/C')).toBeUndefined();
    expect(grpcCall('application/json', '/a.B/C')).toBeUndefined();
    expect(grpcCall('application/grpc', '/a.B/C/D')).toBeUndefined();
    expect(grpcCall(undefined, '/a.B/C')).toBeUndefined();
  });
});
