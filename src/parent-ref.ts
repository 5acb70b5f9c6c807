import type { Gateway } from './gateway';
import type { Listener } from './listener';
import { hostnamesIntersect, q, validateDnsSubdomain, validateNamespace, validateObjectName, validatePort } from './validation';

/**
 * Options of `ParentRef.fromGateway`.
 */
export interface ParentRefOptions {
  /**
   * The name of the listener to attach to.
   *
   * @default - every listener of the Gateway that allows the route
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
 * Options of `ParentRef.named`.
 */
export interface NamedParentRefOptions {
  /**
   * The namespace of the Gateway.
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;

  /**
   * The name of the listener to attach to.
   *
   * @default - every listener of the Gateway that allows the route
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
 * A Gateway (or one of its listeners) that a route attaches to.
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

  private constructor(
    /** The name of the Gateway. */
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
    private readonly gateway: Gateway | undefined,
  ) {
    validateObjectName('parent gateway name', name);
    if (explicitNamespace !== undefined) validateNamespace(`parent gateway ${q(name)} namespace`, explicitNamespace);
    if (sectionName !== undefined) validateDnsSubdomain(`parent gateway ${q(name)} sectionName`, sectionName);
    if (port !== undefined) validatePort(`parent gateway ${q(name)} port`, port);
  }

  /**
   * The namespace of the Gateway.
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
  public _certainListeners(route: AttachingRoute): Array<{ gateway: Gateway; listener: Listener; hostnames: string[] }> {
    const gateway = this.gateway;
    if (gateway === undefined) return [];
    return gateway.listeners
      .filter((l) => (this.sectionName === undefined || l.name === this.sectionName) && (this.port === undefined || l.port === this.port))
      .filter((l) => listenerRejects(l, gateway.namespace, route) === undefined && listenerCertainlyAccepts(l, gateway.namespace, route))
      .map((listener) => ({
        gateway,
        listener,
        hostnames: route.hostnames.length === 0
          ? [listener.hostname ?? '*']
          : route.hostnames.filter((h) => listener.hostname === undefined || hostnamesIntersect(listener.hostname, h)),
      }));
  }

  /** Whether the reference is to a Gateway construct of this app. @internal */
  public get _inApp(): boolean {
    return this.gateway !== undefined;
  }

  /** A key identifying the parent (not the section) with the namespace resolved against the route's. @internal */
  public _parentKey(routeNamespace: string | undefined): string {
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
    const gw = q(gateway.node.path);
    if (this.sectionName !== undefined && !listeners.some((l) => l.name === this.sectionName)) {
      errors.push(`parent gateway ${gw} has no listener named ${q(this.sectionName)}; use one of ${listeners.map((l) => q(l.name)).join(', ') || '(none)'} or add the listener`);
      return errors;
    }
    const selected = listeners.filter((l) =>
      (this.sectionName === undefined || l.name === this.sectionName) && (this.port === undefined || l.port === this.port));
    if (this.port !== undefined && selected.length === 0) {
      errors.push(`parent gateway ${gw} has no listener${this.sectionName ? ` named ${q(this.sectionName)}` : ''} on port ${this.port}; use one of its ports (${[...new Set(listeners.map((l) => l.port))].join(', ')})`);
      return errors;
    }
    if (selected.length === 0) return errors;
    const reasons: string[] = [];
    for (const l of selected) {
      const reason = listenerRejects(l, gateway.namespace, route);
      if (reason === undefined) return errors;
      reasons.push(`listener ${q(l.name)} ${reason}`);
    }
    errors.push(`no listener of parent gateway ${gw} accepts this route: ${reasons.join('; ')}`);
    return errors;
  }
}

/** Whether a listener's allowedRoutes certainly admit the route's namespace (a label selector is not decided). */
function listenerCertainlyAccepts(l: Listener, gatewayNamespace: string | undefined, route: AttachingRoute): boolean {
  const from = l.allowedRoutes?.namespacesFrom ?? 'Same';
  return from === 'All' || (from === 'Same' && gatewayNamespace === route.namespace);
}

/** Why a listener certainly does not accept a route, or undefined when it may. */
/** @internal */
export interface AttachingRoute {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly hostnames: string[];
}

function listenerRejects(l: Listener, gatewayNamespace: string | undefined, route: AttachingRoute): string | undefined {
  const allowed = l.allowedRoutes;
  const kinds = allowed?.kinds;
  if (kinds !== undefined && !kinds.some((k) => k.group === 'gateway.networking.k8s.io' && k.kind === route.kind)) {
    return `only accepts ${kinds.map((k) => k.kind).join(', ')} (add RouteKind for ${route.kind} to its allowedRoutes kinds)`;
  }
  const from = allowed?.namespacesFrom ?? 'Same';
  if (from === 'Same' && gatewayNamespace !== undefined && route.namespace !== undefined && gatewayNamespace !== route.namespace) {
    return `only accepts routes from its own namespace ${q(gatewayNamespace)}, not ${q(route.namespace)} (use AllowedRoutes.all() or AllowedRoutes.fromSelector(...))`;
  }
  if (l.hostname !== undefined && route.hostnames.length > 0 && !route.hostnames.some((h) => hostnamesIntersect(l.hostname!, h))) {
    return `serves hostname ${q(l.hostname)}, which none of the route's hostnames (${route.hostnames.map(q).join(', ')}) matches`;
  }
  return undefined;
}
