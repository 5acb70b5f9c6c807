/**
 * An informer: a local copy of one collection of the API server, kept current by list + watch.
 *
 * - **List** (in pages), replace the copy, tell the handler what was added, changed or removed since the previous
 *   copy, then **watch** from the list's resourceVersion with bookmarks.
 * - A watch the server ends (its `timeoutSeconds`) is resumed from the last resourceVersion seen; a `410 Gone`
 *   (resourceVersion too old) or any failure lists again, after a backoff that doubles up to `maxBackoffMs`
 *   (with jitter from an injectable random source), reset once a watch has delivered.
 * - **A watch that stopped silently** (a half-open connection, a proxy that keeps the socket but forwards
 *   nothing: client libraries' informers are known to hang there forever) is detected: the server must end every
 *   watch within `timeoutSeconds` (it adds up to as much again at random) and sends a bookmark about once a
 *   minute, so a watch with no event or end for `timeoutSeconds * 2 + stallGraceMs` is dropped and the
 *   collection listed again. `stats.stalls` counts these.
 */
import { KubeApiError, KubeClient, KubeObject, ResourceRef, Watch, WatchEnd, WatchEvent } from './client';
import { wakeablePause } from './pause';

export interface InformerHandler<T extends KubeObject> {
  /** An object appeared (in a watch, or in a list that did not have it before). */
  onAdd?(object: T): void;
  /** An object changed (its resourceVersion differs from the copy's). */
  onUpdate?(object: T, previous: T): void;
  /** An object went away (in a watch, or absent from a new list). */
  onDelete?(object: T): void;
  /** A list has been applied: the copy is complete as of that list. Called after each (re-)list. */
  onSync?(): void;
}

export interface InformerOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Objects per list page; default 500. */
  readonly pageSize?: number;
  /** Asked of the server for each watch; default 300 s. */
  readonly timeoutSeconds?: number;
  /** Added to twice `timeoutSeconds` before a silent watch is dropped; default 10 s. */
  readonly stallGraceMs?: number;
  /** First pause after a failure; default 250 ms. */
  readonly minBackoffMs?: number;
  /** Longest pause; default 30 s. */
  readonly maxBackoffMs?: number;
  /** [0, 1) random source for the backoff's jitter (tests pass a seeded one). */
  readonly random?: () => number;
  /** Told about each failure (the informer goes on after it). */
  readonly onError?: (error: Error) => void;
  /**
   * Applied to each object received before it is kept and handed to the handler: drop here what is never read (the
   * copy of a large collection then holds only what matters). Must keep `metadata.name`, `namespace`, `resourceVersion`.
   */
  readonly transform?: (object: KubeObject) => KubeObject;
}

export interface InformerStats {
  lists: number;
  watches: number;
  stalls: number;
  failures: number;
}

