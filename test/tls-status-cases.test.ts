// The constructs express the TLS objects of the transcribed conformance status cases (test/conformance/status/cases/)
// exactly: each BackendTLSPolicy, each Gateway's frontend client-certificate validation and backend client
// certificate, rebuilt with the constructs, synthesizes the case's spec (with the CRDs' defaults applied to both).
import { Testing } from 'cdk8s';
import {
  BackendCaCertificates, BackendTlsPolicy, BackendTlsPolicyTarget, CaCertificateRef, CertificateRef, ClientCertificateMode,
  ClientCertificateValidation, Gateway, Listener, SubjectAltName,
} from '../src';
import { loadStatusSuite } from './conformance/status/cases';

const suite = loadStatusSuite();
const objectsOf = (kind: string, where: (o: any) => boolean = () => true) => suite.cases.flatMap((c) =>
  c.objects.filter((o: any) => o.kind === kind && where(o)).map((o: any) => [`${c.name} ${o.metadata.name}`, o] as const));

function caRef(r: any): CaCertificateRef {
  if (r.group === '' && r.kind === 'ConfigMap') return CaCertificateRef.fromConfigMapName(r.name, r.namespace);
  if (r.group === '' && r.kind === 'Secret') return CaCertificateRef.fromSecretName(r.name, r.namespace);
  return CaCertificateRef.of(r.group, r.kind, r.name, r.namespace);
}

/**
 * A backend client certificate is a Secret (`CertificateRef`): the cases that give it another group or kind test
 * that a controller refuses it, and the constructs cannot express them.
 */
const isSecret = (ref: any) => (ref.group ?? '') === '' && (ref.kind ?? 'Secret') === 'Secret';

function validation(v: any): ClientCertificateValidation {
  const mode = v.mode === 'AllowInsecureFallback' ? ClientCertificateMode.ALLOW_INSECURE_FALLBACK : ClientCertificateMode.ALLOW_VALID_ONLY;
  return ClientCertificateValidation.of({ caCertificateRefs: v.caCertificateRefs.map(caRef), mode });
}

/** The CRD defaults of spec.tls: validation mode AllowValidOnly, certificate ref group "" and kind Secret. */
function tlsDefaults(tls: any): any {
  const v = (x: any) => x?.validation === undefined ? x : { validation: { mode: 'AllowValidOnly', ...x.validation } };
  return {
    frontend: tls.frontend === undefined ? undefined : {
      default: v(tls.frontend.default),
      perPort: tls.frontend.perPort?.map((p: any) => ({ port: p.port, tls: v(p.tls) })),
    },
    backend: tls.backend === undefined ? undefined : { clientCertificateRef: { group: '', kind: 'Secret', ...tls.backend.clientCertificateRef } },
  };
}

const json = (x: unknown) => JSON.parse(JSON.stringify(x));

describe('the constructs express the conformance cases\' TLS objects', () => {
  const policies = objectsOf('BackendTLSPolicy');
  const gateways = objectsOf('Gateway', (o) => o.spec.tls !== undefined && (o.spec.tls.backend === undefined || isSecret(o.spec.tls.backend.clientCertificateRef)));

  test('the cases have BackendTLSPolicies (with SANs) and Gateways with frontend and backend TLS', () => {
    expect(policies.length).toBeGreaterThan(5);
    expect(policies.some(([, p]) => p.spec.validation.subjectAltNames !== undefined)).toBe(true);
    expect(gateways.some(([, g]) => g.spec.tls.frontend?.perPort !== undefined)).toBe(true);
    expect(gateways.some(([, g]) => g.spec.tls.backend !== undefined)).toBe(true);
    // only the two refused-reference cases (unsupported group, unsupported kind) are left out
    expect(objectsOf('Gateway', (o) => o.spec.tls?.backend !== undefined && !isSecret(o.spec.tls.backend.clientCertificateRef)).map(([n]) => n)).toStrictEqual([
      'GatewayInvalidTLSBackendConfiguration gateway-client-certificate-unsupported-group',
      'GatewayInvalidTLSBackendConfiguration gateway-client-certificate-unsupported-kind',
    ]);
  });

  test.each(policies)('BackendTLSPolicy %s', (_name, policy) => {
    // GIVEN the case's policy, rebuilt with the constructs
    const chart = Testing.chart();
    const v = policy.spec.validation;
    new BackendTlsPolicy(chart, 'p', {
      metadata: { name: policy.metadata.name },
      targets: policy.spec.targetRefs.map((t: any) => BackendTlsPolicyTarget.fromServiceName(t.name, { sectionName: t.sectionName })),
      hostname: v.hostname,
      caCertificates: v.wellKnownCACertificates === 'System' ? BackendCaCertificates.system() : BackendCaCertificates.fromRefs(v.caCertificateRefs.map(caRef)),
      subjectAltNames: (v.subjectAltNames ?? []).map((s: any) => (s.type === 'URI' ? SubjectAltName.uri(s.uri) : SubjectAltName.hostname(s.hostname))),
    });
    // WHEN
    const [synthesized] = Testing.synth(chart);
    // THEN
    expect(synthesized.spec).toStrictEqual(json(policy.spec));
  });

  test.each(gateways)('Gateway %s: spec.tls', (_name, gw) => {
    // GIVEN the case's Gateway TLS settings on a Gateway of the constructs
    const chart = Testing.chart();
    const tls = gw.spec.tls;
    const gateway = new Gateway(chart, 'gw', {
      gatewayClassName: 'c',
      listeners: [Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('tls')] })],
      clientCertificateValidation: tls.frontend?.default?.validation === undefined ? undefined : validation(tls.frontend.default.validation),
      backendClientCertificate: tls.backend === undefined ? undefined
        : CertificateRef.fromSecretName(tls.backend.clientCertificateRef.name, tls.backend.clientCertificateRef.namespace),
    });
    for (const p of tls.frontend?.perPort ?? []) {
      gateway.addListener(Listener.https({ name: `port-${p.port}`, port: p.port, hostname: 'x.example.com', certificateRefs: [CertificateRef.fromSecretName('tls')] }));
      gateway.addClientCertificateValidation(p.port, validation(p.tls.validation));
    }
    // WHEN
    const [synthesized] = Testing.synth(chart);
    // THEN
    expect(json(tlsDefaults(synthesized.spec.tls))).toStrictEqual(json(tlsDefaults(tls)));
  });
});
