import type { AllowedRoutesSpec } from './model';
import { q, validateGroup, validateKind } from './validation';
import { checkValues, problemOf } from './value-problem';

/**
 * A kind of route a listener accepts.
 */
export class RouteKind {
  /** `HTTPRoute` of `gateway.networking.k8s.io`. */
  public static readonly HTTP_ROUTE = new RouteKind('gateway.networking.k8s.io', 'HTTPRoute');
  /** `GRPCRoute` of `gateway.networking.k8s.io`. */
  public static readonly GRPC_ROUTE = new RouteKind('gateway.networking.k8s.io', 'GRPCRoute');
  /** `TLSRoute` of `gateway.networking.k8s.io`. */
  public static readonly TLS_ROUTE = new RouteKind('gateway.networking.k8s.io', 'TLSRoute');

  /**
   * Any route kind, e.g. one defined by an implementation.
   */
  public static of(group: string, kind: string): RouteKind {
    return new RouteKind(group, kind);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** The API group of the route kind. */
    public readonly group: string,
    /** The route kind. */
    public readonly kind: string,
  ) {
    this._problem = problemOf(() => {
      validateGroup('route kind group', group);
      validateKind('route kind', kind);
    });
  }
}

/**
 * Operator of a label selector requirement.
 */
export enum LabelSelectorOperator {
  /** The label's value is one of the values. */
  IN = 'In',
  /** The label's value is none of the values. */
  NOT_IN = 'NotIn',
  /** The label is present. */
  EXISTS = 'Exists',
  /** The label is absent. */
  DOES_NOT_EXIST = 'DoesNotExist',
}

/**
 * One requirement of a namespace label selector.
 */
export interface LabelSelectorRequirement {
  /** The label key. */
  readonly key: string;
  /** How the label is compared. */
  readonly operator: LabelSelectorOperator;
  /**
   * The values: required and non-empty for In and NotIn, empty for Exists and DoesNotExist.
   *
   * @default - no values
   */
  readonly values?: string[];
}

/**
 * Options shared by the `AllowedRoutes` factories.
 */
export interface AllowedRoutesOptions {
  /**
   * The route kinds the listener accepts (at most 8).
   *
   * @default - the kinds that match the listener's protocol (HTTPRoute and GRPCRoute for HTTP and HTTPS, TLSRoute for TLS)
   */
  readonly kinds?: RouteKind[];
}

/**
 * Options of `AllowedRoutes.fromSelector`.
 */
export interface AllowedRoutesSelectorOptions extends AllowedRoutesOptions {
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
 * The label selector of a namespace policy, checked: not empty; values only (and always) for In and NotIn.
 * @internal
 */
export function labelSelector(what: string, everything: string,
  options: { readonly matchLabels?: { [key: string]: string }; readonly matchExpressions?: LabelSelectorRequirement[] }): any {
  const labels = options.matchLabels ?? {};
  const expressions = options.matchExpressions ?? [];
  if (Object.keys(labels).length === 0 && expressions.length === 0) {
    throw new Error(`${what} selector is empty; give matchLabels or matchExpressions (or use ${everything})`);
  }
  for (const e of expressions) {
    const values = e.values ?? [];
    const needsValues = e.operator === LabelSelectorOperator.IN || e.operator === LabelSelectorOperator.NOT_IN;
    if (needsValues && values.length === 0) {
      throw new Error(`${what} selector requirement on ${q(e.key)} with operator ${e.operator} needs at least one value`);
    }
    if (!needsValues && values.length > 0) {
      throw new Error(`${what} selector requirement on ${q(e.key)} with operator ${e.operator} must not have values`);
    }
  }
  const selector = {
    matchLabels: Object.keys(labels).length > 0 ? { ...labels } : undefined,
    matchExpressions: expressions.length === 0 ? undefined : expressions.map((e) => ({
      key: e.key,
      operator: e.operator,
      values: e.values && e.values.length > 0 ? [...e.values] : undefined,
    })),
  };
  return selector;
}

/**
 * Which routes may attach to a listener.
 */
export class AllowedRoutes {
  /**
   * Routes in the Gateway's namespace (the Gateway API default).
   */
  public static same(options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('Same', undefined, options.kinds);
  }

  /**
   * Routes in every namespace.
   */
  public static all(options: AllowedRoutesOptions = {}): AllowedRoutes {
    return new AllowedRoutes('All', undefined, options.kinds);
  }

  /**
   * Routes in namespaces selected by labels, e.g.
   * `AllowedRoutes.fromSelector({ matchLabels: { 'shared-gateway-access': 'true' } })`.
   */
  public static fromSelector(options: AllowedRoutesSelectorOptions): AllowedRoutes {
    let selector: any;
    const problem = problemOf(() => { selector = labelSelector('allowed routes', 'AllowedRoutes.all()', options); });
    return new AllowedRoutes('Selector', selector, options.kinds, problem);
  }

  /**
   * The route kinds the listener accepts.
   *
   * @default - the kinds that match the listener's protocol
   */
  public readonly kinds?: RouteKind[];

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** Where routes may come from (`allowedRoutes.namespaces.from`): `Same`, `All` or `Selector`. */
    public readonly namespacesFrom: string,
    private readonly selector: any,
    kinds: RouteKind[] | undefined,
    selectorProblem?: string,
  ) {
    this.kinds = kinds === undefined ? undefined : [...kinds];
    this._problem = selectorProblem ?? problemOf(() => {
      if (kinds !== undefined && kinds.length > 8) {
        throw new Error(`allowed routes lists ${kinds.length} kinds; at most 8 are allowed, so list only the kinds the listener must accept`);
      }
      checkValues('allowed routes kind', kinds);
    });
  }

  /** The policy as the shared model reads it. @internal */
  public _spec(): AllowedRoutesSpec {
    return { from: this.namespacesFrom, selector: this.selector, kinds: this.kinds };
  }

  /** @internal */
  public _render(): any {
    return {
      namespaces: { from: this.namespacesFrom, selector: this.selector },
      kinds: this.kinds?.map((k) => ({ group: k.group, kind: k.kind })),
    };
  }
}
