/**
 * gRPC test helpers: the echo service of echo.proto, a backend implementing it, and a port nothing listens on.
 */
import * as net from 'net';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';
const definition = protoLoader.loadSync(path.join(__dirname, 'echo.proto'), { keepCase: true, defaults: true });
const proto: any = grpc.loadPackageDefinition(definition).gateway_api_conformance;
export const EchoService = proto.echo_basic.grpcecho.GrpcEcho;

/** A port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface GrpcBackend {
  address: string;
  cancelled: string[];
  server: grpc.Server;
}

export async function startGrpcBackend(name: string): Promise<GrpcBackend> {
  const server = new grpc.Server();
  const cancelled: string[] = [];
  const reply = (method: string) => (call: any, cb: grpc.sendUnaryData<any>) => {
    cb(null, { message: method, backend: name, authority: call.getPath() });
  };
  server.addService(EchoService.service, {
    Echo: reply('Echo'),
    EchoTwo: reply('EchoTwo'),
    Fail: (_call: any, cb: grpc.sendUnaryData<any>) => cb({ code: grpc.status.NOT_FOUND, details: 'no such thing' } as any, null),
    Chat: (call: any) => {
      call.on('data', (req: any) => call.write({ message: `echo ${req.message}`, backend: name }));
      call.on('end', () => call.end());
    },
    Slow: (call: any, cb: grpc.sendUnaryData<any>) => {
      const t = setTimeout(() => cb(null, { message: 'Slow', backend: name }), call.request.delay_ms);
      call.on('cancelled', () => {
        clearTimeout(t);
        cancelled.push(name);
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { address: `127.0.0.1:${port}`, cancelled, server };
}
