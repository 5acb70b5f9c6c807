/**
 * Prometheus metrics of the gateway, on a registry of its own (never prom-client's global default one).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'gateway' | 'route' | 'rule' | 'backend' | 'code'>;
  readonly duration: Histogram<'gateway' | 'route' | 'code'>;
  readonly upstreamErrors: Counter<'kind'>;
  readonly reloads: Counter<'result'>;
  readonly mirrors: Counter<'result'>;
  readonly retries: Counter<'gateway' | 'route'>;
  readonly inFlight: Gauge;
  private inFlightSource: () => number;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Requests answered, by Gateway, route, rule, backend and status code.',
      labelNames: ['gateway', 'route', 'rule', 'backend', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from the request head to the end of the response.',
      labelNames: ['gateway', 'route', 'code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'gateway_upstream_errors_total',
      help: 'Failures talking to backends (and gateway-side failures), by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.reloads = new Counter({
      name: 'gateway_config_reloads_total',
      help: 'Configuration reloads, by result (applied, rejected).',
      labelNames: ['result'],
      registers,
    });
    this.mirrors = new Counter({
      name: 'gateway_mirror_requests_total',
      help: 'Mirrored request copies, by result (sent, failed, dropped, skipped).',
      labelNames: ['result'],
      registers,
    });
    this.retries = new Counter({
      name: 'gateway_retries_total',
      help: 'Upstream attempts retried.',
      labelNames: ['gateway', 'route'],
      registers,
    });
    this.inFlightSource = () => 0;
    const metrics = this;
    this.inFlight = new Gauge({
      name: 'gateway_requests_in_flight',
      help: 'Requests (and upgraded connections) being handled.',
      registers,
      collect() {
        this.set(metrics.inFlightSource());
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Where `gateway_requests_in_flight` reads from at scrape time. */
  countInFlight(source: () => number): void {
    this.inFlightSource = source;
  }
}
