/**
 * Command-line options shared by `serve` and `explain` that say what to route by:
 *
 *   --routes PATH...        files or directories of YAML/JSON (repeatable; also --routes=PATH)
 *   --gateway NS/NAME       serve only this Gateway (repeatable; NAME alone means default/NAME)
 *   --backends FILE         JSON or YAML map "NAMESPACE/SERVICE:PORT" -> "HOST:PORT" | ["HOST:PORT", ...]
 *
 * `--routes` takes the following arguments up to the next one that starts with '-' or contains '://'
 * (so `explain --routes dist/ http://example.com/` works).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { compile } from './compile';
import { CompiledTable } from './model';
import { ConfigError, SourceDocument, loadDocuments } from '../config/load';

export interface TableArgs {
  /** Input files and directories. */
  readonly routes: string[];
  /** `namespace/name` of the Gateways to serve; empty = all. */
  readonly gateways: string[];
  /** Path of the backends file, when given. */
  backends?: string;
  /**
   * TLS Secrets read from directories instead of Secret objects in the input (`--tls-secret NS/NAME=DIR`): DIR holds
   * `tls.crt` and `tls.key`, as a Kubernetes Secret volume mounts them.
   */
  readonly tlsSecrets: { readonly secret: string; readonly dir: string }[];
  /** Bound of the total size of the `--routes` files (`--max-input-size`); default 64 MiB. */
  maxInputBytes?: number;
}

export function emptyTableArgs(): TableArgs {
  return { routes: [], gateways: [], tlsSecrets: [] };
}

export const TABLE_ARGS_USAGE = `  --routes PATH...     Gateway API YAML/JSON files or directories (repeatable)
  --gateway NS/NAME    serve only this Gateway (repeatable; default: every Gateway in the input)
  --backends FILE      JSON/YAML map "NAMESPACE/SERVICE:PORT" -> "HOST:PORT" or ["HOST:PORT", ...];
                       without it Services resolve by DNS as NAME.NAMESPACE.svc:PORT
  --tls-secret NS/NAME=DIR
                       repeatable; the TLS Secret NS/NAME (a listener's certificateRef) is read from DIR/tls.crt and
                       DIR/tls.key, e.g. a mounted Secret volume, instead of a Secret object in the input
  --max-input-size SIZE
                       refuse input files that add up to more than SIZE (e.g. 64Mi, 512Ki, 1Gi); default 64Mi`;

/**
 * If `argv[i]` is one of the table options, records it in `args` and returns how many arguments it
 * used (>= 1); returns 0 when `argv[i]` is not a table option. Throws ConfigError (file '(arguments)')
 * when the option lacks its value.
 */
export function parseTableArg(argv: readonly string[], i: number, args: TableArgs): number {
  const arg = argv[i];
  const eq = arg.indexOf('=');
  const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
  const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
  const value = (): [string, number] => {
    if (inline !== undefined) {
      if (inline === '') throw usageError(`${name} needs a value`);
      return [inline, 1];
    }
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('-')) throw usageError(`${name} needs a value`);
    return [v, 2];
  };
  switch (name) {
    case '--routes': {
      if (inline !== undefined) {
        if (inline === '') throw usageError('--routes needs a value');
        args.routes.push(inline);
        return 1;
      }
      let n = 1;
      while (i + n < argv.length && !argv[i + n].startsWith('-') && !argv[i + n].includes('://')) {
        args.routes.push(argv[i + n]);
        n++;
      }
      if (n === 1) throw usageError('--routes needs at least one file or directory');
      return n;
    }
    case '--gateway': {
      const [v, n] = value();
      args.gateways.push(v.includes('/') ? v : `default/${v}`);
      return n;
    }
    case '--backends': {
      const [v, n] = value();
      args.backends = v;
      return n;
    }
    case '--tls-secret': {
      const [v, n] = value();
      const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)=(.+)$/.exec(v);
      if (!m) throw usageError(`--tls-secret must be NAMESPACE/NAME=DIRECTORY (got ${JSON.stringify(v)})`);
      args.tlsSecrets.push({ secret: `${m[1]}/${m[3]}`, dir: m[5] });
      return n;
    }
    case '--max-input-size': {
      const [v, n] = value();
      args.maxInputBytes = parseByteSize(v, name);
      return n;
    }
    default:
      return 0;
  }
}

