/**
 * A set of echo "pods" for named Services, and the `--backends` map that points the gateway at them.
 * Used by tests and demos that need backends without the conformance case files:
 *
 *   const fleet = await startEchoFleet(parseEchoSpecs(['demo/web:8080', 'demo/web:8081=h2c', 'demo/rpc:9000=grpc']));
 *   fs.writeFileSync('backends.json', JSON.stringify(fleet.map));
 *
 * Run standalone with `npx ts-node test/util/echo/main.ts SPEC...` (prints the map, serves until SIGINT/SIGTERM).
 */
import { startGrpcEcho, type GrpcEchoServer } from './grpc-echo';
import { startHttpEcho, type HttpEchoServer } from './http-echo';

/** How a Service port is served: the HTTP/1.1 (+ WebSocket) port, the h2c port, or the gRPC echo. */
export type EchoPortKind = 'http' | 'h2c' | 'grpc';

export interface EchoSpec {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  readonly kind: EchoPortKind;
}

const SPEC = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d{1,5})(?:=(http|h2c|grpc))?$/;

/** `NAMESPACE/SERVICE:PORT[=http|h2c|grpc]` (default http). */
export function parseEchoSpecs(texts: readonly string[]): EchoSpec[] {
  return texts.map((t) => {
    const m = SPEC.exec(t);
    const port = m ? Number(m[5]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`'${t}' is not NAMESPACE/SERVICE:PORT[=http|h2c|grpc] (e.g. demo/web:8080 or demo/rpc:9000=grpc)`);
    return { namespace: m[1], service: m[3], port, kind: (m[6] as EchoPortKind | undefined) ?? 'http' };
  });
}

export interface EchoFleet {
  /** `NAMESPACE/SERVICE:PORT` -> `127.0.0.1:PORT`, the gateway's `--backends` map. */
  readonly map: Record<string, string>;
  /** The HTTP echo of a Service (`ns/name`), if it has one. */
  http(nsName: string): HttpEchoServer | undefined;
  /** The gRPC echo of a Service (`ns/name`), if it has one. */
  grpc(nsName: string): GrpcEchoServer | undefined;
  close(): Promise<void>;
}

/**
 * One echo instance per Service (pod `<service>-x-y`, the Service's namespace); a Service cannot mix gRPC
 * ports with HTTP/h2c ports (one pod runs one kind of echo server, as upstream's echo-basic).
 */
export async function startEchoFleet(specs: readonly EchoSpec[]): Promise<EchoFleet> {
  const byService = new Map<string, EchoSpec[]>();
  for (const s of specs) {
    const key = `${s.namespace}/${s.service}`;
    byService.set(key, [...(byService.get(key) ?? []), s]);
  }
  for (const [key, list] of byService) {
    const grpc = list.filter((s) => s.kind === 'grpc').length;
    if (grpc > 0 && grpc < list.length) throw new Error(`${key}: a Service is served either by the gRPC echo or by the HTTP echo, not both`);
  }
  const https = new Map<string, HttpEchoServer>();
  const grpcs = new Map<string, GrpcEchoServer>();
  const map: Record<string, string> = {};
  const close = async () => {
    await Promise.all([...https.values(), ...grpcs.values()].map((e) => e.close()));
  };
  try {
    for (const [key, list] of byService) {
      const identity = { namespace: list[0].namespace, pod: `${list[0].service}-x-y` };
      if (list[0].kind === 'grpc') {
        const e = await startGrpcEcho(identity);
        grpcs.set(key, e);
        for (const s of list) map[`${key}:${s.port}`] = `127.0.0.1:${e.port}`;
      } else {
        const e = await startHttpEcho(identity);
        https.set(key, e);
        for (const s of list) map[`${key}:${s.port}`] = `127.0.0.1:${s.kind === 'h2c' ? e.h2cPort : e.httpPort}`;
      }
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { map, http: (k) => https.get(k), grpc: (k) => grpcs.get(k), close };
}
