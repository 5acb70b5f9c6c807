/**
 * What every example has in common: how an example app is created, where its synthesized YAML goes, and how it
 * is regenerated.
 *
 * An example is one section of the routing lesson. Most sections are one app. A section whose lesson objects
 * are successive states of the same route (rollout stages, a blue-green cutover) or alternatives that would
 * collide on one Gateway (three routes with the same default rule) has one app per state, each in
 * `dist/<variant>/`, the way a GitOps repository keeps one directory per environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, YamlOutputType } from 'cdk8s';

/** One file per object, named `<Kind>.<name>.k8s.yaml`, as a GitOps repository keeps them. */
export const YAML_OUTPUT_TYPE = YamlOutputType.FILE_PER_RESOURCE;

/** A section of the lesson and how to build its app(s). */
export interface ExampleSection {
  /** The directory under `examples/`. */
  readonly name: string;
  /** The states of a multi-state section (each synthesized into `dist/<variant>/`); empty for a single app. */
  readonly variants: readonly string[];
  /** Builds (does not synthesize) the app of `variant` (ignored by single-app sections) into `outdir`. */
  build(outdir: string, variant?: string): App;
}

/** A new app synthesizing into `outdir`. */
export function newApp(outdir: string): App {
  return new App({ outdir, yamlOutputType: YAML_OUTPUT_TYPE });
}

/** The chart of the lesson's objects in `namespace` (the lesson's routes live in `task-api`). */
export function lessonChart(app: App, namespace: string = 'task-api'): Chart {
  return new Chart(app, namespace, { namespace, disableResourceNameHashes: true });
}

/** The committed output directory of a section (and variant). */
export function distDir(section: ExampleSection, variant?: string): string {
  return path.join(__dirname, section.name, 'dist', variant ?? '');
}

/** The app directories of a section under `root`: `[root]`, or `root/<variant>` per variant. */
export function variantDirs(section: ExampleSection, root: string): Array<{ variant?: string; outdir: string }> {
  return section.variants.length === 0
    ? [{ outdir: root }]
    : section.variants.map((variant) => ({ variant, outdir: path.join(root, variant) }));
}

/** Synthesizes every app of `section` into `root` (default: the committed `dist/`), replacing what was there. */
export function synthSection(section: ExampleSection, root: string = distDir(section)): void {
  fs.rmSync(root, { recursive: true, force: true });
  for (const { variant, outdir } of variantDirs(section, root)) {
    section.build(outdir, variant).synth();
  }
}

/** Throws unless `variant` is one of the section's variants. */
export function checkVariant(section: string, variants: readonly string[], variant: string): void {
  if (!variants.includes(variant)) {
    throw new Error(`examples/${section}: unknown variant "${variant}"; use one of ${variants.join(', ')}`);
  }
}
