/**
 * Regular-expression safety.
 *
 *   npx ts-node --transpile-only bench/reliability/regex.ts [SECONDS_PER_PHASE]
 *
 * Part 1, the engine: time of one whole-string match of classic pathological patterns against inputs
 * of growing length, with re2js (what the gateway uses) and with the JavaScript RegExp engine (a
 * backtracking engine, shown on short inputs only). re2js time grows with the input, not exponentially.
 *
 * Part 2, the gateway (bundled, its own process): the p50/p99 latency of ordinary requests on other
 * routes while an adversary sends 8 KB paths, at a fixed rate, to a route with a pathological
 * RegularExpression path match, compared with the same adversary rate sending 8 KB paths that
 * reach no regex (the same parsing and 404 work without the regex), and with no adversary at all.
 * The same adversarial phase runs once more against a gateway started with `--regex-budget 0s`.
 * Goal: with the default budget, the adversarial regex phase's p99 within 10% (or 1 ms) of the
 * benign-8-KB phase.
 */
import * as http from 'http';
import { RE2JS } from 're2js';
import { NS, bundleGateway, echoBackend, gatewayDoc, routeDoc, runGateway } from './common';
import { DEFAULT_LIMITS } from '../../src/dataplane/proxy/limits';
import { percentile, startLoad } from '../../test/reliability/load';

const EVIL = '/evil/((a|b)*a(a|b){15})+c';

function timeIt(fn: () => void, minMs = 20): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  do {
    fn();
    n++;
  } while (performance.now() - t0 < minMs);
  return (performance.now() - t0) / n;
}

let seed = 7;
function randomAb(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    s += seed / 2147483648 < 0.5 ? 'a' : 'b';
  }
  return s;
}

function part1(): string[] {
  const out: string[] = ['| pattern | input | 1 KiB | 2 KiB | 4 KiB | 8 KiB |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  const cases: [string, (n: number) => string, string][] = [
    ['(a+)+$', (n) => `${'a'.repeat(n)}b`, "'a'×n + 'b'"],
    ['(a|aa)*c', (n) => 'a'.repeat(n), "'a'×n"],
    ['(.*a){20}', (n) => 'a'.repeat(n), "'a'×n"],
    ['((a|b)*a(a|b){15})+c', randomAb, 'random a/b'],
    ['.*a.{20}b', randomAb, 'random a/b'],
  ];
  for (const [pattern, input, what] of cases) {
    const re = RE2JS.compile(pattern);
    const cells = [1024, 2048, 4096, 8192].map((n) => {
      const s = input(n);
      return `${(timeIt(() => re.matches(s)) * 1000).toFixed(0)} µs`;
    });
    out.push(`| re2js \`${pattern.replace(/\|/g, '\\|')}\` | ${what} | ${cells.join(' | ')} |`);
  }
  out.push('');
  out.push('| JavaScript RegExp `^(a+)+$` (backtracking) | n = 16 | n = 18 | n = 20 | n = 22 | n = 24 |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  const native = /^(a+)+$/;
  const cells = [16, 18, 20, 22, 24].map((n) => {
    const s = `${'a'.repeat(n)}b`;
    const t0 = performance.now();
    native.test(s);
    return `${(performance.now() - t0).toFixed(1)} ms`;
  });
  out.push(`| 'a'×n + 'b' | ${cells.join(' | ')} |`);
  return out;
}

/** Sends `path()` at `rate` requests per second (open loop, one connection per request is avoided: keep-alive). */
function adversary(port: number, rate: number, path: () => string): { stop(): Promise<{ sent: number; statuses: Map<number, number> }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const statuses = new Map<number, number>();
  let sent = 0;
  let pending = 0;
  const tick = setInterval(() => {
    for (let i = 0; i < rate / 100; i++) {
      sent++;
      pending++;
      const req = http.request({ host: '127.0.0.1', port, path: path(), headers: { host: 'example.com' }, agent }, (res) => {
        statuses.set(res.statusCode!, (statuses.get(res.statusCode!) ?? 0) + 1);
        res.resume();
        res.on('end', () => pending--);
      });
      req.on('error', () => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        pending--;
      });
      req.end();
    }
  }, 10);
  return {
    stop: async () => {
      clearInterval(tick);
      while (pending > 0) await new Promise((r) => setTimeout(r, 20));
      agent.destroy();
      return { sent, statuses };
    },
  };
}

