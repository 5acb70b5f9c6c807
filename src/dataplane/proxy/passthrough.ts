/**
 * Sockets of TLS listeners (TLSRoute, GEP-2643): the ClientHello is read without terminating TLS, its server name
 * picks the listener and the TLSRoute (`routeTls`), then either the raw bytes are piped to the backend
 * (Passthrough) or TLS is terminated with the listener's certificate and the decrypted stream is piped
 * (Terminate). No server name, no matching route, or bytes that are not TLS: the connection is closed.
 */
import * as net from 'net';
import { Duplex } from 'stream';
import * as tls from 'tls';
import { CertificateProblem, SocketCertificates } from './certificates';
import { parseClientHello } from './client-hello';
import type { SocketBinding } from './handler';
import { InFlight } from './in-flight';
import { ConnectionLimits, DEFAULT_LIMITS, firstBytesDeadline } from './limits';
import type { BoundListener, ListenOptions } from './listeners';
import type { CompiledTlsRoute, SniCertificate, SocketSpec } from '../engine/model';
import { routeTls } from '../engine/tls-router';
import { hostnameMatches } from '../engine/util';

/** Forwards a routed TLS connection (the proxy handler's `stream`). */
/** A connection of a TLS listener, routed or refused, as the handler gets it. */
export interface TlsConnection {
  /** The raw client connection (its address, what it sent). */
  readonly peer: net.Socket;
  /** The ClientHello's server name. */
  readonly serverName?: string;
  /** The TLS listener that took it; undefined when none did. */
  readonly listener?: string;
  /** Set when the connection is not routed (it is closed): why. */
  readonly refused?: string;
  /** The route chosen (unset when refused). */
  readonly route?: CompiledTlsRoute;
  /** The stream to pipe: `peer` (Passthrough) or the terminated TLS stream over it (Terminate). */
  readonly client: Duplex;
  /** Bytes already read from `peer` (Passthrough: they are sent first). */
  readonly head: Buffer;
  readonly terminated: boolean;
}

export type TlsStreamHandler = (binding: SocketBinding, connection: TlsConnection) => void;

/** Pipes two streams both ways; when either side ends in error or closes, both are closed. */
export function pipeBoth(a: Duplex, b: Duplex): void {
  const closeBoth = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', closeBoth);
  b.on('error', closeBoth);
  a.once('close', closeBoth);
  b.once('close', closeBoth);
  a.pipe(b);
  b.pipe(a);
}

/** The certificates of the Terminate listeners, for SNI selection. */
function terminateEntries(spec: SocketSpec): SniCertificate[] {
  return (spec.tlsListeners ?? []).filter((l) => l.mode === 'Terminate')
    .map((l) => ({ listener: l.name, ...(l.hostname !== undefined ? { hostname: l.hostname } : {}), certificates: l.certificates }));
}

/**
 * `socket` (paused, `head` already read from it) as a fresh stream that yields `head` first: what a TLSSocket
 * terminating the connection reads from.
 */
export function replaying(socket: net.Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read: () => {
      socket.resume();
    },
    write: (chunk, _encoding, callback) => {
      socket.write(chunk, callback);
    },
    final: (callback) => {
      socket.end();
      callback();
    },
    destroy: (err, callback) => {
      socket.destroy();
      callback(err);
    },
  });
  stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once('end', () => stream.push(null));
  socket.once('close', () => stream.destroy());
  return stream;
}

/** How specifically a listener hostname matches (undefined = any): exact above every wildcard, longer wildcards first. */
function hostnameScore(pattern: string | undefined): number {
  if (pattern === undefined) return 0;
  return pattern.startsWith('*.') ? pattern.split('.').length : 1_000_000;
}

/**
 * The TLS-listener side of a socket: takes a connection whose ClientHello was read and routes it by its server name
 * (`routeTls`), passing it through or terminating it. Its spec is replaced on a reload.
 */
export class TlsRouting {
  /** Routed connections open now. */
  routed = 0;
  /** Terminate listeners whose certificates could not be used when the socket was bound. */
  readonly initialProblems: readonly CertificateProblem[];
  private readonly certificates = new SocketCertificates();

  constructor(private readonly binding: SocketBinding, private spec: SocketSpec, private readonly stream: TlsStreamHandler,
    private readonly limits: ConnectionLimits) {
    this.initialProblems = this.certificates.apply(terminateEntries(spec));
  }

  /** A new spec (a reload); returns what could not be used. */
  update(spec: SocketSpec): CertificateProblem[] {
    this.spec = spec;
    return this.certificates.apply(terminateEntries(spec));
  }

