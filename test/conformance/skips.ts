/**
 * Conformance tests or cases that cannot run in this harness, each with the reason. Only for things that
 * genuinely cannot be exercised here (an environment this harness does not have); a case the gateway gets
 * wrong is a failure, never a skip.
 */
export interface Skip {
  /** The test's name (the case file name, upstream's ShortName). */
  readonly test: string;
  /** The case index; absent = the whole test. */
  readonly case?: number;
  readonly reason: string;
}

export const SKIPS: readonly Skip[] = [];

export function skipOf(test: string, index: number): Skip | undefined {
  return SKIPS.find((s) => s.test === test && (s.case === undefined || s.case === index));
}
