/**
 * Builds the Python, Java and Go packages of the library with jsii-pacmak, installs what each language's app needs,
 * and runs the apps of test/bindings/<language>/.
 *
 * What is downloaded or built is kept so that only the first run pays for it: the Python virtual environment and the
 * apps' output in `.bindings/` (git-ignored); Maven's local repository, Go's module cache and the built packages (by the
 * hash of the jsii assembly they were built from) in a cache shared by every clone on the machine,
 * `$CDK8S_GATEWAY_CACHE/bindings` (default `~/.cache/cdk8s-gateway/bindings`), so that a fresh clone of an unchanged
 * library builds nothing. A package is rebuilt when it is missing or was built from another jsii assembly (`.jsii`),
 * which is rebuilt when it is older than a file of `src/`.
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CACHE = path.join(ROOT, '.bindings');
/** Shared by the clones of this machine: downloads, and the packages by the hash of their assembly. */
const SHARED = path.join(process.env.CDK8S_GATEWAY_CACHE ?? path.join(os.homedir(), '.cache', 'cdk8s-gateway'), 'bindings');
const DIST = path.join(ROOT, 'dist');
const MAVEN_REPOSITORY = path.join(SHARED, 'm2');
const BIN = path.join(ROOT, 'node_modules', '.bin');

/** A language of the bindings, as jsii-pacmak names its target. */
export type Language = 'python' | 'java' | 'go';
export const LANGUAGES: Language[] = ['python', 'java', 'go'];

/** The command each language's toolchain is reached by, and where to get it. */
const TOOLCHAINS: Record<Language, Array<{ command: string; args: string[]; install: string }>> = {
  python: [{ command: 'python3', args: ['--version'], install: 'Python 3.9 or later (e.g. apt-get install python3 python3-venv)' }],
  java: [
    { command: 'java', args: ['-version'], install: 'a JDK 11 or later (e.g. apt-get install openjdk-17-jdk-headless)' },
    { command: 'mvn', args: ['--version'], install: 'Maven 3.6 or later (e.g. apt-get install maven)' },
  ],
  go: [{ command: 'go', args: ['version'], install: 'Go 1.25 or later (https://go.dev/dl/)' }],
};

/** The library's version, which names the built packages. */
export const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, ...options.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) {
    throw new Error(`bindings: cannot run ${command} (${result.error.message}) in ${options.cwd ?? ROOT}`);
  }
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-60).join('\n');
    throw new Error(`bindings: ${command} ${args.join(' ')} exited with ${result.status ?? result.signal} in ${options.cwd ?? ROOT}:\n${output}`);
  }
  return result.stdout;
}

/** Throws, naming what to install, unless the language's toolchain answers. */
export function checkToolchain(language: Language, env: NodeJS.ProcessEnv = process.env): void {
  for (const { command, args, install } of TOOLCHAINS[language]) {
    const result = spawnSync(command, args, { encoding: 'utf8', env });
    if (result.error || result.status !== 0) {
      throw new Error(`bindings: the ${language} binding tests need \`${command}\` on the PATH; install ${install}`);
    }
  }
}

function mtime(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).mtimeMs : -1;
}

function newestIn(dir: string): number {
  let newest = -1;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, mtime(path.join(entry.parentPath, entry.name)));
  }
  return newest;
}

/** The file of a built package that says it is there (jsii-pacmak writes it last, or alone). */
function artifact(language: Language): string {
  switch (language) {
    case 'python': return path.join(DIST, 'python', `cdk8s_gateway-${VERSION}-py3-none-any.whl`);
    case 'java': return path.join(DIST, 'java', 'io', 'github', 'cdk8s-gateway', 'cdk8s-gateway', VERSION, `cdk8s-gateway-${VERSION}.jar`);
    case 'go': return path.join(DIST, 'go', 'cdk8sgateway', 'go.mod');
  }
}

/** Go's settings for the module cache in the shared cache (kept writable, so the folder can simply be deleted). */
function goEnv(): NodeJS.ProcessEnv {
  const flags = run('go', ['env', 'GOFLAGS']).trim();
  return { GOMODCACHE: path.join(SHARED, 'go', 'mod'), GOFLAGS: [flags, '-modcacherw'].filter((f) => f !== '').join(' ') };
}

/** Where the hash of the assembly a language's package was built from is kept. */
function builtFrom(language: Language): string {
  return path.join(CACHE, 'packages', `${language}.sha256`);
}

/**
 * Builds the jsii assembly if it is older than `src/`, then the packages of `languages` that are missing or were
 * built from another assembly, with one jsii-pacmak run. Returns the languages it built.
 */
