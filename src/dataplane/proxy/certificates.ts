/**
 * The certificates an HTTPS listener socket offers, per Gateway listener, and what happens when one cannot
 * be used. A certificate or key that does not parse, or a key that does not belong to its certificate,
 * never reaches `tls.createSecureContext` of a serving socket (which throws) and never stops the process:
 *
 * - on a reload, the listener keeps the certificates it was serving, and a problem says which Secret and why;
 * - with nothing to keep (at start, or a listener new in this reload) the listener is not programmed: TLS
 *   handshakes whose server name selects it fail, the other listeners of the socket and of the process serve.
 *
 * Selection follows `SocketSpec.certificates`: the first listener whose hostname matches the server name (they
 * are ordered most specific first), else the listener without hostname, else the first listener. A listener
 * that is not programmed is never replaced by another listener's certificate for its own hostnames.
 */
import { X509Certificate, createPrivateKey } from 'crypto';
import * as tls from 'tls';
import type { ClientValidation, SniCertificate, TlsCertificate } from '../engine/model';
import { hostnameMatches } from '../engine/util';

/** A listener whose new certificates could not be used. */
export interface CertificateProblem {
  /** Listener name. */
  readonly listener: string;
  readonly hostname?: string;
  /** `namespace/name` of the Secret at fault, when one is. */
  readonly secret?: string;
  /** The Secret key at fault: `tls.crt`, `tls.key`, or both (a key that does not match its certificate). */
  readonly keys?: readonly ('tls.crt' | 'tls.key')[];
  readonly reason: string;
  /** `kept`: the listener serves the certificates it had; `not programmed`: its handshakes fail. */
  readonly outcome: 'kept' | 'not programmed';
}

/** Why a certificate and key cannot be served, or undefined when they can. */
export function certificateFault(c: TlsCertificate): { keys: ('tls.crt' | 'tls.key')[]; reason: string } | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(c.certPem);
  } catch (err: any) {
    return { keys: ['tls.crt'], reason: `tls.crt is not a PEM X.509 certificate (${opensslReason(err)})` };
  }
  let key;
  try {
    key = createPrivateKey(c.keyPem);
  } catch (err: any) {
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(c.keyPem);
    return { keys: ['tls.key'], reason: encrypted ? 'tls.key is encrypted (a Secret must hold an unencrypted key)' : `tls.key is not a PEM private key (${opensslReason(err)})` };
  }
  if (!cert.checkPrivateKey(key)) {
    return { keys: ['tls.crt', 'tls.key'], reason: `tls.key does not belong to the certificate of tls.crt (subject ${cert.subject.replace(/\n/g, ', ')}): put the key and certificate of one pair in the Secret` };
  }
  try {
    tls.createSecureContext({ cert: c.certPem, key: c.keyPem });
  } catch (err: any) {
    return { keys: ['tls.crt', 'tls.key'], reason: `TLS cannot use this certificate and key (${opensslReason(err)})` };
  }
  return undefined;
}

function opensslReason(err: any): string {
  const text = String(err?.message ?? err);
  // OpenSSL messages look like 'error:0480006C:PEM routines::no start line'
  const m = /:([^:]+)$/.exec(text);
  return (m ? m[1] : text).trim();
}

interface Programmed {
  readonly hostname?: string;
  /** The certificates served; undefined = not programmed. */
  readonly certificates?: readonly TlsCertificate[];
  readonly context?: tls.SecureContext;
}

/** The programmed certificates of one HTTPS socket, by listener. */
export class SocketCertificates {
  /** In selection order (the spec's order). */
  private listeners: { readonly name: string; readonly state: Programmed }[] = [];

  /** The CA bundle client certificates are verified against (`SocketSpec.clientValidation`); none = no client certificate asked. */
  private ca: string | undefined;

