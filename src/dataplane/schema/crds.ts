/**
 * The vendored Gateway API CRDs: where they are, which kinds and versions they serve, and each served
 * version compiled once (ajv for the openAPIV3Schema, CEL for every x-kubernetes-validations rule).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';
import { compileRule, type CompiledRule } from './cel';
import { compileSchema, type SchemaNode } from './structural';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_BUNDLE_VERSION = 'v1.6.1';

/** `standard` (the default) or `experimental` (the experimental-channel HTTPRoute, standard for the rest). */
export type Channel = 'standard' | 'experimental';

/**
 * The directory of the vendored CRDs: `../../../crds/...` from `src/dataplane/schema` (ts-jest) and from the
 * compiled `lib/dataplane/schema` (the package ships `crds/`), or `crds/...` next to the single-file bundle
 * of the runtime image (`bundle:gateway` copies it there).
 */
export const CRD_DIR = [
  path.join(__dirname, '../../../crds/gateway-api', GATEWAY_API_BUNDLE_VERSION),
  path.join(__dirname, 'crds/gateway-api', GATEWAY_API_BUNDLE_VERSION),
].find((dir) => fs.existsSync(dir)) ?? path.join(__dirname, '../../../crds/gateway-api', GATEWAY_API_BUNDLE_VERSION);

/** A CEL node: rules at one schema level and the children below it that have rules. */
export interface CelNode {
  readonly schema: SchemaNode;
  readonly rules: readonly CompiledRule[];
  readonly properties?: ReadonlyMap<string, CelNode>;
  readonly items?: CelNode;
  readonly additionalProperties?: CelNode;
}

/** One served version of one kind, compiled. */
export interface CompiledVersion {
  readonly kind: string;
  readonly version: string;
  readonly channel: Channel;
  readonly namespaced: boolean;
  readonly hasStatusSubresource: boolean;
  readonly schema: SchemaNode;
  readonly validate: ValidateFunction;
  /** undefined when no rule exists anywhere in the schema. */
  readonly cel?: CelNode;
  /** Rules compiled (including transition rules). */
  readonly rulesCompiled: number;
  /** Transition rules (they read oldSelf): compiled, but skipped when validating a new object. */
  readonly transitionRulesSkipped: number;
}

interface CrdFile {
  readonly file: string;
  readonly kind: string;
  readonly channel: Channel;
  crd?: any;
}

interface Catalog {
  /** kind -> per channel CRD file */
  readonly files: Map<string, Partial<Record<Channel, CrdFile>>>;
  readonly compiled: Map<string, CompiledVersion>;
}

let catalog: Catalog | undefined;

function load(): Catalog {
  if (catalog) return catalog;
  const files = new Map<string, Partial<Record<Channel, CrdFile>>>();
  const add = (dir: string, channel: Channel) => {
    for (const name of fs.readdirSync(dir).filter((n) => /^gateway\.networking\.k8s\.io_.*\.yaml$/.test(n)).sort()) {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      // The kind is read cheaply here; the file is parsed only when the kind is first validated.
      const kind = /^\s{4}kind: (\w+)\s*$/m.exec(text)?.[1];
      if (!kind) throw new Error(`${file}: no spec.names.kind found`);
      const entry = files.get(kind) ?? {};
      entry[channel] = { file, kind, channel };
      files.set(kind, entry);
    }
  };
  add(CRD_DIR, 'standard');
  add(path.join(CRD_DIR, 'experimental'), 'experimental');
  catalog = { files, compiled: new Map() };
  return catalog;
}

let parsedCrdCacheDir: string | undefined;

/**
 * Keeps each parsed CRD as JSON in `dir`, keyed by a hash of the YAML, and reads it from there next time
 * (parsing the HTTPRoute CRD's YAML takes ~300 ms; reading its JSON a few). Meant for test runs, where every
 * test file starts with fresh modules. Writes are atomic (write, then rename), so parallel workers are safe.
 */
export function useParsedCrdCache(dir: string | undefined): void {
  parsedCrdCacheDir = dir;
}

export function parseCrdFile(file: string): any {
  const text = fs.readFileSync(file, 'utf8');
  if (!parsedCrdCacheDir) return YAML.parse(text);
  const key = createHash('sha256').update(text).digest('hex').slice(0, 32);
  const cached = path.join(parsedCrdCacheDir, `${path.basename(file, '.yaml')}.${key}.json`);
  try {
    return JSON.parse(fs.readFileSync(cached, 'utf8'));
  } catch {
    // not cached yet (or unreadable): parse and store
  }
  const crd = YAML.parse(text);
  try {
    fs.mkdirSync(parsedCrdCacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(crd));
    fs.renameSync(tmp, cached);
  } catch {
    // a cache that cannot be written only costs time
  }
  return crd;
}

function crdOf(entry: CrdFile): any {
  if (!entry.crd) {
    const crd = parseCrdFile(entry.file);
    if (crd?.kind !== 'CustomResourceDefinition' || crd?.spec?.names?.kind !== entry.kind || crd?.spec?.group !== GATEWAY_API_GROUP) {
      throw new Error(`${entry.file}: not the ${GATEWAY_API_GROUP} CustomResourceDefinition of ${entry.kind}`);
    }
    entry.crd = crd;
  }
  return entry.crd;
}

/** Kinds the vendored CRDs define. */
export function knownKinds(): string[] {
  return [...load().files.keys()].sort();
}

function fileFor(kind: string, channel: Channel): CrdFile | undefined {
  const entry = load().files.get(kind);
  if (!entry) return undefined;
  return (channel === 'experimental' ? entry.experimental : undefined) ?? entry.standard;
}

