// Lesson section "Exercises", in namespace `default`. Each exercise is its own app, in dist/<variant>/: the four
// routes share the match PathPrefix /api/ on the same Gateway, so applied together only the oldest would serve it
// (see examples/README.md).
import { App } from 'cdk8s';
import { BackendRef, CanaryRoute, CanarySplit, HeaderVersionRoute, HttpRoute, ParentRef, PathMatch, QueryParamMatch, QueryParamRoute } from '../../src';
import { checkVariant, ExampleSection, lessonChart, newApp, synthSection } from '../section';

export const VARIANTS = ['exercise-1', 'exercise-2', 'exercise-3', 'exercise-4'];

const backend = (name: string) => BackendRef.fromName(name, { port: 8000 });

export function buildApp(outdir: string, variant: string = 'exercise-1'): App {
  checkVariant('exercises', VARIANTS, variant);
  const app = newApp(outdir);
  const chart = lessonChart(app, 'default');
  const parentRefs = [ParentRef.named('task-api-gateway')];
  const api = PathMatch.pathPrefix('/api/');

  switch (variant) {
    case 'exercise-1': // Create HTTPRoute with PathPrefix
      new HttpRoute(chart, 'PathPrefix', {
        metadata: { name: 'exercise-pathprefix' },
        parentRefs,
        rules: [{ matches: [{ path: api }], backendRefs: [backend('task-api')] }],
      });
      break;
    case 'exercise-2': // Add Header-Based Routing
      new HeaderVersionRoute(chart, 'Header', {
        metadata: { name: 'exercise-header' },
        parentRefs,
        path: api,
        headerName: 'x-version',
        versions: [{ value: '2', backendRefs: [backend('task-api-v2')] }],
        defaultBackendRefs: [backend('task-api-v1')],
      });
      break;
    case 'exercise-3': // Configure 90/10 Traffic Split
      new CanaryRoute(chart, 'Canary', {
        metadata: { name: 'exercise-canary' },
        parentRefs,
        match: { path: api },
        stable: backend('task-api-stable'),
        canary: backend('task-api-canary'),
        split: CanarySplit.percent(10),
      });
      break;
    default: // Add Query Parameter Matching
      new QueryParamRoute(chart, 'Query', {
        metadata: { name: 'exercise-query' },
        parentRefs,
        path: api,
        params: [{ match: QueryParamMatch.exact('debug', 'true'), backendRefs: [backend('task-api-debug')] }],
        defaultBackendRefs: [backend('task-api')],
      });
  }
  return app;
}

export const section: ExampleSection = { name: 'exercises', variants: VARIANTS, build: buildApp };

if (require.main === module) synthSection(section);
