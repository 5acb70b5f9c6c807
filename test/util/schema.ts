/**
 * Schema validation helpers for tests: the same check as `cdk8s-gateway validate` (the vendored Gateway API
 * v1.6.1 CRDs' openAPIV3Schema and CEL rules), for manifests in memory.
 *
 * - `expectValidManifests(manifests)`: fails the test, listing the issues, if any Gateway API object is invalid.
 * - `schemaIssues(manifests)`: the issues, for tests that assert a specific failure.
 * - `withoutSchemaValidation(fn)`: runs `fn` with the suite-wide check of synthesized objects
 *   (test/setup/validate-synth.ts) switched off, for tests that synthesize an invalid object on purpose.
 * - `withSchemaChannel('experimental', fn)`: runs `fn` validating synthesized objects against the
 *   experimental-channel CRDs (e.g. HTTPRoute `retry`).
 */
import { Chart } from 'cdk8s';
import { validateObject, type Channel, type ValidationIssue } from '../../src/dataplane/schema';

interface State {
  disabled: number;
  channel: Channel;
  installed: boolean;
}

// Kept on globalThis so that the setup file and every copy of this module in a test file share it.
const STATE_KEY = Symbol.for('cdk8s-gateway.test.schema-validation');

function state(): State {
  const g = globalThis as any;
  g[STATE_KEY] ??= { disabled: 0, channel: 'standard', installed: false } satisfies State;
  return g[STATE_KEY];
}

/** Issues of all manifests (objects of other API groups are ignored). */
export function schemaIssues(manifests: readonly unknown[], channel: Channel = state().channel): ValidationIssue[] {
  return manifests.flatMap((m) => validateObject(m, { channel }));
}

/** Fails (throws) listing the issues if any Gateway API object in `manifests` is invalid. */
export function expectValidManifests(manifests: readonly unknown[], channel: Channel = state().channel): void {
  const issues = schemaIssues(manifests, channel);
  if (issues.length > 0) throw new Error(formatIssues(issues, 'manifests'));
}

/** Runs `fn` (sync or async) with the suite-wide validation of synthesized objects switched off. */
export function withoutSchemaValidation<T>(fn: () => T): T {
  const s = state();
  s.disabled++;
  return finallyDo(fn, () => {
    s.disabled--;
  });
}

/** Runs `fn` (sync or async) validating synthesized objects against the given channel's CRDs. */
export function withSchemaChannel<T>(channel: Channel, fn: () => T): T {
  const s = state();
  const previous = s.channel;
  s.channel = channel;
  return finallyDo(fn, () => {
    s.channel = previous;
  });
}

function finallyDo<T>(fn: () => T, after: () => void): T {
  let result: T;
  try {
    result = fn();
  } catch (e) {
    after();
    throw e;
  }
  if (result && typeof (result as any).then === 'function') {
    return (result as any).then(
      (v: unknown) => {
        after();
        return v;
      },
      (e: unknown) => {
        after();
        throw e;
      },
    );
  }
  after();
  return result;
}

/** Validates synthesized objects unless switched off; throws listing the issues. */
export function checkSynthesized(manifests: readonly unknown[], where: string): void {
  const s = state();
  if (s.disabled > 0) return;
  const issues = schemaIssues(manifests, s.channel);
  if (issues.length > 0) throw new Error(formatIssues(issues, where));
}

function formatIssues(issues: readonly ValidationIssue[], where: string): string {
  const lines = issues.map((i) => `  ${i.object ? `${i.object}: ` : ''}${i.field ? `${i.field}: ` : ''}${i.message}`);
  return [
    `${where}: ${issues.length} schema issue${issues.length === 1 ? '' : 's'} (Gateway API v1.6.1 CRDs, as kubectl apply --dry-run=server would report):`,
    ...lines,
    'if the object is invalid on purpose, wrap the call in withoutSchemaValidation(() => ...) from test/util/schema',
  ].join('\n');
}

/**
 * Wraps Chart.prototype.toJson, through which Testing.synth, App.synth (every YAML output type) and
 * App.synthYaml all synthesize, so that every synthesized object is validated. Idempotent per module
 * registry (the setup file calls it once per test file).
 */
export function installSynthValidation(): void {
  const proto = Chart.prototype as any;
  if (proto.toJson.__schemaValidated) return;
  const original: () => any[] = proto.toJson;
  const toJson = function toJson(this: Chart) {
    const manifests = original.call(this);
    checkSynthesized(manifests, `chart ${this.node.path || '(root)'}`);
    return manifests;
  };
  (toJson as any).__schemaValidated = true;
  proto.toJson = toJson;
  state().installed = true;
}
