// Lesson section "GRPCRoute for gRPC Services": the Gateway with an HTTP and a gRPC listener, and the GRPCRoute of
// task.TaskService. Two corrections (examples/README.md): the method prefix is the RE2 `Get.*` (the lesson's
// `Get*` matches "Ge", "Get", "Gett"), and the route attaches to the `grpc` listener only.
import { App } from 'cdk8s';
import { BackendRef, Gateway, GrpcServiceMethod, GrpcServiceRoute, Listener, ParentRef } from '../../src';
import { ExampleSection, lessonChart, newApp, synthSection } from '../section';

const backend = (name: string) => BackendRef.fromName(name, { port: 50051 });

export function buildApp(outdir: string): App {
  const app = newApp(outdir);
  const chart = lessonChart(app);

  const gateway = new Gateway(chart, 'Gateway', {
    metadata: { name: 'task-api-gateway' },
    gatewayClassName: 'eg',
    listeners: [
      Listener.http({ name: 'http', port: 80 }),
      Listener.http({ name: 'grpc', port: 50051 }),
    ],
  });

  new GrpcServiceRoute(chart, 'TaskService', {
    metadata: { name: 'task-grpc-route' },
    parentRefs: [ParentRef.fromGateway(gateway, { sectionName: 'grpc' })],
    service: 'task.TaskService',
    backendRefs: [backend('task-grpc-service')],
    methods: [
      { method: GrpcServiceMethod.named('CreateTask'), backendRefs: [backend('task-grpc-write')] },
      { method: GrpcServiceMethod.prefix('Get'), backendRefs: [backend('task-grpc-read')] },
    ],
  });
  return app;
}

export const section: ExampleSection = { name: 'grpc-route', variants: [], build: buildApp };

if (require.main === module) synthSection(section);
