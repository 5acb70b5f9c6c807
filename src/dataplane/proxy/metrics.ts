/**
 * Prometheus metrics of the gateway, on a registry of its own (never prom-client's global default one).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The map under `key`, created empty when missing. */
function sub<K, V extends Map<unknown, unknown>>(map: Map<K, V>, key: K): V {
  let v = map.get(key);
  if (v === undefined) {
    v = new Map() as V;
    map.set(key, v);
  }
  return v;
}

/** One (gateway, route, rule, backend, code) series of the request metrics. */
interface RequestSeries {
  readonly labels: { readonly gateway: string; readonly route: string; readonly rule: string; readonly backend: string; readonly code: string };
  /** Requests counted since the last scrape (published to the Counter then). */
  pending: number;
  /** Requests per bucket of DURATION_BUCKETS (not cumulative), then those above the last bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** One sample of a metric as prom-client's registry formats it. */
interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * `gateway_request_duration_seconds`, the shape prom-client's Histogram exposes, counted per series in
 * plain arrays: a request costs an array increment, not a label hash (a profile showed prom-client's
 * per-call label hashing among the gateway's costliest functions).
 */
class DurationHistogram {
  readonly name = 'gateway_request_duration_seconds';
  readonly help = 'Time from the request head to the end of the response.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly series: () => Iterable<RequestSeries>) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    // Series of the same (gateway, route, code) but other rules or backends add up.
    const merged = new Map<string, { labels: Record<string, string>; buckets: number[]; sum: number; count: number }>();
    for (const s of this.series()) {
      const key = `${s.labels.gateway}\u0000${s.labels.route}\u0000${s.labels.code}`;
      let m = merged.get(key);
      if (!m) {
        const labels = { gateway: s.labels.gateway, route: s.labels.route, code: s.labels.code };
        m = { labels, buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
        merged.set(key, m);
      }
      for (let i = 0; i < DURATION_BUCKETS.length; i++) m.buckets[i] += s.buckets[i];
      m.sum += s.sum;
      m.count += s.count;
    }
    const values: Sample[] = [];
    for (const m of merged.values()) {
      let cumulative = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        cumulative += m.buckets[i];
        values.push({ labels: { ...m.labels, le: DURATION_BUCKETS[i] }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { ...m.labels, le: '+Inf' }, value: m.count, metricName: `${this.name}_bucket` });
      values.push({ labels: m.labels, value: m.sum, metricName: `${this.name}_sum` });
      values.push({ labels: m.labels, value: m.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    // The series belong to GatewayMetrics; a registry reset does not clear them.
  }
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'gateway' | 'route' | 'rule' | 'backend' | 'code'>;
  readonly upstreamErrors: Counter<'kind'>;
  readonly reloads: Counter<'result'>;
  readonly mirrors: Counter<'result'>;
  readonly retries: Counter<'gateway' | 'route'>;
  readonly tlsConnections: Counter<'gateway' | 'route' | 'backend' | 'result'>;
  readonly inFlight: Gauge;
  private inFlightSource: () => number;
  private readonly requestSeries = new Map<string, Map<string, Map<string, Map<string, Map<number, RequestSeries>>>>>();
  private readonly allSeries: RequestSeries[] = [];

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const series = this.allSeries;
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Requests answered, by Gateway, route, rule, backend and status code.',
      labelNames: ['gateway', 'route', 'rule', 'backend', 'code'],
      registers,
      collect() {
        for (const s of series) {
          if (s.pending === 0) continue;
          this.inc(s.labels, s.pending);
          s.pending = 0;
        }
      },
    });
    this.registry.registerMetric(new DurationHistogram(() => series) as any);
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
    this.tlsConnections = new Counter({
      name: 'gateway_tls_connections_total',
      help: 'Connections of TLS listeners (TLSRoute), by Gateway, route, backend and result (forwarded, refused, no-backend, upstream-failed).',
      labelNames: ['gateway', 'route', 'backend', 'result'],
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

  /** Counts one answered request in `gateway_requests_total` and `gateway_request_duration_seconds`. */
  recordRequest(gateway: string, route: string, rule: string, backend: string, status: number, seconds: number): void {
    // Nested maps keyed by the (cached) label strings and the status: no key is built per request.
    const byStatus = sub(sub(sub(sub(this.requestSeries, gateway), route), rule), backend);
    let s = byStatus.get(status);
    if (!s) {
      s = { labels: { gateway, route, rule, backend, code: String(status) }, pending: 0, buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      byStatus.set(status, s);
      this.allSeries.push(s);
      this.requests.inc(s.labels, 0); // the series exists from its first request on
    }
    s.pending++;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    if (i < DURATION_BUCKETS.length) s.buckets[i]++;
    s.sum += seconds;
    s.count++;
  }

  /** Where `gateway_requests_in_flight` reads from at scrape time. */
  countInFlight(source: () => number): void {
    this.inFlightSource = source;
  }
}
