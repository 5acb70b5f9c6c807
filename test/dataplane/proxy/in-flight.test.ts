import * as v8 from 'v8';
import * as vm from 'vm';
import { InFlight } from '../../../src/dataplane/proxy/in-flight';

v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');

describe('InFlight', () => {
  test('holds what was added and not removed, newest first, with its size', () => {
    // GIVEN three values, the middle one removed
    const list = new InFlight<string>();
    const a = list.add('a');
    const b = list.add('b');
    list.add('c');
    list.delete(b);

    // THEN
    expect([...list]).toEqual(['c', 'a']);
    expect(list.size).toBe(2);

    // WHEN the others go too, in any order
    list.delete(a);
    expect([...list]).toEqual(['c']);
    expect(list.size).toBe(1);
  });

  test('removing twice, or an entry of another list, changes nothing', () => {
    // GIVEN two lists
    const one = new InFlight<number>();
    const other = new InFlight<number>();
    const e = one.add(1);
    one.add(2);
    const foreign = other.add(3);

    // WHEN
    one.delete(e);
    one.delete(e);
    one.delete(foreign);

    // THEN
    expect([...one]).toEqual([2]);
    expect(one.size).toBe(1);
    expect([...other]).toEqual([3]);
  });

  test('values removed while iterating are skipped; the iteration goes on', () => {
    // GIVEN five values; each visit removes the value after it (in iteration order) and itself
    const list = new InFlight<number>();
    const entries = [1, 2, 3, 4, 5].map((n) => list.add(n));
    const visited: number[] = [];

    // WHEN
    for (const n of list) {
      visited.push(n);
      list.delete(entries[n - 1]);
      if (n > 1) list.delete(entries[n - 2]);
    }

    // THEN 5 is visited, removes 4 and itself; 3 comes next, removes 2 and itself; 1 is left
    expect(visited).toEqual([5, 3, 1]);
    expect(list.size).toBe(0);
    expect([...list]).toEqual([]);
  });

  test('values added while iterating are left for the next iteration', () => {
    const list = new InFlight<number>();
    list.add(1);
    const visited: number[] = [];
    for (const n of list) {
      visited.push(n);
      if (n < 3) list.add(n + 1);
    }
    expect(visited).toEqual([1]);
    expect([...list]).toEqual([2, 1]);
  });

  test('a removed entry reaches nothing: its value is collected while the entry itself is still held', async () => {
    // GIVEN an entry between two others, removed, and held on to
    const list = new InFlight<object>();
    list.add({});
    const { entry, ref } = (() => {
      const value = { payload: Buffer.alloc(1024) };
      const added = list.add(value);
      return { entry: added, ref: new WeakRef(value) };
    })();
    list.add({});
    list.delete(entry);
    await new Promise((resolve) => setImmediate(resolve));

    // WHEN a full collection runs
    gc();

    // THEN the value is gone, and the entry links nowhere
    expect(ref.deref()).toBeUndefined();
    expect(entry.value).toBeUndefined();
    expect(entry.next).toBeUndefined();
    expect(entry.prev).toBeUndefined();
    expect(list.size).toBe(2);
  });
});
