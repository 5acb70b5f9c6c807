/**
 * `--tls-secret NS/NAME=DIR`: an HTTPS listener's certificate from a directory holding tls.crt and tls.key (a mounted
 * Secret volume, as GatewayDeployment mounts it), rotated by replacing the files.
 */
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import * as tls from 'tls';
import { generate } from 'selfsigned';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, routeDoc, startBackend, startGateway, tmpDir, until } from './proxy/helpers';
import { emptyTableArgs, parseTableArg } from '../../src/dataplane/engine/options';

async function writeCertificate(dir: string, cn: string): Promise<void> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'secure.example.com' }] }],
  } as any);
  // Written beside and renamed into place, as the kubelet swaps a Secret volume's files atomically.
  fs.writeFileSync(path.join(dir, 'tls.crt.new'), pems.cert);
  fs.writeFileSync(path.join(dir, 'tls.key.new'), pems.private);
  fs.renameSync(path.join(dir, 'tls.key.new'), path.join(dir, 'tls.key'));
  fs.renameSync(path.join(dir, 'tls.crt.new'), path.join(dir, 'tls.crt'));
}

function servedCommonName(port: number): Promise<{ cn: string; status: number }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/', servername: 'secure.example.com', headers: { host: 'secure.example.com' }, rejectUnauthorized: false, agent: false,
    });
    req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const cn = String((res.socket as tls.TLSSocket).getPeerCertificate().subject.CN);
      res.resume();
      res.on('end', () => resolve({ cn, status: res.statusCode! }));
    });
    req.end();
  });
}

describe('TLS Secrets from directories', () => {
  let backend: Backend;
  let gateway: StartedGateway;
  let secretDir: string;

  beforeAll(async () => {
    // GIVEN an HTTPS listener whose certificateRef is not in the input but in a directory
    backend = await startBackend('web');
    secretDir = tmpDir();
    await writeCertificate(secretDir, 'first');
    const docs = [
      gatewayDoc([{
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        hostname: 'secure.example.com',
        tls: { mode: 'Terminate', certificateRefs: [{ name: 'web-tls' }] },
      }]),
      routeDoc('web', [{ backendRefs: [backendRef('web')] }]),
    ];
    gateway = await startGateway(docs, { [`${NS}/web:8080`]: backend.address }, {
      tlsSecrets: [{ secret: `${NS}/web-tls`, dir: secretDir }],
      watch: true,
    });
  }, 30_000);

  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
    fs.rmSync(secretDir, { recursive: true, force: true });
  });

  test('the listener serves the certificate of the directory', async () => {
    expect(await servedCommonName(gateway.port(443))).toStrictEqual({ cn: 'first', status: 200 });
  });

  test('replacing the files rotates the certificate without a restart', async () => {
    // WHEN
    await writeCertificate(secretDir, 'second');
    // THEN
    await until(() => gateway.logs.some((l) => l.msg === 'reloaded'), 10_000);
    expect(await servedCommonName(gateway.port(443))).toStrictEqual({ cn: 'second', status: 200 });
  });
});

describe('--tls-secret', () => {
  test('parses NAMESPACE/NAME=DIRECTORY', () => {
    const args = emptyTableArgs();
    expect(parseTableArg(['--tls-secret', 'ns/web-tls=/etc/tls/web'], 0, args)).toStrictEqual(2);
    expect(args.tlsSecrets).toStrictEqual([{ secret: 'ns/web-tls', dir: '/etc/tls/web' }]);
  });

  test('fails on a value that is not NAMESPACE/NAME=DIRECTORY', () => {
    expect(() => parseTableArg(['--tls-secret', 'web-tls'], 0, emptyTableArgs())).toThrow(/--tls-secret must be NAMESPACE\/NAME=DIRECTORY \(got "web-tls"\)/);
  });
});
