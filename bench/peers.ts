/* eslint-disable import/no-extraneous-dependencies, no-bitwise */ // bench/ is not shipped; its tools are dev dependencies
/**
 * The Node peers the gateway is compared with, routing by the same table (bench/table.ts `peerRouter`):
 *
 *   node peers.js fastify CONFIG.json      fastify + @fastify/reply-from (undici upstream pool)
 *   node peers.js http-proxy CONFIG.json   http-proxy on node:http with a keep-alive agent
 *
 * CONFIG: { "table": N, "ports": { service: port }, "listen": port }. Prints `ready` when listening;
 * a request no rule matches gets 404.
 */
import * as fs from 'fs';
import * as http from 'http';
import { scaleTable, peerRouter } from './table';

interface PeerConfig {
  readonly table: number;
  readonly ports: Record<string, number>;
  readonly listen: number;
}

function split(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}

async function runFastify(config: PeerConfig): Promise<void> {
  const fastify = (await import('fastify')).default;
  const replyFrom = (await import('@fastify/reply-from')).default;
  const route = peerRouter(scaleTable(config.table), new Map(Object.entries(config.ports)));
  const app = fastify({ logger: false });
  await app.register(replyFrom, { undici: { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 } } as any);
  app.all('/*', (req, reply) => {
    const [path, query] = split(req.url);
    const port = route(req.headers.host ?? '', path, query, req.headers);
    if (port === undefined) return reply.code(404).send('no route\n');
    return reply.from(`http://127.0.0.1:${port}${req.url}`);
  });
  await app.listen({ port: config.listen, host: '127.0.0.1' });
}

async function runHttpProxy(config: PeerConfig): Promise<void> {
  const httpProxy = (await import('http-proxy')).default;
  const route = peerRouter(scaleTable(config.table), new Map(Object.entries(config.ports)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
  const proxy = httpProxy.createProxyServer({ agent, xfwd: true });
  proxy.on('error', (_err, _req, res) => {
    const r = res as http.ServerResponse;
    if (!r.headersSent) r.writeHead(502);
    r.end();
  });
  const server = http.createServer((req, res) => {
    const [path, query] = split(req.url ?? '/');
    const port = route(req.headers.host ?? '', path, query, req.headers);
    if (port === undefined) {
      res.writeHead(404);
      res.end('no route\n');
      return;
    }
    proxy.web(req, res, { target: `http://127.0.0.1:${port}` });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(config.listen, '127.0.0.1', resolve));
}

async function main(argv: readonly string[]): Promise<void> {
  const [kind, file] = argv;
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as PeerConfig;
  if (kind === 'fastify') await runFastify(config);
  else if (kind === 'http-proxy') await runHttpProxy(config);
  else throw new Error(`unknown peer ${kind}`);
  process.stdout.write('ready\n');
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`peer: ${err?.stack ?? err}\n`);
  process.exit(1);
});
