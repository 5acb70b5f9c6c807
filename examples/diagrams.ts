/**
 * The picture of each example's routing: `examples/<section>/README.md` embeds the Mermaid diagram of the section's
 * committed `dist/` (one per variant), as `cdk8s-gateway graph` draws it from the gateway's compiled route table.
 * Routes that name the lesson's Gateway without defining it are drawn on the lesson's Gateway (HTTP listeners on
 * 80 and 50051), as the demo serves them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { distDir, ExampleSection } from './section';
import { lessonGateway, readObjects } from '../demo/harness';
import { SourceDocument } from '../src/dataplane/config/load';
import { compile } from '../src/dataplane/engine/compile';
import { renderMermaid } from '../src/dataplane/graph';

/** The Mermaid diagram of one app directory. */
export function diagramOf(dir: string): string {
  const objects = readObjects(dir);
  const gateways = new Set(objects.filter((o) => o.kind === 'Gateway').map((o) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`));
  const routeNamespaces = new Set(objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute').map((o) => o.metadata?.namespace ?? 'default'));
  for (const ns of routeNamespaces) if (!gateways.has(`${ns}/task-api-gateway`)) objects.push(lessonGateway(ns));
  const docs: SourceDocument[] = objects.map((object, i) => ({ file: dir, document: i + 1, object, lineOf: () => undefined }));
  return renderMermaid(compile(docs));
}

/** The README text of a section: one diagram per app. */
export function diagramReadme(section: ExampleSection): string {
  const apps = section.variants.length === 0
    ? [{ title: undefined, dir: distDir(section) }]
    : section.variants.map((v) => ({ title: v, dir: distDir(section, v) }));
  const parts = [
    `# examples/${section.name}`,
    '',
    'How the gateway routes the committed YAML in `dist/`: Gateway -> listener -> route -> rule (matches) -> backends with their',
    `share of traffic (\`cdk8s-gateway graph examples/${section.name}/dist${section.variants.length ? '/<variant>' : ''}\`). Regenerated with the YAML by`,
    `\`npx ts-node -P tsconfig.dev.json examples/synth.ts ${section.name}\`; a test fails when it is out of date.`,
    '',
  ];
  for (const app of apps) {
    if (app.title) parts.push(`## ${app.title}`, '');
    parts.push('```mermaid', diagramOf(app.dir).trimEnd(), '```', '');
  }
  return parts.join('\n');
}

export function readmePath(section: ExampleSection): string {
  return path.join(__dirname, section.name, 'README.md');
}

export function writeDiagramReadme(section: ExampleSection): void {
  fs.writeFileSync(readmePath(section), diagramReadme(section));
}
