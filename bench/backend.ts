/* eslint-disable import/no-extraneous-dependencies, no-bitwise */ // bench/ is not shipped; its tools are dev dependencies
/**
 * The benchmark's echo backends: one process serving every Service of the table, one 127.0.0.1 port
 * per Service (HTTP/1.1 keep-alive). Each answer is small: status 200, `x-backend: <service>` and a
 * one-line body naming the Service and the request-target, so the harness can check who answered.
 *
 *   node backend.js svc-a svc-b ...     prints {"svc-a": PORT, ...} on one line, serves until SIGTERM
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

async function main(names: readonly string[]): Promise<void> {
  const ports: Record<string, number> = {};
  const servers: http.Server[] = [];
  for (const name of names) {
    const server = http.createServer((req, res) => {
      const body = `${name} ${req.url}\n`;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-backend': name });
      res.end(body);
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[name] = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  process.stdout.write(`${JSON.stringify(ports)}\n`);
  const stop = () => {
    for (const s of servers) s.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main(process.argv.slice(2));
