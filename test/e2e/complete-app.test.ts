/**
 * End to end without a cluster: the complete example app (routes + GatewayDeployment) is synthesized, the gateway
 * is started with the ConfigMap's data and the container's command and arguments exactly as synthesized (only the
 * socket addresses are moved to 127.0.0.1 on ephemeral ports, and the backends are mapped to local echo servers
 * instead of cluster DNS), and the lesson's requests are answered by the backends the lesson (corrected by the
 * spec) names.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { backendSpecs, runRequests, RunningExample } from '../../demo/harness';
import { LessonApp } from '../../demo/lesson';
import { section } from '../../examples/complete-app/main';
import { chooseLauncher, RunningGateway, startGateway } from '../conformance/harness/gateway';
import { EchoFleet, startEchoFleet } from '../util/echo/fleet';

const REQUESTS: LessonApp = {
  section: 'complete-app',
  requests: [
    { host: 'tasks.example.com', path: '/tasks/urgent', backend: 'urgent-task-api', note: 'exact override' },
    { host: 'tasks.example.com', path: '/users/42', backend: 'user-api' },
    { host: 'tasks.example.com', path: '/notifications', backend: 'notification-api' },
    { host: 'tasks.example.com', path: '/tasks/7', split: { requests: 400, shares: { 'task-api-stable': 0.95, 'task-api-canary': 0.05 } } },
    { host: 'tasks.example.com', path: '/orders', status: 404, note: 'no rule of tasks.example.com matches' },
    { host: 'api.example.com', path: '/api/tasks', headers: { 'x-version': '2' }, backend: 'task-api-v2' },
    { host: 'api.example.com', path: '/api/tasks', backend: 'task-api-v1' },
    { host: 'orders.example.com', method: 'GET', path: '/orders/1', backend: 'orders-read-replica' },
    { host: 'orders.example.com', method: 'HEAD', path: '/orders/1', backend: 'orders-read-replica' },
    { host: 'orders.example.com', method: 'POST', path: '/orders', backend: 'orders-primary' },
    { host: 'orders.example.com', method: 'PATCH', path: '/orders/1', backend: 'orders-primary' },
    { host: 'orders.example.com', method: 'OPTIONS', path: '/orders', status: 404, note: 'neither a read nor a write method' },
    { host: 'search.example.com', path: '/search?q=tasks', backend: 'search', mirroredTo: ['search-shadow'] },
    { host: 'unknown.example.com', path: '/', status: 404, note: 'no route for this hostname' },
    { grpc: true, port: 50051, path: '/task.TaskService/GetTask', backend: 'task-grpc-read' },
    { grpc: true, port: 50051, path: '/task.TaskService/CreateTask', backend: 'task-grpc-write' },
    { grpc: true, port: 50051, path: '/task.TaskService/ListTasks', backend: 'task-grpc-service' },
    { grpc: true, port: 50051, path: '/other.Service/Call', grpcStatus: 12 },
    { grpc: true, port: 80, path: '/task.TaskService/GetTask', grpcStatus: 12, note: 'the GRPCRoute is attached to the grpc listener only' },
  ],
};

function readDist(dir: string): any[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()));
}

/** The value following `flag` in `args`. */
function flagValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

describe('complete app, end to end', () => {
  let work: string;
  let fleet: EchoFleet;
  let gateway: RunningGateway;
  let routesDir: string;
  let container: any;

  beforeAll(async () => {
    // GIVEN the app synthesized as a GitOps repository would commit it
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-complete-app-'));
    const out = path.join(work, 'dist');
    section.build(out).synth();
    const objects = readDist(out);
    const configMap = objects.find((o) => o.kind === 'ConfigMap');
    const deployment = objects.find((o) => o.kind === 'Deployment');
    container = deployment.spec.template.spec.containers[0];

    // the ConfigMap mounted where the container's --routes points
    routesDir = path.join(work, 'routes');
    fs.mkdirSync(routesDir);
    for (const [file, text] of Object.entries<string>(configMap.data)) fs.writeFileSync(path.join(routesDir, file), text);

    // echo backends for every Service the routes name, instead of cluster DNS
    const served = parseAllDocuments(configMap.data['routes.yaml']).map((d) => d.toJS());
    fleet = await startEchoFleet(backendSpecs(served));
    const backendsFile = path.join(work, 'backends.json');
    fs.writeFileSync(backendsFile, JSON.stringify(fleet.map));

    // the container's arguments as synthesized, with the socket addresses moved to 127.0.0.1:0
    const args: string[] = container.args;
    expect(args[0]).toStrictEqual('serve');
    const kept: string[] = [];
    for (let i = 1; i < args.length; i += 2) {
      if (!['--routes', '--admin', '--listen'].includes(args[i])) kept.push(args[i], args[i + 1]);
    }
    const gw = served.find((o) => o.kind === 'Gateway');
    const ports = [...new Set<number>(gw.spec.listeners.map((l: any) => l.port))];
    gateway = await startGateway({
      routesDir,
      backendsFile,
      listen: ports.map((p) => `${p}=127.0.0.1:0`),
      launcher: chooseLauncher().launcher,
      extraArgs: kept,
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await fleet?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('the container runs serve on the mounted ConfigMap for the app\'s Gateway', () => {
    expect(container.command).toStrictEqual(['node', '--max-semi-space-size=4', '--heap-growing-percent=50', '/app/cdk8s-gateway.js']);
    expect(flagValues(container.args, '--routes')).toStrictEqual([container.volumeMounts[0].mountPath]);
    expect(flagValues(container.args, '--gateway')).toStrictEqual(['task-api/task-api-gateway']);
  });

  test('every request is answered by the backend the lesson says', async () => {
    // WHEN
    const example: RunningExample = { gateway, fleet, dir: routesDir, stop: async () => undefined };
    const results = await runRequests(REQUESTS, example);
    // THEN
    expect(results.filter((r) => !r.ok)).toStrictEqual([]);
    expect(results).toHaveLength(REQUESTS.requests.length);
  }, 60_000);
});
