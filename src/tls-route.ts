import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Annotations } from './annotations';
import { BackendRef } from './backend-ref';
import * as l1 from './imports/gateway.networking.k8s.io';
import { warnUngrantedReferences } from './reference-grant-check';
import { RouteBase, RouteBaseProps } from './route-base';
import { validateRouteCommon } from './route-validation';
import { allConstructs, treeChanged } from './tree-index';
import { q, validateDnsSubdomain } from './validation';
import { checkValue } from './value-problem';

/**
 * Properties of a `TlsRoute`.
 */
export interface TlsRouteProps extends RouteBaseProps {
  /**
   * The backends the TLS connections are sent to, split by their weights (1 to 16, without filters).
   *
   * More can be added with `addBackendRef`.
   *
   * @default - none; add at least one with `addBackendRef` before synth
   */
  readonly backendRefs?: BackendRef[];

  /**
   * The name of the route's rule (a DNS-1123 subdomain).
   *
   * @default - no name
   */
  readonly ruleName?: string;
}

/**
 * A TLSRoute: TLS connections selected by their SNI hostname (`hostnames`, at least one, at most 1,024) sent to
 * backends. On a `Listener.tlsPassthrough` listener the stream stays encrypted to the backend; on a
 * `Listener.tlsTerminate` listener the Gateway terminates TLS and forwards the decrypted stream.
 */
export class TlsRoute extends RouteBase {
  public readonly apiObject: l1.TlsRoute;

  /**
   * The name of the route's rule.
   *
   * @default - no name
   */
  public readonly ruleName?: string;

  private readonly _backendRefs: BackendRef[] = [];

  constructor(scope: Construct, id: string, props: TlsRouteProps = {}) {
    super(scope, id, 'TLSRoute', props);
    if (props.ruleName !== undefined) validateDnsSubdomain(`${this.node.path}: ruleName`, props.ruleName);
    this.ruleName = props.ruleName;
    this.apiObject = new l1.TlsRoute(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    for (const b of props.backendRefs ?? []) this.addBackendRef(b);
    this.node.addValidation({ validate: () => this.validateRoute() });
  }

  /** The backends, in the order they were added. */
  public get backendRefs(): BackendRef[] {
    return [...this._backendRefs];
  }

  /**
   * Adds a backend.
   */
  public addBackendRef(backendRef: BackendRef): void {
    checkValue(`${this.node.path}: backendRef ${this._backendRefs.length + 1}`, backendRef);
    if (backendRef.filters.length > 0) {
      throw new Error(`${this.node.path}: backend ${q(backendRef.name)} has filters; a TLSRoute backend cannot have filters (the gateway does not read the stream), so remove them`);
    }
    treeChanged();
    this._backendRefs.push(backendRef);
  }

  private renderSpec(): l1.TlsRouteSpec {
    const ns = this.namespace;
    const { parentRefs, hostnames } = this._renderAttachment();
    return {
      parentRefs,
      hostnames: hostnames ?? [],
      rules: [{
        name: this.ruleName,
        backendRefs: this._backendRefs.map((b) => ({
          ...b._renderObjectReference(),
          namespace: b.namespace !== undefined && b.namespace !== ns ? b.namespace : undefined,
          weight: b.weight,
        })),
      }],
    };
  }

  private validateRoute(): string[] {
    const path = this.node.path;
    const errors = validateRouteCommon(path, 'TLSRoute', this.namespace, this._parentRefList, this.hostnames, [{ name: this.ruleName, matches: 1, explicitMatches: 0 }], 1024);
    if (this.hostnames.length === 0) {
      errors.push(`${path}: the TLS route has no hostnames; a TLSRoute selects connections by their SNI hostname, so add one with addHostname('db.example.com')`);
    }
    if (this._backendRefs.length === 0) {
      errors.push(`${path}: the TLS route has no backends; add one with addBackendRef(BackendRef.fromName('db', { port: 5432 }))`);
    }
    if (this._backendRefs.length > 16) {
      errors.push(`${path}: the TLS route has ${this._backendRefs.length} backends; at most 16 are allowed`);
    }
    if (this._parentRefList.length === 0) {
      Annotations.of(this).addWarning(`${path}: the route has no parentRefs, so no gateway serves it; add one with addParentRef(ParentRef.fromGateway(gateway))`);
    }
    warnUngrantedReferences(this, this._backendRefs.map((b, i) => ({
      fromKind: 'TLSRoute',
      fromNamespace: this.namespace,
      what: `backendRef ${i + 1}`,
      toGroup: b.group ?? '',
      toKind: b.kind ?? 'Service',
      toName: b.name,
      toNamespace: b.namespace,
    })));
    errors.push(...this.hostnameConflicts());
    return errors;
  }

  /**
   * The same SNI hostname on the same listener in an earlier TLSRoute of the app: the gateway serves it from the
   * older route only, which is unknown at synth.
   */
  private hostnameConflicts(): string[] {
    const all = allConstructs(this);
    const myIndex = all.indexOf(this);
    const mine = this._parentRefList.flatMap((p) => p._certainListeners(this._attachingRoute));
    const errors: string[] = [];
    all.forEach((other, index) => {
      if (index >= myIndex || !(other instanceof TlsRoute)) return;
      const theirs = other._parentRefList.flatMap((p) => p._certainListeners(other._attachingRoute));
      for (const a of mine) {
        const host = a.hostnames.find((h) => theirs.some((t) => t.listener === a.listener && t.hostnames.includes(h)));
        if (host === undefined) continue;
        errors.push(`${this.node.path}: this TLSRoute and TLSRoute ${q(other.node.path)} both route hostname ${q(host)} on listener ${q(a.listener.name)} of ${q(a.gateway.node.path)}; the gateway sends it to the older of the two only, so give each hostname to one route`);
        return;
      }
    });
    return errors;
  }
}
