/**
 * Test helpers for TLS to and from the gateway: certificates generated in the test (self-signed, each its own
 * trust anchor), an HTTPS echo backend on 127.0.0.1:0 that records the SNI and client certificate of each
 * request, and the Secret / ConfigMap / BackendTLSPolicy documents that name them.
 */
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';
import { NS } from './helpers';
import { generateCertificate } from '../../conformance/harness/certs';

export interface Pair {
  readonly cert: string;
  readonly key: string;
}

/** A self-signed certificate (usable as its own CA) for `cn` (its DNS name) and URI subject alternative names. */
export async function certificate(cn: string, uris: string[] = []): Promise<Pair> {
  const c = await generateCertificate([cn], uris);
  return { cert: c.certPem, key: c.keyPem };
}

export interface TlsSeen {
  readonly path: string;
  /** The SNI the client sent. */
  readonly servername: string | false;
  /** CN of the client certificate, when one was presented. */
  readonly clientCn?: string;
}

export interface TlsBackend {
  readonly port: number;
  readonly seen: TlsSeen[];
  /** Connections accepted at the TCP level (TLS or not). */
  connections: number;
  close(): Promise<void>;
}

/** An HTTPS echo backend serving `pair`; with `clientCa`, it requires a client certificate signed by it. */
export async function startTlsBackend(pair: Pair, clientCa?: string): Promise<TlsBackend> {
  const seen: TlsSeen[] = [];
  const sockets = new Set<net.Socket>();
  const server = https.createServer({
    cert: pair.cert,
    key: pair.key,
    ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  }, (req, res) => {
    const socket = req.socket as tls.TLSSocket;
    const peer = socket.getPeerCertificate();
    const clientCn = peer?.subject ? { clientCn: String(peer.subject.CN) } : {};
    const entry: TlsSeen = { path: req.url!, servername: (socket as any).servername ?? false, ...clientCn };
    seen.push(entry);
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify(entry);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const backend: TlsBackend = {
    port: 0,
    seen,
    connections: 0,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
  server.on('connection', (s: net.Socket) => {
    backend.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (backend as { port: number }).port = (server.address() as net.AddressInfo).port;
  return backend;
}

export function caConfigMap(name: string, pem: string): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { 'ca.crt': pem } };
}

export function tlsSecret(name: string, pair: Pair, extra: Record<string, string> = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: NS },
    data: {
      'tls.crt': Buffer.from(pair.cert).toString('base64'),
      'tls.key': Buffer.from(pair.key).toString('base64'),
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    },
  };
}

/** A BackendTLSPolicy on Service `service` (all ports) with the given validation. */
export function backendTlsPolicy(name: string, service: string, validation: any, extra: { created?: string; sectionName?: string } = {}): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: NS, ...(extra.created ? { creationTimestamp: extra.created } : {}) },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: service, ...(extra.sectionName ? { sectionName: extra.sectionName } : {}) }],
      validation,
    },
  };
}
