import { GatewayMetrics } from '../../../src/dataplane/proxy/metrics';

/** The exposition lines of one metric family (no HELP/TYPE). */
async function lines(metrics: GatewayMetrics, family: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(family) && !l.startsWith('#'));
}

describe('request metrics', () => {
  test('requests are counted per (gateway, route, rule, backend, code) and published at scrape time', async () => {
    // GIVEN
    const m = new GatewayMetrics();
    // WHEN
    m.recordRequest('infra/gw', 'apps/web', '0', 'apps/v1:8080', 200, 0.002);
    m.recordRequest('infra/gw', 'apps/web', '0', 'apps/v1:8080', 200, 0.002);
    m.recordRequest('infra/gw', 'apps/web', '1', 'apps/v2:8080', 503, 0.02);
    // THEN
    expect(await lines(m, 'gateway_requests_total')).toStrictEqual([
      'gateway_requests_total{gateway="infra/gw",route="apps/web",rule="0",backend="apps/v1:8080",code="200"} 2',
      'gateway_requests_total{gateway="infra/gw",route="apps/web",rule="1",backend="apps/v2:8080",code="503"} 1',
    ]);
    // a second scrape does not count them again
    m.recordRequest('infra/gw', 'apps/web', '0', 'apps/v1:8080', 200, 0.002);
    expect((await lines(m, 'gateway_requests_total'))[0]).toBe('gateway_requests_total{gateway="infra/gw",route="apps/web",rule="0",backend="apps/v1:8080",code="200"} 3');
  });

  test('durations fill cumulative buckets (le inclusive) per (gateway, route, code), rules and backends added up', async () => {
    // GIVEN
    const m = new GatewayMetrics();
    // WHEN
    m.recordRequest('infra/gw', 'apps/web', '0', 'apps/v1:8080', 200, 0.001); // on the bound: le="0.001"
    m.recordRequest('infra/gw', 'apps/web', '1', 'apps/v2:8080', 200, 0.3);
    m.recordRequest('infra/gw', 'apps/web', '0', 'apps/v1:8080', 200, 45); // above the last bound
    // THEN
    const got = await lines(m, 'gateway_request_duration_seconds');
    const bucket = (le: string) => got.find((l) => l.includes(`le="${le}"`))?.split(' ')[1];
    expect([bucket('0.001'), bucket('0.005'), bucket('0.25'), bucket('0.5'), bucket('30'), bucket('+Inf')]).toStrictEqual(['1', '1', '1', '2', '2', '3']);
    expect(got.filter((l) => l.startsWith('gateway_request_duration_seconds_count'))).toStrictEqual([
      'gateway_request_duration_seconds_count{gateway="infra/gw",route="apps/web",code="200"} 3',
    ]);
    const sum = got.find((l) => l.startsWith('gateway_request_duration_seconds_sum{gateway="infra/gw",route="apps/web",code="200"} '));
    expect(Number(sum?.split(' ')[1])).toBeCloseTo(45.301, 9);
    expect(got).toHaveLength(DURATION_LINES);
  });
});

/** 13 bounds + +Inf + sum + count. */
const DURATION_LINES = 16;
