/* eslint-disable import/no-extraneous-dependencies, no-bitwise */ // bench/ is not shipped; its tools are dev dependencies
/**
 * Microbenchmark of the router alone: nanoseconds per `route(table, request)` decision at 10, 100, 1,000
 * and 10,000 rules, for several table shapes, and the ratio to 10 rules of the same shape. No I/O.
 *
 *   npx ts-node --transpile-only bench/router.ts [--sizes 10,100,1000,10000] [--ms 400] [--json]
 *
 * Shapes (every one generated from bench/table.ts rule descriptions and compiled by the engine):
 * - mix:    the table of the HTTP benchmark (`scaleTable`): Exact, PathPrefix, RegularExpression and
 *           header rules over many hostnames plus a wildcard; its request mix;
 * - exact:  Exact paths on one hostname;
 * - prefix: PathPrefix rules of one to four segments on one hostname, requests below them;
 * - hosts:  ten rules on each of n/10 hostnames;
 * - regex:  RegularExpression paths only: half share the literal prefix `/api/v` (one index bucket), half
 *           start with an alternation (no literal prefix at all); requests that match one of them, and
 *           requests that match none (falling through to `PathPrefix /`).
 * Goal: the cost of a decision does not grow with the number of rules (10,000 rules within 2x of 10).
 */
import { BenchRequest, BenchRule, BenchTable, GATEWAY, LISTENER_PORT, NAMESPACE, SERVICE_PORT, gatewayObjects, scaleTable } from './table';
import { parseDocuments } from '../src/dataplane/config/load';
import { compile } from '../src/dataplane/engine/compile';
import { CompiledTable, RouteRequest } from '../src/dataplane/engine/model';
import { route } from '../src/dataplane/engine/router';

type Shape = (n: number) => BenchTable;

const one = (service: string) => [{ service, weight: 1 }];
const req = (host: string, target: string, expect: string, headers: Record<string, string> = {}): BenchRequest => (
  { host, target, headers, expect: [expect] });

function finish(name: string, rules: BenchRule[], requests: BenchRequest[]): BenchTable {
  return { name, rules, services: [...new Set(rules.flatMap((r) => r.backends.map((b) => b.service)))].sort(), requests };
}

const SHAPES: Record<string, Shape> = {
  mix: (n) => scaleTable(n),
  exact: (n) => {
    const host = 'api.example.com';
    const rules: BenchRule[] = [];
    for (let i = 0; i < n; i++) rules.push({ host, path: { type: 'Exact', value: `/api/v1/items/${i}/detail` }, backends: one(`s${i % 8}`) });
    const requests: BenchRequest[] = [];
    for (let k = 0; k < 64; k++) {
      const i = Math.floor((k * 7919) % n);
      requests.push(req(host, `/api/v1/items/${i}/detail`, `s${i % 8}`));
    }
    return finish('exact', rules, requests);
  },
  prefix: (n) => {
    const host = 'api.example.com';
    const rules: BenchRule[] = [];
    for (let i = 0; i < n; i++) {
      const depth = 1 + (i % 4);
      const value = ['', `p${i}`, 'b', 'c', 'd'].slice(0, depth + 1).join('/');
      rules.push({ host, path: { type: 'PathPrefix', value }, backends: one(`s${i % 8}`) });
    }
    const requests: BenchRequest[] = [];
    for (let k = 0; k < 64; k++) {
      const r = rules[Math.floor((k * 7919) % n)];
      requests.push(req(host, `${r.path.value}/x/y?z=1`, r.backends[0].service));
    }
    return finish('prefix', rules, requests);
  },
  hosts: (n) => {
    const rules: BenchRule[] = [];
    const hosts = Math.max(1, Math.floor(n / 10));
    for (let h = 0; h < hosts; h++) {
      const host = `svc-${h}.apps.example.com`;
      for (let j = 0; j < 4; j++) rules.push({ host, path: { type: 'Exact', value: `/e${j}` }, backends: one(`s${(h + j) % 8}`) });
      for (let j = 0; j < 5; j++) rules.push({ host, path: { type: 'PathPrefix', value: `/p${j}` }, backends: one(`s${(h + j + 1) % 8}`) });
      rules.push({ host, path: { type: 'PathPrefix', value: '/' }, backends: one(`s${h % 8}`) });
    }
    const requests: BenchRequest[] = [];
    for (let k = 0; k < 64; k++) {
      const h = Math.floor((k * 7919) % hosts);
      const host = `svc-${h}.apps.example.com`;
      requests.push(k % 2 ? req(host, `/e${k % 4}`, `s${(h + (k % 4)) % 8}`) : req(host, `/p${k % 5}/x`, `s${(h + (k % 5) + 1) % 8}`));
    }
    return finish('hosts', rules, requests);
  },
  regex: (n) => {
    const host = 'api.example.com';
    const rules: BenchRule[] = [];
    for (let i = 0; i < n - 1; i++) {
      const value = i % 2 === 0 ? `/api/v[0-9]+/r${i}/[a-z0-9]+` : `/(en|de)/r${i}/[a-z]+`;
      rules.push({ host, path: { type: 'RegularExpression', value }, backends: one(`s${i % 8}`) });
    }
    rules.push({ host, path: { type: 'PathPrefix', value: '/' }, backends: one('s0') });
    const requests: BenchRequest[] = [];
    for (let k = 0; k < 64; k++) {
      const i = Math.floor((k * 7919) % (n - 1));
      if (k % 4 === 3) requests.push(req(host, `/api/v2/none/${k}`, 's0'));
      else requests.push(req(host, i % 2 === 0 ? `/api/v2/r${i}/item${k}` : `/de/r${i}/page`, `s${i % 8}`));
    }
    return finish('regex', rules, requests);
  },
};

