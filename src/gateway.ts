import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ClientCertificateValidation, PerPortClientCertificateValidation } from './ca-certificate-ref';
import { CertificateRef } from './certificate-ref';
import { GatewayClass } from './gateway-class';
import * as l1 from './imports/gateway.networking.k8s.io';
import { Listener, ListenerProtocol, TlsMode } from './listener';
import { AllowedListeners } from './listener-set';
import { validateListenerList } from './listener-validation';
import { CrossNamespaceReference, warnUngrantedReferences } from './reference-grant-check';
import { Resource, ResourceProps } from './resource';
import { allConstructs, treeChanged } from './tree-index';
import { q, validateObjectName, validatePort } from './validation';
import { checkValue } from './value-problem';

/**
 * Properties of a `Gateway`.
 */
export interface GatewayProps extends ResourceProps {
  /**
   * The name of the GatewayClass that implements this Gateway. Give either this or `gatewayClass`.
   *
   * @default - the name of `gatewayClass`
   */
  readonly gatewayClassName?: string;

  /**
   * The GatewayClass that implements this Gateway, when it is defined in the app. Give either this or
   * `gatewayClassName`.
   *
   * @default - the class named by `gatewayClassName`
   */
  readonly gatewayClass?: GatewayClass;

  /**
   * The listeners (1 to 64).
   *
   * More can be added with `addListener`.
   *
   * @default - none; add at least one with `addListener` before synth
   */
  readonly listeners?: Listener[];

  /**
   * Which namespaces' ListenerSets may add listeners to the Gateway.
   *
   * @default - none (AllowedListeners.none(), the Gateway API default)
   */
  readonly allowedListeners?: AllowedListeners;

  /**
   * Client-certificate validation (mutual TLS) for every TLS-terminating listener, unless a port overrides it
   * (`perPortClientCertificateValidation`, `addClientCertificateValidation`).
   *
   * @default - clients are not asked for a certificate
   */
  readonly clientCertificateValidation?: ClientCertificateValidation;

  /**
   * Client-certificate validation for the listeners on given ports, in place of the default.
   *
   * @default - no port overrides the default
   */
  readonly perPortClientCertificateValidation?: PerPortClientCertificateValidation[];

  /**
   * The certificate the Gateway presents to backends that ask for one (a `kubernetes.io/tls` Secret;
   * `spec.tls.backend.clientCertificateRef`).
   *
   * @default - the Gateway presents no certificate to backends
   */
  readonly backendClientCertificate?: CertificateRef;
}

/**
 * A Gateway: listeners (port, protocol, hostname, TLS) that routes attach to.
 */
export class Gateway extends Resource {
  public readonly apiObject: l1.Gateway;

  /** The name of the GatewayClass. */
  public readonly gatewayClassName: string;

  /**
   * The GatewayClass construct, when the Gateway was given one.
   *
   * @default - none (the class was given by name)
   */
  public readonly gatewayClass?: GatewayClass;

  /**
   * Which namespaces' ListenerSets may add listeners.
   *
   * @default - none
   */
  public readonly allowedListeners?: AllowedListeners;

  /**
   * The default client-certificate validation of TLS-terminating listeners.
   *
   * @default - clients are not asked for a certificate
   */
  public readonly clientCertificateValidation?: ClientCertificateValidation;

  /**
   * The certificate presented to backends that ask for one.
   *
   * @default - none
   */
  public readonly backendClientCertificate?: CertificateRef;

