/**
 * Reading configuration input: files and directories of multi-document YAML or JSON, exactly as
 * `cdk8s synth` writes them. Every document keeps where it came from (file, 1-based document number,
 * line numbers of its fields) so that every later error can say `file:document:field`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** A field path inside a document, e.g. ['spec', 'rules', 0, 'matches']. */
export type FieldPath = ReadonlyArray<string | number>;

/** One parsed document of an input file. */
export interface SourceDocument {
  /** The file as it was found (relative to the working directory when the caller passed a relative path). */
  readonly file: string;
  /** 1-based position of the document in its file (after `kind: List` expansion, the List's number). */
  readonly document: number;
  /** The plain JSON value of the document. */
  readonly object: any;
  /** Where a field of this document starts (1-based line), when known. */
  lineOf(field: FieldPath): number | undefined;
}

/** A configuration error that names file, document and field. */
export class ConfigError extends Error {
  public readonly file: string;
  public readonly document?: number;
  public readonly field?: string;
  public readonly line?: number;
  public readonly detail: string;

  constructor(detail: string, where: { file: string; document?: number; field?: FieldPath | string; line?: number }) {
    const field = where.field === undefined ? undefined : typeof where.field === 'string' ? where.field : formatFieldPath(where.field);
    super(`${formatLocation(where.file, where.document, field)}: ${detail}${where.line ? ` (line ${where.line})` : ''}`);
    this.name = 'ConfigError';
    this.file = where.file;
    this.document = where.document;
    this.field = field;
    this.line = where.line;
    this.detail = detail;
  }
}

/** `file:document:field`, leaving out the parts that are not known. */
export function formatLocation(file: string, document?: number, field?: string): string {
  let out = file;
  if (document !== undefined) out += `:${document}`;
  if (field) out += `:${field}`;
  return out;
}

/** ['spec', 'rules', 0, 'matches'] -> 'spec.rules[0].matches' */
export function formatFieldPath(field: FieldPath): string {
  let out = '';
  for (const part of field) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

const INPUT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Expands the given paths into input files: a file is taken as it is, a directory contributes every
 * `*.yaml`, `*.yml` and `*.json` directly in it, in name order.
 */
export function listInputFiles(paths: readonly string[]): string[] {
  if (paths.length === 0) {
    throw new ConfigError('no input given: pass at least one file or directory (e.g. --routes dist/)', { file: '(arguments)' });
  }
  const files: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e: any) {
      throw new ConfigError(`cannot read input: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`, { file: p });
    }
    if (stat.isDirectory()) {
      const names = fs.readdirSync(p).filter((n) => INPUT_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
      for (const n of names) {
        const full = path.join(p, n);
        if (fs.statSync(full).isFile()) files.push(full);
      }
    } else {
      files.push(p);
    }
  }
  return files;
}

/** The default bound of the input's total size (`--max-input-size`): 64 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** At most this many aliases (`*name`) in one document (and as many expansions when its value is built). */
export const MAX_ALIASES_PER_DOCUMENT = 100;

export interface LoadOptions {
  /** Bound of the total size of the input files, in bytes. Default DEFAULT_MAX_INPUT_BYTES. */
  readonly maxInputBytes?: number;
  /** Called after each document is parsed (a reader thread paces itself there, see reader.ts). */
  readonly pace?: () => void;
}

/**
 * Reads and parses every input file; throws ConfigError on the first unreadable or unparsable one, and when the
 * files add up to more than `maxInputBytes` (checked before a file is read, and again on what was read).
 */
export function loadDocuments(paths: readonly string[], options: LoadOptions = {}): SourceDocument[] {
  return loadPlainDocuments(paths, options, (object) => object).map(fromPlainDocument);
}

