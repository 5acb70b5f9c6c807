import * as kplus from 'cdk8s-plus-28';
import type { HttpRouteFilter } from './http-route-filter';
import { q, validateGroup, validateInteger, validateKind, validateNamespace, validateObjectName, validatePort } from './validation';
import { checkValues, problemOf } from './value-problem';

/**
 * Options of `BackendRef.fromService`.
 */
export interface ServiceBackendRefOptions {
  /**
   * The Service port to send traffic to, one of the Service's ports.
   *
   * @default - the Service's only port (an error when the Service has no port or several)
   */
  readonly port?: number;

  /**
   * The relative share of traffic for this backend among the rule's backends (an integer 0..1,000,000; 0 sends
   * nothing).
   *
   * @default - the Gateway API default of 1
   */
  readonly weight?: number;

  /**
   * HTTPRoute filters applied only to requests sent to this backend (a GRPCRoute backend takes GRPCRoute filters:
   * `GrpcRouteRule.addBackendRef(backendRef, { filters })`).
   *
   * @default - no backend filters
   */
  readonly filters?: HttpRouteFilter[];
}

/**
 * Options of `BackendRef.fromName`.
 */
export interface NamedBackendRefOptions {
  /**
   * The Service port to send traffic to.
   */
  readonly port: number;

  /**
   * The namespace of the Service (a cross-namespace reference needs a ReferenceGrant in that namespace).
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;

  /**
   * The relative share of traffic for this backend among the rule's backends (an integer 0..1,000,000).
   *
   * @default - the Gateway API default of 1
   */
  readonly weight?: number;

  /**
   * HTTPRoute filters applied only to requests sent to this backend (a GRPCRoute backend takes GRPCRoute filters:
   * `GrpcRouteRule.addBackendRef(backendRef, { filters })`).
   *
   * @default - no backend filters
   */
  readonly filters?: HttpRouteFilter[];
}

/**
 * Options of `BackendRef.fromResource`, for backends that are not core Services.
 */
export interface ResourceBackendRefOptions {
  /**
   * The API group of the backend ('' for the core group).
   */
  readonly group: string;

  /**
   * The kind of the backend, e.g. `ServiceImport`.
   */
  readonly kind: string;

  /**
   * The name of the backend.
   */
  readonly name: string;

  /**
   * The namespace of the backend.
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;

  /**
   * The port of the backend.
   *
   * @default - no port (allowed only for kinds other than Service)
   */
  readonly port?: number;

  /**
   * The relative share of traffic (an integer 0..1,000,000).
   *
   * @default - the Gateway API default of 1
   */
  readonly weight?: number;

  /**
   * HTTPRoute filters applied only to requests sent to this backend (a GRPCRoute backend takes GRPCRoute filters:
   * `GrpcRouteRule.addBackendRef(backendRef, { filters })`).
   *
   * @default - no backend filters
   */
  readonly filters?: HttpRouteFilter[];
}

interface BackendRefFields {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
  readonly weight?: number;
  readonly filters?: HttpRouteFilter[];
}

/**
 * A backend of a route rule: where matching requests are sent, with an optional weight.
 */
export class BackendRef {
  /**
   * Sends traffic to a cdk8s-plus Service. The port must be one of the Service's ports and defaults to its only
   * port.
   */
  public static fromService(service: kplus.Service, options: ServiceBackendRefOptions = {}): BackendRef {
    const ports = service.ports.map((p) => p.port);
    const port = options.port ?? (ports.length === 1 ? ports[0] : undefined);
    const problem = problemOf(() => {
      if (options.port === undefined && ports.length !== 1) {
        throw new Error(`backend service ${q(service.name)} has ${ports.length === 0 ? 'no ports' : `ports ${ports.join(', ')}`}; pass the port to use, e.g. BackendRef.fromService(service, { port: ${ports[0] ?? 80} })${ports.length === 0 ? ' after adding it to the service' : ''}`);
      } else if (options.port !== undefined && ports.length > 0 && !ports.includes(options.port)) {
        throw new Error(`backend service ${q(service.name)} has no port ${options.port}; use one of its ports (${ports.join(', ')})`);
      }
    });
    return new BackendRef({
      group: undefined,
      kind: undefined,
      name: service.name,
      namespace: service.metadata.namespace,
      port,
      weight: options.weight,
      filters: options.filters,
    }, problem);
  }

