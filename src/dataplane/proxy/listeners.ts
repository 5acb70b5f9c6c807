/**
 * Listener sockets. A cleartext (HTTP) socket accepts HTTP/1.1 and HTTP/2 with prior knowledge on the
 * same port: the first bytes are sniffed for the HTTP/2 connection preface and the socket is handed to
 * an `http2` or an `http` server. A TLS (HTTPS) socket terminates TLS with the certificate SNI selects
 * and offers ALPN h2 and http/1.1. Every socket supports graceful close (stop accepting, let requests
 * in flight finish, close idle connections).
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as tls from 'tls';
import { CertificateProblem, SocketCertificates, clientCertificateRefused } from './certificates';
import { SocketBinding } from './handler';
import { InFlight } from './in-flight';
import {
  ConnectionLimiter, ConnectionLimits, DEFAULT_LIMITS, Http1Pipeline, answerClientError, answerConnect, applyH1Properties, applyH1Timeouts,
  firstBytesDeadline, guardH2Session, h1ServerOptions, h2ServerOptions, startHeaderTimeouts,
} from './limits';
import { TlsRouting, TlsStreamHandler, listenTlsRoutes, readClientHello, replaying } from './passthrough';
import type { SniCertificate, SocketSpec } from '../engine/model';
import { hostnameMatches } from '../engine/util';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface ListenerHandlers {
  /** A routed TLSRoute connection (sockets of protocol TLS); without it those sockets close every connection. */
  readonly stream?: TlsStreamHandler;
  request(binding: SocketBinding, req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void;
  upgrade(binding: SocketBinding, req: http.IncomingMessage, socket: net.Socket, head: Buffer): void;
}

/** A bound listener socket. */
export interface BoundListener {
  readonly binding: SocketBinding;
  /** The address actually bound (port resolved when 0 was asked). */
  readonly address: string;
  readonly port: number;
  /** Requests in flight on this socket. */
  readonly inFlight: number;
  /** HTTPS: the listeners whose certificates could not be used when the socket was bound. */
  readonly certificateProblems: readonly CertificateProblem[];
  /**
   * Whether `updateSpec` can take this spec, or a new socket is needed: another protocol; on HTTPS, starting or
   * stopping to ask clients for certificates, or to route TLS listeners too (both fixed when a socket is bound).
   */
  fits(spec: SocketSpec): boolean;
  /**
   * HTTPS: replace the certificates offered (a reload). A listener whose new certificates cannot be used keeps
   * the ones it had (or stays not programmed); the returned problems say which and why. Never throws.
   */
  updateSpec(spec: SocketSpec): readonly CertificateProblem[];
  /**
   * The first step of a graceful shutdown: keeps accepting and serving, but every HTTP/1.1 answer from now on
   * carries `Connection: close` and the HTTP/2 sessions open now get GOAWAY (sessions opened later are served).
   */
  goAway(): void;
  /** Stops accepting, lets requests in flight finish (adding `Connection: close`), then closes. */
  close(timeoutMs: number): Promise<void>;
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly spec: SocketSpec;
  readonly handlers: ListenerHandlers;
  /** Client connections idle longer than this are closed. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Parser, header timeout and HTTP/2 limits. Default DEFAULT_LIMITS. */
  readonly limits?: ConnectionLimits;
  /** Shared count of client connections (every listener of a process); none = unlimited. */
  readonly connections?: ConnectionLimiter;
}

/** Without a stream handler, a routed TLS connection is closed. */
const closeStream: TlsStreamHandler = (_binding, connection) => connection.client.destroy();

/** Binds a listener socket for one (Gateway, port). */
export async function listen(options: ListenOptions): Promise<BoundListener> {
  if (options.spec.protocol === 'TLS') return listenTlsRoutes(options, options.handlers.stream ?? closeStream);
  return options.spec.protocol === 'HTTPS' ? listenTls(options) : listenCleartext(options);
}

class ConnectionTracker {
  // Linked lists, not Sets: an entry added and removed per request or connection in a Set that lives as long as
  // the process makes V8 promote what the entries reach (InFlight).
  readonly sockets = new InFlight<net.Socket>();
  readonly sessions = new InFlight<http2.Http2Session>();
  /** HTTP/1.1 responses in progress (told to close their connection when draining starts). */
  readonly h1Responses = new InFlight<http.ServerResponse>();
  /** Requests in flight (and upgraded connections). */
  private requests = 0;
  /** Answers ask clients to go away (`goAway` or `drain`). */
  draining = false;
  /** No more connections are accepted (`drain`): HTTP/2 sessions still starting are closed too. */
  private stopped = false;
  /** Pipelined HTTP/1.1 requests are handled one at a time per connection. */
  readonly pipeline = new Http1Pipeline();

  /** Requests in flight. */
  get inFlight(): number {
    return this.requests;
  }

