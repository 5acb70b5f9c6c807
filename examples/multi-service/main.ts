// Lesson section "Try With AI": /tasks, /users and /notifications to their services in namespace task-api
// (step-1), then an exact override /tasks/urgent (step-2), then a 95/5 canary on /tasks (step-3). The steps are
// successive states of one route, each its own app in dist/<variant>/.
import { App } from 'cdk8s';
import { BackendRef, ParentRef, PathRoutes } from '../../src';
import { checkVariant, ExampleSection, lessonChart, newApp, synthSection } from '../section';

export const VARIANTS = ['step-1', 'step-2', 'step-3'];

export function buildApp(outdir: string, variant: string = 'step-3'): App {
  checkVariant('multi-service', VARIANTS, variant);
  const app = newApp(outdir);
  const chart = lessonChart(app);
  const step = Number(variant.slice('step-'.length));

  const routes = new PathRoutes(chart, 'Services', {
    metadata: { name: 'task-api-routes' },
    parentRefs: [ParentRef.named('task-api-gateway')],
  });
  routes.addPrefix('/tasks', step < 3
    ? [BackendRef.fromName('task-api', { port: 8000 })]
    : [
      BackendRef.fromName('task-api-stable', { port: 8000, weight: 95 }),
      BackendRef.fromName('task-api-canary', { port: 8000, weight: 5 }),
    ]);
  routes.addPrefix('/users', [BackendRef.fromName('user-api', { port: 8001 })]);
  routes.addPrefix('/notifications', [BackendRef.fromName('notification-api', { port: 8002 })]);
  if (step >= 2) {
    // A specific endpoint: Exact, which takes precedence over the /tasks prefix wherever it is listed.
    routes.addExact('/tasks/urgent', [BackendRef.fromName('urgent-task-api', { port: 8003 })]);
  }
  return app;
}

export const section: ExampleSection = { name: 'multi-service', variants: VARIANTS, build: buildApp };

if (require.main === module) synthSection(section);
