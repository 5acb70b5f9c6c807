/**
 * How a rule is named everywhere (synth messages and warnings, `explain`, logs, metrics, `RouteTester`): by its
 * `name` when it has one, else by its 0-based position in the emitted `spec.rules` (the position the gateway sees).
 */
export function ruleLabel(position: number, name?: string): string {
  return name !== undefined ? `rule ${JSON.stringify(name)}` : `rule ${position}`;
}