  private readonly _listeners: Listener[] = [];
  private readonly _perPort: PerPortClientCertificateValidation[] = [];

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id, props);
    const path = this.node.path;
    if (props.gatewayClass !== undefined && props.gatewayClassName !== undefined) {
      throw new Error(`${path}: both gatewayClassName ${q(props.gatewayClassName)} and gatewayClass (${props.gatewayClass.node.path}) are given; give the GatewayClass one way only`);
    }
    if (props.gatewayClass !== undefined) {
      this.gatewayClass = props.gatewayClass;
      this.gatewayClassName = props.gatewayClass.name;
    } else if (props.gatewayClassName !== undefined) {
      validateObjectName(`${path}: gatewayClassName`, props.gatewayClassName);
      this.gatewayClassName = props.gatewayClassName;
    } else {
      throw new Error(`${path}: no GatewayClass given; name it with gatewayClassName (e.g. 'cdk8s-gateway') or pass the construct as gatewayClass (e.g. new GatewayClass(chart, 'Class'))`);
    }
    checkValue(`${path}: allowedListeners`, props.allowedListeners);
    checkValue(`${path}: clientCertificateValidation`, props.clientCertificateValidation);
    checkValue(`${path}: backendClientCertificate`, props.backendClientCertificate);
    this.allowedListeners = props.allowedListeners;
    this.clientCertificateValidation = props.clientCertificateValidation;
    this.backendClientCertificate = props.backendClientCertificate;
    for (const p of props.perPortClientCertificateValidation ?? []) this.addClientCertificateValidation(p.port, p.validation);
    this.apiObject = new l1.Gateway(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    for (const listener of props.listeners ?? []) this.addListener(listener);
    this.node.addValidation({ validate: () => this.validateGateway() });
  }

  /**
   * The listeners, in the order they were added.
   */
  public get listeners(): Listener[] {
    return [...this._listeners];
  }

  /**
   * Adds a listener.
   */
  public addListener(listener: Listener): void {
    checkValue(`${this.node.path}: listener ${this._listeners.length + 1}`, listener);
    treeChanged();
    this._listeners.push(listener);
  }

  /**
   * Sets the client-certificate validation of the TLS-terminating listeners on `port`, in place of the default.
   */
  public addClientCertificateValidation(port: number, validation: ClientCertificateValidation): void {
    checkPerPortValidation(this.node.path, this._perPort, port);
    checkValue(`${this.node.path}: client certificate validation of port ${port}`, validation);
    treeChanged();
    this._perPort.push({ port, validation });
  }

  /** Client-certificate validation per port, in the order added. */
  public get perPortClientCertificateValidation(): PerPortClientCertificateValidation[] {
    return [...this._perPort];
  }

  private renderSpec(): l1.GatewaySpec {
    const ns = this.namespace;
    const frontend = this.clientCertificateValidation === undefined && this._perPort.length === 0 ? undefined : {
      // `default` is required once `frontend` is set: an empty default validates nothing.
      default: this.clientCertificateValidation?._render(ns) ?? {},
      perPort: this._perPort.length === 0 ? undefined : this._perPort.map((p) => ({ port: p.port, tls: p.validation._render(ns) })),
    };
    const backend = this.backendClientCertificate === undefined ? undefined : { clientCertificateRef: this.backendClientCertificate._render(ns) };
    return {
      gatewayClassName: this.gatewayClassName,
      allowedListeners: this.allowedListeners?._render(),
      listeners: this._listeners.map((l) => l._render(ns)),
      tls: frontend === undefined && backend === undefined ? undefined : { frontend, backend },
    };
  }

  /** The Secrets and CA objects the Gateway refers to in other namespaces. */
  private crossNamespaceRefs(): CrossNamespaceReference[] {
    const base = { fromKind: 'Gateway', fromNamespace: this.namespace };
    const secret = (what: string, c: CertificateRef) => ({ ...base, what, toGroup: '', toKind: 'Secret', toName: c.name, toNamespace: c.namespace });
    const cas = (what: string, v: ClientCertificateValidation) => v.caCertificateRefs.map((c, i) => ({
      ...base, what: `${what} caCertificateRef ${i + 1}`, toGroup: c.group, toKind: c.kind, toName: c.name, toNamespace: c.namespace,
    }));
    return [
      ...this._listeners.flatMap((l) => l._certificates.map((c, i) => secret(`listener ${q(l.name)} certificateRef ${i + 1}`, c))),
      ...(this.backendClientCertificate === undefined ? [] : [secret('the backend client certificate', this.backendClientCertificate)]),
      ...(this.clientCertificateValidation === undefined ? [] : cas('the default client certificate validation', this.clientCertificateValidation)),
      ...this._perPort.flatMap((p) => cas(`the client certificate validation of port ${p.port}`, p.validation)),
    ];
  }

  /** TCPRoutes and UDPRoutes of the app that name this Gateway as a parent: the gateway does not serve them. */
  private unservedRoutes(): string[] {
    const out: string[] = [];
    for (const c of allConstructs(this)) {
      if (!(c instanceof ApiObject) || !['TCPRoute', 'UDPRoute'].includes(c.kind) || !c.apiVersion.startsWith('gateway.networking.k8s.io/')) continue;
      const json = c.toJson();
      const routeNamespace = json.metadata?.namespace;
      const parents: any[] = json.spec?.parentRefs ?? [];
      const mine = parents.some((p) => (p.kind ?? 'Gateway') === 'Gateway' && p.name === this.name && (p.namespace ?? routeNamespace) === this.namespace);
      if (mine) {
        out.push(`${this.node.path}: ${c.kind} ${q(c.node.path)} names this gateway as its parent, and the cdk8s-gateway data plane does not serve ${c.kind}s (it has no TCP or UDP listeners); serve that traffic with a TLS listener and a TlsRoute, or use another Gateway implementation for it`);
      }
    }
    return out;
  }

  private validateGateway(): string[] {
    const path = this.node.path;
    warnUngrantedReferences(this, this.crossNamespaceRefs());
    const errors = validateListenerList(path, 'gateway', this._listeners, "addListener(Listener.http({ name: 'http' }))");
    const terminating = this._listeners.some((l) => l.protocol === ListenerProtocol.HTTPS || l.tlsMode === TlsMode.TERMINATE);
    // ListenerSets may add the terminating listeners, unless the Gateway admits none.
    const listenersOfItsOwnOnly = (this.allowedListeners?.namespacesFrom ?? 'None') === 'None';
    if ((this.clientCertificateValidation !== undefined || this._perPort.length > 0) && !terminating && listenersOfItsOwnOnly) {
      errors.push(`${path}: client certificate validation is set, and no listener terminates TLS (HTTPS, or TLS in Terminate mode), so no client is ever asked for a certificate; add a Listener.https(...) or Listener.tlsTerminate(...) listener, or remove the validation`);
    }
    if (listenersOfItsOwnOnly) {
      for (const p of this._perPort) {
        if (!this._listeners.some((l) => l.port === p.port && (l.protocol === ListenerProtocol.HTTPS || l.tlsMode === TlsMode.TERMINATE))) {
          errors.push(`${path}: client certificate validation is set for port ${p.port}, where no listener terminates TLS; use the port of an HTTPS or TLS Terminate listener (${this._listeners.filter((l) => l.tlsMode === TlsMode.TERMINATE).map((l) => l.port).join(', ') || 'none yet'})`);
        }
      }
    }
    errors.push(...this.unservedRoutes());
    return errors;
  }
}

/** Throws unless `port` is valid and not configured yet. */
export function checkPerPortValidation(path: string, existing: readonly PerPortClientCertificateValidation[], port: number): void {
  validatePort(`${path}: client certificate validation port`, port);
  if (existing.some((e) => e.port === port)) {
    throw new Error(`${path}: client certificate validation for port ${port} is set twice; set it once per port`);
  }
  if (existing.length >= 64) {
    throw new Error(`${path}: client certificate validation is set for 64 ports already; at most 64 are allowed`);
  }
}
