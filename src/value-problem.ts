// Problems of values made by static factories, reported by the construct that uses the value. Internal: not
// exported from index.ts.
//
// A factory (`BackendRef.fromName`, `PathMatch.exact`, `HttpRouteFilter.requestMirror`, ...) cannot know which
// construct will use its value, so it does not throw: it records the first problem, and the construct (or routing
// pattern) that receives the value throws it with its path and the place of the value, e.g.
// `chart/route: the 1st rule added: backendRef 1: backend "web" port 0 must be an integer from 1 to 65535 (...)`.
// A value that is never used is never emitted, so its problem cannot go unnoticed in the synthesized YAML.

/** A value that may carry the problem its factory found. */
export interface CheckedValue {
  /** The problem, without a location; undefined when the value is valid. @internal */
  readonly _problem?: string;
}

/** The message of the error `check` throws; undefined when it throws none. */
export function problemOf(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Throws `where: problem` when `value` carries a problem (for a value nested in another one, inside `problemOf`). */
export function checkValue(where: string, value: CheckedValue | undefined): void {
  if (value?._problem !== undefined) throw new Error(`${where}: ${value._problem}`);
}

/** `checkValue` for each value of a list, numbered from 1 (e.g. `backendRef 2`). */
export function checkValues(where: string, values: readonly CheckedValue[] | undefined): void {
  (values ?? []).forEach((v, i) => checkValue(`${where} ${i + 1}`, v));
}
