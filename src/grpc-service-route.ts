import { Construct } from 'constructs';
import { Annotations } from './annotations';
import { BackendRef } from './backend-ref';
import { GrpcMethodMatch } from './grpc-method-match';
import { GrpcRoute } from './grpc-route';
import { MatchType } from './header-match';
import { regexMatchesWhole } from './model';
import { RoutePatternProps } from './pattern-props';
import { checked, checkNotEmpty, escapeRegex } from './pattern-util';
import { q } from './validation';
import { problemOf } from './value-problem';

const METHOD_NAME = /^[A-Za-z_][A-Za-z_0-9]*$/;

/**
 * Which methods of the service a `GrpcServiceRoute` entry selects.
 */
export class GrpcServiceMethod {
  /**
   * One method, by name, e.g. `GrpcServiceMethod.named('CreateTask')`.
   */
  public static named(method: string): GrpcServiceMethod {
    return new GrpcServiceMethod(MatchType.EXACT, method, method, problemOf(() => {
      if (!METHOD_NAME.test(method)) {
        throw new Error(`grpc method ${q(method)} is not a protobuf method name; use an identifier (e.g. "CreateTask"), GrpcServiceMethod.prefix for a prefix or GrpcServiceMethod.regularExpression for a pattern`);
      }
    }));
  }

  /**
   * Every method whose name starts with `prefix`, e.g. `GrpcServiceMethod.prefix('Get')`: the RE2 regular
   * expression `Get.*`, with any regular expression metacharacter of the prefix escaped.
   */
  public static prefix(prefix: string): GrpcServiceMethod {
    const pattern = `${escapeRegex(prefix)}.*`;
    return new GrpcServiceMethod(MatchType.REGULAR_EXPRESSION, pattern, pattern, prefix.length > 0 ? undefined
      : 'grpc method prefix is empty; give the start of the method names (e.g. "Get"), or route the whole service with backendRefs');
  }

  /**
   * Every method whose whole name matches the RE2 regular expression `pattern`, e.g. `(Get|List).*`. RE2 is not a
   * glob: `Get*` is "Ge" followed by any number of "t"; write `Get.*`, or use `prefix('Get')`.
   */
  public static regularExpression(pattern: string): GrpcServiceMethod {
    return new GrpcServiceMethod(MatchType.REGULAR_EXPRESSION, pattern, pattern, GrpcMethodMatch.regularExpression({ method: pattern })._problem);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** How the method name is compared. */
    public readonly type: MatchType,
    /** The method name (EXACT) or the RE2 regular expression (REGULAR_EXPRESSION). */
    public readonly value: string,
    /** How messages spell the selector: the method name or the RE2 pattern, e.g. `CreateTask`, `Get.*`. */
    public readonly description: string,
    problem: string | undefined,
  ) {
    this._problem = problem;
  }

  /** Whether this selector selects a method named `method`. */
  public matches(method: string): boolean {
    return this.type === MatchType.EXACT ? this.value === method : regexMatchesWhole(this.value, method);
  }
}

/**
 * Methods of the service and where calls to them go.
 */
export interface GrpcMethodBackends {
  /**
   * The methods, e.g. `GrpcServiceMethod.named('CreateTask')` or `GrpcServiceMethod.prefix('Get')`.
   */
  readonly method: GrpcServiceMethod;

  /**
   * Where calls to these methods go (weights split them).
   */
  readonly backendRefs: BackendRef[];
}

/**
 * Properties of a `GrpcServiceRoute`.
 */
export interface GrpcServiceRouteProps extends RoutePatternProps {
  /**
   * The fully qualified gRPC service, e.g. `task.TaskService`.
   */
  readonly service: string;

  /**
   * Where calls to the service's other methods go.
   *
   * @default - none: calls to methods not listed in `methods` are not routed (UNIMPLEMENTED)
   */
  readonly backendRefs?: BackendRef[];

  /**
   * Method-level backends.
   *
   * @default - none; add them with `addMethod`
   */
  readonly methods?: GrpcMethodBackends[];
}

