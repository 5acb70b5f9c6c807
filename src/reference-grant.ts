import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as l1 from './imports/gateway.networking.k8s.io';
import { Resource, ResourceProps } from './resource';
import { treeChanged } from './tree-index';
import { validateGroup, validateKind, validateNamespace, validateObjectName } from './validation';
import { checkValue, problemOf } from './value-problem';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/**
 * Objects (of a kind, in a namespace) that a ReferenceGrant trusts to reference its namespace.
 */
export class ReferenceGrantFrom {
  /** HTTPRoutes in `fromNamespace`. */
  public static httpRoutes(fromNamespace: string): ReferenceGrantFrom {
    return new ReferenceGrantFrom(GATEWAY_GROUP, 'HTTPRoute', fromNamespace);
  }

  /** GRPCRoutes in `fromNamespace`. */
  public static grpcRoutes(fromNamespace: string): ReferenceGrantFrom {
    return new ReferenceGrantFrom(GATEWAY_GROUP, 'GRPCRoute', fromNamespace);
  }

  /** Gateways in `fromNamespace` (e.g. to read certificate Secrets). */
  public static gateways(fromNamespace: string): ReferenceGrantFrom {
    return new ReferenceGrantFrom(GATEWAY_GROUP, 'Gateway', fromNamespace);
  }

  /** ListenerSets in `fromNamespace` (e.g. to read certificate Secrets). */
  public static listenerSets(fromNamespace: string): ReferenceGrantFrom {
    return new ReferenceGrantFrom(GATEWAY_GROUP, 'ListenerSet', fromNamespace);
  }

  /** TLSRoutes in `fromNamespace`. */
  public static tlsRoutes(fromNamespace: string): ReferenceGrantFrom {
    return new ReferenceGrantFrom(GATEWAY_GROUP, 'TLSRoute', fromNamespace);
  }

  /** Any kind in `fromNamespace`. */
  public static of(group: string, kind: string, fromNamespace: string): ReferenceGrantFrom {
    return new ReferenceGrantFrom(group, kind, fromNamespace);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The API group. */
    public readonly group: string,
    /** The kind. */
    public readonly kind: string,
    /** The namespace of the referencing objects. */
    public readonly namespace: string,
  ) {
    this._problem = problemOf(() => {
      validateGroup('reference grant from group', group);
      validateKind('reference grant from kind', kind);
      validateNamespace('reference grant from namespace', namespace);
    });
  }
}

/**
 * Objects in the ReferenceGrant's namespace that may be referenced.
 */
export class ReferenceGrantTo {
  /**
   * Services (all of them, or the one named `name`).
   */
  public static services(name?: string): ReferenceGrantTo {
    return new ReferenceGrantTo('', 'Service', name);
  }

  /**
   * Secrets (all of them, or the one named `name`).
   */
  public static secrets(name?: string): ReferenceGrantTo {
    return new ReferenceGrantTo('', 'Secret', name);
  }

  /**
   * Any kind (all objects of it, or the one named `name`).
   */
  public static of(group: string, kind: string, name?: string): ReferenceGrantTo {
    return new ReferenceGrantTo(group, kind, name);
  }

  /**
   * The name of the object, if only one is granted.
   *
   * @default - every object of the kind
   */
  public readonly name?: string;

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The API group ('' for core). */
    public readonly group: string,
    /** The kind. */
    public readonly kind: string,
    name: string | undefined,
  ) {
    this._problem = problemOf(() => {
      validateGroup('reference grant to group', group);
      validateKind('reference grant to kind', kind);
      if (name !== undefined) validateObjectName('reference grant to name', name);
    });
    this.name = name;
  }
}

/**
 * Properties of a `ReferenceGrant`.
 */
export interface ReferenceGrantProps extends ResourceProps {
  /**
   * Who may reference (`spec.from`, 1 to 16 entries, more with `addFrom`).
   *
   * @default - none; add at least one before synth
   */
  readonly fromObjects?: ReferenceGrantFrom[];

  /**
   * What may be referenced (1 to 16 entries, more with `addTo`).
   *
   * @default - none; add at least one before synth
   */
  readonly to?: ReferenceGrantTo[];
}

/**
 * A ReferenceGrant: lets objects in other namespaces reference objects in this one, e.g. an HTTPRoute in `web`
 * sending traffic to a Service in `backend`.
 */
export class ReferenceGrant extends Resource {
  public readonly apiObject: l1.ReferenceGrant;

  private readonly _from: ReferenceGrantFrom[] = [];
  private readonly _to: ReferenceGrantTo[] = [];

  constructor(scope: Construct, id: string, props: ReferenceGrantProps = {}) {
    super(scope, id, props);
    this.apiObject = new l1.ReferenceGrant(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    for (const f of props.fromObjects ?? []) this.addFrom(f);
    for (const t of props.to ?? []) this.addTo(t);
    this.node.addValidation({ validate: () => this.validateGrant() });
  }

  /**
   * Trusts more referencing objects.
   */
  public addFrom(objects: ReferenceGrantFrom): void {
    treeChanged();
    checkValue(`${this.node.path}: from ${this._from.length + 1}`, objects);
    this._from.push(objects);
  }

  /**
   * Allows references to more objects.
   */
  public addTo(to: ReferenceGrantTo): void {
    treeChanged();
    checkValue(`${this.node.path}: to ${this._to.length + 1}`, to);
    this._to.push(to);
  }

  /** @internal */
  public get _fromList(): ReferenceGrantFrom[] {
    return this._from;
  }

  /** @internal */
  public get _toList(): ReferenceGrantTo[] {
    return this._to;
  }

  private renderSpec(): l1.ReferenceGrantSpec {
    return {
      from: this._from.map((f) => ({ group: f.group, kind: f.kind, namespace: f.namespace })),
      to: this._to.map((t) => ({ group: t.group, kind: t.kind, name: t.name })),
    };
  }

  private validateGrant(): string[] {
    const path = this.node.path;
    const errors: string[] = [];
    for (const [field, n, add] of [['from', this._from.length, 'addFrom(ReferenceGrantFrom.httpRoutes(namespace))'], ['to', this._to.length, 'addTo(ReferenceGrantTo.services())']] as const) {
      if (n === 0) errors.push(`${path}: the reference grant has no ${field} entries; add one with ${add}`);
      if (n > 16) errors.push(`${path}: the reference grant has ${n} ${field} entries; at most 16 are allowed (split it into several grants)`);
    }
    return errors;
  }
}