  track(socket: net.Socket): void {
    const entry = this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(entry));
  }

  trackSession(session: http2.Http2Session): void {
    const entry = this.sessions.add(session);
    session.once('close', () => this.sessions.delete(entry));
    if (this.stopped) session.close();
  }

  /** Wraps the request handler of the servers: counts requests in flight and asks HTTP/1.1 clients to go away while draining. */
  wrap(binding: SocketBinding, handlers: ListenerHandlers): ListenerHandlers {
    return {
      request: (_b, req, res) => {
        this.requests++;
        let done = false;
        // By the transport: an HTTP/1.1 request line may claim another version.
        if (req instanceof http.IncomingMessage) {
          const h1 = res as http.ServerResponse;
          if (this.draining) h1.setHeader('connection', 'close');
          const entry = this.h1Responses.add(h1);
          // An HTTP/1.1 response always ends with 'close' (one tick after 'finish' on a kept-alive connection).
          const ended = () => {
            if (done) return;
            done = true;
            this.requests--;
            this.h1Responses.delete(entry);
          };
          h1.once('close', ended);
          this.pipeline.run(req.socket, h1, () => handlers.request(binding, req, res), ended);
          return;
        }
        const end = () => {
          if (!done) {
            done = true;
            this.requests--;
          }
        };
        res.once('finish', end);
        res.once('close', end);
        handlers.request(binding, req, res);
      },
      upgrade: (_b, req, socket, head) => {
        this.requests++;
        socket.once('close', () => this.requests--);
        handlers.upgrade(binding, req, socket, head);
      },
    };
  }

  goAway(): void {
    this.draining = true;
    for (const res of this.h1Responses) if (!res.headersSent) res.setHeader('connection', 'close');
    for (const s of this.sessions) s.close();
  }

  async drain(server: net.Server, timeoutMs: number, stopped?: () => void): Promise<void> {
    this.draining = true;
    this.stopped = true;
    stopped?.();
    for (const res of this.h1Responses) if (!res.headersSent) res.setHeader('connection', 'close');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sessions) s.close();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

function bind(server: net.Server, host: string, port: number): Promise<{ address: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const a = server.address() as net.AddressInfo;
      resolve({ address: a.address, port: a.port });
    });
  });
}

async function listenCleartext(options: ListenOptions): Promise<BoundListener> {
  const binding: SocketBinding = { gateway: options.spec.gateway, port: options.spec.port, tls: false };
  const tracker = new ConnectionTracker();
  const handlers = tracker.wrap(binding, options.handlers);
  const idle = options.idleTimeoutMs ?? 60_000;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const h1 = http.createServer(h1ServerOptions(limits), (req, res) => handlers.request(binding, req, res));
  applyH1Properties(h1);
  h1.on('upgrade', (req, socket, head) => handlers.upgrade(binding, req, socket as net.Socket, head));
  h1.on('connect', (_req, socket) => answerConnect(socket as net.Socket));
  h1.on('clientError', (err, socket) => answerClientError(err, socket as net.Socket, limits, tracker.pipeline));
  const stopHeaderTimeouts = startHeaderTimeouts(h1);
  const h2 = http2.createServer(h2ServerOptions(limits), (req, res) => handlers.request(binding, req, res));
  h2.on('session', (session) => {
    tracker.trackSession(session);
    guardH2Session(session, limits);
    session.setTimeout(idle, () => session.close());
  });
  const toNode = (server: net.Server, socket: net.Socket, bytes: Buffer) => {
    socket.pause();
    socket.unshift(bytes);
    server.emit('connection', socket);
    process.nextTick(() => socket.resume());
  };
  const server = net.createServer({ pauseOnConnect: false }, (socket) => {
    if (options.connections && !options.connections.admit(socket)) return;
    tracker.track(socket);
    socket.on('error', () => socket.destroy());
    const handedOver = firstBytesDeadline(socket, limits);
    sniff(socket, (isH2, bytes) => {
      handedOver();
      toNode(isH2 ? h2 : h1, socket, bytes);
    });
  });
  const bound = await bind(server, options.host, options.port);
  return {
    binding,
    address: bound.address,
    port: bound.port,
    get inFlight() {
      return tracker.inFlight;
    },
    certificateProblems: [],
    fits: (next) => next.protocol === 'HTTP',
    updateSpec: () => [],
    goAway: () => tracker.goAway(),
    close: (timeoutMs) => tracker.drain(server, timeoutMs, stopHeaderTimeouts),
  };
}

/** Reads until the first bytes tell HTTP/2 prior knowledge from anything else; `route` gets the bytes read. */
function sniff(socket: net.Socket, route: (isH2: boolean, bytes: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const n = Math.min(buffered.length, PREFACE.length);
    const prefixMatches = buffered.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (prefixMatches && buffered.length < PREFACE.length) return; // need more bytes
    socket.off('data', onData);
    route(prefixMatches, buffered);
  };
  socket.on('data', onData);
}

