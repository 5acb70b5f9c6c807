import { Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CaCertificateRef } from './ca-certificate-ref';
import * as l1 from './imports/gateway.networking.k8s.io';
import { Resource, ResourceProps } from './resource';
import { allConstructs, treeChanged } from './tree-index';
import { q, validateDnsSubdomain, validateHostname, validateLength, validateObjectName } from './validation';
import { checkValue, checkValues, problemOf } from './value-problem';

/**
 * Options of the `BackendTlsPolicyTarget` factories.
 */
export interface BackendTlsPolicyTargetOptions {
  /**
   * The name of the Service port the policy applies to.
   *
   * @default - every port of the Service
   */
  readonly sectionName?: string;
}

/**
 * A Service (or one named port of it) whose connections from the Gateway use TLS (`spec.targetRefs`).
 */
export class BackendTlsPolicyTarget {
  /**
   * A cdk8s-plus Service, e.g. `BackendTlsPolicyTarget.fromService(api, { sectionName: 'https' })`.
   */
  public static fromService(service: kplus.Service, options: BackendTlsPolicyTargetOptions = {}): BackendTlsPolicyTarget {
    const names = service.ports.map((p) => p.name).filter((n): n is string => n !== undefined);
    const problem = problemOf(() => {
      if (options.sectionName !== undefined && !names.includes(options.sectionName)) {
        throw new Error(`service ${q(service.name)} has no port named ${q(options.sectionName)}; use one of its port names (${names.map(q).join(', ') || 'none: name the port'})`);
      }
    });
    return new BackendTlsPolicyTarget(service.name, options.sectionName, service.metadata.namespace, problem);
  }

  /**
   * A Service by name, in the policy's namespace.
   */
  public static fromServiceName(name: string, options: BackendTlsPolicyTargetOptions = {}): BackendTlsPolicyTarget {
    return new BackendTlsPolicyTarget(name, options.sectionName);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The name of the Service. */
    public readonly name: string,
    /**
     * The port name.
     *
     * @default - every port
     */
    public readonly sectionName: string | undefined,
    /** The namespace of a cdk8s-plus Service. @internal */
    public readonly _namespace?: string,
    factoryProblem?: string,
  ) {
    this._problem = factoryProblem ?? problemOf(() => {
      validateObjectName('service name', name);
      if (sectionName !== undefined) validateDnsSubdomain(`service ${q(name)} sectionName`, sectionName);
    });
  }

  /** @internal */
  public _key(): string {
    return `${this.name}#${this.sectionName ?? ''}`;
  }
}

/**
 * The CA certificates a backend's certificate must chain to.
 */
export class BackendCaCertificates {
  /**
   * CA bundles in 1 to 8 ConfigMaps or Secrets of the policy's namespace.
   *
   * A single ConfigMap has core support, e.g.
   * `BackendCaCertificates.fromRefs([CaCertificateRef.fromConfigMapName('api-ca')])`.
   */
  public static fromRefs(refs: CaCertificateRef[]): BackendCaCertificates {
    const list = [...refs ?? []];
    return new BackendCaCertificates(list, undefined, problemOf(() => {
      if (list.length < 1 || list.length > 8) {
        throw new Error(`backend ca certificates list ${list.length} refs; give 1 to 8 (e.g. [CaCertificateRef.fromConfigMapName('api-ca')])`);
      }
      checkValues('caCertificateRef', list);
      list.forEach((r, i) => {
        if (r.namespace !== undefined) {
          throw new Error(`caCertificateRef ${i + 1}: ca certificate ${q(r.name)} names namespace ${q(r.namespace)}; a BackendTLSPolicy reads CA certificates from its own namespace only, so create the ${r.kind} there and drop the namespace`);
        }
      });
    }));
  }

  /**
   * The well-known system CA certificates of the Gateway (`wellKnownCACertificates: System`).
   */
  public static system(): BackendCaCertificates {
    return new BackendCaCertificates([], 'System');
  }

  private constructor(
    /** The CA certificate references (empty for the system CAs). */
    public readonly refs: CaCertificateRef[],
    /**
     * The well-known set of CA certificates.
     *
     * @default - the CAs are given by `refs`
     */
    public readonly wellKnown: string | undefined,
    /** @internal */
    public readonly _problem?: string,
  ) {}
}

/**
 * A name the backend's certificate must carry (`validation.subjectAltNames`).
 */
export class SubjectAltName {
  /**
   * A DNS name (a wildcard is allowed as the whole first label).
   */
  public static hostname(hostname: string): SubjectAltName {
    return new SubjectAltName('Hostname', hostname, problemOf(() => validateHostname('subject alt name hostname', hostname)));
  }

