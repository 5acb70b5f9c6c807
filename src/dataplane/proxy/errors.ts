/**
 * The error catalog: the one place that maps a failure kind to the HTTP status the client sees, the gRPC
 * status a gRPC client sees, and the label used in `gateway_upstream_errors_total{kind}`.
 */

/** Why the gateway (not the backend) produced the response. */
export type FailureKind =
  | 'no-route' // nothing matched: 404 / UNIMPLEMENTED
  | 'misdirected' // the Host belongs to another listener than the one TLS SNI chose: 421
  | 'no-backend' // matched rule without backendRefs, or total weight 0
  | 'invalid-backend' // the chosen backendRef is invalid (unknown kind, missing Service, not permitted)
  | 'unresolved-backend' // the chosen backendRef has no address (not in --backends)
  | 'no-ready-endpoints' // the chosen Service has no ready endpoint in its EndpointSlices (none yet, all not ready or terminating)
  | 'unsupported-filter' // the rule (or the chosen backendRef) carries a filter this gateway does not implement
  | 'upstream-refused' // connection refused / host unreachable / DNS failure
  | 'upstream-reset' // the backend closed or reset the connection before or during the response
  | 'upstream-protocol' // the backend answered something that is not HTTP
  | 'upstream-tls' // the TLS handshake with the backend failed (its certificate does not verify against the BackendTLSPolicy)
  | 'backend-tls-invalid' // the backend's BackendTLSPolicy cannot be used (a CA reference that does not resolve): never sent in plaintext
  | 'backend-timeout' // timeouts.backendRequest elapsed for one attempt
  | 'request-timeout' // timeouts.request elapsed for the whole request (including retries)
  | 'grpc-deadline' // the client's grpc-timeout elapsed
  | 'bad-request' // the client's request cannot be forwarded (e.g. malformed Host)
  | 'method-not-allowed' // CONNECT: the gateway opens no tunnels
  | 'uri-too-long' // the request-target is longer than --max-uri-length
  | 'too-many-headers' // more header fields than the gateway reads (request-guard.ts MAX_HEADER_FIELDS)
  | 'version-not-supported' // an HTTP/1.1 connection's request line claims another version (HTTP/2.0, 3.0)
  | 'upgrade-not-supported' // an Upgrade to another protocol than WebSocket
  | 'overloaded' // routing needed a regex match on a long input while --regex-budget was spent
  | 'internal'; // a defect in the gateway itself

export interface FailureStatus {
  readonly http: number;
  /** gRPC status code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
  readonly grpc: number;
  readonly message: string;
}

const CATALOG: Record<FailureKind, FailureStatus> = {
  'no-route': { http: 404, grpc: 12, message: 'no route matches this request' },
  'misdirected': { http: 421, grpc: 14, message: 'misdirected request: the host belongs to another listener than the TLS server name' },
  'no-backend': { http: 500, grpc: 13, message: 'the matched rule has no usable backend' },
  'invalid-backend': { http: 500, grpc: 13, message: 'the backend reference is invalid' },
  'unresolved-backend': { http: 500, grpc: 13, message: 'the backend has no known address' },
  'no-ready-endpoints': { http: 503, grpc: 14, message: 'the backend has no ready endpoints' },
  'unsupported-filter': { http: 500, grpc: 13, message: 'the matched rule uses a filter this gateway does not support' },
  'upstream-refused': { http: 503, grpc: 14, message: 'the backend is unreachable' },
  'upstream-reset': { http: 502, grpc: 14, message: 'the backend closed the connection' },
  'upstream-protocol': { http: 502, grpc: 14, message: 'the backend sent an invalid response' },
  'upstream-tls': { http: 502, grpc: 14, message: 'the backend failed TLS verification' },
  'backend-tls-invalid': { http: 500, grpc: 13, message: 'the backend TLS policy is invalid' },
  'backend-timeout': { http: 504, grpc: 4, message: 'the backend did not answer in time' },
  'request-timeout': { http: 504, grpc: 4, message: 'the request did not complete in time' },
  'grpc-deadline': { http: 504, grpc: 4, message: 'deadline exceeded' },
  'bad-request': { http: 400, grpc: 13, message: 'bad request' },
  'method-not-allowed': { http: 405, grpc: 12, message: 'method not allowed' },
  'uri-too-long': { http: 414, grpc: 13, message: 'request-target too long' },
  'too-many-headers': { http: 431, grpc: 13, message: 'request header fields too many' },
  'version-not-supported': { http: 505, grpc: 13, message: 'http version not supported' },
  'upgrade-not-supported': { http: 400, grpc: 13, message: 'upgrade not supported' },
  'overloaded': { http: 503, grpc: 14, message: 'the gateway is overloaded: try again later' },
  'internal': { http: 500, grpc: 13, message: 'internal error' },
};

export function failureStatus(kind: FailureKind): FailureStatus {
  return CATALOG[kind];
}

/** A failure on the way to (or from) the backend, classified. */
export class UpstreamError extends Error {
  constructor(public readonly kind: FailureKind, message: string, public readonly cause?: unknown) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const REFUSED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ECONNTIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const PROTOCOL_CODES = new Set([
  'HPE_INVALID_CONSTANT', 'HPE_INVALID_VERSION', 'HPE_INVALID_STATUS', 'HPE_INVALID_HEADER_TOKEN', 'HPE_INVALID_CHUNK_SIZE',
  'HPE_UNEXPECTED_CONTENT_LENGTH', 'HPE_INVALID_CONTENT_LENGTH', 'HPE_INVALID_TRANSFER_ENCODING', 'HPE_LF_EXPECTED',
  'HPE_CR_EXPECTED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'ERR_HTTP2_ERROR', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_INVALID_HEADER_VALUE', 'ERR_INVALID_HTTP_RESPONSE',
]);

/** Certificate verification failures (OpenSSL's X509 verify codes as Node reports them). */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'HOSTNAME_MISMATCH', 'INVALID_CA', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Classifies a socket/HTTP error raised while talking to a backend. */
export function classifyUpstreamError(err: any): FailureKind {
  if (err instanceof UpstreamError) return err.kind;
  const code: string | undefined = err?.code;
  if (code && REFUSED_CODES.has(code)) return 'upstream-refused';
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) return 'upstream-tls';
  if (code && (PROTOCOL_CODES.has(code) || code.startsWith('HPE_'))) return 'upstream-protocol';
  if (err?.name === 'HTTPParserError') return 'upstream-protocol'; // undici's llhttp: a response that is not HTTP/1.1
  return 'upstream-reset';
}

/** HTTP status -> gRPC status, the standard mapping used when a backend answers a gRPC call without grpc-status. */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}
