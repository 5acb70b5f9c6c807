/**
 * The Kubernetes client's own logic, without an API server: kubeconfig and in-cluster settings, paths, and how
 * answers and watch streams are read (served by a local HTTP server on 127.0.0.1 that speaks like the API server).
 * test/kube/client.test.ts proves the same client against a real kube-apiserver.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { inClusterConnection, KubeApiError, KubeClient, loadKubeconfig, resourcePath, WatchEvent } from '../../../src/dataplane/kube/client';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-client-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority: pki/ca.crt
- name: c2
  cluster:
    server: https://10.0.0.1:6443
    tls-server-name: api.example.com
    insecure-skip-tls-verify: true
users:
- name: u1
  user:
    token: abc
- name: u2
  user:
    client-certificate-data: ${Buffer.from('CERT').toString('base64')}
    client-key-data: ${Buffer.from('KEY').toString('base64')}
- name: u3
  user:
    exec:
      command: aws
contexts:
- name: dev
  context: { cluster: c1, user: u1, namespace: team-a }
- name: other
  context: { cluster: c2, user: u2 }
- name: cloud
  context: { cluster: c2, user: u3 }
- name: nowhere
  context: { cluster: c9, user: u1 }
`;

describe('kubeconfig', () => {
  test('GIVEN a kubeconfig WHEN loaded THEN the current context gives server, CA file (relative to the file), token and namespace', () => {
    // GIVEN
    write('pki/ca.crt', 'CA PEM');
    const file = write('config', KUBECONFIG);

    // WHEN
    const c = loadKubeconfig(file);

    // THEN
    expect(c).toStrictEqual({
      server: 'https://127.0.0.1:6443',
      ca: Buffer.from('CA PEM'),
      tlsServerName: undefined,
      insecureSkipTlsVerify: false,
      token: 'abc',
      tokenFile: undefined,
      clientCert: undefined,
      clientKey: undefined,
      namespace: 'team-a',
      source: `kubeconfig ${file} (context "dev")`,
    });
  });

  test('GIVEN a named context THEN its cluster and client certificate data are used', () => {
    // GIVEN
    const file = write('config', KUBECONFIG);

    // WHEN
    const c = loadKubeconfig(file, 'other');

    // THEN
    expect([c.server, c.tlsServerName, c.insecureSkipTlsVerify, c.clientCert?.toString(), c.clientKey?.toString(), c.token]).toStrictEqual(['https://10.0.0.1:6443', 'api.example.com', true, 'CERT', 'KEY', undefined]);
  });

  test('fails on a missing file, an unknown context or cluster, an exec user and an unreadable CA, naming each', () => {
    const file = write('config', KUBECONFIG);
    expect(() => loadKubeconfig(path.join(tmp, 'nope'))).toThrow(/^kubeconfig .*nope: cannot be read \(ENOENT\); pass an existing kubeconfig file$/);
    expect(() => loadKubeconfig(file, 'staging')).toThrow(/^kubeconfig .*config: context "staging" is not defined \(defined: dev, other, cloud, nowhere\)$/);
    expect(() => loadKubeconfig(file, 'nowhere')).toThrow(/cluster "c9" is not defined \(defined: c1, c2\)/);
    expect(() => loadKubeconfig(file, 'cloud')).toThrow(/user "u3" authenticates with exec, which this gateway does not run; use a token, a token file or a client certificate/);
    expect(() => loadKubeconfig(file)).toThrow(/cluster "c1" certificate-authority .*pki\/ca\.crt cannot be read \(ENOENT\)/);
    expect(() => loadKubeconfig(write('empty', 'clusters: []\n'))).toThrow(/no current-context; set one/);
    expect(() => loadKubeconfig(write('bad', 'a: [\n'))).toThrow(/not valid YAML/);
  });

  test('fails on a server that is not an https URL', () => {
    const file = write('config', KUBECONFIG.replace('https://127.0.0.1:6443/', '127.0.0.1:6443'));
    write('pki/ca.crt', 'CA');
    expect(() => loadKubeconfig(file)).toThrow(/cluster "c1" has server "127\.0\.0\.1:6443"; it must be an https:\/\/ URL/);
  });
});

describe('in-cluster settings', () => {
  test('GIVEN the service account mount and the service env THEN the connection reads the token from its file', () => {
    // GIVEN
    write('sa/token', 'tok\n');
    write('sa/ca.crt', 'CA');
    write('sa/namespace', 'gateway-system');

    // WHEN
    const c = inClusterConnection({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, path.join(tmp, 'sa'));

    // THEN
    expect([c.server, c.tokenFile, c.namespace, c.ca?.toString()]).toStrictEqual(['https://[fd00::1]:443', path.join(tmp, 'sa', 'token'), 'gateway-system', 'CA']);
  });

  test('fails outside a pod and without a mounted token, saying what to do', () => {
    expect(() => inClusterConnection({}, tmp)).toThrow(/KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; run inside a pod, or pass a kubeconfig/);
    expect(() => inClusterConnection({ KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' }, tmp)).toThrow(/token does not exist; mount the pod's service account token/);
  });
});

describe('resource paths', () => {
  test('GIVEN core and named groups THEN paths follow the API server layout', () => {
    expect(resourcePath({ group: '', version: 'v1', plural: 'services', namespace: 'a b' })).toBe('/api/v1/namespaces/a%20b/services');
    expect(resourcePath({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: 'x', subresource: 'status' })).toBe('/apis/gateway.networking.k8s.io/v1/gatewayclasses/x/status');
  });

  test('fails on a subresource without an object name', () => {
    expect(() => resourcePath({ group: '', version: 'v1', plural: 'pods', subresource: 'status' })).toThrow(/resource \/api\/v1\/pods: a subresource \(status\) needs an object name/);
  });
});

describe('answers and watch streams', () => {
  let server: http.Server;
  let client: KubeClient;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let seenAuth: string | undefined;

  beforeEach(async () => {
    server = http.createServer((req, res) => {
      seenAuth = req.headers.authorization;
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const tokenFile = write('token', 'first');
    client = new KubeClient({ server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, tokenFile, source: 'test' });
  });
  afterEach(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('GIVEN a token file WHEN it is rewritten THEN the next request carries the new token', async () => {
    // GIVEN
    handler = (_req, res) => res.end('{"kind":"Thing"}');
    await client.request('GET', '/x');
    expect(seenAuth).toBe('Bearer first');

    // WHEN
    const file = path.join(tmp, 'token');
    fs.writeFileSync(file, 'second\n');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    await client.request('GET', '/x');

    // THEN
    expect(seenAuth).toBe('Bearer second');
  });

  test('fails with the server\'s Status on a refusal, and with the path on an answer that is not JSON', async () => {
    handler = (req, res) => {
      if (req.url === '/gone') {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'things "a" not found' }));
      } else {
        res.end('<html>');
      }
    };
    const notFound = await client.request('GET', '/gone').catch((e) => e);
    expect(notFound).toBeInstanceOf(KubeApiError);
    expect([notFound.code, notFound.reason, notFound.message]).toStrictEqual([404, 'NotFound', 'kubernetes api GET /gone: 404 NotFound: things "a" not found']);
    await expect(client.request('GET', '/html')).rejects.toThrow(/^kubernetes api GET \/html: 200 answer is not JSON: <html>/);
  });

  test('fails when nothing listens, naming the server and where the settings came from', async () => {
    const port = (server.address() as net.AddressInfo).port;
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    const c = new KubeClient({ server: `http://127.0.0.1:${port}`, source: 'kubeconfig k (context "dev")' });
    await expect(c.request('GET', '/x')).rejects.toThrow(/^kubernetes api GET \/x: connect ECONNREFUSED .* \(server http:\/\/127\.0\.0\.1:\d+, from kubeconfig k \(context "dev"\)\)$/);
    server = http.createServer();
    server.listen(0, '127.0.0.1');
  });

  test('GIVEN events split across chunks WHEN watched THEN each arrives whole, in order, and an ERROR event ends the watch with its status', async () => {
    // GIVEN
    let query = '';
    handler = (req, res) => {
      query = req.url ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const lines = [
        { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '5' } } },
        { type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '6' } } },
        { type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '7' } } },
        { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (7)' } },
        { type: 'ADDED', object: { metadata: { name: 'after-error' } } },
      ].map((l) => JSON.stringify(l) + '\n').join('');
      // one byte at a time, then the rest
      res.write(lines.slice(0, 1));
      setTimeout(() => res.write(lines.slice(1, 40)), 10);
      setTimeout(() => res.write(lines.slice(40)), 20);
    };
    const events: WatchEvent[] = [];

    // WHEN
    const watch = client.watch({ group: 'g', version: 'v1', plural: 'things' }, { resourceVersion: '4', timeoutSeconds: 30, allowWatchBookmarks: true }, (e) => events.push(e));
    const end = await watch.done;

    // THEN
    expect(query).toBe('/apis/g/v1/things?watch=true&resourceVersion=4&timeoutSeconds=30&allowWatchBookmarks=true');
    expect(events.map((e) => `${e.type} ${e.object.metadata.resourceVersion}`)).toStrictEqual(['ADDED 5', 'BOOKMARK 6', 'MODIFIED 7']);
    expect(end).toStrictEqual({ kind: 'status', status: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (7)' } });
  });

  test('fails a watch on a line that is not JSON, and on a connection cut mid-stream', async () => {
    handler = (req, res) => {
      res.writeHead(200);
      if (req.url?.startsWith('/api/v1/bad')) {res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\nnot json\n');} else {
        res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
        setTimeout(() => res.socket?.destroy(), 20);
      }
    };
    const bad = await client.watch({ group: '', version: 'v1', plural: 'bad' }, {}, () => undefined).done;
    expect(bad.kind === 'error' && bad.error.message).toMatch(/^kubernetes api watch \/api\/v1\/bad\?watch=true: an event is not JSON: not json$/);
    const cut = await client.watch({ group: '', version: 'v1', plural: 'cut' }, {}, () => undefined).done;
    expect(cut.kind).toBe('error');
    expect(cut.kind === 'error' && cut.error.message).toMatch(/^kubernetes api watch \/api\/v1\/cut\?watch=true: /);
  });
});
