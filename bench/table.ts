/* eslint-disable import/no-extraneous-dependencies, no-bitwise */ // bench/ is not shipped; its tools are dev dependencies
/**
 * The one route-table description every contestant of the benchmark is generated from: the gateway's
 * Gateway API YAML, the nginx configuration, the routing of the Node peers (fastify, http-proxy) and the
 * request mix wrk sends. Pure functions, no I/O (unit-tested in test/bench/table.test.ts).
 *
 * Semantics every contestant implements (the Gateway API's, restricted to what nginx can express
 * without scripting):
 * - the request's host selects one hostname's rules (exact hostname, else the `*.example.com` wildcard);
 * - an Exact path beats a RegularExpression path, which beats the longest PathPrefix (whole segments);
 *   regular expressions are tried in precedence order (longer pattern first) and must match the whole path;
 * - rules on one path match are ordered by their number of header / query conditions; every conditional
 *   rule has an unconditional sibling on the same path match, so a request never falls through to
 *   another path match (nginx cannot), and every hostname has a `PathPrefix /` rule;
 * - a rule's backends are chosen in proportion to their weights.
 * Regular expressions use the common subset of RE2 (the gateway) and PCRE (nginx) and JavaScript (the peers).
 */

export type PathType = 'Exact' | 'PathPrefix' | 'RegularExpression';

export interface BenchBackend {
  readonly service: string;
  readonly weight: number;
}

export interface BenchRule {
  readonly host: string;
  readonly path: { readonly type: PathType; readonly value: string };
  /** At most one condition per rule (nginx `if` has no AND): a header (lowercase name) or a query parameter. */
  readonly header?: readonly [string, string];
  readonly query?: readonly [string, string];
  readonly backends: readonly BenchBackend[];
}

export interface BenchRequest {
  readonly host: string;
  /** Path plus optional '?query'. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The services that may answer (more than one for a weighted rule). */
  readonly expect: readonly string[];
}

export interface BenchTable {
  readonly name: string;
  readonly rules: readonly BenchRule[];
  /** Every service the rules name, sorted. */
  readonly services: readonly string[];
  readonly requests: readonly BenchRequest[];
}

export const NAMESPACE = 'bench';
export const GATEWAY = 'bench-gateway';
/** The Gateway listener port (the gateway is told to bind it elsewhere with --listen). */
export const LISTENER_PORT = 80;
/** The port every benchmark Service declares. */
export const SERVICE_PORT = 8080;

const PATH_RANK: Record<PathType, number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

function conditionCount(r: BenchRule): number {
  return (r.header ? 1 : 0) + (r.query ? 1 : 0);
}

/**
 * Rules of one hostname in the Gateway API's precedence order (best first): path type, longer path
 * value, more header matches, more query matches, then table order (which is route-name and rule order
 * in the generated YAML).
 */
export function precedenceOrder(rules: readonly BenchRule[]): BenchRule[] {
  const pos = new Map(rules.map((r, i) => [r, i]));
  return [...rules].sort((a, b) => PATH_RANK[a.path.type] - PATH_RANK[b.path.type]
    || b.path.value.length - a.path.value.length
    || (b.header ? 1 : 0) - (a.header ? 1 : 0)
    || (b.query ? 1 : 0) - (a.query ? 1 : 0)
    || pos.get(a)! - pos.get(b)!);
}

/** Rules grouped by hostname, in first-appearance order of the hostnames. */
export function byHost(rules: readonly BenchRule[]): Map<string, BenchRule[]> {
  const out = new Map<string, BenchRule[]>();
  for (const r of rules) {
    const list = out.get(r.host);
    if (list) list.push(r);
    else out.set(r.host, [r]);
  }
  return out;
}

function one(service: string): BenchBackend[] {
  return [{ service, weight: 1 }];
}

function services(rules: readonly BenchRule[]): string[] {
  return [...new Set(rules.flatMap((r) => r.backends.map((b) => b.service)))].sort();
}

