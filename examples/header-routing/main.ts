// Lesson section "Header-Based Routing": version header, premium API keys (regular expression), beta users.
// The three routes are alternatives: each has the same default rule (PathPrefix /api/), so on one Gateway only
// the oldest would ever serve it. Each is its own app, in dist/<variant>/.
import { App } from 'cdk8s';
import { BackendRef, HeaderVersionRoute, MatchType, ParentRef, PathMatch } from '../../src';
import { checkVariant, ExampleSection, lessonChart, newApp, synthSection } from '../section';

export const VARIANTS = ['header-version', 'premium', 'beta'];

const backend = (name: string) => BackendRef.fromName(name, { port: 8000 });

export function buildApp(outdir: string, variant: string = 'header-version'): App {
  checkVariant('header-routing', VARIANTS, variant);
  const app = newApp(outdir);
  const chart = lessonChart(app);
  const common = { parentRefs: [ParentRef.named('task-api-gateway')], path: PathMatch.pathPrefix('/api/') };

  switch (variant) {
    case 'header-version':
      new HeaderVersionRoute(chart, 'Version', {
        ...common,
        metadata: { name: 'task-api-header-version' },
        headerName: 'x-version',
        versions: [{ value: '2', backendRefs: [backend('task-api-v2')] }],
        defaultBackendRefs: [backend('task-api-v1')],
      });
      break;
    case 'premium':
      new HeaderVersionRoute(chart, 'Premium', {
        ...common,
        metadata: { name: 'task-api-premium' },
        headerName: 'x-api-key',
        versions: [{ value: '^premium-.*', matchType: MatchType.REGULAR_EXPRESSION, backendRefs: [backend('task-api-premium')] }],
        defaultBackendRefs: [backend('task-api-standard')],
      });
      break;
    default:
      new HeaderVersionRoute(chart, 'Beta', {
        ...common,
        metadata: { name: 'task-api-beta' },
        headerName: 'x-beta-user',
        versions: [{ value: 'true', backendRefs: [backend('task-api-beta')] }],
        defaultBackendRefs: [backend('task-api-stable')],
      });
  }
  return app;
}

export const section: ExampleSection = { name: 'header-routing', variants: VARIANTS, build: buildApp };

if (require.main === module) synthSection(section);
