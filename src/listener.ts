import { AllowedRoutes } from './allowed-routes';
import { CertificateRef } from './certificate-ref';
import { validateDnsSubdomain, validateHostname, validatePort } from './validation';
import { checkValue, checkValues, problemOf } from './value-problem';

/**
 * The protocol of a listener.
 */
export enum ListenerProtocol {
  /** Plain-text HTTP (HTTPRoute, GRPCRoute over h2c). */
  HTTP = 'HTTP',
  /** HTTP over TLS terminated at the Gateway (HTTPRoute, GRPCRoute). */
  HTTPS = 'HTTPS',
  /** TLS routed by SNI, passed through or terminated at the Gateway (TLSRoute). */
  TLS = 'TLS',
}

/**
 * What a TLS listener does with the TLS connection (`tls.mode`).
 */
export enum TlsMode {
  /** The Gateway terminates TLS with the listener's certificates. */
  TERMINATE = 'Terminate',
  /** The Gateway routes by SNI and passes the encrypted stream to the backend, which terminates TLS. */
  PASSTHROUGH = 'Passthrough',
}

/**
 * Properties of a plain-text HTTP listener.
 */
export interface HttpListenerProps {
  /**
   * The listener name, unique in the Gateway, that routes attach to with `sectionName`.
   */
  readonly name: string;

  /**
   * The port.
   *
   * @default 80
   */
  readonly port?: number;

  /**
   * The hostname the listener serves (a wildcard is allowed as the whole first label, e.g. `*.example.com`).
   *
   * @default - every hostname
   */
  readonly hostname?: string;

  /**
   * Which routes may attach.
   *
   * @default - routes in the Gateway's namespace (AllowedRoutes.same())
   */
  readonly allowedRoutes?: AllowedRoutes;
}

/**
 * Properties of an HTTPS listener.
 */
export interface HttpsListenerProps {
  /**
   * The listener name, unique in the Gateway, that routes attach to with `sectionName`.
   */
  readonly name: string;

  /**
   * The port.
   *
   * @default 443
   */
  readonly port?: number;

  /**
   * The hostname the listener serves (a wildcard is allowed as the whole first label, e.g. `*.example.com`).
   *
   * @default - every hostname
   */
  readonly hostname?: string;

  /**
   * The certificates the listener presents (1 to 64), terminating TLS at the Gateway.
   */
  readonly certificateRefs: CertificateRef[];

  /**
   * Which routes may attach.
   *
   * @default - routes in the Gateway's namespace (AllowedRoutes.same())
   */
  readonly allowedRoutes?: AllowedRoutes;
}

/**
 * Properties of a TLS listener that passes the encrypted stream through to the backend.
 */
export interface TlsPassthroughListenerProps {
  /**
   * The listener name, unique in the Gateway, that routes attach to with `sectionName`.
   */
  readonly name: string;

  /**
   * The port.
   *
   * @default 443
   */
  readonly port?: number;

  /**
   * The SNI hostname the listener serves (a wildcard is allowed as the whole first label, e.g. `*.example.com`).
   *
   * @default - every hostname
   */
  readonly hostname?: string;

  /**
   * Which routes may attach.
   *
   * @default - TLSRoutes in the Gateway's namespace (AllowedRoutes.same())
   */
  readonly allowedRoutes?: AllowedRoutes;
}

/**
 * Properties of a TLS listener that terminates TLS and forwards the decrypted stream.
 */
export interface TlsTerminateListenerProps extends TlsPassthroughListenerProps {
  /**
   * The certificates the listener presents (1 to 64).
   */
  readonly certificateRefs: CertificateRef[];
}

/**
 * A listener of a Gateway: a port, protocol and optional hostname that routes attach to.
 */
export class Listener {
  /**
   * A plain-text HTTP listener, e.g. `Listener.http({ name: 'http' })` on port 80.
   */
  public static http(props: HttpListenerProps): Listener {
    return new Listener(props.name, ListenerProtocol.HTTP, props.port ?? 80, props.hostname, props.allowedRoutes, undefined);
  }

