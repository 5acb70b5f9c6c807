/**
 * Kubernetes structural-schema semantics around JSON-schema validation: pruning of nulls, defaulting,
 * the translation of an openAPIV3Schema into a schema ajv understands (with unknown fields as errors, as
 * with server-side field validation Strict), and ajv errors turned into readable problems.
 */
import * as net from 'net';
import Ajv, { type ErrorObject, type Format, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import { RE2JS } from 're2js';
import { describeType } from './metadata';

/** A JSON-schema node of a CRD (openAPIV3Schema or a part of it). */
export type SchemaNode = Record<string, any>;

/** A problem found by the schema; `field` is relative to the object. */
export interface SchemaProblem {
  readonly field: Array<string | number>;
  readonly message: string;
  /**
   * True for the kinds of error after which the API server does not run the CEL rules at all (Required,
   * NotSupported, TooLong, TooMany, TypeInvalid: see hasBlockingErr in apiextensions-apiserver).
   */
  readonly blocksRules?: boolean;
}

const BLOCKING_KEYWORDS = new Set(['required', 'enum', 'maxLength', 'maxItems', 'maxProperties', 'type']);

/**
 * Applies what the API server does before validation, in place: nulls of non-nullable fields are dropped
 * and `default`s of missing properties are filled in (defaults themselves are defaulted further).
 */
export function pruneNullsAndDefault(schema: SchemaNode | undefined, value: any): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) pruneNullsAndDefault(schema.items, item);
    return;
  }
  const props: Record<string, SchemaNode> | undefined = schema.properties;
  const additional = typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as SchemaNode) : undefined;
  for (const key of Object.keys(value)) {
    if (value[key] !== null) continue;
    const sub = props && hasOwn(props, key) ? props[key] : additional;
    if (sub && !sub.nullable) delete value[key];
  }
  if (props) {
    for (const [key, sub] of Object.entries(props)) {
      if (value[key] === undefined && sub.default !== undefined) value[key] = deepClone(sub.default);
      if (value[key] !== undefined) pruneNullsAndDefault(sub, value[key]);
    }
  }
  if (additional) {
    for (const key of Object.keys(value)) {
      if (!props || !hasOwn(props, key)) pruneNullsAndDefault(additional, value[key]);
    }
  }
}

/** Formats the vendored CRDs use. Anything else fails loudly when a schema is compiled. */
const FORMATS: Record<string, Format> = {
  // Kubernetes checks formats of strings only: int32/int64 on integers carry no extra check.
  'int32': { type: 'number', validate: () => true },
  'int64': { type: 'number', validate: () => true },
  'date-time': { type: 'string', validate: (s: string) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) },
  // As go-openapi's strfmt: a parsable IP that contains '.' (ipv4) or ':' (ipv6).
  'ipv4': { type: 'string', validate: (s: string) => !s.includes('%') && net.isIP(s) !== 0 && s.includes('.') },
  'ipv6': { type: 'string', validate: (s: string) => !s.includes('%') && net.isIP(s) !== 0 && s.includes(':') },
};

const FORMAT_NAMES: Record<string, string> = {
  'ipv4': 'IPv4 address',
  'ipv6': 'IPv6 address',
  'date-time': 'RFC 3339 date-time (e.g. "2024-01-01T00:00:00Z")',
};

/**
 * `pattern` as the API server evaluates it: Go's regexp (RE2 syntax, unanchored search), not JavaScript's.
 */
const re2Engine: RegExpEngine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    // ajv caches compiled patterns by their string form.
    return { test: (s: string) => re.test(s), toString: () => `re2:${pattern}` };
  },
  { code: 're2js' },
);

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = `${DNS_LABEL}(\\.${DNS_LABEL})*`;

/** What the patterns the Gateway API CRDs use most mean, for messages that say how to fix a value. */
export const PATTERN_HINTS: Record<string, string> = {
  [`^(\\*\\.)?${DNS_SUBDOMAIN}$`]:
    'a lowercase hostname, optionally with a leading "*." wildcard label (e.g. "www.example.com" or "*.example.com"; "*" may only be the whole first label)',
  [`^${DNS_LABEL}$`]: 'a lowercase RFC 1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit',
  [`^${DNS_SUBDOMAIN}$`]: 'a lowercase RFC 1123 subdomain (e.g. "my-service" or "example.com")',
  [`^$|^${DNS_SUBDOMAIN}$`]: 'empty (the core API group) or a lowercase DNS subdomain (e.g. "gateway.networking.k8s.io")',
  '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$': 'a kind name such as "Service" (letters, digits and \'-\', starting with a letter)',
  '^[A-Za-z0-9!#$%&\'*+\\-.^_\\x60|~]+$': 'an HTTP header name token (e.g. "x-request-id"; no spaces, colons or other separators)',
  '^([0-9]{1,5}(h|m|s|ms)){1,4}$': 'a Gateway API duration such as "10s", "500ms" or "1h30m"',
  [`^${DNS_SUBDOMAIN}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`]: 'a domain-prefixed path such as "example.com/gateway-controller"',
};

