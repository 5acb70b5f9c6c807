/**
 * The floor of the HTTP/1.1 benchmark: the gateway's two halves, Node's `http` server and the upstream
 * pools (`UpstreamPools.dispatch`: undici), joined with nothing between them: no route table,
 * request-target policy, filters, metrics, limits or connection tracking; each request goes to the next
 * backend in turn, with hop-by-hop headers left out and X-Forwarded-* set as the gateway does. What Node
 * and undici cost per proxied request on that path; the gateway's CPU per request above it is what the
 * gateway's own pipeline costs. It does not route by the table, so it is not checked against it.
 *
 *   node floor.js CONFIG.json     CONFIG: {"ports": {"svc-a": PORT, ...}, "listen": PORT, "client"?: "undici" | "node",
 *                                          "server"?: "node" | "llhttp" | "h2" | "h2-core"}; prints "ready"
 *
 * `"client": "node"` replaces undici with Node's own client (`http.request` through a keep-alive `http.Agent` per
 * backend, as the gateway's general path used before undici): the candidate the upstream choice was measured against.
 * `"server": "llhttp"` replaces Node's `http` server with bench/llhttp-server.ts (llhttp's WebAssembly from undici in
 * request mode on `net` sockets), with undici behind it: the client-side candidate measured against Node's server.
 *
 * The gRPC floors: `"server": "h2"` is Node's cleartext HTTP/2 server with its compatibility API (as the gateway's
 * listeners are), each stream relayed to an HTTP/2 backend stream opened by `UpstreamPools.openH2`, DATA and trailers
 * passed on as they come; `"server": "h2-core"` the same on Node's core API (`'stream'` events, no request and
 * response objects). What Node's `http2` costs on both sides of a proxied call, below any pipeline.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import { createLlhttpServer } from './llhttp-server';
import { rawHeaderList, setForwarded, stripHopByHop, stripHopByHopHead, toOutgoing } from '../src/dataplane/proxy/headers';
import { Endpoint, H1Sink, ResponseHead, UpstreamPools } from '../src/dataplane/proxy/upstream';

interface FloorConfig {
  readonly ports: Record<string, number>;
  readonly listen: number;
  readonly client?: 'undici' | 'node';
  readonly server?: 'node' | 'llhttp' | 'h2' | 'h2-core';
}

/**
 * The HTTP/2 floor: each client stream relayed to a stream of the next backend's session. `core`: the server's
 * `'stream'` events, else its compatibility API's request and response (trailers given through addTrailers).
 */
function h2Floor(endpoints: readonly Endpoint[], pools: UpstreamPools, core: boolean): http2.Http2Server {
  let next = 0;
  const relay = (client: http2.ServerHttp2Stream, fields: http2.IncomingHttpHeaders, rawHeaders: string[], res?: http2.Http2ServerResponse) => {
    const ep = endpoints[next++ % endpoints.length];
    const authority = String(fields[':authority'] ?? '');
    const headers = setForwarded(stripHopByHop(rawHeaderList(rawHeaders), { keepTeTrailers: true }), { clientAddress: client.session?.socket?.remoteAddress, proto: 'http', host: authority });
    const up = pools.openH2(ep, { method: String(fields[':method']), path: String(fields[':path']), authority, headers }, client.endAfterHeaders);
    let trailers: http2.IncomingHttpHeaders | undefined;
    up.on('response', (head, flags) => {
      // eslint-disable-next-line no-bitwise
      const end = up.endAfterHeaders || (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      client.respond(stripHopByHopHead(head as ResponseHead) as http2.OutgoingHttpHeaders, end ? { endStream: true } : { waitForTrailers: true });
    });
    up.on('trailers', (t) => {
      trailers = t;
    });
    up.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) up.pause();
    });
    client.on('drain', () => up.resume());
    up.on('end', () => {
      if (client.destroyed || client.writableEnded) return;
      if (res && trailers) res.addTrailers(stripHopByHopHead(trailers as ResponseHead) as http2.OutgoingHttpHeaders);
      client.end();
    });
    if (core) client.on('wantTrailers', () => client.sendTrailers(stripHopByHopHead((trailers ?? {}) as ResponseHead) as http2.OutgoingHttpHeaders));
    up.on('error', () => client.destroy(new Error('upstream failed')));
    client.on('error', () => up.destroy());
    client.on('close', () => up.destroy());
    if (!client.endAfterHeaders) {
      client.on('data', (chunk: Buffer) => {
        if (!up.write(chunk)) client.pause();
      });
      client.on('end', () => up.end());
      up.on('drain', () => client.resume());
    }
  };
  if (core) {
    const server = http2.createServer();
    server.on('stream', (stream, fields, _flags, rawHeaders) => relay(stream, fields, rawHeaders));
    return server;
  }
  return http2.createServer((req, res) => relay(res.stream, req.headers, req.rawHeaders, res));
}

