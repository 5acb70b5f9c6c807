import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { Gateway } from './gateway';
import type { Listener } from './listener';
import type { ListenerSet } from './listener-set';
import { hostnamesOnListener, listenerKindAllowed, NAMESPACE_NAME_LABEL, namespaceAllowed, namespaceLabels, protocolRouteKinds } from './model';
import { allConstructs, memoized } from './tree-index';
import { q, validateDnsSubdomain, validateNamespace, validateObjectName, validatePort } from './validation';
import { problemOf } from './value-problem';

/**
 * Options of `ParentRef.fromGateway` and `ParentRef.fromListenerSet`.
 */
export interface ParentRefOptions {
  /**
   * The name of the listener to attach to.
   *
   * @default - every listener of the parent that allows the route
   */
  readonly sectionName?: string;

  /**
   * The port of the listeners to attach to.
   *
   * @default - listeners on any port
   */
  readonly port?: number;
}

/**
 * Options of `ParentRef.named` and `ParentRef.namedListenerSet`.
 */
export interface NamedParentRefOptions {
  /**
   * The namespace of the parent (the Gateway or ListenerSet).
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;

  /**
   * The name of the listener to attach to.
   *
   * @default - every listener of the parent that allows the route
   */
  readonly sectionName?: string;

  /**
   * The port of the listeners to attach to.
   *
   * @default - listeners on any port
   */
  readonly port?: number;
}

/**
 * A Gateway or ListenerSet (or one of its listeners) that a route attaches to.
 */
export class ParentRef {
  /**
   * Attaches to a Gateway defined in this app, optionally to one listener (`sectionName`) or port. A
   * `sectionName` or `port` that the Gateway has no listener for fails synth.
   */
  public static fromGateway(gateway: Gateway, options: ParentRefOptions = {}): ParentRef {
    return new ParentRef(gateway.name, undefined, options.sectionName, options.port, gateway);
  }

  /**
   * Attaches to a Gateway by name, e.g. one managed outside this app:
   * `ParentRef.named('shared-gw', { namespace: 'infra', sectionName: 'https' })`.
   */
  public static named(name: string, options: NamedParentRefOptions = {}): ParentRef {
    return new ParentRef(name, options.namespace, options.sectionName, options.port, undefined);
  }

  /**
   * Attaches to the listeners of a ListenerSet by name, e.g. one managed outside this app:
   * `ParentRef.namedListenerSet('team-listeners', { sectionName: 'https' })`.
   */
  public static namedListenerSet(name: string, options: NamedParentRefOptions = {}): ParentRef {
    return new ParentRef(name, options.namespace, options.sectionName, options.port, undefined, 'ListenerSet');
  }

  /**
   * Attaches to the listeners of a ListenerSet defined in this app, optionally to one of them (`sectionName`) or
   * a port. A `sectionName` or `port` that the ListenerSet has no listener for fails synth.
   */
  public static fromListenerSet(listenerSet: ListenerSet, options: ParentRefOptions = {}): ParentRef {
    return new ParentRef(listenerSet.name, undefined, options.sectionName, options.port, listenerSet, 'ListenerSet');
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The name of the parent (the Gateway or ListenerSet). */
    public readonly name: string,
    private readonly explicitNamespace: string | undefined,
    /**
     * The listener name.
     *
     * @default - every listener that allows the route
     */
    public readonly sectionName: string | undefined,
    /**
     * The listener port.
     *
     * @default - listeners on any port
     */
    public readonly port: number | undefined,
    private readonly gateway: ListenerParent | undefined,
    /**
     * The kind of the parent: `Gateway` or `ListenerSet`.
     *
     * @default Gateway
     */
    public readonly kind: string = 'Gateway',
  ) {
    this._problem = problemOf(() => {
      const parent = `parent ${parentNoun(kind)}`;
      validateObjectName(`${parent} name`, name);
      if (explicitNamespace !== undefined) validateNamespace(`${parent} ${q(name)} namespace`, explicitNamespace);
      if (sectionName !== undefined) validateDnsSubdomain(`${parent} ${q(name)} sectionName`, sectionName);
      if (port !== undefined) validatePort(`${parent} ${q(name)} port`, port);
    });
  }

