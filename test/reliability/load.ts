/**
 * A small closed-loop load generator for the reliability tests and scripts: `connections` HTTP/1.1
 * keep-alive clients and `h2Sessions` HTTP/2 sessions (`streamsPerSession` streams each) send requests
 * back to back until `stop()` is called, and every answer (or error) is recorded by request id.
 */
import * as http from 'http';
import * as http2 from 'http2';

export interface LoadOptions {
  readonly port: number;
  readonly host?: string;
  readonly connections: number;
  readonly h2Sessions?: number;
  readonly streamsPerSession?: number;
  /** Path of request number `id`. */
  readonly path: (id: number) => string;
  /** Per-request timeout. Default 10 s. */
  readonly timeoutMs?: number;
  /** Called with every answer; keep it cheap. */
  readonly onAnswer?: (id: number, status: number, body: string, ms: number) => void;
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  /** Non-2xx statuses and errors, by request id. */
  readonly failures: { id: number; status?: number; error?: string; transport: 'h1' | 'h2' }[];
  /** Latencies in ms of the successful requests, unsorted. */
  readonly latencies: number[];
}

export interface RunningLoad {
  /** Requests sent so far. */
  readonly sent: number;
  readonly ok: number;
  /** Stops sending; resolves when every request in flight has settled. */
  stop(): Promise<LoadResult>;
}

export function startLoad(o: LoadOptions): RunningLoad {
  let stopped = false;
  let nextId = 0;
  let ok = 0;
  const failures: LoadResult['failures'] = [];
  const latencies: number[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const timeoutMs = o.timeoutMs ?? 10_000;
  const record = (id: number, transport: 'h1' | 'h2', started: number, status?: number, body = '', error?: string) => {
    const ms = performance.now() - started;
    if (status !== undefined && status >= 200 && status < 300) {
      ok++;
      latencies.push(ms);
    } else {
      failures.push({ id, status, error, transport });
    }
    o.onAnswer?.(id, status ?? 0, body, ms);
  };

  const h1Once = () => new Promise<void>((resolve) => {
    const id = nextId++;
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port: o.port, path: o.path(id), headers: { host: o.host ?? 'example.com' }, agent });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', (e: any) => {
      record(id, 'h1', started, undefined, '', e.code ?? e.message);
      resolve();
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: any) => {
        record(id, 'h1', started, undefined, '', `response ${e.code ?? e.message}`);
        resolve();
      });
      res.on('end', () => {
        record(id, 'h1', started, res.statusCode, Buffer.concat(chunks).toString());
        resolve();
      });
    });
    req.end();
  });

  const h1Loop = async () => {
    while (!stopped) await h1Once();
  };

  const h2Loop = async () => {
    let session: http2.ClientHttp2Session | undefined;
    const streams = o.streamsPerSession ?? 1;
    const streamLoop = async () => {
      while (!stopped) {
        if (!session || session.closed || session.destroyed) {
          session = http2.connect(`http://127.0.0.1:${o.port}`);
          session.on('error', () => undefined);
        }
        const s = session;
        const id = nextId++;
        const started = performance.now();
        await new Promise<void>((resolve) => {
          let stream: http2.ClientHttp2Stream;
          try {
            stream = s.request({ ':path': o.path(id), ':authority': o.host ?? 'example.com' });
          } catch (e: any) {
            record(id, 'h2', started, undefined, '', e.code ?? e.message);
            session = undefined;
            resolve();
            return;
          }
          let status: number | undefined;
          const chunks: Buffer[] = [];
          stream.setTimeout(timeoutMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
          stream.on('response', (h) => {
            status = Number(h[':status']);
          });
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (e: any) => {
            record(id, 'h2', started, undefined, '', e.code ?? e.message);
            resolve();
          });
          stream.on('end', () => {
            record(id, 'h2', started, status, Buffer.concat(chunks).toString());
            resolve();
          });
          stream.end();
        });
      }
    };
    await Promise.all(Array.from({ length: streams }, streamLoop));
    session?.close();
  };

  const loops = [
    ...Array.from({ length: o.connections }, h1Loop),
    ...Array.from({ length: o.h2Sessions ?? 0 }, h2Loop),
  ];
  const all = Promise.all(loops);
  return {
    get sent() {
      return nextId;
    },
    get ok() {
      return ok;
    },
    stop: async () => {
      stopped = true;
      await all;
      agent.destroy();
      return { sent: nextId, ok, failures, latencies };
    },
  };
}

/** The p-th percentile (0..100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
