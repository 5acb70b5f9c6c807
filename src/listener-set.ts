import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { labelSelector, LabelSelectorRequirement } from './allowed-routes';
import type { Gateway } from './gateway';
import * as l1 from './imports/gateway.networking.k8s.io';
import { Listener } from './listener';
import { validateListenerList } from './listener-validation';
import { AllowedListenersSpec, listenerConflicts, listenerSetAllowed, namespaceLabels, orderListenerSources } from './model';
import { declaredNamespaces } from './parent-ref';
import { warnUngrantedReferences } from './reference-grant-check';
import { Resource, ResourceProps } from './resource';
import { allConstructs, treeChanged } from './tree-index';
import { q, validateNamespace, validateObjectName } from './validation';
import { checkValue, problemOf } from './value-problem';

/**
 * Options of `AllowedListeners.fromSelector`.
 */
export interface AllowedListenersSelectorOptions {
  /**
   * Namespaces whose labels have these values.
   *
   * @default - no label values are required
   */
  readonly matchLabels?: { [key: string]: string };

  /**
   * Namespaces whose labels meet these requirements.
   *
   * @default - no requirements
   */
  readonly matchExpressions?: LabelSelectorRequirement[];
}

/**
 * Which namespaces' ListenerSets may attach listeners to a Gateway (`spec.allowedListeners.namespaces`).
 */
export class AllowedListeners {
  /** No ListenerSet may attach (the Gateway API default). */
  public static none(): AllowedListeners {
    return new AllowedListeners('None', undefined);
  }

  /** ListenerSets in the Gateway's namespace. */
  public static same(): AllowedListeners {
    return new AllowedListeners('Same', undefined);
  }

  /** ListenerSets in every namespace. */
  public static all(): AllowedListeners {
    return new AllowedListeners('All', undefined);
  }

  /**
   * ListenerSets in namespaces selected by labels, e.g.
   * `AllowedListeners.fromSelector({ matchLabels: { 'shared-gateway-access': 'true' } })`.
   */
  public static fromSelector(options: AllowedListenersSelectorOptions): AllowedListeners {
    let selector: any;
    const problem = problemOf(() => { selector = labelSelector('allowed listeners', 'AllowedListeners.all()', options); });
    return new AllowedListeners('Selector', selector, problem);
  }

  private constructor(
    /** Where ListenerSets may come from (`allowedListeners.namespaces.from`): `None`, `Same`, `All` or `Selector`. */
    public readonly namespacesFrom: string,
    private readonly selector: any,
    /** @internal */
    public readonly _problem?: string,
  ) {}

  /** The policy as the shared model reads it. @internal */
  public _spec(): AllowedListenersSpec {
    return { from: this.namespacesFrom, selector: this.selector };
  }

  /** @internal */
  public _render(): any {
    return { namespaces: { from: this.namespacesFrom, selector: this.selector } };
  }
}

/**
 * Options of `ListenerSetParent.named`.
 */
export interface NamedListenerSetParentOptions {
  /**
   * The namespace of the Gateway.
   *
   * @default - the ListenerSet's namespace
   */
  readonly namespace?: string;
}

/**
 * The Gateway a ListenerSet adds its listeners to (`spec.parentRef`).
 */
export class ListenerSetParent {
  /**
   * A Gateway of this app: synth checks that its `allowedListeners` admit the ListenerSet and that no listener
   * conflicts with the Gateway's or another ListenerSet's.
   */
  public static fromGateway(gateway: Gateway): ListenerSetParent {
    return new ListenerSetParent(gateway.name, undefined, gateway);
  }

  /**
   * A Gateway by name, e.g. one managed outside this app: `ListenerSetParent.named('shared-gw', { namespace: 'infra' })`.
   */
  public static named(name: string, options: NamedListenerSetParentOptions = {}): ListenerSetParent {
    return new ListenerSetParent(name, options.namespace, undefined);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The name of the Gateway. */
    public readonly name: string,
    private readonly explicitNamespace: string | undefined,
    /** @internal */
    public readonly _gateway: Gateway | undefined,
  ) {
    this._problem = problemOf(() => {
      validateObjectName('gateway name', name);
      if (explicitNamespace !== undefined) validateNamespace(`gateway ${q(name)} namespace`, explicitNamespace);
    });
  }

  /**
   * The namespace of the Gateway.
   *
   * @default - the ListenerSet's namespace
   */
  public get namespace(): string | undefined {
    return this.explicitNamespace ?? this._gateway?.namespace;
  }

  /** @internal */
  public _render(listenerSetNamespace: string | undefined): l1.ListenerSetSpecParentRef {
    const namespace = this.namespace;
    return { name: this.name, namespace: namespace !== undefined && namespace !== listenerSetNamespace ? namespace : undefined };
  }
}

/**
 * Properties of a `ListenerSet`.
 */
export interface ListenerSetProps extends ResourceProps {
  /**
   * The Gateway the listeners are added to, which must allow them (`allowedListeners`).
   */
  readonly parent: ListenerSetParent;