let sharedAjv: Ajv | undefined;

function ajv(): Ajv {
  if (!sharedAjv) {
    sharedAjv = new Ajv({
      strict: false,
      allErrors: true,
      verbose: true,
      formats: FORMATS,
      validateFormats: true,
      // Unoptimized code compiles about twice as fast (HTTPRoute: ~150 ms instead of ~330 ms) and validates as fast.
      code: { optimize: false, regExp: re2Engine },
    });
    sharedAjv.addKeyword({
      keyword: 'k8sListType',
      type: 'array',
      errors: true,
      validate: function listType(
        this: unknown,
        spec: { type: string; keys?: string[] },
        data: any[],
        _parentSchema?: unknown,
        cxt?: { instancePath: string },
      ): boolean {
        const errors: ErrorObject[] = [];
        if (spec.type === 'set' || spec.type === 'map') {
          const seen = new Map<string, number>();
          data.forEach((item, index) => {
            const key = spec.type === 'map' && item && typeof item === 'object' && !Array.isArray(item)
              ? JSON.stringify((spec.keys ?? []).map((k) => item[k] ?? null))
              : stableStringify(item);
            const first = seen.get(key);
            if (first === undefined) {
              seen.set(key, index);
              return;
            }
            errors.push({
              keyword: 'k8sListType',
              instancePath: cxt?.instancePath ?? '',
              schemaPath: '',
              params: { index, first, listType: spec.type, keys: spec.keys, item },
            });
          });
        }
        (listType as any).errors = errors;
        return errors.length === 0;
      },
    });
  }
  return sharedAjv;
}

/**
 * Compiles a CRD version's openAPIV3Schema. `metadata` at the root is accepted as any object here (it is
 * checked separately, as ObjectMeta). Throws on a format this validator does not know.
 */
export function compileSchema(schema: SchemaNode, where: string): ValidateFunction {
  const converted = toAjvSchema(schema, false, where, '');
  if (converted.properties?.metadata) converted.properties.metadata = { type: 'object' };
  return ajv().compile(converted);
}

function toAjvSchema(s: SchemaNode, valueValidation: boolean, where: string, at: string): SchemaNode {
  const out: SchemaNode = {};
  for (const key of ['enum', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minimum', 'maximum',
    'multipleOf', 'uniqueItems', 'minProperties', 'maxProperties', 'required']) {
    if (s[key] !== undefined) out[key] = s[key];
  }
  if (s.type !== undefined) out.type = s.nullable ? [s.type, 'null'] : s.type;
  if (s['x-kubernetes-int-or-string']) {
    out.type = s.nullable ? ['integer', 'string', 'null'] : ['integer', 'string'];
  }
  // OpenAPI v3.0 spells exclusive bounds as booleans next to minimum/maximum.
  if (s.exclusiveMinimum === true && s.minimum !== undefined) {
    out.exclusiveMinimum = s.minimum;
    delete out.minimum;
  }
  if (s.exclusiveMaximum === true && s.maximum !== undefined) {
    out.exclusiveMaximum = s.maximum;
    delete out.maximum;
  }
  if (s.format !== undefined) {
    if (!FORMATS[s.format]) throw new Error(`${where}: unsupported format ${JSON.stringify(s.format)} at ${at || '(root)'}`);
    out.format = s.format;
  }
  if (s.properties) {
    out.properties = {};
    for (const [k, v] of Object.entries<SchemaNode>(s.properties)) out.properties[k] = toAjvSchema(v, valueValidation, where, `${at}.${k}`);
  }
  if (s.items) out.items = toAjvSchema(s.items, valueValidation, where, `${at}[*]`);
  if (typeof s.additionalProperties === 'object') {
    out.additionalProperties = toAjvSchema(s.additionalProperties, valueValidation, where, `${at}[*]`);
  } else if (typeof s.additionalProperties === 'boolean') {
    out.additionalProperties = s.additionalProperties;
  } else if (!valueValidation && s.type === 'object' && !s['x-kubernetes-preserve-unknown-fields']) {
    // Strict field validation: a field the schema does not declare is an error (instead of being pruned).
    out.additionalProperties = false;
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (s[key]) out[key] = (s[key] as SchemaNode[]).map((sub, i) => toAjvSchema(sub, true, where, `${at}(${key}[${i}])`));
  }
  if (s.not) out.not = toAjvSchema(s.not, true, where, `${at}(not)`);
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (!['atomic', 'set', 'map'].includes(listType)) throw new Error(`${where}: unknown x-kubernetes-list-type ${JSON.stringify(listType)} at ${at}`);
    if (listType === 'map' && !Array.isArray(s['x-kubernetes-list-map-keys'])) {
      throw new Error(`${where}: x-kubernetes-list-type map without x-kubernetes-list-map-keys at ${at}`);
    }
    if (listType !== 'atomic') out.k8sListType = { type: listType, keys: s['x-kubernetes-list-map-keys'] };
  }
  return out;
}