  /**
   * Whether a TLS listener takes a connection with this server name rather than one of the HTTPS listeners
   * `https` of the same port: the most specific hostname wins (they never tie: that is a HostnameConflict).
   */
  wants(serverName: string | undefined, https: readonly SniCertificate[]): boolean {
    if (!serverName) return false;
    const name = serverName.toLowerCase();
    const tlsListener = (this.spec.tlsListeners ?? []).find((l) => hostnameMatches(l.hostname, name));
    if (!tlsListener) return false;
    const httpsListener = https.find((e) => e.hostname !== undefined && hostnameMatches(e.hostname, name))
      ?? https.find((e) => e.hostname === undefined);
    return !httpsListener || hostnameScore(tlsListener.hostname) > hostnameScore(httpsListener.hostname);
  }

  /** Routes a connection (`socket` paused, `head` the bytes read from it). */
  handle(socket: net.Socket, head: Buffer, serverName: string | undefined): void {
    const decision = routeTls(this.spec.tlsListeners ?? [], serverName);
    const refuse = (listener: string | undefined, reason: string) => this.stream(this.binding, {
      peer: socket, serverName, listener, refused: reason, client: socket, head, terminated: false,
    });
    if (decision.outcome !== 'routed') {
      refuse(decision.listener?.name, decision.reason);
      return;
    }
    this.routed++;
    socket.once('close', () => this.routed--);
    const listener = decision.listener.name;
    if (decision.listener.mode === 'Passthrough') {
      this.stream(this.binding, { peer: socket, serverName, listener, route: decision.route, client: socket, head, terminated: false });
      socket.resume();
      return;
    }
    const context = this.certificates.select(serverName);
    if (!context) {
      refuse(listener, `listener "${listener}" has no usable certificate for "${serverName}"`);
      return;
    }
    const terminated = new tls.TLSSocket(replaying(socket, head), { isServer: true, secureContext: context });
    const handshake = setTimeout(() => terminated.destroy(), this.limits.headerTimeoutMs);
    handshake.unref();
    terminated.once('secure', () => clearTimeout(handshake));
    terminated.once('close', () => clearTimeout(handshake));
    terminated.on('error', () => {
      terminated.destroy();
      socket.destroy();
    });
    const connection = { peer: socket, serverName, listener, route: decision.route, client: terminated, head: Buffer.alloc(0), terminated: true };
    this.stream(this.binding, connection);
  }
}

/**
 * Reads the ClientHello of a new connection (within the first-bytes deadline), then calls `then` with the bytes read
 * and the server name, the socket paused; bytes that are not TLS close the connection.
 */
export function readClientHello(socket: net.Socket, limits: ConnectionLimits, then: (head: Buffer, serverName: string | undefined) => void): void {
  const handedOver = firstBytesDeadline(socket, limits);
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const hello = parseClientHello(buffered);
    if (hello.kind === 'incomplete') return;
    socket.off('data', onData);
    socket.pause();
    handedOver();
    if (hello.kind === 'not-tls') socket.destroy();
    else then(buffered, hello.serverName);
  };
  socket.on('data', onData);
}

/** Binds the socket of a (Gateway, port) whose listeners all have protocol TLS. */
export async function listenTlsRoutes(options: ListenOptions, stream: TlsStreamHandler): Promise<BoundListener> {
  const binding: SocketBinding = { gateway: options.spec.gateway, port: options.spec.port, tls: true };
  const limits = options.limits ?? DEFAULT_LIMITS;
  const routing = new TlsRouting(binding, options.spec, stream, limits);
  const sockets = new InFlight<net.Socket>();
  const server = net.createServer((socket) => {
    if (options.connections && !options.connections.admit(socket)) return;
    const entry = sockets.add(socket);
    socket.once('close', () => sockets.delete(entry));
    socket.on('error', () => socket.destroy());
    readClientHello(socket, limits, (head, serverName) => routing.handle(socket, head, serverName));
  });
  const bound = await new Promise<net.AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve(server.address() as net.AddressInfo);
    });
  });
  return {
    binding,
    address: bound.address,
    port: bound.port,
    get inFlight() {
      return routing.routed;
    },
    certificateProblems: routing.initialProblems,
    fits: (next) => next.protocol === 'TLS',
    updateSpec: (next) => routing.update(next),
    goAway: () => undefined,
    close: async (timeoutMs) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + timeoutMs;
      while (routing.routed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
