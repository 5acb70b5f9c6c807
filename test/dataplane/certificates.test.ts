/**
 * Certificates never stop the gateway: a bad certificate or key (a key of another pair, a malformed PEM, an
 * unreadable file) under `--tls-secret`, at start or on a reload, is reported with its Secret, file and reason; on a
 * reload the listener keeps the certificate it served; at start that listener is not programmed and the others serve.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import * as tls from 'tls';
import { generate } from 'selfsigned';
import { Backend, NS, StartedGateway, backendRef, gatewayDoc, routeDoc, startBackend, startGateway, tmpDir } from './proxy/helpers';
import { readTlsSecret } from '../../src/dataplane/engine/options';
import { SocketCertificates, certificateFault } from '../../src/dataplane/proxy/certificates';

interface Pair {
  readonly cert: string;
  readonly key: string;
}

async function pair(cn: string): Promise<Pair> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: cn }] }],
  } as any);
  return { cert: pems.cert, key: pems.private };
}

function writePair(dir: string, files: { cert?: string; key?: string }): void {
  if (files.cert !== undefined) fs.writeFileSync(path.join(dir, 'tls.crt'), files.cert);
  if (files.key !== undefined) fs.writeFileSync(path.join(dir, 'tls.key'), files.key);
}

/** The CN the socket offers for `servername`, or the handshake error. */
function handshake(port: number, servername: string): Promise<{ cn?: string; status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/', servername, headers: { host: servername }, rejectUnauthorized: false, agent: false,
    });
    req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (err) => resolve({ error: err.message }));
    req.on('response', (res) => {
      const cn = String((res.socket as tls.TLSSocket).getPeerCertificate().subject.CN);
      res.resume();
      res.on('end', () => resolve({ cn, status: res.statusCode! }));
    });
    req.end();
  });
}

function httpGet(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', agent: false });
    req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.end();
  });
}

const GARBAGE_KEY = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';

