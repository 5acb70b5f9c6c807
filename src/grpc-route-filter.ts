import { renderHeaderModifier, renderRequestMirror } from './filter-render';
import { HeaderModifierProps, RequestMirrorProps } from './http-route-filter';
import { problemOf } from './value-problem';

/**
 * The type of a GRPCRoute filter, in the Gateway API's words (a GRPCRoute has no redirect, rewrite or CORS filter).
 */
export enum GrpcRouteFilterType {
  /** Changes request metadata (headers). */
  REQUEST_HEADER_MODIFIER = 'RequestHeaderModifier',
  /** Changes response metadata (headers). */
  RESPONSE_HEADER_MODIFIER = 'ResponseHeaderModifier',
  /** Sends a copy of the call to another backend. */
  REQUEST_MIRROR = 'RequestMirror',
}

/**
 * A processing step of a GRPCRoute rule or of one of its backends: header modifiers and request mirrors.
 */
export class GrpcRouteFilter {
  /**
   * Changes the request metadata (headers) before the call is forwarded.
   */
  public static requestHeaderModifier(props: HeaderModifierProps): GrpcRouteFilter {
    return new GrpcRouteFilter(GrpcRouteFilterType.REQUEST_HEADER_MODIFIER, () => ({
      requestHeaderModifier: renderHeaderModifier('request header modifier', props),
    }));
  }

  /**
   * Changes the response metadata (headers) before the response is returned.
   */
  public static responseHeaderModifier(props: HeaderModifierProps): GrpcRouteFilter {
    return new GrpcRouteFilter(GrpcRouteFilterType.RESPONSE_HEADER_MODIFIER, () => ({
      responseHeaderModifier: renderHeaderModifier('response header modifier', props),
    }));
  }

  /**
   * Sends a copy of the calls (all, or `percent` / `fraction` of them) to `backend`. May be used more than once.
   */
  public static requestMirror(props: RequestMirrorProps): GrpcRouteFilter {
    return new GrpcRouteFilter(GrpcRouteFilterType.REQUEST_MIRROR, () => ({ requestMirror: renderRequestMirror(props) }));
  }

  /** @internal */
  public readonly _problem?: string;

  private body: any = {};

  private constructor(
    /** The filter type. */
    public readonly type: GrpcRouteFilterType,
    build: () => any,
  ) {
    this._problem = problemOf(() => { this.body = build(); });
  }

  /** @internal */
  public _render(): any {
    return { type: this.type, ...this.body };
  }
}