  /**
   * A URI, e.g. a SPIFFE ID `spiffe://cluster.local/ns/api/sa/api`.
   */
  public static uri(uri: string): SubjectAltName {
    return new SubjectAltName('URI', uri, problemOf(() => {
      validateLength('subject alt name uri', uri, 1, 253);
      if (!/^(([^:/?#]+):)(\/\/([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?/.test(uri)) {
        throw new Error(`subject alt name uri ${q(uri)} must be an absolute URI with an authority (e.g. "spiffe://cluster.local/ns/api/sa/api")`);
      }
    }));
  }

  private constructor(
    /** `Hostname` or `URI`. */
    public readonly type: string,
    /** The name. */
    public readonly value: string,
    /** @internal */
    public readonly _problem?: string,
  ) {}

  /** @internal */
  public _render(): l1.BackendTlsPolicySpecValidationSubjectAltNames {
    return this.type === 'Hostname'
      ? { type: l1.BackendTlsPolicySpecValidationSubjectAltNamesType.HOSTNAME, hostname: this.value }
      : { type: l1.BackendTlsPolicySpecValidationSubjectAltNamesType.URI, uri: this.value };
  }
}

/**
 * Properties of a `BackendTlsPolicy`.
 */
export interface BackendTlsPolicyProps extends ResourceProps {
  /**
   * The Services the policy applies to (1 to 16).
   *
   * More can be added with `addTarget`.
   *
   * @default - none; add at least one with `addTarget` before synth
   */
  readonly targets?: BackendTlsPolicyTarget[];

  /**
   * The hostname the Gateway sends as SNI and, unless `subjectAltNames` are given, verifies the backend's
   * certificate against.
   */
  readonly hostname: string;

  /**
   * The CA certificates the backend's certificate must chain to.
   */
  readonly caCertificates: BackendCaCertificates;

  /**
   * Names the backend's certificate must carry, any of which suffices (at most 5).
   *
   * When they are given, the hostname is not checked against the certificate.
   *
   * @default - the certificate must carry the hostname
   */
  readonly subjectAltNames?: SubjectAltName[];
}

/**
 * A BackendTLSPolicy: the Gateway connects to the target Services with TLS, sending `hostname` as SNI and
 * verifying the backend's certificate against the given CAs and names.
 */
export class BackendTlsPolicy extends Resource {
  public readonly apiObject: l1.BackendTlsPolicy;

  /** The SNI hostname. */
  public readonly hostname: string;

  /** The CA certificates. */
  public readonly caCertificates: BackendCaCertificates;

  /** The subject alt names the backend's certificate must carry. */
  public readonly subjectAltNames: SubjectAltName[];

  private readonly _targets: BackendTlsPolicyTarget[] = [];

  constructor(scope: Construct, id: string, props: BackendTlsPolicyProps) {
    super(scope, id, props);
    validateHostname(`${this.node.path}: hostname`, props.hostname, false);
    checkValue(`${this.node.path}: caCertificates`, props.caCertificates);
    const sans = props.subjectAltNames ?? [];
    checkValues(`${this.node.path}: subjectAltName`, sans);
    if (sans.length > 5) {
      throw new Error(`${this.node.path}: the policy lists ${sans.length} subjectAltNames; at most 5 are allowed`);
    }
    this.hostname = props.hostname;
    this.caCertificates = props.caCertificates;
    this.subjectAltNames = [...sans];
    this.apiObject = new l1.BackendTlsPolicy(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    for (const t of props.targets ?? []) this.addTarget(t);
    this.node.addValidation({ validate: () => this.validatePolicy() });
  }

  /** The target Services, in the order they were added. */
  public get targets(): BackendTlsPolicyTarget[] {
    return [...this._targets];
  }

  /**
   * Applies the policy to another Service (or port of one).
   */
  public addTarget(target: BackendTlsPolicyTarget): void {
    checkValue(`${this.node.path}: target ${this._targets.length + 1}`, target);
    const same = this._targets.find((t) => t.name === target.name);
    if (same !== undefined && (same.sectionName === undefined || target.sectionName === undefined || same.sectionName === target.sectionName)) {
      throw new Error(`${this.node.path}: service ${q(target.name)} is targeted twice${same.sectionName === target.sectionName ? '' : ', once without a sectionName'}; target each port once by its sectionName, or the whole Service once`);
    }
    treeChanged();
    this._targets.push(target);
  }

  private renderSpec(): l1.BackendTlsPolicySpec {
    const ca = this.caCertificates;
    return {
      targetRefs: this._targets.map((t) => ({ group: '', kind: 'Service', name: t.name, sectionName: t.sectionName })),
      validation: {
        hostname: this.hostname,
        caCertificateRefs: ca.refs.length === 0 ? undefined : ca.refs.map((r) => ({ group: r.group, kind: r.kind, name: r.name })),
        wellKnownCaCertificates: ca.wellKnown,
        subjectAltNames: this.subjectAltNames.length === 0 ? undefined : this.subjectAltNames.map((s) => s._render()),
      },
    };
  }

  private validatePolicy(): string[] {
    const path = this.node.path;
    const errors: string[] = [];
    if (this._targets.length === 0) {
      errors.push(`${path}: the backend tls policy has no targets; add one with addTarget(BackendTlsPolicyTarget.fromServiceName('api'))`);
    }
    if (this._targets.length > 16) {
      errors.push(`${path}: the backend tls policy has ${this._targets.length} targets; at most 16 are allowed (split it into several policies)`);
    }
    for (const t of this._targets) {
      if (t._namespace !== undefined && this.namespace !== undefined && t._namespace !== this.namespace) {
        errors.push(`${path}: target service ${q(t.name)} is in namespace ${q(t._namespace)}, and a BackendTLSPolicy applies to Services of its own namespace ${q(this.namespace)} only; create the policy in ${q(t._namespace)}`);
      }
    }
    // Two policies of one namespace on the same Service port: the spec keeps the older one (then the first by name).
    const mine = new Set(this._targets.map((t) => t._key()));
    const all = allConstructs(this);
    const myIndex = all.indexOf(this);
    all.forEach((other, index) => {
      if (index >= myIndex || !(other instanceof BackendTlsPolicy) || other.namespace !== this.namespace) return;
      const shared = other._targets.find((t) => mine.has(t._key()));
      if (shared === undefined) return;
      errors.push(`${path}: this policy and ${q(other.node.path)} both target service ${q(shared.name)}${shared.sectionName === undefined ? '' : ` port ${q(shared.sectionName)}`}; the gateway applies only the older policy, so target each Service port from one policy`);
    });
    return errors;
  }
}
