import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ruleCounts } from '../../../src/dataplane/schema';
import { compileRule, celPropertyName, re2Matches, rewriteCalls } from '../../../src/dataplane/schema/cel';
import { CRD_DIR, parseCrdFile, useParsedCrdCache } from '../../../src/dataplane/schema/crds';
import { PATTERN_HINTS } from '../../../src/dataplane/schema/structural';

describe('every x-kubernetes-validations rule of the vendored CRDs is compiled', () => {
  test('rules compiled per kind, served version and channel', () => {
    // GIVEN the vendored v1.6.1 CRDs; counts found with `grep -c 'rule:'` per file, split by version
    // (BackendTLSPolicy v1alpha3 is not served; GatewayClass's one rule is `self == oldSelf`)
    // WHEN every served version is compiled
    const counts = ruleCounts().map((c) => `${c.channel} ${c.kind} ${c.version}: ${c.compiled} compiled, ${c.transitionSkipped} transition`);
    // THEN
    expect(counts).toStrictEqual([
      'experimental HTTPRoute v1: 106 compiled, 0 transition',
      'experimental HTTPRoute v1beta1: 106 compiled, 0 transition',
      'standard BackendTLSPolicy v1: 8 compiled, 0 transition',
      'standard Gateway v1: 16 compiled, 0 transition',
      'standard Gateway v1beta1: 16 compiled, 0 transition',
      'standard GatewayClass v1: 1 compiled, 1 transition',
      'standard GatewayClass v1beta1: 1 compiled, 1 transition',
      'standard GRPCRoute v1: 33 compiled, 0 transition',
      'standard HTTPRoute v1: 89 compiled, 0 transition',
      'standard HTTPRoute v1beta1: 89 compiled, 0 transition',
      'standard ListenerSet v1: 7 compiled, 0 transition',
      'standard ReferenceGrant v1: 0 compiled, 0 transition',
      'standard ReferenceGrant v1beta1: 0 compiled, 0 transition',
      'standard TCPRoute v1: 3 compiled, 0 transition',
      'standard TLSRoute v1: 6 compiled, 0 transition',
      'standard UDPRoute v1: 3 compiled, 0 transition',
    ]);
  });

  test('the compiled counts add up to the rule lines in the CRD files (minus the unserved versions)', () => {
    const ruleLines = (file: string) => (fs.readFileSync(path.join(CRD_DIR, file), 'utf8').match(/^\s*(- )?rule: /gm) ?? []).length;
    const files = fs.readdirSync(CRD_DIR).filter((f) => /^gateway\.networking\.k8s\.io_.*\.yaml$/.test(f));
    const standardLines = files.reduce((n, f) => n + ruleLines(f), 0);
    const experimentalLines = ruleLines('experimental/gateway.networking.k8s.io_httproutes.yaml');
    const counts = ruleCounts();
    const sum = (channel: string) => counts.filter((c) => c.channel === channel).reduce((n, c) => n + c.compiled, 0);
    // Unserved versions' rules: BackendTLSPolicy v1alpha3 (8), TLSRoute v1alpha2 (3) and v1alpha3 (6), TCPRoute and
    // UDPRoute v1alpha2 (3 each).
    expect(sum('standard') + 8 + 3 + 6 + 3 + 3).toBe(standardLines);
    expect(sum('experimental')).toBe(experimentalLines);
  });
});

