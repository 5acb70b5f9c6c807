import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { GatewayClass } from './gateway-class';
import * as l1 from './imports/gateway.networking.k8s.io';
import { Listener } from './listener';
import { warnUngrantedReferences } from './reference-grant-check';
import { Resource, ResourceProps } from './resource';
import { treeChanged } from './tree-index';
import { q, validateObjectName } from './validation';

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
   * The listeners (1 to 64; more can be added with `addListener`).
   *
   * @default - none; add at least one with `addListener` before synth
   */
  readonly listeners?: Listener[];
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

  private readonly _listeners: Listener[] = [];

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
    treeChanged();
    this._listeners.push(listener);
  }

  private renderSpec(): l1.GatewaySpec {
    return {
      gatewayClassName: this.gatewayClassName,
      listeners: this._listeners.map((l) => l._render(this.namespace)),
    };
  }

  private validateGateway(): string[] {
    const path = this.node.path;
    const errors: string[] = [];
    warnUngrantedReferences(this, this._listeners.flatMap((l) => l._certificates.map((c, i) => ({
      fromKind: 'Gateway',
      fromNamespace: this.namespace,
      what: `listener ${q(l.name)} certificateRef ${i + 1}`,
      toGroup: '',
      toKind: 'Secret',
      toName: c.name,
      toNamespace: c.namespace,
    }))));
    if (this._listeners.length === 0) {
      errors.push(`${path}: the gateway has no listeners; add one with addListener(Listener.http({ name: 'http' }))`);
    }
    if (this._listeners.length > 64) {
      errors.push(`${path}: the gateway has ${this._listeners.length} listeners; at most 64 are allowed (split them across gateways)`);
    }
    const names = new Map<string, number>();
    const combos = new Map<string, number>();
    this._listeners.forEach((l, i) => {
      const n = names.get(l.name);
      if (n !== undefined) {
        errors.push(`${path}: listeners ${n + 1} and ${i + 1} are both named ${q(l.name)}; listener names must be unique in a gateway`);
      } else {
        names.set(l.name, i);
      }
      const combo = `${l.port}/${l.protocol}/${l.hostname ?? ''}`;
      const c = combos.get(combo);
      if (c !== undefined) {
        errors.push(`${path}: listeners ${q(this._listeners[c].name)} and ${q(l.name)} both use port ${l.port}, protocol ${l.protocol} and ${l.hostname === undefined ? 'no hostname' : `hostname ${q(l.hostname)}`}; give them different ports or hostnames`);
      } else {
        combos.set(combo, i);
      }
    });
    return errors;
  }
}
