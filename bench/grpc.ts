/* eslint-disable import/no-extraneous-dependencies, no-bitwise */ // bench/ is not shipped; its tools are dev dependencies
/**
 * The gRPC side of the benchmark (@grpc/grpc-js, messages passed through as raw bytes):
 *
 *   node grpc.js echo                      a unary echo of `bench.Echo/Echo` on 127.0.0.1; prints {"port": N}
 *   node grpc.js call HOST:PORT AUTHORITY  one call through the gateway; exit 0 when the echo came back
 */
import * as grpc from '@grpc/grpc-js';

const identity = (b: Buffer) => b;
const SERVICE: grpc.ServiceDefinition = {
  Echo: {
    path: '/bench.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

async function echo(): Promise<void> {
  const server = new grpc.Server();
  server.addService(SERVICE, { Echo: (unary: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, unary.request) });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function call(target: string, authority: string): Promise<void> {
  const Client = grpc.makeGenericClientConstructor(SERVICE, 'Echo');
  const client = new Client(target, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
  const msg = Buffer.from('ping through the gateway');
  const answer = await new Promise<Buffer>((resolve, reject) => {
    (client as any).Echo(msg, { deadline: Date.now() + 10_000 }, (err: Error | null, res: Buffer) => (err ? reject(err) : resolve(res)));
  });
  client.close();
  if (!answer.equals(msg)) throw new Error(`echo answered ${answer.toString()}`);
  process.stdout.write('ok\n');
}

const [mode, ...rest] = process.argv.slice(2);
(mode === 'echo' ? echo() : call(rest[0], rest[1])).catch((err) => {
  process.stderr.write(`grpc: ${err?.stack ?? err}\n`);
  process.exit(1);
});