/** The 10-rule table of the headline comparison: Exact, PathPrefix, RegularExpression, header, query, weighted. */
export function tenRuleTable(): BenchTable {
  const host = 'api.example.com';
  const rules: BenchRule[] = [
    { host, path: { type: 'Exact', value: '/healthz' }, backends: one('svc-a') },
    { host, path: { type: 'Exact', value: '/api/v1/tasks/urgent' }, backends: one('svc-b') },
    { host, path: { type: 'RegularExpression', value: '/api/v[0-9]+/tasks/[0-9]+' }, backends: one('svc-c') },
    { host, path: { type: 'PathPrefix', value: '/api/v2' }, header: ['x-version', 'beta'], backends: one('svc-d') },
    { host, path: { type: 'PathPrefix', value: '/api/v2' }, backends: one('svc-e') },
    { host, path: { type: 'PathPrefix', value: '/api' }, query: ['debug', 'true'], backends: one('svc-f') },
    { host, path: { type: 'PathPrefix', value: '/api' }, backends: [{ service: 'svc-g', weight: 90 }, { service: 'svc-h', weight: 10 }] },
    { host, path: { type: 'PathPrefix', value: '/static' }, backends: one('svc-a') },
    { host, path: { type: 'RegularExpression', value: '/users/[a-z]+/profile' }, backends: one('svc-b') },
    { host, path: { type: 'PathPrefix', value: '/' }, backends: one('svc-c') },
  ];
  const req = (target: string, expect: string[], headers: Record<string, string> = {}): BenchRequest => ({ host, target, headers, expect });
  const requests = [
    req('/healthz', ['svc-a']),
    req('/api/v1/tasks/urgent', ['svc-b']),
    req('/api/v1/tasks/42', ['svc-c']),
    req('/api/v2/items', ['svc-d'], { 'x-version': 'beta' }),
    req('/api/v2/items', ['svc-e']),
    req('/api/tasks?debug=true', ['svc-f']),
    req('/api/tasks?page=2', ['svc-g', 'svc-h']),
    req('/api/v3/tasks', ['svc-g', 'svc-h']),
    req('/static/app.js', ['svc-a']),
    req('/users/alice/profile', ['svc-b']),
    req('/about', ['svc-c']),
    req('/api/v3/tasks/7', ['svc-c']),
  ];
  return { name: '10 rules', rules, services: services(rules), requests };
}

/** A small deterministic generator (LCG), so every run sends the same mix. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SERVICE_COUNT = 8;

function svc(i: number): string {
  return `svc-${String.fromCharCode(97 + (i % SERVICE_COUNT))}`;
}

/**
 * A table of `n` rules over many hostnames: half of them on `api.example.com` (with every regular
 * expression: 10% of all rules, half of them sharing the literal prefix `/api/v`, half starting with an
 * alternation), the other half on `h<k>.example.com` hosts of ten rules each, plus a `*.example.com`
 * wildcard. Kinds: Exact, PathPrefix, RegularExpression and header matches (with their unconditional
 * siblings). The request mix hits every kind on the big host and on the small ones.
 */