/** `loadDocuments` as plain data (see `parsePlainDocuments`); `onFile` sees the bytes of every file read. */
export function loadPlainDocuments<V>(
  paths: readonly string[], options: LoadOptions, encode: (object: any) => V, onFile?: (file: string, bytes: Buffer) => void,
): PlainDocument<V>[] {
  const maxBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const docs: PlainDocument<V>[] = [];
  let total = 0;
  const bound = (file: string, size: number) => {
    if (total + size > maxBytes) {
      throw new ConfigError(`input too large: with this file the input is ${formatBytes(total + size)}, more than the limit of ${formatBytes(maxBytes)}; `
        + 'raise --max-input-size or serve fewer objects per gateway', { file });
    }
  };
  for (const file of listInputFiles(paths)) {
    let text: string;
    try {
      bound(file, fs.statSync(file).size);
      const bytes = fs.readFileSync(file);
      bound(file, bytes.length);
      total += bytes.length;
      onFile?.(file, bytes);
      text = bytes.toString('utf8');
    } catch (e: any) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`cannot read file: ${e.message}`, { file });
    }
    for (const d of parsePlainDocuments(text, file, encode, options.pace)) docs.push(d);
  }
  return docs;
}

/** `67108864` -> `64 MiB`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * Parses multi-document YAML (JSON is YAML too). Empty documents are skipped; a `kind: List` document
 * contributes its items. Throws ConfigError naming the document and line of the first syntax error.
 *
 * Documents are composed one at a time and only their plain values are kept: the YAML syntax tree of a
 * document is many times the size of its value, so it is dropped as soon as the value is taken. Field
 * lines are found again when a message asks for one (see `DocumentLines`).
 */
export function parseDocuments(text: string, file: string): SourceDocument[] {
  return parsePlainDocuments(text, file, (object) => object).map(fromPlainDocument);
}

/**
 * Where the lines of a document's fields are found again: the document's text (from the start of its first line to
 * its end, `---` and `...` included), the file line it starts on, and the YAML version a `%YAML` directive gave it.
 */
export interface DocumentText {
  readonly text: string;
  readonly firstLine: number;
  readonly version?: '1.1';
}

/**
 * A SourceDocument as plain data, what a worker thread sends: `value` is the object (as `parsePlainDocuments` was
 * told to encode it, e.g. JSON text), `item` its index when it came from a `kind: List`.
 */
export interface PlainDocument<V = unknown> {
  readonly file: string;
  readonly document: number;
  readonly value: V;
  readonly item?: number;
  readonly source: DocumentText;
}

/**
 * `parseDocuments` as plain data; `encode` turns each object into the value kept; `pace` is called after each
 * document. Throws ConfigError.
 */
export function parsePlainDocuments<V>(text: string, file: string, encode: (object: any) => V, pace?: () => void): PlainDocument<V>[] {
  const out: PlainDocument<V>[] = [];
  // The same parser, composer and options as YAML.parseAllDocuments, read document by document.
  const lineCounter = new YAML.LineCounter();
  const options = { lineCounter, uniqueKeys: true, prettyErrors: true };
  const composer = new YAML.Composer(options);
  let document = 0;
  for (const doc of composer.compose(boundedTokens(text, lineCounter, file)) as Iterable<YAML.Document.Parsed>) {
    document++;
    pace?.();
    const err = doc.errors[0];
    if (err) {
      // YAML.parseAllDocuments would prettify the error: the same line, from the same line counter.
      const line = err.pos[0] === -1 ? undefined : lineCounter.linePos(err.pos[0]).line;
      throw new ConfigError(`invalid YAML: ${firstLine(err.message)}`, { file, document, line });
    }
    if (doc.contents === null || doc.contents === undefined) continue;
    let object: any;
    try {
      // (the yaml library counts the anchored node as one of the uses)
      object = doc.toJS({ maxAliasCount: MAX_ALIASES_PER_DOCUMENT + 1 });
    } catch (e: any) {
      throw new ConfigError(`invalid YAML: ${firstLine(e.message)}`, { file, document });
    }
    if (object === null || object === undefined) continue;
    // The syntax tree is dropped here; the document's text is kept to find field lines again (DocumentLines).
    const start = text.lastIndexOf('\n', doc.range[0] - 1) + 1;
    const source: DocumentText = {
      text: text.slice(start, doc.range[2]),
      firstLine: lineCounter.linePos(start).line,
      ...(doc.directives.yaml.version === '1.1' ? { version: '1.1' as const } : {}),
    };
    if (object && typeof object === 'object' && !Array.isArray(object) && object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item: any, j: number) => out.push({ file, document, value: encode(item), item: j, source }));
      continue;
    }
    out.push({ file, document, value: encode(object), source });
  }
  return out;
}

