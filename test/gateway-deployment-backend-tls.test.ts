/**
 * A GatewayDeployment in ConfigMap mode carries the app's BackendTLSPolicies and the CA ConfigMaps that they and the
 * Gateways' client-certificate validation name in its routes ConfigMap, and mounts the Gateway's backend client
 * certificate: compiling what the pods read gives the backend TLS and the client validation the app asked for. What
 * the routes ConfigMap cannot carry fails synth, naming the object and the way out.
 */
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import {
  BackendCaCertificates, BackendRef, BackendTlsPolicy, BackendTlsPolicyTarget, CaCertificateRef, CertificateRef, ClientCertificateValidation, Gateway,
  GatewayDeployment, GatewayDeploymentMode, HttpRoute, Listener, ParentRef,
} from '../src';
import { docs } from './dataplane/engine/helpers';
import { compile } from '../src/dataplane/engine/compile';

const NS = 'edge';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** An app with an HTTPS Gateway validating clients against ConfigMap `clients-ca`, and a route to `api` with a BackendTLSPolicy on `api-ca`. */
function app(policyCa: CaCertificateRef = CaCertificateRef.fromConfigMapName('api-ca'), defineCas = true) {
  const chart = Testing.chart();
  if (defineCas) {
    for (const name of ['api-ca', 'clients-ca']) new kplus.ConfigMap(chart, name, { metadata: { name, namespace: NS }, data: { 'ca.crt': PEM } });
  }
  new kplus.ConfigMap(chart, 'unrelated', { metadata: { name: 'unrelated', namespace: NS }, data: { 'ca.crt': PEM } });
  const api = new kplus.Service(chart, 'Api', { metadata: { name: 'api', namespace: NS }, ports: [{ port: 8443, name: 'https' }] });
  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'gw', namespace: NS },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('gw-tls')] })],
    clientCertificateValidation: ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('clients-ca')] }),
    backendClientCertificate: CertificateRef.fromSecretName('gw-client'),
  });
  new HttpRoute(chart, 'Route', {
    metadata: { name: 'api', namespace: NS },
    parentRefs: [ParentRef.fromGateway(gateway)],
    rules: [{ backendRefs: [BackendRef.fromService(api, { port: 8443 })] }],
  });
  new BackendTlsPolicy(chart, 'ApiTls', {
    metadata: { name: 'api-tls', namespace: NS },
    targets: [BackendTlsPolicyTarget.fromServiceName('api')],
    hostname: 'api.edge.svc',
    caCertificates: BackendCaCertificates.fromRefs([policyCa]),
  });
  return { chart, gateway };
}

describe('GatewayDeployment in ConfigMap mode with BackendTLSPolicies and client certificates', () => {
  test('the routes ConfigMap carries the policy and the CA ConfigMaps it names; the gateway compiles them into backend TLS and client validation', () => {
    // GIVEN
    const { chart, gateway } = app();
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: NS } });
    const manifests = Testing.synth(chart);
    // THEN the served documents hold the two CA ConfigMaps (not the unrelated one) and the policy
    const routes = manifests.find((m) => m.kind === 'ConfigMap' && m.data?.['routes.yaml']);
    const served = parseAllDocuments(routes.data['routes.yaml']).map((d) => d.toJS());
    expect(served.map((o) => `${o.kind} ${o.metadata.name}`)).toStrictEqual(['Service api', 'ConfigMap api-ca', 'ConfigMap clients-ca', 'Gateway gw', 'HTTPRoute api', 'BackendTLSPolicy api-tls']);
    // AND compiled as the pods do, the backend is reached over TLS with the CA, and clients are validated against theirs
    const table = compile(docs(served), { servicesComplete: true });
    const backend = table.gateways[0].ports[0].listeners[0].routes[0].rules[0].backends[0];
    expect(backend.target?.tls).toMatchObject({ policy: `${NS}/api-tls`, hostname: 'api.edge.svc', ca: PEM });
    expect(backend.target?.tls?.invalid).toBeUndefined();
    expect(table.sockets[0].clientValidation).toStrictEqual({ ca: PEM, mode: 'AllowValidOnly' });
    // AND the backend client certificate is mounted and read like a listener certificate
    const args: string[] = manifests.find((m) => m.kind === 'Deployment').spec.template.spec.containers[0].args;
    expect(args.flatMap((a, i) => (a === '--tls-secret' ? [args[i + 1]] : []))).toStrictEqual([
      `${NS}/gw-client=/etc/cdk8s-gateway/tls/${NS}/gw-client`, `${NS}/gw-tls=/etc/cdk8s-gateway/tls/${NS}/gw-tls`,
    ]);
  });

  test('fails synth when a CA ConfigMap is not defined in the app, or a CA is in a Secret, naming the object and the way out', () => {
    // GIVEN an app without the CA ConfigMaps, and one whose policy names a Secret
    const missing = app(undefined, false);
    new GatewayDeployment(missing.chart, 'Runtime', { gateways: [missing.gateway], metadata: { namespace: NS } });
    const secret = app(CaCertificateRef.fromSecretName('api-ca-secret'));
    new GatewayDeployment(secret.chart, 'Runtime', { gateways: [secret.gateway], metadata: { namespace: NS } });
    // WHEN / THEN
    expect(() => Testing.synth(missing.chart)).toThrow(
      `test/Runtime: the BackendTLSPolicy "${NS}/api-tls" (test/ApiTls) names the CA certificate ConfigMap "${NS}/api-ca", which this app does not define;`
      + ' in ConfigMap mode the gateway reads only the objects of this app, so define it in this app, or run the gateway in controller mode'
      + ' (GatewayDeploymentMode.kubernetes()), where it reads CA certificates from the Kubernetes API');
    expect(() => Testing.synth(missing.chart)).toThrow(`the Gateway "${NS}/gw" (test/Gateway) names the CA certificate ConfigMap "${NS}/clients-ca"`);
    expect(() => Testing.synth(secret.chart)).toThrow(
      `test/Runtime: the BackendTLSPolicy "${NS}/api-tls" (test/ApiTls) names the CA certificate Secret "${NS}/api-ca-secret"; in ConfigMap mode`);
  });

  test('fails when the backend client certificate Secret is in another namespace than the pods', () => {
    // GIVEN an HTTP Gateway whose backend client certificate is in namespace "certs"
    const chart = Testing.chart();
    const gateway = new Gateway(chart, 'Gateway', {
      metadata: { name: 'gw', namespace: NS },
      gatewayClassName: 'cdk8s-gateway',
      listeners: [Listener.http({ name: 'http', port: 80 })],
      backendClientCertificate: CertificateRef.fromSecretName('gw-client', 'certs'),
    });
    // WHEN / THEN
    expect(() => new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: NS } })).toThrow(
      `test/Runtime: test/Gateway uses the backend client certificate Secret "certs/gw-client", but the gateway pods run in namespace "${NS}"`
      + ` and can mount Secrets of their own namespace only; put the Secret (or a copy) in "${NS}"`);
  });

  test('controller mode reads CA certificates from the API: no ConfigMap is required in the app, no Secret is mounted', () => {
    // GIVEN an app without the CA ConfigMaps
    const { chart, gateway } = app(undefined, false);
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway], metadata: { namespace: NS }, mode: GatewayDeploymentMode.kubernetes() });
    const manifests = Testing.synth(chart);
    // THEN
    const args: string[] = manifests.find((m) => m.kind === 'Deployment').spec.template.spec.containers[0].args;
    expect(args).not.toContain('--tls-secret');
  });
});