/** The SNI entry for a server name: first matching hostname, else the entry without hostname, else the first. */
export function selectCertificate(entries: readonly SniCertificate[], servername: string | undefined): SniCertificate | undefined {
  const name = servername?.toLowerCase();
  if (name) {
    for (const e of entries) if (e.hostname !== undefined && e.certificates.length > 0 && hostnameMatches(e.hostname, name)) return e;
  }
  return entries.find((e) => e.hostname === undefined && e.certificates.length > 0) ?? entries.find((e) => e.certificates.length > 0);
}

async function listenTls(options: ListenOptions): Promise<BoundListener> {
  const binding: SocketBinding = { gateway: options.spec.gateway, port: options.spec.port, tls: true };
  const tracker = new ConnectionTracker();
  const handlers = tracker.wrap(binding, options.handlers);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const certificates = new SocketCertificates();
  let validation = options.spec.clientValidation;
  const initialProblems = certificates.apply(options.spec.certificates ?? [], validation?.ca || undefined);
  const asksClientCertificates = validation !== undefined;
  const server = http2.createSecureServer({
    // Client certificates are checked after the handshake (clientCertificateRefused): the mode can change on a reload.
    ...(asksClientCertificates ? { requestCert: true, rejectUnauthorized: false } : {}),
    ...h2ServerOptions(limits),
    handshakeTimeout: limits.headerTimeoutMs,
    allowHTTP1: true,
    ALPNProtocols: ['h2', 'http/1.1'],
    SNICallback: (servername, cb) => {
      const context = certificates.select(servername);
      if (!context) return cb(new Error(`no programmed certificate for server name '${servername}'`));
      return cb(null, context);
    },
  }, (req, res) => handlers.request(binding, req, res));
  // Clients that send no SNI get the default listener's certificate (checked by `certificates.apply`).
  const setDefault = () => {
    // None programmed: a context without certificate, so that those handshakes fail rather than offer an old one.
    server.setSecureContext(certificates.defaultContextOptions());
  };
  setDefault();
  applyH1Timeouts(server, limits);
  server.on('connection', (socket: net.Socket) => {
    // Through `front`, the connection was admitted there.
    if (!front) options.connections?.admit(socket);
  });
  server.on('clientError', (err: any, socket: net.Socket) => answerClientError(err, socket, limits, tracker.pipeline));
  server.on('connect', (_req: http.IncomingMessage, socket: net.Socket) => answerConnect(socket));
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // Synchronously, before any request on the connection is read.
    if (clientCertificateRefused(validation, socket.authorized)) {
      socket.destroy();
      return;
    }
    tracker.track(socket);
    socket.on('error', () => socket.destroy());
  });
  server.on('session', (session) => {
    tracker.trackSession(session);
    guardH2Session(session, limits);
    session.setTimeout(options.idleTimeoutMs ?? 60_000, () => session.close());
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => handlers.upgrade(binding, req, socket, head));
  server.on('tlsClientError', () => undefined);
  // TLS listeners on the port too (TLSRoutes): a front socket reads each ClientHello and hands the connection to the
  // listener whose hostname is the most specific match, a TLS one (TlsRouting) or an HTTPS one (`server`).
  let spec = options.spec;
  const routing = spec.tlsListeners ? new TlsRouting(binding, spec, options.handlers.stream ?? closeStream, limits) : undefined;
  const frontSockets = new InFlight<net.Socket>();
  const front = routing && net.createServer((socket) => {
    if (options.connections && !options.connections.admit(socket)) return;
    const entry = frontSockets.add(socket);
    socket.once('close', () => frontSockets.delete(entry));
    socket.on('error', () => socket.destroy());
    readClientHello(socket, limits, (head, serverName) => {
      if (routing.wants(serverName, spec.certificates ?? [])) routing.handle(socket, head, serverName);
      else server.emit('connection', replaying(socket, head));
    });
  });
  const bound = await bind(front ?? server, options.host, options.port);
  return {
    binding,
    address: bound.address,
    port: bound.port,
    get inFlight() {
      return tracker.inFlight + (routing?.routed ?? 0);
    },
    certificateProblems: [...initialProblems, ...routing?.initialProblems ?? []],
    fits: (next) => next.protocol === 'HTTPS' && (next.clientValidation !== undefined) === asksClientCertificates
      && (next.tlsListeners !== undefined) === (routing !== undefined),
    updateSpec: (next) => {
      validation = next.clientValidation;
      spec = next;
      const problems = certificates.apply(next.certificates ?? [], validation?.ca || undefined);
      setDefault();
      return [...problems, ...routing?.update(next) ?? []];
    },
    goAway: () => tracker.goAway(),
    close: async (timeoutMs) => {
      // With TLS listeners, `front` accepts; connections it hands to `server` are tracked there.
      if (!front) return tracker.drain(server, timeoutMs);
      const frontClosed = new Promise<void>((resolve) => front.close(() => resolve()));
      const deadline = Date.now() + timeoutMs;
      await tracker.drain(server, timeoutMs);
      while (routing!.routed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const s of frontSockets) s.destroy();
      await frontClosed;
    },
  };
}