const linesOf = new WeakMap<DocumentText, DocumentLines>();

/** The SourceDocument of a plain document whose value is the object. */
export function fromPlainDocument(plain: PlainDocument): SourceDocument {
  let lines = linesOf.get(plain.source);
  if (!lines) linesOf.set(plain.source, lines = new DocumentLines(plain.source));
  const item = plain.item;
  const found = lines;
  return {
    file: plain.file,
    document: plain.document,
    object: plain.value,
    lineOf: item === undefined ? (field) => found.lineOf(field) : (field) => found.lineOf(['items', item, ...field]),
  };
}

/**
 * The syntax tokens of `text`, as `YAML.Parser.parse` gives them, refusing a document with more than
 * MAX_ALIASES_PER_DOCUMENT aliases as soon as its lexer sees one more: a file of many aliases is refused before its
 * syntax tree is built (a megabyte of `- *a` lines would otherwise take hundreds of megabytes).
 */
function* boundedTokens(text: string, lineCounter: YAML.LineCounter, file: string): Generator<YAML.CST.Token> {
  const parser = new YAML.Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  let aliases = 0;
  // Documents counted as the composer numbers them: the stream starts one (a `---` right after it is the same one).
  let document = 0;
  let justStarted = false;
  for (const lexeme of new YAML.Lexer().lex(text)) {
    const type = YAML.CST.tokenType(lexeme);
    if (type === 'doc-mode' || type === 'doc-start') {
      if (type === 'doc-mode' || !justStarted) document++;
      justStarted = type === 'doc-mode';
      aliases = 0;
    } else if (type !== 'space' && type !== 'newline' && type !== 'comment') {
      justStarted = false;
    }
    if (type === 'alias' && ++aliases > MAX_ALIASES_PER_DOCUMENT) {
      throw new ConfigError(`invalid YAML: more than ${MAX_ALIASES_PER_DOCUMENT} aliases (like ${lexeme.slice(0, 40)}) in one document; `
        + 'write the values out (aliases are bounded so that a small input cannot expand into a large one)', { file, document, line: lineCounter.linePos(parser.offset).line });
    }
    yield* parser.next(lexeme);
  }
  yield* parser.end();
}

/**
 * The lines of one document's fields, without keeping its syntax tree: the document's text is parsed again on the
 * first question, which only a message asks. The text starts at the start of a line of the file, so its nodes are
 * on the same lines, counted from `firstLine`. The YAML version a `%YAML` directive gave the document is kept
 * (directives do not change where nodes are, but 1.1 reads some keys differently).
 */
class DocumentLines {
  private parsed?: { readonly doc?: YAML.Document.Parsed; readonly lineCounter: YAML.LineCounter };

  constructor(private readonly source: DocumentText) {}

  /** Where a field of the document starts (1-based line), when known. */
  public lineOf(field: FieldPath): number | undefined {
    const { doc, lineCounter } = this.parsed ??= this.parse();
    if (!doc) return undefined;
    const node: any = field.length === 0 ? doc.contents : doc.getIn(field as any[], true);
    const offset = node?.range?.[0];
    return typeof offset === 'number' ? this.source.firstLine + lineCounter.linePos(offset).line - 1 : undefined;
  }

  private parse(): { doc?: YAML.Document.Parsed; lineCounter: YAML.LineCounter } {
    const lineCounter = new YAML.LineCounter();
    const [doc] = YAML.parseAllDocuments(this.source.text, {
      lineCounter, uniqueKeys: true, prettyErrors: true, ...(this.source.version ? { version: this.source.version } : {}),
    }) as YAML.Document.Parsed[];
    return { doc, lineCounter };
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