/** Turns ajv's errors into problems with field paths and lowercase, actionable messages. */
export function ajvProblems(errors: readonly ErrorObject[] | null | undefined, root: any): SchemaProblem[] {
  if (!errors || errors.length === 0) return [];
  // Errors inside anyOf/oneOf/not branches are folded into the message of the composite error.
  const composites = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const isBranchError = (e: ErrorObject) => composites.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`));
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (isBranchError(e)) continue;
    const branches = e.keyword === 'anyOf' || e.keyword === 'oneOf'
      ? errors.filter((b) => b !== e && b.schemaPath.startsWith(`${e.schemaPath}/`))
      : [];
    const p = { ...problemOf(e, root, branches), ...(BLOCKING_KEYWORDS.has(e.keyword) ? { blocksRules: true } : {}) };
    const key = `${p.field.join('\u0000')}\u0001${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

function problemOf(e: ErrorObject, root: any, branches: ErrorObject[]): SchemaProblem {
  const field = pointerToPath(e.instancePath, root);
  const value = valueAt(root, field);
  const params: any = e.params;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = params.additionalProperty as string;
      const allowed = Object.keys((e.parentSchema as SchemaNode | undefined)?.properties ?? {});
      return {
        field: [...field, name],
        message: `unknown field ${JSON.stringify(name)}: the schema does not declare it; remove it or fix its spelling${allowed.length ? ` (fields allowed here: ${allowed.join(', ')})` : ''}`,
      };
    }
    case 'required':
      return { field: [...field, params.missingProperty], message: `required field ${JSON.stringify(params.missingProperty)} is missing: add it` };
    case 'type':
      return { field, message: `must be of type ${[].concat(params.type).join(' or ')}, got ${describeType(value)}` };
    case 'enum':
      return { field, message: `unsupported value ${JSON.stringify(value)}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern': {
      const hint = PATTERN_HINTS[params.pattern];
      return {
        field,
        message: hint
          ? `invalid value ${JSON.stringify(value)}: must be ${hint} (regular expression ${params.pattern})`
          : `invalid value ${JSON.stringify(value)}: must match the regular expression ${params.pattern}`,
      };
    }
    case 'format':
      return { field, message: `invalid value ${JSON.stringify(value)}: must be a valid ${FORMAT_NAMES[params.format] ?? params.format}` };
    case 'maxLength':
      return { field, message: `too long: must be no more than ${params.limit} characters (it has ${String(value).length})` };
    case 'minLength':
      return { field, message: `too short: must be at least ${params.limit} character${params.limit === 1 ? '' : 's'} (it has ${String(value).length})` };
    case 'maxItems':
      return { field, message: `too many items: must have at most ${params.limit} (it has ${(value as unknown[]).length}); remove some or split the object` };
    case 'minItems':
      return { field, message: `too few items: must have at least ${params.limit} (it has ${(value as unknown[]).length})` };
    case 'maxProperties':
      return { field, message: `too many entries: must have at most ${params.limit} (it has ${Object.keys(value ?? {}).length})` };
    case 'minProperties':
      return { field, message: `too few entries: must have at least ${params.limit} (it has ${Object.keys(value ?? {}).length})` };
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return { field, message: `out of range: ${value} must be ${params.comparison} ${params.limit}` };
    case 'multipleOf':
      return { field, message: `${value} must be a multiple of ${params.multipleOf}` };
    case 'uniqueItems':
      return { field, message: `duplicate items: items ${params.j} and ${params.i} are equal; remove one` };
    case 'k8sListType': {
      const item = params.item;
      const what = params.listType === 'map'
        ? (params.keys as string[]).map((k) => `${k}=${JSON.stringify(item?.[k])}`).join(', ')
        : JSON.stringify(item);
      return {
        field: [...field, params.index],
        message: `duplicate value: ${what} is already at index ${params.first}; ${params.listType === 'map' ? `entries must have unique ${(params.keys as string[]).join(', ')}` : 'items must be unique'}`,
      };
    }
    case 'not':
      return { field, message: `invalid value ${JSON.stringify(value)}: ${describeNot(e.schema as SchemaNode)}` };
    case 'anyOf':
    case 'oneOf': {
      if (e.keyword === 'oneOf' && Array.isArray(params.passingSchemas)) {
        return { field, message: `matches more than one of the allowed forms (${params.passingSchemas.map((i: number) => i + 1).join(' and ')}); make it match exactly one` };
      }
      const under = (c: ErrorObject, b: ErrorObject) => b !== c && b.schemaPath.startsWith(`${c.schemaPath}/`);
      const nested = branches.filter((b) => b.keyword === 'anyOf' || b.keyword === 'oneOf');
      const direct = branches.filter((b) => !nested.some((c) => under(c, b)));
      // anyOf of formats only (e.g. ipv4 | ipv6): one sentence.
      if (direct.length > 0 && direct.every((b) => b.keyword === 'format' && b.instancePath === e.instancePath)) {
        const names = direct.map((b) => FORMAT_NAMES[(b.params as any).format] ?? (b.params as any).format);
        return { field, message: `invalid value ${JSON.stringify(value)}: must be a valid ${names.join(' or ')}` };
      }
      const byBranch = new Map<string, string[]>();
      for (const b of direct) {
        const index = b.schemaPath.slice(e.schemaPath.length + 1).split('/')[0];
        const sub = problemOf(b, root, nested.includes(b) ? branches.filter((x) => under(b, x)) : []);
        const rel = sub.field.slice(field.length);
        const text = `${rel.length ? `${formatRelative(rel)}: ` : ''}${sub.message}`;
        byBranch.set(index, [...(byBranch.get(index) ?? []), text]);
      }
      const alternatives = [...byBranch.values()].map((texts) => texts.join('; '));
      return {
        field,
        message: `must match ${e.keyword === 'oneOf' ? 'exactly one' : 'at least one'} of the allowed forms, but ${alternatives.length ? alternatives.map((t) => `(${t})`).join(' or ') : 'matches none'}`,
      };
    }
    default:
      return { field, message: (e.message ?? `fails ${e.keyword}`).toLowerCase() };
  }
}

function describeNot(schema: SchemaNode): string {
  if (Array.isArray(schema?.enum)) return `must not be ${schema.enum.map((v: unknown) => JSON.stringify(v)).join(' or ')}`;
  return `must not match ${JSON.stringify(schema)}`;
}

function formatRelative(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** '/spec/rules/0' -> ['spec', 'rules', 0], numbers only where the value is an array. */
export function pointerToPath(pointer: string, root: any): Array<string | number> {
  if (!pointer) return [];
  const out: Array<string | number> = [];
  let cur = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur && typeof cur === 'object' ? cur[seg] : undefined;
    }
  }
  return out;
}

export function valueAt(root: any, path: ReadonlyArray<string | number>): any {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg as any];
  }
  return cur;
}

/** The schema node at a field path (numbers step into items, strings into properties/additionalProperties). */
export function schemaAt(schema: SchemaNode | undefined, path: ReadonlyArray<string | number>): SchemaNode | undefined {
  let cur = schema;
  for (const seg of path) {
    if (!cur) return undefined;
    if (typeof seg === 'number') cur = cur.items;
    else if (cur.properties && hasOwn(cur.properties, seg)) cur = cur.properties[seg];
    else if (typeof cur.additionalProperties === 'object') cur = cur.additionalProperties;
    else return undefined;
  }
  return cur;
}

/**
 * A deep copy of JSON data made of this realm's arrays and objects (structuredClone would hand back the host
 * realm's, which the CEL library, loaded in this realm, does not recognize as lists under Jest).
 */
export function deepClone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = deepClone(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = deepClone((value as any)[key]);
  return out as T;
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function stableStringify(v: any): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`).join(',')}}`;
}
