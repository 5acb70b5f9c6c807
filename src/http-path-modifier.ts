import { validateLength } from './validation';
import { problemOf } from './value-problem';

/**
 * How a path modifier rewrites the path.
 */
export enum HttpPathModifierType {
  /** Replace the whole path. */
  REPLACE_FULL_PATH = 'ReplaceFullPath',
  /** Replace the part of the path matched by the rule's single PathPrefix match. */
  REPLACE_PREFIX_MATCH = 'ReplacePrefixMatch',
}

/**
 * A path change made by a `requestRedirect` or `urlRewrite` filter.
 */
export class HttpPathModifier {
  /**
   * Replaces the whole request path with `path`, e.g. `HttpPathModifier.replaceFullPath('/login')`.
   */
  public static replaceFullPath(path: string): HttpPathModifier {
    return new HttpPathModifier(HttpPathModifierType.REPLACE_FULL_PATH, path);
  }

  /**
   * Replaces the prefix matched by the rule's PathPrefix match with `prefix`: with a `/api` match,
   * `replacePrefixMatch('/v2')` turns `/api/users` into `/v2/users`. The rule must have exactly one match, and it
   * must be a PathPrefix match.
   */
  public static replacePrefixMatch(prefix: string): HttpPathModifier {
    return new HttpPathModifier(HttpPathModifierType.REPLACE_PREFIX_MATCH, prefix);
  }

  /** @internal */
  public readonly _problem?: string;

  private constructor(
    /** How the path is rewritten. */
    public readonly type: HttpPathModifierType,
    /** The replacement path or prefix. */
    public readonly value: string,
  ) {
    this._problem = problemOf(() => validateLength(type === HttpPathModifierType.REPLACE_FULL_PATH ? 'replaceFullPath' : 'replacePrefixMatch', value, 0, 1024));
  }

  /** @internal */
  public _render(): any {
    return this.type === HttpPathModifierType.REPLACE_FULL_PATH
      ? { type: this.type, replaceFullPath: this.value }
      : { type: this.type, replacePrefixMatch: this.value };
  }
}
