/**
 * The floor of the HTTP/1.1 benchmark: the gateway's two halves, Node's `http` server and the upstream
 * pools (`UpstreamPools.dispatch`: undici), joined with nothing between them: no route table,
 * request-target policy, filters, metrics, limits or connection tracking; each request goes to the next
 * backend in turn, with hop-by-hop headers left out and X-Forwarded-* set as the gateway does. What Node
 * and undici cost per proxied request on that path; the gateway's CPU per request above it is what the
 * gateway's own pipeline costs. It does not route by the table, so it is not checked against it.
 *
 *   node floor.js CONFIG.json     CONFIG: {"ports": {"svc-a": PORT, ...}, "listen": PORT, "client"?: "undici" | "node",
 *                                          "server"?: "node" | "llhttp"}; prints "ready"
 *
 * `"client": "node"` replaces undici with Node's own client (`http.request` through a keep-alive `http.Agent` per
 * backend, as the gateway's general path used before undici): the candidate the upstream choice was measured against.
 * `"server": "llhttp"` replaces Node's `http` server with bench/llhttp-server.ts (llhttp's WebAssembly from undici in
 * request mode on `net` sockets), with undici behind it: the client-side candidate measured against Node's server.
 */
import * as fs from 'fs';
import * as http from 'http';
import { createLlhttpServer } from './llhttp-server';
import { rawHeaderList, setForwarded, stripHopByHop, stripHopByHopHead, toOutgoing } from '../src/dataplane/proxy/headers';
import { Endpoint, H1Sink, ResponseHead, UpstreamPools } from '../src/dataplane/proxy/upstream';

interface FloorConfig {
  readonly ports: Record<string, number>;
  readonly listen: number;
  readonly client?: 'undici' | 'node';
  readonly server?: 'node' | 'llhttp';
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
