import * as fc from 'fast-check';
import { gateway, grpcRoute, httpRoute } from './fixtures';
import { validateObject } from '../../../src/dataplane/schema';

/** Every [path, container] of a JSON value, for replacing values at random places. */
function paths(value: any, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths(value[k], [...prefix, k]))];
}

function replaceAt(root: any, path: Array<string | number>, replacement: unknown): any {
  if (path.length === 0) return replacement;
  const copy = JSON.parse(JSON.stringify(root));
  let cur = copy;
  for (const seg of path.slice(0, -1)) cur = cur[seg];
  cur[path[path.length - 1]] = replacement;
  return copy;
}

describe('validation never throws, whatever the input', () => {
  test.each([
    ['HTTPRoute', httpRoute],
    ['Gateway', gateway],
    ['GRPCRoute', grpcRoute],
  ])('any JSON value at any field of a %s gives issues, not an exception', (_kind, make) => {
    const base = make();
    const all = paths(base).filter((p) => p[0] !== 'apiVersion' && p[0] !== 'kind');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.jsonValue({ maxDepth: 3 }), (i, value) => {
        const obj = replaceAt(base, all[i], value);
        const issues = validateObject(obj);
        expect(Array.isArray(issues)).toBe(true);
        for (const issue of issues) {
          expect(typeof issue.field).toBe('string');
          expect(issue.message).toMatch(/^[a-z"(`]/);
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  test('a replaced value is reported at its field (or below it)', () => {
    const route = httpRoute();
    const obj = replaceAt(route, ['spec', 'rules', 0, 'matches'], 'everything');
    const issues = validateObject(obj);
    expect(issues.map((i) => i.field)).toStrictEqual(['spec.rules[0].matches', '']);
    expect(issues[0].message).toMatch(/^must be of type array, got string "everything"$/);
    expect(issues[1].message).toMatch(/^some validation rules were not checked because the object was invalid/);
  });
});
