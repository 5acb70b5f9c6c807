import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AllowedListeners, Annotations, CaCertificateRef, CertificateRef, ClientCertificateMode, ClientCertificateValidation, Gateway, l1, Listener,
  ReferenceGrant, ReferenceGrantFrom, ReferenceGrantTo,
} from '../src';

function gatewaySpec(chart: any): any {
  return Testing.synth(chart).find((o) => o.kind === 'Gateway').spec;
}

const https = () => Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('tls')] });

describe('Gateway client certificates', () => {
  test('frontend validation: a default, a per-port override, and the backend client certificate render in spec.tls', () => {
    // GIVEN an HTTPS Gateway on 443 and 8443
    const chart = Testing.chart();
    const cas = new kplus.ConfigMap(chart, 'cas', { metadata: { name: 'partners-ca' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----' } });
    // WHEN
    const gw = new Gateway(chart, 'gw', {
      metadata: { name: 'edge', namespace: 'infra' },
      gatewayClassName: 'cdk8s-gateway',
      listeners: [https(), Listener.https({ name: 'partners', port: 8443, certificateRefs: [CertificateRef.fromSecretName('tls')] })],
      clientCertificateValidation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('clients-ca')] }),
      backendClientCertificate: CertificateRef.fromSecretName('gateway-client'),
    });
    gw.addClientCertificateValidation(8443, ClientCertificateValidation.of({
      caCertificateRefs: [CaCertificateRef.fromConfigMap(cas)],
      mode: ClientCertificateMode.ALLOW_INSECURE_FALLBACK,
    }));
    // THEN
    expect(gatewaySpec(chart).tls).toStrictEqual({
      frontend: {
        default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'clients-ca' }], mode: 'AllowValidOnly' } },
        perPort: [{
          port: 8443,
          tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'partners-ca' }], mode: 'AllowInsecureFallback' } },
        }],
      },
      backend: { clientCertificateRef: { name: 'gateway-client' } },
    });
    expect(gw.perPortClientCertificateValidation.map((p) => p.port)).toStrictEqual([8443]);
  });

  test('per-port validation alone renders an empty default (validation only on that port)', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new Gateway(chart, 'gw', {
      gatewayClassName: 'c',
      listeners: [https()],
      perPortClientCertificateValidation: [{ port: 443, validation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromSecretName('ca')] }) }],
    });
    // THEN
    expect(gatewaySpec(chart).tls).toStrictEqual({
      frontend: { default: {}, perPort: [{ port: 443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }], mode: 'AllowValidOnly' } } }] },
    });
  });

  test('fails a port set twice, a bad port, and a validation without CAs', () => {
    // GIVEN
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', listeners: [https()] });
    const v = ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('ca')] });
    gw.addClientCertificateValidation(443, v);
    // WHEN / THEN
    expect(() => gw.addClientCertificateValidation(443, v)).toThrow(/test\/gw: client certificate validation for port 443 is set twice; set it once per port/);
    expect(() => gw.addClientCertificateValidation(0, v)).toThrow(/test\/gw: client certificate validation port 0 must be an integer from 1 to 65535/);
  });

  test('fails where the gateway takes a client certificate validation without CAs, with too many, or with a bad CA ref', () => {
    // GIVEN validations with problems (the factories do not throw)
    const seventeen = Array.from({ length: 17 }, (_, i) => CaCertificateRef.fromConfigMapName(`ca${i}`));
    const of = (...caCertificateRefs: CaCertificateRef[]) => ClientCertificateValidation.of({ caCertificateRefs });
    const asDefault = (v: ClientCertificateValidation) => () => new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', clientCertificateValidation: v });
    const onPort = (v: ClientCertificateValidation) => () => new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c' }).addClientCertificateValidation(443, v);
    // WHEN / THEN the gateway path and where the validation was given are named
    expect(asDefault(of()))
      .toThrow(new Error('test/gw: clientCertificateValidation: client certificate validation has 0 caCertificateRefs; give 1 to 16 (e.g. [CaCertificateRef.fromConfigMapName(\'clients-ca\')])'));
    expect(onPort(of(...seventeen)))
      .toThrow(new Error('test/gw: client certificate validation of port 443: client certificate validation has 17 caCertificateRefs; give 1 to 16 (e.g. [CaCertificateRef.fromConfigMapName(\'clients-ca\')])'));
    expect(asDefault(of(CaCertificateRef.of('Bad', 'X', 'n'))))
      .toThrow(new Error('test/gw: clientCertificateValidation: caCertificateRef 1: ca certificate group "Bad" must be an api group: "" for the core group or a lowercase dns subdomain (e.g. "gateway.networking.k8s.io")'));
    expect(asDefault(of(CaCertificateRef.fromConfigMapName('ok'), CaCertificateRef.of('', '1x', 'n'))))
      .toThrow(new Error('test/gw: clientCertificateValidation: caCertificateRef 2: ca certificate kind "1x" must be a kubernetes kind of at most 63 characters: a letter followed by letters, digits and \'-\' (e.g. "Service")'));
    expect(onPort(of(CaCertificateRef.fromConfigMapName(''))))
      .toThrow(new Error('test/gw: client certificate validation of port 443: caCertificateRef 1: ca certificate name "" must be 1 to 253 characters long'));
    expect(asDefault(of(CaCertificateRef.fromSecretName('ca', 'Pki'))))
      .toThrow(new Error('test/gw: clientCertificateValidation: caCertificateRef 1: ca certificate "ca" namespace "Pki" must be a kubernetes namespace name: at most 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit (e.g. "team-a")'));
    expect(() => new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', perPortClientCertificateValidation: [{ port: 8443, validation: of() }] }))
      .toThrow(new Error('test/gw: client certificate validation of port 8443: client certificate validation has 0 caCertificateRefs; give 1 to 16 (e.g. [CaCertificateRef.fromConfigMapName(\'clients-ca\')])'));
  });

  test('fails more than 64 per-port validations', () => {
    // GIVEN a Gateway with 64 ports configured
    const gw = new Gateway(Testing.chart(), 'gw', { gatewayClassName: 'c', listeners: [https()] });
    const v = ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('ca')] });
    for (let port = 1; port <= 64; port++) gw.addClientCertificateValidation(port, v);
    // WHEN / THEN
    expect(() => gw.addClientCertificateValidation(65, v)).toThrow(/test\/gw: client certificate validation is set for 64 ports already; at most 64 are allowed/);
  });

  test('fails validation on a Gateway where no listener terminates TLS (and none can be added by ListenerSets)', () => {
    // GIVEN a plain HTTP Gateway with client certificate validation
    const chart = Testing.chart();
    new Gateway(chart, 'gw', {
      gatewayClassName: 'c',
      listeners: [Listener.http({ name: 'http' }), Listener.tlsPassthrough({ name: 'tls' })],
      clientCertificateValidation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('ca')] }),
    });
    // WHEN / THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/gw: client certificate validation is set, and no listener terminates TLS .*; add a Listener.https\(...\) or Listener.tlsTerminate\(...\) listener, or remove the validation/);
  });

  test('fails per-port validation on a port where no listener terminates TLS', () => {
    // GIVEN an HTTPS listener on 443 and validation for 8443
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', { gatewayClassName: 'c', listeners: [https(), Listener.http({ name: 'http', port: 8443 })] });
    // WHEN
    gw.addClientCertificateValidation(8443, ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('ca')] }));
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/gw: client certificate validation is set for port 8443, where no listener terminates TLS; use the port of an HTTPS or TLS Terminate listener \(443\)/);
  });

  test('fails validation without a terminating listener on a Gateway whose allowedListeners admit none', () => {
    // GIVEN allowedListeners None, said explicitly
    const chart = Testing.chart();
    new Gateway(chart, 'gw', {
      gatewayClassName: 'c',
      listeners: [Listener.http({ name: 'http' })],
      allowedListeners: AllowedListeners.none(),
      clientCertificateValidation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('ca')] }),
    });
    // WHEN / THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/gw: client certificate validation is set, and no listener terminates TLS/);
  });

  test('a Gateway that allows ListenerSets may set validation without a terminating listener of its own', () => {
    // GIVEN
    const chart = Testing.chart();
    new Gateway(chart, 'gw', {
      gatewayClassName: 'c',
      listeners: [Listener.http({ name: 'http' })],
      allowedListeners: AllowedListeners.same(),
      clientCertificateValidation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('ca')] }),
    });
    // WHEN / THEN
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test.each([
    ['without a grant', false],
    ['with ReferenceGrants from Gateways', true],
  ])('CA refs and the backend certificate in other namespaces %s: warned only without the grants', (_name, granted) => {
    // GIVEN
    const chart = Testing.chart();
    const gw = new Gateway(chart, 'gw', {
      metadata: { namespace: 'infra' },
      gatewayClassName: 'c',
      listeners: [https()],
      clientCertificateValidation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('ca', 'pki')] }),
      perPortClientCertificateValidation: [{ port: 443, validation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromSecretName('ca2', 'pki')] }) }],
      backendClientCertificate: CertificateRef.fromSecretName('client', 'pki'),
    });
    if (granted) {
      new ReferenceGrant(chart, 'g', {
        metadata: { namespace: 'pki' },
        fromObjects: [ReferenceGrantFrom.gateways('infra')],
        to: [ReferenceGrantTo.of('', 'ConfigMap', 'ca'), ReferenceGrantTo.secrets('ca2'), ReferenceGrantTo.secrets('client')],
      });
    }
    // WHEN
    Testing.synth(chart);
    // THEN
    expect(Annotations.of(gw).warnings).toStrictEqual(granted ? [] : [
      expect.stringMatching(/test\/gw: the backend client certificate refers to Secret "client" in namespace "pki".*ReferenceGrantTo.secrets\("client"\)/),
      expect.stringMatching(/test\/gw: the default client certificate validation caCertificateRef 1 refers to ConfigMap "ca" in namespace "pki".*ReferenceGrantTo.of\("", "ConfigMap", "ca"\)/),
      expect.stringMatching(/test\/gw: the client certificate validation of port 443 caCertificateRef 1 refers to Secret "ca2" in namespace "pki"/),
    ]);
  });
});

