/**
 * Synth-time validation shared by the constructs and value classes.
 *
 * This module is internal: `src/index.ts` does not export it.
 *
 * Every limit and every `x-kubernetes-validations` rule of the v1.6.1 standard-channel Gateway, HTTPRoute and
 * GRPCRoute CRDs (`crds/gateway-api/v1.6.1/`) that can be decided at synth time, and where it is enforced.
 * "eager" = thrown by the construct that receives the value, naming its path (a static factory does not throw: it
 * records the problem, which the construct or routing pattern that uses the value throws, see value-problem.ts);
 * "validate" = `node.addValidation` (reported by `App.synth()` / `Testing.synth()`); "type" = made impossible by
 * the typed API.
 *
 * | CRD rule (path: rule)                                                            | enforced in                                         |
 * | -------------------------------------------------------------------------------- | --------------------------------------------------- |
 * | metadata.name: DNS-1123 subdomain, <= 253                                          | eager: `Resource` (when a name is given)            |
 * | *.hostnames: maxItems 16                                                           | validate: HttpRoute, GrpcRoute                      |
 * | *.hostnames[]: 1..253, RFC 1123, wildcard only as the whole first label            | eager: `validateHostname` (routes, listeners)       |
 * | *.parentRefs: maxItems 32                                                          | validate: HttpRoute, GrpcRoute                      |
 * | parentRefs: sectionName must be specified when 2+ refs to the same parent          | validate: `validateParentRefs`                      |
 * | parentRefs: sectionName must be unique when 2+ refs to the same parent             | validate: `validateParentRefs`                      |
 * | parentRefs[].name 1..253, namespace DNS-1123 label, sectionName DNS-1123 subdomain | eager: ParentRef                                    |
 * | parentRefs[].port 1..65535                                                         | eager: ParentRef                                    |
 * | rules: maxItems 16 (minItems 1 for HTTPRoute; defaulted when empty)                | validate: HttpRoute, GrpcRoute                      |
 * | rules: total matches across all rules <= 128                                       | validate: HttpRoute, GrpcRoute                      |
 * | rules[].matches: maxItems 64                                                       | validate: HttpRoute, GrpcRoute                      |
 * | rules[].name: DNS-1123 subdomain, <= 253                                           | eager: rule constructors                            |
 * | rules[].filters, backendRefs, backendRefs[].filters: maxItems 16                   | validate: HttpRoute, GrpcRoute                      |
 * | rules[]: RequestRedirect filter must not be used together with backendRefs         | validate: HttpRoute                                 |
 * | rules[]: RequestRedirect/URLRewrite replacePrefixMatch needs exactly one PathPrefix| validate: HttpRoute (rule and backendRef filters)   |
 * | filters: RequestRedirect and URLRewrite not both                                   | validate: HttpRoute (rule and backendRef filters)   |
 * | filters: RequestHeaderModifier/ResponseHeaderModifier/RequestRedirect/URLRewrite   | validate: HttpRoute, GrpcRoute (rule and backendRef |
 * |          (and CORS) cannot be repeated; RequestMirror may repeat                   |   filters)                                          |
 * | filters[]: filter.<x> must (not) be set for filter.type <x> (14 rules)             | type: one factory per filter type                   |
 * | filters[].type enum                                                                | type: factories                                     |
 * | header modifier set/add: maxItems 16, name unique (listMapKey), name token <= 256, | eager: `HttpRouteFilter`/`GrpcRouteFilter` header   |
 * |   value 1..4096; remove: maxItems 16                                               |   modifier factories                                |
 * | requestMirror: only one of percent or fraction                                     | eager: `requestMirror`                              |
 * | requestMirror.percent 0..100; fraction numerator >= 0, denominator >= 1,           | eager: `requestMirror`                              |
 * |   numerator <= denominator                                                         |                                                     |
 * | requestMirror.backendRef: must have port for Service reference                     | eager: BackendRef factories (port always resolved)  |
 * | cors: allowOrigins/allowHeaders/exposeHeaders maxItems 64, allowMethods maxItems 9, | eager: `HttpRouteFilter.cors`                       |
 * |   "*" only alone, origin and header-name patterns, method enum, maxAge >= 1         |                                                     |
 * | rules[].retry (experimental CRD): codes 400..599 unique, attempts >= 1, backoff    | eager: HTTP rule; validate: only with the context   |
 * |   duration pattern                                                                 |   cdk8s-gateway:channel = experimental (channel.ts) |
 * | requestRedirect.scheme enum http/https                                             | type: `RedirectScheme`                              |
 * | requestRedirect.statusCode enum 301, 302, 303, 307, 308                            | eager: `requestRedirect`                            |
 * | requestRedirect/urlRewrite.hostname: RFC 1123 without wildcard, <= 253             | eager: `requestRedirect`, `urlRewrite`              |
 * | requestRedirect.port 1..65535                                                      | eager: `requestRedirect`                            |
 * | path modifier: type and replaceFullPath/replacePrefixMatch agree (4 rules)         | type: `HttpPathModifier` factories                  |
 * | path modifier values: maxLength 1024                                               | eager: `HttpPathModifier`                           |
 * | backendRefs[]: must have port for Service reference                                | eager: `BackendRef.fromService` / `fromName`        |
 * | backendRefs[].name 1..253, namespace DNS-1123 label, port 1..65535                 | eager: BackendRef                                   |
 * | backendRefs[].weight integer 0..1,000,000                                          | eager: BackendRef                                   |
 * | matches[].path: Exact/PathPrefix start with '/', no '//', '/./', '/../', '%2f',    | eager: `PathMatch.exact` / `pathPrefix`             |
 * |   '%2F', '#', not ending '/..' or '/.', only RFC 3986 path characters              |                                                     |
 * | matches[].path.value maxLength 1024                                                | eager: `PathMatch`                                  |
 * | matches[].path.type enum                                                           | type: `PathMatch` factories                         |
 * | matches[].headers / queryParams: maxItems 16, name unique (listMapKey)             | eager: route match normalisation                    |
 * | matches[].headers[].name token <= 256, value 1..4096                               | eager: `HeaderMatch`                                |
 * | matches[].queryParams[].name token <= 256, value 1..1024                           | eager: `QueryParamMatch`                            |
 * | matches[].method enum                                                              | type: `HttpMethod`                                  |
 * | RegularExpression values (path, header, query, gRPC method): valid RE2            | eager: `validateRegex` (re2js)                      |
 * | timeouts.request / backendRequest pattern ^([0-9]{1,5}(h|m|s|ms)){1,4}$            | eager: `renderGatewayDuration`                      |
 * | timeouts: backendRequest must not be longer than request (unless request is 0s)    | eager: HTTP rule normalisation                      |
 * | GRPCRoute matches[].method: one or both of service or method                       | eager: `GrpcMethodMatch`                            |
 * | GRPCRoute matches[].method.service / method valid characters (Exact), <= 1024      | eager: `GrpcMethodMatch`                            |
 * | GRPCRoute filters type enum (no redirect/rewrite)                                  | type: `GrpcRouteFilter` (rule and backend filters); |
 * |                                                                                    |   eager: a backend carrying HTTPRoute filters       |
 * | Gateway gatewayClassName 1..253                                                    | eager: Gateway                                      |
 * | Gateway listeners: minItems 1, maxItems 64                                         | validate: Gateway                                   |
 * | Gateway listeners: name unique                                                     | validate: Gateway                                   |
 * | Gateway listeners: port, protocol and hostname combination unique                  | validate: Gateway                                   |
 * | Gateway listeners: tls must not be set for HTTP                                    | type: `Listener.http` has no tls                    |
 * | Gateway listeners: tls mode must be Terminate for HTTPS                            | type: `Listener.https` always terminates            |
 * | Gateway listeners[].tls: certificateRefs must be set when mode is Terminate        | eager: `Listener` (https, tlsTerminate: 1..64 refs) |
 * | Gateway listeners[].name DNS-1123 subdomain, port 1..65535, hostname RFC 1123      | eager: `Listener`                                   |
 * | Gateway listeners[].allowedRoutes.kinds: maxItems 8, kind pattern                  | eager: `AllowedRoutes`                              |
 * | ReferenceGrant from/to: minItems 1, maxItems 16                                    | validate: ReferenceGrant                            |
 * | ReferenceGrant from.namespace DNS-1123 label; to.name 1..253; kind pattern         | eager: ReferenceGrantFrom / ReferenceGrantTo        |
 *
 * Checks beyond the CRDs (the spec's MUSTs and routing intent), all "validate" unless noted:
 *
 * | check                                                                              | enforced in                                         |
 * | -------------------------------------------------------------------------------- | --------------------------------------------------- |
 * | a route has at least one rule (the API server would add one without backends)      | HttpRoute, GrpcRoute                                |
 * | rule names unique in a route (spec: "MUST be unique within a Route")               | HttpRoute, GrpcRoute                                |
 * | hostnames listed once                                                              | eager: `addHostname`                                |
 * | a parentRef's sectionName / port exists on the in-app Gateway                      | `ParentRef._validate`                               |
 * | some selected listener accepts the route (allowedRoutes kinds, Same namespace,     | `ParentRef._validate`                               |
 * |   hostname intersection)                                                           |                                                     |
 * | rules emitted in precedence order; first-match and spec select the same rule       | HttpRoute, GrpcRoute (`orderRules`, src/model)      |
 * | a match that can never be selected (repeated, or covered by a match that wins)     | HttpRoute, GrpcRoute (one route, and across routes  |
 * |                                                                                    |   on the same listener or parentRef and hostname)   |
 * | gRPC method/service or HTTP path regex written as a glob (`Get*`, `/api/*`)        | warning: GrpcRoute / HttpRoute `addMatch`           |
 * | a route without parentRefs                                                         | warning: HttpRoute, GrpcRoute                       |
 * | a rule without backends (and without redirect), or whose backends all weigh 0      | warning: HttpRoute, GrpcRoute                       |
 * | header names unique in a match and in a header modifier, ignoring case             | eager: route `addMatch`, header modifier factories  |
 * | a header modifier / url rewrite that changes nothing                               | eager: factories                                    |
 * | a mirror backend without weight and filters                                        | eager: `requestMirror`                              |
 * | `BackendRef.fromService` port is one of the Service's ports                        | eager: `BackendRef.fromService`                     |
 * | HTTPRoute and GRPCRoute on one listener with a hostname in common (one is refused)  | HttpRoute, GrpcRoute (route-conflicts.ts)           |
 * | the same gRPC match in two GRPCRoutes on the same parent and hostname              | GrpcRoute                                           |
 * | a cross-namespace backendRef / certificateRef no in-app ReferenceGrant allows      | warning: HttpRoute, GrpcRoute, Gateway              |
 *
 * Not decidable at synth time (left to the API server / controller): references to objects outside the app,
 * ReferenceGrants created outside the app, Gateway `addresses`, `infrastructure` and `tls` blocks
 * (not exposed by the L2), and ExtensionRef filters (not exposed by the L2).
 */

