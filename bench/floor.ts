/**
 * The floor of the HTTP/1.1 benchmark: the gateway's two lean halves, the lean server (h1-lean.ts) and
 * the lean client (fast-h1.ts), joined with nothing between them: no route table, request-target
 * policy, filters, metrics, limits or connection tracking; each request goes to the next backend in turn,
 * its head written by the same `requestHeadFromRaw` (hop-by-hop headers left out, X-Forwarded-* set).
 * What Node itself costs per proxied request on that path; the gateway's CPU per request above it is
 * what the gateway's own pipeline costs. It does not route by the table, so it is not checked against it.
 *
 *   node floor.js CONFIG.json     CONFIG: {"ports": {"svc-a": PORT, ...}, "listen": PORT}; prints "ready"
 */
import * as fs from 'fs';
import * as net from 'net';
import { H1Pool, H1Sink, requestHeadFromRaw } from '../src/dataplane/proxy/fast-h1';
import { LeanRequest, LeanResponse, LeanServer } from '../src/dataplane/proxy/h1-lean';
import { DEFAULT_LIMITS } from '../src/dataplane/proxy/limits';

function main(configFile: string): void {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { ports: Record<string, number>; listen: number };
  const ports = Object.values(config.ports);
  const keys = ports.map((p) => `127.0.0.1:${p}`);
  const pool = new H1Pool();
  let next = 0;
  const request = (req: LeanRequest, res: LeanResponse): void => {
    const i = next++ % ports.length;
    const host = req.headers.host ?? '';
    const head = requestHeadFromRaw(req.method, req.url, host, req.rawHeaders, { clientAddress: req.socket.remoteAddress, proto: 'http', host }, false);
    res.flushedByWriter = true;
    const sink: H1Sink = {
      head: (status, raw) => void res.writeUpstreamHead(status, raw),
      data: (chunk) => res.write(chunk),
      end: () => void res.end(),
      error: () => res.destroy(),
      flush: () => res.uncork(),
    };
    const exchange = pool.send(keys[i], '127.0.0.1', ports[i], head, sink, req.method === 'HEAD');
    res.once('close', () => {
      if (!res.writableEnded) exchange.abort();
    });
  };
  // Requests the lean server would hand over to Node's server (none in the benchmark's mix) are refused.
  const lean = new LeanServer({ limits: DEFAULT_LIMITS, request, handOver: (socket) => socket.destroy() }, 1_000);
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy()); // as the gateway's listener: a reset client is only closed
    lean.serve(socket, Buffer.alloc(0));
  });
  server.listen(config.listen, '127.0.0.1', () => process.stdout.write('ready\n'));
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv[2]);