export function scaleTable(n: number): BenchTable {
  if (n <= 10) return tenRuleTable();
  const rules: BenchRule[] = [];
  const api = 'api.example.com';
  const regexCount = Math.max(2, Math.round(n * 0.1));
  const small = Math.max(1, Math.floor(n / 20)); // hosts of ten rules: half of the rules
  const apiCount = n - 2 - small * 10; // the rest, but the wildcard's two rules
  // The big host: regexes, then exact / prefix / header (+ sibling) rules in turn, and '/'.
  const apiRules: BenchRule[] = [];
  for (let i = 0; i < regexCount; i++) {
    const value = i % 2 === 0 ? `/api/v[0-9]+/r${i}/[a-z0-9]+` : `/(en|de)/r${i}/[a-z]+`;
    apiRules.push({ host: api, path: { type: 'RegularExpression', value }, backends: one(svc(i)) });
  }
  for (let i = 0; apiRules.length < apiCount - 1; i++) {
    switch (i % 4) {
      case 0:
      case 1:
        apiRules.push({ host: api, path: { type: 'Exact', value: `/api/v1/e${i}/items` }, backends: one(svc(i + 1)) });
        break;
      case 2:
        apiRules.push({ host: api, path: { type: 'PathPrefix', value: `/api/p${i}` }, backends: one(svc(i + 2)) });
        break;
      default:
        apiRules.push({ host: api, path: { type: 'PathPrefix', value: `/api/h${i}` }, header: ['x-tenant', `t${i}`], backends: one(svc(i + 3)) });
        if (apiRules.length < apiCount - 1) apiRules.push({ host: api, path: { type: 'PathPrefix', value: `/api/h${i}` }, backends: one(svc(i + 4)) });
    }
  }
  apiRules.push({ host: api, path: { type: 'PathPrefix', value: '/' }, backends: one(svc(0)) });
  rules.push(...apiRules);
  // Many small hosts of ten rules: 4 Exact, 3 PathPrefix, 1 header + sibling, '/'.
  for (let k = 0; k < small; k++) {
    const host = `h${k}.example.com`;
    for (let j = 0; j < 4; j++) rules.push({ host, path: { type: 'Exact', value: `/v1/e${j}` }, backends: one(svc(k + j)) });
    for (let j = 0; j < 3; j++) rules.push({ host, path: { type: 'PathPrefix', value: `/p${j}` }, backends: one(svc(k + j + 1)) });
    rules.push({ host, path: { type: 'PathPrefix', value: '/hd' }, header: ['x-tenant', `t${k}`], backends: one(svc(k + 2)) });
    rules.push({ host, path: { type: 'PathPrefix', value: '/hd' }, backends: one(svc(k + 3)) });
    rules.push({ host, path: { type: 'PathPrefix', value: '/' }, backends: one(svc(k + 4)) });
  }
  const wild = '*.example.com';
  rules.push({ host: wild, path: { type: 'PathPrefix', value: '/w' }, backends: one(svc(5)) });
  rules.push({ host: wild, path: { type: 'PathPrefix', value: '/' }, backends: one(svc(6)) });

  // The request mix: 64 requests drawn deterministically.
  const rnd = lcg(n);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const exact = apiRules.filter((r) => r.path.type === 'Exact');
  const prefix = apiRules.filter((r) => r.path.type === 'PathPrefix' && !r.header && r.path.value !== '/' && !r.path.value.startsWith('/api/h'));
  const header = apiRules.filter((r) => r.header);
  const regex = apiRules.filter((r) => r.path.type === 'RegularExpression');
  const requests: BenchRequest[] = [];
  const svcOf = (r: BenchRule) => r.backends.map((b) => b.service);
  for (let i = 0; requests.length < 64; i++) {
    const slot = i % 16;
    if (slot < 4) {
      const r = pick(exact);
      requests.push({ host: api, target: r.path.value, headers: {}, expect: svcOf(r) });
    } else if (slot < 8) {
      const r = pick(prefix);
      requests.push({ host: api, target: `${r.path.value}/items/${i}`, headers: {}, expect: svcOf(r) });
    } else if (slot < 10) {
      const r = pick(header);
      const sibling = apiRules.find((s) => !s.header && s.path.value === r.path.value)!;
      if (slot === 8) requests.push({ host: api, target: `${r.path.value}/x`, headers: { 'x-tenant': r.header![1] }, expect: svcOf(r) });
      else requests.push({ host: api, target: `${r.path.value}/x`, headers: { 'x-tenant': 'nobody' }, expect: svcOf(sibling) });
    } else if (slot < 13) {
      const r = pick(regex);
      const m = /r(\d+)/.exec(r.path.value)!;
      const target = r.path.value.startsWith('/api/') ? `/api/v2/r${m[1]}/item${i}` : `/de/r${m[1]}/page`;
      requests.push({ host: api, target, headers: {}, expect: svcOf(r) });
    } else if (slot < 14) {
      requests.push({ host: api, target: `/other/${i}`, headers: {}, expect: [svc(0)] });
    } else {
      const k = Math.floor(rnd() * small);
      const host = `h${k}.example.com`;
      const mine = rules.filter((r) => r.host === host);
      const kind = Math.floor(rnd() * 3);
      if (kind === 0) {
        const r = mine[Math.floor(rnd() * 4)];
        requests.push({ host, target: r.path.value, headers: {}, expect: svcOf(r) });
      } else if (kind === 1) {
        const r = mine[4 + Math.floor(rnd() * 3)];
        requests.push({ host, target: `${r.path.value}/q`, headers: {}, expect: svcOf(r) });
      } else {
        requests.push({ host, target: '/hd/1', headers: { 'x-tenant': `t${k}` }, expect: svcOf(mine[7]) });
      }
    }
  }
  requests.push({ host: 'z.example.com', target: '/w/1', headers: {}, expect: [svc(5)] });
  return { name: `${n} rules`, rules, services: services(rules), requests };
}

