// Regenerates the committed YAML of the examples: every section, or the sections named on the command line.
//
//   npx ts-node -P tsconfig.dev.json examples/synth.ts [section ...]
import { section as canaryRollout } from './canary-rollout/main';
import { section as completeApp } from './complete-app/main';
import { section as controllerMode } from './controller-mode/main';
import { writeDiagramReadme } from './diagrams';
import { section as exercises } from './exercises/main';
import { section as grpcRoute } from './grpc-route/main';
import { section as headerRouting } from './header-routing/main';
import { section as methodRouting } from './method-routing/main';
import { section as mirroring } from './mirroring/main';
import { section as multiService } from './multi-service/main';
import { section as pathMatching } from './path-matching/main';
import { section as queryParams } from './query-params/main';
import { section as ruleOrdering } from './rule-ordering/main';
import { distDir, ExampleSection, synthSection } from './section';

export const SECTIONS: ExampleSection[] = [
  pathMatching, headerRouting, queryParams, methodRouting, canaryRollout,
  mirroring, ruleOrdering, grpcRoute, exercises, multiService, completeApp, controllerMode,
];

if (require.main === module) {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown example ${unknown.join(', ')}; use one of ${SECTIONS.map((s) => s.name).join(', ')}`);
  }
  for (const s of SECTIONS.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
    synthSection(s);
    writeDiagramReadme(s);
    console.log(`synthesized examples/${s.name} into ${distDir(s)}`);
  }
}