  /**
   * Programs the socket's listeners from a (new) spec; returns what could not be used. Never throws. `ca`: the
   * CA bundle client certificates are verified against, when the socket validates them.
   */
  apply(entries: readonly SniCertificate[], ca?: string): CertificateProblem[] {
    const caChanged = ca !== this.ca;
    this.ca = ca;
    const previous = new Map(this.listeners.map((l) => [l.name, l.state]));
    const problems: CertificateProblem[] = [];
    this.listeners = entries.map((entry) => {
      const before = previous.get(entry.listener);
      let fault: { secret?: string; keys?: ('tls.crt' | 'tls.key')[]; reason: string } | undefined = entry.certificates.length === 0
        ? { reason: 'no usable certificate: its certificateRefs name no Secret with a PEM tls.crt and tls.key (see the configuration warnings)' }
        : firstFault(entry.certificates);
      if (!fault) {
        if (!caChanged && before?.certificates && before.context && samePems(before.certificates, entry.certificates)) {
          return { name: entry.listener, state: { hostname: entry.hostname, certificates: before.certificates, context: before.context } };
        }
        try {
          const context = tls.createSecureContext(secureContextOptions(entry.certificates, ca));
          return { name: entry.listener, state: { hostname: entry.hostname, certificates: entry.certificates, context } };
        } catch (err: any) {
          fault = { reason: `TLS cannot use these certificates together (${opensslReason(err)})` };
        }
      }
      const keep = before?.certificates !== undefined;
      problems.push({
        listener: entry.listener,
        ...(entry.hostname !== undefined ? { hostname: entry.hostname } : {}),
        ...(fault.secret !== undefined ? { secret: fault.secret } : {}),
        ...(fault.keys !== undefined ? { keys: fault.keys } : {}),
        reason: fault.reason,
        outcome: keep ? 'kept' : 'not programmed',
      });
      return { name: entry.listener, state: keep ? { ...before, hostname: entry.hostname } : { hostname: entry.hostname } };
    });
    return problems;
  }

  /**
   * The context for a server name (undefined = no SNI); undefined when the selected listener is not programmed
   * or none is: the handshake fails.
   */
  select(servername: string | undefined): tls.SecureContext | undefined {
    return this.selectState(servername)?.context;
  }

  /** The context options a client without SNI gets (for `server.setSecureContext`): none programmed = no certificate. */
  defaultContextOptions(): tls.SecureContextOptions {
    return secureContextOptions(this.selectState(undefined)?.certificates ?? [], this.ca);
  }

  /** Names of the listeners not programmed. */
  get unprogrammed(): string[] {
    return this.listeners.filter((l) => l.state.certificates === undefined).map((l) => l.name);
  }

  private selectState(servername: string | undefined): Programmed | undefined {
    const name = servername?.toLowerCase();
    if (name) {
      for (const l of this.listeners) if (l.state.hostname !== undefined && hostnameMatches(l.state.hostname, name)) return l.state;
    }
    const catchAll = this.listeners.find((l) => l.state.hostname === undefined);
    if (catchAll) return catchAll.state;
    return this.listeners.find((l) => l.state.certificates !== undefined)?.state;
  }
}

/**
 * Whether a client connection is refused for its certificate (GEP-91): with `AllowValidOnly`, a client without a
 * certificate that chains to the configured CAs (none configured: no client is valid); `AllowInsecureFallback` and
 * sockets without validation accept every client.
 */
export function clientCertificateRefused(validation: ClientValidation | undefined, authorized: boolean): boolean {
  if (!validation || validation.mode === 'AllowInsecureFallback') return false;
  return validation.ca === '' || !authorized;
}

function firstFault(certificates: readonly TlsCertificate[]): { secret: string; keys: ('tls.crt' | 'tls.key')[]; reason: string } | undefined {
  for (const c of certificates) {
    const f = certificateFault(c);
    if (f) return { secret: c.secret, ...f };
  }
  return undefined;
}

function samePems(a: readonly TlsCertificate[], b: readonly TlsCertificate[]): boolean {
  return a.length === b.length && a.every((c, i) => c.certPem === b[i].certPem && c.keyPem === b[i].keyPem);
}

/**
 * Options of `tls.createSecureContext` / `server.setSecureContext` for a listener's certificates, with the CA bundle
 * client certificates are verified against (only it: never the system CAs).
 */
export function secureContextOptions(certificates: readonly TlsCertificate[], ca?: string): tls.SecureContextOptions {
  return { cert: certificates.map((c) => c.certPem), key: certificates.map((c) => ({ pem: c.keyPem })), ...(ca ? { ca } : {}) };
}
