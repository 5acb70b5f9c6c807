/**
 * TLS from the gateway to a backend (BackendTLSPolicy): the connection options of one policy (SNI, trust
 * anchors, the gateway's client certificate) and the server-identity check the policy names. The identity
 * check is a pure function of the policy and the peer certificate.
 */
import * as tls from 'tls';
import type { TlsCertificate, UpstreamTls } from '../engine/model';
import { hostnameMatches } from '../engine/util';

/** The resolved TLS settings of connections to one backend: what the pools connect with, and their pool identity. */
export interface UpstreamTlsOptions {
  /** Tells pools apart: equal ids = interchangeable connections. */
  readonly id: string;
  /** Options of `tls.connect` (undici's `connect`, `http2.connect`, `https.request`). */
  readonly connect: tls.ConnectionOptions;
}

/**
 * Why the backend's certificate does not satisfy the policy, or undefined when it does: one of `subjectAltNames`
 * must be among the certificate's subject alternative names (DNS names as Gateway API hostnames, URIs exactly),
 * else `hostname` must match as TLS clients check it (RFC 6125).
 */
export function identityProblem(policy: UpstreamTls, cert: tls.PeerCertificate): Error | undefined {
  if (policy.subjectAltNames.length === 0) return tls.checkServerIdentity(policy.hostname, cert);
  const sans = (cert.subjectaltname ?? '').split(/,\s*/).filter((s) => s !== '');
  const dns = sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
  const uris = sans.filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
  for (const want of policy.subjectAltNames) {
    if (want.type === 'URI' && uris.includes(want.value)) return undefined;
    if (want.type === 'Hostname' && dns.some((d) => d === want.value || (d.startsWith('*.') && hostnameMatches(d, want.value)))) return undefined;
  }
  const wanted = policy.subjectAltNames.map((s) => `${s.type === 'URI' ? 'URI' : 'DNS'}:${s.value}`).join(', ');
  return Object.assign(new Error(`the backend certificate's subject alternative names (${sans.join(', ') || 'none'}) include none of ${wanted} (BackendTLSPolicy ${policy.policy})`), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });
}

const cache = new WeakMap<UpstreamTls, Map<TlsCertificate | undefined, UpstreamTlsOptions>>();
let nextId = 0;

/** The connection options of a policy with the Gateway's client certificate (one object per pair, for pooling). */
export function upstreamTlsOptions(policy: UpstreamTls, client: TlsCertificate | undefined): UpstreamTlsOptions {
  let byClient = cache.get(policy);
  if (!byClient) cache.set(policy, byClient = new Map());
  let out = byClient.get(client);
  if (!out) {
    out = {
      id: `tls${++nextId}`,
      connect: {
        servername: policy.hostname,
        rejectUnauthorized: true,
        ...(policy.ca !== undefined ? { ca: policy.ca } : {}),
        ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
        checkServerIdentity: (_host, cert) => identityProblem(policy, cert),
      },
    };
    byClient.set(client, out);
  }
  return out;
}