describe('certificates that cannot be used', () => {
  let good: Pair;
  let bad: Pair;
  let other: Pair;

  beforeAll(async () => {
    [good, bad, other] = await Promise.all([pair('good.example.com'), pair('bad.example.com'), pair('other.example.com')]);
  }, 60_000);

  test('fails on a key of another pair, a malformed certificate or key, an encrypted key', () => {
    // GIVEN certificates with one fault each (WHEN checked) THEN each says which file and why
    expect(certificateFault({ secret: 'ns/a', certPem: good.cert, keyPem: good.key })).toBeUndefined();
    expect(certificateFault({ secret: 'ns/a', certPem: good.cert, keyPem: other.key })).toStrictEqual({
      keys: ['tls.crt', 'tls.key'], reason: expect.stringMatching(/^tls\.key does not belong to the certificate of tls\.crt \(subject CN=good\.example\.com\)/),
    });
    expect(certificateFault({ secret: 'ns/a', certPem: 'not a certificate', keyPem: good.key })).toStrictEqual({
      keys: ['tls.crt'], reason: expect.stringMatching(/^tls\.crt is not a PEM X\.509 certificate \(.+\)$/),
    });
    expect(certificateFault({ secret: 'ns/a', certPem: good.cert, keyPem: GARBAGE_KEY })).toStrictEqual({
      keys: ['tls.key'], reason: expect.stringMatching(/^tls\.key is not a PEM private key \(.+\)$/),
    });
    expect(certificateFault({ secret: 'ns/a', certPem: good.cert, keyPem: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n' })).toStrictEqual({
      keys: ['tls.key'], reason: 'tls.key is encrypted (a Secret must hold an unencrypted key)',
    });
  });

  test('a listener keeps its certificate when the new one is bad; a new listener with a bad one is not programmed', () => {
    // GIVEN a socket serving listener a
    const set = new SocketCertificates();
    expect(set.apply([{ listener: 'a', hostname: 'a.example.com', certificates: [{ secret: 'ns/a', certPem: good.cert, keyPem: good.key }] }])).toStrictEqual([]);
    const served = set.select('a.example.com');
    expect(served).toBeDefined();
    // WHEN a gets a mismatched key and a new listener b arrives with a malformed certificate
    const problems = set.apply([
      { listener: 'a', hostname: 'a.example.com', certificates: [{ secret: 'ns/a', certPem: good.cert, keyPem: other.key }] },
      { listener: 'b', hostname: 'b.example.com', certificates: [{ secret: 'ns/b', certPem: 'junk', keyPem: bad.key }] },
      { listener: 'c', certificates: [{ secret: 'ns/c', certPem: other.cert, keyPem: other.key }] },
    ]);
    // THEN a keeps its context, b is not programmed (its names never fall back to c), c serves the rest
    expect(problems.map((p) => [p.listener, p.secret, p.outcome])).toStrictEqual([['a', 'ns/a', 'kept'], ['b', 'ns/b', 'not programmed']]);
    expect(set.select('a.example.com')).toBe(served);
    expect(set.select('b.example.com')).toBeUndefined();
    expect(set.select('z.example.com')).toBeDefined();
    expect(set.unprogrammed).toStrictEqual(['b']);
  });

  test('readTlsSecret names a file it cannot read and leaves it out of the Secret', () => {
    const dir = tmpDir();
    try {
      writePair(dir, { cert: good.cert });
      const { document, problems } = readTlsSecret({ secret: 'ns/web-tls', dir });
      expect(Object.keys(document.object.stringData)).toStrictEqual(['tls.crt']);
      expect(problems.map((p) => p.message)).toStrictEqual([
        expect.stringMatching(/tls\.key: cannot read tls\.key of TLS Secret ns\/web-tls: no such file; the listeners that reference it keep/),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('over real TLS sockets', () => {
    let backend: Backend;
    let gateway: StartedGateway;
    const dirs: Record<string, string> = {};

    beforeAll(async () => {
      // GIVEN one HTTPS port with listeners for good. and bad.example.com, and an HTTP port; bad's key belongs to
      // another pair, and a third Secret has no key file at all
      backend = await startBackend('web');
      for (const name of ['good', 'bad', 'nokey']) dirs[name] = tmpDir();
      writePair(dirs.good, good);
      writePair(dirs.bad, { cert: bad.cert, key: other.key });
      writePair(dirs.nokey, { cert: other.cert });
      const listener = (name: string) => ({
        name, port: 443, protocol: 'HTTPS', hostname: `${name}.example.com`, tls: { mode: 'Terminate', certificateRefs: [{ name: `${name}-tls` }] },
      });
      gateway = await startGateway([
        gatewayDoc([{ name: 'http', port: 80, protocol: 'HTTP' }, listener('good'), listener('bad'), listener('nokey')]),
        routeDoc('web', [{ backendRefs: [backendRef('web')] }]),
      ], { [`${NS}/web:8080`]: backend.address }, {
        tlsSecrets: ['good', 'bad', 'nokey'].map((n) => ({ secret: `${NS}/${n}-tls`, dir: dirs[n] })),
      });
    }, 60_000);

    afterAll(async () => {
      await gateway?.close();
      await backend?.close();
      for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true });
    });

    test('at start the bad listeners are not programmed, named with Secret, file and reason; the others serve', async () => {
      // THEN
      expect(await handshake(gateway.port(443), 'good.example.com')).toStrictEqual({ cn: 'good.example.com', status: 200 });
      expect((await handshake(gateway.port(443), 'bad.example.com')).error).toBeDefined();
      expect((await handshake(gateway.port(443), 'nokey.example.com')).error).toBeDefined();
      expect(await httpGet(gateway.port(80))).toBe(200);
      const errors = gateway.logs.filter((l) => l.level === 'error').map((l) => l.msg);
      expect(errors).toStrictEqual([
        `${path.join(dirs.nokey, 'tls.key')}: cannot read tls.key of TLS Secret ${NS}/nokey-tls: no such file; the listeners that reference it keep `
          + 'the certificate they serve, or are not programmed (make the file readable by the gateway)',
        expect.stringMatching(new RegExp(`^listener "bad" of ${NS}/same-namespace port 443: Secret ${NS}/bad-tls \\(${dirs.bad}/tls\\.crt, ${dirs.bad}/tls\\.key\\): `
          + 'tls\\.key does not belong to the certificate of tls\\.crt .*; the listener is not programmed: TLS handshakes for its hostnames fail')),
        expect.stringMatching(/^listener "nokey" of .* port 443: no usable certificate: .*; the listener is not programmed/),
      ]);
    });

    test('a reload with a malformed key keeps the certificate served; a fixed Secret is applied', async () => {
      // WHEN good's key becomes garbage and the input is reloaded
      writePair(dirs.good, { key: GARBAGE_KEY });
      await gateway.server.reload();
      // THEN the process serves on with the previous certificate and says which file and why
      expect(await handshake(gateway.port(443), 'good.example.com')).toStrictEqual({ cn: 'good.example.com', status: 200 });
      expect(gateway.logs.filter((l) => l.level === 'error' && l.listener === 'good').map((l) => l.msg)).toStrictEqual([
        expect.stringMatching(new RegExp(`Secret ${NS}/good-tls \\(${dirs.good}/tls\\.key\\): tls\\.key is not a PEM private key .*; the listener keeps serving the certificate it had$`)),
      ]);
      // WHEN bad gets its own key
      writePair(dirs.bad, { key: bad.key });
      await gateway.server.reload();
      // THEN its hostname is served
      expect(await handshake(gateway.port(443), 'bad.example.com')).toStrictEqual({ cn: 'bad.example.com', status: 200 });
      expect(gateway.logs.filter((l) => l.msg === 'reloaded')).toHaveLength(2);
    });
  });
});
