/**
 * `serve --workers N`: N gateway processes (node:cluster) sharing the listener sockets, each loading, watching and
 * reloading the same input. The primary process serves no traffic: it starts the workers (a new one when one dies
 * after it was ready), serves the admin listener once (`/readyz` ready when every worker is; `/metrics` summed over the
 * workers with prom-client's AggregatorRegistry), and on SIGTERM/SIGINT asks every worker to drain and exits when they
 * all have. A worker that fails to start (bad input, a port taken) stops the whole group with exit code 1.
 */
import cluster from 'cluster';
import * as os from 'os';
import { AggregatorRegistry, Registry } from 'prom-client';
import { withGatewayNodeFlags } from './memory';
import { AdminServer, startAdmin } from './proxy/admin';
import type { Logger } from './proxy/log';
import type { HostPort } from './serve';

/** Worker -> primary: the worker's listeners are bound and its table loaded. */
export const WORKER_READY = 'cdk8s-gateway:ready';
/** Primary -> worker: drain and exit (as on SIGTERM). */
export const WORKER_DRAIN = 'cdk8s-gateway:drain';

/** `auto` = one worker per CPU the process may use. */
export function workerCount(value: number | 'auto'): number {
  return value === 'auto' ? os.availableParallelism() : value;
}

/** In a worker: report metrics of `registry` to the primary's AggregatorRegistry. */
export function reportMetricsToPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs the worker's answer to the primary's metric requests.
  new AggregatorRegistry();
}

function configNotServed(): Promise<never> {
  const err = new Error('/config is not served with --workers (each worker holds its own table): use cdk8s-gateway explain, or a gateway without --workers');
  return Promise.reject(Object.assign(err, { status: 404 }));
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly admin: HostPort;
  /** `--admin-config` was given: /config says why the primary does not serve it. */
  readonly adminConfig?: boolean;
  readonly log: Logger;
  /** Delay before a worker that died is replaced. Default 1 s. */
  readonly restartDelayMs?: number;
}

/** Runs the primary; resolves with the exit code after SIGTERM/SIGINT (0) or a worker that failed to start (1). */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { log } = options;
  const ready = new Set<number>();
  const everReady = new Set<number>();
  let stopping = false;
  let admin: AdminServer | undefined;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const stopAll = async (code: number) => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send({ type: WORKER_DRAIN });
    await Promise.all(Object.values(cluster.workers ?? {}).map((w) => new Promise<void>((resolve) => {
      if (!w || w.isDead()) resolve();
      else w.once('exit', () => resolve());
    })));
    await admin?.close();
    finish(code);
  };

  cluster.on('message', (worker, message: { type?: string }) => {
    if (message?.type !== WORKER_READY) return;
    ready.add(worker.id);
    everReady.add(worker.id);
    log('info', 'worker ready', { worker: worker.id, pid: worker.process.pid, ready: ready.size, workers: options.workers });
  });
  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id);
    if (stopping) return;
    if (!everReady.has(worker.id)) {
      log('error', 'worker failed to start: stopping every worker', { worker: worker.id, code, signal });
      void stopAll(1);
      return;
    }
    log('error', 'worker exited: starting another', { worker: worker.id, pid: worker.process.pid, code, signal });
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, options.restartDelayMs ?? 1_000).unref();
  });

  const aggregator = new AggregatorRegistry();
  try {
    admin = await startAdmin(options.admin.host, options.admin.port, {
      metrics: { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType },
      ready: () => !stopping && ready.size === options.workers,
      ...(options.adminConfig ? { config: configNotServed } : {}),
    });
  } catch (err: any) {
    log('error', `cannot listen on ${options.admin.host}:${options.admin.port} for the admin listener: ${err.code ?? err.message}`);
    return 1;
  }
  log('info', 'admin listening', { address: admin.address, port: admin.port, workers: options.workers });
  // The workers serve the traffic: they run with the gateway's V8 flags even when this process was started without.
  cluster.setupPrimary({ execArgv: withGatewayNodeFlags(process.execArgv) });
  for (let i = 0; i < options.workers; i++) cluster.fork();

  let signals = 0;
  const onSignal = (signal: string) => {
    if (++signals > 1) {
      log('warn', 'second signal: stopping the workers without waiting for requests in flight', { signal });
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }
    log('info', 'draining', { signal, workers: options.workers });
    void stopAll(0);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const code = await finished;
  log('info', 'stopped');
  return code;
}
