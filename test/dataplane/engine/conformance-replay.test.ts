/**
 * Replays the transcribed upstream conformance cases (test/conformance/cases/*.json) through
 * `compile` + `route` + `pickBackend`, without any network.
 *
 * What can be decided purely, and how each expectation is checked:
 * - 200/204 with `backend`: routed, and the balancer picks a backend of that name and namespace for
 *   random values across the whole range (only single-backend rules are used by such cases).
 * - 200 without `backend` (e.g. timeout '0s' cases): routed to a valid backend.
 * - 404 / 421: `not-found` / `misdirected`.
 * - 500: routed, and either the rule answers 500 itself or the picked backend is invalid.
 * - 3xx: routed to a rule with a RequestRedirect filter of that status code whose scheme, hostname,
 *   port and path modifier give the expected Location (the proxy's filter code writes the header).
 * - URLRewrite cases: the filter's path modifier and hostname give the request-URI and Host the
 *   backend must see.
 * - mirroredTo: the rule carries a RequestMirror to that backend (mirroring happens in the proxy).
 * - 504/408 (timeouts): routed to a rule with a non-zero request or backendRequest timeout (the
 *   timeout fires in the proxy).
 * - HTTPRouteRetry non-2xx statuses (500/502/503) come from the backend after retries: routed to a
 *   valid backend of a rule with a retry policy.
 * - CORS preflights (statusOneOf incl. 204/403, notEchoed): routed to a rule with a CORS filter (the
 *   preflight answer is produced by the proxy's CORS filter).
 * - Weight distribution cases: the balancer's probabilities equal the expected shares exactly.
 * - gRPC cases: OK -> routed to the backend; UNIMPLEMENTED -> not-found.
 * Not replayed: the WebSocket case (a connection-level check; its routing is the same as any GET
 * and is covered by the HTTPRouteBackendProtocolWebSocket route compiling to a `ws` target below).
 */
import * as fs from 'fs';
import * as path from 'path';
import { docs } from './helpers';
import { pickBackend, backendProbabilities } from '../../../src/dataplane/engine/balancer';
import { compile, prefixKey } from '../../../src/dataplane/engine/compile';
import { CompiledRule, Decision, RouteRequest } from '../../../src/dataplane/engine/model';
import { route } from '../../../src/dataplane/engine/router';

const ROOT = path.join(__dirname, '..', '..', 'conformance');
const backendsJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'backends.json'), 'utf8'));
const caseFiles = fs.readdirSync(path.join(ROOT, 'cases')).filter((f) => f.endsWith('.json')).sort();

const UUID = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

function baseObjects(extra: any[]): any[] {
  const declared = new Set(extra.filter((o) => o.kind === 'Service').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  const namespaces = backendsJson.namespaces.map((n: any) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name, labels: n.labels } }));
  const services = backendsJson.services
    .filter((s: any) => !declared.has(`${s.namespace}/${s.name}`))
    .map((s: any) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: s.namespace }, spec: { ports: s.ports } }));
  return [...namespaces, ...services];
}

// HTTPRouteServiceTypes: these Services select (or are manually wired to) the infra-backend-v1 pods.
const SAME_PODS_AS_INFRA_V1 = new Set(['manual-endpointslices', 'headless', 'headless-manual-endpointslices']);

/** Every Service port of the suite -> one fake endpoint whose host names the pods that answer. */
function backendsMap(): Map<string, { host: string; port: number }[]> {
  const map = new Map<string, { host: string; port: number }[]>();
  for (const s of backendsJson.services) {
    const pods = SAME_PODS_AS_INFRA_V1.has(s.name) ? 'infra-backend-v1' : s.name;
    for (const p of s.ports) map.set(`${s.namespace}/${s.name}:${p.port}`, [{ host: `${pods}.test`, port: p.port }]);
  }
  return map;
}

