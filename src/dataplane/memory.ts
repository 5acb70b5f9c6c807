/**
 * The process's memory: the V8 flags the gateway runs with.
 *
 * Under load V8's young generation grows to its largest size (128 MB on Node 24, two semi-spaces of 64 MB), and the
 * old generation up to four times its live size between major collections: `GATEWAY_NODE_FLAGS` bound both (given by
 * the image's entry point, the GatewayDeployment's container command, `serve --workers` to its worker processes and
 * `bench/run.ts` to the gateway it measures).
 *
 * There is no compaction of the heap after loading. An earlier release ran a last-resort major collection before
 * binding the listeners (idle RSS at 10,000 rules 115 instead of about 205 MB). Under load RSS came back to the same
 * 146 to 149 MB with or without it, and V8's `gc()` without `--expose-gc` needs a second context. While that context
 * lived, every request cost 20 to 40% more CPU (bench/run.ts, Node 24, 10 rules: 55 to 57 µs per request without
 * it, 61 to 85 µs with it, even with the context dropped after use).
 */

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
