import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { BackendCaCertificates, BackendTlsPolicy, BackendTlsPolicyTarget, CaCertificateRef, SubjectAltName } from '../src';

function policies(chart: any): any[] {
  return Testing.synth(chart).filter((o) => o.kind === 'BackendTLSPolicy');
}

describe('BackendTlsPolicy', () => {
  test('synthesizes a v1 BackendTLSPolicy: Service targets with a sectionName, a ConfigMap CA, the hostname and SANs', () => {
    // GIVEN a Service with a named TLS port
    const chart = Testing.chart();
    const api = new kplus.Service(chart, 'api', { metadata: { name: 'api' }, ports: [{ name: 'https', port: 443 }] });
    // WHEN
    new BackendTlsPolicy(chart, 'tls', {
      metadata: { name: 'api-tls' },
      targets: [BackendTlsPolicyTarget.fromService(api, { sectionName: 'https' })],
      hostname: 'api.internal.example.com',
      caCertificates: BackendCaCertificates.fromRefs([CaCertificateRef.fromConfigMapName('api-ca'), CaCertificateRef.fromSecretName('api-ca-2')]),
      subjectAltNames: [SubjectAltName.hostname('*.internal.example.com'), SubjectAltName.uri('spiffe://cluster.local/ns/default/sa/api')],
    });
    // THEN
    expect(policies(chart)).toStrictEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'api-tls' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'api', sectionName: 'https' }],
        validation: {
          hostname: 'api.internal.example.com',
          caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'api-ca' }, { group: '', kind: 'Secret', name: 'api-ca-2' }],
          subjectAltNames: [
            { type: 'Hostname', hostname: '*.internal.example.com' },
            { type: 'URI', uri: 'spiffe://cluster.local/ns/default/sa/api' },
          ],
        },
      },
    }]);
  });

  test('the system CAs render wellKnownCACertificates: System; addTarget adds Services and ports', () => {
    // GIVEN
    const chart = Testing.chart();
    const policy = new BackendTlsPolicy(chart, 'tls', { hostname: 'api.example.com', caCertificates: BackendCaCertificates.system() });
    // WHEN
    policy.addTarget(BackendTlsPolicyTarget.fromServiceName('api', { sectionName: 'https' }));
    policy.addTarget(BackendTlsPolicyTarget.fromServiceName('api', { sectionName: 'grpc' }));
    // THEN
    expect(policies(chart)[0].spec).toStrictEqual({
      targetRefs: [{ group: '', kind: 'Service', name: 'api', sectionName: 'https' }, { group: '', kind: 'Service', name: 'api', sectionName: 'grpc' }],
      validation: { hostname: 'api.example.com', wellKnownCACertificates: 'System' },
    });
    expect(policy.targets.map((t) => t.sectionName)).toStrictEqual(['https', 'grpc']);
  });

  test('fails a policy without targets, and a Service targeted twice', () => {
    // GIVEN
    const chart = Testing.chart();
    const policy = new BackendTlsPolicy(chart, 'tls', { hostname: 'api.example.com', caCertificates: BackendCaCertificates.system() });
    // WHEN / THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/tls: the backend tls policy has no targets; add one with addTarget/);
    policy.addTarget(BackendTlsPolicyTarget.fromServiceName('api'));
    expect(() => policy.addTarget(BackendTlsPolicyTarget.fromServiceName('api', { sectionName: 'https' })))
      .toThrow(/test\/tls: service "api" is targeted twice, once without a sectionName; target each port once by its sectionName, or the whole Service once/);
    expect(() => policy.addTarget(BackendTlsPolicyTarget.fromServiceName('api'))).toThrow(/test\/tls: service "api" is targeted twice;/);
  });

  test('fails a cdk8s-plus Service target in another namespace, and a sectionName that is not one of its port names', () => {
    // GIVEN a Service in namespace api with a port named https
    const chart = Testing.chart();
    const api = new kplus.Service(chart, 'api', { metadata: { name: 'api', namespace: 'api' }, ports: [{ name: 'https', port: 443 }] });
    // WHEN / THEN
    const policy = new BackendTlsPolicy(chart, 'named', { metadata: { namespace: 'api' }, hostname: 'api.example.com', caCertificates: BackendCaCertificates.system() });
    expect(() => policy.addTarget(BackendTlsPolicyTarget.fromService(api, { sectionName: 'http' })))
      .toThrow(new Error('test/named: target 1: service "api" has no port named "http"; use one of its port names ("https")'));
    new BackendTlsPolicy(chart, 'tls', {
      metadata: { namespace: 'edge' }, hostname: 'api.example.com', caCertificates: BackendCaCertificates.system(), targets: [BackendTlsPolicyTarget.fromService(api)],
    });
    expect(() => Testing.synth(chart)).toThrow(/test\/tls: target service "api" is in namespace "api", and a BackendTLSPolicy applies to Services of its own namespace "edge" only; create the policy in "api"/);
  });

  test('fails more than 16 targets', () => {
    // GIVEN
    const chart = Testing.chart();
    const targets = Array.from({ length: 17 }, (_, i) => BackendTlsPolicyTarget.fromServiceName(`s${i}`));
    // WHEN
    new BackendTlsPolicy(chart, 'tls', { hostname: 'api.example.com', caCertificates: BackendCaCertificates.system(), targets });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/tls: the backend tls policy has 17 targets; at most 16 are allowed/);
  });

  test('fails the later of two policies in one namespace on the same Service port', () => {
    // GIVEN
    const chart = Testing.chart();
    const props = { hostname: 'api.example.com', caCertificates: BackendCaCertificates.system(), targets: [BackendTlsPolicyTarget.fromServiceName('api', { sectionName: 'https' })] };
    new BackendTlsPolicy(chart, 'first', props);
    // WHEN
    new BackendTlsPolicy(chart, 'second', props);
    // THEN
    expect(() => Testing.synth(chart)).toThrow(/test\/second: this policy and "test\/first" both target service "api" port "https"; the gateway applies only the older policy/);
    expect(() => Testing.synth(chart)).not.toThrow(/test\/first:/);
  });

  test('fails bad hostnames and too many SANs eagerly', () => {
    const system = BackendCaCertificates.system();
    expect(() => new BackendTlsPolicy(Testing.chart(), 'tls', { hostname: '*.example.com', caCertificates: system }))
      .toThrow(/test\/tls: hostname "\*.example.com" must be a lowercase rfc 1123 hostname of at most 253 characters.*wildcards are not allowed here/);
    expect(() => new BackendTlsPolicy(Testing.chart(), 'tls', {
      hostname: 'a.example.com', caCertificates: system, subjectAltNames: Array.from({ length: 6 }, (_, i) => SubjectAltName.hostname(`s${i}.example.com`)),
    })).toThrow(/test\/tls: the policy lists 6 subjectAltNames; at most 5 are allowed/);
  });

  test('fails where the policy takes CA certificates that list too few or too many refs, a bad ref or a namespace', () => {
    // GIVEN CA lists with problems (the factory does not throw)
    const policy = (caCertificates: BackendCaCertificates) => () => new BackendTlsPolicy(Testing.chart(), 'tls', { hostname: 'a.example.com', caCertificates });
    // WHEN each is given to a policy THEN the policy path, the prop and the fix are named
    expect(policy(BackendCaCertificates.fromRefs([])))
      .toThrow(new Error('test/tls: caCertificates: backend ca certificates list 0 refs; give 1 to 8 (e.g. [CaCertificateRef.fromConfigMapName(\'api-ca\')])'));
    expect(policy(BackendCaCertificates.fromRefs(Array.from({ length: 9 }, (_, i) => CaCertificateRef.fromConfigMapName(`ca${i}`)))))
      .toThrow(new Error('test/tls: caCertificates: backend ca certificates list 9 refs; give 1 to 8 (e.g. [CaCertificateRef.fromConfigMapName(\'api-ca\')])'));
    expect(policy(BackendCaCertificates.fromRefs([CaCertificateRef.fromConfigMapName('ok'), CaCertificateRef.fromConfigMapName('ca', 'other')])))
      .toThrow(new Error('test/tls: caCertificates: caCertificateRef 2: ca certificate "ca" names namespace "other"; a BackendTLSPolicy reads CA certificates from its own namespace only, so create the ConfigMap there and drop the namespace'));
    expect(policy(BackendCaCertificates.fromRefs([CaCertificateRef.of('', '1x', 'ca')])))
      .toThrow(new Error('test/tls: caCertificates: caCertificateRef 1: ca certificate kind "1x" must be a kubernetes kind of at most 63 characters: a letter followed by letters, digits and \'-\' (e.g. "Service")'));
  });

  test('fails where the policy takes a subject alt name that is not a URI or hostname', () => {
    // GIVEN
    const policy = (san: SubjectAltName) => () => new BackendTlsPolicy(Testing.chart(), 'tls', {
      hostname: 'a.example.com', caCertificates: BackendCaCertificates.system(), subjectAltNames: [SubjectAltName.hostname('ok.example.com'), san],
    });
    // WHEN / THEN the SAN's place in the list is named
    expect(policy(SubjectAltName.uri('not a uri')))
      .toThrow(new Error('test/tls: subjectAltName 2: subject alt name uri "not a uri" must be an absolute URI with an authority (e.g. "spiffe://cluster.local/ns/api/sa/api")'));
    expect(policy(SubjectAltName.hostname('Bad.example.com')))
      .toThrow(new Error('test/tls: subjectAltName 2: subject alt name hostname "Bad.example.com" must be a lowercase rfc 1123 hostname of at most 253 characters (e.g. "app.example.com"); a wildcard is only allowed as the whole first label (e.g. "*.example.com")'));
  });

  test('fails where the policy takes a target with a bad sectionName or name', () => {
    // GIVEN a policy
    const policy = new BackendTlsPolicy(Testing.chart(), 'tls', { hostname: 'a.example.com', caCertificates: BackendCaCertificates.system() });
    policy.addTarget(BackendTlsPolicyTarget.fromServiceName('web'));
    // WHEN / THEN the target's place is named, and the bad target is not added
    expect(() => policy.addTarget(BackendTlsPolicyTarget.fromServiceName('api', { sectionName: 'HTTPS' })))
      .toThrow(new Error('test/tls: target 2: service "api" sectionName "HTTPS" must be a lowercase rfc 1123 subdomain of at most 253 characters: lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit (e.g. "my-name")'));
    expect(() => policy.addTarget(BackendTlsPolicyTarget.fromServiceName('')))
      .toThrow(new Error('test/tls: target 2: service name "" must be 1 to 253 characters long'));
    expect(policy.targets.map((t) => t.name)).toEqual(['web']);
  });
});