function compileTable(t: BenchTable): CompiledTable {
  const yaml = gatewayObjects(t).map((o) => JSON.stringify(o)).join('\n---\n');
  const backends = new Map(t.services.map((s) => [`${NAMESPACE}/${s}:${SERVICE_PORT}`, [{ host: '127.0.0.1', port: 1 }]]));
  return compile(parseDocuments(yaml, 'bench.yaml'), { backends });
}

function requestsOf(t: BenchTable): RouteRequest[] {
  return t.requests.map((r) => {
    const q = r.target.indexOf('?');
    return {
      gateway: `${NAMESPACE}/${GATEWAY}`,
      port: LISTENER_PORT,
      host: r.host,
      method: 'GET',
      path: q < 0 ? r.target : r.target.slice(0, q),
      query: q < 0 ? '' : r.target.slice(q + 1),
      headers: { 'host': r.host, 'user-agent': 'wrk', 'accept': '*/*', ...r.headers },
    };
  });
}

/** Checks every request routes to a backend the table names; returns the ns per decision. */
function measure(table: CompiledTable, t: BenchTable, ms: number): number {
  const reqs = requestsOf(t);
  reqs.forEach((r, i) => {
    const d = route(table, r);
    const got = d.outcome === 'routed' ? d.rule.backends.map((b) => b.ref.name) : [];
    if (!got.some((g) => t.requests[i].expect.includes(g))) throw new Error(`${t.name}: ${r.host}${r.path} routed to ${got.join(',') || d.outcome}, expected ${t.requests[i].expect}`);
  });
  let sink = 0;
  const run = (rounds: number) => {
    for (let k = 0; k < rounds; k++) for (let i = 0; i < reqs.length; i++) if (route(table, reqs[i]).outcome === 'routed') sink++;
  };
  // Doubling rounds until one run takes `ms`; the first runs are the warm-up (JIT).
  let rounds = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    run(rounds);
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns > ms * 1e6) {
      if (sink < 0) console.log(sink);
      return ns / (rounds * reqs.length);
    }
    rounds *= 2;
  }
}

export interface RouterResult {
  shape: string;
  rules: number;
  nsPerDecision: number;
  ratio: number;
}

export function runRouterBench(sizes: readonly number[], ms: number): RouterResult[] {
  const out: RouterResult[] = [];
  for (const [shape, make] of Object.entries(SHAPES)) {
    let base = NaN;
    for (const n of sizes) {
      const t = make(n);
      const c0 = Date.now();
      const table = compileTable(t);
      if (process.env.ROUTER_BENCH_VERBOSE) console.error(`${shape} ${n}: compiled in ${Date.now() - c0} ms`);
      // median of three measurements
      const runs = [measure(table, t, ms / 3), measure(table, t, ms / 3), measure(table, t, ms / 3)].sort((a, b) => a - b);
      const ns = runs[1];
      if (Number.isNaN(base)) base = ns;
      out.push({ shape, rules: t.rules.length, nsPerDecision: ns, ratio: ns / base });
    }
  }
  return out;
}

export function routerMarkdown(results: readonly RouterResult[]): string {
  const sizes = [...new Set(results.map((r) => r.rules))];
  const shapes = [...new Set(results.map((r) => r.shape))];
  const lines = ['| shape | rules | ns / decision | vs smallest |', '| --- | ---: | ---: | ---: |'];
  for (const s of shapes) {
    for (const r of results.filter((x) => x.shape === s)) lines.push(`| ${s} | ${r.rules.toLocaleString('en-US')} | ${Math.round(r.nsPerDecision).toLocaleString('en-US')} | ${r.ratio.toFixed(2)}x |`);
  }
  void sizes;
  return lines.join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizes = (get('--sizes') ?? '10,100,1000,10000').split(',').map(Number).filter((n) => n > 0);
  const ms = Number(get('--ms') ?? 600);
  const results = runRouterBench(sizes, ms);
  if (argv.includes('--json')) console.log(JSON.stringify(results));
  else console.log(routerMarkdown(results));
}