  /**
   * The namespace of the parent (the Gateway or ListenerSet).
   *
   * @default - the route's namespace
   */
  public get namespace(): string | undefined {
    return this.explicitNamespace ?? this.gateway?.namespace;
  }

  /** @internal */
  public _render(routeNamespace: string | undefined): any {
    const namespace = this.namespace;
    return {
      group: this.kind === 'Gateway' ? undefined : 'gateway.networking.k8s.io',
      kind: this.kind === 'Gateway' ? undefined : this.kind,
      name: this.name,
      namespace: namespace !== undefined && namespace !== routeNamespace ? namespace : undefined,
      sectionName: this.sectionName,
      port: this.port,
    };
  }

  /**
   * Listeners of the in-app Gateway that certainly attach a route of `kind` in `namespace` with `hostnames`, with
   * the hostnames the route serves on each ('*' for all); empty for a Gateway outside the app. @internal
   */
  public _certainListeners(route: AttachingRoute): Array<{ gateway: ListenerParent; listener: Listener; hostnames: string[] }> {
    const gateway = this.gateway;
    if (gateway === undefined) return [];
    return gateway.listeners
      .filter((l) => (this.sectionName === undefined || l.name === this.sectionName) && (this.port === undefined || l.port === this.port))
      .filter((l) => listenerRejects(gateway, l, route) === undefined && listenerCertainlyAccepts(gateway, l, route))
      .map((listener) => ({
        gateway,
        listener,
        hostnames: route.hostnames.length === 0
          ? [listener.hostname ?? '*']
          : hostnamesOnListener(route.hostnames, listener.hostname) ?? [],
      }));
  }

  /** Whether the reference is to a Gateway construct of this app. @internal */
  public get _inApp(): boolean {
    return this.gateway !== undefined;
  }

  /** A key identifying the parent (not the section) with the namespace resolved against the route's. @internal */
  public _parentKey(routeNamespace: string | undefined): string {
    return `${this.kind === 'Gateway' ? '' : `${this.kind} `}${this._parentName(routeNamespace)}`;
  }

  /** `namespace/name` of the parent, with the namespace resolved against the route's. @internal */
  public _parentName(routeNamespace: string | undefined): string {
    return `${this.namespace ?? routeNamespace ?? ''}/${this.name}`;
  }

  /**
   * Errors for a reference to an in-app Gateway that cannot attach the route: a sectionName or port the Gateway has
   * no listener for, or no selected listener that accepts the route (its kind, namespace or hostnames). @internal
   */
  public _validate(route: AttachingRoute): string[] {
    const gateway = this.gateway;
    if (gateway === undefined) return [];
    const errors: string[] = [];
    const listeners = gateway.listeners;
    const gw = `parent ${parentNoun(this.kind)} ${q(gateway.node.path)}`;
    if (this.sectionName !== undefined && !listeners.some((l) => l.name === this.sectionName)) {
      errors.push(`${gw} has no listener named ${q(this.sectionName)}; use one of ${listeners.map((l) => q(l.name)).join(', ') || '(none)'} or add the listener`);
      return errors;
    }
    const selected = listeners.filter((l) =>
      (this.sectionName === undefined || l.name === this.sectionName) && (this.port === undefined || l.port === this.port));
    if (this.port !== undefined && selected.length === 0) {
      errors.push(`${gw} has no listener${this.sectionName ? ` named ${q(this.sectionName)}` : ''} on port ${this.port}; use one of its ports (${[...new Set(listeners.map((l) => l.port))].join(', ')})`);
      return errors;
    }
    if (selected.length === 0) return errors;
    const reasons: string[] = [];
    for (const l of selected) {
      const reason = listenerRejects(gateway, l, route);
      if (reason === undefined) return errors;
      reasons.push(`listener ${q(l.name)} ${reason}`);
    }
    errors.push(`no listener of ${gw} accepts this route: ${reasons.join('; ')}`);
    return errors;
  }
}

/** How messages name a parent of `kind` (`Gateway` or `ListenerSet`): `gateway` or `listener set`. @internal */
export function parentNoun(kind: string): string {
  return kind === 'ListenerSet' ? 'listener set' : 'gateway';
}

