/**
 * Sockets of TLS listeners (TLSRoute, GEP-2643): the ClientHello is read without terminating TLS, its server name
 * picks the listener and the TLSRoute (`routeTls`), then either the raw bytes are piped to the backend
 * (Passthrough) or TLS is terminated with the listener's certificate and the decrypted stream is piped
 * (Terminate). No server name, no matching route, or bytes that are not TLS: the connection is closed.
 */
import * as net from 'net';
import { Duplex } from 'stream';
import * as tls from 'tls';
import { SocketCertificates } from './certificates';
import { parseClientHello } from './client-hello';
import type { SocketBinding } from './handler';
import { DEFAULT_LIMITS, firstBytesDeadline } from './limits';
import type { BoundListener, ListenOptions } from './listeners';
import type { CompiledTlsRoute, SniCertificate, SocketSpec } from '../engine/model';
import { routeTls } from '../engine/tls-router';

/** Forwards a routed TLS connection (the proxy handler's `stream`). */
export type TlsStreamHandler = (binding: SocketBinding, route: CompiledTlsRoute, client: Duplex, head: Buffer, terminated: boolean) => void;

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
function replaying(socket: net.Socket, head: Buffer): Duplex {
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

/** Binds the socket of a (Gateway, port) whose listeners have protocol TLS. */
export async function listenTlsRoutes(options: ListenOptions, stream: TlsStreamHandler): Promise<BoundListener> {
  const binding: SocketBinding = { gateway: options.spec.gateway, port: options.spec.port, tls: true };
  const limits = options.limits ?? DEFAULT_LIMITS;
  let spec = options.spec;
  const certificates = new SocketCertificates();
  const initialProblems = certificates.apply(terminateEntries(spec));
  const sockets = new Set<net.Socket>();
  let routed = 0;

  const handle = (socket: net.Socket, head: Buffer, serverName: string | undefined) => {
    const decision = routeTls(spec.tlsListeners ?? [], serverName);
    if (decision.outcome !== 'routed') {
      socket.destroy();
      return;
    }
    routed++;
    socket.once('close', () => routed--);
    if (decision.listener.mode === 'Passthrough') {
      stream(binding, decision.route, socket, head, false);
      socket.resume();
      return;
    }
    const context = certificates.select(serverName);
    if (!context) {
      socket.destroy();
      return;
    }
    const terminated = new tls.TLSSocket(replaying(socket, head), { isServer: true, secureContext: context });
    const handshake = setTimeout(() => terminated.destroy(), limits.headerTimeoutMs);
    handshake.unref();
    terminated.once('secure', () => clearTimeout(handshake));
    terminated.once('close', () => clearTimeout(handshake));
    terminated.on('error', () => {
      terminated.destroy();
      socket.destroy();
    });
    stream(binding, decision.route, terminated, Buffer.alloc(0), true);
  };

  const server = net.createServer((socket) => {
    if (options.connections && !options.connections.admit(socket)) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
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
      else handle(socket, buffered, hello.serverName);
    };
    socket.on('data', onData);
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
    protocol: 'TLS',
    address: bound.address,
    port: bound.port,
    get inFlight() {
      return routed;
    },
    certificateProblems: initialProblems,
    asksClientCertificates: false,
    updateSpec: (next) => {
      spec = next;
      return certificates.apply(terminateEntries(next));
    },
    goAway: () => undefined,
    close: async (timeoutMs) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + timeoutMs;
      while (routed > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
