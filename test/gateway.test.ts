import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { AllowedRoutes, CertificateRef, Gateway, LabelSelectorOperator, Listener, ListenerProtocol, RouteKind } from '../src';

function gateways(chart: any): any[] {
  return Testing.synth(chart).filter((o) => o.kind === 'Gateway');
}

describe('Gateway', () => {
  test('synthesizes http and https listeners with hostnames, certificates and allowed routes', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new Gateway(chart, 'gw', {
      metadata: { name: 'edge', namespace: 'infra' },
      gatewayClassName: 'cdk8s-gateway',
      listeners: [
        Listener.http({ name: 'http', hostname: '*.example.com' }),
        Listener.https({
          name: 'https',
          port: 8443,
          hostname: 'app.example.com',
          certificateRefs: [CertificateRef.fromSecretName('app-tls'), CertificateRef.fromSecretName('shared-tls', 'certs')],
          allowedRoutes: AllowedRoutes.fromSelector({
            matchLabels: { 'gateway-access': 'true' },
            matchExpressions: [{ key: 'team', operator: LabelSelectorOperator.IN, values: ['a', 'b'] }],
            kinds: [RouteKind.HTTP_ROUTE],
          }),
        }),
      ],
    });
    // THEN
    expect(gateways(chart)).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'infra' },
      spec: {
        gatewayClassName: 'cdk8s-gateway',
        listeners: [
          { name: 'http', hostname: '*.example.com', port: 80, protocol: 'HTTP' },
          {
            name: 'https',
            hostname: 'app.example.com',
            port: 8443,
            protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ name: 'app-tls' }, { name: 'shared-tls', namespace: 'certs' }] },
            allowedRoutes: {
              namespaces: {
                from: 'Selector',
                selector: { matchLabels: { 'gateway-access': 'true' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] },
              },
              kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
            },
          },
        ],
      },
    }]);
  });

  test('addListener adds listeners after construction; same(), all() and a cdk8s-plus secret render', () => {
    // GIVEN
    const chart = Testing.chart();
    const secret = new kplus.TlsSecret(chart, 'cert', { metadata: { name: 'cert' }, tlsCert: 'c', tlsKey: 'k' });
    const gw = new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClassName: 'c' });
    // WHEN
    gw.addListener(Listener.http({ name: 'http', allowedRoutes: AllowedRoutes.same({ kinds: [RouteKind.GRPC_ROUTE, RouteKind.of('example.com', 'CustomRoute')] }) }));
    gw.addListener(Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecret(secret)], allowedRoutes: AllowedRoutes.all() }));
    // THEN
    expect(gw.listeners.map((l) => [l.name, l.protocol, l.port])).toStrictEqual([['http', ListenerProtocol.HTTP, 80], ['https', ListenerProtocol.HTTPS, 443]]);
    expect(gateways(chart)[0].spec.listeners).toStrictEqual([
      {
        name: 'http',
        port: 80,
        protocol: 'HTTP',
        allowedRoutes: { namespaces: { from: 'Same' }, kinds: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }, { group: 'example.com', kind: 'CustomRoute' }] },
      },
      { name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] }, allowedRoutes: { namespaces: { from: 'All' } } },
    ]);
  });

  test('exposes name, namespace, apiVersion, kind and the L1 child with id Resource', () => {
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { metadata: { name: 'gw', namespace: 'infra' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'http' })] });
    expect([gw.name, gw.namespace, gw.apiVersion, gw.kind]).toStrictEqual(['gw', 'infra', 'gateway.networking.k8s.io/v1', 'Gateway']);
    expect(gw.node.findChild('Resource')).toBe(gw.apiObject);
    expect(gw.metadata.name).toBe('gw');
  });
});

