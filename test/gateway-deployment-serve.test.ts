/**
 * Every listener layout synthesizes a pod that starts: the GatewayDeployment is synthesized, its volumes are laid
 * out under a temporary root as the kubelet would mount them (the ConfigMap's data, each certificate Secret's
 * `tls.crt`/`tls.key`), and the gateway is started with the container's arguments as synthesized. Only the socket
 * addresses change: `--admin` and every `--listen` bind move to 127.0.0.1:0 (a socket the synthesized arguments
 * bind by default gets its own `--listen` to 127.0.0.1:0), and absolute paths move under the temporary root.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { Duration, Testing } from 'cdk8s';
import { GatewayDeployment } from '../src';
import { generateCertificate } from './conformance/harness/certs';
import { LAYOUTS, Layout } from './util/gateway-layouts';
import { spawnGatewayProcess } from './util/gateway-process';

/** The synthesized pod, its volumes laid out under `root`, and the arguments with the sockets moved to 127.0.0.1:0. */
async function podOf(layout: Layout, root: string, missingSecret?: string) {
  const { chart, gateways } = layout.build();
  new GatewayDeployment(chart, 'Runtime', { gateways, metadata: { namespace: 'edge' }, shutdownDelay: Duration.seconds(1) });
  const manifests = Testing.synth(chart);
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  for (const mount of container.volumeMounts) {
    const dir = path.join(root, mount.mountPath);
    fs.mkdirSync(dir, { recursive: true });
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    if (volume.configMap) {
      const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === volume.configMap.name);
      for (const [file, text] of Object.entries<string>(configMap.data)) fs.writeFileSync(path.join(dir, file), text);
    } else if (volume.secret.secretName === missingSecret) {
      // an optional Secret volume whose Secret does not exist: the kubelet mounts an empty directory
      expect(volume.secret.optional).toBe(true);
    } else {
      const hostnames = layout.tls.filter((t) => t.secret === volume.secret.secretName).map((t) => t.hostname);
      const cert = await generateCertificate(hostnames);
      fs.writeFileSync(path.join(dir, 'tls.crt'), cert.certPem);
      fs.writeFileSync(path.join(dir, 'tls.key'), cert.keyPem);
    }
  }
  const args: string[] = [...container.args];
  expect(args[0]).toStrictEqual('serve');
  const gatewayKeys: string[] = [];
  const covered = new Set<string>();
  for (let i = 1; i < args.length; i++) {
    const [flag, value] = [args[i - 1], args[i]];
    if (flag === '--admin') args[i] = '127.0.0.1:0';
    if (flag === '--routes') args[i] = path.join(root, value);
    if (flag === '--tls-secret') args[i] = value.replace(/=(\/.*)$/, (_m, dir) => `=${path.join(root, dir)}`);
    if (flag === '--gateway') gatewayKeys.push(value);
    if (flag === '--listen') {
      const [, left] = /^(.*)=0\.0\.0\.0:\d+$/.exec(value)!;
      args[i] = `${left}=127.0.0.1:0`;
      covered.add(left);
    }
  }
  const extra = layout.gatewayPorts.flatMap((ports, g) => ports
    .filter((p) => !covered.has(String(p)) && !covered.has(`${gatewayKeys[g]}:${p}`))
    .flatMap((p) => ['--listen', `${gatewayKeys[g]}:${p}=127.0.0.1:0`]));
  return { args: [...args.slice(1), ...extra], gatewayKeys };
}

function httpStatus(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.setTimeout(5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
  });
}

function peerNames(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const alt = socket.getPeerCertificate().subjectaltname ?? '';
      socket.end();
      resolve(alt);
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('handshake timeout')));
    socket.on('error', reject);
  });
}

describe('a GatewayDeployment pod starts for every listener layout', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-layout-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test.each(LAYOUTS.map((l) => [l.name, l] as const))('%s', async (_name, layout) => {
    // GIVEN the pod as synthesized
    const { args, gatewayKeys } = await podOf(layout, root);
    // WHEN the gateway starts with its arguments
    const gw = spawnGatewayProcess(args);
    try {
      await gw.line((l) => l.msg === 'ready', 60_000);
      // THEN every listener of every Gateway is listening
      const listening = gw.lines.filter((l) => l.msg === 'listening');
      const expected = layout.gatewayPorts.flatMap((ports, g) => ports.map((p) => `${gatewayKeys[g]}:${p}`)).sort();
      expect(listening.map((l) => `${l.gateway}:${l.listenerPort}`).sort()).toStrictEqual(expected);
      // and answers: HTTP with the gateway's 404 (no routes), HTTPS with the certificate of the listener's Secret
      for (const l of listening) {
        const t = layout.tls.find((x) => x.gateway === l.gateway && x.port === l.listenerPort);
        if (t) expect(await peerNames(l.port, t.hostname)).toContain(`DNS:${t.hostname}`);
        else expect(await httpStatus(l.port, 'any.example.com')).toStrictEqual(404);
      }
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toStrictEqual(0);
    } finally {
      gw.child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('a listener whose certificate Secret is missing', () => {
  test('does not keep the pod from starting: its handshakes fail, every other listener serves', async () => {
    // GIVEN the 80/443/8080/8443 layout whose Secret d-tls (listener 8443, d.example.com) does not exist
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-layout-'));
    const layout = LAYOUTS.find((l) => l.name === '80, 443, 8080 and 8443')!;
    const { args } = await podOf(layout, root, 'd-tls');
    // WHEN the gateway starts with the synthesized arguments
    const gw = spawnGatewayProcess(args);
    try {
      await gw.line((l) => l.msg === 'ready', 60_000);
      const listening = gw.lines.filter((l) => l.msg === 'listening');
      const port = (p: number) => listening.find((l) => l.listenerPort === p).port;
      // THEN d.example.com gets no certificate at all (never another listener's), b.example.com its own
      await expect(peerNames(port(8443), 'd.example.com')).rejects.toThrow();
      expect(await peerNames(port(443), 'b.example.com')).toContain('DNS:b.example.com');
      expect(await httpStatus(port(80), 'any.example.com')).toStrictEqual(404);
      // AND the log says which Secret and why
      expect(gw.lines.some((l) => l.level === 'error' && /d-tls/.test(l.msg))).toBe(true);
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toStrictEqual(0);
    } finally {
      gw.child.kill('SIGKILL');
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);
});
