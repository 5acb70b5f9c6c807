/**
 * What `kubectl apply --dry-run=server` would say about Gateway API objects, without a cluster: each object
 * of a kind the vendored v1.6.1 CRDs define is checked as the API server checks a custom resource on create
 * (ObjectMeta, nulls pruned and defaults applied, the openAPIV3Schema with unknown fields as errors as with
 * `--validate=strict`, the list-type uniqueness, and every x-kubernetes-validations CEL rule). Transition rules
 * (`oldSelf`) need an old object and are skipped. As in the API server, the CEL rules are not run at all when
 * the schema finds a type, enum, required, maxLength or maxItems/maxProperties error; one issue says so.
 *
 * Channel: HTTPRoute is validated against the standard-channel CRD unless `channel: 'experimental'` is asked
 * for. When a standard-channel failure is only a field (or an enum value) the experimental CRD allows, the
 * issue says that the object needs the experimental-channel CRD.
 */
import { celPropertyName } from './cel';
import {
  GATEWAY_API_GROUP,
  allVersions,
  compiledVersion,
  hasExperimentalCrd,
  knownKinds,
  servedVersions,
  type CelNode,
  type Channel,
  type CompiledVersion,
} from './crds';
import { describeType, validateMetadata } from './metadata';
import { ajvProblems, deepClone, hasOwn, pruneNullsAndDefault, schemaAt, valueAt, type SchemaNode } from './structural';
import { formatFieldPath, type FieldPath, type SourceDocument } from '../config/load';

export { ruleCounts, knownKinds, GATEWAY_API_GROUP, GATEWAY_API_BUNDLE_VERSION, type Channel } from './crds';

/** One problem with one object. */
export interface ValidationIssue {
  /** The input file, when validating documents. */
  readonly file?: string;
  /** 1-based document number in the file, when validating documents. */
  readonly document?: number;
  /** The field, e.g. `spec.rules[0].matches[0].path.value`. */
  readonly field: string;
  /** Line of the field (or of its closest present parent), when known. */
  readonly line?: number;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** The CEL rule that failed, for rule failures. */
  readonly rule?: string;
  /** `Kind/name` of the object, when known. */
  readonly object?: string;
}

export interface ValidateOptions {
  /** Which channel's CRDs to validate against. @default 'standard' */
  readonly channel?: Channel;
}

interface RawIssue {
  readonly path: FieldPath;
  readonly message: string;
  readonly rule?: string;
}

/**
 * Validates one object. Objects that are not of the Gateway API group are ignored (no issues); a Gateway API
 * kind or version the vendored CRDs do not serve is an issue.
 */
export function validateObject(obj: unknown, options: ValidateOptions = {}): ValidationIssue[] {
  const label = objectLabel(obj);
  return validateRaw(obj, options.channel ?? 'standard').map((r) => ({
    field: formatFieldPath(r.path),
    message: r.message,
    ...(r.rule !== undefined ? { rule: r.rule } : {}),
    ...(label ? { object: label } : {}),
  }));
}

/** Validates parsed documents (see `loadDocuments`), adding file, document and line to every issue. */
export function validateDocuments(docs: readonly SourceDocument[], options: ValidateOptions = {}): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const doc of docs) {
    const label = objectLabel(doc.object);
    for (const r of validateRaw(doc.object, options.channel ?? 'standard', true)) {
      const line = lineOf(doc, r.path);
      out.push({
        file: doc.file,
        document: doc.document,
        field: formatFieldPath(r.path),
        ...(line !== undefined ? { line } : {}),
        message: r.message,
        ...(r.rule !== undefined ? { rule: r.rule } : {}),
        ...(label ? { object: label } : {}),
      });
    }
  }
  return out;
}

/** Whether validateObject would look at this object at all (a Gateway API group object). */
export function isGatewayApiObject(obj: unknown): boolean {
  return typeof (obj as any)?.apiVersion === 'string' && (obj as any).apiVersion.split('/')[0] === GATEWAY_API_GROUP;
}

function lineOf(doc: SourceDocument, path: FieldPath): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const line = doc.lineOf(path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}

function objectLabel(obj: any): string | undefined {
  if (!obj || typeof obj !== 'object' || typeof obj.kind !== 'string') return undefined;
  const name = obj.metadata?.name;
  const ns = obj.metadata?.namespace;
  return typeof name === 'string' ? `${obj.kind}/${typeof ns === 'string' && ns ? `${ns}/` : ''}${name}` : obj.kind;
}