/** The floor with the llhttp server in front of undici: the same forwarding as Node's server below. */
function llhttpFloor(endpoints: readonly Endpoint[], pools: UpstreamPools) {
  let next = 0;
  return createLlhttpServer((req, res) => {
    const ep = endpoints[next++ % endpoints.length];
    const headers = setForwarded(stripHopByHop(rawHeaderList(req.rawHeaders)), { clientAddress: req.remoteAddress, proto: 'http', host: req.host });
    const sink: H1Sink = {
      head: (status: number, h: ResponseHead) => res.writeHead(status, stripHopByHopHead(h)),
      data: (chunk: Buffer) => {
        if (res.write(chunk)) return true;
        res.onDrain(() => exchange.resume());
        return false;
      },
      end: () => res.end(),
      error: () => res.destroy(),
    };
    const exchange = pools.dispatch(ep, { method: req.method, path: req.url, authority: req.host, headers, body: req.body }, sink);
    res.onAbort(() => exchange.abort());
  });
}

function main(configFile: string): void {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as FloorConfig;
  const endpoints = Object.values(config.ports).map((port) => ({ host: '127.0.0.1', port }));
  const pools = new UpstreamPools();
  if (config.server === 'h2' || config.server === 'h2-core') {
    h2Floor(endpoints, pools, config.server === 'h2-core').listen(config.listen, '127.0.0.1', () => process.stdout.write('ready\n'));
    stopOnSignal();
    return;
  }
  if (config.server === 'llhttp') {
    llhttpFloor(endpoints, pools).listen(config.listen, '127.0.0.1', () => process.stdout.write('ready\n'));
    stopOnSignal();
    return;
  }
  const agents = endpoints.map(() => new http.Agent({ keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo' }));
  let next = 0;
  const server = http.createServer((req, res) => {
    const n = next++ % endpoints.length;
    const ep = endpoints[n];
    const host = req.headers.host ?? '';
    const headers = setForwarded(stripHopByHop(rawHeaderList(req.rawHeaders)), { clientAddress: req.socket.remoteAddress, proto: 'http', host });
    if (config.client === 'node') {
      const up = http.request({
        host: ep.host, port: ep.port, method: req.method, path: req.url, headers: { ...toOutgoing(headers), host }, agent: agents[n], setHost: false,
      });
      up.on('response', (r) => {
        res.writeHead(r.statusCode ?? 502, stripHopByHopHead(r.headers as ResponseHead) as http.OutgoingHttpHeaders);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      res.once('close', () => {
        if (!res.writableEnded) up.destroy();
      });
      up.end();
      return;
    }
    const sink: H1Sink = {
      head: (status: number, h: ResponseHead) => void res.writeHead(status, stripHopByHopHead(h) as http.OutgoingHttpHeaders),
      data: (chunk: Buffer) => res.write(chunk),
      end: () => void res.end(),
      error: () => res.destroy(),
    };
    const exchange = pools.dispatch(ep, { method: req.method ?? 'GET', path: req.url ?? '/', authority: host, headers, body: undefined }, sink);
    res.once('close', () => {
      if (!res.writableEnded) exchange.abort();
    });
  });
  server.listen(config.listen, '127.0.0.1', () => process.stdout.write('ready\n'));
  stopOnSignal();
}

function stopOnSignal(): void {
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv[2]);
