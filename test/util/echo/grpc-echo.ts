/**
 * The gRPC echo backend, answering like echo-basic with GRPC_ECHO_SERVER=1: service
 * `gateway_api_conformance.echo_basic.grpcecho.GrpcEcho`, `Echo` and `EchoTwo` describe the call they
 * received, `EchoThree` is left unimplemented (UNIMPLEMENTED). Plaintext HTTP/2 on 127.0.0.1, port 0.
 */
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { EchoIdentity } from './http-echo';

export const GRPC_ECHO_PROTO = path.join(__dirname, 'grpcecho.proto');
export const GRPC_ECHO_SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';

/** What `Echo` / `EchoTwo` answer (proto-loader camelCase names). */
export interface GrpcEchoResponse {
  readonly assertions: {
    readonly fullyQualifiedMethod: string;
    readonly headers: ReadonlyArray<{ key: string; value: string }>;
    readonly authority: string;
    readonly context: { namespace: string; ingress: string; serviceName: string; pod: string };
    readonly tlsAssertions: unknown;
  };
  readonly request: unknown;
}

export interface GrpcEchoServer {
  readonly identity: EchoIdentity;
  readonly host: string;
  readonly port: number;
  /** Fully-qualified methods of the calls received so far, oldest first. */
  calls(): readonly string[];
  close(): Promise<void>;
}

let cachedService: grpc.ServiceDefinition | undefined;

/** The loaded GrpcEcho service definition (also usable to build clients). */
export function grpcEchoService(): grpc.ServiceDefinition {
  if (!cachedService) {
    const def = protoLoader.loadSync(GRPC_ECHO_PROTO, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as any;
    cachedService = pkg.gateway_api_conformance.echo_basic.grpcecho.GrpcEcho.service as grpc.ServiceDefinition;
  }
  return cachedService;
}

/** A client constructor for GrpcEcho. */
export function grpcEchoClientConstructor(): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(grpcEchoService() as grpc.ServiceDefinition<grpc.UntypedServiceImplementation>, 'GrpcEcho');
}

export async function startGrpcEcho(identity: EchoIdentity): Promise<GrpcEchoServer> {
  const calls: string[] = [];
  const server = new grpc.Server();
  const echo: grpc.handleUnaryCall<unknown, GrpcEchoResponse> = (call, callback) => {
    const method = call.getPath();
    calls.push(method);
    const authority = call.getHost();
    const headers: Array<{ key: string; value: string }> = [{ key: ':authority', value: authority }];
    for (const key of Object.keys(call.metadata.getMap())) {
      for (const value of call.metadata.get(key)) {
        headers.push({ key, value: Buffer.isBuffer(value) ? value.toString('base64') : String(value) });
      }
    }
    callback(null, {
      assertions: {
        fullyQualifiedMethod: method,
        headers,
        authority,
        context: { namespace: identity.namespace, ingress: identity.ingress ?? '', serviceName: identity.service ?? '', pod: identity.pod },
        tlsAssertions: null,
      },
      request: call.request ?? {},
    });
  };
  // EchoThree is deliberately absent: grpc-js answers UNIMPLEMENTED for it.
  server.addService(grpcEchoService(), { Echo: echo, EchoTwo: echo });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    identity,
    host: '127.0.0.1',
    port,
    calls: () => calls.slice(),
    close: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}
