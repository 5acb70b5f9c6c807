/**
 * The request pipeline, shared by every transport: normalise the request into a RouteRequest, ask the
 * router, apply the rule's and the chosen backend's filters, forward (retries, timeouts, mirrors) and
 * write the response; failures go through the error catalog. WebSocket upgrades take the same path up
 * to the backend, then the two sockets are piped.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import { Readable } from 'stream';
import { connect as tlsConnect } from 'tls';
import { AccessLog, noAccessLog } from './access-log';
import { UpstreamTlsOptions, upstreamTlsOptions } from './backend-tls';
import { FailureKind, UpstreamError, classifyUpstreamError, failureStatus, grpcStatusForHttp } from './errors';
import { CorsConfig, corsPreflightHeaders, corsResponseHeaders, isPreflight, modifyPath, redirectLocation, splitHostPort } from './filters';
import { forward } from './forward';
import {
  HeaderList, applyHeaderModifier, clientAddress, cloneHeaders, ensureRequestId, headerList, matchView, rawHeaderList, setForwarded, stripHopByHop,
  stripHopByHopHead, toOutgoing,
} from './headers';
import { GatewayMetrics } from './metrics';
import { Mirror } from './mirror';
import { TlsConnection, pipeBoth } from './passthrough';
import { Refusal, answerRefusal, screenRequest } from './request-guard';
import { AttemptResponse, H1Exchange, H1Sink, ResponseHead, UpstreamPools, resetStream } from './upstream';
import { EndpointChoice, EndpointRotation, NONE_TRIED, keyed } from '../endpoints/choice';
import type { EndpointResolver } from '../endpoints/registry';
import type {
  CompiledBackend, CompiledFilter, CompiledRule, CompiledTable, Decision, HeaderModifier, RouteRequest,
} from '../engine/model';

/** What the proxy needs from the engine (the router and the balancer). */
export interface RoutingEngine {
  route(table: CompiledTable, request: RouteRequest): Decision;
  pickBackend(rule: Pick<CompiledRule, 'backends' | 'totalWeight'>, random: () => number): CompiledBackend | undefined;
}

/** The (Gateway, listener port) a socket serves. */
export interface SocketBinding {
  readonly gateway: string;
  readonly port: number;
  readonly tls: boolean;
}

export interface ProxyDeps {
  /** The table current at the time of the call; a request keeps the table it started with. */
  readonly table: () => CompiledTable;
  readonly engine: RoutingEngine;
  readonly pools: UpstreamPools;
  readonly mirror: Mirror;
  readonly metrics: GatewayMetrics;
  readonly accessLog: AccessLog;
  readonly random: () => number;
  /** Request bodies up to this size are buffered when a retry policy or mirror needs them. Default 64 KiB. */
  readonly maxBufferBytes?: number;
  /** Longest accepted request-target (path plus query); longer gets 414. Default 8 KiB. */
  readonly maxUriBytes?: number;
  /**
   * The ready endpoints of Services (from EndpointSlices): when set, a Service backendRef is sent to one of
   * its Service's ready endpoints, picked per request (503 when there is none); when absent, to the
   * compiled endpoints (`--backends`, DNS name).
   */
  readonly endpoints?: EndpointResolver;
}

/** Where a backend's requests go now, and the protocol its endpoints speak (undefined: the compiled target's). */
type BackendEndpoints = EndpointChoice & { readonly protocol: 'http1' | 'h2c' | 'ws' | undefined };

type ClientRequest = http.IncomingMessage | http2.Http2ServerRequest;
type ClientResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Per-request facts collected for the access log and metrics. */
interface Exchange {
  readonly binding: SocketBinding;
  readonly started: number;
  readonly method: string;
  readonly host: string;
  /** The request-target as received (normalized). */
  readonly path: string;
  /** Its path (what the router matches) and query, without '?'. */
  readonly routePath: string;
  readonly query: string;
  readonly protocol: string;
  readonly grpc: boolean;
  /** `x-request-id`, kept from the client when valid, otherwise generated (see ensureRequestId). */
  readonly requestId: string;
  /** The client's address and user agent as received, for the access log (undefined without one). */
  readonly client: string | undefined;
  readonly userAgent: string | undefined;
  /**
   * The request's header fields, every line (built once from the raw list); the forwarding plan edits
   * it in place (hop-by-hop fields removed, modifiers applied).
   */
  readonly headers: HeaderList;
  /** The request has no body (read from the framing fields before they are removed). */
  readonly noBody: boolean;
  listener?: string;
  route?: string;
  rule?: string;
  backend?: string;
  upstream?: string;
  error?: FailureKind | 'client-closed';
  grpcStatus?: number;
  bytes: number;
  /**
   * The response was ended on the HTTP/2 stream itself, not with res.end(): one HEADERS frame with END_STREAM
   * (trailers-only), or the HTTP/2 direct path's answer.
   */
  streamEnded?: boolean;
  /** The exchange was cut on purpose (deadline, client gone): the upstream body closing early is not a backend failure. */
  cut?: boolean;
  /** The exchange of a direct path, cancelled when the client goes away first. */
  sink?: ClientBound;
}

interface Plan {
  headers: HeaderList;
  path: string;
  authority: string;
  /** Appended to (copied) by the filters: most rules have none, and share NONE. */
  responseModifiers: readonly HeaderModifier[];
  cors?: CorsConfig;
  mirrors: readonly Extract<CompiledFilter, { type: 'RequestMirror' }>[];
}

const NONE: readonly never[] = Object.freeze([]);

const GRPC_PATH = /^\/([^/]+)\/([^/]+)$/;

export class ProxyHandler {
  private active = 0;
  private readonly maxBuffer: number;

  /** An access log is written (not --no-access-log). */
  private readonly logging: boolean;

  private lastStarted = -Infinity;

  constructor(private readonly deps: ProxyDeps) {
    this.maxBuffer = deps.maxBufferBytes ?? 64 * 1024;
    this.logging = deps.accessLog !== noAccessLog;
  }

  /** Requests (and upgraded connections) in progress. */
  get inFlight(): number {
    return this.active;
  }

  /**
   * When the last request, upgrade or TLS listener connection started (`performance.now()`; -Infinity before the
   * first): whether traffic is being served.
   */
  get lastRequestAt(): number {
    return this.lastStarted;
  }

