import { q, validateLength, validateRegex } from './validation';
import { problemOf } from './value-problem';

/**
 * How a `PathMatch` compares the request path.
 */
export enum PathMatchType {
  /** The request path equals the value (case-sensitive). */
  EXACT = 'Exact',
  /** The request path starts with the value, element by element (`/api` matches `/api` and `/api/x`, not `/apix`). */
  PATH_PREFIX = 'PathPrefix',
  /** The request path matches the RE2 regular expression. */
  REGULAR_EXPRESSION = 'RegularExpression',
}

// The CRD's character rule for Exact and PathPrefix values.
const PATH_CHARACTERS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/**
 * A match on the request path of an HTTP request.
 */
export class PathMatch {
  /**
   * Matches the request path exactly, e.g. `PathMatch.exact('/healthz')`.
   */
  public static exact(value: string): PathMatch {
    return new PathMatch(PathMatchType.EXACT, value);
  }

  /**
   * Matches request paths that start with `value`, element by element: `/api` matches `/api`, `/api/` and
   * `/api/v1`, but not `/apiv1`. A trailing `/` in `value` is ignored for matching.
   */
  public static pathPrefix(value: string): PathMatch {
    return new PathMatch(PathMatchType.PATH_PREFIX, value);
  }

  /**
   * Matches request paths against an RE2 regular expression, e.g. `PathMatch.regularExpression('/users/[0-9]+')`.
   */
  public static regularExpression(pattern: string): PathMatch {
    return new PathMatch(PathMatchType.REGULAR_EXPRESSION, pattern);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** How the path is compared. */
    public readonly type: PathMatchType,
    /** The path, prefix or regular expression. */
    public readonly value: string,
  ) {
    this._problem = problemOf(() => {
      validateLength('path value', value, 1, 1024);
      if (type === PathMatchType.REGULAR_EXPRESSION) {
        validateRegex('path regular expression', value);
        return;
      }
      const what = `${type === PathMatchType.EXACT ? 'exact' : 'prefix'} path ${q(value)}`;
      if (!value.startsWith('/')) {
        throw new Error(`${what} must start with "/" (e.g. ${q('/' + value)})`);
      }
      for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
        if (value.includes(bad)) {
          throw new Error(`${what} must not contain ${q(bad)}: write the normalized path the gateway will see`);
        }
      }
      for (const bad of ['/..', '/.']) {
        if (value.endsWith(bad)) {
          throw new Error(`${what} must not end with ${q(bad)}: write the normalized path the gateway will see`);
        }
      }
      if (!PATH_CHARACTERS.test(value)) {
        throw new Error(`${what} contains characters not allowed in a url path; percent-encode them (e.g. " " as "%20")`);
      }
    });
  }
}
