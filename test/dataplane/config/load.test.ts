/**
 * config/load: documents of multi-document YAML, their positions, and syntax errors.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { ConfigError, DEFAULT_MAX_INPUT_BYTES, FieldPath, formatBytes, loadDocuments, parseDocuments } from '../../../src/dataplane/config/load';

/** lineOf as the whole parsed stream answers it: the reference the documents must agree with. */
function referenceLines(text: string): ((field: FieldPath) => number | undefined)[] {
  const lineCounter = new YAML.LineCounter();
  const out: ((field: FieldPath) => number | undefined)[] = [];
  for (const doc of YAML.parseAllDocuments(text, { lineCounter, uniqueKeys: true }) as YAML.Document.Parsed[]) {
    const object = doc.contents ? doc.toJS() : undefined;
    if (object === null || object === undefined) continue;
    const lineOf = (field: FieldPath) => {
      const node: any = field.length === 0 ? doc.contents : doc.getIn(field as any[], true);
      return typeof node?.range?.[0] === 'number' ? lineCounter.linePos(node.range[0]).line : undefined;
    };
    if (object.kind === 'List' && Array.isArray(object.items)) object.items.forEach((_: any, j: number) => out.push((f) => lineOf(['items', j, ...f])));
    else out.push(lineOf);
  }
  return out;
}

/** Every field path of a value, and one that does not exist under each. */
function fieldPaths(value: any, at: (string | number)[] = []): FieldPath[] {
  const out: FieldPath[] = [at, [...at, 'absent']];
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...fieldPaths(v, [...at, Array.isArray(value) ? Number(k) : k]));
  }
  return out;
}

function expectSameLines(text: string): number {
  const reference = referenceLines(text);
  const docs = parseDocuments(text, 'in.yaml');
  expect(docs).toHaveLength(reference.length);
  let checked = 0;
  docs.forEach((d, i) => {
    for (const field of fieldPaths(d.object)) {
      expect({ field, line: d.lineOf(field) }).toStrictEqual({ field, line: reference[i](field) });
      checked++;
    }
  });
  return checked;
}

