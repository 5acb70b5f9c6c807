/**
 * The data-plane conformance suite as jest tests, for a run on files (conformance.test.ts) or through a real API server
 * (api.test.ts): per case file, its echo backends, its objects (an input directory, or the API server) and a
 * `cdk8s-gateway serve` child process; one jest test per case.
 *
 * CONFORMANCE_ONLY=NameA,NameB runs only those files (the rest are reported as skipped). A full run writes
 * test-reports/<report>; with CONFORMANCE_WRITE_RESULTS=1 a run on files also rewrites the committed RESULTS.md and the
 * results tables of test/conformance/README.md and the project README. CONFORMANCE_GATEWAY=bin|esbuild|ts|bundle
 * picks how the gateway is launched (harness/gateway.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONFORMANCE_DIR, caseTitle, loadBackends, loadCaseFiles, type CaseFile } from './cases';
import { generateCertificate, httpsHostnames, type ConformanceCertificate } from './certs';
import { chooseLauncher, describeLauncher, REPO_ROOT } from './gateway';
import { embedTable, renderResults, renderTable } from './results';
import { pool, runCaseFile, type CaseResult, type KubeSuite, type SuiteContext } from './run';
import { skipOf } from '../skips';

export interface SuiteOptions {
  /** Case files run at the same time (each with its own gateway). */
  readonly concurrency: number;
  /** File name under test-reports/ for the results of a full run. */
  readonly report: string;
  /** The test file and what the gateway reads, for the report's first lines. */
  readonly run: { readonly testFile: string; readonly input: string };
  /** Whether a full run may rewrite the committed results (CONFORMANCE_WRITE_RESULTS=1). */
  readonly writesCommittedResults: boolean;
  /** Through an API server: started before the first file, stopped after the last. */
  readonly kube?: () => Promise<KubeSuite & { stop(): Promise<void> }>;
}

/** Declares the suite's jest tests (call at the top level of a test file). */
export function defineConformanceSuite(options: SuiteOptions): void {
  const files = loadCaseFiles();
  const only = (process.env.CONFORMANCE_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const selected = (f: CaseFile) => only.length === 0 || only.includes(f.name);
  const concurrency = Math.max(1, Number(process.env.CONFORMANCE_CONCURRENCY ?? String(options.concurrency)) || options.concurrency);

  const results = new Map<string, CaseResult[]>();
  const pending = new Map<string, { promise: Promise<CaseResult[]>; resolve: (r: CaseResult[]) => void }>();
  for (const f of files) {
    let resolve!: (r: CaseResult[]) => void;
    const promise = new Promise<CaseResult[]>((r) => (resolve = r));
    pending.set(f.name, { promise, resolve });
  }

  let tmpRoot: string | undefined;
  let launcherText = '';
  let all: Promise<unknown> = Promise.resolve();
  let kube: (KubeSuite & { stop(): Promise<void> }) | undefined;

  /** Every case of every selected file fails with this reason (used when the suite cannot even start). */
  function failAll(reason: string) {
    for (const f of files.filter(selected)) {
      const r = f.cases.map((_c, i) => ({ test: f.name, index: i, title: caseTitle(f, i), status: 'failed' as const, errors: [reason], requests: 0, ms: 0 }));
      pending.get(f.name)!.resolve(r);
    }
  }

  beforeAll(async () => {
    try {
      await startSuite();
    } catch (e: any) {
      failAll(`the conformance suite could not start: ${e?.stack ?? e}`);
      throw e;
    }
  }, 240_000);

  async function startSuite() {
    const launcher = chooseLauncher();
    launcherText = describeLauncher(launcher.launcher);
    process.stdout.write(`conformance: gateway launched via ${launcherText} (${launcher.why})\n`);
    const cert: ConformanceCertificate = await generateCertificate(httpsHostnames(files));
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-conformance-'));
    kube = options.kube ? await options.kube() : undefined;
    const ctx: SuiteContext = { backends: loadBackends(), cert, launcher: launcher.launcher, tmpRoot, skipOf, ...(kube ? { kube } : {}) };
    const run = files.filter(selected);
    all = pool(run, concurrency, async (f) => {
      let r: CaseResult[];
      try {
        r = await runCaseFile(f, ctx);
      } catch (e: any) {
        r = f.cases.map((_c, i) => ({ test: f.name, index: i, title: caseTitle(f, i), status: 'failed' as const, errors: [`harness error: ${e?.stack ?? e}`], requests: 0, ms: 0 }));
      }
      results.set(f.name, r);
      pending.get(f.name)!.resolve(r);
    });
  }

  afterAll(async () => {
    await all;
    await kube?.stop();
    if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
    const notes = [...results.values()].flat().filter((r) => r.note);
    if (notes.length) process.stdout.write(`conformance notes:\n${notes.map((r) => `  ${r.title}: ${r.note}`).join('\n')}\n`);
    if (only.length === 0 && results.size === files.length) {
      // A full run always leaves its results in test-reports/; the committed RESULTS.md and the tables the READMEs
      // embed are rewritten only on request (CONFORMANCE_WRITE_RESULTS=1), so a test run never edits tracked files.
      const reports = path.join(REPO_ROOT, 'test-reports');
      fs.mkdirSync(reports, { recursive: true });
      const text = renderResults(files, results, launcherText, options.run);
      fs.writeFileSync(path.join(reports, options.report), text);
      if (options.writesCommittedResults && process.env.CONFORMANCE_WRITE_RESULTS === '1') {
        fs.writeFileSync(path.join(CONFORMANCE_DIR, 'RESULTS.md'), text);
        for (const readme of [path.join(CONFORMANCE_DIR, 'README.md'), path.join(REPO_ROOT, 'README.md')]) {
          if (!fs.existsSync(readme)) continue;
          const before = fs.readFileSync(readme, 'utf8');
          const after = embedTable(before, renderTable(files, results));
          if (after !== before) fs.writeFileSync(readme, after);
        }
      }
    }
  }, 300_000);

  for (const file of files) {
    describe(file.name, () => {
      file.cases.forEach((_c, index) => {
        const title = caseTitle(file, index);
        const skip = skipOf(file.name, index);
        if (skip) {
          test.skip(`${title} (skipped: ${skip.reason})`, () => undefined);
          return;
        }
        if (!selected(file)) {
          test.skip(title, () => undefined);
          return;
        }
        test(
          title,
          async () => {
            const r = (await pending.get(file.name)!.promise)[index];
            if (r.status === 'failed') throw new Error(`${title} failed after ${r.requests} request(s):\n${r.errors.join('\n')}`);
            expect(r.status).toBe('passed');
          },
          400_000,
        );
      });
    });
  }
}