/**
 * Routes one gRPC service: service-level backends for all its methods, and method-level backends for single
 * methods or method prefixes. The GRPCRoute (`route`, construct id `Route`) emits the rules in precedence order
 * (see `GrpcRoute`): exact methods, then prefixes and patterns (longer first), then the service-level rule.
 *
 * Prefix and pattern rules use `type: RegularExpression`, under which the service is a regular expression too: it
 * is written with its dots escaped (`task\.TaskService`), a plain literal that ranks as the exact service name. A
 * method that both an exact rule and a prefix rule select goes to the exact rule here; other implementations may
 * rank regular expressions differently, so it gets a warning.
 */
export class GrpcServiceRoute extends Construct {
  /**
   * The GRPCRoute this pattern composes. `GrpcRoute` emits rules in the order they are added, so its rules are
   * added, in precedence order, when the app is validated at synthesis (methods can be added until then).
   */
  public readonly route: GrpcRoute;

  /** The fully qualified gRPC service. */
  public readonly service: string;

  private readonly _methods: GrpcMethodBackends[] = [];
  private readonly serviceBackendRefs?: BackendRef[];
  private finished = false;

  constructor(scope: Construct, id: string, props: GrpcServiceRouteProps) {
    super(scope, id);
    // validates the service name
    checked(this.node.path, GrpcMethodMatch.exact({ service: props.service }));
    this.service = props.service;
    if (props.backendRefs !== undefined) {
      checkNotEmpty(this.node.path, 'backendRefs', props.backendRefs, 'give at least one backend, or leave backendRefs out so only the listed methods are routed');
      this.serviceBackendRefs = [...props.backendRefs];
    }
    this.route = new GrpcRoute(this, 'Route', {
      metadata: props.metadata,
      parentRefs: props.parentRefs,
      hostnames: props.hostnames,
    });
    for (const m of props.methods ?? []) this.addMethod(m);
    // GrpcRoute emits rules in the order they are added: add them in precedence order, once, at validation time
    // (before synthesis renders the spec).
    this.node.addValidation({ validate: () => this.finish() });
  }

  /**
   * Routes calls to the selected methods to their backends.
   */
  public addMethod(entry: GrpcMethodBackends): void {
    const path = this.node.path;
    if (this.finished) {
      throw new Error(`${path}: addMethod after synthesis started; add methods before synthesizing`);
    }
    checked(path, entry.method);
    if (this._methods.some((m) => m.method.type === entry.method.type && m.method.value === entry.method.value)) {
      throw new Error(`${path}: method ${q(entry.method.description)} of ${q(this.service)} is routed twice; route each method once`);
    }
    checkNotEmpty(path, `the backends of method ${q(entry.method.description)}`, entry.backendRefs, 'give at least one backend');
    this._methods.push({ method: entry.method, backendRefs: [...entry.backendRefs] });
  }

  /** The method-level entries, in the order they were added. */
  public get methods(): GrpcMethodBackends[] {
    return [...this._methods];
  }

  /** The match of one entry, with the service. */
  private matchOf(method: GrpcServiceMethod): GrpcMethodMatch {
    return method.type === MatchType.EXACT
      ? GrpcMethodMatch.exact({ service: this.service, method: method.value })
      : GrpcMethodMatch.regularExpression({ service: escapeRegex(this.service), method: method.value });
  }

  private finish(): string[] {
    if (this.finished) return [];
    this.finished = true;
    const errors: string[] = [];
    if (this._methods.length === 0 && this.serviceBackendRefs === undefined) {
      errors.push(`${this.node.path}: nothing is routed; give backendRefs for the service or add a method with addMethod`);
    }
    // GrpcRoute emits its rules in precedence order.
    for (const m of this._methods) {
      this.route.addRule({ matches: [{ method: this.matchOf(m.method) }], backendRefs: m.backendRefs });
    }
    if (this.serviceBackendRefs !== undefined) {
      this.route.addRule({ matches: [{ method: GrpcMethodMatch.exact({ service: this.service }) }], backendRefs: this.serviceBackendRefs });
    }
    for (const exact of this._methods.filter((m) => m.method.type === MatchType.EXACT)) {
      for (const pattern of this._methods.filter((m) => m.method.type !== MatchType.EXACT)) {
        if (pattern.method.matches(exact.method.value)) {
          Annotations.of(this).addWarning(`${this.node.path}: method ${q(exact.method.value)} is routed by name and also selected by the re2 pattern ${q(pattern.method.value)}; this gateway gives the exact rule precedence, but how a regular expression ranks is implementation-specific, so give the method a name the pattern does not select or drop one of them`);
        }
      }
    }
    return errors;
  }
}
