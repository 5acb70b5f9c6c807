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

  test('fails where a listener is added when an https listener has no certificates', () => {
    // GIVEN a gateway
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c' });
    // WHEN an https listener without certificates is added THEN the gateway names its path and the listener's place
    expect(() => gw.addListener(Listener.https({ name: 'https', certificateRefs: [] })))
      .toThrow(new Error('test/gw: listener 1: https listener "https" has 0 certificateRefs; give 1 to 64 (e.g. [CertificateRef.fromSecretName(\'example-com-tls\')])'));
  });

  test('fails where a listener is added when JavaScript gives an https listener no certificateRefs at all', () => {
    // GIVEN a gateway, and props without the required certificateRefs (possible from JavaScript)
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c' });
    const props: any = { name: 'https' };
    // WHEN / THEN the same message as for an empty list, not a TypeError
    expect(() => gw.addListener(Listener.https(props)))
      .toThrow(new Error('test/gw: listener 1: https listener "https" has 0 certificateRefs; give 1 to 64 (e.g. [CertificateRef.fromSecretName(\'example-com-tls\')])'));
  });

  test('fails where a listener is given when its name, port or hostname is invalid', () => {
    // GIVEN listeners with a bad name, port and hostname (the factories do not throw)
    const badName = Listener.http({ name: 'Web' });
    const badPort = Listener.http({ name: 'web', port: 0 });
    const badHost = Listener.tlsPassthrough({ name: 'tls', hostname: 'a.*.com' });
    // WHEN each is given to a gateway THEN the gateway path, the listener's place and the fix are named
    const gateway = (listener: Listener) => () => new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', listeners: [Listener.http({ name: 'ok' }), listener] });
    expect(gateway(badName)).toThrow(new Error('test/gw: listener 2: listener name "Web" must be a lowercase rfc 1123 subdomain of at most 253 characters: lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit (e.g. "my-name")'));
    expect(gateway(badPort)).toThrow(new Error('test/gw: listener 2: http listener "web" port 0 must be an integer from 1 to 65535 (a tcp port number)'));
    expect(gateway(badHost)).toThrow(new Error('test/gw: listener 2: tls listener "tls" hostname "a.*.com" must be a lowercase rfc 1123 hostname of at most 253 characters (e.g. "app.example.com"); a wildcard is only allowed as the whole first label (e.g. "*.example.com")'));
  });

  test('fails where a listener is added when its allowed routes selector is empty or has bad requirements', () => {
    // GIVEN a gateway
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c' });
    const add = (allowedRoutes: AllowedRoutes) => () => gw.addListener(Listener.http({ name: 'web', allowedRoutes }));
    // WHEN / THEN
    expect(add(AllowedRoutes.fromSelector({})))
      .toThrow(new Error('test/gw: listener 1: http listener "web" allowedRoutes: allowed routes selector is empty; give matchLabels or matchExpressions (or use AllowedRoutes.all())'));
    expect(add(AllowedRoutes.fromSelector({ matchExpressions: [{ key: 'team', operator: LabelSelectorOperator.IN }] })))
      .toThrow(new Error('test/gw: listener 1: http listener "web" allowedRoutes: allowed routes selector requirement on "team" with operator In needs at least one value'));
    expect(add(AllowedRoutes.fromSelector({ matchExpressions: [{ key: 'team', operator: LabelSelectorOperator.EXISTS, values: ['a'] }] })))
      .toThrow(new Error('test/gw: listener 1: http listener "web" allowedRoutes: allowed routes selector requirement on "team" with operator Exists must not have values'));
    expect(gw.listeners).toEqual([]);
  });

  test('fails where a listener is added when its allowed routes list more than 8 kinds', () => {
    // GIVEN nine route kinds
    const kinds = Array.from({ length: 9 }, (_, i) => RouteKind.of('example.com', `K${i}`));
    // WHEN a listener allowing them is added THEN
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c' });
    expect(() => gw.addListener(Listener.http({ name: 'web', allowedRoutes: AllowedRoutes.all({ kinds }) })))
      .toThrow(new Error('test/gw: listener 1: http listener "web" allowedRoutes: allowed routes lists 9 kinds; at most 8 are allowed, so list only the kinds the listener must accept'));
  });

  test('fails where a listener is added when a route kind or group is invalid', () => {
    // GIVEN a gateway
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c' });
    const add = (kind: RouteKind) => () => gw.addListener(Listener.http({ name: 'web', allowedRoutes: AllowedRoutes.same({ kinds: [RouteKind.HTTP_ROUTE, kind] }) }));
    // WHEN / THEN the kind's place in the list is named
    expect(add(RouteKind.of('Example.com', 'X')))
      .toThrow(new Error('test/gw: listener 1: http listener "web" allowedRoutes: allowed routes kind 2: route kind group "Example.com" must be an api group: "" for the core group or a lowercase dns subdomain (e.g. "gateway.networking.k8s.io")'));
    expect(add(RouteKind.of('example.com', '1x')))
      .toThrow(new Error('test/gw: listener 1: http listener "web" allowedRoutes: allowed routes kind 2: route kind "1x" must be a kubernetes kind of at most 63 characters: a letter followed by letters, digits and \'-\' (e.g. "Service")'));
  });

  test('fails where a listener is added when a certificate secret name or namespace is invalid', () => {
    // GIVEN a gateway
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c' });
    const add = (ref: CertificateRef) => () => gw.addListener(Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('ok'), ref] }));
    // WHEN / THEN
    expect(add(CertificateRef.fromSecretName('')))
      .toThrow(new Error('test/gw: listener 1: https listener "https" certificateRef 2: certificate secret name "" must be 1 to 253 characters long'));
    expect(add(CertificateRef.fromSecretName('tls', 'Certs')))
      .toThrow(new Error('test/gw: listener 1: https listener "https" certificateRef 2: certificate secret "tls" namespace "Certs" must be a kubernetes namespace name: at most 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit (e.g. "team-a")'));
  });

  test('fails where the backend client certificate is given when its secret name is invalid', () => {
    // GIVEN / WHEN / THEN
    expect(() => new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', backendClientCertificate: CertificateRef.fromSecretName('') }))
      .toThrow(new Error('test/gw: backendClientCertificate: certificate secret name "" must be 1 to 253 characters long'));
  });

  test('values with a problem are usable until a construct takes them', () => {
    // GIVEN / WHEN a listener with a bad port is made and never used
    const listener = Listener.http({ name: 'web', port: 0 });
    // THEN the factory did not throw, and the value still shows what it was given
    expect(listener.port).toBe(0);
  });

  test('fails on an empty gatewayClassName', () => {
    expect(() => new Gateway(Testing.chart(), 'gw', { gatewayClassName: '' })).toThrow(/test\/gw: gatewayClassName "" must be 1 to 253 characters long/);
  });

  test('fails on an invalid metadata name or namespace', () => {
    expect(() => new Gateway(Testing.chart(), 'gw', { metadata: { name: 'Edge_GW' }, gatewayClassName: 'c' })).toThrow(/test\/gw: metadata.name "Edge_GW" must be a lowercase rfc 1123 subdomain/);
    expect(() => new Gateway(Testing.chart(), 'gw', { metadata: { namespace: 'a.b' }, gatewayClassName: 'c' })).toThrow(/test\/gw: metadata.namespace "a.b" must be a kubernetes namespace name/);
  });
});
