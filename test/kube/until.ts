/**
 * Polling for the tests against a real API server: what they wait for is an object reaching a state, read again every
 * 50 ms up to a bound (errors while reading count as "not yet").
 */

/** Resolves with the first value `probe` gives that is not undefined; rejects after `timeoutMs`, naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not so within ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
