/**
 * The checks every request passes before routing, on every transport (HTTP/1.1, HTTP/2, WebSocket
 * upgrades): the request-target policy of `engine/path-policy.ts` (the normalized path replaces
 * `req.url`, so the router matches and the backend receives the same path), the Host / `:authority`,
 * the number of header fields, the HTTP version an HTTP/1.1 connection claims, and the HTTP/1.1
 * framing headers Node's parser lets through. A request that fails is answered by the gateway and never
 * reaches the router; over HTTP/1.1 a refusal whose framing or head cannot be trusted closes the
 * connection, and nothing after it on that connection is read.
 */
import * as http from 'http';
import * as http2 from 'http2';
import { FailureKind, failureStatus } from './errors';
import { HeaderList } from './headers';
import { DEFAULT_MAX_URI_BYTES, checkAuthority, checkRequestTarget } from '../engine/path-policy';

/** A request the gateway answers itself. */
export interface Refusal {
  /** Catalog kind (status from the error catalog); undefined for `OPTIONS *` (200). */
  readonly kind?: FailureKind;
  readonly status: number;
  readonly reason: string;
  /** HTTP/1.1: close the connection after answering (its framing cannot be trusted). */
  readonly close: boolean;
}

type ClientRequest = http.IncomingMessage | http2.Http2ServerRequest;

/**
 * Header fields a request may carry (HTTP/1.1 lines, HTTP/2 fields); more get 431. Node's HTTP/1.1
 * server would silently drop those after its `maxHeadersCount` (2,000): the listeners set that to 0 so
 * that every field is seen here, and by the checks below. The HTTP/2 servers refuse more than 256 pairs
 * (`maxHeaderListPairs`) themselves.
 */
export const MAX_HEADER_FIELDS = 256;

const KIND_BY_STATUS: Record<number, FailureKind> = { 400: 'bad-request', 405: 'method-not-allowed', 414: 'uri-too-long' };

function refusal(kind: FailureKind, reason: string, close = false): Refusal {
  return { kind, status: failureStatus(kind).http, reason, close };
}

/**
 * Checks a request and its header lines (`headers`: every line, from `rawHeaderList`); on success
 * rewrites `req.url` to the normalized origin-form target (and the Host in `headers` to the authority
 * of an absolute-form target) and returns undefined.
 */
export function screenRequest(req: ClientRequest, headers: HeaderList, options: { maxUriBytes?: number } = {}): Refusal | undefined {
  // The transport decides, not the version a request line claims.
  const h1 = req instanceof http.IncomingMessage;
  const method = req.method ?? 'GET';
  if (h1 && req.httpVersion !== '1.1' && req.httpVersion !== '1.0') {
    return refusal('version-not-supported', `HTTP/${req.httpVersion} on an HTTP/1.1 connection (use HTTP/1.1, or HTTP/2 with prior knowledge or ALPN)`, true);
  }
  const fields = req.rawHeaders.length / 2;
  if (fields > MAX_HEADER_FIELDS) {
    return refusal('too-many-headers', `${fields} header fields, more than ${MAX_HEADER_FIELDS}`, h1);
  }
  if (h1) {
    const host = headers.get('host');
    if ((host?.length ?? 0) > 1) return refusal('bad-request', 'the request has more than one Host header', true);
    if (req.httpVersionMinor >= 1 && host === undefined) return refusal('bad-request', 'an HTTP/1.1 request must have a Host header', true);
    const te = headers.get('transfer-encoding');
    if (te !== undefined && (te.length !== 1 || te[0].trim().toLowerCase() !== 'chunked')) {
      return refusal('bad-request', `transfer-encoding "${te.join(', ').slice(0, 80)}" is not supported (only "chunked")`, true);
    }
  }
  const authority = h1 ? headers.get('host')?.[0] : (req.headers[':authority'] as string | undefined) ?? headers.get('host')?.[0];
  if (typeof authority === 'string') {
    const bad = checkAuthority(authority);
    if (bad) return refusal('bad-request', bad, h1);
  }
  const verdict = checkRequestTarget(method, req.url ?? '', { maxUriBytes: options.maxUriBytes ?? DEFAULT_MAX_URI_BYTES });
  if (!verdict.ok) return refusal(KIND_BY_STATUS[verdict.status], verdict.reason, h1 && verdict.status === 414);
  if (verdict.path === '*') return { status: 200, reason: '', close: false };
  req.url = verdict.query ? `${verdict.path}?${verdict.query}` : verdict.path;
  if (verdict.authority !== undefined) headers.set('host', [verdict.authority]);
  return undefined;
}

/** Answers a refusal on an HTTP response (text body with the reason). */
export function answerRefusal(res: http.ServerResponse | http2.Http2ServerResponse, r: Refusal): void {
  try {
    const body = r.reason ? `${r.kind ? failureStatus(r.kind).message : ''}: ${r.reason}\n` : '';
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };
    if (r.status === 405) headers.allow = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
    // set on the response (not only written): the HTTP/1.1 pipeline reads it to drop what follows
    if (r.close && !(res instanceof http2.Http2ServerResponse)) res.setHeader('connection', 'close');
    (res as http.ServerResponse).writeHead(r.status, headers);
    res.end(body);
  } catch {
    res.destroy();
  }
}
