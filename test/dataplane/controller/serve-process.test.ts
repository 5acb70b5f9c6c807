/**
 * `cdk8s-gateway serve --kubernetes` as a process: settings that cannot work stop it at once with exit code 1 and a
 * message naming what and how to fix it; command-line mistakes exit 2 with the usage.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnServeProcess } from '../serve-process';

describe('serve --kubernetes process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctl-process-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('fails with exit code 1 naming the kubeconfig file when it does not exist', async () => {
    // WHEN
    const p = spawnServeProcess(['--kubernetes', '--kubeconfig', path.join(dir, 'absent'), '--admin', '127.0.0.1:0']);

    // THEN
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/cdk8s-gateway serve: kubeconfig .*absent: cannot be read \(ENOENT\); pass an existing kubeconfig file/);
  }, 60_000);

  test('fails with exit code 1 naming the server and the cause when no API server answers there', async () => {
    // GIVEN a kubeconfig for an address nothing listens on
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      'clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: k, user: u}}]',
    ].join('\n'));

    // WHEN
    const p = spawnServeProcess(['--kubernetes', '--kubeconfig', file, '--admin', '127.0.0.1:0', '--lease', 'default/x']);

    // THEN
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/cdk8s-gateway serve: kubernetes: cannot list gatewayclasses\.gateway\.networking\.k8s\.io from https:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/);
  }, 60_000);

  test('fails with exit code 2 and the usage when --routes is given with --kubernetes', async () => {
    // WHEN
    const p = spawnServeProcess(['--kubernetes', '--routes', dir]);

    // THEN
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/--routes and --kubernetes are exclusive[\s\S]*usage: cdk8s-gateway serve --routes PATH \[options\]\n {7}cdk8s-gateway serve --kubernetes/);
  }, 60_000);
});
