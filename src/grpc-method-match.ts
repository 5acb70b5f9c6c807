import { MatchType } from './header-match';
import { globWarning, q, validateLength, validateRegex } from './validation';
import { problemOf } from './value-problem';

/**
 * The gRPC service and method a `GrpcMethodMatch` compares.
 */
export interface GrpcMethodMatchProps {
  /**
   * The fully qualified service name, e.g. `helloworld.Greeter` (a regular expression for `regularExpression`).
   *
   * @default - any service
   */
  readonly service?: string;

  /**
   * The method name, e.g. `SayHello` (a regular expression for `regularExpression`).
   *
   * @default - any method
   */
  readonly method?: string;
}

const SERVICE_CHARACTERS = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const METHOD_CHARACTERS = /^[A-Za-z_][A-Za-z_0-9]*$/;

/**
 * A match on the gRPC service and method (the `:path` `/<service>/<method>`).
 */
export class GrpcMethodMatch {
  /**
   * Matches a service and/or method exactly, e.g. `GrpcMethodMatch.exact({ service: 'todo.Todo', method: 'GetTask' })`.
   */
  public static exact(props: GrpcMethodMatchProps): GrpcMethodMatch {
    return new GrpcMethodMatch(MatchType.EXACT, props);
  }

  /**
   * Matches the service and/or method against RE2 regular expressions (whole-name match), e.g.
   * `GrpcMethodMatch.regularExpression({ service: 'todo\\.Todo', method: 'Get.*' })`. Note that RE2 is not a
   * glob: `Get*` means "Ge" followed by any number of "t" and does not match `GetTask`.
   */
  public static regularExpression(props: GrpcMethodMatchProps): GrpcMethodMatch {
    return new GrpcMethodMatch(MatchType.REGULAR_EXPRESSION, props);
  }

  /**
   * The service.
   *
   * @default - any service
   */
  public readonly service?: string;
  /**
   * The method.
   *
   * @default - any method
   */
  public readonly method?: string;

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** How the service and method are compared. */
    public readonly type: MatchType,
    props: GrpcMethodMatchProps,
  ) {
    this._problem = problemOf(() => {
      if (props.service === undefined && props.method === undefined) {
        throw new Error('grpc method match has neither service nor method; give one or both (e.g. { service: "helloworld.Greeter" })');
      }
      for (const [field, value] of [['service', props.service], ['method', props.method]] as const) {
        if (value === undefined) continue;
        validateLength(`grpc ${field}`, value, 1, 1024);
        if (type === MatchType.REGULAR_EXPRESSION) {
          validateRegex(`grpc ${field} regular expression`, value);
        } else if (field === 'service' && !SERVICE_CHARACTERS.test(value)) {
          throw new Error(`grpc service ${q(value)} is not a fully qualified protobuf service name; use dot-separated identifiers (e.g. "helloworld.Greeter"), or GrpcMethodMatch.regularExpression for a pattern`);
        } else if (field === 'method' && !METHOD_CHARACTERS.test(value)) {
          throw new Error(`grpc method ${q(value)} is not a protobuf method name; use an identifier (e.g. "SayHello"), or GrpcMethodMatch.regularExpression for a pattern`);
        }
      }
    });
    this.service = props.service;
    this.method = props.method;
  }

  /**
   * Glob-style mistakes in a regular expression: `Get*` (a letter, digit or `_` followed by `*`) means "repeat that
   * character", not "anything". @internal
   */
  public _globWarnings(): string[] {
    if (this.type !== MatchType.REGULAR_EXPRESSION) return [];
    const warnings: string[] = [];
    for (const [field, value] of [['service', this.service], ['method', this.method]] as const) {
      if (value === undefined) continue;
      const w = globWarning(`grpc ${field} regular expression`, value);
      if (w !== undefined) warnings.push(w);
    }
    return warnings;
  }
}