export function buildPackages(languages: Language[]): Language[] {
  languages.forEach((l) => checkToolchain(l));
  const assembly = path.join(ROOT, '.jsii');
  if (mtime(assembly) < newestIn(path.join(ROOT, 'src'))) {
    run('projen', ['compile']);
  }
  const hash = sha256(assembly);
  const current = (l: Language) => fs.existsSync(artifact(l)) && fs.existsSync(builtFrom(l)) && fs.readFileSync(builtFrom(l), 'utf8') === hash;
  // A package built from the same assembly by another clone is copied, not built again.
  for (const l of languages) {
    const saved = path.join(SHARED, 'packages', hash, l);
    if (current(l) || !fs.existsSync(saved)) continue;
    fs.rmSync(path.join(DIST, l), { recursive: true, force: true });
    fs.cpSync(saved, path.join(DIST, l), { recursive: true });
    fs.mkdirSync(path.dirname(builtFrom(l)), { recursive: true });
    fs.writeFileSync(builtFrom(l), hash);
  }
  const stale = languages.filter((l) => !current(l));
  if (stale.length === 0) return [];
  if (stale.includes('java')) run('bash', [path.join(ROOT, 'scripts', 'bindings', 'java-deps.sh'), MAVEN_REPOSITORY]);
  run('jsii-pacmak', [...stale.flatMap((l) => ['--target', l]), '--maven-local-repository', MAVEN_REPOSITORY], {
    env: stale.includes('go') ? goEnv() : {},
  });
  fs.mkdirSync(path.dirname(builtFrom(stale[0])), { recursive: true });
  for (const l of stale) {
    if (!fs.existsSync(artifact(l))) throw new Error(`bindings: jsii-pacmak --target ${l} did not write ${artifact(l)}`);
    fs.writeFileSync(builtFrom(l), hash);
    saveForOtherClones(l, hash);
  }
  return stale;
}

/** Copies dist/<language> into the shared cache under the assembly's hash (a temporary copy renamed into place). */
function saveForOtherClones(language: Language, hash: string): void {
  const dest = path.join(SHARED, 'packages', hash, language);
  if (fs.existsSync(dest)) return;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = fs.mkdtempSync(`${dest}.tmp-`);
  fs.cpSync(path.join(DIST, language), tmp, { recursive: true });
  try {
    fs.renameSync(tmp, dest);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another clone saved it first
  }
}

function sha256(...files: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(fs.readFileSync(f));
  return hash.digest('hex');
}

/** Where the app of `language` writes its charts. */
export function outputDir(language: Language): string {
  return path.join(CACHE, 'out', language);
}

function freshOutput(language: Language): string {
  const out = outputDir(language);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  return out;
}

/**
 * Python: a virtual environment in `.bindings/python` with cdk8s, cdk8s-plus-28 and constructs from PyPI (pinned in
 * requirements.txt) and the wheel of dist/python; reinstalled when the wheel or the pins change.
 */
function runPython(): string {
  const appDir = path.join(ROOT, 'test', 'bindings', 'python');
  const venv = path.join(CACHE, 'python');
  const python = path.join(venv, 'bin', 'python');
  const requirements = path.join(appDir, 'requirements.txt');
  const wheel = artifact('python');
  const stamp = path.join(venv, 'cdk8s-gateway.sha256');
  const wanted = sha256(requirements, wheel);
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== wanted) {
    if (!fs.existsSync(python)) run('python3', ['-m', 'venv', venv]);
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements, wheel]);
    // the version number of a rebuilt wheel does not change: replace the installed one
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--force-reinstall', '--no-deps', wheel]);
    fs.writeFileSync(stamp, wanted);
  }
  const out = freshOutput('python');
  run(python, [path.join(appDir, 'app.py'), out], { cwd: appDir });
  return out;
}

/**
 * Java: Maven with its local repository in `.bindings/m2`; the artifact comes from dist/java (the repository
 * jsii-pacmak writes), cdk8s and constructs from Maven Central.
 */
function runJava(): string {
  const appDir = path.join(ROOT, 'test', 'bindings', 'java');
  // the library's artifact always comes from dist/java, never from an earlier copy in the local repository
  fs.rmSync(path.join(MAVEN_REPOSITORY, 'io', 'github', 'cdk8s-gateway'), { recursive: true, force: true });
  const out = freshOutput('java');
  run('mvn', [
    '--quiet', '--batch-mode',
    `-Dmaven.repo.local=${MAVEN_REPOSITORY}`,
    `-Dcdk8s-gateway.repository=file://${path.join(DIST, 'java')}`,
    `-Dcdk8s-gateway.version=${VERSION}`,
    `-Dbindings.build.directory=${path.join(CACHE, 'java-target')}`,
    'compile', 'exec:java', `-Dexec.args=${out}`,
  ], { cwd: appDir });
  return out;
}

/** Go: the module of dist/go replaces the published one (go.mod); the other modules come from the Go module proxy. */
function runGo(): string {
  const appDir = path.join(ROOT, 'test', 'bindings', 'go');
  const out = freshOutput('go');
  run('go', ['run', '.', out], { cwd: appDir, env: goEnv() });
  return out;
}

/** Runs the app of `language` (its package built and installed); returns the directory it wrote. */
export function runApp(language: Language): string {
  switch (language) {
    case 'python': return runPython();
    case 'java': return runJava();
    case 'go': return runGo();
  }
}

/** The files of `dir` (a synthesized app), name to content, decoded byte for byte (latin1). */
export function readYamlDir(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) throw new Error(`bindings: ${dir} does not exist`);
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    files[name] = fs.readFileSync(path.join(dir, name), 'latin1');
  }
  return files;
}