/** Whether the kind has an experimental-channel CRD vendored here. */
export function hasExperimentalCrd(kind: string): boolean {
  return load().files.get(kind)?.experimental !== undefined;
}

/** The served versions of a kind (storage version first), or undefined for an unknown kind. */
export function servedVersions(kind: string, channel: Channel = 'standard'): string[] | undefined {
  const entry = fileFor(kind, channel);
  if (!entry) return undefined;
  const versions: any[] = crdOf(entry).spec.versions;
  return versions.filter((v) => v.served).sort((a, b) => Number(!!b.storage) - Number(!!a.storage)).map((v) => v.name);
}

/** All versions a kind's CRD lists (served or not). */
export function allVersions(kind: string, channel: Channel = 'standard'): string[] | undefined {
  const entry = fileFor(kind, channel);
  if (!entry) return undefined;
  return crdOf(entry).spec.versions.map((v: any) => v.name);
}

/**
 * The compiled validator of a served version, compiled on first use and cached. Throws (naming the CRD, the
 * schema location and the rule) if any part of the schema or any rule cannot be compiled.
 */
export function compiledVersion(kind: string, version: string, channel: Channel = 'standard'): CompiledVersion | undefined {
  const entry = fileFor(kind, channel);
  if (!entry) return undefined;
  const key = `${entry.channel}/${kind}/${version}`;
  const cached = load().compiled.get(key);
  if (cached) return cached;
  const crd = crdOf(entry);
  const v = (crd.spec.versions as any[]).find((x) => x.name === version && x.served);
  if (!v) return undefined;
  const schema: SchemaNode = v.schema?.openAPIV3Schema;
  const where = `${path.relative(process.cwd(), entry.file) || entry.file} (${kind} ${version})`;
  if (!schema) throw new Error(`${where}: no openAPIV3Schema`);
  const counts = { compiled: 0, transition: 0 };
  const cel = buildCelNode(schema, where, 'openAPIV3Schema', counts);
  const compiled: CompiledVersion = {
    kind,
    version,
    channel: entry.channel,
    namespaced: crd.spec.scope === 'Namespaced',
    hasStatusSubresource: !!(v.subresources && v.subresources.status !== undefined),
    schema,
    validate: compileSchema(schema, where),
    cel,
    rulesCompiled: counts.compiled,
    transitionRulesSkipped: counts.transition,
  };
  load().compiled.set(key, compiled);
  return compiled;
}

function buildCelNode(schema: SchemaNode, where: string, at: string, counts: { compiled: number; transition: number }): CelNode | undefined {
  const rules: CompiledRule[] = [];
  for (const [i, r] of ((schema['x-kubernetes-validations'] ?? []) as any[]).entries()) {
    if (typeof r?.rule !== 'string') throw new Error(`${where}: x-kubernetes-validations[${i}] at ${at} has no rule`);
    for (const key of Object.keys(r)) {
      // messageExpression, fieldPath, reason and optionalOldSelf would change what a failure reports or when
      // a rule runs; none is used by the vendored CRDs, so meeting one is a load-time error rather than a
      // silently different result.
      if (key !== 'rule' && key !== 'message') throw new Error(`${where}: x-kubernetes-validations[${i}] at ${at} uses ${key}, which this validator does not support`);
    }
    const compiled = compileRule(r.rule, r.message, `${where} ${at}`);
    counts.compiled++;
    if (compiled.transition) counts.transition++;
    rules.push(compiled);
  }
  let properties: Map<string, CelNode> | undefined;
  if (schema.properties) {
    for (const [name, sub] of Object.entries<SchemaNode>(schema.properties)) {
      const node = buildCelNode(sub, where, `${at}.${name}`, counts);
      if (node) (properties ??= new Map()).set(name, node);
    }
  }
  const items = schema.items ? buildCelNode(schema.items, where, `${at}[*]`, counts) : undefined;
  const additionalProperties = typeof schema.additionalProperties === 'object'
    ? buildCelNode(schema.additionalProperties, where, `${at}{*}`, counts)
    : undefined;
  for (const key of ['allOf', 'anyOf', 'oneOf', 'not']) {
    const subs = schema[key] === undefined ? [] : [].concat(schema[key]);
    if (subs.some((s: SchemaNode) => JSON.stringify(s).includes('"x-kubernetes-validations"'))) {
      throw new Error(`${where}: x-kubernetes-validations inside ${key} at ${at} are not supported`);
    }
  }
  const evaluable = rules.filter((r) => !r.transition);
  if (evaluable.length === 0 && !properties && !items && !additionalProperties) return undefined;
  return { schema, rules: evaluable, properties, items, additionalProperties };
}

/** Rule counts per kind, version and channel; compiles every served version of every vendored CRD. */
export function ruleCounts(): Array<{ kind: string; version: string; channel: Channel; compiled: number; transitionSkipped: number }> {
  const out: Array<{ kind: string; version: string; channel: Channel; compiled: number; transitionSkipped: number }> = [];
  for (const [kind, entry] of load().files) {
    for (const channel of ['standard', 'experimental'] as const) {
      if (!entry[channel]) continue;
      for (const version of servedVersions(kind, channel) ?? []) {
        const c = compiledVersion(kind, version, channel)!;
        out.push({ kind, version, channel, compiled: c.rulesCompiled, transitionSkipped: c.transitionRulesSkipped });
      }
    }
  }
  return out.sort((a, b) => `${a.channel}/${a.kind}/${a.version}`.localeCompare(`${b.channel}/${b.kind}/${b.version}`));
}
