import * as kplus from 'cdk8s-plus-28';
import { q, validateNamespace, validateObjectName } from './validation';
import { problemOf } from './value-problem';

/**
 * A TLS certificate (a `kubernetes.io/tls` Secret) that an HTTPS listener presents.
 */
export class CertificateRef {
  /**
   * A Secret by name, e.g. `CertificateRef.fromSecretName('example-com-tls')`. A Secret in another namespace needs a
   * ReferenceGrant there (`ReferenceGrantFrom.gateways(...)`, `ReferenceGrantTo.secrets(...)`).
   */
  public static fromSecretName(name: string, secretNamespace?: string): CertificateRef {
    return new CertificateRef(name, secretNamespace);
  }

  /**
   * A cdk8s-plus Secret (e.g. a `kplus.TlsSecret`).
   */
  public static fromSecret(secret: kplus.Secret): CertificateRef {
    return new CertificateRef(secret.name, secret.metadata.namespace);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The name of the Secret. */
    public readonly name: string,
    /**
     * The namespace of the Secret.
     *
     * @default - the Gateway's namespace
     */
    public readonly namespace?: string,
  ) {
    this._problem = problemOf(() => {
      validateObjectName('certificate secret name', name);
      if (namespace !== undefined) validateNamespace(`certificate secret ${q(name)} namespace`, namespace);
    });
  }

  /** @internal */
  public _render(gatewayNamespace: string | undefined): any {
    return {
      name: this.name,
      namespace: this.namespace !== undefined && this.namespace !== gatewayNamespace ? this.namespace : undefined,
    };
  }
}
