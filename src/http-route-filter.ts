import type { BackendRef } from './backend-ref';
import { renderHeaderModifier, renderRequestMirror } from './filter-render';
import { HttpPathModifier } from './http-path-modifier';
import { validateHostname, validatePort } from './validation';
import { checkValue, problemOf } from './value-problem';

/**
 * The type of a route filter, in the Gateway API's words.
 */
export enum HttpRouteFilterType {
  /** Changes request headers. */
  REQUEST_HEADER_MODIFIER = 'RequestHeaderModifier',
  /** Changes response headers. */
  RESPONSE_HEADER_MODIFIER = 'ResponseHeaderModifier',
  /** Sends a copy of the request to another backend. */
  REQUEST_MIRROR = 'RequestMirror',
  /** Answers with a redirect. */
  REQUEST_REDIRECT = 'RequestRedirect',
  /** Rewrites the hostname or path before forwarding. */
  URL_REWRITE = 'URLRewrite',
}

/**
 * Header changes made by a header modifier filter.
 */
export interface HeaderModifierProps {
  /**
   * Headers to set, replacing any value the message already has (header name -> value).
   *
   * @default - no header is set
   */
  readonly set?: { [name: string]: string };

  /**
   * Headers to add, appending to any value the message already has (header name -> value).
   *
   * @default - no header is added
   */
  readonly add?: { [name: string]: string };

  /**
   * Names of headers to remove.
   *
   * @default - no header is removed
   */
  readonly remove?: string[];
}

/**
 * The URL scheme of a redirect.
 */
export enum RedirectScheme {
  /** http */
  HTTP = 'http',
  /** https */
  HTTPS = 'https',
}

/**
 * Properties of a `requestRedirect` filter.
 */
export interface RequestRedirectProps {
  /**
   * The scheme of the Location header.
   *
   * @default - the scheme of the request
   */
  readonly scheme?: RedirectScheme;

  /**
   * The hostname of the Location header (no wildcard).
   *
   * @default - the Host of the request
   */
  readonly hostname?: string;

  /**
   * The port of the Location header.
   *
   * @default - the well-known port of the scheme when `scheme` is set, otherwise the listener's port
   */
  readonly port?: number;

  /**
   * How the path of the Location header is derived from the request path.
   *
   * @default - the request path
   */
  readonly path?: HttpPathModifier;

  /**
   * The HTTP status code: 301, 302, 303, 307 or 308.
   *
   * @default 302
   */
  readonly statusCode?: number;
}

/**
 * Properties of a `urlRewrite` filter.
 */
export interface UrlRewriteProps {
  /**
   * The Host header sent to the backend (no wildcard).
   *
   * @default - the Host of the request
   */
  readonly hostname?: string;

  /**
   * How the path sent to the backend is derived from the request path.
   *
   * @default - the request path
   */
  readonly path?: HttpPathModifier;
}

/**
 * A fraction of requests, `numerator / denominator`.
 */
export interface MirrorFraction {
  /**
   * The numerator (0 or more, at most the denominator).
   */
  readonly numerator: number;

  /**
   * The denominator (1 or more).
   *
   * @default 100
   */
  readonly denominator?: number;
}

/**
 * Properties of a `requestMirror` filter.
 */
export interface RequestMirrorProps {
  /**
   * Where copies of the requests are sent (its weight and filters must not be set).
   */
  readonly backend: BackendRef;

  /**
   * The percentage of requests to mirror (0 to 100). Set at most one of `percent` and `fraction`.
   *
   * @default - all requests are mirrored
   */
  readonly percent?: number;

  /**
   * The fraction of requests to mirror. Set at most one of `percent` and `fraction`.
   *
   * @default - all requests are mirrored
   */
  readonly fraction?: MirrorFraction;
}

const REDIRECT_STATUS_CODES = [301, 302, 303, 307, 308];

/**
 * A processing step of an HTTPRoute rule (or of one of its backends).
 */
