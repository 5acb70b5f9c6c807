/**
 * The conformance client: sends one request over a real socket the way upstream's roundtripper does
 * (HTTP/1.1 without keep-alive, HTTP/2 prior knowledge over cleartext, HTTP/2 or HTTP/1.1 over TLS with SNI,
 * redirects never followed), one unary gRPC call, or one WebSocket exchange.
 */
import * as http from 'http';
import * as http2 from 'http2';
import * as https from 'https';
import * as grpc from '@grpc/grpc-js';
import WebSocket from 'ws';
import { grpcEchoService } from '../../util/echo';

export const REQUEST_TIMEOUT_MS = 10_000;

export interface HttpCall {
  /** The bound port of the gateway listener. */
  port: number;
  scheme: 'http' | 'https';
  /** Absent = HTTP/1.1. */
  protocol?: 'h2c-prior-knowledge' | 'h2';
  method: string;
  /** Host header / :authority. */
  host: string;
  /** Path plus query, sent as-is. */
  path: string;
  /** Header lines, in order (a name may repeat). */
  headers: Array<[string, string]>;
  servername?: string;
  ca?: string;
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  /** Response header lines as received (name, value), in order. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** 'HTTP/1.1' or 'HTTP/2'. */
  protocol: string;
}

/** Every value of a response header (case-insensitive name), one per header line. */
export function headerValues(answer: HttpAnswer, name: string): string[] {
  const lower = name.toLowerCase();
  return answer.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

export function sendHttp(call: HttpCall): Promise<HttpAnswer> {
  if (call.protocol === 'h2c-prior-knowledge' || call.protocol === 'h2') return sendHttp2(call);
  return sendHttp1(call);
}

function sendHttp1(call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {};
    // Node takes repeated names as arrays; 'Host' first, as Go writes it.
    headers.Host = call.host;
    for (const [name, value] of call.headers) {
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
    const options: https.RequestOptions = {
      host: '127.0.0.1',
      port: call.port,
      method: call.method,
      path: call.path,
      headers,
      agent: false,
      setHost: false,
    };
    if (call.scheme === 'https') {
      options.servername = call.servername;
      options.ca = call.ca;
      (options as https.RequestOptions & { ALPNProtocols?: string[] }).ALPNProtocols = ['http/1.1'];
    }
    const mod = call.scheme === 'https' ? https : http;
    const req = mod.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks), protocol: `HTTP/${res.httpVersion}` });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${call.timeoutMs ?? REQUEST_TIMEOUT_MS} ms`)), call.timeoutMs ?? REQUEST_TIMEOUT_MS);
    function fail(e: Error) {
      clearTimeout(timer);
      reject(e);
    }
    req.on('error', fail);
    req.end();
  });
}

function sendHttp2(call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const tls = call.protocol === 'h2';
    const session = tls
      ? http2.connect(`https://127.0.0.1:${call.port}`, { servername: call.servername, ca: call.ca, ALPNProtocols: ['h2'] })
      : http2.connect(`http://127.0.0.1:${call.port}`);
    let done = false;
    const finish = (err: Error | undefined, answer?: HttpAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.close();
      session.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${call.timeoutMs ?? REQUEST_TIMEOUT_MS} ms`)), call.timeoutMs ?? REQUEST_TIMEOUT_MS);
    session.on('error', (e) => finish(e));
    const headers: http2.OutgoingHttpHeaders = {
      ':method': call.method,
      ':path': call.path,
      ':scheme': tls ? 'https' : 'http',
      ':authority': call.host,
    };
    for (const [name, value] of call.headers) {
      const key = name.toLowerCase();
      const prev = headers[key];
      headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: true });
    } catch (e: any) {
      finish(e);
      return;
    }
    let status = 0;
    const pairs: Array<[string, string]> = [];
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      for (const [name, value] of Object.entries(h)) {
        if (name.startsWith(':') || value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, String(v)]);
      }
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => finish(undefined, { status, headers: pairs, body: Buffer.concat(chunks), protocol: 'HTTP/2' }));
    stream.on('error', (e) => finish(e));
    stream.on('close', () => {
      if (!done && status === 0) finish(new Error(`stream closed without a response (code ${stream.rstCode})`));
    });
  });
}

export interface GrpcCall {
  port: number;
  /** :authority; absent = the client's default. */
  authority?: string;
  service: string;
  method: string;
  metadata?: Record<string, string>;
  timeoutMs?: number;
}

export interface GrpcAnswer {
  code: number;
  details: string;
  response?: any;
}

/** One unary call with an empty EchoRequest over plaintext HTTP/2, on a fresh connection. */
export function callGrpc(call: GrpcCall): Promise<GrpcAnswer> {
  const def = grpcEchoService().Echo;
  const options: grpc.ChannelOptions = { 'grpc.enable_retries': 0 };
  if (call.authority) options['grpc.default_authority'] = call.authority;
  const client = new grpc.Client(`127.0.0.1:${call.port}`, grpc.credentials.createInsecure(), options);
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(call.metadata ?? {})) md.add(k.toLowerCase(), v);
  return new Promise<GrpcAnswer>((resolve) => {
    client.makeUnaryRequest(
      `/${call.service}/${call.method}`,
      def.requestSerialize,
      def.responseDeserialize,
      {},
      md,
      { deadline: Date.now() + (call.timeoutMs ?? REQUEST_TIMEOUT_MS) },
      (err: grpc.ServiceError | null, response?: any) => {
        client.close();
        if (err) resolve({ code: err.code, details: err.details });
        else resolve({ code: grpc.status.OK, details: '', response });
      },
    );
  });
}

export interface WsExchange {
  port: number;
  host: string;
  path: string;
  origin?: string;
  messages: Array<{ data: Buffer; binary: boolean }>;
  timeoutMs?: number;
}

/** Opens a WebSocket, sends each message in turn and collects one answer per message. */
export function exchangeWebSocket(x: WsExchange): Promise<Array<{ data: Buffer; binary: boolean }>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${x.port}${x.path}`, { headers: { Host: x.host }, origin: x.origin, handshakeTimeout: x.timeoutMs ?? REQUEST_TIMEOUT_MS });
    const got: Array<{ data: Buffer; binary: boolean }> = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.terminate();
      if (err) reject(err);
      else resolve(got);
    };
    const timer = setTimeout(() => finish(new Error(`WebSocket exchange incomplete after ${x.timeoutMs ?? REQUEST_TIMEOUT_MS} ms (${got.length} of ${x.messages.length} echoes)`)), x.timeoutMs ?? REQUEST_TIMEOUT_MS);
    const sendNext = () => {
      const m = x.messages[got.length];
      if (m) ws.send(m.binary ? m.data : m.data.toString('utf8'), { binary: m.binary });
      else finish();
    };
    ws.on('open', sendNext);
    ws.on('message', (data, binary) => {
      got.push({ data: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), binary });
      sendNext();
    });
    ws.on('unexpected-response', (_req, res) => finish(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`)));
    ws.on('error', (e) => finish(e));
    ws.on('close', () => finish(got.length < x.messages.length ? new Error(`WebSocket closed after ${got.length} of ${x.messages.length} echoes`) : undefined));
  });
}
