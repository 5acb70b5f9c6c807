/**
 * The gateway's memory settings: the V8 flags every way of starting it passes.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Gateway, GatewayDeployment, Listener } from '../../src';
import { GATEWAY_NODE_FLAGS, withGatewayNodeFlags } from '../../src/dataplane/memory';

const ROOT = path.resolve(__dirname, '../..');

describe('GATEWAY_NODE_FLAGS', () => {
  test('bound the young generation and the old generation\'s growth', () => {
    // THEN a semi-space size in MB, and a growth factor in percent
    expect(GATEWAY_NODE_FLAGS).toStrictEqual([expect.stringMatching(/^--max-semi-space-size=\d+$/), expect.stringMatching(/^--heap-growing-percent=\d+$/)]);
  });

  test('are accepted by this Node', () => {
    // WHEN a process starts with them
    const run = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, '-e', 'process.stdout.write("started")'], { encoding: 'utf8' });
    // THEN it runs, and V8 complains of no flag
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toStrictEqual({ status: 0, stdout: 'started', stderr: '' });
  });

  test('fails to start a process when a flag is not one of V8\'s (what the test above would catch)', () => {
    // WHEN
    const run = spawnSync(process.execPath, ['--max-semi-space-sise=4', '-e', '0'], { encoding: 'utf8' });
    // THEN
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/max-semi-space-sise/);
  });

  test('are added to a worker\'s execArgv, after what is there', () => {
    // WHEN
    const argv = withGatewayNodeFlags(['--require', 'x.js']);
    // THEN
    expect(argv).toStrictEqual(['--require', 'x.js', ...GATEWAY_NODE_FLAGS]);
  });

  test('do not override a flag of the same name given on the command line, in either spelling', () => {
    // GIVEN an operator's own semi-space size
    for (const own of ['--max-semi-space-size=32', '--max_semi_space_size=32']) {
      // WHEN
      const argv = withGatewayNodeFlags([own]);
      // THEN theirs is kept, ours not added; the other flags are
      expect(argv).toStrictEqual([own, ...GATEWAY_NODE_FLAGS.filter((f) => !f.startsWith('--max-semi-space-size='))]);
      expect(argv.filter((f) => /^--max.semi.space.size=/.test(f))).toHaveLength(1);
    }
  });

  test('are what the image\'s entry point runs with', () => {
    // GIVEN
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    // WHEN
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)![1]);
    // THEN
    expect(entrypoint).toStrictEqual(['node', ...GATEWAY_NODE_FLAGS, '/app/cdk8s-gateway.js']);
  });

  test('are what a GatewayDeployment\'s container runs with', () => {
    // GIVEN
    const chart = Testing.chart();
    const gateway = new Gateway(chart, 'Gateway', { gatewayClassName: 'cdk8s-gateway', listeners: [Listener.http({ name: 'http', port: 80 })] });
    // WHEN
    new GatewayDeployment(chart, 'Runtime', { gateways: [gateway] });
    const deployment = Testing.synth(chart).find((o) => o.kind === 'Deployment');
    // THEN
    expect(deployment.spec.template.spec.containers[0].command).toStrictEqual(['node', ...GATEWAY_NODE_FLAGS, '/app/cdk8s-gateway.js']);
  });
});

describe('one-byte-bundle', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { oneByte } = require('../../scripts/one-byte-bundle.js') as { oneByte(text: string, file?: string): string };
  const outsideLatin1 = /[^\u0000-\u00ff]/;

  test('replaces characters outside Latin-1 after // on their line, one for one, and keeps Latin-1 ones', () => {
    // GIVEN a line comment, a comment after code, and a regular expression with a Latin-1 character
    const text = '// request\u2019s URL\nif (a || // request\u2019s mode\n  b) return /\u00b5s/;\n';
    // WHEN
    const out = oneByte(text);
    // THEN
    expect(out).toBe('// request?s URL\nif (a || // request?s mode\n  b) return /\u00b5s/;\n');
    expect(out).toHaveLength(text.length);
  });

  test('fails on a character outside Latin-1 that is not on a line comment, naming the file, line and character', () => {
    // GIVEN one in a block comment on line 2
    const text = 'const a = 1;\n/* request\u2019s URL */\n';
    // WHEN / THEN
    expect(() => oneByte(text, 'gateway.js')).toThrow(/^gateway\.js:2: character U\+2019 outside Latin-1 and not on a line comment: .*escape it in the source/);
  });

  test('makes the gateway\'s bundle (as the image builds it) Latin-1 only', () => {
    // GIVEN the bundle of the data plane
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild');
    const built = esbuild.buildSync({
      bundle: true,
      platform: 'node',
      target: 'node22',
      write: false,
      logLevel: 'silent',
      legalComments: 'external',
      entryPoints: [path.join(ROOT, 'src/dataplane/main.ts')],
      outfile: path.join(ROOT, 'bench/.work/one-byte-check.js'),
    });
    const text: string = built.outputFiles.find((f: { path: string }) => f.path.endsWith('.js')).text;
    // WHEN
    const out = oneByte(text);
    // THEN
    expect(outsideLatin1.test(out)).toBe(false);
    expect(out).toHaveLength(text.length);
  });
});
