/**
 * The vendored status conformance cases are well-formed: `check.mjs` (upstream's transcription validator) accepts
 * them, every case loads through `cases.ts`, and the validator refuses altered copies, naming the file and the fault.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadStatusSuite, STATUS_DIR } from './cases';

const CHECK = path.join(STATUS_DIR, 'check.mjs');

interface CheckRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runCheck(checkFile: string): Promise<CheckRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [checkFile], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A copy of the status folder (and of the data-plane cases it joins with) in a temp dir, to alter. */
function copyOfStatusFolder(): { root: string; status: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'status-cases-'));
  const status = path.join(root, 'status');
  fs.cpSync(STATUS_DIR, status, { recursive: true });
  fs.cpSync(path.join(STATUS_DIR, '..', 'cases'), path.join(root, 'cases'), { recursive: true });
  return { root, status };
}

function editJson(file: string, edit: (value: any) => void): void {
  const value = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(value);
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

describe('vendored status conformance cases', () => {
  const suite = loadStatusSuite();

  test('GIVEN the vendored folder WHEN check.mjs runs THEN it accepts every case and joins every data-plane case', async () => {
    // WHEN
    const run = await runCheck(CHECK);

    // THEN
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const counts = /^status-cases OK: (\d+) cases .*, (\d+) steps, (\d+) expectations; setup\.json (\d+) expectations; base\.json (\d+) objects; (\d+) data-plane cases joined/m.exec(run.stdout);
    expect(counts).not.toBeNull();
    const [cases, steps, expectations, setupExpectations, baseObjects] = counts!.slice(1, 6).map(Number);
    expect(cases).toBe(suite.cases.length);
    expect(steps).toBe(suite.cases.reduce((n, c) => n + c.steps.length, 0));
    expect(expectations).toBe(suite.cases.reduce((n, c) => n + c.steps.reduce((m, s) => m + s.expect.length, 0), 0));
    expect(setupExpectations).toBe(suite.setup.steps.reduce((n, s) => n + s.expect.length, 0));
    expect(baseObjects).toBe(suite.base.objects.length + suite.base.generatedBySuite.length);
    const dataPlaneCases = fs.readdirSync(path.join(STATUS_DIR, '..', 'cases')).filter((f) => f.endsWith('.json'));
    expect(Number(counts![6])).toBe(dataPlaneCases.length);
  });

  test('GIVEN every case file WHEN loaded THEN each is named after its file, pins upstream v1.6.1 and has steps', () => {
    // GIVEN
    const files = fs.readdirSync(path.join(STATUS_DIR, 'cases')).filter((f) => f.endsWith('.json')).sort();

    // THEN
    expect(files.length).toBeGreaterThan(0);
    expect(suite.cases.map((c) => `${c.name}.json`)).toStrictEqual(files);
    for (const c of suite.cases) {
      expect({ name: c.name, commit: c.upstreamCommit }).toStrictEqual({ name: c.name, commit: '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3' });
      expect(c.steps.length).toBeGreaterThan(0);
    }
    // INDEX.md lists each test once
    const index = fs.readFileSync(path.join(STATUS_DIR, 'INDEX.md'), 'utf8');
    for (const c of suite.cases) expect(index).toContain(`| ${c.name} |`);
  });

  test('GIVEN the loaded suite THEN the placeholders a runner must fill are the documented ones', () => {
    // GIVEN
    const text = JSON.stringify([suite.base, suite.setup, suite.cases]);

    // WHEN
    const placeholders = new Set([...text.matchAll(/\{([A-Z_]+)(?::[^}]*)?\}/g)].map((m) => m[1]));

    // THEN every one is described in FORMAT.md's placeholder table
    const format = fs.readFileSync(path.join(STATUS_DIR, 'FORMAT.md'), 'utf8');
    expect(placeholders.size).toBeGreaterThan(0);
    for (const p of placeholders) expect(format).toContain(`{${p}`);
    expect(placeholders.has('GATEWAY_CLASS_NAME')).toBe(true);
    expect(placeholders.has('CONTROLLER_NAME')).toBe(true);
  });

  describe('check.mjs refuses an altered copy', () => {
    const copies: string[] = [];
    afterAll(() => {
      for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
    });

    async function checkAltered(alter: (status: string) => void): Promise<CheckRun> {
      const { root, status } = copyOfStatusFolder();
      copies.push(root);
      alter(status);
      return runCheck(path.join(status, 'check.mjs'));
    }

    test('fails on a case file that is not JSON', async () => {
      // WHEN
      const run = await checkAltered((status) => fs.writeFileSync(path.join(status, 'cases', 'HTTPRouteSimpleSameNamespace.json'), '{ "name": '));

      // THEN
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/ERROR cases\/HTTPRouteSimpleSameNamespace\.json: invalid JSON/);
      expect(run.stderr).toMatch(/status-cases: FAILED with 1 error\(s\)/);
    });

    test('fails on an unknown condition reason, naming the case and the object', async () => {
      // WHEN
      const run = await checkAltered((status) =>
        editJson(path.join(status, 'cases', 'HTTPRouteSimpleSameNamespace.json'), (c) => {
          const e = c.steps[0].expect.find((x: any) => x.parents);
          e.parents[0].conditions[0].reason = 'LooksFine';
        }),
      );

      // THEN
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/ERROR cases\/HTTPRouteSimpleSameNamespace\.json step 1 HTTPRoute\/gateway-conformance-infra\/[a-z-]+: unknown reason LooksFine/);
    });

    test('fails on a timeout that is not upstream\'s default, and on a case whose name is not its file', async () => {
      // WHEN
      const run = await checkAltered((status) =>
        editJson(path.join(status, 'cases', 'HTTPRouteSimpleSameNamespace.json'), (c) => {
          c.name = 'SomethingElse';
          c.steps[0].expect[0].timeout.seconds += 1;
        }),
      );

      // THEN
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/cases\/HTTPRouteSimpleSameNamespace\.json: name does not match file name/);
      expect(run.stderr).toMatch(/cases\/HTTPRouteSimpleSameNamespace\.json step 1 .*: bad timeout/);
    });

    test('fails when an object of a data-plane case differs from the status case of the same name', async () => {
      // WHEN
      const run = await checkAltered((status) =>
        editJson(path.join(status, '..', 'cases', 'HTTPRouteSimpleSameNamespace.json'), (c) => {
          c.routes[0].spec.rules = [];
        }),
      );

      // THEN
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/cases\/HTTPRouteSimpleSameNamespace\.json: data-plane routes HTTPRoute\|gateway-conformance-infra\|\S+ differs from objects/);
    });
  });

  test('fails to load a case file that is not JSON, naming the file and the fix', () => {
    // GIVEN
    const { root, status } = copyOfStatusFolder();
    try {
      fs.writeFileSync(path.join(status, 'cases', 'GatewayInvalidTLSConfiguration.json'), '[');

      // THEN
      expect(() => loadStatusSuite(status)).toThrow(/GatewayInvalidTLSConfiguration\.json: invalid json: .*copy them again from upstream's transcription/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