describe('the CEL environment', () => {
  test('fails loudly on a rule that calls a function it does not provide', () => {
    expect(() => compileRule('self.isSorted()', undefined, 'x.yaml spec')).toThrow(/^x\.yaml spec: the CEL rule "self\.isSorted\(\)" does not type-check/);
  });

  test('fails loudly on a rule that does not parse', () => {
    expect(() => compileRule('self.a ==', undefined, 'x.yaml spec')).toThrow(/^x\.yaml spec: cannot compile the CEL rule "self\.a =="/);
  });

  test('fails loudly on an invalid RE2 pattern', () => {
    expect(() => compileRule("self.matches('(?<name>x)(')", undefined, 'x.yaml spec')).toThrow(/invalid RE2 pattern/);
  });

  test('matches uses RE2 syntax, unanchored', () => {
    expect(re2Matches('Echo.Service', '^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$')).toBe(true);
    expect(re2Matches('xabcx', 'abc')).toBe(true);
    expect(re2Matches('ab', '^abc$')).toBe(false);
    expect(compileRule("self.matches('^(?i)abc$')", undefined, 'w').evaluate('ABC')).toBe(true);
  });

  test('has() works on any operand, and tests presence without reading', () => {
    const rule = compileRule('has(self[0].matches) && !has(self[1].matches)', undefined, 'w');
    expect(rule.evaluate([{ matches: [] }, {}])).toBe(true);
    expect(rule.evaluate([{}, {}])).toBe(false);
  });

  test('only calls are rewritten, not fields or string contents', () => {
    expect(rewriteCalls("self.matches[0].matches('x') && has(self.has) && 'has(' == r\"\"\"matches(\"\"\"")).toBe(
      "self.matches[0].k8sRe2Matches('x') && k8sHas(self.has) && 'has(' == r\"\"\"matches(\"\"\"",
    );
  });

  test('transition rules are recognized', () => {
    expect(compileRule('self == oldSelf', 'immutable', 'w').transition).toBe(true);
    expect(compileRule("self.oldSelf == 'x'", undefined, 'w').transition).toBe(false);
  });

  test('property names are escaped as Kubernetes does', () => {
    expect(celPropertyName('namespace')).toBe('__namespace__');
    expect(celPropertyName('a-b.c/d__e')).toBe('a__dash__b__dot__c__slash__d__underscores__e');
    expect(celPropertyName('port')).toBe('port');
    expect(celPropertyName('1x')).toBeUndefined();
  });

  test('a rule that reads a namespaced parentRef sees namespace as __namespace__', () => {
    const rule = compileRule("self.all(p, !has(p.__namespace__) || p.__namespace__ != 'forbidden')", undefined, 'w');
    expect(rule.evaluate([{ __namespace__: 'forbidden' }])).toBe(false);
    expect(rule.evaluate([{ __namespace__: 'ok' }])).toBe(true);
  });
});

describe('the parsed-CRD cache', () => {
  const dir = path.join(__dirname, '../../../.tmp/crd-cache-test');
  afterEach(() => {
    useParsedCrdCache(undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('stores the parsed CRD as JSON keyed by content and reads back the same value', () => {
    // GIVEN an empty cache directory
    fs.rmSync(dir, { recursive: true, force: true });
    useParsedCrdCache(dir);
    const file = path.join(CRD_DIR, 'gateway.networking.k8s.io_referencegrants.yaml');
    // WHEN the CRD is parsed twice
    const first = parseCrdFile(file);
    const cached = fs.readdirSync(dir);
    const second = parseCrdFile(file);
    // THEN one JSON file holds it, and both reads equal a plain YAML parse
    expect(cached).toHaveLength(1);
    expect(cached[0]).toMatch(/^gateway\.networking\.k8s\.io_referencegrants\.[0-9a-f]{32}\.json$/);
    const expected = YAML.parse(fs.readFileSync(file, 'utf8'));
    expect(first).toStrictEqual(expected);
    expect(JSON.parse(JSON.stringify(second))).toStrictEqual(JSON.parse(JSON.stringify(expected)));
  });
});

test('every pattern with a readable explanation is a pattern the CRDs use', () => {
  const patterns = new Set<string>();
  const walk = (o: any): void => {
    if (!o || typeof o !== 'object') return;
    if (typeof o.pattern === 'string') patterns.add(o.pattern);
    Object.values(o).forEach(walk);
  };
  for (const f of fs.readdirSync(CRD_DIR).filter((n) => /^gateway\.networking\.k8s\.io_.*\.yaml$/.test(n))) walk(parseCrdFile(path.join(CRD_DIR, f)));
  const hinted = Object.keys(PATTERN_HINTS);
  expect(hinted).toHaveLength(8);
  expect(hinted.filter((p) => !patterns.has(p))).toStrictEqual([]);
});
