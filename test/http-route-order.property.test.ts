import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { Annotations, BackendRef, Gateway, HeaderMatch, HttpMethod, HttpRoute, HttpRouteMatchProps, Listener, ParentRef, PathMatch, QueryParamMatch } from '../src';

// An independent model of the Gateway API's HTTPRoute selection, used to check that the emitted rule order makes a
// first-match gateway select the same rule as the spec's precedence, and that every "can never be selected" error
// is true.

interface M {
  readonly type: 'Exact' | 'PathPrefix';
  readonly path: string;
  readonly method?: 'GET' | 'POST';
  readonly header?: string; // value of header "x", if matched
  readonly headerRegex?: boolean; // header is an RE2 pattern (whole-value match)
  readonly query?: string; // value of query parameter "q", if matched
}
interface Req {
  readonly path: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly x?: string;
  readonly q?: string;
}

const PATHS = ['/', '/a', '/a/', '/a/b', '/b', '/ab'];
// Every path a match can tell apart: each match path itself, with a trailing slash, one element deeper, and one character longer.
const REQUEST_PATHS = [...new Set(PATHS.flatMap((p) => [p, p.replace(/\/$/, '') + '/', p.replace(/\/$/, '') + '/x', p + 'x']))];

function matches(m: M, r: Req): boolean {
  let pathOk: boolean;
  if (m.type === 'Exact') {
    pathOk = r.path === m.path;
  } else {
    const p = m.path === '/' ? '/' : m.path.replace(/\/$/, '');
    pathOk = p === '/' || r.path === p || r.path.startsWith(p + '/');
  }
  const headerOk = m.header === undefined || (r.x !== undefined && (m.headerRegex ? new RegExp(`^(?:${m.header})$`).test(r.x) : m.header === r.x));
  return pathOk && (m.method === undefined || m.method === r.method) && headerOk && (m.query === undefined || m.query === r.q);
}

/** Negative when a wins: Exact, longest prefix (characters), method, more headers. */
function precedence(a: M, b: M): number {
  if (a.type !== b.type) return a.type === 'Exact' ? -1 : 1;
  if (a.type === 'PathPrefix' && a.path.length !== b.path.length) return b.path.length - a.path.length;
  if ((a.method === undefined) !== (b.method === undefined)) return a.method === undefined ? 1 : -1;
  const headers = (b.header === undefined ? 0 : 1) - (a.header === undefined ? 0 : 1);
  if (headers !== 0) return headers;
  return (b.query === undefined ? 0 : 1) - (a.query === undefined ? 0 : 1);
}

/** The spec's winner: [rule, match] by precedence, ties to the first rule (author order), or undefined. */
function specSelect(rules: M[][], r: Req): [number, number] | undefined {
  let best: [number, number] | undefined;
  rules.forEach((ms, i) => ms.forEach((m, j) => {
    if (!matches(m, r)) return;
    if (best === undefined || precedence(m, rules[best[0]][best[1]]) < 0) best = [i, j];
  }));
  return best;
}

const matchArb: fc.Arbitrary<M> = fc.record({
  type: fc.constantFrom('Exact' as const, 'PathPrefix' as const),
  path: fc.constantFrom(...PATHS),
  method: fc.option(fc.constantFrom('GET' as const, 'POST' as const), { nil: undefined }),
  header: fc.option(fc.constantFrom('1', '2', '[12]'), { nil: undefined }),
  headerRegex: fc.boolean(),
  query: fc.option(fc.constant('a'), { nil: undefined }),
}).map((m) => ({ ...m, headerRegex: m.header === '[12]' ? true : m.header === undefined ? undefined : m.headerRegex }));
const rulesArb = fc.array(fc.array(matchArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 });

// PUT stands for every method no match names.
const requests: Req[] = REQUEST_PATHS.flatMap((path) => (['GET', 'POST', 'PUT'] as const).flatMap((method) => [undefined, '1', '2', '3'].flatMap((x) => [undefined, 'a', 'b'].map((q) => ({ path, method, x, q })))));