describe('Gateway validation', () => {
  test('fails without listeners', () => {
    const chart = Testing.chart();
    new Gateway(chart, 'gw', { gatewayClassName: 'c' });
    expect(() => Testing.synth(chart)).toThrow(/test\/gw: the gateway has no listeners; add one with addListener\(Listener.http\(\{ name: 'http' \}\)\)/);
  });

  test('fails with more than 64 listeners', () => {
    const chart = Testing.chart();
    new Gateway(chart, 'gw', { gatewayClassName: 'c', listeners: Array.from({ length: 65 }, (_, i) => Listener.http({ name: `l${i}`, port: 1000 + i })) });
    expect(() => Testing.synth(chart)).toThrow(/test\/gw: the gateway has 65 listeners; at most 64 are allowed/);
  });

  test('fails when two listeners have the same name', () => {
    const chart = Testing.chart();
    new Gateway(chart, 'gw', { gatewayClassName: 'c', listeners: [Listener.http({ name: 'web' }), Listener.http({ name: 'web', port: 8080 })] });
    expect(() => Testing.synth(chart)).toThrow(/test\/gw: listeners 1 and 2 are both named "web"; listener names must be unique in a gateway/);
  });

  test('fails when two listeners share port, protocol and hostname', () => {
    const chart = Testing.chart();
    new Gateway(chart, 'gw', { gatewayClassName: 'c', listeners: [Listener.http({ name: 'a', hostname: 'x.example.com' }), Listener.http({ name: 'b', hostname: 'x.example.com' })] });
    expect(() => Testing.synth(chart)).toThrow(/test\/gw: listeners "a" and "b" both use port 80, protocol HTTP and hostname "x.example.com"; give them different ports or hostnames/);
  });

  test('listeners on one port with different hostnames are fine', () => {
    const chart = Testing.chart();
    new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'a', hostname: 'a.example.com' }), Listener.http({ name: 'b', hostname: 'b.example.com' }), Listener.http({ name: 'c' })] });
    expect(gateways(chart)[0].spec.listeners.length).toBe(3);
  });

  test('fails when an https listener has no certificates', () => {
    expect(() => Listener.https({ name: 'https', certificateRefs: [] })).toThrow(/https listener "https" has 0 certificateRefs; give 1 to 64/);
  });

  test('fails on an invalid listener name, port or hostname', () => {
    expect(() => Listener.http({ name: 'Web' })).toThrow(/listener name "Web" must be a lowercase rfc 1123 subdomain/);
    expect(() => Listener.http({ name: 'web', port: 0 })).toThrow(/listener "web" port 0 must be an integer from 1 to 65535/);
    expect(() => Listener.http({ name: 'web', hostname: 'a.*.com' })).toThrow(/listener "web" hostname "a.\*.com" must be a lowercase rfc 1123 hostname/);
  });

  test('fails on an empty gatewayClassName', () => {
    expect(() => new Gateway(Testing.chart(), 'gw', { gatewayClassName: '' })).toThrow(/test\/gw: gatewayClassName "" must be 1 to 253 characters long/);
  });

  test('fails on an invalid metadata name or namespace', () => {
    expect(() => new Gateway(Testing.chart(), 'gw', { metadata: { name: 'Edge_GW' }, gatewayClassName: 'c' })).toThrow(/test\/gw: metadata.name "Edge_GW" must be a lowercase rfc 1123 subdomain/);
    expect(() => new Gateway(Testing.chart(), 'gw', { metadata: { namespace: 'a.b' }, gatewayClassName: 'c' })).toThrow(/test\/gw: metadata.namespace "a.b" must be a kubernetes namespace name/);
  });

  test('fails on an invalid allowed routes selector or too many kinds', () => {
    expect(() => AllowedRoutes.fromSelector({})).toThrow(/allowed routes selector is empty; give matchLabels or matchExpressions/);
    expect(() => AllowedRoutes.fromSelector({ matchExpressions: [{ key: 'team', operator: LabelSelectorOperator.IN }] })).toThrow(/requirement on "team" with operator In needs at least one value/);
    expect(() => AllowedRoutes.fromSelector({ matchExpressions: [{ key: 'team', operator: LabelSelectorOperator.EXISTS, values: ['a'] }] })).toThrow(/requirement on "team" with operator Exists must not have values/);
    expect(() => AllowedRoutes.all({ kinds: Array.from({ length: 9 }, (_, i) => RouteKind.of('example.com', `K${i}`)) })).toThrow(/allowed routes lists 9 kinds; at most 8 are allowed/);
  });

  test('fails on an invalid route kind or group', () => {
    expect(() => RouteKind.of('Example.com', 'X')).toThrow(/route kind group "Example.com" must be an api group/);
    expect(() => RouteKind.of('example.com', '1x')).toThrow(/route kind "1x" must be a kubernetes kind/);
  });

  test('fails on an invalid certificate secret name or namespace', () => {
    expect(() => CertificateRef.fromSecretName('')).toThrow(/certificate secret name "" must be 1 to 253 characters long/);
    expect(() => CertificateRef.fromSecretName('tls', 'Certs')).toThrow(/certificate secret namespace "Certs" must be a kubernetes namespace name/);
  });
});
