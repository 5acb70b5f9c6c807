/**
 * Memory soak: the gateway (bundled as in the image, its own process) serves N requests (default
 * 1,000,000) of a mix that goes through most code paths, and its resident memory is sampled as it goes.
 *
 *   npx ts-node --transpile-only bench/reliability/soak.ts [REQUESTS]
 *
 * Mix (by request number): 70% proxied HTTP/1.1 keep-alive and HTTP/2 (24 connections, 2 sessions of
 * 16 streams), 8% mirrored to a second backend, 6% 404, 6% 400 (path policy), 5% 503 (refused backend),
 * 5% a header-modifier route; one reload (a changed file) every 100,000 requests.
 * Goal: resident memory flat after the warm-up (the first 10%): the mean of the last fifth of the
 * samples within 10% of the mean of the first fifth; every answer as expected.
 * Prints a Markdown summary.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { NS, bundleGateway, closedAddress, echoBackend, gatewayDoc, mb, routeDoc, runGateway } from './common';
import { percentile, startLoad } from '../../test/reliability/load';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1_000_000);
  const bundle = bundleGateway();
  const a = await echoBackend('a');
  const b = await echoBackend('b');
  const docs = (generation: number) => [
    gatewayDoc(),
    routeDoc('ok', [{ matches: [{ path: { type: 'PathPrefix', value: '/ok' } }], backendRefs: [{ name: 'a', port: 8080 }] }]),
    routeDoc('mirror', [{
      matches: [{ path: { type: 'PathPrefix', value: '/mirror' } }],
      backendRefs: [{ name: 'a', port: 8080 }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'b', port: 8080 } } }],
    }]),
    routeDoc('refused', [{ matches: [{ path: { type: 'PathPrefix', value: '/refused' } }], backendRefs: [{ name: 'dead', port: 8080 }] }]),
    routeDoc('modified', [{
      matches: [{ path: { type: 'RegularExpression', value: '/mod/[0-9]+' } }],
      backendRefs: [{ name: 'b', port: 8080 }],
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-generation', value: String(generation) }] } }],
    }]),
  ];
  const backends = { [`${NS}/a:8080`]: a.address, [`${NS}/b:8080`]: b.address, [`${NS}/dead:8080`]: await closedAddress() };
  const gw = await runGateway(bundle, docs(0), backends);
  const routesFile = path.join(gw.dir, 'routes.yaml');
  const pathOf = (id: number): string => {
    const k = id % 100;
    if (k < 70) return `/ok/${id}?q=${k}`;
    if (k < 78) return `/mirror/${id}`;
    if (k < 84) return `/missing/${id}`;
    if (k < 90) return `/ok%2F${id}`;
    if (k < 95) return `/refused/${id}`;
    return `/mod/${id}`;
  };
  const expected = (id: number): number => {
    const k = id % 100;
    return k < 78 || k >= 95 ? 200 : k < 84 ? 404 : k < 90 ? 400 : 503;
  };
  const wrong: string[] = [];
  const tally = new Map<number, number>();
  const started = Date.now();
  const load = startLoad({
    port: gw.port,
    connections: 24,
    h2Sessions: 2,
    streamsPerSession: 16,
    path: pathOf,
    onAnswer: (id, status) => {
      tally.set(status, (tally.get(status) ?? 0) + 1);
      if (status !== expected(id) && wrong.length < 20) wrong.push(`${pathOf(id)} -> ${status}`);
    },
  });
  const samples: { requests: number; rss: number; heap: number; seconds: number }[] = [];
  const step = Math.max(5_000, Math.round(total / 100));
  let nextSample = step;
  let nextReload = 100_000;
  let reloads = 0;
  while (load.sent < total) {
    await new Promise((r) => setTimeout(r, 200));
    if (load.sent >= nextSample) {
      samples.push({ requests: load.sent, rss: gw.rss(), heap: await gw.metric('nodejs_heap_size_used_bytes'), seconds: (Date.now() - started) / 1000 });
      nextSample += step;
    }
    if (load.sent >= nextReload) {
      reloads++;
      fs.writeFileSync(routesFile, docs(reloads).map((d) => YAML.stringify(d)).join('---\n'));
      nextReload += 100_000;
    }
  }
  const result = await load.stop();
  const seconds = (Date.now() - started) / 1000;
  samples.push({ requests: result.sent, rss: gw.rss(), heap: await gw.metric('nodejs_heap_size_used_bytes'), seconds });
  const appliedSample = await gw.metric('gateway_config_reloads_total', 'result="applied"');
  const applied = Number.isNaN(appliedSample) ? 0 : appliedSample;
  const code = await gw.stop();
  await a.close();
  await b.close();

  // Warm-up: the first 10% of the requests. Flat: the mean RSS of the last fifth of the samples after
  // the warm-up within 10% of the mean of the first fifth (single samples swing with garbage collection).
  const after = samples.filter((x) => x.requests >= total * 0.1);
  const fifth = Math.max(1, Math.floor(after.length / 5));
  const mean = (xs: typeof samples, key: 'rss' | 'heap') => xs.reduce((sum, x) => sum + x[key], 0) / xs.length;
  const early = mean(after.slice(0, fifth), 'rss');
  const late = mean(after.slice(-fifth), 'rss');
  const maxRss = Math.max(...after.map((x) => x.rss));
  const minRss = Math.min(...after.map((x) => x.rss));
  const growth = (late - early) / early;
  const warm = after[0] ?? samples[0];
  const lines = [
    `requests: ${result.sent.toLocaleString('en-US')} in ${seconds.toFixed(0)} s (${Math.round(result.sent / seconds)} req/s), reloads applied: ${applied}, exit code ${code}`,
    `statuses: ${[...tally.entries()].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}: ${n}`).join(', ')}; answers not as expected: ${wrong.length}${wrong.length ? ` (${wrong.slice(0, 5).join('; ')})` : ''}`,
    `latency of answered requests: p50 ${percentile(result.latencies, 50).toFixed(2)} ms, p99 ${percentile(result.latencies, 99).toFixed(2)} ms`,
    `RSS (MiB), mean of the first fifth of the samples after the warm-up (${warm.requests.toLocaleString('en-US')} requests): ${mb(early)}; `
      + `of the last fifth: ${mb(late)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%); single samples ${mb(minRss)}..${mb(maxRss)}; `
      + `heap used ${mb(mean(after.slice(0, fifth), 'heap'))} -> ${mb(mean(after.slice(-fifth), 'heap'))}`,
    `verdict: ${Math.abs(growth) <= 0.1 && wrong.length === 0 ? 'HELD' : 'NOT HELD'} (goal: RSS flat within 10% after the warm-up, every answer as expected)`,
    '',
    '| requests | seconds | RSS MiB | heap used MiB |',
    '| ---: | ---: | ---: | ---: |',
    ...samples.filter((_, i) => i % 10 === 9 || i === samples.length - 1).map((s) => `| ${s.requests.toLocaleString('en-US')} | ${s.seconds.toFixed(0)} | ${mb(s.rss)} | ${mb(s.heap)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
