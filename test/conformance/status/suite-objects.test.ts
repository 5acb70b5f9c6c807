/**
 * Filling the status cases' placeholders and upstream's applier rewrites, without an API server:
 * certificates chain to the CA of their ConfigMap, Gateways get the class and addresses as upstream's applier
 * gives them. test/kube/status-objects.test.ts applies the results to a real API server.
 */
import { X509Certificate } from 'crypto';
import { fillPlaceholders, prepareForApply, SuiteCertificates, SuiteEnv } from './suite-objects';

const env = (over: Partial<SuiteEnv> = {}): SuiteEnv => ({
  gatewayClassName: 'class-under-test',
  controllerName: 'example.com/controller',
  usableAddresses: [{ value: '192.0.2.10' }],
  unusableAddresses: [{ type: 'Hostname', value: 'unusable.example.com' }],
  certificates: new SuiteCertificates(),
  ...over,
});

const unb64 = (s: unknown): string => Buffer.from(String(s), 'base64').toString();

describe('status case placeholders', () => {
  test('GIVEN a CA ConfigMap and Secrets signed by it THEN each certificate chains to that CA, with the hosts as SANs', async () => {
    // GIVEN
    const e = env();
    const objects = {
      ca: { 'ca.crt': '{CA_CERT:ns/ca-a}', 'key.crt': '{CA_KEY:ns/ca-a}' },
      server: {
        'tls.crt': '{TLS_CERT:hosts=abc.example.com,spiffe://abc.example.com/id;signer=ns/ca-a}',
        'tls.key': '{TLS_KEY:hosts=abc.example.com,spiffe://abc.example.com/id;signer=ns/ca-a}',
      },
      client: { 'tls.crt': '{TLS_CLIENT_CERT:signer=ns/ca-a}' },
      self: { 'tls.crt': '{TLS_CERT:hosts=*,*.org;signer=self}' },
    };

    // WHEN
    const filled = await fillPlaceholders(objects, e, 'test');

    // THEN
    const ca = new X509Certificate(filled.ca['ca.crt']);
    const server = new X509Certificate(unb64(filled.server['tls.crt']));
    const client = new X509Certificate(unb64(filled.client['tls.crt']));
    const self = new X509Certificate(unb64(filled.self['tls.crt']));
    expect(ca.ca).toBe(true);
    expect(filled.ca['key.crt']).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const checks = [server.checkIssued(ca), server.verify(ca.publicKey), client.verify(ca.publicKey), self.verify(self.publicKey)];
    expect(checks).toStrictEqual([true, true, true, true]);
    expect(server.subjectAltName).toBe('DNS:abc.example.com, URI:spiffe://abc.example.com/id');
    expect(server.publicKey.asymmetricKeyType).toBe('rsa');
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(client.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(self.subjectAltName).toBe('DNS:*, DNS:*.org');
    expect(unb64(filled.server['tls.key'])).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // the same reference gives the same material
    expect((await fillPlaceholders('{CA_CERT:ns/ca-a}', e, 'again'))).toBe(filled.ca['ca.crt']);
  });

  test('GIVEN names and addresses in expectations THEN they are the suite\'s', async () => {
    const filled = await fillPlaceholders({ c: '{CONTROLLER_NAME}', g: '{GATEWAY_CLASS_NAME}', a: '{USABLE_ADDRESS}', t: '{UNUSABLE_ADDRESS_TYPE}', u: 'PLACEHOLDER_USABLE_ADDRS' }, env(), 'test');
    expect(filled).toStrictEqual({ c: 'example.com/controller', g: 'class-under-test', a: '192.0.2.10', t: 'Hostname', u: 'PLACEHOLDER_USABLE_ADDRS' });
  });

  test('fails on Pod endpoints without Pods, a client certificate signed by itself, and a missing suite address', async () => {
    await expect(fillPlaceholders({ endpoints: '{POD_ENDPOINTS:ns/web:IPv4}' }, env(), 'cases/X.json')).rejects.toThrow(
      /^status cases: cases\/X\.json: \{POD_ENDPOINTS:ns\/web:IPv4\} needs the Pod addresses of ns\/web; this run has no Pods \(give SuiteEnv\.podEndpoints\)$/,
    );
    await expect(fillPlaceholders('{TLS_CLIENT_CERT:signer=self}', env(), 'x')).rejects.toThrow(/a client certificate needs a CA signer/);
    await expect(fillPlaceholders('{UNUSABLE_ADDRESS}', env({ unusableAddresses: [] }), 'cases/Y.json')).rejects.toThrow(
      /^status cases: cases\/Y\.json: \{UNUSABLE_ADDRESS\} needs a suite address; configure SuiteEnv\.unusableAddresses$/,
    );
    await expect(fillPlaceholders('{CA_CERT:no-slash}', env(), 'x')).rejects.toThrow(/CA reference "no-slash" must be <namespace>\/<configmap>/);
  });

  test('GIVEN Pod endpoints THEN the placeholder becomes the endpoint list', async () => {
    const filled = await fillPlaceholders({ endpoints: '{POD_ENDPOINTS:ns/web:IPv6}' }, env({ podEndpoints: (ns, d, f) => [{ addresses: [`${ns}/${d}/${f}`] }] }), 'x');
    expect(filled).toStrictEqual({ endpoints: [{ addresses: ['ns/web/IPv6'] }] });
  });
});

describe('upstream applier rewrites', () => {
  const gateway = (addresses?: Array<{ type?: string; value: string }>): any => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'g', namespace: 'ns' },
    spec: { gatewayClassName: 'other', listeners: [], ...(addresses ? { addresses } : {}) },
  });

  test('GIVEN a Gateway THEN it gets the class under test, and its addresses rebuilt as upstream does', () => {
    const e = env();
    expect(prepareForApply(gateway(), e).spec).toStrictEqual({ gatewayClassName: 'class-under-test', listeners: [] });
    expect(prepareForApply(gateway([{ value: 'PLACEHOLDER_USABLE_ADDRS' }, { type: 'test/fake-invalid-type', value: 'x' }, { value: 'PLACEHOLDER_UNUSABLE_ADDRS' }]), e).spec.addresses).toStrictEqual([
      { type: 'test/fake-invalid-type', value: 'x' },
      { type: 'Hostname', value: 'unusable.example.com' },
      { type: 'IPAddress', value: '192.0.2.10' },
    ]);
    // none of the markers: no spec.addresses at all (GatewayOptionalAddressValue)
    expect(prepareForApply(gateway([{ type: 'IPAddress', value: '10.0.0.1' }]), e).spec).not.toHaveProperty('addresses');
  });

  test('GIVEN a GatewayClass THEN it gets the controller under test, and the input is not changed', () => {
    const input = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: '{GATEWAY_CONTROLLER_NAME}' } };
    expect(prepareForApply(input, env()).spec).toStrictEqual({ controllerName: 'example.com/controller' });
    expect(input.spec.controllerName).toBe('{GATEWAY_CONTROLLER_NAME}');
  });
});