/** `64Mi`, `512Ki`, `1Gi` or a number of bytes. Throws ConfigError (file '(arguments)'). */
export function parseByteSize(text: string, what: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(text);
  const n = m ? Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1) : 0;
  if (!m || n < 1) throw usageError(`${what}: '${text}' is not a size (a number of bytes, or with Ki, Mi or Gi, e.g. 64Mi)`);
  return n;
}

/** Reads a backends file (see the file comment). Throws ConfigError naming the file and entry. */
export function readBackendsFile(file: string): Map<string, { host: string; port: number }[]> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: any) {
    throw new ConfigError(`cannot read backends file: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { file });
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (e: any) {
    throw new ConfigError(`invalid YAML/JSON: ${String(e.message).split('\n')[0]}`, { file });
  }
  return parseBackendsMap(parsed ?? {}, file);
}

/** Validates and converts a parsed backends map. */
export function parseBackendsMap(value: unknown, file: string): Map<string, { host: string; port: number }[]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('must be a map of "NAMESPACE/SERVICE:PORT" to "HOST:PORT" or a list of them', { file });
  }
  const out = new Map<string, { host: string; port: number }[]>();
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[0-9]{1,5}$/.test(key)) {
      throw new ConfigError(`key "${key}" must look like NAMESPACE/SERVICE:PORT (e.g. "default/api:8080")`, { file, field: key });
    }
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) throw new ConfigError('needs at least one "HOST:PORT"', { file, field: key });
    out.set(key, list.map((e, i) => parseHostPort(e, file, Array.isArray(v) ? `${key}[${i}]` : key)));
  }
  return out;
}

/** "HOST:PORT" or "[V6]:PORT" -> { host, port }. */
export function parseHostPort(value: unknown, file: string, field: string): { host: string; port: number } {
  const m = typeof value === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):([0-9]{1,5})$/.exec(value) : null;
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new ConfigError(`${JSON.stringify(value)} must be "HOST:PORT" with a port 1..65535 (e.g. "127.0.0.1:3000")`, { file, field });
  }
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { host, port };
}

/**
 * Loads the inputs and compiles the table the options describe. Throws ConfigError. A `--tls-secret` file that
 * cannot be read is not an error of the whole input: its listener gets no certificate, and a warning of the table
 * names the file and why.
 */
export function compileFromArgs(args: TableArgs, generation?: number): CompiledTable {
  if (args.routes.length === 0) throw usageError('--routes is required (e.g. --routes dist/)');
  const secrets = args.tlsSecrets.map(readTlsSecret);
  const docs = [...loadDocuments(args.routes, { maxInputBytes: args.maxInputBytes }), ...secrets.map((s) => s.document)];
  const backends = args.backends !== undefined ? readBackendsFile(args.backends) : undefined;
  const table = compile(docs, {
    ...(args.gateways.length > 0 ? { gateways: args.gateways } : {}),
    ...(backends ? { backends } : {}),
    ...(generation !== undefined ? { generation } : {}),
  });
  const problems = secrets.flatMap((s) => s.problems);
  return problems.length === 0 ? table : { ...table, warnings: [...problems.map((e) => ({ where: e.file, message: e.detail })), ...table.warnings] };
}

/**
 * A `kubernetes.io/tls` Secret object from a directory holding `tls.crt` and `tls.key`. Never throws: a file that
 * cannot be read is left out of the Secret (so no listener uses it) and named in `problems`.
 */
export function readTlsSecret(source: { secret: string; dir: string }): { document: SourceDocument; problems: ConfigError[] } {
  const [namespace, name] = source.secret.split('/');
  const problems: ConfigError[] = [];
  const stringData: Record<string, string> = {};
  for (const key of ['tls.crt', 'tls.key']) {
    const file = path.join(source.dir, key);
    try {
      stringData[key] = fs.readFileSync(file, 'utf8');
    } catch (e: any) {
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
      problems.push(new ConfigError(`cannot read ${key} of TLS Secret ${source.secret}: ${why}; `
        + 'the listeners that reference it keep the certificate they serve, or are not programmed (make the file readable by the gateway)', { file }));
    }
  }
  const object = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace }, stringData };
  return { document: { file: source.dir, document: 1, object, lineOf: () => undefined }, problems };
}

export function usageError(message: string): ConfigError {
  return new ConfigError(message, { file: '(arguments)' });
}
