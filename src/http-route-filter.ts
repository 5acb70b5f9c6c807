import { Duration } from 'cdk8s';
import type { BackendRef } from './backend-ref';
import { renderHeaderModifier, renderRequestMirror } from './filter-render';
import { HttpPathModifier } from './http-path-modifier';
import { q, validateHostname, validateHttpToken, validateInteger, validatePort } from './validation';
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
  /** Answers CORS preflights at the gateway and adds CORS headers to the answers of allowed origins. */
  CORS = 'CORS',
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

/**
 * Properties of a `cors` filter. Each list may be `["*"]` (alone) for "any".
 */
export interface CorsProps {
  /**
   * The origins whose requests may share the response (at most 64), each `<scheme>://<host>[:<port>]` with scheme
   * `http` or `https`. The host may start with `*.` (any subdomain), and `["*"]` allows every origin.
   *
   * @default - no origin is allowed (the gateway adds no CORS headers)
   */
  readonly allowOrigins?: string[];

  /**
   * The methods a preflight allows (`Access-Control-Allow-Methods`): HTTP method names such as `GET` and `POST`, or
   * `["*"]` for the method the preflight asks for (at most 9).
   *
   * @default - no method is listed
   */
  readonly allowMethods?: string[];

  /**
   * The request headers a preflight allows (`Access-Control-Allow-Headers`), or `["*"]` for the headers the preflight
   * asks for (at most 64).
   *
   * @default - no header is listed
   */
  readonly allowHeaders?: string[];

  /**
   * The response headers the browser may expose to the page (`Access-Control-Expose-Headers`, at most 64).
   *
   * @default - only the CORS-safelisted response headers
   */
  readonly exposeHeaders?: string[];

  /**
   * How long a browser may cache a preflight's answer (`Access-Control-Max-Age`), in whole seconds, at least 1.
   *
   * @default - 5 seconds (the Gateway API default)
   */
  readonly maxAge?: Duration;

  /**
   * Whether requests may carry credentials (cookies, authorization): sends `Access-Control-Allow-Credentials: true`.
   *
   * @default false
   */
  readonly allowCredentials?: boolean;
}

const REDIRECT_STATUS_CODES = [301, 302, 303, 307, 308];
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
// The CRD's pattern for an origin.
const CORS_ORIGIN = /(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/;

/** Checks one list of a CORS filter: at most `max` items, unique, `*` only alone, each item valid. */
function checkCorsList(
  field: string, items: string[] | undefined, max: number, checkItem: (what: string, item: string) => void,
): string[] | undefined {
  if (items === undefined || items.length === 0) return undefined;
  const what = `cors ${field}`;
  if (items.length > max) throw new Error(`${what} has ${items.length} entries; at most ${max} are allowed`);
  if (items.includes('*') && items.length > 1) {
    throw new Error(`${what} lists "*" with other entries (${items.filter((i) => i !== '*').map(q).join(', ')}); "*" already means any, so give it alone or drop it`);
  }
  const seen = new Set<string>();
  for (const item of items) {
    if (item !== '*') checkItem(`${what} entry`, item);
    if (seen.has(item.toLowerCase())) throw new Error(`${what} lists ${q(item)} twice; list it once`);
    seen.add(item.toLowerCase());
  }
  return [...items];
}

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
   * Sends a copy of the requests (all of them, or `percent` / `fraction` of them) to `backend`, whose responses
   * are ignored. May be used more than once in a rule.
   */
  public static requestMirror(props: RequestMirrorProps): HttpRouteFilter {
    return new HttpRouteFilter(HttpRouteFilterType.REQUEST_MIRROR, () => ({ requestMirror: renderRequestMirror(props) }));
  }

  /**
   * Answers CORS preflights at the gateway and adds the CORS response headers for allowed origins, e.g.
   * `HttpRouteFilter.cors({ allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'] })`.
   */
  public static cors(props: CorsProps): HttpRouteFilter {
    return new HttpRouteFilter(HttpRouteFilterType.CORS, () => {
      const allowOrigins = checkCorsList('allowOrigins', props.allowOrigins, 64, (what, origin) => {
        if (origin.length > 253 || !CORS_ORIGIN.test(origin)) {
          throw new Error(`${what} ${q(origin)} is not an origin; write <scheme>://<host>[:<port>] with scheme http or https and an optional leading "*." in the host (e.g. "https://app.example.com" or "https://*.example.com")`);
        }
      });
      const allowMethods = checkCorsList('allowMethods', props.allowMethods, 9, (what, method) => {
        if (!CORS_METHODS.includes(method)) throw new Error(`${what} ${q(method)} is not an http method; use one of ${CORS_METHODS.join(', ')} (upper case), or "*"`);
      });
      const allowHeaders = checkCorsList('allowHeaders', props.allowHeaders, 64, validateHttpToken);
      const exposeHeaders = checkCorsList('exposeHeaders', props.exposeHeaders, 64, validateHttpToken);
      let maxAge: number | undefined;
      if (props.maxAge !== undefined) {
        maxAge = props.maxAge.toSeconds({ integral: false });
        validateInteger('cors maxAge in seconds', maxAge, 1, 2147483647, 'a whole number of seconds, e.g. Duration.minutes(10)');
      }
      return { cors: { allowOrigins, allowMethods, allowHeaders, exposeHeaders, maxAge, allowCredentials: props.allowCredentials } };
    });
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
