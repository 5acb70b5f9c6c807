/**
 * The regex index: required literal runs and path segments of RE2 patterns (used to skip regexes that
 * cannot match), checked against the RE2 engine itself on random patterns and paths, and the router's
 * regex lookup against a table where every regex shares one literal prefix.
 */
import * as fc from 'fast-check';
import { RE2JS } from 're2js';
import { docs, gateway } from './helpers';
import { compile } from '../../../src/dataplane/engine/compile';
import { route } from '../../../src/dataplane/engine/router';
import { compileRegex, requiredRuns, requiredSegments } from '../../../src/dataplane/engine/util';

describe('requiredRuns', () => {
  test.each([
    ['/api/v[0-9]+/r12/[a-z]+', ['/api/v', '/r12/']],
    ['^/a/b$', ['/a/b']],
    ['/ab?c', ['/a', 'c']],
    ['/ab+c', ['/ab', 'bc']],
    ['/a{2}b', ['/', 'b']],
    ['/(en|de)/x', ['/', '/x']],
    ['\\./a', ['./a']],
    ['/a\\d+/b', ['/a', '/b']],
    ['[/]api', ['api']],
    ['/a.*', ['/a']],
  ])('%s requires %j', (pattern, runs) => {
    expect(requiredRuns(pattern)!.map((r) => r.text)).toEqual(runs);
  });

  test.each([['/a|/b'], ['(?i)/api'], ['/\\x41'], ['/\\pL'], ['/\\Qa.b\\E'], ['/a)'], ['/(a']])('%s is not read', (pattern) => {
    expect(requiredRuns(pattern)).toBeUndefined();
  });

  test('start and end', () => {
    expect(requiredRuns('/a/[0-9]+/b')).toEqual([{ text: '/a/', start: true, end: false }, { text: '/b', start: false, end: true }]);
  });
});

describe('requiredSegments', () => {
  test.each([
    ['/api/v[0-9]+/r12/[a-z]+', ['api', 'r12']],
    ['/(en|de)/r1/[a-z]+', ['r1']],
    ['/x/[a-z]+/tail', ['x', 'tail']],
    ['/x/[a-z]+/tail/?', ['x']],
    ['.*', []],
    ['/a|/b', []],
  ])('%s requires the segments %j', (pattern, segments) => {
    expect(requiredSegments(pattern)).toEqual(segments);
  });
});

const ATOMS = ['a', 'b', '/', '/a/', '/b/', '.', '[ab]', '[/a]', '(a|b)', '(/a)', '\\.', 'x', '/x/'];
const QUANT = ['', '', '', '?', '*', '+', '{1,2}', '{0,1}'];
const patternArb = fc.array(fc.tuple(fc.constantFrom(...ATOMS), fc.constantFrom(...QUANT)), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.map(([a, q]) => `${a.length > 1 && q ? `(?:${a})` : a}${q}`).join(''));
const stringArb = fc.array(fc.constantFrom('a', 'b', '/', '.', 'x'), { maxLength: 10 }).map((c) => c.join(''));

describe('against RE2', () => {
  test('every string a pattern matches contains its runs (starts / ends with the first / last) and its segments', () => {
    fc.assert(fc.property(patternArb, fc.array(stringArb, { minLength: 20, maxLength: 40 }), (pattern, samples) => {
      const re = RE2JS.compile(pattern);
      const runs = requiredRuns(pattern) ?? [];
      const segments = requiredSegments(pattern);
      for (const s of samples) {
        if (!re.matches(s)) continue;
        for (const r of runs) {
          expect(s.includes(r.text)).toBe(true);
          if (r.start) expect(s.startsWith(r.text)).toBe(true);
          if (r.end) expect(s.endsWith(r.text)).toBe(true);
        }
        const parts = s.split('/');
        for (const seg of segments) expect(parts).toContain(seg);
      }
    }), { numRuns: 400 });
  });

  test('compileRegex (with its literal prefilters) answers as RE2 does', () => {
    fc.assert(fc.property(patternArb, fc.array(stringArb, { minLength: 20, maxLength: 40 }), (pattern, samples) => {
      const re = RE2JS.compile(pattern);
      const fn = compileRegex(pattern);
      for (const s of samples) expect(fn(s)).toBe(re.matches(s));
    }), { numRuns: 400 });
  });
});

describe('router: regexes indexed by a required segment', () => {
  const rules = [];
  for (let i = 0; i < 40; i++) {
    rules.push({ matches: [{ path: { type: 'RegularExpression', value: i % 2 ? `/api/v[0-9]+/r${i}/[a-z]+` : `/(en|de)/r${i}/.*` } }], backendRefs: [{ name: `s${i}`, port: 80 }] });
  }
  rules.push({ matches: [{ path: { type: 'RegularExpression', value: '/api/.*/r3/[a-z]+' } }], backendRefs: [{ name: 'wide', port: 80 }] });
  rules.push({ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'root', port: 80 }] });
  const chunks = [];
  for (let c = 0; c * 16 < rules.length; c++) chunks.push(rules.slice(c * 16, c * 16 + 16));
  const table = compile(docs([gateway(), ...chunks.map((r, c) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `r${c}` }, spec: { parentRefs: [{ name: 'gw' }], rules: r },
  }))]));
  const backend = (path: string) => {
    const d = route(table, { gateway: 'default/gw', port: 80, host: 'a.example.com', method: 'GET', path, query: '', headers: {} });
    return d.outcome === 'routed' ? d.rule.backends[0].ref.name : d.outcome;
  };

  test.each([
    ['/api/v2/r7/abc', 's7'],
    ['/de/r8/anything/else', 's8'],
    ['/en/r8', 'root'],
    ['/api/v2/r3/abc', 's3'],
    ['/api/x/y/r3/abc', 'wide'],
    ['/api/v2/r4/abc', 'root'],
    ['/api/v2/r7/ABC', 'root'],
    ['/r7/api/v2/abc', 'root'],
  ])('%s -> %s', (path, expected) => {
    expect(backend(path)).toBe(expected);
  });
});
