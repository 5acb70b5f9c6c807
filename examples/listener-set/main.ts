// A shared Gateway owned by the platform team, and a team that adds its own listeners to it with a ListenerSet:
// an HTTPS listener with the team's certificate (and an HTTPRoute on it), and a TLS passthrough listener whose
// TLSRoute sends the encrypted stream to the team's database by SNI. The Gateway verifies client certificates
// on 443 and connects to the team's API over TLS (BackendTLSPolicy). Not a section of the routing lesson: the
// standard-channel kinds beyond HTTPRoute and GRPCRoute, as a GitOps repository would commit them.
import { ApiObject, App, Chart } from 'cdk8s';
import {
  AllowedListeners, AllowedRoutes, BackendCaCertificates, BackendRef, BackendTlsPolicy, BackendTlsPolicyTarget, CaCertificateRef, CertificateRef,
  ClientCertificateValidation, Gateway, HttpRoute, Listener, ListenerSet, ListenerSetParent, ParentRef, PathMatch, SubjectAltName, TlsRoute,
} from '../../src';
import { ExampleSection, newApp, synthSection } from '../section';

export function buildApp(outdir: string): App {
  const app = newApp(outdir);

  // The platform team's chart: the shared Gateway admits ListenerSets from namespaces labelled shared-gateway=true.
  const platform = new Chart(app, 'platform', { namespace: 'infra', disableResourceNameHashes: true });
  const gateway = new Gateway(platform, 'Gateway', {
    metadata: { name: 'shared-gateway' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http', allowedRoutes: AllowedRoutes.all() })],
    allowedListeners: AllowedListeners.fromSelector({ matchLabels: { 'shared-gateway': 'true' } }),
    clientCertificateValidation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('partner-ca')] }),
  });

  // The team's chart: its namespace (labelled for the Gateway), its listeners, routes and backend TLS.
  const team = new Chart(app, 'team', { namespace: 'payments', disableResourceNameHashes: true });
  new ApiObject(team, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments', labels: { 'shared-gateway': 'true' } } });
  const listeners = new ListenerSet(team, 'Listeners', {
    metadata: { name: 'payments-listeners' },
    parent: ListenerSetParent.fromGateway(gateway),
    listeners: [
      Listener.https({ name: 'api', hostname: 'pay.example.com', certificateRefs: [CertificateRef.fromSecretName('pay-example-com-tls')] }),
      Listener.tlsPassthrough({ name: 'db', port: 5432, hostname: 'db.pay.example.com' }),
    ],
  });
  new HttpRoute(team, 'Api', {
    metadata: { name: 'payments-api' },
    parentRefs: [ParentRef.fromListenerSet(listeners, { sectionName: 'api' })],
    rules: [{ matches: [{ path: PathMatch.pathPrefix('/') }], backendRefs: [BackendRef.fromName('payments-api', { port: 8443 })] }],
  });
  new TlsRoute(team, 'Database', {
    metadata: { name: 'payments-db' },
    parentRefs: [ParentRef.fromListenerSet(listeners, { sectionName: 'db' })],
    hostnames: ['db.pay.example.com'],
    backendRefs: [BackendRef.fromName('payments-db', { port: 5432 })],
  });
  new BackendTlsPolicy(team, 'ApiTls', {
    metadata: { name: 'payments-api-tls' },
    targets: [BackendTlsPolicyTarget.fromServiceName('payments-api')],
    hostname: 'payments-api.payments.svc',
    caCertificates: BackendCaCertificates.fromRefs([CaCertificateRef.fromConfigMapName('payments-internal-ca')]),
    subjectAltNames: [SubjectAltName.uri('spiffe://cluster.local/ns/payments/sa/payments-api')],
  });
  return app;
}

export const section: ExampleSection = { name: 'listener-set', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
