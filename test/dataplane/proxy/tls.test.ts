import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import * as grpc from '@grpc/grpc-js';
import { generate } from 'selfsigned';
import WebSocket, { WebSocketServer } from 'ws';
import { EchoService, GrpcBackend, SERVICE, startGrpcBackend } from './grpc-helpers';
import { Backend, NS, StartedGateway, gatewayDoc, startBackend, startGateway, writeYaml } from './helpers';
import { selectCertificate } from '../../../src/dataplane/proxy/listeners';

const certs = new Map<string, string>();

async function secret(name: string, cn: string): Promise<any> {
  const pems = await generate([{ name: 'commonName', value: cn }], { keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: cn }] }] } as any);
  certs.set(cn, pems.cert);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: NS },
    data: { 'tls.crt': Buffer.from(pems.cert).toString('base64'), 'tls.key': Buffer.from(pems.private).toString('base64') },
  };
}

interface TlsReply {
  status: number;
  cn: string;
  body: string;
  alpn: string | false;
}

function httpsGet(port: number, servername: string | undefined, host: string): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/tls', servername, headers: { host }, rejectUnauthorized: false, agent: false, ALPNProtocols: ['http/1.1'] } as https.RequestOptions);
    req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const sock = res.socket as tls.TLSSocket;
      const cn = String(sock.getPeerCertificate().subject.CN);
      const alpn = sock.alpnProtocol ?? false;
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, cn, body, alpn }));
    });
    req.end();
  });
}

function h2Get(port: number, servername: string, authority: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername, rejectUnauthorized: false });
    session.on('error', reject);
    const stream = session.request({ ':path': '/tls', ':authority': authority });
    let status = 0;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c) => (body += c));
    stream.on('error', reject);
    stream.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    stream.end();
  });
}

