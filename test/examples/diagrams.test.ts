import * as fs from 'fs';
import { diagramReadme, readmePath } from '../../examples/diagrams';
import { SECTIONS } from '../../examples/synth';

describe('example diagrams', () => {
  test.each(SECTIONS.map((s) => [s.name, s] as const))('examples/%s/README.md shows the routing of its committed dist/', (_name, section) => {
    // GIVEN the committed README
    const committed = fs.existsSync(readmePath(section)) ? fs.readFileSync(readmePath(section), 'utf8') : '(missing)';
    // WHEN the diagram is drawn afresh from the committed YAML
    const fresh = diagramReadme(section);
    // THEN they are the same (regenerate with: npx ts-node -P tsconfig.dev.json examples/synth.ts <section>)
    expect(committed).toStrictEqual(fresh);
    expect(fresh).toMatch(/```mermaid\nflowchart LR\n/);
  });
});