// ------------------------------------------------------------------ the gateway: Gateway API YAML

/** Gateway API objects (plain JSON) for the gateway: one Gateway, HTTPRoutes of at most 16 rules per hostname. */
export function gatewayObjects(table: BenchTable): object[] {
  const out: object[] = [{
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: GATEWAY, namespace: NAMESPACE },
    spec: { gatewayClassName: 'cdk8s-gateway', listeners: [{ name: 'http', port: LISTENER_PORT, protocol: 'HTTP' }] },
  }];
  let h = 0;
  for (const [host, rules] of byHost(table.rules)) {
    for (let c = 0; c * 16 < rules.length; c++) {
      const chunk = rules.slice(c * 16, c * 16 + 16);
      out.push({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        // Zero-padded so name order (a tie-break of the spec) is table order.
        metadata: { name: `h${String(h).padStart(6, '0')}-${String(c).padStart(4, '0')}`, namespace: NAMESPACE },
        spec: {
          parentRefs: [{ name: GATEWAY }],
          hostnames: [host],
          rules: chunk.map((r) => {
            const match: any = { path: { type: r.path.type, value: r.path.value } };
            if (r.header) match.headers = [{ type: 'Exact', name: r.header[0], value: r.header[1] }];
            if (r.query) match.queryParams = [{ type: 'Exact', name: r.query[0], value: r.query[1] }];
            return {
              matches: [match],
              backendRefs: r.backends.map((b) => ({ name: b.service, port: SERVICE_PORT, weight: b.weight })),
            };
          }),
        },
      });
    }
    h++;
  }
  return out;
}

/** The `--backends` map: `bench/<service>:8080` -> `127.0.0.1:<port>`. */
export function backendsMap(table: BenchTable, ports: ReadonlyMap<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of table.services) out[`${NAMESPACE}/${s}:${SERVICE_PORT}`] = `127.0.0.1:${portOf(ports, s)}`;
  return out;
}

function portOf(ports: ReadonlyMap<string, number>, service: string): number {
  const p = ports.get(service);
  if (p === undefined) throw new Error(`no backend port for ${service}`);
  return p;
}

// ------------------------------------------------------------------ nginx

function upstreamName(backends: readonly BenchBackend[]): string {
  return backends.map((b) => `${b.service.replace(/-/g, '_')}_w${b.weight}`).join('__');
}