function toRequest(c: any, grpc: boolean): RouteRequest {
  const r = c.request;
  if (grpc) {
    const headers: Record<string, string> = { 'content-type': 'application/grpc' };
    for (const [k, v] of Object.entries(r.metadata ?? {})) headers[k.toLowerCase()] = String(v);
    return {
      gateway: c.gateway,
      port: 80,
      host: r.authority ?? '192.0.2.10',
      method: 'POST',
      path: `/${r.service}/${r.method}`,
      query: '',
      headers,
      grpc: { service: r.service, method: r.method },
    };
  }
  const full: string = (r.path ?? '/').split('{uuid}').join(UUID);
  const q = full.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const scheme = r.scheme ?? 'http';
  return {
    gateway: c.gateway,
    port: r.port ?? 80,
    ...(scheme === 'https' ? { sni: r.tls?.serverName } : {}),
    host: r.host ?? '192.0.2.10',
    method: r.method ?? 'GET',
    path: q < 0 ? full : full.slice(0, q),
    query: q < 0 ? '' : full.slice(q + 1),
    headers,
  };
}

function describe_(d: Decision): string {
  if (d.outcome !== 'routed') return `${d.outcome}: ${d.reason}`;
  return `routed to ${d.rule.routeNamespace}/${d.rule.routeName} rule ${d.rule.index}`;
}

const SAMPLES = [0, 0.25, 0.5, 0.75, 0.999999];

function expectBackend(rule: CompiledRule, name: string, namespace: string | undefined): void {
  for (const r of SAMPLES) {
    const b = pickBackend(rule, () => r);
    expect(b).toBeDefined();
    expect(b!.invalid).toBeUndefined();
    expect(b!.target?.endpoints[0].host).toBe(`${name}.test`);
    if (namespace) expect(b!.ref.namespace).toBe(namespace);
  }
}

function expectValidBackend(rule: CompiledRule): void {
  expect(rule.directResponse).toBeUndefined();
  const b = pickBackend(rule, () => 0.5);
  expect(b?.invalid).toBeUndefined();
  expect(b?.target).toBeDefined();
}

interface Replay { file: string; test: any; index: number; c: any }
const replays: Replay[] = [];
for (const file of caseFiles) {
  const test = JSON.parse(fs.readFileSync(path.join(ROOT, 'cases', file), 'utf8'));
  test.cases.forEach((c: any, index: number) => replays.push({ file, test, index, c }));
}

function objectsFor(test: any, deleted: any[]): any[] {
  const isDeleted = (o: any) => deleted.some((d) => d.kind === o.kind && d.name === o.metadata?.name && d.namespace === o.metadata?.namespace);
  const extra = [...(test.otherResources ?? [])];
  return [...baseObjects(extra), ...extra, ...test.gateways, ...test.routes, ...(test.referenceGrants ?? [])].filter((o) => !isDeleted(o));
}

