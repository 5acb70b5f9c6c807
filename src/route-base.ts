import { Construct } from 'constructs';
import { ParentRef } from './parent-ref';
import { Resource, ResourceProps } from './resource';
import { treeChanged } from './tree-index';
import { q, validateHostname } from './validation';
import { checkValue } from './value-problem';

/**
 * Properties shared by `HttpRoute` and `GrpcRoute`.
 */
export interface RouteBaseProps extends ResourceProps {
  /**
   * The Gateways (or listeners) the route attaches to (at most 32).
   *
   * @default - none; add them with `addParentRef`
   */
  readonly parentRefs?: ParentRef[];

  /**
   * The hostnames the route serves (at most 16, a wildcard only as the whole first label).
   *
   * @default - every hostname the listener accepts
   */
  readonly hostnames?: string[];
}

/**
 * What `HttpRoute` and `GrpcRoute` share: the Gateways they attach to and the hostnames they serve.
 */
export abstract class RouteBase extends Resource {
  private readonly _parentRefs: ParentRef[] = [];
  private readonly _hostnames: string[] = [];

  /**
   * @param scope The parent construct.
   * @param id The construct id.
   * @param routeKind The kind of the route (`HTTPRoute`, `GRPCRoute`, `TLSRoute`), which listeners' allowedRoutes are
   *   checked against.
   * @param props The parent references and hostnames.
   */
  protected constructor(scope: Construct, id: string, private readonly routeKind: string, props: RouteBaseProps = {}) {
    super(scope, id, props);
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const h of props.hostnames ?? []) this.addHostname(h);
  }

  /** The parent references, in the order they were added. */
  public get parentRefs(): ParentRef[] {
    return [...this._parentRefs];
  }

  /** The hostnames, in the order they were added. */
  public get hostnames(): string[] {
    return [...this._hostnames];
  }

  /**
   * Attaches the route to a Gateway or listener.
   */
  public addParentRef(parentRef: ParentRef): void {
    treeChanged();
    checkValue(`${this.node.path}: parentRef ${this._parentRefs.length + 1}`, parentRef);
    this._parentRefs.push(parentRef);
  }

  /**
   * Adds a hostname the route serves.
   */
  public addHostname(hostname: string): void {
    treeChanged();
    validateHostname(`${this.node.path}: hostname`, hostname);
    if (this._hostnames.includes(hostname)) {
      throw new Error(`${this.node.path}: hostname ${q(hostname)} is listed twice; list it once`);
    }
    this._hostnames.push(hostname);
  }

  /** @internal */
  public get _attachingRoute() {
    return { kind: this.routeKind, namespace: this.namespace, hostnames: this._hostnames };
  }

  /** @internal */
  public get _parentRefList(): ParentRef[] {
    return this._parentRefs;
  }

  /** `parentRefs` and `hostnames` of the spec. @internal */
  protected _renderAttachment(): { parentRefs?: any[]; hostnames?: string[] } {
    const ns = this.namespace;
    return {
      parentRefs: this._parentRefs.length === 0 ? undefined : this._parentRefs.map((p) => p._render(ns)),
      hostnames: this._hostnames.length === 0 ? undefined : [...this._hostnames],
    };
  }
}
