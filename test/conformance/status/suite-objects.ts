/**
 * Turns the status cases' objects into what upstream's suite creates (FORMAT.md, "How upstream applies objects" and
 * "Placeholders"): the certificate material generated at setup (CAs per ConfigMap, server and client certificates
 * signed by them or self-signed, RSA 2048 as upstream), the class and controller under test, the suite's addresses,
 * and the Applier's rewrites of Gateways and GatewayClasses.
 */
import { webcrypto } from 'crypto';
import * as x509 from '@peculiar/x509';
import type { K8sObject } from '../harness/cases';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

export interface Pem {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A key-usage bit set. */
function usages(...flags: x509.KeyUsageFlags[]): number {
  // eslint-disable-next-line no-bitwise
  return flags.reduce((all: number, f) => all | f, 0);
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** The certificate material of one suite run, generated on first use and then the same for every reference. */
export class SuiteCertificates {
  private readonly cas = new Map<string, Promise<{ pem: Pem; cert: x509.X509Certificate; keys: KeyPair }>>();
  private readonly leaves = new Map<string, Promise<Pem>>();
  private serial = 1;

  /** The CA that the suite generates for ConfigMap `<namespace>/<name>`. */
  public async ca(ref: string): Promise<Pem> {
    return (await this.caOf(ref)).pem;
  }

  private caOf(ref: string): Promise<{ pem: Pem; cert: x509.X509Certificate; keys: KeyPair }> {
    if (!/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(ref)) throw new Error(`status cases: CA reference "${ref}" must be <namespace>/<configmap>`);
    let ca = this.cas.get(ref);
    if (!ca) {
      ca = (async () => {
        const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as unknown as KeyPair;
        const name = `CN=${ref.replace('/', ' ')} CA`;
        const cert = await x509.X509CertificateGenerator.createSelfSigned({
          serialNumber: this.nextSerial(),
          name,
          notBefore: new Date(Date.now() - 60_000),
          notAfter: new Date(Date.now() + 24 * 3600_000),
          keys,
          signingAlgorithm: RSA,
          extensions: [
            new x509.BasicConstraintsExtension(true, undefined, true),
            new x509.KeyUsagesExtension(
              usages(x509.KeyUsageFlags.keyCertSign, x509.KeyUsageFlags.cRLSign, x509.KeyUsageFlags.digitalSignature),
              true,
            ),
          ],
        });
        return { pem: { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) }, cert, keys };
      })();
      this.cas.set(ref, ca);
    }
    return ca;
  }

  private nextSerial(): string {
    return (this.serial++).toString(16).padStart(2, '0');
  }

  /** A server certificate for `hosts` (DNS names, or URIs such as spiffe://...), self-signed or signed by a suite CA. */
  public server(hosts: string[], signer: string): Promise<Pem> {
    return this.leaf('server', hosts, signer);
  }

  /** A client certificate signed by a suite CA. */
  public client(signer: string): Promise<Pem> {
    return this.leaf('client', [], signer);
  }

  private leaf(kind: 'server' | 'client', hosts: string[], signer: string): Promise<Pem> {
    const id = `${kind}|${hosts.join(',')}|${signer}`;
    let leaf = this.leaves.get(id);
    if (!leaf) {
      leaf = (async () => {
        const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as unknown as KeyPair;
        const sans = hosts.map((h) => (/^[a-z][a-z0-9+.-]*:\/\//.test(h) ? { type: 'url' as const, value: h } : { type: 'dns' as const, value: h }));
        const extensions: x509.Extension[] = [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(usages(x509.KeyUsageFlags.digitalSignature, x509.KeyUsageFlags.keyEncipherment), true),
          new x509.ExtendedKeyUsageExtension([kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
        ];
        if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
        const subject = `CN=${kind === 'server' ? hosts[0] : 'gateway-conformance-client'}`;
        const common = {
          serialNumber: this.nextSerial(),
          notBefore: new Date(Date.now() - 60_000),
          notAfter: new Date(Date.now() + 24 * 3600_000),
          signingAlgorithm: RSA,
          extensions,
        };
        let cert: x509.X509Certificate;
        if (signer === 'self') {
          if (kind === 'client') throw new Error('status cases: a client certificate needs a CA signer (<namespace>/<configmap>), not "self"');
          cert = await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys });
        } else {
          const ca = await this.caOf(signer);
          cert = await x509.X509CertificateGenerator.create({
            ...common,
            subject,
            issuer: ca.cert.subject,
            publicKey: keys.publicKey,
            signingKey: ca.keys.privateKey,
          });
        }
        return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
      })();
      this.leaves.set(id, leaf);
    }
    return leaf;
  }
}

export interface SuiteAddress {
  readonly type?: string;
  readonly value: string;
}

/** What a suite run fills in: upstream's `ConformanceOptions` that the objects and expectations refer to. */
export interface SuiteEnv {
  readonly gatewayClassName: string;
  readonly controllerName: string;
  readonly usableAddresses: readonly SuiteAddress[];
  readonly unusableAddresses: readonly SuiteAddress[];
  readonly certificates: SuiteCertificates;
  /** EndpointSlice endpoints for a Deployment's Pods (`{POD_ENDPOINTS:...}`); a run without Pods leaves it out. */
  readonly podEndpoints?: (namespace: string, deployment: string, family: 'IPv4' | 'IPv6') => unknown[];
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function fillString(text: string, env: SuiteEnv, where: string): Promise<unknown> {
  const whole = /^\{(TLS_CERT|TLS_KEY|TLS_CLIENT_CERT|TLS_CLIENT_KEY|CA_CERT|CA_KEY|POD_ENDPOINTS):([^}]*)\}$/.exec(text);
  if (whole) {
    const [, kind, arg] = whole;
    if (kind === 'POD_ENDPOINTS') {
      const m = /^([a-z0-9-]+)\/([a-z0-9-]+):(IPv4|IPv6)$/.exec(arg);
      if (!m) throw new Error(`status cases: ${where}: bad placeholder ${text} (expected {POD_ENDPOINTS:<ns>/<deployment>:IPv4|IPv6})`);
      if (!env.podEndpoints) throw new Error(`status cases: ${where}: ${text} needs the Pod addresses of ${m[1]}/${m[2]}; this run has no Pods (give SuiteEnv.podEndpoints)`);
      return env.podEndpoints(m[1], m[2], m[3] as 'IPv4' | 'IPv6');
    }
    if (kind === 'CA_CERT' || kind === 'CA_KEY') {
      const ca = await env.certificates.ca(arg);
      return kind === 'CA_CERT' ? ca.certPem : ca.keyPem;
    }
    const fields = Object.fromEntries(arg.split(';').map((kv) => kv.split('=') as [string, string]));
    if (!fields.signer) throw new Error(`status cases: ${where}: ${text} names no signer (signer=self or signer=<ns>/<configmap>)`);
    const pem = kind.startsWith('TLS_CLIENT')
      ? await env.certificates.client(fields.signer)
      : await env.certificates.server((fields.hosts ?? '').split(',').filter(Boolean), fields.signer);
    return b64(kind.endsWith('_KEY') ? pem.keyPem : pem.certPem);
  }
  const usable = env.usableAddresses[0];
  const unusable = env.unusableAddresses[0];
  const simple: Record<string, string | undefined> = {
    GATEWAY_CLASS_NAME: env.gatewayClassName,
    GATEWAY_CONTROLLER_NAME: env.controllerName,
    CONTROLLER_NAME: env.controllerName,
    USABLE_ADDRESS: usable?.value,
    USABLE_ADDRESS_TYPE: usable ? usable.type ?? 'IPAddress' : undefined,
    UNUSABLE_ADDRESS: unusable?.value,
    UNUSABLE_ADDRESS_TYPE: unusable ? unusable.type ?? 'IPAddress' : undefined,
  };
  return text.replace(/\{([A-Z_]+)\}/g, (all, name: string) => {
    if (!(name in simple)) return all;
    const value = simple[name];
    if (value === undefined) throw new Error(`status cases: ${where}: ${all} needs a suite address; configure SuiteEnv.${name.startsWith('UN') ? 'unusableAddresses' : 'usableAddresses'}`);
    return value;
  });
}

/** Every placeholder of `value` (objects, patches, expectations) filled in; `where` names it in errors. */
export async function fillPlaceholders<T>(value: T, env: SuiteEnv, where: string): Promise<T> {
  if (typeof value === 'string') return (await fillString(value, env, where)) as T;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => fillPlaceholders(v, env, where)))) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await fillPlaceholders(v, env, where);
    return out as T;
  }
  return value;
}