async function part2(seconds: number): Promise<string[]> {
  const bundle = bundleGateway();
  const ok = await echoBackend('ok');
  const docs = [
    gatewayDoc(),
    routeDoc('ok', [{ matches: [{ path: { type: 'PathPrefix', value: '/ok' } }], backendRefs: [{ name: 'ok', port: 8080 }] }]),
    routeDoc('evil', [{ matches: [{ path: { type: 'RegularExpression', value: EVIL } }], backendRefs: [{ name: 'ok', port: 8080 }] }]),
  ];
  const RATE = 300;
  const benign = () => `/benign/${randomAb(8000)}`;
  const evil = () => `/evil/${randomAb(8000)}`;
  const shown = EVIL.replace(/\|/g, '\\|');
  const byDefault = `default (--regex-budget ${DEFAULT_LIMITS.regexBudgetMs}ms)`;
  const plan: [string, string[], string, (() => string) | undefined][] = [
    [byDefault, [], 'no adversary', undefined],
    [byDefault, [], `${RATE} req/s of 8 KB paths that reach no regex`, benign],
    [byDefault, [], `${RATE} req/s of 8 KB adversarial paths on \`${shown}\``, evil],
    [byDefault, [], 'no adversary (again)', undefined],
    ['--regex-budget 0s (unlimited)', ['--regex-budget', '0s'], `${RATE} req/s of 8 KB adversarial paths on \`${shown}\``, evil],
  ];
  const rows: string[] = ['| gateway | phase | ordinary requests | p50 ms | p99 ms | adversary answers |', '| --- | --- | ---: | ---: | ---: | --- |'];
  const p99s: number[] = [];
  let gw: Awaited<ReturnType<typeof runGateway>> | undefined;
  let running = '';
  for (const [label, args, name, path] of plan) {
    if (running !== label) {
      await gw?.stop();
      gw = await runGateway(bundle, docs, { [`${NS}/ok:8080`]: ok.address }, args);
      running = label;
    }
    const adv = path ? adversary(gw!.port, RATE, path) : undefined;
    const load = startLoad({ port: gw!.port, connections: 8, path: (id) => `/ok/${id}` });
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const r = await load.stop();
    const a = await adv?.stop();
    const p99 = percentile(r.latencies, 99);
    p99s.push(p99);
    rows.push(`| ${label} | ${name} | ${r.sent} (${r.failures.length} failed) | ${percentile(r.latencies, 50).toFixed(2)} | ${p99.toFixed(2)} | `
      + `${a ? [...a.statuses.entries()].map(([s, n]) => `${n}× ${s}`).join(', ') : '-'} |`);
  }
  await gw?.stop();
  await ok.close();
  const [, benignP99, evilP99, , unlimitedP99] = p99s;
  const held = evilP99 <= Math.max(benignP99 * 1.1, benignP99 + 1);
  rows.push('');
  rows.push(`verdict: ${held ? 'HELD' : 'NOT HELD'} (with the default budget, adversarial-regex p99 ${evilP99.toFixed(2)} ms vs benign-8-KB p99 `
    + `${benignP99.toFixed(2)} ms; goal within 10% or 1 ms; without a budget ${unlimitedP99.toFixed(2)} ms)`);
  return rows;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 20);
  process.stdout.write(`${part1().join('\n')}\n\n`);
  process.stdout.write(`${(await part2(seconds)).join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
