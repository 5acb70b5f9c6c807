/**
 * Shared steps of the example tests: synthesize an example into a fresh directory inside the repository
 * (`.tmp/`, ignored by git), compare it byte for byte with the committed `dist/`, and read the objects back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { KubeObject } from './seed-compare';
import { distDir, ExampleSection, variantDirs } from '../../examples/section';

const REPO = path.join(__dirname, '..', '..');

/** The command that regenerates the committed YAML of `section`. */
export function regenerateCommand(section: ExampleSection): string {
  return `npx ts-node -P tsconfig.dev.json examples/synth.ts ${section.name}`;
}

/** Synthesizes every app of `section` into a new directory under `.tmp/` and returns it. */
export function synthFresh(section: ExampleSection): string {
  const parent = path.join(REPO, '.tmp');
  fs.mkdirSync(parent, { recursive: true });
  const root = fs.mkdtempSync(path.join(parent, `example-${section.name}-`));
  for (const { variant, outdir } of variantDirs(section, root)) {
    section.build(outdir, variant).synth();
  }
  return root;
}

/** Relative path -> content of every file under `dir` (sorted). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else out.set(child, fs.readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}

/** The differences between the committed `dist/` of `section` and a fresh synthesis in `fresh` (empty if none). */
export function distDifferences(section: ExampleSection, fresh: string): string[] {
  const committed = readTree(distDir(section));
  const generated = readTree(fresh);
  const diffs: string[] = [];
  for (const [file, content] of generated) {
    if (!committed.has(file)) diffs.push(`missing from dist: ${file}`);
    else if (committed.get(file) !== content) diffs.push(`differs: ${file}`);
  }
  for (const file of committed.keys()) {
    if (!generated.has(file)) diffs.push(`not generated any more: ${file}`);
  }
  return diffs;
}

/** Jest assertion: the committed `dist/` is exactly what the example synthesizes now. */
export function expectDistUpToDate(section: ExampleSection, fresh: string): void {
  const diffs = distDifferences(section, fresh);
  if (diffs.length > 0) {
    throw new Error(`examples/${section.name}/dist is out of date (${diffs.join('; ')}); regenerate it with: ${regenerateCommand(section)}`);
  }
}

/** The objects of every YAML file under `dir` (files in sorted order, documents in file order). */
export function readObjects(dir: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const [file, content] of readTree(dir)) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(content) as any[]) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      objects.push(doc.toJS());
    }
  }
  return objects;
}

/** The objects of one variant (or of a single-app section when `variant` is undefined) in a fresh synthesis. */
export function variantObjects(fresh: string, variant?: string): KubeObject[] {
  return readObjects(path.join(fresh, variant ?? ''));
}

/** Removes a fresh synthesis directory. */
export function removeFresh(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A deep copy, to adjust a fixture by a documented spec correction before comparing. */
export function copyOf<T>(value: T): any {
  return JSON.parse(JSON.stringify(value));
}

/**
 * The suite of one example section, named `examples/<name>`: synthesizes every app of it once into a
 * fresh directory (removed afterwards), checks the committed `dist/` against it, then declares `tests`,
 * which read that directory through `fresh()`.
 */
export function describeExample(section: ExampleSection, tests: (fresh: () => string) => void): void {
  describe(`examples/${section.name}`, () => {
    let dir: string;
    beforeAll(() => {
      dir = synthFresh(section);
    });
    afterAll(() => removeFresh(dir));

    test(`the committed dist/ is exactly what the ${section.variants.length > 0 ? 'apps synthesize' : 'app synthesizes'}`, () => {
      expectDistUpToDate(section, dir);
    });

    tests(() => dir);
  });
}