describe('conformance cases replayed through compile + route', () => {
  const deletedByFile = new Map<string, any[]>();

  test.each(replays.map((r) => [`${r.file.replace('.json', '')} #${r.index + 1} ${r.c.name ?? ''}`.trim(), r] as const))('%s', (_name, { file, test, c }) => {
    // GIVEN the case's gateways, routes, grants and the suite's namespaces and services
    if (c.before?.delete) deletedByFile.set(file, [...(deletedByFile.get(file) ?? []), ...c.before.delete]);
    const table = compile(docs(objectsFor(test, deletedByFile.get(file) ?? []), file), { backends: backendsMap() });
    const grpc = test.kind === 'grpc';

    if (c.check === 'websocket') {
      // THEN the route to the ws port compiles to a WebSocket-capable target
      const d = route(table, { gateway: c.gateway, port: 80, host: 'example.com', method: 'GET', path: '/ws', query: '', headers: { upgrade: 'websocket', connection: 'Upgrade' } });
      expect(d.outcome).toBe('routed');
      if (d.outcome === 'routed') expect(pickBackend(d.rule, () => 0.5)?.target?.protocol).toBe('ws');
      return;
    }

    // WHEN the case's request is routed
    const request = toRequest(c, grpc);
    const d = route(table, request);

    if (c.check === 'distribution') {
      expect(d.outcome).toBe('routed');
      if (d.outcome !== 'routed') return;
      const probs = backendProbabilities(d.rule);
      const shares: Record<string, number> = {};
      d.rule.backends.forEach((b, i) => { shares[b.ref.name] = (shares[b.ref.name] ?? 0) + probs[i]; });
      for (const [name, share] of Object.entries(c.distribution.expectedShares as Record<string, number>)) {
        expect(shares[name] ?? 0).toBeCloseTo(share, 10);
      }
      return;
    }

    const e = c.expect;
    if (grpc) {
      if (e.grpcStatus === 'OK') {
        expect(describe_(d)).toMatch(/^routed/);
        // the grpc-infra-backend Services declare appProtocol kubernetes.io/h2c
        if (d.outcome === 'routed') expect(pickBackend(d.rule, () => 0.5)?.target?.protocol).toBe('h2c');
        if (d.outcome === 'routed' && e.backend) expectBackend(d.rule, e.backend, e.namespace);
        else if (d.outcome === 'routed') expectValidBackend(d.rule);
      } else {
        expect(e.grpcStatus).toBe('UNIMPLEMENTED');
        expect(d.outcome).toBe('not-found');
      }
      return;
    }

    const status: number = e.status;
    if (status === 404) { expect(describe_(d)).toMatch(/^not-found/); return; }
    if (status === 421) { expect(describe_(d)).toMatch(/^misdirected/); return; }
    // THEN every other expectation starts with the request being routed
    expect(describe_(d)).toMatch(/^routed/);
    if (d.outcome !== 'routed') return;
    const rule = d.rule;
    const filterTypes = rule.filters.map((f) => f.type);

    if (status >= 300 && status < 400) {
      const redirect = rule.filters.find((f) => f.type === 'RequestRedirect');
      expect(redirect).toBeDefined();
      if (redirect?.type !== 'RequestRedirect') return;
      expect(redirect.statusCode).toBe(status);
      // AND the filter carries what the Location needs (computed here the way the spec describes it)
      const want = e.redirect;
      expect(redirect.scheme ?? 'http').toBe(want.scheme);
      if (want.host !== null) expect(redirect.hostname).toBe(want.host);
      expect(redirect.port === undefined ? null : String(redirect.port)).toBe(want.port);
      let location = request.path;
      if (redirect.path?.type === 'ReplaceFullPath') location = redirect.path.value;
      if (redirect.path?.type === 'ReplacePrefixMatch') {
        const rest = request.path.slice(prefixKey(d.matchedPathPrefix!).length);
        location = `${redirect.path.value.replace(/\/$/, '')}${rest}` || '/';
      }
      expect(location).toBe(want.path);
      return;
    }
    if (file === 'HTTPRouteRetry.json' && status >= 500) {
      expect(rule.retry).toBeDefined();
      expectValidBackend(rule);
      return;
    }
    if (status === 500) {
      const b = pickBackend(rule, () => 0.5);
      expect(rule.directResponse !== undefined || b === undefined || b.invalid !== undefined).toBe(true);
      return;
    }
    if (status === 504) {
      expect((rule.timeouts?.requestMs ?? 0) + (rule.timeouts?.backendRequestMs ?? 0)).toBeGreaterThan(0);
      expectValidBackend(rule);
      return;
    }
    if (c.expect.notEchoed || (e.statusOneOf && e.statusOneOf.includes(204))) {
      expect(filterTypes).toContain('CORS');
      return;
    }
    expect(status).toBe(200);
    const rewrite = rule.filters.find((f) => f.type === 'URLRewrite');
    if (rewrite?.type === 'URLRewrite') {
      // THEN the rewrite gives the path and host the backend must see
      let rewritten = request.path;
      if (rewrite.path?.type === 'ReplaceFullPath') rewritten = rewrite.path.value;
      if (rewrite.path?.type === 'ReplacePrefixMatch') {
        const rest = request.path.slice(prefixKey(d.matchedPathPrefix!).length);
        rewritten = `${rewrite.path.value.replace(/\/$/, '')}${rest}` || '/';
        if (!rewritten.startsWith('/')) rewritten = `/${rewritten}`;
      }
      if (e.path !== undefined) expect(`${rewritten}${request.query ? `?${request.query}` : ''}`).toBe(e.path.split('{uuid}').join(UUID));
      if (e.host !== undefined && rewrite.hostname !== undefined) expect(rewrite.hostname).toBe(e.host);
    }
    if (e.backend) expectBackend(rule, e.backend, e.namespace);
    else expectValidBackend(rule);
    if (file === 'HTTPRouteBackendProtocolH2C.json') expect(pickBackend(rule, () => 0.5)?.target?.protocol).toBe('h2c');
    for (const m of e.mirroredTo ?? []) {
      expect(rule.filters.some((f) => f.type === 'RequestMirror' && f.backend.ref.name === m.backend && f.backend.ref.namespace === m.namespace && !f.backend.invalid)).toBe(true);
    }
  });
});
