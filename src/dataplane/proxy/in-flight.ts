/**
 * What is in flight (responses, connections, sessions), as a doubly linked list rather than a `Set`.
 *
 * A `Set` or `Map` that lives for the whole process and has an entry added and removed per request makes V8
 * promote every object its entries reach. Once the collection's table is in the old generation (the collection
 * sat idle through two scavenges, as it does at start-up), each rehash (one every few additions when entries
 * keep being removed) puts the new table in the old generation too. The table it replaces stays there, still
 * holding the entries it had, until a major collection; meanwhile those entries, and what they reach, live
 * through every scavenge and are promoted. For the gateway's HTTP/1.1 responses that was each response's request,
 * socket state and buffers: about 250 KB promoted per scavenge on the benchmark's 10-rule mix, a major collection
 * every few thousand requests, and a p99 set by those collections. `bench/set-promotion.ts` shows it alone: a `Set`
 * with 8 entries in it at a time promotes about 950 KB per scavenge on Node 22, 24 and 26, this list nothing.
 *
 * Here an entry is a small object of its own; removing it unlinks it and clears its fields, so a removed
 * entry, wherever it lives, reaches nothing.
 */
export class InFlight<T> implements Iterable<T> {
  private head: InFlightEntry<T> | undefined;
  private count = 0;

  /** How many are in flight. */
  get size(): number {
    return this.count;
  }

  /** Adds `value`; `delete` with the entry returned removes it. */
  add(value: T): InFlightEntry<T> {
    const entry = new InFlightEntry<T>(this, value, this.head);
    if (this.head) this.head.prev = entry;
    this.head = entry;
    this.count++;
    return entry;
  }

  /** Removes the entry; nothing for an entry already removed or of another list. */
  delete(entry: InFlightEntry<T>): void {
    if (entry.list !== this) return;
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    entry.list = undefined;
    entry.value = undefined;
    entry.prev = undefined;
    entry.next = undefined;
    this.count--;
  }

  /**
   * The values in flight when the iteration starts, newest first, skipping those removed before their turn (so
   * removing any of them while iterating is safe); values added meanwhile are not visited.
   */
  *[Symbol.iterator](): Iterator<T> {
    const entries: InFlightEntry<T>[] = [];
    for (let e = this.head; e; e = e.next) entries.push(e);
    for (const e of entries) if (e.list === this) yield e.value as T;
  }
}

/** One entry of an `InFlight` list; its fields are cleared when it is removed. */
export class InFlightEntry<T> {
  constructor(
    public list: InFlight<T> | undefined,
    public value: T | undefined,
    public next: InFlightEntry<T> | undefined,
    public prev: InFlightEntry<T> | undefined = undefined,
  ) {}
}
