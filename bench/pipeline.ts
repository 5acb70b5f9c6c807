/* eslint-disable import/no-extraneous-dependencies */ // bench/ is not shipped; its tools are dev dependencies
/**
 * Microbenchmark of the gateway's HTTP/1.1 request pipeline without I/O: the lean server's parsing and
 * dispatch, the request-target policy, routing, filters, the backend choice, the upstream request head,
 * the backend's answer written back (the `LeanResponse` head and body), metrics and connection
 * bookkeeping: everything the gateway does per request between the system calls. The client socket is
 * an in-memory stand-in and the backend answers synchronously, so the figure is JavaScript (and llhttp)
 * time only: microseconds per request, by table size, for the request mix of the HTTP benchmark.
 *
 *   npx ts-node --transpile-only bench/pipeline.ts [--sizes 10,10000] [--ms 1000]
 *
 * What it leaves out is the system calls and the event loop: compare with the proxy CPU per request of
 * bench/run.ts to see how much of it is the pipeline.
 */
import { EventEmitter } from 'events';
import { BenchTable, GATEWAY, LISTENER_PORT, NAMESPACE, SERVICE_PORT, gatewayObjects, scaleTable } from './table';
import { parseDocuments } from '../src/dataplane/config/load';
import { pickBackend } from '../src/dataplane/engine/balancer';
import { compile } from '../src/dataplane/engine/compile';
import { route } from '../src/dataplane/engine/router';
import { noAccessLog } from '../src/dataplane/proxy/access-log';
import { H1Sink } from '../src/dataplane/proxy/fast-h1';
import { LeanServer } from '../src/dataplane/proxy/h1-lean';
import { ProxyHandler } from '../src/dataplane/proxy/handler';
import { DEFAULT_LIMITS } from '../src/dataplane/proxy/limits';
import { GatewayMetrics } from '../src/dataplane/proxy/metrics';

/** An in-memory client socket: what the lean server calls on a net.Socket. */
class MemorySocket extends EventEmitter {
  readonly remoteAddress = '127.0.0.1';
  writableNeedDrain = false;
  destroyed = false;
  written = 0;
  setNoDelay(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  write(chunk: string | Buffer): boolean {
    this.written += chunk.length;
    return true;
  }
  end(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

const ANSWER_HEAD = ['Content-Type', 'text/plain', 'Content-Length', '20', 'X-Backend', 'svc-a', 'Date', 'Thu, 26 Nov 2026 10:00:00 GMT',
  'Connection', 'keep-alive', 'Keep-Alive', 'timeout=60'];
const ANSWER_BODY = Buffer.from('svc-a /api/v1/tasks\n');

function measure(table: BenchTable, ms: number): { usPerRequest: number; requests: number } {
  const yaml = gatewayObjects(table).map((o) => JSON.stringify(o)).join('\n---\n');
  const backends = new Map(table.services.map((s) => [`${NAMESPACE}/${s}:${SERVICE_PORT}`, [{ host: '127.0.0.1', port: 1 }]]));
  const compiled = compile(parseDocuments(yaml, 'bench.yaml'), { backends });
  let sent = 0;
  const pools = {
    h1: {
      send(_key: string, _host: string, _port: number, head: string, sink: H1Sink) {
        sent += head.length;
        sink.head(200, ANSWER_HEAD);
        sink.data(ANSWER_BODY);
        sink.flush?.();
        sink.end(undefined);
        return { abort: () => undefined, resume: () => undefined };
      },
    },
  };
  const handler = new ProxyHandler({
    table: () => compiled,
    engine: { route, pickBackend },
    pools: pools as any,
    mirror: undefined as any,
    metrics: new GatewayMetrics(),
    accessLog: noAccessLog,
    random: Math.random,
  });
  const binding = { gateway: `${NAMESPACE}/${GATEWAY}`, port: LISTENER_PORT, tls: false };
  const lean = new LeanServer({
    limits: DEFAULT_LIMITS,
    request: (req, res) => handler.handle(binding, req as any, res as any),
    handOver: () => {
      throw new Error('a request of the mix was handed over to Node\'s server');
    },
  }, 60_000);
  const socket = new MemorySocket();
  lean.serve(socket as any, Buffer.alloc(0));
  const chunks = table.requests.map((r) => Buffer.from(`GET ${r.target} HTTP/1.1\r\nHost: ${r.host}\r\nUser-Agent: bench\r\n${
    Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`, 'latin1'));
  const run = (n: number) => {
    for (let i = 0; i < n; i++) socket.emit('data', chunks[i % chunks.length]);
  };
  run(20_000); // warm-up: optimized code, metric series created
  let requests = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    run(1_000);
    requests += 1_000;
  }
  const elapsed = performance.now() - t0;
  lean.close();
  if (handler.inFlight !== 0 || socket.destroyed || sent === 0) throw new Error('the pipeline did not answer every request');
  return { usPerRequest: (elapsed * 1000) / requests, requests };
}

function main(): void {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  const sizes = arg('--sizes', '10,10000').split(',').map(Number).filter((n) => n > 0);
  const ms = Number(arg('--ms', '1000'));
  console.log('| rules | µs / request | requests |');
  console.log('| ---: | ---: | ---: |');
  for (const n of sizes) {
    const r = measure(scaleTable(n), ms);
    console.log(`| ${n.toLocaleString('en-US')} | ${r.usPerRequest.toFixed(2)} | ${r.requests.toLocaleString('en-US')} |`);
  }
}

main();