/** What routes attach to in the app: a Gateway or a ListenerSet, with its listeners. @internal */
export type ListenerParent = Gateway | ListenerSet;

/** @internal */
export interface AttachingRoute {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly hostnames: string[];
}

/**
 * The labels of the namespaces declared in the app (`Namespace` objects, e.g. cdk8s-plus `Namespace` or an
 * `ApiObject` of kind Namespace), by name. @internal
 */
export function declaredNamespaces(scope: IConstruct): Map<string, Record<string, string>> {
  return memoized(scope, 'declared-namespaces', () => {
    const out = new Map<string, Record<string, string>>();
    for (const c of allConstructs(scope)) {
      if (!(c instanceof ApiObject) || c.kind !== 'Namespace' || c.apiVersion !== 'v1') continue;
      const meta = c.metadata.toJson();
      if (typeof meta.name === 'string') out.set(meta.name, { ...(meta.labels ?? {}) });
    }
    return out;
  });
}

/**
 * Whether a listener's allowedRoutes certainly admit the route's namespace: `All`; `Same` with the Gateway's
 * namespace; a `Selector` that selects the route's namespace by its labels (declared in the app, or only
 * kubernetes.io/metadata.name, as the gateway reads the app's YAML).
 */
function listenerCertainlyAccepts(gateway: ListenerParent, l: Listener, route: AttachingRoute): boolean {
  const spec = l.allowedRoutes?._spec();
  const from = spec?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return gateway.namespace === route.namespace;
  if (route.namespace === undefined) return false;
  return namespaceAllowed(spec, gateway.namespace ?? '', route.namespace, namespaceLabels(route.namespace, declaredNamespaces(gateway).get(route.namespace)));
}

/** Why a listener certainly does not accept a route, or undefined when it may. */
function listenerRejects(gateway: ListenerParent, l: Listener, route: AttachingRoute): string | undefined {
  const spec = l.allowedRoutes?._spec();
  const kinds = spec?.kinds?.map((k) => k.kind) ?? protocolRouteKinds(l.protocol);
  if (!listenerKindAllowed(spec, l.protocol, route.kind)) {
    return spec?.kinds === undefined
      ? `is a ${l.protocol} listener, which accepts ${kinds.join(', ')}, not ${route.kind} (attach the route to a listener of its protocol)`
      : `only accepts ${kinds.join(', ')} (add RouteKind for ${route.kind} to its allowedRoutes kinds)`;
  }
  const from = spec?.from ?? 'Same';
  const gatewayNamespace = gateway.namespace;
  if (from === 'Same' && gatewayNamespace !== undefined && route.namespace !== undefined && gatewayNamespace !== route.namespace) {
    return `only accepts routes from its own namespace ${q(gatewayNamespace)}, not ${q(route.namespace)} (use AllowedRoutes.all() or AllowedRoutes.fromSelector(...))`;
  }
  if (from === 'Selector' && route.namespace !== undefined) {
    const declared = declaredNamespaces(gateway).get(route.namespace);
    const labels = namespaceLabels(route.namespace, declared);
    if (!namespaceAllowed(spec, gatewayNamespace ?? '', route.namespace, labels)) {
      const shown = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
      return declared !== undefined
        ? `selects namespaces by label ${q(spec?.selector)}, and namespace ${q(route.namespace)} (labels ${shown}) is not selected; label the namespace or change the selector`
        : `selects namespaces by label ${q(spec?.selector)}, and namespace ${q(route.namespace)} is not declared in this app, so it has only the label ${NAMESPACE_NAME_LABEL}=${route.namespace} (as the gateway reads this app's output); declare it with its labels, e.g. new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ${q(route.namespace)}, labels: { ... } } })`;
    }
  }
  if (l.hostname !== undefined && route.hostnames.length > 0 && hostnamesOnListener(route.hostnames, l.hostname) === undefined) {
    return `serves hostname ${q(l.hostname)}, which none of the route's hostnames (${route.hostnames.map(q).join(', ')}) matches`;
  }
  return undefined;
}
