import { renderHeaderModifier, renderRequestMirror } from './filter-render';
import { HeaderModifierProps, HttpRouteFilterType, RequestMirrorProps } from './http-route-filter';
import { problemOf } from './value-problem';

/**
 * A processing step of a GRPCRoute rule: header modifiers and request mirrors.
 */
export class GrpcRouteFilter {
  /**
   * Changes the request metadata (headers) before the call is forwarded.
   */
  public static requestHeaderModifier(props: HeaderModifierProps): GrpcRouteFilter {
    return new GrpcRouteFilter(HttpRouteFilterType.REQUEST_HEADER_MODIFIER, () => ({
      requestHeaderModifier: renderHeaderModifier('request header modifier', props),
    }));
  }

  /**
   * Changes the response metadata (headers) before the response is returned.
   */
  public static responseHeaderModifier(props: HeaderModifierProps): GrpcRouteFilter {
    return new GrpcRouteFilter(HttpRouteFilterType.RESPONSE_HEADER_MODIFIER, () => ({
      responseHeaderModifier: renderHeaderModifier('response header modifier', props),
    }));
  }

  /**
   * Sends a copy of the calls (all, or `percent` / `fraction` of them) to `backend`. May be used more than once.
   */
  public static requestMirror(props: RequestMirrorProps): GrpcRouteFilter {
    return new GrpcRouteFilter(HttpRouteFilterType.REQUEST_MIRROR, () => ({ requestMirror: renderRequestMirror(props) }));
  }

  /** @internal */
  public readonly _problem?: string;

  private body: any = {};

  private constructor(
    /** The filter type. */
    public readonly type: HttpRouteFilterType,
    build: () => any,
  ) {
    this._problem = problemOf(() => { this.body = build(); });
  }

  /** @internal */
  public _render(): any {
    return { type: this.type, ...this.body };
  }
}
