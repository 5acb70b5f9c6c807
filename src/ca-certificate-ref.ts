import * as kplus from 'cdk8s-plus-28';
import { q, validateGroup, validateKind, validateNamespace, validateObjectName } from './validation';
import { checkValues, problemOf } from './value-problem';

/**
 * A CA certificate bundle (PEM, under the key `ca.crt`) that certificates are verified against: a ConfigMap
 * (core support) or a Secret.
 */
export class CaCertificateRef {
  /**
   * A ConfigMap by name, e.g. `CaCertificateRef.fromConfigMapName('clients-ca')`. A ConfigMap in another namespace
   * needs a ReferenceGrant there.
   */
  public static fromConfigMapName(name: string, configMapNamespace?: string): CaCertificateRef {
    return new CaCertificateRef('', 'ConfigMap', name, configMapNamespace);
  }

  /**
   * A cdk8s-plus ConfigMap.
   */
  public static fromConfigMap(configMap: kplus.ConfigMap): CaCertificateRef {
    return new CaCertificateRef('', 'ConfigMap', configMap.name, configMap.metadata.namespace);
  }

  /**
   * A Secret by name. A Secret in another namespace needs a ReferenceGrant there.
   */
  public static fromSecretName(name: string, secretNamespace?: string): CaCertificateRef {
    return new CaCertificateRef('', 'Secret', name, secretNamespace);
  }

  /**
   * An object of any kind that an implementation reads CA certificates from.
   */
  public static of(group: string, kind: string, name: string, objectNamespace?: string): CaCertificateRef {
    return new CaCertificateRef(group, kind, name, objectNamespace);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The API group ('' for core). */
    public readonly group: string,
    /** The kind, e.g. `ConfigMap`. */
    public readonly kind: string,
    /** The name of the object. */
    public readonly name: string,
    /**
     * The namespace of the object.
     *
     * @default - the referring object's namespace
     */
    public readonly namespace?: string,
  ) {
    this._problem = problemOf(() => {
      validateGroup('ca certificate group', group);
      validateKind('ca certificate kind', kind);
      validateObjectName('ca certificate name', name);
      if (namespace !== undefined) validateNamespace(`ca certificate ${q(name)} namespace`, namespace);
    });
  }

  /** @internal */
  public _render(fromNamespace: string | undefined): { group: string; kind: string; name: string; namespace?: string } {
    return {
      group: this.group,
      kind: this.kind,
      name: this.name,
      namespace: this.namespace !== undefined && this.namespace !== fromNamespace ? this.namespace : undefined,
    };
  }
}

/**
 * What a Gateway does with a client that presents no certificate, or one that does not verify
 * (`tls.frontend...validation.mode`).
 */
export enum ClientCertificateMode {
  /** Only clients with a certificate that verifies against the CAs may connect (the default). */
  ALLOW_VALID_ONLY = 'AllowValidOnly',
  /** Clients without a valid certificate connect too, and a certificate is verified when presented. */
  ALLOW_INSECURE_FALLBACK = 'AllowInsecureFallback',
}

/**
 * Options of `ClientCertificateValidation.of`.
 */
export interface ClientCertificateValidationOptions {
  /**
   * The CA certificates client certificates must chain to (1 to 16).
   */
  readonly caCertificateRefs: CaCertificateRef[];

  /**
   * What happens to clients without a valid certificate.
   *
   * @default ClientCertificateMode.ALLOW_VALID_ONLY
   */
  readonly mode?: ClientCertificateMode;
}

/**
 * Client-certificate validation on a Gateway's TLS listeners (mutual TLS, GEP-91): the CAs client certificates must
 * chain to, and whether clients without one are let in.
 */
export class ClientCertificateValidation {
  /**
   * Validation with the given CAs, e.g.
   * `ClientCertificateValidation.of({ caCertificateRefs: [CaCertificateRef.fromConfigMapName('clients-ca')] })`.
   */
  public static of(options: ClientCertificateValidationOptions): ClientCertificateValidation {
    return new ClientCertificateValidation([...options.caCertificateRefs ?? []], options.mode ?? ClientCertificateMode.ALLOW_VALID_ONLY);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The CA certificates. */
    public readonly caCertificateRefs: CaCertificateRef[],
    /** What happens to clients without a valid certificate. */
    public readonly mode: ClientCertificateMode,
  ) {
    this._problem = problemOf(() => {
      const n = caCertificateRefs.length;
      if (n < 1 || n > 16) {
        throw new Error(`client certificate validation has ${n} caCertificateRefs; give 1 to 16 (e.g. [CaCertificateRef.fromConfigMapName('clients-ca')])`);
      }
      checkValues('caCertificateRef', caCertificateRefs);
    });
  }

  /** @internal */
  public _render(gatewayNamespace: string | undefined): any {
    return { validation: { caCertificateRefs: this.caCertificateRefs.map((c) => c._render(gatewayNamespace)), mode: this.mode } };
  }
}

/**
 * Client-certificate validation for the TLS listeners on one port, overriding the Gateway's default.
 */
export interface PerPortClientCertificateValidation {
  /** The port. */
  readonly port: number;
  /** The validation for that port. */
  readonly validation: ClientCertificateValidation;
}
