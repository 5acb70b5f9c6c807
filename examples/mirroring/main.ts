// Lesson section "Request Mirroring": requests go to task-api, a copy of each to task-api-shadow.
import { App } from 'cdk8s';
import { BackendRef, MirrorRoute, ParentRef, PathMatch } from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);
  new MirrorRoute(chart, 'Mirror', {
    metadata: { name: 'task-api-mirror' },
    parentRefs: [ParentRef.named('task-api-gateway')],
    match: { path: PathMatch.pathPrefix('/api/') },
    primary: BackendRef.fromName('task-api', { port: 8000 }),
    shadow: BackendRef.fromName('task-api-shadow', { port: 8000 }),
  });
  return app;
}

export const section: ExampleSection = { name: 'mirroring', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