  /**
   * An HTTPS listener terminating TLS with the given certificates, e.g.
   * `Listener.https({ name: 'https', certificateRefs: [CertificateRef.fromSecretName('example-com-tls')] })`.
   */
  public static https(props: HttpsListenerProps): Listener {
    return new Listener(props.name, ListenerProtocol.HTTPS, props.port ?? 443, props.hostname, props.allowedRoutes, [...props.certificateRefs ?? []]);
  }

  /**
   * A TLS listener that routes TLSRoutes by SNI and passes the encrypted stream through (the backend terminates
   * TLS), e.g. `Listener.tlsPassthrough({ name: 'tls', hostname: '*.example.com' })`.
   */
  public static tlsPassthrough(props: TlsPassthroughListenerProps): Listener {
    return new Listener(props.name, ListenerProtocol.TLS, props.port ?? 443, props.hostname, props.allowedRoutes, undefined, TlsMode.PASSTHROUGH);
  }

  /**
   * A TLS listener that terminates TLS with the given certificates and forwards the decrypted stream to the
   * TLSRoute's backends, e.g. `Listener.tlsTerminate({ name: 'tls', certificateRefs: [CertificateRef.fromSecretName('db-tls')] })`.
   */
  public static tlsTerminate(props: TlsTerminateListenerProps): Listener {
    const certificateRefs = [...props.certificateRefs ?? []];
    return new Listener(props.name, ListenerProtocol.TLS, props.port ?? 443, props.hostname, props.allowedRoutes, certificateRefs, TlsMode.TERMINATE);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The listener name. */
    public readonly name: string,
    /** The protocol. */
    public readonly protocol: ListenerProtocol,
    /** The port. */
    public readonly port: number,
    /**
     * The hostname.
     *
     * @default - every hostname
     */
    public readonly hostname: string | undefined,
    /**
     * Which routes may attach.
     *
     * @default - routes in the Gateway's namespace
     */
    public readonly allowedRoutes: AllowedRoutes | undefined,
    private readonly certificateRefs: CertificateRef[] | undefined,
    /**
     * What the listener does with TLS: HTTPS listeners terminate it, TLS listeners terminate it or pass it through.
     *
     * @default - no TLS (an HTTP listener)
     */
    public readonly tlsMode: TlsMode | undefined = certificateRefs === undefined ? undefined : TlsMode.TERMINATE,
  ) {
    this._problem = problemOf(() => {
      validateDnsSubdomain('listener name', name);
      const what = `${protocol === ListenerProtocol.HTTP ? 'http' : protocol === ListenerProtocol.HTTPS ? 'https' : 'tls'} listener "${name}"`;
      validatePort(`${what} port`, port);
      if (hostname !== undefined) validateHostname(`${what} hostname`, hostname);
      checkValue(`${what} allowedRoutes`, allowedRoutes);
      if (certificateRefs !== undefined) {
        if (certificateRefs.length < 1 || certificateRefs.length > 64) {
          throw new Error(`${what} has ${certificateRefs.length} certificateRefs; give 1 to 64 (e.g. [CertificateRef.fromSecretName('example-com-tls')])`);
        }
        checkValues(`${what} certificateRef`, certificateRefs);
      }
    });
  }

  /** The listener as the shared model reads it. @internal */
  public _spec(): { name: string; port: number; protocol: string; hostname?: string } {
    return { name: this.name, port: this.port, protocol: this.protocol, hostname: this.hostname };
  }

  /** The certificates of an HTTPS listener. @internal */
  public get _certificates(): CertificateRef[] {
    return this.certificateRefs ?? [];
  }

  /** @internal */
  public _render(gatewayNamespace: string | undefined): any {
    return {
      name: this.name,
      hostname: this.hostname,
      port: this.port,
      protocol: this.protocol,
      tls: this.tlsMode === undefined ? undefined : {
        mode: this.tlsMode,
        certificateRefs: this.certificateRefs?.map((c) => c._render(gatewayNamespace)),
      },
      allowedRoutes: this.allowedRoutes?._render(),
    };
  }
}