describe('TCPRoute and UDPRoute', () => {
  test.each(['TcpRoute', 'UdpRoute'] as const)('fails a Gateway that an L1 %s names as its parent: the data plane does not serve it', (cls) => {
    // GIVEN a Gateway and a TCPRoute/UDPRoute (through the generated L1) attached to it
    const chart = Testing.chart();
    new Gateway(chart, 'gw', { metadata: { name: 'edge' }, gatewayClassName: 'cdk8s-gateway', listeners: [https()] });
    new l1[cls](chart, 'route', { metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 's', port: 53 }] }] } });
    // WHEN / THEN
    const kind = cls === 'TcpRoute' ? 'TCPRoute' : 'UDPRoute';
    expect(() => Testing.synth(chart)).toThrow(new RegExp(`test/gw: ${kind} "test/route" names this gateway as its parent, and the cdk8s-gateway data plane does not serve ${kind}s`));
  });

  test('a TCPRoute for another Gateway does not fail this one', () => {
    // GIVEN
    const chart = Testing.chart();
    new Gateway(chart, 'gw', { metadata: { name: 'edge' }, gatewayClassName: 'cdk8s-gateway', listeners: [https()] });
    new l1.TcpRoute(chart, 'route', { metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'other' }], rules: [{ backendRefs: [{ name: 's', port: 5432 }] }] } });
    // WHEN / THEN
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});