const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The copy kept: without `metadata.managedFields` (as controller-runtime's caches drop it), which nothing here reads and
 * which is often the larger part of a small object. An update sent without the field leaves the server's as it is.
 */
function kept<T extends KubeObject>(o: T): T {
  if (o.metadata?.managedFields !== undefined) delete o.metadata.managedFields;
  return o;
}

export class Informer<T extends KubeObject = KubeObject> {
  public readonly stats: InformerStats = { lists: 0, watches: 0, stalls: 0, failures: 0 };
  private readonly store = new Map<string, T>();
  private readonly options: Required<Omit<InformerOptions, 'labelSelector' | 'fieldSelector' | 'onError' | 'transform'>> & InformerOptions;
  private running = false;
  private watch?: Watch;
  private wake?: () => void;
  private loop?: Promise<void>;
  private firstSync?: Promise<void>;
  private resolveFirstSync?: () => void;

  constructor(
    private readonly client: KubeClient,
    private readonly ref: ResourceRef,
    private readonly handler: InformerHandler<T>,
    options: InformerOptions = {},
  ) {
    if (ref.name !== undefined || ref.subresource !== undefined) {
      throw new Error(`informer ${ref.plural}: watches a collection; name ${JSON.stringify(ref.name)} / subresource ${JSON.stringify(ref.subresource)} must not be set`);
    }
    this.options = {
      pageSize: 500,
      timeoutSeconds: 300,
      stallGraceMs: 10_000,
      minBackoffMs: 250,
      maxBackoffMs: 30_000,
      random: Math.random,
      ...options,
    };
    if (!(this.options.timeoutSeconds >= 1) || !Number.isInteger(this.options.timeoutSeconds)) {
      throw new Error(`informer ${ref.plural}: timeoutSeconds ${options.timeoutSeconds} must be a whole number of seconds, at least 1`);
    }
  }

  /** The copy, as of the last event. */
  public list(): T[] {
    return [...this.store.values()];
  }

  public get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(`${namespace ?? ''}/${name}`);
  }

  /** Starts listing and watching; resolves after the first list has been applied. */
  public start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.firstSync = new Promise((resolve) => (this.resolveFirstSync = resolve));
      this.loop = this.run();
    }
    return this.firstSync!;
  }

  /** Stops watching; resolves when the loop has ended. */
  public async stop(): Promise<void> {
    this.running = false;
    this.watch?.stop();
    this.wake?.();
    await this.loop;
  }

  /** What is kept of an object received: `transform` applied, `managedFields` dropped. */
  private keep(o: T): T {
    return kept(this.options.transform ? this.options.transform(o) as T : o);
  }

  private pause(ms: number): Promise<void> {
    return wakeablePause(ms, (wake) => (this.wake = wake));
  }

  private async run(): Promise<void> {
    let backoff = 0;
    let resourceVersion: string | undefined;
    while (this.running) {
      try {
        if (resourceVersion === undefined) resourceVersion = await this.relist();
        if (!this.running) break;
        const outcome = await this.watchOnce(resourceVersion);
        // a stalled watch lists again: what it missed may be gone from the server's window
        resourceVersion = outcome.stalled ? undefined : outcome.resourceVersion;
        if (outcome.delivered) backoff = 0;
        const end = outcome.end;
        if (end.kind === 'stopped') continue; // stop() (the loop ends) or a stall (listed again)
        if (end.kind === 'closed') continue; // the server's timeoutSeconds: resume from resourceVersion
        if (end.kind === 'status' && end.status.code === 410) {
          resourceVersion = undefined; // too old: list again, at once
          continue;
        }
        throw end.kind === 'status'
          ? new Error(`informer ${this.ref.plural}: watch ended with ${end.status.code} ${end.status.reason}: ${end.status.message}`)
          : end.error;
      } catch (e) {
        if (!this.running) break;
        this.stats.failures++;
        this.options.onError?.(e as Error);
        if (e instanceof KubeApiError && e.code === 410) resourceVersion = undefined;
        backoff = backoff === 0 ? this.options.minBackoffMs : Math.min(backoff * 2, this.options.maxBackoffMs);
        await this.pause(backoff / 2 + this.options.random() * (backoff / 2));
        // after a failure the copy may have missed events the server no longer keeps: list again
        resourceVersion = undefined;
      }
    }
  }

  private async relist(): Promise<string> {
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.client.list<T>(this.ref, {
        limit: this.options.pageSize,
        continue: cont,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
      });
      for (const item of page.items) fresh.set(key(item), this.keep(item));
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    this.stats.lists++;
    for (const [k, old] of this.store) {
      if (!fresh.has(k)) {
        this.store.delete(k);
        this.handler.onDelete?.(old);
      }
    }
    for (const [k, item] of fresh) {
      const old = this.store.get(k);
      this.store.set(k, item);
      if (!old) this.handler.onAdd?.(item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.handler.onUpdate?.(item, old);
    }
    this.handler.onSync?.();
    this.resolveFirstSync?.();
    return resourceVersion;
  }

  private watchOnce(resourceVersion: string): Promise<{ end: WatchEnd; resourceVersion: string; delivered: boolean; stalled: boolean }> {
    this.stats.watches++;
    let rv = resourceVersion;
    let delivered = false;
    const limit = this.options.timeoutSeconds * 2 * 1000 + this.options.stallGraceMs;
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        this.stats.stalls++;
        this.options.onError?.(new Error(`informer ${this.ref.plural}: watch from resourceVersion ${rv} silent for ${limit} ms; listing again`));
        this.watch?.stop();
      }, limit);
    };
    arm();
    const watch = this.client.watch<T>(this.ref, {
      resourceVersion,
      timeoutSeconds: this.options.timeoutSeconds,
      allowWatchBookmarks: true,
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
    }, (event: WatchEvent<T>) => {
      arm();
      delivered = true;
      if (event.object?.metadata?.resourceVersion) rv = event.object.metadata.resourceVersion;
      if (event.type === 'BOOKMARK') return;
      const object = this.keep(event.object);
      const k = key(object);
      const old = this.store.get(k);
      if (event.type === 'DELETED') {
        this.store.delete(k);
        this.handler.onDelete?.(object);
      } else {
        this.store.set(k, object);
        if (old) this.handler.onUpdate?.(object, old);
        else this.handler.onAdd?.(object);
      }
    });
    this.watch = watch;
    return watch.done.then((end) => {
      if (timer) clearTimeout(timer);
      return { end, resourceVersion: rv, delivered, stalled };
    });
  }
}