function validateRaw(obj: any, channel: Channel, requireTypeMeta = false): RawIssue[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return requireTypeMeta ? [{ path: [], message: `a Kubernetes object must be a mapping, got ${describeType(obj)}` }] : [];
  }
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') {
    return requireTypeMeta || isGatewayKindName(obj.kind)
      ? [{ path: ['apiVersion'], message: 'apiVersion is missing: every object needs apiVersion and kind (e.g. gateway.networking.k8s.io/v1)' }]
      : [];
  }
  const [group, version, extra] = obj.apiVersion.split('/');
  if (group === GATEWAY_API_GROUP && !version) {
    return [{ path: ['apiVersion'], message: `apiVersion ${JSON.stringify(obj.apiVersion)} has no version: use ${GATEWAY_API_GROUP}/v1` }];
  }
  if (group !== GATEWAY_API_GROUP || version === undefined) {
    if (typeof obj.kind !== 'string' || obj.kind === '') {
      return requireTypeMeta ? [{ path: ['kind'], message: 'kind is missing: every object needs apiVersion and kind' }] : [];
    }
    return [];
  }
  if (extra !== undefined) return [{ path: ['apiVersion'], message: `invalid apiVersion ${JSON.stringify(obj.apiVersion)}: must be group/version` }];
  const kind = obj.kind;
  if (typeof kind !== 'string' || kind === '') {
    return [{ path: ['kind'], message: 'kind is missing: every object needs apiVersion and kind' }];
  }
  if (!servedVersions(kind, channel)) {
    return [{
      path: ['kind'],
      message: `unknown kind ${JSON.stringify(kind)} in ${GATEWAY_API_GROUP}: the Gateway API v1.6.1 ${channel} CRDs vendored here define ${knownKinds().join(', ')}`,
    }];
  }
  const compiled = compiledVersion(kind, version, channel);
  if (!compiled) {
    const served = servedVersions(kind, channel)!;
    const listed = allVersions(kind, channel)!.includes(version);
    return [{
      path: ['apiVersion'],
      message: `${kind} version ${JSON.stringify(version)} is ${listed ? 'no longer served' : 'not defined'} by the Gateway API v1.6.1 CRD: use ${served.map((v) => `${GATEWAY_API_GROUP}/${v}`).join(' or ')}`,
    }];
  }
  const issues = validateAgainst(obj, compiled);
  if (issues.length > 0 && channel === 'standard' && hasExperimentalCrd(kind)) return explainExperimental(obj, version, issues);
  return issues;
}

function isGatewayKindName(kind: unknown): boolean {
  return typeof kind === 'string' && knownKinds().includes(kind);
}

function validateAgainst(original: any, compiled: CompiledVersion): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const p of validateMetadata(original.metadata, compiled.namespaced)) issues.push({ path: p.field, message: p.message });
  const obj = deepClone(original);
  pruneNullsAndDefault(compiled.schema, obj);
  // On create, the status of a resource with a status subresource is reset (after defaulting): not validated.
  if (compiled.hasStatusSubresource) delete obj.status;
  const schemaIssues: RawIssue[] = [];
  let blocking = false;
  if (!compiled.validate(obj)) {
    for (const p of ajvProblems(compiled.validate.errors, obj)) {
      schemaIssues.push({ path: p.field, message: p.message });
      blocking ||= p.blocksRules === true;
    }
  }
  issues.push(...schemaIssues);
  if (compiled.cel && blocking) {
    // What the API server answers in this case (it does not evaluate any rule on such an object).
    issues.push({
      path: [],
      message: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    });
  } else if (compiled.cel) {
    const celRoot = toCel(compiled.schema, { ...obj, metadata: celMetadata(obj.metadata) });
    walkCel(compiled.cel, obj, celRoot, [], issues, schemaIssues.map((i) => i.path));
  }
  return issues;
}

/** At the root, CEL sees only metadata.name and metadata.generateName. */
function celMetadata(metadata: any): any {
  if (!metadata || typeof metadata !== 'object') return undefined;
  const out: any = {};
  if (typeof metadata.name === 'string') out.name = metadata.name;
  if (typeof metadata.generateName === 'string') out.generateName = metadata.generateName;
  return out;
}

/**
 * The value as a CEL rule sees it: integers of integer fields are CEL ints (BigInt), property names are
 * escaped the Kubernetes way, fields the schema does not declare are pruned.
 */
