/**
 * Controller mode's command line and settings: the flags of CONTRACT.md, their defaults, and a clear refusal for
 * every misuse.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GATEWAY_CONTROLLER_NAME } from '../../../src/dataplane/controller/constants';
import { defaultIdentity, defaultLease, parseNamespacedName, resolveConnection } from '../../../src/dataplane/controller/settings';
import { parseServeArgs } from '../../../src/dataplane/serve';

describe('serve --kubernetes command line', () => {
  test('GIVEN every controller flag WHEN parsed THEN each lands in the kubernetes options', () => {
    // WHEN
    const options = parseServeArgs([
      '--kubernetes', '--kubeconfig', '/k/config', '--controller-name', 'example.com/gw', '--gateway', 'infra/gw', '--gateway', 'infra/other',
      '--lease', 'infra/leader', '--identity', 'pod-1', '--service', 'infra/gw-svc', '--listen', '80=127.0.0.1:0',
    ]);

    // THEN
    expect(options).toMatchObject({
      routes: [],
      gateways: ['infra/gw', 'infra/other'],
      kubernetes: {
        kubeconfig: '/k/config',
        controllerName: 'example.com/gw',
        lease: { namespace: 'infra', name: 'leader' },
        identity: 'pod-1',
        service: { namespace: 'infra', name: 'gw-svc' },
      },
    });
  });

  test('GIVEN --kubernetes alone WHEN parsed THEN the controller name is the documented constant', () => {
    expect(parseServeArgs(['--kubernetes'])).toMatchObject({ routes: [], kubernetes: { controllerName: GATEWAY_CONTROLLER_NAME } });
    expect(GATEWAY_CONTROLLER_NAME).toBe('cdk8s-gateway.dev/gateway-controller');
  });

  test.each([
    [['--kubernetes', '--routes', 'x'], /--routes and --kubernetes are exclusive/],
    [['--routes', 'x', '--lease', 'a/b'], /--lease needs --kubernetes/],
    [['--routes', 'x', '--kubeconfig', 'k'], /--kubeconfig needs --kubernetes/],
    [['--kubernetes', '--lease', 'leader'], /--lease: 'leader' must be NAMESPACE\/NAME/],
    [['--kubernetes', '--service', 'A/b'], /--service: 'A\/b' must be NAMESPACE\/NAME/],
    [['--kubernetes', '--controller-name', 'no-path'], /--controller-name: 'no-path' must be DOMAIN\/PATH/],
    [['--kubernetes', '--identity', ''], /--identity must not be empty/],
    [['--kubernetes', '--backends', 'b.json'], /--backends and --tls-secret are file-mode options/],
    [['--kubernetes', '--workers', '2'], /--workers is not supported with --kubernetes/],
    [['--kubernetes', '--lease'], /--lease needs a value/],
  ])('fails %j', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });
});

describe('controller settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctl-settings-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = (ns?: string): string => {
    const file = path.join(dir, `config-${ns ?? 'none'}`);
    fs.writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      'clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: t}}]',
      `contexts: [{name: c, context: {cluster: k, user: u${ns ? `, namespace: ${ns}` : ''}}}]`,
    ].join('\n'));
    return file;
  };

  test('GIVEN no --kubeconfig outside a pod WHEN resolved THEN $KUBECONFIG is read, else ~/.kube/config', () => {
    // GIVEN
    const file = kubeconfig('team');
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.kube'), { recursive: true });
    fs.copyFileSync(kubeconfig(), path.join(home, '.kube', 'config'));

    // THEN
    expect(resolveConnection(undefined, { KUBECONFIG: file }, home).source).toBe(`kubeconfig ${file} (context "c")`);
    expect(resolveConnection(undefined, {}, home).source).toBe(`kubeconfig ${path.join(home, '.kube', 'config')} (context "c")`);
  });

  test('GIVEN no --lease WHEN defaulted THEN the pod namespace file wins, then the context namespace, then default', () => {
    // GIVEN
    const nsFile = path.join(dir, 'namespace');
    fs.writeFileSync(nsFile, 'gateway-system\n');
    const withNs = resolveConnection(kubeconfig('team'), {});

    // THEN
    expect(defaultLease(withNs, nsFile)).toStrictEqual({ namespace: 'gateway-system', name: 'cdk8s-gateway' });
    expect(defaultLease(withNs, path.join(dir, 'absent'))).toStrictEqual({ namespace: 'team', name: 'cdk8s-gateway' });
    expect(defaultLease(resolveConnection(kubeconfig(), {}), path.join(dir, 'absent'))).toStrictEqual({ namespace: 'default', name: 'cdk8s-gateway' });
  });

  test('GIVEN POD_NAME WHEN the identity is defaulted THEN it is used, else the host name', () => {
    expect(defaultIdentity({ POD_NAME: 'gw-7d9f' })).toBe('gw-7d9f');
    expect(defaultIdentity({})).toBe(os.hostname());
  });

  test('fails with the in-cluster fix when KUBERNETES_SERVICE_HOST is set without a service account', () => {
    expect(() => resolveConnection(undefined, { KUBERNETES_SERVICE_HOST: '10.0.0.1' })).toThrow(/KUBERNETES_SERVICE_PORT are not set/);
  });

  test('fails naming the file when the kubeconfig does not exist', () => {
    expect(() => resolveConnection(path.join(dir, 'missing'))).toThrow(/kubeconfig .*missing: cannot be read \(ENOENT\); pass an existing kubeconfig file/);
  });

  test('fails on a namespaced name that is not NAMESPACE/NAME', () => {
    expect(() => parseNamespacedName('a/b/c', '--service')).toThrow(/--service: 'a\/b\/c' must be NAMESPACE\/NAME/);
  });
});