function nginxString(s: string): string {
  if (/["\\]/.test(s)) throw new Error(`nginx: unsupported character in ${s}`);
  return `"${s}"`;
}

/**
 * An nginx configuration implementing the table: one worker, keep-alive upstreams (one `upstream`
 * block per distinct backend set, weights as `weight=`), a `server` per hostname, `location =` for
 * Exact, `location ~` regexes in precedence order, prefix locations (`/p/` and `= /p` for whole
 * segments), and `if` blocks for header / query conditions (the last matching `if` applies, so they are
 * written worst first). No access log, as the gateway runs with --no-access-log.
 */
export function nginxConfig(table: BenchTable, options: { listen: number; ports: ReadonlyMap<string, number>; workDir: string }): string {
  const lines: string[] = [];
  const add = (indent: number, s: string) => lines.push(`${'  '.repeat(indent)}${s}`);
  const w = options.workDir;
  add(0, 'worker_processes 1;');
  add(0, 'daemon off;');
  add(0, 'master_process on;');
  add(0, `pid ${w}/nginx.pid;`);
  add(0, `error_log ${w}/nginx-error.log warn;`);
  add(0, 'events { worker_connections 4096; multi_accept on; }');
  add(0, 'http {');
  add(1, 'access_log off;');
  add(1, `client_body_temp_path ${w}/nginx-body;`);
  add(1, `proxy_temp_path ${w}/nginx-proxy;`);
  add(1, `fastcgi_temp_path ${w}/nginx-fastcgi;`);
  add(1, `uwsgi_temp_path ${w}/nginx-uwsgi;`);
  add(1, `scgi_temp_path ${w}/nginx-scgi;`);
  add(1, 'keepalive_requests 1000000;');
  add(1, 'server_names_hash_max_size 65536;');
  add(1, 'server_names_hash_bucket_size 128;');
  add(1, 'proxy_http_version 1.1;');
  add(1, 'proxy_set_header Connection "";');
  add(1, 'proxy_set_header Host $http_host;');
  add(1, 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  add(1, 'proxy_set_header X-Forwarded-Proto $scheme;');
  add(1, 'proxy_set_header X-Forwarded-Host $http_host;');
  add(1, 'proxy_buffering on;');
  const upstreams = new Map<string, readonly BenchBackend[]>();
  for (const r of table.rules) upstreams.set(upstreamName(r.backends), r.backends);
  for (const [name, backends] of upstreams) {
    add(1, `upstream ${name} {`);
    for (const b of backends) add(2, `server 127.0.0.1:${portOf(options.ports, b.service)} weight=${b.weight};`);
    add(2, 'keepalive 64;');
    add(1, '}');
  }
  add(1, 'server {');
  add(2, `listen 127.0.0.1:${options.listen} default_server;`);
  add(2, 'return 404;');
  add(1, '}');
  for (const [host, rules] of byHost(table.rules)) {
    add(1, 'server {');
    add(2, `listen 127.0.0.1:${options.listen};`);
    add(2, `server_name ${host};`);
    // Rules of one location: the unconditional one is the location's own proxy_pass; conditional ones
    // become `if` blocks, lowest precedence first (the last matching `if` wins in nginx).
    const ordered = precedenceOrder(rules);
    const locations = new Map<string, BenchRule[]>();
    const key = (r: BenchRule) => `${r.path.type} ${r.path.value}`;
    for (const r of ordered) {
      const list = locations.get(key(r));
      if (list) list.push(r);
      else locations.set(key(r), [r]);
    }
    let hasRoot = false;
    const body = (indent: number, list: BenchRule[]) => {
      const plain = list.find((r) => conditionCount(r) === 0);
      for (const r of [...list].reverse()) {
        if (r === plain) continue;
        const cond = r.header
          ? `$http_${r.header[0].replace(/-/g, '_')} = ${nginxString(r.header[1])}`
          : `$arg_${r.query![0]} = ${nginxString(r.query![1])}`;
        add(indent, `if (${cond}) { proxy_pass http://${upstreamName(r.backends)}; }`);
      }
      if (plain) add(indent, `proxy_pass http://${upstreamName(plain.backends)};`);
      else add(indent, 'return 404;');
    };
    for (const list of locations.values()) {
      const p = list[0].path;
      if (p.type === 'Exact') {
        add(2, `location = ${nginxString(p.value)} {`);
        body(3, list);
        add(2, '}');
      } else if (p.type === 'RegularExpression') {
        add(2, `location ~ ${nginxString(`^(?:${p.value})$`)} {`);
        body(3, list);
        add(2, '}');
      } else {
        const v = p.value.replace(/\/+$/, '');
        if (v === '') {
          hasRoot = true;
          add(2, 'location / {');
          body(3, list);
          add(2, '}');
        } else {
          add(2, `location = ${nginxString(v)} {`);
          body(3, list);
          add(2, '}');
          add(2, `location ${nginxString(`${v}/`)} {`);
          body(3, list);
          add(2, '}');
        }
      }
    }
    if (!hasRoot) add(2, 'location / { return 404; }');
    add(1, '}');
  }
  add(0, '}');
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------ the Node peers' router

export interface PeerRoute {
  /** Picks the upstream port for a request, or undefined (404). */
  (host: string, path: string, query: string, headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined;
}

interface PeerRule {
  readonly rule: BenchRule;
  readonly test?: RegExp;
  readonly pick: () => number;
}

interface PeerHost {
  readonly exact: Map<string, PeerRule[]>;
  readonly regex: PeerRule[];
  readonly prefix: Map<string, PeerRule[]>;
}

/**
 * The routing of the Node peers, as a hand-written Node proxy would do it (and as nginx does): a map
 * of hostnames, then per hostname a map of exact paths, the regular expressions tried in order
 * (JavaScript RegExp), and the longest whole-segment prefix from a map; weighted backends by
 * smooth weighted round robin (as nginx).
 */
export function peerRouter(table: BenchTable, ports: ReadonlyMap<string, number>): PeerRoute {
  const hosts = new Map<string, PeerHost>();
  for (const [host, rules] of byHost(table.rules)) {
    const ph: PeerHost = { exact: new Map(), regex: [], prefix: new Map() };
    for (const rule of precedenceOrder(rules)) {
      const pr: PeerRule = {
        rule,
        test: rule.path.type === 'RegularExpression' ? new RegExp(`^(?:${rule.path.value})$`) : undefined,
        pick: picker(rule.backends, ports),
      };
      if (rule.path.type === 'Exact') push(ph.exact, rule.path.value, pr);
      else if (rule.path.type === 'RegularExpression') ph.regex.push(pr);
      else push(ph.prefix, rule.path.value.replace(/\/+$/, '') || '/', pr);
    }
    hosts.set(host, ph);
  }
  const wildcards = [...hosts.keys()].filter((h) => h.startsWith('*.')).map((h) => [h.slice(1), hosts.get(h)!] as const);
  return (rawHost, path, query, headers) => {
    const colon = rawHost.indexOf(':');
    const host = (colon < 0 ? rawHost : rawHost.slice(0, colon)).toLowerCase();
    let ph = hosts.get(host);
    if (!ph) for (const [suffix, h] of wildcards) if (host.endsWith(suffix) && host.length > suffix.length) ph = h;
    if (!ph) return undefined;
    const ok = (r: PeerRule): boolean => {
      if (r.rule.header) {
        const v = headers[r.rule.header[0]];
        if ((Array.isArray(v) ? v.join(', ') : v) !== r.rule.header[1]) return false;
      }
      if (r.rule.query) {
        const params = new URLSearchParams(query);
        if (params.get(r.rule.query[0]) !== r.rule.query[1]) return false;
      }
      return true;
    };
    const first = (list: PeerRule[] | undefined) => list?.find(ok);
    let hit = first(ph.exact.get(path));
    if (!hit) hit = ph.regex.find((r) => r.test!.test(path) && ok(r));
    if (!hit && path.startsWith('/')) {
      let p = path.replace(/\/+$/, '') || '/';
      for (;;) {
        hit = first(ph.prefix.get(p));
        if (hit || p === '/') break;
        const i = p.lastIndexOf('/');
        p = i <= 0 ? '/' : p.slice(0, i);
      }
    }
    return hit?.pick();
  };
}

function push<T>(map: Map<string, T[]>, key: string, v: T): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}

/** Smooth weighted round robin over the backends' ports (nginx's algorithm). */
function picker(backends: readonly BenchBackend[], ports: ReadonlyMap<string, number>): () => number {
  const list = backends.filter((b) => b.weight > 0).map((b) => ({ port: portOf(ports, b.service), weight: b.weight, current: 0 }));
  if (list.length === 1) {
    const port = list[0].port;
    return () => port;
  }
  const total = list.reduce((s, b) => s + b.weight, 0);
  return () => {
    let best = list[0];
    for (const b of list) {
      b.current += b.weight;
      if (b.current > best.current) best = b;
    }
    best.current -= total;
    return best.port;
  };
}

// ------------------------------------------------------------------ wrk

function luaString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** A wrk Lua script that cycles through the request mix (each request formatted once, at start). */
export function wrkScript(table: BenchTable): string {
  const reqs = table.requests.map((r) => {
    const headers = Object.entries({ host: r.host, ...r.headers }).map(([k, v]) => `[${luaString(k)}] = ${luaString(v)}`).join(', ');
    return `  wrk.format("GET", ${luaString(r.target)}, { ${headers} }),`;
  });
  return [
    '-- generated by bench/table.ts: the request mix, in order, round robin per connection thread',
    'local requests = {',
    ...reqs,
    '}',
    'local i = 0',
    'request = function()',
    '  i = i + 1',
    '  if i > #requests then i = 1 end',
    '  return requests[i]',
    'end',
    '',
  ].join('\n');
}
