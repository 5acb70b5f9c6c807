// The harness of the binding tests says what is wrong when a toolchain is missing or a command fails.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkToolchain, readYamlDir, run } from './harness';

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bindings-harness-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('checkToolchain', () => {
  test.each([
    ['python', /^bindings: the python binding tests need `python3` on the PATH; install Python 3\.9 or later/],
    ['java', /^bindings: the java binding tests need `java` on the PATH; install a JDK 11 or later/],
    ['go', /^bindings: the go binding tests need `go` on the PATH; install Go 1\.25 or later/],
  ] as const)('fails naming what to install when %s is not on the PATH', (language, message) => {
    // GIVEN a PATH with nothing on it
    const env = { ...process.env, PATH: fs.mkdtempSync(path.join(scratch, 'empty-path-')) };
    // WHEN the toolchain is checked THEN the error names the command and what to install
    expect(() => checkToolchain(language, env)).toThrow(message);
  });
});

describe('run', () => {
  test('returns what the command printed', () => {
    expect(run('node', ['-e', 'process.stdout.write("ok")'])).toBe('ok');
  });

  test('fails with the exit status and the output of a command that fails', () => {
    expect(() => run('node', ['-e', 'console.error("broken"); process.exit(3)']))
      .toThrow(/^bindings: node -e .* exited with 3 in .*:\n[^]*broken/);
  });

  test('fails naming a command that cannot be run', () => {
    expect(() => run('no-such-command-for-bindings', [])).toThrow(/^bindings: cannot run no-such-command-for-bindings \(spawnSync no-such-command-for-bindings ENOENT\)/);
  });
});

describe('readYamlDir', () => {
  test('reads every file, byte for byte', () => {
    // GIVEN a directory with a file whose bytes are not UTF-8
    const dir = fs.mkdtempSync(path.join(scratch, 'read-'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), Buffer.from([0x61, 0xff, 0x0a]));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'x: 1\n');
    // THEN each file's content keeps every byte
    const files = readYamlDir(dir);
    expect(Object.keys(files)).toStrictEqual(['a.yaml', 'b.yaml']);
    expect(Buffer.from(files['b.yaml'], 'latin1')).toStrictEqual(Buffer.from([0x61, 0xff, 0x0a]));
  });

  test('fails naming a directory that does not exist', () => {
    expect(() => readYamlDir('/nonexistent/bindings-out')).toThrow(/^bindings: \/nonexistent\/bindings-out does not exist$/);
  });
});
