// Lesson section "Method-Based Routing": reads to the read replica, writes to the primary. MethodRoute's defaults
// also route HEAD (a read) and PATCH (a write), which the lesson's route leaves unmatched (404).
import { App } from 'cdk8s';
import { BackendRef, MethodRoute, ParentRef, PathMatch } from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);
  new MethodRoute(chart, 'Methods', {
    metadata: { name: 'task-api-method' },
    parentRefs: [ParentRef.named('task-api-gateway')],
    path: PathMatch.pathPrefix('/api/'),
    readBackendRefs: [BackendRef.fromName('task-api-read-replica', { port: 8000 })],
    writeBackendRefs: [BackendRef.fromName('task-api-primary', { port: 8000 })],
  });
  return app;
}

export const section: ExampleSection = { name: 'method-routing', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
