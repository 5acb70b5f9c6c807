// Lesson section "Query Parameter Matching", and "Combining Path and Query Matching".
import { App } from 'cdk8s';
import { BackendRef, ParentRef, PathMatch, QueryParamMatch, QueryParamRoute } from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

const backend = (name: string) => BackendRef.fromName(name, { port: 8000 });

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);
  const parentRefs = [ParentRef.named('task-api-gateway')];

  // ?debug=true&tier=premium matches both parameters: the first listed (debug) wins, as in the lesson.
  new QueryParamRoute(chart, 'Query', {
    metadata: { name: 'task-api-query' },
    parentRefs,
    path: PathMatch.pathPrefix('/api/'),
    params: [
      { match: QueryParamMatch.exact('debug', 'true'), backendRefs: [backend('task-api-debug')] },
      { match: QueryParamMatch.exact('tier', 'premium'), backendRefs: [backend('task-api-premium')] },
    ],
    defaultBackendRefs: [backend('task-api')],
  });

  // Matches /api/v2/tasks?experimental=enabled, not /api/v1/tasks?experimental=enabled.
  new QueryParamRoute(chart, 'Experimental', {
    metadata: { name: 'task-api-experimental' },
    parentRefs,
    path: PathMatch.pathPrefix('/api/v2/'),
    params: [{ match: QueryParamMatch.exact('experimental', 'enabled'), backendRefs: [backend('task-api-experimental')] }],
  });
  return app;
}

export const section: ExampleSection = { name: 'query-params', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