  /**
   * Sends traffic to a Service by name, e.g. `BackendRef.fromName('api-v2', { port: 8080, weight: 10 })`.
   */
  public static fromName(name: string, options: NamedBackendRefOptions): BackendRef {
    return new BackendRef({ ...options, group: undefined, kind: undefined, name });
  }

  /**
   * Sends traffic to a backend of another kind, e.g. a multi-cluster `ServiceImport`.
   */
  public static fromResource(options: ResourceBackendRefOptions): BackendRef {
    return new BackendRef(options, problemOf(() => {
      validateGroup('backend group', options.group);
      validateKind('backend kind', options.kind);
      if (options.group === '' && options.kind === 'Service' && options.port === undefined) {
        throw new Error(`backend service ${q(options.name)} has no port; a Service backend must have a port (use BackendRef.fromName(name, { port }))`);
      }
    }));
  }

  /**
   * The API group of the backend.
   *
   * @default - the core group
   */
  public readonly group?: string;
  /**
   * The kind of the backend.
   *
   * @default - Service
   */
  public readonly kind?: string;
  /** The name of the backend. */
  public readonly name: string;
  /**
   * The namespace of the backend.
   *
   * @default - the route's namespace
   */
  public readonly namespace?: string;
  /**
   * The port of the backend.
   *
   * @default - no port (only for kinds other than Service)
   */
  public readonly port?: number;
  /**
   * The weight of the backend.
   *
   * @default - the Gateway API default of 1
   */
  public readonly weight?: number;
  /** HTTPRoute filters applied only to requests sent to this backend. */
  public readonly filters: HttpRouteFilter[];

  /** @internal */
  public readonly _problem?: string;

  /** `factoryProblem`: what the factory found (kept by copies such as `withWeight`). */
  private constructor(options: BackendRefFields, factoryProblem?: string) {
    this._problem = factoryProblem ?? problemOf(() => {
      validateObjectName('backend name', options.name);
      if ((options.group ?? '') === '' && (options.kind ?? 'Service') === 'Service' && options.port === undefined) {
        // From JavaScript `fromName('web', {})` type-checks; the API server refuses a Service reference without a port.
        throw new Error(`backend service ${q(options.name)} has no port; a Service backend must have a port (e.g. BackendRef.fromName(${q(options.name)}, { port: 80 }))`);
      }
      if (options.namespace !== undefined) validateNamespace(`backend ${q(options.name)} namespace`, options.namespace);
      if (options.port !== undefined) validatePort(`backend ${q(options.name)} port`, options.port);
      if (options.weight !== undefined) {
        validateInteger(`backend ${q(options.name)} weight`, options.weight, 0, 1_000_000, 'weights are relative shares, e.g. 90 and 10');
      }
      checkValues(`backend ${q(options.name)} filter`, options.filters);
    });
    this.group = options.group;
    this.kind = options.kind;
    this.name = options.name;
    this.namespace = options.namespace;
    this.port = options.port;
    this.weight = options.weight;
    this.filters = [...(options.filters ?? [])];
  }

  /**
   * A copy of this backend with another weight, e.g. `stable.withWeight(90)`.
   */
  public withWeight(weight: number): BackendRef {
    return new BackendRef({ ...this, weight }, this._problem);
  }

  /** @internal */
  public _renderObjectReference(): any {
    return { group: this.group, kind: this.kind, name: this.name, namespace: this.namespace, port: this.port };
  }

  /** @internal */
  public _key(): string {
    return `${this.group ?? ''}/${this.kind ?? 'Service'}/${this.namespace ?? ''}/${this.name}:${this.port ?? ''}`;
  }
}