export class HttpRouteFilter {
  /**
   * Changes the request headers before the request is forwarded, e.g.
   * `HttpRouteFilter.requestHeaderModifier({ set: { 'x-env': 'prod' }, remove: ['x-debug'] })`.
   */
  public static requestHeaderModifier(props: HeaderModifierProps): HttpRouteFilter {
    return new HttpRouteFilter(HttpRouteFilterType.REQUEST_HEADER_MODIFIER, () => ({
      requestHeaderModifier: renderHeaderModifier('request header modifier', props),
    }));
  }

  /**
   * Changes the response headers before the response is returned to the client.
   */
  public static responseHeaderModifier(props: HeaderModifierProps): HttpRouteFilter {
    return new HttpRouteFilter(HttpRouteFilterType.RESPONSE_HEADER_MODIFIER, () => ({
      responseHeaderModifier: renderHeaderModifier('response header modifier', props),
    }));
  }

  /**
   * Answers the request with a redirect, e.g.
   * `HttpRouteFilter.requestRedirect({ scheme: RedirectScheme.HTTPS, statusCode: 301 })`.
   * A rule with a redirect must not have backendRefs.
   */
  public static requestRedirect(props: RequestRedirectProps): HttpRouteFilter {
    return new HttpRouteFilter(HttpRouteFilterType.REQUEST_REDIRECT, () => {
      if (props.hostname !== undefined) validateHostname('request redirect hostname', props.hostname, false);
      if (props.port !== undefined) validatePort('request redirect port', props.port);
      if (props.statusCode !== undefined && !REDIRECT_STATUS_CODES.includes(props.statusCode)) {
        throw new Error(`request redirect status code ${props.statusCode} is not allowed; use one of ${REDIRECT_STATUS_CODES.join(', ')} (301/308 permanent, 302/303/307 temporary)`);
      }
      checkValue('request redirect path', props.path);
      return {
        requestRedirect: {
          scheme: props.scheme,
          hostname: props.hostname,
          path: props.path?._render(),
          port: props.port,
          statusCode: props.statusCode,
        },
      };
    }, props.path);
  }

  /**
   * Rewrites the Host header or the path before the request is forwarded, e.g.
   * `HttpRouteFilter.urlRewrite({ path: HttpPathModifier.replacePrefixMatch('/') })`.
   */
  public static urlRewrite(props: UrlRewriteProps): HttpRouteFilter {
    return new HttpRouteFilter(HttpRouteFilterType.URL_REWRITE, () => {
      if (props.hostname !== undefined) validateHostname('url rewrite hostname', props.hostname, false);
      if (props.hostname === undefined && props.path === undefined) {
        throw new Error('url rewrite changes nothing: give a hostname, a path or both');
      }
      checkValue('url rewrite path', props.path);
      return { urlRewrite: { hostname: props.hostname, path: props.path?._render() } };
    }, props.path);
  }

  /**
   * Sends a copy of the requests (all of them, or `percent` / `fraction` of them) to `backend`; the responses of
   * the mirror are ignored. May be used more than once in a rule.
   */
  public static requestMirror(props: RequestMirrorProps): HttpRouteFilter {
    return new HttpRouteFilter(HttpRouteFilterType.REQUEST_MIRROR, () => ({ requestMirror: renderRequestMirror(props) }));
  }

  /**
   * The path modifier of a redirect or rewrite filter.
   *
   * @default - the filter has no path modifier
   */
  public readonly pathModifier?: HttpPathModifier;

  /** @internal */
  public readonly _problem?: string;

  private body: any = {};

  private constructor(
    /** The filter type. */
    public readonly type: HttpRouteFilterType,
    build: () => any,
    pathModifier?: HttpPathModifier,
  ) {
    this.pathModifier = pathModifier;
    this._problem = problemOf(() => { this.body = build(); });
  }

  /** @internal */
  public _render(): any {
    return { type: this.type, ...this.body };
  }
}
