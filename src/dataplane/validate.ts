/**
 * `cdk8s-gateway validate PATH...`: checks YAML/JSON files (or directories of them) against the vendored
 * Gateway API v1.6.1 CRDs (openAPIV3Schema and CEL rules), as `kubectl apply --dry-run=server` would, and
 * prints one line per issue as `file:document:field: message`.
 *
 * Exit status: 0 when every object is valid, 1 when there is any issue, 2 on a usage error or unreadable input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, formatLocation, loadDocuments } from './config/load';
import { GATEWAY_API_BUNDLE_VERSION, isGatewayApiObject, validateDocuments, type Channel } from './schema';

const USAGE = `usage: cdk8s-gateway validate [-R] [--channel standard|experimental] PATH...

Checks Kubernetes YAML or JSON (files, or directories of *.yaml, *.yml and *.json) against the Gateway API
${GATEWAY_API_BUNDLE_VERSION} CRDs: the openAPIV3Schema (unknown fields are errors, as with --validate=strict),
defaults, list uniqueness, ObjectMeta (names, labels, annotations) and every x-kubernetes-validations CEL
rule, as 'kubectl apply --dry-run=server' would. Objects of other API groups are skipped.

options:
  -R, --recursive          also read the subdirectories of directories (as kubectl -R)
  --channel standard       validate against the standard-channel CRDs (default); a field that only the
                           experimental channel defines is reported as needing the experimental CRD
  --channel experimental   validate HTTPRoute against the experimental-channel CRD (e.g. retry)
  -h, --help               show this help

output: one line per issue, 'file:document:field: message', then a summary line.
exit status: 0 valid, 1 issues found, 2 usage error or unreadable input.`;

interface Out {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_OUT: Out = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export async function runValidate(argv: readonly string[], out: Out = PROCESS_OUT): Promise<number> {
  const paths: string[] = [];
  let channel: Channel = 'standard';
  let recursive = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      out.stdout(`${USAGE}\n`);
      return 0;
    }
    if (arg === '--channel' || arg.startsWith('--channel=')) {
      const value = arg === '--channel' ? argv[++i] : arg.slice('--channel='.length);
      if (value !== 'standard' && value !== 'experimental') {
        out.stderr(`cdk8s-gateway validate: --channel must be 'standard' or 'experimental'${value === undefined ? '' : `, got '${value}'`}\n\n${USAGE}\n`);
        return 2;
      }
      channel = value;
      continue;
    }
    if (arg === '-R' || arg === '--recursive') {
      recursive = true;
      continue;
    }
    if (arg === '--') {
      paths.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      out.stderr(`cdk8s-gateway validate: unknown option '${arg}'\n\n${USAGE}\n`);
      return 2;
    }
    paths.push(arg);
  }
  if (paths.length === 0) {
    out.stderr(`cdk8s-gateway validate: no input given: pass at least one file or directory (e.g. dist/)\n\n${USAGE}\n`);
    return 2;
  }

  let docs;
  try {
    const inputs = recursive ? expandRecursively(paths) : paths;
    if (inputs.length === 0) {
      out.stderr(`cdk8s-gateway validate: no *.yaml, *.yml or *.json files under ${paths.join(', ')}\n`);
      return 2;
    }
    docs = loadDocuments(inputs);
  } catch (e) {
    if (e instanceof ConfigError) {
      out.stderr(`${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const issues = validateDocuments(docs, { channel });
  for (const issue of issues) {
    out.stdout(`${formatLocation(issue.file ?? '(input)', issue.document, issue.field)}: ${issue.message}${issue.line ? ` (line ${issue.line})` : ''}\n`);
  }
  const files = new Set(docs.map((d) => d.file)).size;
  const checked = docs.filter((d) => isGatewayApiObject(d.object)).length;
  const bad = new Set(issues.map((i) => `${i.file}\u0000${i.document}`)).size;
  const scope = `${checked} Gateway API object${checked === 1 ? '' : 's'} in ${docs.length} document${docs.length === 1 ? '' : 's'} of ${files} file${files === 1 ? '' : 's'}`;
  if (issues.length === 0) {
    out.stdout(`ok: ${scope} valid against the Gateway API ${GATEWAY_API_BUNDLE_VERSION} ${channel} CRDs\n`);
    return 0;
  }
  out.stdout(`${issues.length} issue${issues.length === 1 ? '' : 's'} in ${bad} document${bad === 1 ? '' : 's'} (${scope}, ${channel} CRDs)\n`);
  return 1;
}

const INPUT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Directories become their input files at any depth (name order); files and missing paths stay as given. */
function expandRecursively(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && INPUT_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) out.push(full);
    }
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = fs.statSync(p).isDirectory();
    } catch {
      // reported by loadDocuments
    }
    if (isDir) walk(p);
    else out.push(p);
  }
  return out;
}