describe('parseDocuments', () => {
  test('numbers documents from 1, skips empty ones and expands a List into its items', () => {
    // GIVEN
    const text = 'a: 1\n---\n---\n# only a comment\n---\nkind: List\nitems:\n  - b: 2\n  - c: 3\n---\nd: 4\n';

    // WHEN
    const docs = parseDocuments(text, 'x.yaml');

    // THEN
    expect(docs.map((d) => [d.file, d.document, d.object])).toStrictEqual([
      ['x.yaml', 1, { a: 1 }],
      ['x.yaml', 4, { b: 2 }],
      ['x.yaml', 4, { c: 3 }],
      ['x.yaml', 5, { d: 4 }],
    ]);
  });

  test('gives the file line of a field in any document', () => {
    // GIVEN
    const text = [
      'apiVersion: v1', // 1
      'kind: Service', // 2
      '---', // 3
      '# a comment', // 4
      'kind: HTTPRoute', // 5
      'spec:', // 6
      '  rules:', // 7
      '    - matches:', // 8
      '        - path: {value: /x}', // 9
      '...', // 10
      '---', // 11
      'kind: List', // 12
      'items:', // 13
      '  - metadata:', // 14
      '      name: a', // 15
      '',
    ].join('\n');

    // WHEN
    const [service, route, item] = parseDocuments(text, 'x.yaml');

    // THEN
    expect(service.lineOf(['kind'])).toBe(2);
    expect(route.lineOf([])).toBe(5);
    expect(route.lineOf(['spec', 'rules', 0, 'matches', 0, 'path', 'value'])).toBe(9);
    expect(route.lineOf(['spec', 'nope'])).toBeUndefined();
    expect(item.lineOf(['metadata', 'name'])).toBe(15);
  });

  test('lines agree with the whole parsed stream for markers, comments, flow collections, CRLF and directives', () => {
    const inputs = [
      'a: 1\n---\n# c\nb:\n  c: [1, 2]\n...\n---\n  d: 2\n  e: 3\n',
      '%YAML 1.1\n---\nyes: 1\nx: {a: 1, b: [2]}\n...\n%YAML 1.1\n--- \nno: 2\n---\nz: 1\n',
      '\ufeffa: 1\r\n---\r\nb:\r\n  - c: 1\r\n    d: 2\r\n',
      'kind: List\nitems:\n  - a: 1\n  - b: {c: 2}\n--- |\n  text\n---\nx: &a {y: 1}\nz: *a\n',
      '--- {a: 1,\n  b: 2}\n--- [1,\n 2]\n---\n"k": v\n? complex\n: val\n',
    ];
    for (const text of inputs) expect(expectSameLines(text)).toBeGreaterThan(0);
  });

  test('lines agree with the whole parsed stream for every synthesized example', () => {
    // GIVEN every YAML file the examples synthesize
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.includes(`${path.sep}dist${path.sep}`) && p.endsWith('.yaml')) files.push(p);
      }
    };
    walk(path.join(__dirname, '..', '..', '..', 'examples'));
    expect(files.length).toBeGreaterThan(10);

    // THEN
    let checked = 0;
    for (const f of files) checked += expectSameLines(fs.readFileSync(f, 'utf8'));
    expect(checked).toBeGreaterThan(1000);
  });

  test('fails on a syntax error, naming the document and its line', () => {
    const text = 'a: 1\n---\nb: 2\n---\nkind: HTTPRoute\nmetadata: {name: [unclosed\n';
    expect(() => parseDocuments(text, 'x.yaml')).toThrow(ConfigError);
    expect(() => parseDocuments(text, 'x.yaml')).toThrow(/^x\.yaml:3: invalid YAML: .*\(line \d+\)$/);
  });

  test('fails on a duplicate key, naming the document and its line', () => {
    const text = 'a: 1\n---\nb: 2\nb: 3\n';
    expect(() => parseDocuments(text, 'x.yaml')).toThrow(/^x\.yaml:2: invalid YAML: Map keys must be unique \(line 4\)$/);
  });

  test('fails on too many aliases, naming the document', () => {
    const text = `a: &x [1]\nb: [${Array.from({ length: 101 }, () => '*x').join(', ')}]\n`;
    expect(() => parseDocuments(text, 'x.yaml')).toThrow(/^x\.yaml:1: invalid YAML: more than 100 aliases \(like \*x\) in one document; write the values out .*\(line 2\)$/);
    const third = `# comment\n---\nkind: A\n...\n--- # two\nkind: B\n---\n${text}`;
    expect(() => parseDocuments(third, 'x.yaml')).toThrow(/^x\.yaml:3: invalid YAML: more than 100 aliases .*\(line 9\)$/);
  });

  test('fails on an alias bomb of a megabyte before building its syntax tree, naming the document and line', () => {
    // GIVEN a second document of one anchor and a megabyte of aliases to it
    const lines = ['kind: A', '---', 'base: &a {k: v, l: [1, 2, 3]}', 'items:'];
    while (lines.length < 200_000) lines.push('  - *a');
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(1_000_000);
    // WHEN parsed THEN the 101st alias (line 105) stops it
    expect(() => parseDocuments(text, 'bomb.yaml')).toThrow(/^bomb\.yaml:2: invalid YAML: more than 100 aliases .*\(line 105\)$/);
  });

  test('up to 100 aliases per document are read, in every document', () => {
    const doc = `a: &x [1]\nb: [${Array.from({ length: 100 }, () => '*x').join(', ')}]\n`;
    const docs = parseDocuments(`${doc}---\n${doc}`, 'x.yaml');
    expect(docs.map((d) => d.object.b.length)).toStrictEqual([100, 100]);
  });
});

describe('loadDocuments', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-load-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('fails when the input files add up to more than the limit, naming the file and the limit', () => {
    // GIVEN two files of 600 bytes each
    const doc = `kind: A\nvalue: "${'x'.repeat(580)}"\n`;
    fs.writeFileSync(path.join(dir, 'a.yaml'), doc);
    fs.writeFileSync(path.join(dir, 'b.yaml'), doc);
    // WHEN the limit holds one of them THEN the second is named
    expect(loadDocuments([dir], { maxInputBytes: 1024 * 1.5 }).length).toBe(2);
    expect(() => loadDocuments([dir], { maxInputBytes: 1024 })).toThrow(ConfigError);
    expect(() => loadDocuments([dir], { maxInputBytes: 1024 })).toThrow(
      new RegExp(`^${path.join(dir, 'b.yaml')}: input too large: with this file the input is 1\\.2 KiB, more than the limit of 1 KiB; raise --max-input-size`),
    );
  });

  test('the default limit is 64 MiB', () => {
    expect(DEFAULT_MAX_INPUT_BYTES).toBe(64 * 1024 * 1024);
    expect(formatBytes(DEFAULT_MAX_INPUT_BYTES)).toBe('64 MiB');
  });
});
