/**
 * The certificate for the HTTPS cases, generated when the suite starts (never committed): one self-signed
 * certificate whose subjectAltName covers every hostname the HTTPS cases use (SNI names, Host names and the
 * HTTPS listeners' hostnames, wildcards included), served by the gateway from the `kubernetes.io/tls` Secret
 * `gateway-conformance-infra/tls-validity-checks-certificate` and trusted by the test client.
 */
import * as selfsigned from 'selfsigned';
import type { CaseFile, K8sObject } from './cases';

export const TLS_SECRET_NAMESPACE = 'gateway-conformance-infra';
export const TLS_SECRET_NAME = 'tls-validity-checks-certificate';

export interface ConformanceCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly hostnames: readonly string[];
  /** The `kubernetes.io/tls` Secret carrying the certificate and key. */
  readonly secret: K8sObject;
}

/** Hostnames a certificate must cover so that every HTTPS case of these files verifies. */
export function httpsHostnames(files: readonly CaseFile[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    for (const g of f.gateways) {
      for (const l of g.spec?.listeners ?? []) {
        if (l.protocol === 'HTTPS' && l.hostname) names.add(l.hostname);
      }
    }
    for (const c of f.cases) {
      if (c.request.scheme !== 'https') continue;
      if (c.request.host) names.add(c.request.host.replace(/:\d+$/, ''));
      if (c.request.tls?.serverName) names.add(c.request.tls.serverName);
    }
  }
  return [...names].sort();
}

/** A self-signed certificate (its own CA) for `hostnames` (the first is the CN), plus `uris` as URI subject alternative names. */
export async function generateCertificate(hostnames: readonly string[], uris: readonly string[] = []): Promise<ConformanceCertificate> {
  if (hostnames.length === 0) throw new Error('a certificate needs at least one hostname');
  const now = Date.now();
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostnames[0] }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [...hostnames.map((value) => ({ type: 2 as const, value })), ...uris.map((value) => ({ type: 6 as const, value }))] },
    ],
  });
  const secret: K8sObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: TLS_SECRET_NAME, namespace: TLS_SECRET_NAMESPACE },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(pems.cert).toString('base64'),
      'tls.key': Buffer.from(pems.private).toString('base64'),
    },
  };
  return { certPem: pems.cert, keyPem: pems.private, hostnames: [...hostnames], secret };
}
