/**
 * The pure parts of the benchmark harness (bench/table.ts): every contestant is generated from one table
 * description, so the gateway's YAML, the Node peers' router and nginx's configuration must agree with
 * the table on every request of the mix. The benchmark itself never runs in the test suite.
 */
import {
  BenchTable, GATEWAY, LISTENER_PORT, NAMESPACE, SERVICE_PORT, byHost, gatewayObjects, nginxConfig, peerRouter, precedenceOrder, scaleTable,
  tenRuleTable, wrkScript,
} from '../../bench/table';
import { parseDocuments } from '../../src/dataplane/config/load';
import { compile } from '../../src/dataplane/engine/compile';
import { route } from '../../src/dataplane/engine/router';

const SIZES = [10, 100, 1000];

function ports(t: BenchTable): Map<string, number> {
  return new Map(t.services.map((s, i) => [s, 20000 + i]));
}

describe('table generation', () => {
  test.each(SIZES)('%d rules: exactly that many, every hostname has PathPrefix /, every conditional rule has an unconditional sibling', (n) => {
    const t = scaleTable(n);
    expect(t.rules).toHaveLength(n);
    for (const [, rules] of byHost(t.rules)) {
      expect(rules.some((r) => r.path.type === 'PathPrefix' && r.path.value === '/')).toBe(true);
      for (const r of rules.filter((x) => x.header || x.query)) {
        expect(rules.some((s) => !s.header && !s.query && s.path.type === r.path.type && s.path.value === r.path.value)).toBe(true);
      }
    }
    if (n >= 100) {
      expect(t.rules.filter((r) => r.path.type === 'RegularExpression').length).toBe(Math.round(n * 0.1));
      expect(byHost(t.rules).size).toBeGreaterThan(n / 20);
    }
  });

  test('the 10-rule table has Exact, PathPrefix, RegularExpression, header, query and weighted rules', () => {
    const t = tenRuleTable();
    expect(new Set(t.rules.map((r) => r.path.type))).toEqual(new Set(['Exact', 'PathPrefix', 'RegularExpression']));
    expect(t.rules.some((r) => r.header)).toBe(true);
    expect(t.rules.some((r) => r.query)).toBe(true);
    expect(t.rules.some((r) => r.backends.length > 1)).toBe(true);
  });

  test('precedence: Exact, then RegularExpression (longer first), then longer PathPrefix, conditions first', () => {
    const order = precedenceOrder(tenRuleTable().rules).map((r) => `${r.path.type} ${r.path.value}${r.header ? ' +h' : ''}${r.query ? ' +q' : ''}`);
    expect(order).toEqual([
      'Exact /api/v1/tasks/urgent', 'Exact /healthz',
      'RegularExpression /api/v[0-9]+/tasks/[0-9]+', 'RegularExpression /users/[a-z]+/profile',
      'PathPrefix /api/v2 +h', 'PathPrefix /api/v2', 'PathPrefix /static', 'PathPrefix /api +q', 'PathPrefix /api', 'PathPrefix /',
    ]);
  });
});

describe('every contestant routes the mix as the table says', () => {
  test.each(SIZES)('%d rules: the gateway engine (from the generated YAML)', (n) => {
    const t = scaleTable(n);
    const yaml = gatewayObjects(t).map((o) => JSON.stringify(o)).join('\n---\n');
    const backends = new Map(t.services.map((s) => [`${NAMESPACE}/${s}:${SERVICE_PORT}`, [{ host: '127.0.0.1', port: 1 }]]));
    const table = compile(parseDocuments(yaml, 'bench.yaml'), { backends });
    expect(table.warnings).toEqual([]);
    for (const r of t.requests) {
      const q = r.target.indexOf('?');
      const d = route(table, {
        gateway: `${NAMESPACE}/${GATEWAY}`,
        port: LISTENER_PORT,
        host: r.host,
        method: 'GET',
        path: q < 0 ? r.target : r.target.slice(0, q),
        query: q < 0 ? '' : r.target.slice(q + 1),
        headers: r.headers,
      });
      expect(d.outcome).toBe('routed');
      if (d.outcome === 'routed') expect(d.rule.backends.map((b) => b.ref.name).sort()).toEqual([...r.expect].sort());
    }
  });

  test.each(SIZES)('%d rules: the Node peers', (n) => {
    const t = scaleTable(n);
    const p = ports(t);
    const routeOf = peerRouter(t, p);
    for (const r of t.requests) {
      const q = r.target.indexOf('?');
      const port = routeOf(r.host, q < 0 ? r.target : r.target.slice(0, q), q < 0 ? '' : r.target.slice(q + 1), r.headers);
      expect(r.expect.map((s) => p.get(s))).toContain(port);
    }
  });

  test('weighted backends: smooth weighted round robin gives 90/10 over 100 picks', () => {
    const t = tenRuleTable();
    const p = ports(t);
    const routeOf = peerRouter(t, p);
    const counts = new Map<number, number>();
    for (let i = 0; i < 100; i++) {
      const port = routeOf('api.example.com', '/api/tasks', '', {})!;
      counts.set(port, (counts.get(port) ?? 0) + 1);
    }
    expect(counts.get(p.get('svc-g')!)).toBe(90);
    expect(counts.get(p.get('svc-h')!)).toBe(10);
  });
});

describe('nginx configuration', () => {
  const t = tenRuleTable();
  const conf = nginxConfig(t, { listen: 18080, ports: ports(t), workDir: '/tmp/w' });

  test('one worker, keep-alive upstreams, weights, no access log', () => {
    expect(conf).toMatch(/^worker_processes 1;/m);
    expect(conf).toMatch(/access_log off;/);
    expect(conf).toMatch(/keepalive 64;/);
    expect(conf).toMatch(/server 127\.0\.0\.1:\d+ weight=90;\n\s+server 127\.0\.0\.1:\d+ weight=10;/);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
  });

  test('Exact as location =, prefixes by whole segment, regexes anchored in precedence order, conditions as if blocks', () => {
    expect(conf).toContain('location = "/healthz" {');
    expect(conf).toContain('location = "/api/v2" {');
    expect(conf).toContain('location "/api/v2/" {');
    const a = conf.indexOf('location ~ "^(?:/api/v[0-9]+/tasks/[0-9]+)$"');
    const b = conf.indexOf('location ~ "^(?:/users/[a-z]+/profile)$"');
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(conf).toMatch(/if \(\$http_x_version = "beta"\) \{ proxy_pass http:\/\/svc_d_w1; \}\n\s+proxy_pass http:\/\/svc_e_w1;/);
    expect(conf).toMatch(/if \(\$arg_debug = "true"\) \{ proxy_pass http:\/\/svc_f_w1; \}/);
  });

  test('one server per hostname at 1,000 rules', () => {
    const big = scaleTable(1000);
    const text = nginxConfig(big, { listen: 18080, ports: ports(big), workDir: '/tmp/w' });
    expect((text.match(/server_name /g) ?? []).length).toBe(byHost(big.rules).size);
  });
});

test('the wrk script sends every request of the mix with its host and headers', () => {
  const t = tenRuleTable();
  const lua = wrkScript(t);
  for (const r of t.requests) expect(lua).toContain(`wrk.format("GET", "${r.target}"`);
  expect(lua).toContain('["x-version"] = "beta"');
  expect(lua).toContain('["host"] = "api.example.com"');
});
