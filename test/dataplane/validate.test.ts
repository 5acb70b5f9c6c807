import * as fs from 'fs';
import * as path from 'path';
import { runValidate } from '../../src/dataplane/validate';

const VALID_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
    - name: gw
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /api
      backendRefs:
        - name: api
          port: 8080
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  ports:
    - port: 8080
`;

const INVALID_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: Bad_Route
spec:
  parentRefs:
    - name: gw
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: api
      backendRefs:
        - name: api
          port: 8080
      colour: blue
`;

let dir: string;

beforeEach(() => {
  // Temporary inputs live in the repository's ignored .tmp/ (tests read nothing outside the repository).
  const tmp = path.join(__dirname, '../../.tmp');
  fs.mkdirSync(tmp, { recursive: true });
  dir = fs.mkdtempSync(path.join(tmp, 'validate-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runValidate(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('cdk8s-gateway validate', () => {
  test('exits 0 and says ok for valid files, skipping other API groups', async () => {
    // GIVEN a file with a Service and a valid HTTPRoute
    const file = write('app.yaml', `${SERVICE}---\n${VALID_ROUTE}`);
    // WHEN
    const r = await run(file);
    // THEN
    expect(r).toStrictEqual({
      code: 0,
      stdout: 'ok: 1 Gateway API object in 2 documents of 1 file valid against the Gateway API v1.6.1 standard CRDs\n',
      stderr: '',
    });
  });

  test('fails with exit 1 and one file:document:field line per issue, then a summary', async () => {
    // GIVEN the invalid route as the second document
    const file = write('app.yaml', `${SERVICE}---\n${INVALID_ROUTE}`);
    // WHEN
    const r = await run(file);
    // THEN (lines are lines of the file: the Service takes 7 lines and the separator one)
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toStrictEqual([
      `${file}:2:metadata.name: invalid name "Bad_Route": must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. "example.com", "my-route") (line 12)`,
      expect.stringMatching(new RegExp(`^${escape(file)}:2:spec\\.rules\\[0\\]\\.colour: unknown field "colour": .* \\(line 24\\)$`)),
      expect.stringMatching(new RegExp(`^${escape(file)}:2:spec\\.rules\\[0\\]\\.matches\\[0\\]\\.path: violates the CRD rule: "value must be an absolute path and start with '/' when type one of \\['Exact', 'PathPrefix'\\]" \\(line 19\\)$`)),
      '3 issues in 1 document (1 Gateway API object in 2 documents of 1 file, standard CRDs)',
    ]);
  });

  test('reads every YAML file of a directory', async () => {
    write('a.yaml', VALID_ROUTE);
    write('b.yml', INVALID_ROUTE);
    write('notes.txt', 'not: [yaml');
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${escape(path.join(dir, 'b.yml'))}:1:metadata\\.name: `, 'm'));
    expect(r.stdout).not.toMatch(/a\.yaml/);
    expect(r.stdout).toMatch(/\n3 issues in 1 document \(2 Gateway API objects in 2 documents of 2 files, standard CRDs\)\n$/);
  });

  test('-R reads subdirectories too', async () => {
    fs.mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true });
    write('a.yaml', VALID_ROUTE);
    write(path.join('nested', 'deeper', 'b.yaml'), INVALID_ROUTE);
    const flat = await run(dir);
    expect(flat.code).toBe(0);
    const deep = await run('-R', dir);
    expect(deep.code).toBe(1);
    expect(deep.stdout).toMatch(new RegExp(`^${escape(path.join(dir, 'nested', 'deeper', 'b.yaml'))}:1:metadata\\.name: `, 'm'));
    expect(deep.stdout).toMatch(/\(2 Gateway API objects in 2 documents of 2 files, standard CRDs\)\n$/);
  });

  test('-R on a directory without YAML exits 2', async () => {
    fs.mkdirSync(path.join(dir, 'empty'));
    const r = await run('--recursive', path.join(dir, 'empty'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no \*\.yaml, \*\.yml or \*\.json files under /);
  });

  test('the committed example YAML (examples/*/dist) is valid', async () => {
    const examples = path.join(__dirname, '../../examples');
    const dists = fs.readdirSync(examples).map((d) => path.join(examples, d, 'dist')).filter((d) => fs.existsSync(d));
    expect(dists.length).toBeGreaterThan(0);
    const r = await run('-R', ...dists);
    expect(r.stdout).toMatch(/^ok: \d+ Gateway API objects? in /);
    expect(r.code).toBe(0);
  });

  test('--channel experimental accepts an experimental field the standard channel reports', async () => {
    const file = write('retry.yaml', VALID_ROUTE.replace('      backendRefs:', '      retry:\n        attempts: 2\n      backendRefs:'));
    const standard = await run(file);
    expect(standard.code).toBe(1);
    expect(standard.stdout).toMatch(/:1:spec\.rules\[0\]\.retry: field "retry" is only in the experimental channel .*--channel experimental/);
    const experimental = await run('--channel', 'experimental', file);
    expect(experimental.code).toBe(0);
    expect(experimental.stdout).toMatch(/^ok: .* experimental CRDs\n$/);
  });

  test('fails with exit 2 on a missing file', async () => {
    const r = await run(path.join(dir, 'missing.yaml'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/missing\.yaml: cannot read input: no such file or directory\n$/);
  });

  test('fails with exit 2 on YAML that does not parse', async () => {
    const file = write('broken.yaml', `${VALID_ROUTE}---\nkind: [unclosed\n`);
    const r = await run(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${escape(file)}:2: invalid YAML: `));
  });

  test('fails with exit 2 on usage errors', async () => {
    expect((await run()).code).toBe(2);
    expect((await run()).stderr).toMatch(/^cdk8s-gateway validate: no input given/);
    const unknown = await run('--strict', 'x.yaml');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^cdk8s-gateway validate: unknown option '--strict'/);
    const channel = await run('--channel', 'beta', 'x.yaml');
    expect(channel.code).toBe(2);
    expect(channel.stderr).toMatch(/--channel must be 'standard' or 'experimental', got 'beta'/);
  });

  test('--help prints the usage and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: cdk8s-gateway validate \[-R\] \[--channel standard\|experimental\] PATH\.\.\./);
    expect(r.stdout).toMatch(/exit status: 0 valid, 1 issues found, 2 usage error or unreadable input/);
  });

  test('reports an object without apiVersion', async () => {
    const file = write('x.yaml', 'kind: HTTPRoute\nmetadata:\n  name: x\n');
    const r = await run(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${escape(file)}:1:apiVersion: apiVersion is missing`));
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
