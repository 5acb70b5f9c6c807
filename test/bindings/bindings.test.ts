// The library from Python, Java and Go: each language's app (test/bindings/<language>/) installs the package
// jsii-pacmak just built, builds the lesson's charts statement for statement as the TypeScript examples do, and
// synthesizes them. The YAML must be the examples' committed dist/, byte for byte, and a canary of 150 percent must
// fail in that language with the TypeScript message. See harness.ts for what is built, installed and cached where.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { buildPackages, Language, LANGUAGES, readYamlDir, ROOT, runApp } from './harness';
import { BackendRef, CanaryRoute, CanarySplit } from '../../src';

/** The example apps the language apps rebuild: the output directory under the app's OUTDIR and the committed one. */
const CHARTS = [
  { what: 'the 90/10 canary route', out: 'canary-rollout/canary', dist: 'examples/canary-rollout/dist/canary' },
  { what: 'the header-version route', out: 'header-routing/header-version', dist: 'examples/header-routing/dist/header-version' },
  { what: 'the Gateway and the GRPCRoute of GrpcServiceRoute', out: 'grpc-route', dist: 'examples/grpc-route/dist' },
  { what: 'the complete app with its GatewayDeployment', out: 'complete-app', dist: 'examples/complete-app/dist' },
];

/** How each language surfaces an error thrown by the library: the exception's type. */
const EXCEPTION_TYPES: Record<Language, string> = {
  python: 'builtins.RuntimeError',
  java: 'software.amazon.jsii.JsiiError',
  go: '*errors.errorString',
};

/** What the TypeScript library throws for the canary the apps build with 150 percent. */
function typescriptMessage(): string {
  const chart = new Chart(new App(), 'task-api', { namespace: 'task-api', disableResourceNameHashes: true });
  try {
    new CanaryRoute(chart, 'Canary', {
      stable: BackendRef.fromName('task-api-stable', { port: 8000 }),
      canary: BackendRef.fromName('task-api-canary', { port: 8000 }),
      split: CanarySplit.percent(150),
    });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('a canary of 150 percent was accepted');
}

const BUILD_TIMEOUT = 30 * 60_000; // a safety bound for a cold cache (downloads and jsii-pacmak), not an expectation
const RUN_TIMEOUT = 10 * 60_000;

beforeAll(() => {
  buildPackages(LANGUAGES);
}, BUILD_TIMEOUT);

describe.each(LANGUAGES)('%s', (language) => {
  let out: string;
  beforeAll(() => {
    out = runApp(language);
  }, RUN_TIMEOUT);

  test.each(CHARTS)('$what synthesizes to $dist byte for byte', ({ out: sub, dist }) => {
    // GIVEN the app's chart, built in the language (beforeAll)
    // WHEN its synthesized files are read
    const actual = readYamlDir(path.join(out, sub));
    // THEN they are the TypeScript example's committed files, with the same names and bytes
    expect(Object.keys(actual).length).toBeGreaterThan(0);
    expect(actual).toStrictEqual(readYamlDir(path.join(ROOT, dist)));
  });

  test('fails with the TypeScript message when a canary percent is out of range', () => {
    // GIVEN what the app caught when it built a canary with 150 percent
    const thrown = JSON.parse(fs.readFileSync(path.join(out, 'error.json'), 'utf8'));
    // THEN it is the language's exception for library errors, carrying the TypeScript message
    const expected = typescriptMessage();
    expect(expected).toMatch(/^task-api\/Canary: split: canary percent 150 must be an integer from 0 to 100 \(e\.g\. 10 sends one request in ten to the canary\)$/);
    expect(thrown.type).toBe(EXCEPTION_TYPES[language]);
    // Java's jsii runtime appends the JavaScript stack to the message, after a line break.
    const message: string = language === 'java' ? thrown.message.split('\n')[0] : thrown.message;
    expect(message).toBe(expected);
  });
});
