/**
 * ObjectMeta checks the API server makes for every custom resource: name (DNS-1123 subdomain), namespace
 * (DNS-1123 label), label and annotation shapes, and no unknown metadata fields.
 */
import type { FieldPath } from '../config/load';

/** A problem found in metadata; `field` is relative to the object. */
export interface MetadataProblem {
  readonly field: FieldPath;
  readonly message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ANNOTATIONS_TOTAL_LIMIT = 256 * 1024;

/** The metadata fields a client may send (everything else is an unknown field). */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
  'managedFields',
]);

/** Why `value` is not a DNS-1123 subdomain, or undefined when it is one. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `must be no more than 253 characters (it has ${value.length})`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return 'must be a lowercase RFC 1123 subdomain: lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit (e.g. "example.com", "my-route")';
  }
  return undefined;
}

/** Why `value` is not a DNS-1123 label, or undefined when it is one. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `must be no more than 63 characters (it has ${value.length})`;
  if (!DNS1123_LABEL.test(value)) {
    return 'must be a lowercase RFC 1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit (e.g. "my-namespace")';
  }
  return undefined;
}

/** Why `key` is not a qualified name (`[prefix/]name`), or undefined when it is one. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name has at most one \'/\' (e.g. "example.com/my-key")';
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0) return 'the prefix before \'/\' must not be empty';
    const p = dns1123SubdomainProblem(prefix);
    if (p) return `the prefix ${JSON.stringify(prefix)} ${p}`;
  }
  if (name.length === 0) return 'the name part must not be empty';
  if (name.length > 63) return `the name part must be no more than 63 characters (it has ${name.length})`;
  if (!QUALIFIED_NAME_PART.test(name)) {
    return 'the name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. "app.kubernetes.io/name")';
  }
  return undefined;
}

/**
 * Checks `metadata` as the API server does for a namespaced (or cluster-scoped) custom resource on create.
 */
export function validateMetadata(metadata: unknown, namespaced: boolean): MetadataProblem[] {
  const problems: MetadataProblem[] = [];
  const at = (field: FieldPath, message: string) => problems.push({ field: ['metadata', ...field], message });
  if (metadata === undefined || metadata === null) {
    problems.push({ field: ['metadata', 'name'], message: 'name or generateName is required: set metadata.name' });
    return problems;
  }
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    problems.push({ field: ['metadata'], message: `must be an object, got ${describeType(metadata)}` });
    return problems;
  }
  const meta = metadata as Record<string, unknown>;
  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      at([key], `unknown field ${JSON.stringify(key)}: ObjectMeta has no such field; remove it (labels and annotations go under metadata.labels / metadata.annotations)`);
    }
  }
  const name = meta.name;
  const generateName = meta.generateName;
  if (name === undefined || name === null || name === '') {
    if (generateName === undefined || generateName === null || generateName === '') {
      at(['name'], 'name or generateName is required: set metadata.name');
    }
  } else if (typeof name !== 'string') {
    at(['name'], `must be a string, got ${describeType(name)}`);
  } else {
    const p = dns1123SubdomainProblem(name);
    if (p) at(['name'], `invalid name ${JSON.stringify(name)}: ${p}`);
  }
  if (generateName !== undefined && generateName !== null && generateName !== '') {
    if (typeof generateName !== 'string') {
      at(['generateName'], `must be a string, got ${describeType(generateName)}`);
    } else {
      // The server appends 5 random characters; the prefix itself may end in '-'.
      const p = dns1123SubdomainProblem(`${generateName}a`.slice(0, 253));
      if (p) at(['generateName'], `invalid generateName ${JSON.stringify(generateName)}: ${p}`);
    }
  }
  const ns = meta.namespace;
  if (ns !== undefined && ns !== null && ns !== '') {
    if (typeof ns !== 'string') {
      at(['namespace'], `must be a string, got ${describeType(ns)}`);
    } else if (namespaced) {
      const p = dns1123LabelProblem(ns);
      if (p) at(['namespace'], `invalid namespace ${JSON.stringify(ns)}: ${p}`);
    }
  }
  checkStringMap(meta.labels, 'labels', at, (key, value) => {
    const kp = qualifiedNameProblem(key);
    if (kp) return { key: true, message: `invalid label key ${JSON.stringify(key)}: ${kp}` };
    if (value.length > 63) return { key: false, message: `invalid label value ${JSON.stringify(value)}: must be no more than 63 characters (it has ${value.length})` };
    if (!LABEL_VALUE.test(value)) {
      return {
        key: false,
        message: `invalid label value ${JSON.stringify(value)}: must be empty or consist of alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character`,
      };
    }
    return undefined;
  });
  checkStringMap(meta.annotations, 'annotations', at, (key) => {
    const kp = qualifiedNameProblem(key.toLowerCase());
    return kp ? { key: true, message: `invalid annotation key ${JSON.stringify(key)}: ${kp}` } : undefined;
  });
  if (meta.annotations && typeof meta.annotations === 'object' && !Array.isArray(meta.annotations)) {
    let total = 0;
    for (const [k, v] of Object.entries(meta.annotations)) total += k.length + (typeof v === 'string' ? v.length : 0);
    if (total > ANNOTATIONS_TOTAL_LIMIT) {
      at(['annotations'], `annotations are too long: ${total} bytes, the total must be no more than ${ANNOTATIONS_TOTAL_LIMIT} bytes`);
    }
  }
  if (meta.finalizers !== undefined && meta.finalizers !== null) {
    if (!Array.isArray(meta.finalizers)) {
      at(['finalizers'], `must be a list of strings, got ${describeType(meta.finalizers)}`);
    } else {
      meta.finalizers.forEach((f, i) => {
        if (typeof f !== 'string') {
          at(['finalizers', i], `must be a string, got ${describeType(f)}`);
          return;
        }
        const p = qualifiedNameProblem(f);
        if (p) at(['finalizers', i], `invalid finalizer ${JSON.stringify(f)}: ${p}`);
      });
    }
  }
  return problems;
}

function checkStringMap(
  value: unknown,
  name: string,
  at: (field: FieldPath, message: string) => void,
  check: (key: string, value: string) => { key: boolean; message: string } | undefined,
): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    at([name], `must be a map of string keys to string values, got ${describeType(value)}`);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      at([name, k], `must be a string, got ${describeType(v)} (quote it, e.g. "${String(v)}")`);
      continue;
    }
    const p = check(k, v);
    if (p) at([name, k], p.message);
  }
}

/** 'string', 'integer 5', 'an array', ... for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  return typeof value;
}
