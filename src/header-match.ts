import { q, validateHttpToken, validateLength, validateRegex } from './validation';
import { problemOf } from './value-problem';

/**
 * How a header, query parameter or gRPC method value is compared.
 */
export enum MatchType {
  /** The value equals the given string (case-sensitive). */
  EXACT = 'Exact',
  /** The value matches the given RE2 regular expression. */
  REGULAR_EXPRESSION = 'RegularExpression',
}

/**
 * A match on one HTTP request header. Header names are case-insensitive.
 */
export class HeaderMatch {
  /**
   * Matches when the header `name` equals `value`, e.g. `HeaderMatch.exact('x-version', '2')`.
   */
  public static exact(name: string, value: string): HeaderMatch {
    return new HeaderMatch(MatchType.EXACT, name, value);
  }

  /**
   * Matches when the header `name` matches the RE2 regular expression `pattern`.
   */
  public static regularExpression(name: string, pattern: string): HeaderMatch {
    return new HeaderMatch(MatchType.REGULAR_EXPRESSION, name, pattern);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** How the value is compared. */
    public readonly type: MatchType,
    /** The header name. */
    public readonly name: string,
    /** The value or regular expression. */
    public readonly value: string,
  ) {
    this._problem = problemOf(() => {
      validateHttpToken('header name', name);
      validateLength(`header ${q(name)} value`, value, 1, 4096);
      if (type === MatchType.REGULAR_EXPRESSION) {
        validateRegex(`header ${q(name)} regular expression`, value);
      }
    });
  }
}