function toCel(schema: SchemaNode | undefined, value: any): any {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = toCel(schema?.items, value[i]);
    return out;
  }
  switch (typeof value) {
    case 'number':
      if (Number.isInteger(value) && (!schema || schema.type === 'integer' || schema['x-kubernetes-int-or-string'])) return BigInt(value);
      return value;
    case 'object': {
      const out: Record<string, unknown> = {};
      const props: Record<string, SchemaNode> | undefined = schema?.properties;
      const additional = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      const untyped = !schema || (!props && !additional);
      for (const key of Object.keys(value)) {
        if (props && hasOwn(props, key)) {
          const name = celPropertyName(key);
          if (name !== undefined) out[name] = toCel(props[key], value[key]);
        } else if (additional) {
          out[key] = toCel(additional, value[key]);
        } else if (untyped) {
          const name = celPropertyName(key);
          if (name !== undefined) out[name] = toCel(undefined, value[key]);
        }
      }
      return out;
    }
    default:
      return value;
  }
}

function typeMatches(schema: SchemaNode, value: any): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    default: return true;
  }
}

function walkCel(node: CelNode, value: any, cel: any, path: FieldPath, issues: RawIssue[], schemaErrors: readonly FieldPath[]): void {
  if (value === undefined || value === null || !typeMatches(node.schema, value)) return;
  for (const rule of node.rules) {
    let ok: boolean;
    try {
      ok = rule.evaluate(cel);
    } catch (e: any) {
      // A rule that cannot run on a value the schema already rejects adds nothing.
      if (schemaErrors.some((p) => isPrefix(path, p))) continue;
      // As the API server does, an error counts as a failure of the rule (e.g. a field the rule reads is missing).
      const reason = String(e?.message ?? e).split('\n')[0];
      issues.push({
        path,
        message: rule.message
          ? `violates the CRD rule: ${JSON.stringify(rule.message)} (the rule could not be evaluated: ${lowerFirst(reason)})`
          : `violates the CRD rule \`${rule.rule}\` (the rule could not be evaluated: ${lowerFirst(reason)})`,
        rule: rule.rule,
      });
      continue;
    }
    if (!ok) {
      issues.push({
        path,
        message: rule.message
          ? `violates the CRD rule: ${JSON.stringify(rule.message)}`
          : `violates the CRD rule \`${rule.rule}\``,
        rule: rule.rule,
      });
    }
  }
  if (node.properties && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of node.properties) {
      if (value[key] === undefined || value[key] === null) continue;
      const name = celPropertyName(key);
      const childCel = name !== undefined && cel && typeof cel === 'object' ? cel[name] : toCel(child.schema, value[key]);
      walkCel(child, value[key], childCel, [...path, key], issues, schemaErrors);
    }
  }
  if (node.items && Array.isArray(value)) {
    value.forEach((item, i) => walkCel(node.items!, item, cel?.[i], [...path, i], issues, schemaErrors));
  }
  if (node.additionalProperties && typeof value === 'object' && !Array.isArray(value)) {
    const props = node.schema.properties ?? {};
    for (const key of Object.keys(value)) {
      if (hasOwn(props, key)) continue;
      walkCel(node.additionalProperties, value[key], cel?.[key], [...path, key], issues, schemaErrors);
    }
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function isPrefix(prefix: FieldPath, path: FieldPath): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((p, i) => p === path[i]);
}

/**
 * A standard-channel issue that the experimental-channel CRD would not raise (a field, or an enum value, only
 * the experimental CRD defines) is reworded to say so.
 */
function explainExperimental(obj: any, version: string, issues: RawIssue[]): RawIssue[] {
  const experimental = compiledVersion(obj.kind, version, 'experimental');
  if (!experimental) return issues;
  const standard = compiledVersion(obj.kind, version, 'standard')!;
  const defaulted = deepClone(obj);
  pruneNullsAndDefault(experimental.schema, defaulted);
  return issues.map((issue) => {
    const expSchema = schemaAt(experimental.schema, issue.path);
    if (!expSchema) return issue;
    const stdSchema = schemaAt(standard.schema, issue.path);
    const value = valueAt(defaulted, issue.path);
    let what: string | undefined;
    if (!stdSchema) {
      what = `field ${JSON.stringify(issue.path[issue.path.length - 1])}`;
    } else if (Array.isArray(stdSchema.enum) && !stdSchema.enum.includes(value) && Array.isArray(expSchema.enum) && expSchema.enum.includes(value)) {
      what = `value ${JSON.stringify(value)}`;
    }
    if (!what) return issue;
    return {
      ...issue,
      message: `${what} is only in the experimental channel of Gateway API v1.6.1: install the experimental-channel ${obj.kind} CRD and validate with --channel experimental, or remove it to stay on the standard channel`,
    };
  });
}
