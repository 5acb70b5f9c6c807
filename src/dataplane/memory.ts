/**
 * The process's memory: the V8 flags the gateway runs with, and the heap compaction after the first table is loaded.
 *
 * Loading a large table (reading, parsing and compiling 10,000 rules) leaves V8 with a young generation grown to its
 * largest size (128 MB on Node 24, two semi-spaces of 64 MB) and pages of parse garbage it keeps committed, while the
 * live heap is about 35 MB. A last-resort major garbage collection (the one V8 runs before giving up on memory) frees
 * the garbage, shrinks the young generation and returns the pages to the system; it costs a pause of a few hundred
 * milliseconds, so it runs only before the listeners are bound (`serve` start-up), never while traffic is served.
 *
 * Under load the young generation grows back to its largest size, and the old generation up to four times its live
 * size between major collections: `GATEWAY_NODE_FLAGS` bound both (given by the image's entry point, the
 * GatewayDeployment's container command, `serve --workers` to its worker processes and `bench/run.ts` to the gateway
 * it measures).
 */
import * as v8 from 'v8';
import * as vm from 'vm';

/**
 * Node flags the gateway runs with: a young generation of at most 2 x 4 MB semi-spaces (Node 24's default grows to
 * 2 x 64 MB under load), and an old generation allowed to grow by half its live size between major collections (V8
 * otherwise lets it grow by up to four times). Keep the Dockerfile's ENTRYPOINT and `GatewayDeployment`'s container
 * command in step.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=50'];

/** `execArgv` with `GATEWAY_NODE_FLAGS` added, each unless a flag of the same name is already there. */
export function withGatewayNodeFlags(execArgv: readonly string[]): string[] {
  const name = (flag: string) => flag.replace(/=.*$/, '').replace(/_/g, '-');
  const given = new Set(execArgv.map(name));
  return [...execArgv, ...GATEWAY_NODE_FLAGS.filter((f) => !given.has(name(f)))];
}

/** What a compaction did: heap figures in bytes, before and after. */
export interface CompactionReport {
  readonly ms: number;
  readonly heapTotalBefore: number;
  readonly heapTotalAfter: number;
  readonly heapUsedAfter: number;
  readonly rssBefore: number;
  readonly rssAfter: number;
}

type GcFunction = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let gcFunction: GcFunction | undefined;

/**
 * V8's `gc()` without `--expose-gc` on the command line: the flag is turned on for the time it takes to create one
 * context that has it, then off again, so no other context (the application's included) sees a `gc` global.
 */
function gc(): GcFunction {
  if (!gcFunction) {
    v8.setFlagsFromString('--expose-gc');
    try {
      gcFunction = vm.runInNewContext('gc') as GcFunction;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  return gcFunction;
}

/**
 * Runs a last-resort major garbage collection (synchronous: the event loop waits for it). Call it only when no
 * request can be waiting, e.g. before the listeners are bound. (The V8 of Node 20, past its end of life, ignores the
 * `last-resort` flavor: there it is a plain full collection, which does not shrink the young generation.)
 */
export function compactHeap(now: () => number = () => performance.now()): CompactionReport {
  const collect = gc();
  const before = process.memoryUsage();
  const start = now();
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  const ms = now() - start;
  const after = process.memoryUsage();
  return {
    ms,
    heapTotalBefore: before.heapTotal,
    heapTotalAfter: after.heapTotal,
    heapUsedAfter: after.heapUsed,
    rssBefore: before.rss,
    rssAfter: after.rss,
  };
}