  /** Handles one HTTP/1.1 or HTTP/2 request; `refusal`: answer it so without looking further. */
  handle(binding: SocketBinding, req: ClientRequest, res: ClientResponse, refusal?: Refusal): void {
    // Every header line, read once (Node's req.headers and headersDistinct are built lazily, and not needed).
    const headers = rawHeaderList(req.rawHeaders);
    const refused = refusal ?? screenRequest(req, headers, { maxUriBytes: this.deps.maxUriBytes });
    const ex = this.exchange(binding, req, headers);
    this.lastStarted = ex.started;
    let routeReq: RouteRequest | undefined;
    let decision: Decision | undefined;
    if (!refused) {
      routeReq = this.routeRequest(binding, req, ex);
      decision = this.deps.engine.route(this.deps.table(), routeReq);
    }
    this.active++;
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      this.active--;
      // Closed before the proxy ended the response: the client went away (499 when nothing was sent yet).
      const ended = res.writableEnded || ex.streamEnded;
      if (!ended && !ex.error) ex.error = 'client-closed';
      this.record(ex, !ended && !res.headersSent ? 499 : res.statusCode);
      if (!ended) ex.sink?.clientClosed();
    };
    // An HTTP/1.1 response always ends with 'close' (one tick after 'finish' on a kept-alive connection).
    if (isH2(req)) res.once('finish', done);
    res.once('close', done);
    if (refused) {
      ex.error = refused.kind;
      return answerRefusal(res, refused);
    }
    const fail = (err: unknown) => this.failure(req, res, ex, err instanceof UpstreamError ? err.kind : 'internal');
    try {
      this.run(binding, req, res, ex, routeReq!, decision!)?.catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  /** The exchange's record; the request-target (normalized by screenRequest) is split here, once. */
  private exchange(binding: SocketBinding, req: ClientRequest, headers: HeaderList): Exchange {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    return {
      binding,
      started: performance.now(),
      method: req.method ?? 'GET',
      host: authorityOf(req, headers),
      path: url,
      routePath: path,
      query: q < 0 ? '' : url.slice(q + 1),
      protocol: isH2(req) ? 'HTTP/2' : req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
      grpc: isGrpc(headers.get('content-type')?.[0], path),
      requestId: ensureRequestId(headers),
      // for the access log only: not read with --no-access-log
      client: this.logging ? clientAddress(req.socket?.remoteAddress) : undefined,
      userAgent: this.logging ? headers.get('user-agent')?.join(', ') : undefined,
      headers,
      noBody: hasNoBody(req, headers),
      bytes: 0,
      // Every field from the start: one object shape for every exchange.
      listener: undefined,
      route: undefined,
      rule: undefined,
      backend: undefined,
      upstream: undefined,
      error: undefined,
      grpcStatus: undefined,
      streamEnded: undefined,
      cut: undefined,
      sink: undefined,
    };
  }

  private routeRequest(binding: SocketBinding, req: ClientRequest, ex: Exchange): RouteRequest {
    const path = ex.routePath;
    const query = ex.query;
    const grpcMatch = ex.grpc ? GRPC_PATH.exec(path) : null;
    // Every line of every header (no pseudo-headers), joined as the router documents.
    const headers = matchView(ex.headers);
    return {
      gateway: binding.gateway,
      port: binding.port,
      sni: binding.tls ? sniOf(req) : undefined,
      host: routeHostname(ex.host),
      method: ex.method,
      path,
      query,
      headers,
      grpc: grpcMatch ? { service: grpcMatch[1], method: grpcMatch[2] } : undefined,
    };
  }

  /** Routes, filters and forwards; the general pipeline (a promise) only when the direct path cannot take the request. */
  private run(binding: SocketBinding, req: ClientRequest, res: ClientResponse, ex: Exchange,
    routeReq: RouteRequest, decision: Decision): Promise<void> | void {
    ex.listener = decision.listener?.name;
    if (decision.outcome === 'not-found') return this.failure(req, res, ex, 'no-route');
    if (decision.outcome === 'misdirected') return this.failure(req, res, ex, 'misdirected');
    if (decision.outcome === 'overloaded') return this.failure(req, res, ex, 'overloaded');
    const rule = decision.rule;
    const facts = ruleFacts(rule);
    ex.route = facts.route;
    ex.rule = facts.rule;

    // The exchange's list, edited in place: the router's view was built from it already.
    const requestHeaders = stripHopByHop(ex.headers, { keepTeTrailers: ex.grpc });
    requestHeaders.delete('expect'); // 100-continue was answered by this hop
    const plan: Plan = {
      headers: requestHeaders,
      path: routeReq.path,
      authority: ex.host,
      responseModifiers: NONE,
      cors: undefined,
      mirrors: NONE,
    };
    const scheme = binding.tls ? 'https' : 'http';
    if (rule.filters.some((f) => f.type === 'Unsupported')) return this.failure(req, res, ex, 'unsupported-filter');
    const early = this.applyFilters(rule.filters, plan, decision, routeReq, scheme, ex.host);
    if (early) return this.direct(req, res, ex, early);
    if (rule.directResponse) return this.failure(req, res, ex, 'no-backend');
    const backend = this.deps.engine.pickBackend(rule, this.deps.random);
    if (!backend) return this.failure(req, res, ex, 'no-backend');
    ex.backend = backendLabel(backend);
    if (backend.invalid) return this.failure(req, res, ex, backend.invalid.reason === 'UnresolvedBackend' ? 'unresolved-backend' : 'invalid-backend');
    const late = this.applyFilters(backend.filters, plan, decision, routeReq, scheme, ex.host);
    if (late) return this.direct(req, res, ex, late);
    const endpoints = this.endpointsOf(backend);
    if (typeof endpoints === 'string') return this.failure(req, res, ex, endpoints);
    const tls = this.tlsOf(binding, backend);
    if (tls === 'backend-tls-invalid') return this.failure(req, res, ex, tls);

    setForwarded(plan.headers, { clientAddress: req.socket?.remoteAddress, proto: scheme, host: ex.host });
    const fullPath = routeReq.query ? `${plan.path}?${routeReq.query}` : plan.path;
    // GRPCRoute backends always speak HTTP/2; an HTTPRoute backend speaks what its Service port says (appProtocol).
    const grpcRoute = rule.routeKind === 'GRPCRoute';
    const protocol = grpcRoute || (endpoints.protocol ?? backend.target?.protocol) === 'h2c' ? 'h2c' : 'http1';

    // The common exchanges (no retry, mirror or route timeout) go straight to the backend: HTTP/1.1 through the pool,
    // HTTP/2 (gRPC) stream to stream.
    if (rule.retry === undefined && plan.mirrors.length === 0 && rule.timeouts === undefined) {
      if (protocol === 'http1' && !ex.grpc) return this.directForward(req, res, ex, plan, endpoints, fullPath, tls);
      if (protocol === 'h2c' && isH2(req)) {
        return this.directH2(req as http2.Http2ServerRequest, res as http2.Http2ServerResponse, ex, plan, endpoints, fullPath, tls);
      }
    }
    return this.forwardGeneral(binding, req, res, ex, rule, plan, endpoints, protocol, fullPath, tls);
  }

  /**
   * The TLS settings of connections to a backend (a BackendTLSPolicy on its Service port, with the Gateway's
   * backend client certificate); undefined = cleartext; `backend-tls-invalid` = the policy cannot be used.
   */
  private tlsOf(binding: SocketBinding, backend: CompiledBackend): UpstreamTlsOptions | undefined | 'backend-tls-invalid' {
    const policy = backend.target?.tls;
    if (!policy) return undefined;
    if (policy.invalid !== undefined) return 'backend-tls-invalid';
    const gateway = this.deps.table().gateways.find((g) => g.key === binding.gateway);
    return upstreamTlsOptions(policy, gateway?.backendClientCertificate);
  }

  /**
   * Where a valid backend's requests go: its Service's ready endpoints of the moment when an EndpointResolver
   * is wired (`no-ready-endpoints` when there is none), else its compiled endpoints in turn.
   */
  private endpointsOf(backend: CompiledBackend): BackendEndpoints | FailureKind {
    const target = backend.target;
    if (!target) return 'unresolved-backend';
    const ref = backend.ref;
    const resolver = this.deps.endpoints;
    if (resolver && ref.kind === 'Service' && ref.group === '' && ref.port !== undefined) {
      const live = resolver.resolve(ref.namespace, ref.name, ref.port);
      if (!live || live.size === 0) return 'no-ready-endpoints';
      return live;
    }
    if (target.endpoints.length === 0) return 'unresolved-backend';
    return compiledEndpoints(target);
  }

  /** The general pipeline: deadlines, request bodies (buffered for retries and mirrors), mirrors, retries, HTTP/2 backends. */
  private async forwardGeneral(binding: SocketBinding, req: ClientRequest, res: ClientResponse, ex: Exchange, rule: CompiledRule, plan: Plan,
    endpoints: EndpointChoice, protocol: 'h2c' | 'http1', fullPath: string, tls: UpstreamTlsOptions | undefined): Promise<void> {
    const grpcRoute = rule.routeKind === 'GRPCRoute';
    // Deadlines: timeouts.request for the whole exchange, grpc-timeout from the client.
    const controller = new AbortController();
    let upstream: AttemptResponse | undefined;
    const timers: NodeJS.Timeout[] = [];
    const expire = (kind: FailureKind, ms: number) => {
      timers.push(setTimeout(() => {
        if (!upstream) {
          controller.abort(new UpstreamError(kind, `deadline of ${Math.round(ms)} ms exceeded`));
        } else {
          ex.error = kind;
          ex.cut = true;
          this.deps.metrics.upstreamErrors.inc({ kind });
          upstream.abort();
          cutResponse(res);
        }
      }, ms));
    };
    const elapsed = performance.now() - ex.started;
    const requestMs = rule.timeouts?.requestMs;
    if (requestMs && requestMs > 0) expire('request-timeout', Math.max(1, requestMs - elapsed));
    const grpcMs = ex.grpc ? parseGrpcTimeout(ex.headers.get('grpc-timeout')) : undefined;
    if (grpcMs !== undefined) expire('grpc-deadline', Math.max(1, grpcMs - elapsed));
    const clearTimers = () => timers.forEach(clearTimeout);
    res.once('close', () => {
      clearTimers();
      // Closed before the proxy ended the response: the client went away (HTTP/2 RST_STREAM, dropped connection).
      if (!res.writableEnded && !ex.streamEnded) {
        ex.cut = true;
        if (!upstream) controller.abort(new UpstreamError('upstream-reset', 'the client went away'));
        else upstream.abort();
      }
    });

    // Body: buffered when a retry or a mirror needs to replay it and it is small enough.
    const declared = Number(ex.headers.get('content-length')?.[0]);
    const noBody = ex.noBody;
    const wantsReplay = (rule.retry !== undefined && (rule.retry.attempts ?? 1) > 0) || plan.mirrors.length > 0;
    let body: Buffer | Readable | undefined;
    if (noBody) {
      body = undefined;
    } else if (wantsReplay && declared > 0 && declared <= this.maxBuffer) {
      try {
        body = await readAll(req, this.maxBuffer, controller.signal);
      } catch (err: any) {
        clearTimers();
        if (res.destroyed || res.writableEnded) return undefined;
        return this.failure(req, res, ex, err instanceof UpstreamError ? err.kind : 'bad-request', true);
      }
    } else {
      body = req;
    }

    // Mirrors: after the rule's filters, before the response; never awaited.
    for (const m of plan.mirrors) {
      if (m.fraction < 1 && this.deps.random() >= m.fraction) continue;
      const t = m.backend.invalid ? undefined : this.endpointsOf(m.backend);
      const mirrorTls = this.tlsOf(binding, m.backend);
      if (t === undefined || typeof t === 'string' || mirrorTls === 'backend-tls-invalid') {
        this.deps.metrics.mirrors.inc({ result: 'skipped' });
        continue;
      }
      this.deps.mirror.send({
        endpoints: t,
        protocol: grpcRoute || (t.protocol ?? m.backend.target?.protocol) === 'h2c' ? 'h2c' : 'http1',
        method: ex.method,
        path: fullPath,
        authority: plan.authority,
        headers: cloneHeaders(plan.headers),
        body: body === undefined || Buffer.isBuffer(body) ? body : null,
        tls: mirrorTls,
      });
    }

    try {
      upstream = await forward(this.deps.pools, {
        endpoints,
        protocol,
        method: ex.method,
        path: fullPath,
        authority: plan.authority,
        headers: plan.headers,
        body,
        retry: rule.retry,
        backendTimeoutMs: rule.timeouts?.backendRequestMs,
        tls,
      }, controller.signal, {
        onAttemptError: (e) => this.deps.metrics.upstreamErrors.inc({ kind: e.kind }),
        onRetry: () => this.deps.metrics.retries.inc({ gateway: binding.gateway, route: ex.route! }),
      });
    } catch (err: any) {
      clearTimers();
      const kind: FailureKind = err instanceof UpstreamError ? err.kind : 'upstream-reset';
      if (res.destroyed || res.writableEnded) return undefined; // the client is gone
      return this.failure(req, res, ex, kind, true);
    }
    ex.upstream = upstream.address;
    this.respond(req, res, ex, upstream, plan, clearTimers);
    return undefined;
  }

  /**
   * Forwards through the endpoint's HTTP/1.1 pool and writes the answer straight into the client's
   * response (DirectSink): the request body, if any, streams with its framing (Content-Length as
   * received, else chunked).
   */
  private directForward(req: ClientRequest, res: ClientResponse, ex: Exchange, plan: Plan,
    endpoints: EndpointChoice, path: string, tls: UpstreamTlsOptions | undefined): void {
    const ep = endpoints.next(NONE_TRIED, this.deps.pools.inFlight);
    if (!ep) return this.failure(req, res, ex, 'no-ready-endpoints');
    const sink = new DirectSink(this, req, res, ex, plan, ep.key);
    ex.sink = sink; // done() cancels it if the client goes away first
    sink.upstream = this.deps.pools.dispatch(ep, {
      method: ex.method,
      path,
      authority: plan.authority,
      headers: plan.headers,
      body: ex.noBody ? undefined : req,
      tls,
    }, sink);
  }

  /**
   * Forwards an HTTP/2 client's request to an HTTP/2 backend on one stream of the endpoint's session (H2Relay); a
   * gRPC client's `grpc-timeout` is the one deadline.
   */
  private directH2(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, ex: Exchange, plan: Plan,
    endpoints: EndpointChoice, path: string, tls: UpstreamTlsOptions | undefined): void {
    const ep = endpoints.next(NONE_TRIED, this.deps.pools.inFlight);
    if (!ep) return this.failure(req, res, ex, 'no-ready-endpoints');
    let upstream: http2.ClientHttp2Stream;
    try {
      upstream = this.deps.pools.openH2(ep, { method: ex.method, path, authority: plan.authority, headers: plan.headers, tls }, ex.noBody);
    } catch (err) {
      return this.failure(req, res, ex, err instanceof UpstreamError ? err.kind : 'upstream-refused');
    }
    const relay = new H2Relay(this, req, res, ex, plan, ep.key, upstream);
    ex.sink = relay; // done() cancels it if the client goes away first
    const grpcMs = ex.grpc ? parseGrpcTimeout(ex.headers.get('grpc-timeout')) : undefined;
    if (grpcMs !== undefined) relay.expireIn(Math.max(1, grpcMs - (performance.now() - ex.started)));
  }

  /** Applies filters in order; returns a response to send instead of forwarding, if one is due. */
  private applyFilters(filters: readonly CompiledFilter[], plan: Plan, decision: Extract<Decision, { outcome: 'routed' }>, routeReq: RouteRequest, scheme: string,
    authority: string): DirectResponse | undefined {
    for (const f of filters) {
      switch (f.type) {
        case 'RequestHeaderModifier':
          applyHeaderModifier(plan.headers, f);
          break;
        case 'ResponseHeaderModifier':
          plan.responseModifiers = [...plan.responseModifiers, f];
          break;
        case 'URLRewrite':
          if (f.hostname) plan.authority = f.hostname;
          if (f.path) plan.path = modifyPath(plan.path, f.path, decision.matchedPathPrefix);
          break;
        case 'RequestRedirect': {
          const { status, location } = redirectLocation(f, {
            scheme,
            host: authority,
            listenerPort: routeReq.port,
            path: routeReq.path,
            query: routeReq.query,
            matchedPrefix: decision.matchedPathPrefix,
          });
          return { status, headers: { location, 'content-length': '0' } };
        }
        case 'RequestMirror':
          plan.mirrors = [...plan.mirrors, f];
          break;
        case 'CORS':
          plan.cors = f;
          if (isPreflight(routeReq.method, plan.headers)) {
            return { status: 200, headers: { ...corsPreflightHeaders(f, plan.headers), 'content-length': '0' } };
          }
          break;
        case 'Unsupported':
          return { status: failureStatus('unsupported-filter').http, kind: 'unsupported-filter', headers: {} };
      }
    }
    return undefined;
  }

  private direct(req: ClientRequest, res: ClientResponse, ex: Exchange, d: DirectResponse): void {
    if (d.kind) return this.failure(req, res, ex, d.kind);
    (res as http.ServerResponse).writeHead(d.status, d.headers);
    res.end();
  }

  private respond(req: ClientRequest, res: ClientResponse, ex: Exchange, up: AttemptResponse, plan: Plan, finished: () => void): void {
    const headers = stripHopByHop(up.headers);
    for (const m of plan.responseModifiers) applyHeaderModifier(headers, m);
    if (plan.cors) {
      for (const [k, v] of Object.entries(corsResponseHeaders(plan.cors, plan.headers))) headers.set(k, [v]);
    }
    const isH2Client = isH2(req);
    const grpcStatus = headers.get('grpc-status')?.[0];
    if (grpcStatus !== undefined) ex.grpcStatus = Number(grpcStatus);
    else if (ex.grpc && up.status !== 200) ex.grpcStatus = grpcStatusForHttp(up.status); // what the client will map it to
    if (isH2Client && up.endAfterHeaders) {
      // Trailers-only (gRPC errors): keep it one HEADERS frame with END_STREAM.
      const stream = (res as http2.Http2ServerResponse).stream;
      finished();
      ex.streamEnded = true;
      res.statusCode = up.status;
      try {
        stream.respond({ ...toOutgoing(headers), ':status': up.status }, { endStream: true });
      } catch {
        stream.destroy();
      }
      up.body.resume();
      return;
    }
    try {
      (res as http.ServerResponse).writeHead(up.status, toOutgoing(headers));
    } catch (err) {
      up.abort();
      return this.failure(req, res, ex, 'upstream-protocol', true);
    }
    const chunked = !headers.has('content-length');
    up.body.on('data', (chunk: Buffer) => {
      ex.bytes += chunk.length;
    });
    up.body.once('end', () => {
      finished();
      const trailers = up.trailers();
      if (trailers.size > 0 && (isH2Client || chunked)) {
        const t = trailers.get('grpc-status')?.[0];
        if (t !== undefined) ex.grpcStatus = Number(t);
        (res as http.ServerResponse).addTrailers(toOutgoing(trailers));
      }
    });
    const midwayFailure = () => {
      if (res.writableEnded || ex.cut) return;
      finished();
      ex.error = 'upstream-reset';
      this.deps.metrics.upstreamErrors.inc({ kind: 'upstream-reset' });
      cutResponse(res);
    };
    up.body.once('error', midwayFailure);
    up.body.once('aborted', midwayFailure);
    up.body.once('close', () => {
      if (!up.body.readableEnded) midwayFailure();
    });
    up.body.pipe(res as NodeJS.WritableStream);
  }

  /** Counts a failure talking to a backend. */
  countUpstreamError(kind: FailureKind): void {
    this.deps.metrics.upstreamErrors.inc({ kind });
  }

  /** Answers a failure: HTTP status from the catalog, or a trailers-only gRPC response. */
  failure(req: ClientRequest | undefined, res: ClientResponse, ex: Exchange, kind: FailureKind, counted = false): void {
    ex.error = kind;
    if (!counted && kind !== 'no-route' && kind !== 'misdirected') this.deps.metrics.upstreamErrors.inc({ kind });
    if (res.headersSent || res.destroyed || res.writableEnded) {
      cutResponse(res);
      return;
    }
    const status = failureStatus(kind);
    try {
      if (ex.grpc) {
        ex.grpcStatus = status.grpc;
        const h2 = req && isH2(req) ? (res as http2.Http2ServerResponse).stream : undefined;
        const headers = { 'content-type': 'application/grpc', 'grpc-status': String(status.grpc), 'grpc-message': encodeURIComponent(status.message) };
        if (h2 && !h2.headersSent && !h2.destroyed) {
          (res as any).statusCode = 200;
          ex.streamEnded = true;
          h2.respond({ ':status': 200, ...headers }, { endStream: true });
          return;
        }
        (res as http.ServerResponse).writeHead(200, { ...headers, 'content-length': '0' });
        res.end();
        return;
      }
      const body = `${status.message}\n`;
      (res as http.ServerResponse).writeHead(status.http, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    } catch {
      // the client connection went away while answering
      res.destroy();
    }
  }

  private record(ex: Exchange, status: number): void {
    const durationMs = performance.now() - ex.started;
    this.deps.metrics.recordRequest(ex.binding.gateway, ex.route ?? '', ex.rule ?? '', ex.backend ?? '', status, durationMs / 1000);
    if (!this.logging) return; // --no-access-log: no entry to build
    this.deps.accessLog({
      time: new Date().toISOString(),
      requestId: ex.requestId,
      client: ex.client,
      gateway: ex.binding.gateway,
      listener: ex.listener,
      protocol: ex.protocol,
      method: ex.method,
      host: ex.host,
      path: ex.path,
      userAgent: ex.userAgent,
      status,
      grpcStatus: ex.grpcStatus,
      route: ex.route,
      rule: ex.rule,
      backend: ex.backend,
      upstream: ex.upstream,
      error: ex.error,
      durationMs: Math.round(durationMs * 1000) / 1000,
      bytes: ex.bytes,
    });
  }

  /**
   * A connection of a TLS listener: `client` is the raw connection (Passthrough, `head` the bytes already read) or the
   * terminated TLS stream (Terminate), sent to one backend of the route picked by weight and piped both ways. A
   * connection refused before a route, or whose backend cannot be used, is closed (TLS has no error answer to give).
   * With Terminate, a BackendTLSPolicy on the backend makes the connection to it TLS again. Each connection is counted
   * in `gateway_tls_connections_total` and, when it closes, logged (`kind: 'tls'`).
   */
  stream(binding: SocketBinding, c: TlsConnection): void {
    const started = performance.now();
    this.lastStarted = started;
    // (read now: a closed socket has no address)
    const client = this.logging ? clientAddress(c.peer.remoteAddress) : undefined;
    const route = c.route ? `${c.route.namespace}/${c.route.name}` : '';
    let backendName = '';
    let upstreamAddress: string | undefined;
    let error = c.refused;
    let result = c.refused !== undefined ? 'refused' : 'forwarded';
    let upstream: net.Socket | undefined;
    const done = () => {
      this.deps.metrics.tlsConnections.inc({ gateway: binding.gateway, route, backend: backendName, result });
      if (!this.logging) return;
      this.deps.accessLog({
        kind: 'tls',
        time: new Date().toISOString(),
        client,
        gateway: binding.gateway,
        listener: c.listener,
        mode: c.terminated ? 'Terminate' : 'Passthrough',
        serverName: c.serverName,
        route: route || undefined,
        backend: backendName || undefined,
        upstream: upstreamAddress,
        error,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        bytesIn: upstream?.bytesWritten ?? 0,
        bytesOut: upstream?.bytesRead ?? 0,
      });
    };
    if (!c.route) {
      c.client.destroy();
      done();
      return;
    }
    const backend = this.deps.engine.pickBackend(c.route, this.deps.random);
    if (backend) backendName = backendLabel(backend);
    const endpoints = backend && !backend.invalid ? this.endpointsOf(backend) : undefined;
    const ep = endpoints === undefined || typeof endpoints === 'string' ? undefined : endpoints.next(NONE_TRIED, this.deps.pools.inFlight);
    const upstreamTls = backend && c.terminated ? this.tlsOf(binding, backend) : undefined;
    if (!ep || upstreamTls === 'backend-tls-invalid') {
      result = 'no-backend';
      error = !backend ? 'no-backend' : backend.invalid ? backend.invalid.reason
        : upstreamTls === 'backend-tls-invalid' ? 'backend-tls-invalid' : typeof endpoints === 'string' ? endpoints : 'no-ready-endpoints';
      c.client.destroy();
      done();
      return;
    }
    const to = this.deps.pools.connectAddress(ep);
    upstreamAddress = `${to.host}:${to.port}`;
    const address = { host: to.host, port: to.port };
    const socket = upstreamTls ? tlsConnect({ ...upstreamTls.connect, ...address }) : net.connect(address);
    upstream = socket;
    this.deps.pools.guardSocket(socket, upstreamTls ? 'secureConnect' : 'connect');
    this.active++;
    let connected = false;
    socket.once(upstreamTls ? 'secureConnect' : 'connect', () => {
      connected = true;
    });
    socket.once('error', (err) => {
      if (error !== undefined) return;
      error = classifyUpstreamError(err);
      if (!connected) result = 'upstream-failed';
    });
    socket.once('close', () => {
      this.active--;
      done();
    });
    if (c.head.length > 0) socket.write(c.head);
    pipeBoth(c.client, socket);
  }

  /**
   * Handles an HTTP/1.1 Upgrade. WebSocket: routed and filtered like a request, then the sockets are
   * piped. Any other protocol (h2c, TLS/1.0, ...) is ignored as RFC 9110 section 7.8 allows: the request
   * is answered as an ordinary one, then the connection closes (Node's server has handed the socket over,
   * so nothing after that request is read). Such a request with a body is refused (400): its body bytes
   * were not parsed.
   */
  upgrade(binding: SocketBinding, req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    this.lastStarted = performance.now();
    if (!isWebSocketUpgrade(req.headers.upgrade)) {
      const res = new http.ServerResponse(req);
      res.setHeader('connection', 'close');
      res.assignSocket(socket);
      // The socket stays assigned, so that its close ends the response ('close').
      res.once('finish', () => socket.destroySoon());
      socket.on('error', () => socket.destroy());
      const refusal: Refusal | undefined = hasNoBody(req, rawHeaderList(req.rawHeaders)) ? undefined : {
        kind: 'upgrade-not-supported',
        status: failureStatus('upgrade-not-supported').http,
        reason: `only "websocket" is upgraded, and a request upgrading to "${String(req.headers.upgrade).slice(0, 40)}" cannot carry a body; send it without Upgrade`,
        close: true,
      };
      this.handle(binding, req, res, refusal);
      return;
    }
    this.active++;
    const fields = rawHeaderList(req.rawHeaders);
    const refused = screenRequest(req, fields, { maxUriBytes: this.deps.maxUriBytes });
    const ex = this.exchange(binding, req, fields);
    let status = 101;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.active--;
      this.record(ex, status);
    };
    socket.once('close', close);
    socket.on('error', () => socket.destroy());
    const reject = (code: number, kind?: FailureKind, headers: Record<string, string> = {}) => {
      status = code;
      if (kind) {
        ex.error = kind;
        if (kind !== 'no-route' && kind !== 'misdirected') this.deps.metrics.upstreamErrors.inc({ kind });
      }
      const body = kind ? `${failureStatus(kind).message}\n` : '';
      const lines = [`HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ''}`, 'connection: close', `content-length: ${Buffer.byteLength(body)}`];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
    };
    if (refused) return reject(refused.status, refused.kind);
    const table = this.deps.table();
    const routeReq = this.routeRequest(binding, req, ex);
    const decision = this.deps.engine.route(table, routeReq);
    ex.listener = decision.listener?.name;
    if (decision.outcome !== 'routed') {
      const kind: FailureKind = decision.outcome === 'misdirected' ? 'misdirected' : decision.outcome === 'overloaded' ? 'overloaded' : 'no-route';
      return reject(failureStatus(kind).http, kind);
    }
    const rule = decision.rule;
    const facts = ruleFacts(rule);
    ex.route = facts.route;
    ex.rule = facts.rule;
    const plan: Plan = {
      headers: stripHopByHop(ex.headers, { upgrade: true }),
      path: routeReq.path,
      authority: ex.host,
      responseModifiers: NONE,
      mirrors: NONE,
    };
    const scheme = binding.tls ? 'https' : 'http';
    if (rule.filters.some((f) => f.type === 'Unsupported')) return reject(500, 'unsupported-filter');
    const early = this.applyFilters(rule.filters, plan, decision, routeReq, scheme, ex.host);
    if (early) return reject(early.status, early.kind, early.headers);
    if (rule.directResponse) return reject(500, 'no-backend');
    const backend = this.deps.engine.pickBackend(rule, this.deps.random);
    if (!backend) return reject(500, 'no-backend');
    ex.backend = backendLabel(backend);
    if (backend.invalid) return reject(500, backend.invalid.reason === 'UnresolvedBackend' ? 'unresolved-backend' : 'invalid-backend');
    const late = this.applyFilters(backend.filters, plan, decision, routeReq, scheme, ex.host);
    if (late) return reject(late.status, late.kind, late.headers);
    const endpoints = this.endpointsOf(backend);
    const endpoint = typeof endpoints === 'string' ? endpoints : endpoints.next(NONE_TRIED, this.deps.pools.inFlight) ?? 'no-ready-endpoints';
    if (typeof endpoint === 'string') return reject(failureStatus(endpoint).http, endpoint);
    const tls = this.tlsOf(binding, backend);
    if (tls === 'backend-tls-invalid') return reject(failureStatus(tls).http, tls);
    setForwarded(plan.headers, { clientAddress: req.socket.remoteAddress, proto: scheme, host: ex.host });
    ex.upstream = endpoint.key;
    const headers = toOutgoing(plan.headers);
    headers.host = plan.authority;
    const connectTo = this.deps.pools.connectAddress(endpoint);
    const upReq = (tls ? https : http).request({
      ...tls?.connect,
      host: connectTo.host,
      port: connectTo.port,
      method: req.method,
      path: routeReq.query ? `${plan.path}?${routeReq.query}` : plan.path,
      headers,
      agent: false,
      setHost: false,
    });
    this.deps.pools.guardConnect(upReq, ex.upstream);
    socket.once('close', () => upReq.destroy());
    upReq.on('error', (err) => {
      if (socket.destroyed) return;
      const kind = classifyUpstreamError(err);
      reject(failureStatus(kind).http, kind);
    });
    upReq.on('response', (res) => {
      status = res.statusCode ?? 502;
      const h = stripHopByHop(headerList(res.headersDistinct));
      for (const m of plan.responseModifiers) applyHeaderModifier(h, m);
      const lines = [`HTTP/1.1 ${status} ${res.statusMessage ?? ''}`, 'connection: close'];
      for (const [k, vs] of h) for (const v of vs) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      res.on('data', (c: Buffer) => {
        ex.bytes += c.length;
      });
      res.pipe(socket);
    });
    upReq.on('upgrade', (res, upSocket, upHead) => {
      if (!isWebSocketUpgrade(res.headers.upgrade)) {
        // The backend switched to a protocol the client did not ask for: never tunnelled.
        upSocket.destroy();
        reject(failureStatus('upstream-protocol').http, 'upstream-protocol');
        return;
      }
      status = res.statusCode ?? 101;
      const h = headerList(res.headersDistinct);
      for (const m of plan.responseModifiers) applyHeaderModifier(h, m);
      const lines = [`HTTP/1.1 ${status} ${res.statusMessage ?? 'Switching Protocols'}`];
      for (const [k, vs] of h) for (const v of vs) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.on('error', () => socket.destroy());
      upSocket.on('close', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      upSocket.on('data', (c: Buffer) => {
        ex.bytes += c.length;
      });
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    });
    upReq.end();
  }
}

/**
 * One exchange of the direct path: receives the backend's answer from the pool and writes it to the
 * client (one object per request rather than a closure per callback).
 */
class DirectSink implements H1Sink {
  upstream: H1Exchange | undefined;
  private chunked = true;
  private ended = false;

  constructor(private readonly handler: ProxyHandler, private readonly req: ClientRequest, private readonly res: ClientResponse,
    private readonly ex: Exchange, private readonly plan: Plan, private readonly key: string) {}

  head(status: number, head: ResponseHead): void {
    const { ex, plan } = this;
    ex.upstream = this.key;
    const headers = responseFields(head, plan);
    const grpcStatus = grpcStatusField(headers);
    if (grpcStatus !== undefined) ex.grpcStatus = grpcStatus;
    this.chunked = headers['content-length'] === undefined;
    try {
      (this.res as http.ServerResponse).writeHead(status, headers as http.OutgoingHttpHeaders);
    } catch {
      this.upstream?.abort();
      this.handler.failure(this.req, this.res, ex, 'upstream-protocol', true);
    }
  }

  data(chunk: Buffer): boolean {
    this.ex.bytes += chunk.length;
    const res = this.res;
    if (res.destroyed) return true;
    const more = (res as http.ServerResponse).write(chunk);
    if (!more) res.once('drain', () => this.upstream?.resume());
    return more;
  }

  end(trailers: HeaderList | undefined): void {
    this.ended = true;
    if (trailers && (this.chunked || isH2(this.req))) {
      const status = trailers.get('grpc-status')?.[0];
      if (status !== undefined) this.ex.grpcStatus = Number(status);
      this.res.addTrailers(toOutgoing(trailers));
    }
    this.res.end();
  }

  error(err: UpstreamError, afterHead: boolean): void {
    this.ended = true;
    const { res, ex } = this;
    this.handler.countUpstreamError(err.kind);
    if (afterHead || res.headersSent) {
      if (res.writableEnded) return;
      ex.error = 'upstream-reset';
      cutResponse(res);
      return;
    }
    if (res.destroyed || res.writableEnded) return;
    this.handler.failure(this.req, res, ex, err.kind, true);
  }

  /** The client connection closed: an answer still coming is cancelled. */
  clientClosed(): void {
    if (!this.ended) this.upstream?.abort();
  }
}

/** What a direct path's exchange does when the client goes away before the answer ended. */
interface ClientBound {
  clientClosed(): void;
}

/**
 * One exchange of the HTTP/2 direct path (an HTTP/2 client, an HTTP/2 backend, no retry, mirror or route timeout:
 * gRPC's common case). The client stream's DATA goes to the backend's stream as it arrives, and the backend's
 * HEADERS, DATA and trailers straight onto the client's stream, each side's flow control passed on to the other:
 * no Readable, pipe or promise per exchange. The client stream is read here, never through the compatibility
 * layer's request.
 */
class H2Relay implements ClientBound {
  /** The backend's response head arrived. */
  private answered = false;
  /** The backend's answer ended, failed or was cancelled: nothing more is done. */
  private finished = false;
  private trailers: http2.IncomingHttpHeaders | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly client: http2.ServerHttp2Stream;

  constructor(private readonly handler: ProxyHandler, private readonly req: http2.Http2ServerRequest, private readonly res: http2.Http2ServerResponse,
    private readonly ex: Exchange, private readonly plan: Plan, private readonly key: string, private readonly up: http2.ClientHttp2Stream) {
    const client = res.stream;
    this.client = client;
    up.on('response', (head, flags) => this.head(head, flags));
    up.on('trailers', (t) => {
      this.trailers = t;
    });
    up.on('data', (chunk: Buffer) => {
      ex.bytes += chunk.length;
      if (!client.destroyed && !client.write(chunk)) up.pause();
    });
    up.on('end', () => this.end());
    up.on('error', (err) => this.fail(classifyUpstreamError((err as any)?.cause ?? err)));
    up.on('close', () => this.fail('upstream-reset'));
    if (!ex.noBody) {
      client.on('data', (chunk: Buffer) => {
        if (!up.destroyed && !up.write(chunk)) client.pause();
      });
      client.on('end', () => {
        if (!up.destroyed) up.end();
      });
      up.on('drain', () => client.resume());
    }
  }

  /** The gRPC deadline: `ms` from now the exchange is cut (DEADLINE_EXCEEDED before the answer, a reset after). */
  expireIn(ms: number): void {
    this.timer = setTimeout(() => {
      if (!this.finish()) return;
      const { ex, res } = this;
      ex.cut = true;
      resetStream(this.up, http2.constants.NGHTTP2_CANCEL);
      if (!this.answered) return this.handler.failure(this.req, res, ex, 'grpc-deadline');
      ex.error = 'grpc-deadline';
      this.handler.countUpstreamError('grpc-deadline');
      cutResponse(res);
    }, ms);
  }

  private head(head: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, flags: number): void {
    if (this.finished) return;
    this.answered = true;
    const { ex, res, client } = this;
    ex.upstream = this.key;
    const status = Number(head[':status']) || 502;
    delete head[':status'];
    const headers = responseFields(head as ResponseHead, this.plan);
    const grpcStatus = grpcStatusField(headers);
    if (grpcStatus !== undefined) ex.grpcStatus = grpcStatus;
    else if (ex.grpc && status !== 200) ex.grpcStatus = grpcStatusForHttp(status); // what the client will map it to
    // eslint-disable-next-line no-bitwise
    const endStream = this.up.endAfterHeaders || (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    try {
      res.statusCode = status;
      // Trailers-only (gRPC errors) stays one HEADERS frame with END_STREAM; otherwise the compatibility layer's
      // 'wantTrailers' sends what addTrailers gave it once the body ends.
      (headers as http2.OutgoingHttpHeaders)[':status'] = status;
      client.respond(headers as http2.OutgoingHttpHeaders, endStream ? { endStream: true } : { waitForTrailers: true });
    } catch {
      this.finish();
      resetStream(this.up, http2.constants.NGHTTP2_CANCEL);
      this.handler.failure(this.req, res, ex, 'upstream-protocol');
      return;
    }
    if (endStream) {
      this.finish();
      ex.streamEnded = true;
      this.up.resume();
      return;
    }
    client.on('drain', () => this.up.resume());
  }

  private end(): void {
    if (!this.finish()) return;
    const { ex, res, client } = this;
    if (client.destroyed) return;
    const trailers = this.trailers;
    if (trailers) {
      const t = grpcStatusField(trailers as ResponseHead);
      if (t !== undefined) ex.grpcStatus = t;
      try {
        res.addTrailers(stripHopByHopHead(trailers as ResponseHead) as http2.OutgoingHttpHeaders);
      } catch {
        ex.error = 'upstream-protocol';
        this.handler.countUpstreamError('upstream-protocol');
        cutResponse(res);
        return;
      }
    }
    ex.streamEnded = true;
    client.end();
  }

  /** The backend's stream failed or closed before its answer ended. */
  private fail(kind: FailureKind): void {
    if (!this.finish()) return;
    const { ex, res } = this;
    if (ex.cut) return;
    this.handler.countUpstreamError(kind);
    if (this.answered || res.headersSent) {
      ex.error = 'upstream-reset';
      cutResponse(res);
      return;
    }
    if (res.destroyed) return;
    this.handler.failure(this.req, res, ex, kind, true);
  }

  clientClosed(): void {
    if (!this.finish()) return;
    this.ex.cut = true;
    resetStream(this.up, http2.constants.NGHTTP2_CANCEL);
  }

  /** Marks the exchange finished and stops its deadline; false when it already was finished. */
  private finish(): boolean {
    if (this.finished) return false;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return true;
  }
}

/**
 * Cuts an answer that cannot be completed. An HTTP/1.1 connection is closed: the answer's framing shows it cut. An
 * HTTP/2 stream is reset (resetStream: RST_STREAM INTERNAL_ERROR), never ended or reset with NO_ERROR, which an
 * HTTP/2 client may take for a complete answer.
 */
function cutResponse(res: ClientResponse): void {
  if (res instanceof http2.Http2ServerResponse) resetStream(res.stream, http2.constants.NGHTTP2_INTERNAL_ERROR);
  else res.destroy();
}

/** The `grpc-status` of a response head or trailers of Node's and undici's shape, as a number; undefined without one. */
function grpcStatusField(fields: ResponseHead): number | undefined {
  const v = fields['grpc-status'];
  return v === undefined ? undefined : Number(Array.isArray(v) ? v[0] : v);
}

/** The response fields a client gets: hop-by-hop ones left out, then the rule's response modifiers and CORS applied. */
function responseFields(head: ResponseHead, plan: Plan): ResponseHead {
  const headers = stripHopByHopHead(head);
  if (plan.responseModifiers.length === 0 && !plan.cors) return headers;
  const list = headerList(headers);
  for (const m of plan.responseModifiers) applyHeaderModifier(list, m);
  if (plan.cors) for (const [k, v] of Object.entries(corsResponseHeaders(plan.cors, plan.headers))) list.set(k, [v]);
  return toOutgoing(list);
}

interface DirectResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly kind?: FailureKind;
}

/**
 * The hostname the router matches: the authority without its port and one trailing dot, lowercase. The
 * usual `name` and `name:port` are read by hand; anything else (an IPv6 literal) by splitHostPort.
 */
export function routeHostname(authority: string): string {
  let name = authority;
  const colon = authority.indexOf(':');
  if (authority.charCodeAt(0) === 0x5b /* '[' */ || (colon >= 0 && !allDigits(authority, colon + 1))) {
    name = splitHostPort(authority).hostname;
  } else if (colon >= 0) {
    name = authority.slice(0, colon);
  }
  if (name.charCodeAt(name.length - 1) === 0x2e /* '.' */) name = name.slice(0, -1);
  return name.toLowerCase();
}

/** Whether `s` from `from` on is one or more ASCII digits. */
function allDigits(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Whether an Upgrade header asks for WebSocket, and only for it. */
function isWebSocketUpgrade(upgrade: string | undefined): boolean {
  return upgrade !== undefined && upgrade.trim().toLowerCase() === 'websocket';
}

/** Whether the request came over HTTP/2 (by its transport: an HTTP/1.1 request line may claim any version). */
function isH2(req: ClientRequest): boolean {
  return !(req instanceof http.IncomingMessage);
}

/**
 * Whether the request has no body: HTTP/1.1 without Transfer-Encoding and without a positive
 * Content-Length; HTTP/2 whose HEADERS ended the stream, or with Content-Length 0.
 */
function hasNoBody(req: ClientRequest, headers: HeaderList): boolean {
  const declared = headers.get('content-length')?.[0];
  if (isH2(req)) return (req as http2.Http2ServerRequest).stream.endAfterHeaders || declared === '0';
  return !headers.has('transfer-encoding') && !(Number(declared) > 0);
}

/** The authority the client asked for: HTTP/2 `:authority`, else the Host header. */
function authorityOf(req: ClientRequest, headers: HeaderList): string {
  const a = (isH2(req) ? (req.headers[':authority'] as string | undefined) : undefined) ?? headers.get('host')?.[0] ?? '';
  return String(a);
}

function sniOf(req: ClientRequest): string | undefined {
  const sock: any = isH2(req) ? (req as http2.Http2ServerRequest).stream?.session?.socket : req.socket;
  const name = sock?.servername;
  return typeof name === 'string' && name ? name.toLowerCase() : undefined;
}

function isGrpc(contentType: string | undefined, path: string): boolean {
  if (!contentType) return false;
  const ct = contentType.toLowerCase();
  return (ct === 'application/grpc' || ct.startsWith('application/grpc+') || ct.startsWith('application/grpc;')) && GRPC_PATH.test(path);
}

/**
 * `fn` of an object, computed once: for the compiled rules, backends and endpoints, which live as long as
 * their configuration (a reload compiles new ones, and the old ones leave the cache with them).
 */
function oncePer<K extends object, V>(fn: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = fn(key);
      cache.set(key, value);
    }
    return value;
  };
}

/** `namespace/name[:port]` of a backend, for the access log and metrics. */
const backendLabel = oncePer((b: CompiledBackend): string => `${b.ref.namespace}/${b.ref.name}${b.ref.port !== undefined ? `:${b.ref.port}` : ''}`);

/** The compiled endpoints of a target (file mode: `--backends`, a DNS name), each request to the next in turn. */
const compiledEndpoints = oncePer((target: NonNullable<CompiledBackend['target']>): BackendEndpoints =>
  Object.assign(new EndpointRotation(target.endpoints.map(keyed)), { protocol: target.protocol }));

/** What the proxy reads of a compiled rule for every request it routes there. */
interface RuleFacts {
  /** `namespace/name` of the rule's route, and the rule's name (or index): labels of metrics and the access log. */
  readonly route: string;
  readonly rule: string;
}

const ruleFacts = oncePer((rule: CompiledRule): RuleFacts => ({
  route: `${rule.routeNamespace}/${rule.routeName}`,
  rule: rule.name ?? String(rule.index),
}));

const GRPC_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** `grpc-timeout` (e.g. `100m`, `5S`) in milliseconds; undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const m = v ? /^(\d{1,8})([HMSmun])$/.exec(v) : null;
  if (!m) return undefined;
  return Math.max(1, Math.ceil(Number(m[1]) * GRPC_UNITS[m[2]]));
}

function readAll(req: Readable, limit: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new UpstreamError('bad-request', 'request body larger than declared'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (e) => reject(new UpstreamError('upstream-reset', e.message, e)));
    req.on('aborted', () => reject(new UpstreamError('upstream-reset', 'the client went away')));
  });
}
