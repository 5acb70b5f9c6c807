import { Testing } from 'cdk8s';
import {
  AllowedRoutes, Annotations, BackendRef, CertificateRef, Gateway, HttpRoute, HttpRouteFilter, Listener, ParentRef,
  ReferenceGrant, ReferenceGrantFrom, ReferenceGrantTo, RouteKind, TlsRoute,
} from '../src';

function byKind(chart: any, kind: string): any[] {
  return Testing.synth(chart).filter((o) => o.kind === kind);
}

function tlsGateway(chart: any): Gateway {
  return new Gateway(chart, 'gw', {
    metadata: { name: 'edge', namespace: 'infra' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [
      Listener.tlsPassthrough({ name: 'passthrough', hostname: '*.example.com' }),
      Listener.tlsTerminate({ name: 'terminate', port: 8443, certificateRefs: [CertificateRef.fromSecretName('db-tls')] }),
      Listener.http({ name: 'http' }),
    ],
  });
}

describe('TlsRoute', () => {
  test('synthesizes TLS listeners in Passthrough and Terminate mode and a v1 TLSRoute with one rule of weighted backends', () => {
    // GIVEN a Gateway with a passthrough and a terminating TLS listener
    const chart = Testing.chart();
    const gw = tlsGateway(chart);
    // WHEN a TLSRoute sends db.example.com to two backends
    new TlsRoute(chart, 'db', {
      metadata: { name: 'db', namespace: 'infra' },
      parentRefs: [ParentRef.fromGateway(gw, { sectionName: 'passthrough' })],
      hostnames: ['db.example.com'],
      ruleName: 'primary',
      backendRefs: [BackendRef.fromName('db-a', { port: 5432, weight: 90 }), BackendRef.fromName('db-b', { port: 5432, weight: 10 })],
    });
    // THEN
    expect(byKind(chart, 'Gateway')[0].spec.listeners.slice(0, 2)).toStrictEqual([
      { name: 'passthrough', hostname: '*.example.com', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
      { name: 'terminate', port: 8443, protocol: 'TLS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'db-tls' }] } },
    ]);
    expect(byKind(chart, 'TLSRoute')).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TLSRoute',
      metadata: { name: 'db', namespace: 'infra' },
      spec: {
        parentRefs: [{ name: 'edge', sectionName: 'passthrough' }],
        hostnames: ['db.example.com'],
        rules: [{ name: 'primary', backendRefs: [{ name: 'db-a', port: 5432, weight: 90 }, { name: 'db-b', port: 5432, weight: 10 }] }],
      },
    }]);
  });

  test('addHostname and addBackendRef add after construction', () => {
    // GIVEN
    const chart = Testing.chart();
    const gw = tlsGateway(chart);
    const route = new TlsRoute(chart, 'db', { metadata: { namespace: 'infra' }, parentRefs: [ParentRef.fromGateway(gw)] });
    // WHEN
    route.addHostname('db.example.com');
    route.addBackendRef(BackendRef.fromName('db', { port: 5432 }));
    // THEN
    expect(byKind(chart, 'TLSRoute')[0].spec.rules).toStrictEqual([{ backendRefs: [{ name: 'db', port: 5432 }] }]);
    expect(route.backendRefs.map((b) => b.name)).toStrictEqual(['db']);
  });

  test('fails a TLSRoute without hostnames or backends', () => {
    // GIVEN
    const chart = Testing.chart();
    new TlsRoute(chart, 'empty', { parentRefs: [ParentRef.named('gw')] });
    // WHEN / THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/empty: the TLS route has no hostnames; a TLSRoute selects connections by their SNI hostname, so add one with addHostname/);
    expect(() => Testing.synth(chart)).toThrow(/test\/empty: the TLS route has no backends; add one with addBackendRef/);
  });

  test('fails a backend with filters and more than 16 backends', () => {
    // GIVEN
    const chart = Testing.chart();
    const route = new TlsRoute(chart, 'r', { hostnames: ['a.example.com'] });
    // WHEN / THEN
    expect(() => route.addBackendRef(BackendRef.fromName('db', { port: 1, filters: [HttpRouteFilter.requestHeaderModifier({ set: { 'x-a': 'b' } })] }))).toThrow(/test\/r: backend "db" has filters; a TLSRoute backend cannot have filters/);
    for (let i = 0; i < 17; i++) route.addBackendRef(BackendRef.fromName(`db${i}`, { port: 5432 }));
    expect(() => Testing.synth(chart)).toThrow(/test\/r: the TLS route has 17 backends; at most 16 are allowed/);
  });

  test('accepts up to 1,024 hostnames (the TLSRoute limit) and fails 1,025', () => {
    // GIVEN
    const chart = Testing.chart();
    const route = new TlsRoute(chart, 'r', { backendRefs: [BackendRef.fromName('db', { port: 5432 })] });
    for (let i = 0; i < 1025; i++) route.addHostname(`h${i}.example.com`);
    // WHEN / THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/r: the route has 1025 hostnames; at most 1024 are allowed/);
  });

  test('fails a TLSRoute on an HTTP listener, and an HTTPRoute on a TLS listener (the protocol\'s route kinds)', () => {
    // GIVEN
    const chart = Testing.chart();
    const gw = tlsGateway(chart);
    // WHEN
    new TlsRoute(chart, 'tls', {
      metadata: { namespace: 'infra' }, parentRefs: [ParentRef.fromGateway(gw, { sectionName: 'http' })], hostnames: ['db.example.com'], backendRefs: [BackendRef.fromName('db', { port: 5432 })],
    });
    new HttpRoute(chart, 'web', {
      metadata: { namespace: 'infra' }, parentRefs: [ParentRef.fromGateway(gw, { sectionName: 'passthrough' })], rules: [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }],
    });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/tls: no listener of parent gateway "test\/gw" accepts this route: listener "http" is a HTTP listener, which accepts HTTPRoute, GRPCRoute, not TLSRoute/);
    expect(() => Testing.synth(chart)).toThrow(/test\/web: no listener of parent gateway "test\/gw" accepts this route: listener "passthrough" is a TLS listener, which accepts TLSRoute, not HTTPRoute/);
  });

  test('fails an HTTPRoute on a listener that allows only TLSRoute (the conformance case HTTPRouteDisallowedKind)', () => {
    // GIVEN the case's Gateway: one TLS passthrough listener whose allowedRoutes name TLSRoute only
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', {
      metadata: { name: 'tlsroutes-only', namespace: 'infra' },
      gatewayClassName: 'c',
      listeners: [Listener.tlsPassthrough({ name: 'tls', allowedRoutes: AllowedRoutes.same({ kinds: [RouteKind.TLS_ROUTE] }) })],
    });
    // WHEN an HTTPRoute names it as its only parent
    new HttpRoute(chart, 'r', {
      metadata: { name: 'disallowed-kind', namespace: 'infra' },
      parentRefs: [ParentRef.fromGateway(gw)],
      rules: [{ backendRefs: [BackendRef.fromName('infra-backend-v1', { port: 8080 })] }],
    });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/r: no listener of parent gateway "test\/gw" accepts this route: listener "tls" only accepts TLSRoute \(add RouteKind for HTTPRoute/);
  });

  test('fails a TLSRoute whose hostnames the listener does not serve', () => {
    // GIVEN
    const chart = Testing.chart();
    const gw = tlsGateway(chart);
    // WHEN
    new TlsRoute(chart, 'r', {
      metadata: { namespace: 'infra' }, parentRefs: [ParentRef.fromGateway(gw, { sectionName: 'passthrough' })], hostnames: ['db.other.org'], backendRefs: [BackendRef.fromName('db', { port: 5432 })],
    });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/listener "passthrough" serves hostname "\*.example.com", which none of the route's hostnames \("db.other.org"\) matches/);
  });

  test('fails the later of two TLSRoutes that route the same hostname on the same listener', () => {
    // GIVEN
    const chart = Testing.chart();
    const gw = tlsGateway(chart);
    const props = { metadata: { namespace: 'infra' }, parentRefs: [ParentRef.fromGateway(gw, { sectionName: 'passthrough' })], backendRefs: [BackendRef.fromName('db', { port: 5432 })] };
    new TlsRoute(chart, 'first', { ...props, hostnames: ['db.example.com'] });
    // WHEN
    new TlsRoute(chart, 'second', { ...props, hostnames: ['cache.example.com', 'db.example.com'] });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/second: this TLSRoute and TLSRoute "test\/first" both route hostname "db.example.com" on listener "passthrough" of "test\/gw"; the gateway sends it to the older/);
    expect(() => Testing.synth(chart)).not.toThrow(/test\/first:/);
  });

  test('warns about a TLSRoute without parentRefs: no gateway serves it', () => {
    // GIVEN
    const chart = Testing.chart();
    const route = new TlsRoute(chart, 'r', { hostnames: ['db.example.com'], backendRefs: [BackendRef.fromName('db', { port: 5432 })] });
    // WHEN
    Testing.synth(chart);
    // THEN
    expect(Annotations.of(route).warnings).toStrictEqual([expect.stringMatching(/test\/r: the route has no parentRefs, so no gateway serves it; add one with addParentRef/)]);
  });

  test('fails a TLS terminate listener without certificates and a bad rule name', () => {
    expect(() => new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', listeners: [Listener.tlsTerminate({ name: 'tls', certificateRefs: [] })] }))
      .toThrow(new Error('test/gw: listener 1: tls listener "tls" has 0 certificateRefs; give 1 to 64 (e.g. [CertificateRef.fromSecretName(\'example-com-tls\')])'));
    expect(() => new TlsRoute(Testing.chart(), 'r', { ruleName: 'Bad_Name' })).toThrow(/test\/r: ruleName "Bad_Name" must be a lowercase rfc 1123 subdomain/);
  });

  test('fails where a backend with a problem is added', () => {
    // GIVEN a route
    const route = new TlsRoute(Testing.chart(), 'r', { hostnames: ['db.example.com'], backendRefs: [BackendRef.fromName('db', { port: 5432 })] });
    // WHEN a backend with port 0 is added THEN the route path and the backend's place are named
    expect(() => route.addBackendRef(BackendRef.fromName('replica', { port: 0 })))
      .toThrow(new Error('test/r: backendRef 2: backend "replica" port 0 must be an integer from 1 to 65535 (a tcp port number)'));
    expect(route.backendRefs.map((b) => b.name)).toEqual(['db']);
  });

  test.each([
    ['without a grant', false],
    ['with a ReferenceGrant from TLSRoutes', true],
  ])('a backend in another namespace %s: warned only without the grant', (_name, granted) => {
    // GIVEN
    const chart = Testing.chart();
    const route = new TlsRoute(chart, 'r', {
      metadata: { namespace: 'edge' }, hostnames: ['db.example.com'], parentRefs: [ParentRef.named('gw')], backendRefs: [BackendRef.fromName('db', { port: 5432, namespace: 'data' })],
    });
    if (granted) new ReferenceGrant(chart, 'g', { metadata: { namespace: 'data' }, fromObjects: [ReferenceGrantFrom.tlsRoutes('edge')], to: [ReferenceGrantTo.services('db')] });
    // WHEN
    Testing.synth(chart);
    // THEN
    expect(Annotations.of(route).warnings).toStrictEqual(granted ? [] : [expect.stringMatching(
      /test\/r: backendRef 1 refers to Service "db" in namespace "data", and no ReferenceGrant in this app allows it.*ReferenceGrantFrom.tlsRoutes\("edge"\)/)]);
  });
});
