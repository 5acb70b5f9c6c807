import { MatchType } from './header-match';
import { q, validateHttpToken, validateLength, validateRegex } from './validation';
import { problemOf } from './value-problem';

/**
 * A match on one query parameter of an HTTP request. Query parameter names are case-sensitive.
 */
export class QueryParamMatch {
  /**
   * Matches when the query parameter `name` equals `value`, e.g. `QueryParamMatch.exact('version', '2')`.
   */
  public static exact(name: string, value: string): QueryParamMatch {
    return new QueryParamMatch(MatchType.EXACT, name, value);
  }

  /**
   * Matches when the query parameter `name` matches the RE2 regular expression `pattern`.
   */
  public static regularExpression(name: string, pattern: string): QueryParamMatch {
    return new QueryParamMatch(MatchType.REGULAR_EXPRESSION, name, pattern);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** How the value is compared. */
    public readonly type: MatchType,
    /** The query parameter name. */
    public readonly name: string,
    /** The value or regular expression. */
    public readonly value: string,
  ) {
    this._problem = problemOf(() => {
      validateHttpToken('query parameter name', name);
      validateLength(`query parameter ${q(name)} value`, value, 1, 1024);
      if (type === MatchType.REGULAR_EXPRESSION) {
        validateRegex(`query parameter ${q(name)} regular expression`, value);
      }
    });
  }
}
