// Lesson section "Traffic Weights for Canary Deployments": the 90/10 split, the four progressive rollout stages
// and the blue-green cutover. The stages are successive states of one route, and the canary and blue-green routes
// share their match (PathPrefix /api/), so each state is its own app, in dist/<variant>/: a rollout advances by
// changing the stage and committing the new YAML.
import { App } from 'cdk8s';
import { BackendRef, BlueGreenColor, BlueGreenRoute, CanaryRoute, CanarySplit, ParentRef, PathMatch, ProgressiveRollout, RolloutStage } from '../../src';
import { checkVariant, ExampleSection, lessonChart, newApp, synthSection } from '../section';

export const VARIANTS = ['canary', 'stage-1', 'stage-2', 'stage-3', 'stage-4', 'blue-green-before', 'blue-green-after'];

/** The lesson's rollout: 5%, 25%, 50%, then everything to the canary. */
export const STAGES = [
  RolloutStage.withWeights(95, 5),
  RolloutStage.withWeights(75, 25),
  RolloutStage.withWeights(50, 50),
  RolloutStage.withWeights(0, 100),
];

const backend = (name: string) => BackendRef.fromName(name, { port: 8000 });

export function buildApp(outdir: string, variant: string = 'canary'): App {
  checkVariant('canary-rollout', VARIANTS, variant);
  const app = newApp(outdir);
  const chart = lessonChart(app);
  const common = { parentRefs: [ParentRef.named('task-api-gateway')], match: { path: PathMatch.pathPrefix('/api/') } };

  if (variant === 'canary') {
    new CanaryRoute(chart, 'Canary', {
      ...common,
      metadata: { name: 'task-api-canary' },
      stable: backend('task-api-stable'),
      canary: backend('task-api-canary'),
      split: CanarySplit.percent(10),
    });
  } else if (variant.startsWith('stage-')) {
    new ProgressiveRollout(chart, 'Rollout', {
      ...common,
      metadata: { name: 'task-api-canary' },
      backends: [backend('task-api-stable'), backend('task-api-canary')],
      stages: STAGES,
      currentStage: Number(variant.slice('stage-'.length)) - 1,
    });
  } else {
    new BlueGreenRoute(chart, 'BlueGreen', {
      ...common,
      metadata: { name: 'task-api-blue-green' },
      blue: backend('task-api-blue'),
      green: backend('task-api-green'),
      live: variant === 'blue-green-before' ? BlueGreenColor.BLUE : BlueGreenColor.GREEN,
    });
  }
  return app;
}

export const section: ExampleSection = { name: 'canary-rollout', variants: VARIANTS, build: buildApp };

if (require.main === module) synthSection(section);