function toProps(m: M): HttpRouteMatchProps {
  return {
    path: m.type === 'Exact' ? PathMatch.exact(m.path) : PathMatch.pathPrefix(m.path),
    method: m.method === undefined ? undefined : (m.method as HttpMethod),
    headers: m.header === undefined ? undefined : [m.headerRegex ? HeaderMatch.regularExpression('x', m.header) : HeaderMatch.exact('x', m.header)],
    queryParams: m.query === undefined ? undefined : [QueryParamMatch.exact('q', m.query)],
  };
}

/** Synthesizes the rules; returns the emitted order (author indices) or the validation error. */
function synth(rules: M[][]): { order?: number[]; error?: string; warnings?: string[] } {
  const chart = Testing.chart();
  const gw = new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClassName: 'c', listeners: [Listener.http({ name: 'http' })] });
  const route = new HttpRoute(chart, 'route', {
    metadata: { name: 'r' },
    parentRefs: [ParentRef.fromGateway(gw)],
    rules: rules.map((ms, i) => ({ name: `r${i}`, matches: ms.map(toProps), backendRefs: [BackendRef.fromName(`b${i}`, { port: 80 })] })),
  });
  try {
    const synthesized = Testing.synth(chart).find((o) => o.kind === 'HTTPRoute');
    return { order: synthesized.spec.rules.map((r: any) => Number(r.name.slice(1))), warnings: Annotations.of(route).warnings };
  } catch (e: any) {
    return { error: String(e.message) };
  }
}


beforeAll(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());

describe('rule order (property)', () => {
  test('an accepted route selects the same rule under first-match and under the spec, for every request', () => {
    fc.assert(fc.property(rulesArb, (rules) => {
      const { order, error, warnings } = synth(rules);
      if (order === undefined) {
        // Only our own validation may reject these inputs.
        expect(error).toMatch(/can never be selected|repeats|cannot be ordered/);
        return;
      }
      expect([...order].sort()).toStrictEqual(rules.map((_, i) => i));
      // Undecided regular expression overlaps are reported as a warning; without one, the order is exact.
      if (warnings!.length > 0) return;
      for (const r of requests) {
        const spec = specSelect(rules, r);
        const first = order.find((i) => rules[i].some((m) => matches(m, r)));
        expect(first).toBe(spec?.[0]);
      }
    }), { numRuns: 300, seed: 42 });
  });

  test('every "can never be selected" error names a match the spec never selects', () => {
    fc.assert(fc.property(rulesArb, (rules) => {
      const { error } = synth(rules);
      if (error === undefined) return;
      for (const [, rule, match] of error.matchAll(/rule (\d+) \("r\d+"\) match (\d+) \([^)]*\) can never be selected/g)) {
        const [i, j] = [Number(rule) - 1, Number(match) - 1];
        for (const r of requests) {
          const spec = specSelect(rules, r);
          expect(spec).not.toStrictEqual([i, j]);
          // And the rule of the dead match is not selected through it: if only it matches, some other rule wins.
          if (matches(rules[i][j], r)) expect(spec).toBeDefined();
        }
      }
    }), { numRuns: 300, seed: 7 });
  });

  test('every "cannot be ordered" error is real: no order of the rules makes first-match agree with the spec', () => {
    const permutations = (n: number): number[][] => (n === 0
      ? [[]]
      : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)])));
    fc.assert(fc.property(fc.array(fc.array(matchArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 4 }), (rules) => {
      const { error } = synth(rules);
      if (error === undefined || !/cannot be ordered/.test(error) || /can never be selected|repeats/.test(error)) return;
      const agrees = (order: number[]) => requests.every((r) => order.find((i) => rules[i].some((m) => matches(m, r))) === specSelect(rules, r)?.[0]);
      expect(permutations(rules.length).some(agrees)).toBe(false);
    }), { numRuns: 300, seed: 3 });
  });
});
