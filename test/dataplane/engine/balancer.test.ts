/**
 * The weighted balancer, with a seeded random source.
 */
import { seeded } from './helpers';
import { backendProbabilities, leastRequestIndex, pickBackend, pickEndpointIndex } from '../../../src/dataplane/engine/balancer';
import { CompiledBackend } from '../../../src/dataplane/engine/model';

function backend(name: string, weight: number, invalid = false): CompiledBackend {
  return {
    weight,
    ref: { group: '', kind: 'Service', namespace: 'default', name, port: 80 },
    filters: [],
    ...(invalid ? { invalid: { reason: 'BackendNotFound' as const, message: 'gone' } } : { target: { endpoints: [{ host: name, port: 80 }], protocol: 'http1' as const } }),
  };
}

function rule(backends: CompiledBackend[]) {
  return { backends, totalWeight: backends.reduce((s, b) => s + b.weight, 0) };
}

function counts(r: ReturnType<typeof rule>, n: number, seed: number): Record<string, number> {
  const random = seeded(seed);
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const b = pickBackend(r, random);
    const k = b ? b.ref.name : 'none';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

describe('pickBackend', () => {
  test('picks in exact proportion to the weights over 100,000 seeded picks', () => {
    // GIVEN weights 70/20/10/0
    const r = rule([backend('a', 70), backend('b', 20), backend('c', 10), backend('zero', 0)]);
    // WHEN 100,000 picks are made
    const c = counts(r, 100_000, 42);
    // THEN each share is within 0.5 percentage points and weight 0 is never picked
    expect(Math.abs(c.a / 100_000 - 0.7)).toBeLessThan(0.005);
    expect(Math.abs(c.b / 100_000 - 0.2)).toBeLessThan(0.005);
    expect(Math.abs(c.c / 100_000 - 0.1)).toBeLessThan(0.005);
    expect(c.zero).toBeUndefined();
    expect(c.none).toBeUndefined();
  });

  test('maps the random range onto cumulative weights exactly', () => {
    const r = rule([backend('a', 1), backend('zero', 0), backend('b', 3)]);
    expect(pickBackend(r, () => 0)!.ref.name).toBe('a');
    expect(pickBackend(r, () => 0.2499999)!.ref.name).toBe('a');
    expect(pickBackend(r, () => 0.25)!.ref.name).toBe('b');
    expect(pickBackend(r, () => 0.9999999999)!.ref.name).toBe('b');
  });

  test('an invalid backend keeps its share (its share answers 500)', () => {
    const r = rule([backend('ok', 1), backend('bad', 1, true)]);
    const c = counts(r, 10_000, 7);
    expect(Math.abs(c.bad / 10_000 - 0.5)).toBeLessThan(0.02);
    expect(pickBackend(r, () => 0.75)!.invalid?.reason).toBe('BackendNotFound');
  });

  test('no backends, or all weight 0, gives undefined (500)', () => {
    expect(pickBackend(rule([]), Math.random)).toBeUndefined();
    expect(pickBackend(rule([backend('a', 0), backend('b', 0)]), Math.random)).toBeUndefined();
  });

  test('a broken random source never selects a weight-0 backend', () => {
    const r = rule([backend('zero', 0), backend('a', 2), backend('zero2', 0)]);
    for (const v of [NaN, -1, 1, 7, Infinity]) expect(pickBackend(r, () => v)!.ref.name).toBe('a');
  });

  test('probabilities are weight / total', () => {
    expect(backendProbabilities(rule([backend('a', 3), backend('b', 1), backend('c', 0)]))).toEqual([0.75, 0.25, 0]);
    expect(backendProbabilities(rule([backend('a', 0)]))).toEqual([0]);
  });
});

describe('endpoint policies', () => {
  test('least-request draws two distinct endpoints and keeps the less loaded (the first on a tie)', () => {
    // GIVEN loads [3, 1, 2] and random values that draw 0 then (of the two left) 1 -> endpoints 0 and 2
    const loads = [3, 1, 2];
    const draws = (values: number[]) => {
      let i = 0;
      return () => values[i++];
    };
    expect(leastRequestIndex(3, (i) => loads[i], draws([0, 0.5]))).toBe(2);
    // a tie keeps the first drawn
    expect(leastRequestIndex(3, () => 0, draws([0.7, 0]))).toBe(2);
    // the two drawn are never the same endpoint, whatever the source says
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seeded(seed);
      for (let k = 0; k < 100; k++) {
        const picked = leastRequestIndex(2, (i) => (i === 0 ? 1 : 0), random);
        expect(picked).toBe(1);
      }
    }
    expect(leastRequestIndex(1, () => 9, () => 0.5)).toBe(0);
    expect(leastRequestIndex(4, (i) => i, () => NaN)).toBe(0);
  });

  test('round robin is the cursor modulo n, moved past the endpoints to avoid while another exists', () => {
    expect(pickEndpointIndex(3, 'round-robin', 7, () => 0, () => 0)).toBe(1);
    expect(pickEndpointIndex(3, 'round-robin', 1, () => 0, () => 0, (i) => i === 1 || i === 2)).toBe(0);
    expect(pickEndpointIndex(2, 'round-robin', 0, () => 0, () => 0, () => true)).toBe(0);
    expect(pickEndpointIndex(0, 'round-robin', 0, () => 0, () => 0)).toBe(-1);
    expect(pickEndpointIndex(3, 'least-request', 0, (i) => (i === 0 ? 0 : 5), () => 0.4, (i) => i === 0)).toBe(1);
  });
});