import { regexMatchesWhole } from './model';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RE2JS } = require('re2js');

/** DNS-1123 subdomain (RFC 1123), the pattern the CRDs use for names and sectionNames. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** DNS-1123 label, the pattern the CRDs use for namespaces. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 7230 token: the CRDs' pattern for header and query parameter names. */
export const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** The CRDs' pattern for a Kubernetes kind. */
export const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** The CRDs' pattern for an API group (empty is the core group). */
export const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Renders a value for an error message. */
export function q(value: unknown): string {
  return JSON.stringify(value);
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function validateInteger(what: string, value: number, min: number, max: number, fix?: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what} ${value} must be an integer from ${min} to ${max}${fix ? ` (${fix})` : ''}`);
  }
}

/** Throws unless `value` is a port number. */
export function validatePort(what: string, port: number): void {
  validateInteger(what, port, 1, 65535, 'a tcp port number');
}

/** Throws unless `value` is a DNS-1123 subdomain of at most 253 characters. */
export function validateDnsSubdomain(what: string, value: string): void {
  if (value.length < 1 || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw new Error(`${what} ${q(value)} must be a lowercase rfc 1123 subdomain of at most 253 characters: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. "my-name")`);
  }
}

/** Throws unless `value` is a DNS-1123 label (a namespace name). */
export function validateNamespace(what: string, value: string): void {
  if (value.length < 1 || value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new Error(`${what} ${q(value)} must be a kubernetes namespace name: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. "team-a")`);
  }
}

/** Throws unless `value` is a non-empty object name of at most 253 characters. */
export function validateObjectName(what: string, value: string): void {
  if (value.length < 1 || value.length > 253) {
    throw new Error(`${what} ${q(value)} must be 1 to 253 characters long`);
  }
}

/** Throws unless `value` is a Kubernetes kind. */
export function validateKind(what: string, value: string): void {
  if (value.length < 1 || value.length > 63 || !KIND.test(value)) {
    throw new Error(`${what} ${q(value)} must be a kubernetes kind of at most 63 characters: a letter followed by letters, digits and '-' (e.g. "Service")`);
  }
}

/** Throws unless `value` is an API group ('' is the core group). */
export function validateGroup(what: string, value: string): void {
  if (value.length > 253 || !GROUP.test(value)) {
    throw new Error(`${what} ${q(value)} must be an api group: "" for the core group or a lowercase dns subdomain (e.g. "gateway.networking.k8s.io")`);
  }
}

/**
 * Throws unless `value` is a hostname as the Gateway API accepts it: RFC 1123, no IP address, optionally prefixed
 * by a wildcard label `*.` (only as the whole first label, and only when `allowWildcard`).
 */
export function validateHostname(what: string, value: string, allowWildcard: boolean = true): void {
  const bare = allowWildcard && value.startsWith('*.') ? value.slice(2) : value;
  if (value.length < 1 || value.length > 253 || !DNS1123_SUBDOMAIN.test(bare)) {
    const wildcard = allowWildcard ? '; a wildcard is only allowed as the whole first label (e.g. "*.example.com")' : '; wildcards are not allowed here';
    throw new Error(`${what} ${q(value)} must be a lowercase rfc 1123 hostname of at most 253 characters (e.g. "app.example.com")${wildcard}`);
  }
  if (/^[0-9.]+$/.test(bare)) {
    throw new Error(`${what} ${q(value)} is an ip address; the gateway api only accepts hostnames here (e.g. "app.example.com")`);
  }
}

/** Throws unless `name` is an HTTP header or query parameter name (an RFC 7230 token, at most 256 characters). */
export function validateHttpToken(what: string, name: string): void {
  if (name.length < 1 || name.length > 256 || !HTTP_TOKEN.test(name)) {
    throw new Error(`${what} ${q(name)} must be an rfc 7230 token of 1 to 256 characters: letters, digits and !#$%&'*+-.^_\`|~, no spaces or ':' (e.g. "x-version")`);
  }
}

