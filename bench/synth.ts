/**
 * Synth-plus-validate benchmark: an app with N HTTPRoutes of four rules each (Exact, RegularExpression,
 * PathPrefix + header, PathPrefix + weighted split) on one Gateway, synthesized to YAML and every object
 * validated against the Gateway API v1.6.1 CRD schemas and CEL rules.
 *
 *   npx ts-node --transpile-only bench/synth.ts [N ...]      (default: 10 100 1000)
 *
 * Goal: under 5 s for 1,000 routes on a 2-core machine. Prints a Markdown table.
 */
import * as os from 'os';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  BackendRef, Gateway, HeaderMatch, HttpRoute, Listener, ParentRef, PathMatch,
} from '../src';
import { validateObject } from '../src/dataplane/schema';

function build(routes: number): App {
  const app = new App({ outdir: os.tmpdir() });
  const chart = new Chart(app, 'bench', { namespace: 'bench' });
  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'bench-gateway' },
    gatewayClassName: 'cdk8s-gateway',
    listeners: [Listener.http({ name: 'http', port: 80 })],
  });
  for (let i = 0; i < routes; i++) {
    const svc = (name: string, weight?: number) => BackendRef.fromName(`${name}-${i}`, { port: 8000, weight });
    new HttpRoute(chart, `Route${i}`, {
      metadata: { name: `route-${i}` },
      parentRefs: [ParentRef.fromGateway(gateway)],
      hostnames: [`app-${i}.example.com`],
      rules: [
        { matches: [{ path: PathMatch.exact('/api/v1/tasks/urgent') }], backendRefs: [svc('urgent')] },
        { matches: [{ path: PathMatch.regularExpression('/api/v[0-9]+/tasks/[0-9]+') }], backendRefs: [svc('read')] },
        { matches: [{ path: PathMatch.pathPrefix('/api/'), headers: [HeaderMatch.exact('x-version', '2')] }], backendRefs: [svc('v2')] },
        { matches: [{ path: PathMatch.pathPrefix('/api/') }], backendRefs: [svc('stable', 90), svc('canary', 10)] },
      ],
    });
  }
  return app;
}

function run(routes: number): { routes: number; objects: number; synthMs: number; validateMs: number; totalMs: number } {
  const t0 = process.hrtime.bigint();
  const yaml = build(routes).synthYaml();
  const t1 = process.hrtime.bigint();
  const objects = parseAllDocuments(yaml).map((d) => d.toJS());
  let issues = 0;
  for (const obj of objects) issues += validateObject(obj).length;
  const t2 = process.hrtime.bigint();
  if (issues > 0) throw new Error(`${issues} validation issues in the benchmark app`);
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  return { routes, objects: objects.length, synthMs: ms(t0, t1), validateMs: ms(t1, t2), totalMs: ms(t0, t2) };
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
validateObject({ apiVersion: 'v1', kind: 'ConfigMap' }); // load the CRDs and compile the validators once
console.log('| routes (4 rules each) | objects | synth ms | validate ms | total ms |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const n of sizes.length ? sizes : [10, 100, 1000]) {
  const r = run(n);
  console.log(`| ${r.routes} | ${r.objects} | ${r.synthMs.toFixed(0)} | ${r.validateMs.toFixed(0)} | ${r.totalMs.toFixed(0)} |`);
}