describe('TLS listeners', () => {
  let v1: Backend;
  let v2: Backend;
  let gw: StartedGateway;
  let wsHttp: http.Server;
  let wss: WebSocketServer;
  let docs: any[];
  let grpcBackend: GrpcBackend;

  beforeAll(async () => {
    wsHttp = http.createServer();
    wss = new WebSocketServer({ server: wsHttp });
    wss.on('connection', (sock, req) => sock.send(`proto=${req.headers['x-forwarded-proto']} host=${req.headers.host}`));
    await new Promise<void>((r) => wsHttp.listen(0, '127.0.0.1', r));
    grpcBackend = await startGrpcBackend('grpc-tls-backend');
    v1 = await startBackend('infra-backend-v1');
    v2 = await startBackend('infra-backend-v2');
    const tlsRef = (n: string) => ({ certificateRefs: [{ group: '', kind: 'Secret', name: n }] });
    docs = [
      gatewayDoc([
        { name: 'https', port: 443, protocol: 'HTTPS', tls: tlsRef('default-cert') },
        { name: 'https-second', port: 443, protocol: 'HTTPS', hostname: 'second-example.org', tls: tlsRef('second-cert') },
      ]),
      await secret('default-cert', 'example.org'),
      { ...gatewayDoc([{ name: 'https', port: 8443, protocol: 'HTTPS', tls: tlsRef('no-such-secret') }], 'no-cert') },
      await secret('second-cert', 'second-example.org'),
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'first', namespace: NS }, spec: { parentRefs: [{ name: 'same-namespace', sectionName: 'https' }], hostnames: ['example.org'], rules: [{ backendRefs: [{ name: 'infra-backend-v1', port: 8080 }] }, { matches: [{ path: { type: 'Exact', value: '/ws' } }], backendRefs: [{ name: 'ws', port: 8080 }] }] } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GRPCRoute',
        metadata: { name: 'grpc', namespace: NS },
        spec: { parentRefs: [{ name: 'same-namespace', sectionName: 'https' }], hostnames: ['grpc.example.org'], rules: [{ backendRefs: [{ name: 'grpc-tls-backend', port: 8080 }] }] },
      },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'second', namespace: NS }, spec: { parentRefs: [{ name: 'same-namespace', sectionName: 'https-second' }], rules: [{ backendRefs: [{ name: 'infra-backend-v2', port: 8080 }] }] } },
    ];
    gw = await startGateway(docs, {
      [`${NS}/infra-backend-v1:8080`]: v1.address,
      [`${NS}/infra-backend-v2:8080`]: v2.address,
      [`${NS}/ws:8080`]: `127.0.0.1:${(wsHttp.address() as net.AddressInfo).port}`,
      [`${NS}/grpc-tls-backend:8080`]: grpcBackend.address,
    });
  });

  afterAll(async () => {
    for (const c of wss?.clients ?? []) c.terminate();
    wss?.close();
    await new Promise<void>((r) => wsHttp.close(() => r()));
    await gw?.close();
    grpcBackend?.server.forceShutdown();
    await v1?.close();
    await v2?.close();
  });

  test('SNI selects the certificate of the most specific listener; no SNI gets the default', async () => {
    const second = await httpsGet(gw.port(443), 'second-example.org', 'second-example.org');
    expect(second).toMatchObject({ status: 200, cn: 'second-example.org', alpn: 'http/1.1' });
    expect(JSON.parse(second.body).backend).toBe('infra-backend-v2');
    const first = await httpsGet(gw.port(443), 'example.org', 'example.org');
    expect(first).toMatchObject({ status: 200, cn: 'example.org' });
    expect(JSON.parse(first.body).backend).toBe('infra-backend-v1');
    const none = await httpsGet(gw.port(443), undefined, 'example.org');
    expect(none.cn).toBe('example.org');
  });

  test('421 when the Host belongs to another listener than the one SNI chose (HTTP/2 over TLS)', async () => {
    expect((await h2Get(gw.port(443), 'example.org', 'second-example.org')).status).toBe(421);
    const ok = await h2Get(gw.port(443), 'second-example.org', 'second-example.org');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ backend: 'infra-backend-v2', headers: { 'x-forwarded-proto': 'https' } });
  });

  test('gRPC over TLS (ALPN h2) reaches a GRPCRoute on the HTTPS listener', async () => {
    const creds = grpc.credentials.createSsl(Buffer.from(certs.get('example.org')!));
    const client = new EchoService(`127.0.0.1:${gw.port(443)}`, creds, {
      'grpc.ssl_target_name_override': 'example.org',
      'grpc.default_authority': 'grpc.example.org',
    });
    try {
      const res = await new Promise<any>((resolve, reject) => client.Echo({}, (err: Error | null, r: any) => (err ? reject(err) : resolve(r))));
      expect(res).toMatchObject({ message: 'Echo', backend: 'grpc-tls-backend', authority: `/${SERVICE}/Echo` });
    } finally {
      client.close();
    }
  });

  test('WebSocket over TLS (wss) is proxied like an HTTP/1.1 upgrade', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${gw.port(443)}/ws`, { servername: 'example.org', headers: { host: 'example.org' }, rejectUnauthorized: false } as WebSocket.ClientOptions);
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    ws.close();
    expect(first).toBe('proto=https host=example.org');
  });

  test('a reload with a new certificate serves it to new connections', async () => {
    const rotated = docs.map((d) => (d.kind === 'Secret' && d.metadata.name === 'default-cert' ? undefined : d)).filter((d) => d);
    rotated.push(await secret('default-cert', 'rotated.example.org'));
    writeYaml(path.join(gw.dir, 'routes.yaml'), rotated);
    await gw.server.reload();
    expect(gw.logs.filter((l) => l.msg === 'reloaded')).toHaveLength(1);
    const after = await httpsGet(gw.port(443), 'example.org', 'example.org');
    expect(after).toMatchObject({ status: 200, cn: 'rotated.example.org' });
    expect((await httpsGet(gw.port(443), 'second-example.org', 'second-example.org')).cn).toBe('second-example.org');
  });

  test('fails the TLS handshake on a listener whose certificate Secret is missing', async () => {
    const port = gw.port(8443, `${NS}/no-cert`);
    const err = await new Promise<Error>((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port, servername: 'example.org', rejectUnauthorized: false }, () => resolve(new Error('handshake completed')));
      sock.on('error', resolve);
    });
    expect(err.message).toMatch(/alert|handshake failure|ECONNRESET|socket disconnected/i);
  });

  test('selectCertificate: exact or wildcard hostname first, else the entry without hostname', () => {
    const c = [{ secret: 's', certPem: 'c', keyPem: 'k' }];
    const entries = [
      { listener: 'exact', hostname: 'a.example.com', certificates: c },
      { listener: 'wild', hostname: '*.example.com', certificates: c },
      { listener: 'any', certificates: c },
    ];
    expect(selectCertificate(entries, 'a.example.com')?.listener).toBe('exact');
    expect(selectCertificate(entries, 'B.example.com')?.listener).toBe('wild');
    expect(selectCertificate(entries, 'other.org')?.listener).toBe('any');
    expect(selectCertificate(entries, undefined)?.listener).toBe('any');
    expect(selectCertificate([{ listener: 'empty', certificates: [] }], 'x')).toBeUndefined();
  });
});