  /**
   * The listeners (1 to 64).
   *
   * More can be added with `addListener`.
   *
   * @default - none; add at least one with `addListener` before synth
   */
  readonly listeners?: Listener[];
}

/**
 * A ListenerSet: listeners (and their certificates) that a team adds to a shared Gateway. The Gateway serves them
 * after its own listeners; routes attach to them with `ParentRef.fromListenerSet`.
 */
export class ListenerSet extends Resource {
  public readonly apiObject: l1.ListenerSet;

  /** The Gateway the listeners are added to. */
  public readonly parent: ListenerSetParent;

  private readonly _listeners: Listener[] = [];

  constructor(scope: Construct, id: string, props: ListenerSetProps) {
    super(scope, id, props);
    checkValue(`${this.node.path}: parent`, props.parent);
    this.parent = props.parent;
    this.apiObject = new l1.ListenerSet(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    for (const listener of props.listeners ?? []) this.addListener(listener);
    this.node.addValidation({ validate: () => this.validateListenerSet() });
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

  private renderSpec(): l1.ListenerSetSpec {
    return {
      parentRef: this.parent._render(this.namespace),
      listeners: this._listeners.map((l) => l._render(this.namespace)),
    };
  }

  private validateListenerSet(): string[] {
    const path = this.node.path;
    warnUngrantedReferences(this, this._listeners.flatMap((l) => l._certificates.map((c, i) => ({
      fromKind: 'ListenerSet',
      fromNamespace: this.namespace,
      what: `listener ${q(l.name)} certificateRef ${i + 1}`,
      toGroup: '',
      toKind: 'Secret',
      toName: c.name,
      toNamespace: c.namespace,
    }))));
    const errors = validateListenerList(path, 'listener set', this._listeners, 'addListener(Listener.https({ ... }))');
    const gateway = this.parent._gateway;
    if (gateway !== undefined) errors.push(...this.validateOnParent(gateway));
    return errors;
  }

  /** The parent admits the ListenerSet; no listener conflicts with the parent's or an earlier ListenerSet's. */
  private validateOnParent(gateway: Gateway): string[] {
    const path = this.node.path;
    const errors: string[] = [];
    const gw = q(gateway.node.path);
    const allowed = gateway.allowedListeners?._spec();
    const gatewayNamespace = gateway.namespace ?? '';
    const namespace = this.namespace ?? gatewayNamespace;
    if (!listenerSetAllowed(allowed, gatewayNamespace, namespace, namespaceLabels(namespace, declaredNamespaces(this).get(namespace)))) {
      const from = allowed?.from ?? 'None';
      errors.push(from === 'None'
        ? `${path}: parent gateway ${gw} does not allow ListenerSets (allowedListeners is ${allowed === undefined ? 'unset, which means None' : 'None'}); give the gateway allowedListeners: AllowedListeners.same() (or .all(), .fromSelector(...))`
        : `${path}: parent gateway ${gw} allows ListenerSets from ${from === 'Same' ? `its own namespace ${q(gatewayNamespace)}` : `namespaces selected by ${q(allowed?.selector)}`}, not from namespace ${q(namespace)}; move the listener set or widen the gateway's allowedListeners`);
      return errors;
    }
    const siblings = allConstructs(this).filter((c): c is ListenerSet => c instanceof ListenerSet && c.parent._gateway === gateway);
    const sources = new Map(siblings.map((ls) => [ls, {
      kind: 'ListenerSet', namespace: ls.namespace ?? gatewayNamespace, name: ls.name, listeners: ls._listeners.map((l) => l._spec()),
    }]));
    const ordered = orderListenerSources(
      { kind: 'Gateway', namespace: gatewayNamespace, name: gateway.name, listeners: gateway.listeners.map((l) => l._spec()) },
      [...sources.values()]);
    const mine = sources.get(this);
    for (const c of listenerConflicts(ordered)) {
      if (c.source !== mine) continue;
      const other = c.winnerSource.kind === 'Gateway' ? `gateway ${gw}` : `listener set ${q(`${c.winnerSource.namespace}/${c.winnerSource.name}`)}`;
      const clash = c.reason === 'ProtocolConflict'
        ? `uses port ${c.listener.port} with protocol ${c.listener.protocol}, which cannot share the port with ${c.winner.protocol}`
        : `has the same port ${c.listener.port}${c.listener.protocol === c.winner.protocol ? `, protocol ${c.listener.protocol}` : ''} and ${c.listener.hostname === undefined ? 'no hostname' : `hostname ${q(c.listener.hostname)}`}`;
      const order = c.winnerSource.kind === 'Gateway'
        ? 'the gateway\'s own listeners come first'
        : 'listener sets are ordered by creation time, then by namespace/name, so which one wins depends on which is created first';
      errors.push(`${path}: listener ${q(c.listener.name)} conflicts with listener ${q(c.winner.name)} of ${other}: it ${clash}; ${order}, and the conflicted listener is not served. Give it another port or hostname`);
    }
    return errors;
  }
}