/**
 * Upstream's `Applier.prepareResources`: a Gateway gets the class under test and its `spec.addresses` rebuilt
 * (entries of type `test/fake-invalid-type` kept, then the unusable and the usable addresses where the manifest
 * asks for them; none left means no `spec.addresses`); a GatewayClass gets the controller under test.
 */
export function prepareForApply(object: K8sObject, env: SuiteEnv): K8sObject {
  const o: K8sObject = JSON.parse(JSON.stringify(object));
  if (o.kind === 'GatewayClass') {
    o.spec = { ...o.spec, controllerName: env.controllerName };
  }
  if (o.kind === 'Gateway') {
    o.spec = { ...o.spec, gatewayClassName: env.gatewayClassName };
    const addresses: Array<{ type?: string; value: string }> = o.spec.addresses ?? [];
    if (addresses.length) {
      const rebuilt: Array<{ type?: string; value: string }> = addresses.filter((a) => a.type === 'test/fake-invalid-type');
      const asType = (a: SuiteAddress): { type: string; value: string } => ({ type: a.type ?? 'IPAddress', value: a.value });
      if (addresses.some((a) => a.value === 'PLACEHOLDER_UNUSABLE_ADDRS')) rebuilt.push(...env.unusableAddresses.map(asType));
      if (addresses.some((a) => a.value === 'PLACEHOLDER_USABLE_ADDRS')) rebuilt.push(...env.usableAddresses.map(asType));
      if (rebuilt.length) o.spec.addresses = rebuilt;
      else delete o.spec.addresses;
    }
  }
  return o;
}
