// Lesson section "Path Matching Types": one route per match type (Exact, PathPrefix, RegularExpression).
import { App } from 'cdk8s';
import { BackendRef, HttpRoute, ParentRef, PathMatch } from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);
  const parentRefs = [ParentRef.named('task-api-gateway')];
  const taskApi = BackendRef.fromName('task-api', { port: 8000 });

  new HttpRoute(chart, 'Exact', {
    metadata: { name: 'task-api-exact' },
    parentRefs,
    rules: [{ matches: [{ path: PathMatch.exact('/api/v1/tasks') }], backendRefs: [taskApi] }],
  });
  new HttpRoute(chart, 'Prefix', {
    metadata: { name: 'task-api-prefix' },
    parentRefs,
    rules: [{ matches: [{ path: PathMatch.pathPrefix('/api/v1/') }], backendRefs: [taskApi] }],
  });
  new HttpRoute(chart, 'Regex', {
    metadata: { name: 'task-api-regex' },
    parentRefs,
    rules: [{ matches: [{ path: PathMatch.regularExpression('/api/v[0-9]+/tasks') }], backendRefs: [taskApi] }],
  });
  return app;
}

export const section: ExampleSection = { name: 'path-matching', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
