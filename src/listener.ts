import { AllowedRoutes } from './allowed-routes';
import { CertificateRef } from './certificate-ref';
import { validateDnsSubdomain, validateHostname, validatePort } from './validation';

/**
 * The protocol of a listener.
 */
export enum ListenerProtocol {
  /** Plain-text HTTP (HTTPRoute, GRPCRoute over h2c). */
  HTTP = 'HTTP',
  /** HTTP over TLS terminated at the Gateway (HTTPRoute, GRPCRoute). */
  HTTPS = 'HTTPS',
}

/**
 * Properties of a plain-text HTTP listener.
 */
export interface HttpListenerProps {
  /**
   * The listener name, unique in the Gateway; routes attach to it with `sectionName`.
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
   * The listener name, unique in the Gateway; routes attach to it with `sectionName`.
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
   * The certificates the listener presents (1 to 64); TLS is terminated at the Gateway.
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
    if (props.certificateRefs.length < 1 || props.certificateRefs.length > 64) {
      throw new Error(`https listener "${props.name}" has ${props.certificateRefs.length} certificateRefs; give 1 to 64 (e.g. [CertificateRef.fromSecretName('example-com-tls')])`);
    }
    return new Listener(props.name, ListenerProtocol.HTTPS, props.port ?? 443, props.hostname, props.allowedRoutes, [...props.certificateRefs]);
  }

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
  ) {
    validateDnsSubdomain('listener name', name);
    validatePort(`listener "${name}" port`, port);
    if (hostname !== undefined) validateHostname(`listener "${name}" hostname`, hostname);
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
      tls: this.certificateRefs === undefined ? undefined : {
        mode: 'Terminate',
        certificateRefs: this.certificateRefs.map((c) => c._render(gatewayNamespace)),
      },
      allowedRoutes: this.allowedRoutes?._render(),
    };
  }
}