/** Throws unless `value` has a length in `[min, max]`. */
export function validateLength(what: string, value: string, min: number, max: number): void {
  if (value.length < min || value.length > max) {
    throw new Error(`${what} ${q(value.length > 80 ? value.slice(0, 77) + '...' : value)} must be ${min} to ${max} characters long (it has ${value.length})`);
  }
}

/** Throws unless `pattern` is a valid RE2 regular expression. */
export function validateRegex(what: string, pattern: string): void {
  try {
    RE2JS.compile(pattern);
  } catch (e: any) {
    throw new Error(`${what} ${q(pattern)} is not a valid re2 regular expression (${String(e.message ?? e).toLowerCase()}); gateways evaluate re2 syntax: escape literal characters such as "." as "\\\\." and avoid lookarounds and backreferences`);
  }
}

/**
 * Renders a duration in milliseconds as a Gateway API duration string (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`), e.g.
 * `1h30m`, `1s`, `500ms`, `1s500ms`, `0s`.
 */
export function renderGatewayDuration(what: string, ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`${what} ${ms}ms must be a whole, non-negative number of milliseconds (e.g. Duration.millis(500))`);
  }
  if (ms === 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  if (h > 99_999) {
    throw new Error(`${what} ${ms}ms is longer than the gateway api's maximum of 99999h`);
  }
  return [[h, 'h'], [m, 'm'], [s, 's'], [rest, 'ms']].filter(([n]) => n !== 0).map(([n, u]) => `${n}${u}`).join('');
}

/**
 * A warning when an RE2 pattern looks like a glob: a letter, digit, `_` or `/` followed by `*` (e.g. `Get*`,
 * `/api/*`) repeats that one character; it does not mean "anything". Undefined when the pattern has no such `*`.
 */
export function globWarning(what: string, pattern: string): string | undefined {
  const m = /(^|[^\\])([A-Za-z0-9_/])\*/.exec(pattern);
  if (m === null) return undefined;
  const star = m.index + m[0].length - 1; // index of '*'
  const stem = pattern.slice(0, star); // e.g. "Get"
  const after = pattern.slice(star + 1);
  const literal = m[2];
  const fixed = `${stem}.*${after}`;
  const tail = literal === '/' ? 'x' : 'Task';
  const example = `${stem}${tail}${after.replace(/[^A-Za-z0-9_/]/g, '')}`;
  const shown = regexMatchesWhole(fixed, example) && !regexMatchesWhole(pattern, example) ? ` (it does not match ${q(example)})` : '';
  return `${what} ${q(pattern)} is re2, not a glob: ${q(literal + '*')} means zero or more ${q(literal)}${shown}; to match anything starting with ${q(stem)} write ${q(fixed)}`;
}

