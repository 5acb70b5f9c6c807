/**
 * EndpointRegistry against a model: after any sequence of slice changes (IPv4 and IPv6 slices of one dual-stack
 * Service, endpoints ready or not, slices replaced and deleted), what it picks from, what it keeps and what it
 * drains are what the slices say.
 */
import * as fc from 'fast-check';
import { endpointSlice, serviceObject } from './fixtures';
import { EndpointRegistry } from '../../../src/dataplane/endpoints/registry';

const PODS = 5;
const v4 = (pod: number) => `10.0.0.${pod + 1}`;
const v6 = (pod: number) => `fd00::${pod + 1}`;

interface SliceModel {
  readonly family: 'IPv4' | 'IPv6';
  readonly endpoints: readonly { readonly pod: number; readonly ready: boolean }[];
}

type Op = { readonly kind: 'upsert'; readonly name: string; readonly slice: SliceModel } | { readonly kind: 'delete'; readonly name: string };

const sliceArb: fc.Arbitrary<SliceModel> = fc.record({
  family: fc.constantFrom<'IPv4' | 'IPv6'>('IPv4', 'IPv6'),
  endpoints: fc.uniqueArray(fc.record({ pod: fc.nat(PODS - 1), ready: fc.boolean() }), { selector: (e) => e.pod, maxLength: PODS }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant<'upsert'>('upsert'), name: fc.constantFrom('s1', 's2', 's3'), slice: sliceArb }),
  fc.record({ kind: fc.constant<'delete'>('delete'), name: fc.constantFrom('s1', 's2', 's3') }),
);

/** What the slices say: the ready `address:port`s, and per ready pod the address picked (IPv4 when it has one ready). */
function expected(slices: ReadonlyMap<string, SliceModel>): { keys: Set<string>; picks: Set<string> } {
  const keys = new Set<string>();
  const byPod = new Map<number, string>();
  for (const s of slices.values()) {
    for (const e of s.endpoints) {
      if (!e.ready) continue;
      const address = s.family === 'IPv4' ? `${v4(e.pod)}:8080` : `[${v6(e.pod)}]:8080`;
      keys.add(address);
      if (s.family === 'IPv4' || !byPod.has(e.pod)) byPod.set(e.pod, address);
    }
  }
  return { keys, picks: new Set(byPod.values()) };
}

describe('EndpointRegistry (property)', () => {
  test('picks, keeps and drains exactly what the slices say, after any sequence of changes', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
      // GIVEN a dual-stack Service
      const registry = new EndpointRegistry();
      const drained: string[] = [];
      registry.onDrain((k) => drained.push(k));
      registry.upsertService(serviceObject('web'));
      const model = new Map<string, SliceModel>();
      for (const op of ops) {
        // WHEN each change is applied
        const before = expected(model).keys;
        drained.length = 0;
        if (op.kind === 'upsert') {
          model.set(op.name, op.slice);
          const problems = registry.upsertSlice(endpointSlice(op.name, 'web', op.slice.endpoints.map((e) => ({
            ip: op.slice.family === 'IPv4' ? v4(e.pod) : v6(e.pod), ready: e.ready, pod: `pod-${e.pod}`,
          })), { addressType: op.slice.family }));
          expect(problems).toEqual([]);
        } else {
          model.delete(op.name);
          registry.deleteSlice(endpointSlice(op.name, 'web', []));
        }
        // THEN the ready addresses are kept, the ones no longer ready were drained (once each), and one round of
        // round-robin picks reaches every ready pod once, by its IPv4 address when it has one ready
        const { keys, picks } = expected(model);
        expect(new Set(registry.endpointKeys())).toEqual(keys);
        expect(drained.sort()).toEqual([...before].filter((k) => !keys.has(k)).sort());
        const eps = registry.resolve('apps', 'web', 80)!;
        expect(eps.size).toBe(picks.size);
        const round = Array.from({ length: picks.size }, () => eps.next([], () => 0)!.key);
        expect(new Set(round)).toEqual(picks);
      }
    }), { seed: 20261205, numRuns: 300 });
  });
});
