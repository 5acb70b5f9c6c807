// Lesson section "Multiple Rules and Ordering". The rules are written here in the lesson's order, and the health
// route in the order the lesson calls a mistake: HttpRoute emits every route in the Gateway API's precedence
// order (Exact, RegularExpression, longest PathPrefix), which is also the order the spec selects in, whatever
// the order rules are written in.
import { App } from 'cdk8s';
import { BackendRef, HttpRoute, ParentRef, PathMatch } from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

const backend = (name: string) => BackendRef.fromName(name, { port: 8000 });

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);
  const parentRefs = [ParentRef.named('task-api-gateway')];

  new HttpRoute(chart, 'Ordered', {
    metadata: { name: 'task-api-ordered' },
    parentRefs,
    rules: [
      { matches: [{ path: PathMatch.exact('/api/v1/tasks/urgent') }], backendRefs: [backend('task-api-urgent')] },
      { matches: [{ path: PathMatch.regularExpression('/api/v1/tasks/[0-9]+') }], backendRefs: [backend('task-api-read')] },
      { matches: [{ path: PathMatch.pathPrefix('/api/v1/tasks') }], backendRefs: [backend('task-api')] },
      { matches: [{ path: PathMatch.pathPrefix('/') }], backendRefs: [backend('default-backend')] },
    ],
  });

  // The lesson's "wrong order": not wrong under the spec, the Exact match wins anyway.
  new HttpRoute(chart, 'Health', {
    metadata: { name: 'task-api-health' },
    parentRefs,
    rules: [
      { matches: [{ path: PathMatch.pathPrefix('/api/') }], backendRefs: [backend('task-api')] },
      { matches: [{ path: PathMatch.exact('/api/health') }], backendRefs: [backend('health-checker')] },
    ],
  });
  return app;
}

export const section: ExampleSection = { name: 'rule-ordering', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
