/**
 * The newcomer's demo (`npm run demo`): synthesizes every example app of the routing lesson, starts the gateway on
 * each app's YAML with local echo backends, sends the lesson's requests, and prints who answered. Exits 1 if any
 * answer is not the one the lesson (corrected by the spec) says.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runRequests, startExample, LessonResult } from './harness';
import { LESSON, LessonApp } from './lesson';
import { synthSection } from '../examples/section';
import { SECTIONS } from '../examples/synth';

const CONCURRENCY = 3;

async function main(): Promise<number> {
  const started = Date.now();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-examples-'));
  try {
    for (const section of SECTIONS) synthSection(section, path.join(out, section.name));
    process.stdout.write(`synthesized ${SECTIONS.length} example apps of the lesson into ${out}\n`);

    const results: LessonResult[][] = new Array(LESSON.length);
    let next = 0;
    const worker = async () => {
      while (next < LESSON.length) {
        const i = next++;
        const app: LessonApp = LESSON[i];
        const dir = path.join(out, app.section, app.variant ?? '');
        const example = await startExample(dir);
        try {
          results[i] = await runRequests(app, example);
        } finally {
          await example.stop();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const rows = results.flat();
    printTable(rows);
    const failed = rows.filter((r) => !r.ok).length;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`\n${rows.length - failed} of ${rows.length} answers as the lesson (corrected by the spec) says, ${LESSON.length} gateways, ${seconds} s\n`);
    return failed === 0 ? 0 : 1;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function printTable(rows: LessonResult[]): void {
  const header = ['app', 'request', 'expected', 'answered by', ''];
  const cells = rows.map((r) => [r.app, r.request, r.expected, r.answered, r.ok ? 'ok' : 'WRONG']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  let last = '';
  for (const c of cells) {
    process.stdout.write(`${line([c[0] === last ? '' : c[0], ...c.slice(1)])}\n`);
    last = c[0];
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
