/**
 * The Gateway API HTTP filters as pure functions over paths, hosts and header lists: RequestRedirect's
 * Location, URLRewrite, CORS. Header modifiers live in headers.ts. No I/O here.
 */
import { HeaderList, first } from './headers';
import type { CompiledFilter, PathModifier } from '../engine/model';

export type RedirectConfig = Extract<CompiledFilter, { type: 'RequestRedirect' }>;
export type RewriteConfig = Extract<CompiledFilter, { type: 'URLRewrite' }>;
export type CorsConfig = Extract<CompiledFilter, { type: 'CORS' }>;

/**
 * Replaces the matched prefix of `path` with `replacement`, segment-wise: replacing `/prefix` of
 * `/prefix/one` with `/` gives `/one`; of `/prefix` gives `/`.
 */
export function replacePrefix(path: string, matchedPrefix: string, replacement: string): string {
  let prefix = matchedPrefix;
  if (prefix.length > 1 && prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  let rest = path.startsWith(prefix) ? path.slice(prefix.length) : path;
  if (prefix === '/') rest = path.slice(1);
  if (rest === '') return replacement === '' ? '/' : replacement;
  const restHasSlash = rest.startsWith('/');
  const replHasSlash = replacement.endsWith('/');
  if (replHasSlash && restHasSlash) return replacement + rest.slice(1);
  if (!replHasSlash && !restHasSlash) return `${replacement}/${rest}`;
  return replacement + rest;
}

/** The new path for a path modifier; undefined modifier leaves the path as it is. */
export function modifyPath(path: string, modifier: PathModifier | undefined, matchedPrefix: string | undefined): string {
  if (!modifier) return path;
  if (modifier.type === 'ReplaceFullPath') return modifier.value;
  return replacePrefix(path, matchedPrefix ?? '/', modifier.value);
}

/** Splits `host[:port]` (IPv6 in brackets allowed). */
export function splitHostPort(host: string): { hostname: string; port?: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (!m) return { hostname: host };
  return { hostname: m[1], port: m[2] ? Number(m[2]) : undefined };
}

export interface RedirectContext {
  /** The scheme the client used ('http' | 'https'). */
  readonly scheme: string;
  /** Host / :authority as the client sent it (may include a port). */
  readonly host: string;
  /** The Gateway listener port the request arrived on (not the socket's bind port). */
  readonly listenerPort: number;
  readonly path: string;
  /** Raw query without '?', or '' */
  readonly query: string;
  readonly matchedPrefix?: string;
}

const WELL_KNOWN_PORT: Record<string, number> = { http: 80, https: 443 };

/**
 * The status and Location of a RequestRedirect. Port rules (Gateway API v1): an explicit port wins;
 * else a changed scheme takes its well-known port; else the listener's port. The port is left out of
 * the Location when it is the scheme's default (80 for http, 443 for https).
 */
export function redirectLocation(config: Omit<RedirectConfig, 'type'>, ctx: RedirectContext): { status: number; location: string } {
  const scheme = (config.scheme ?? ctx.scheme).toLowerCase();
  const hostname = config.hostname ?? splitHostPort(ctx.host).hostname;
  const port = config.port ?? (config.scheme ? WELL_KNOWN_PORT[scheme] : ctx.listenerPort);
  const showPort = port !== undefined && WELL_KNOWN_PORT[scheme] !== port;
  const path = modifyPath(ctx.path, config.path, ctx.matchedPrefix);
  const location = `${scheme}://${hostname}${showPort ? `:${port}` : ''}${path}${ctx.query ? `?${ctx.query}` : ''}`;
  return { status: config.statusCode || 302, location };
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern.toLowerCase().split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[^/]+');
  return new RegExp(`^${escaped}$`);
}

/** Whether an Origin is allowed by allowOrigins (`*` alone allows all; `https://*.example.com` any subdomain depth). */
export function originAllowed(origin: string, allowOrigins: readonly string[] | undefined): boolean {
  if (!allowOrigins || allowOrigins.length === 0) return false;
  const o = origin.toLowerCase();
  return allowOrigins.some((p) => p === '*' || (p.includes('*') ? wildcardToRegExp(p).test(o) : p.toLowerCase() === o));
}

/** A preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, headers: HeaderList): boolean {
  return method === 'OPTIONS' && headers.has('origin') && headers.has('access-control-request-method');
}

/** The response headers for a CORS preflight answered at the gateway (empty when the origin is not allowed). */
export function corsPreflightHeaders(config: Omit<CorsConfig, 'type'>, headers: HeaderList): Record<string, string> {
  const origin = first(headers, 'origin');
  const out: Record<string, string> = { vary: 'Origin' };
  if (!origin || !originAllowed(origin, config.allowOrigins)) return out;
  out['access-control-allow-origin'] = origin;
  const requestedMethod = first(headers, 'access-control-request-method');
  const methods = config.allowMethods;
  if (methods.includes('*')) {
    if (requestedMethod) out['access-control-allow-methods'] = requestedMethod;
  } else if (methods.length) {
    out['access-control-allow-methods'] = methods.join(', ');
  }
  const requestedHeaders = headers.get('access-control-request-headers')?.join(', ');
  const allowHeaders = config.allowHeaders;
  if (allowHeaders.includes('*')) {
    if (requestedHeaders) out['access-control-allow-headers'] = requestedHeaders;
  } else if (allowHeaders.length) {
    out['access-control-allow-headers'] = allowHeaders.join(', ');
  }
  if (config.exposeHeaders?.length) out['access-control-expose-headers'] = config.exposeHeaders.join(', ');
  out['access-control-max-age'] = String(config.maxAge ?? 5);
  if (config.allowCredentials) out['access-control-allow-credentials'] = 'true';
  return out;
}

/** The CORS headers added to the backend's response for a non-preflight request from an allowed origin. */
export function corsResponseHeaders(config: Omit<CorsConfig, 'type'>, headers: HeaderList): Record<string, string> {
  const origin = first(headers, 'origin');
  if (!origin || !originAllowed(origin, config.allowOrigins)) return {};
  const out: Record<string, string> = { 'access-control-allow-origin': origin, 'vary': 'Origin' };
  if (config.allowCredentials) out['access-control-allow-credentials'] = 'true';
  if (config.exposeHeaders?.length) out['access-control-expose-headers'] = config.exposeHeaders.join(', ');
  return out;
}
