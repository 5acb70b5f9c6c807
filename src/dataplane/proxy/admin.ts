/**
 * The admin listener: `/healthz` (process up), `/readyz` (configuration loaded, every listener bound,
 * not draining), `/metrics` (Prometheus text) and, only when asked for (`serve --admin-config`), `/config`
 * (the compiled table as JSON without header values or certificate material; see config-dump.ts).
 */
import * as http from 'http';
import * as net from 'net';

export interface AdminSources {
  /** Prometheus text: a prom-client Registry, or the cluster primary's aggregation of its workers' registries. */
  readonly metrics: { readonly contentType: string; metrics(): Promise<string> };
  /** The `/config` body (an error with a `status` answers that status); undefined = the dump is off (404). */
  readonly config?: () => Promise<readonly Buffer[]>;
  ready(): boolean;
}

export interface AdminServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startAdmin(host: string, port: number, sources: AdminSources): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    switch (path) {
      case '/healthz':
        return send(200, 'ok\n');
      case '/readyz':
        return sources.ready() ? send(200, 'ready\n') : send(503, 'not ready\n');
      case '/metrics':
        sources.metrics.metrics().then(
          (text) => send(200, text, sources.metrics.contentType),
          (err) => send(500, `${err}\n`),
        );
        return undefined;
      case '/config': {
        const config = sources.config;
        if (!config) return send(404, 'the configuration dump is off: start serve with --admin-config to serve /config\n');
        config().then(
          (pieces) => {
            const length = pieces.reduce((n, b) => n + b.length, 0);
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': length, 'cache-control': 'no-store' });
            if (req.method === 'HEAD') return res.end();
            for (const b of pieces) res.write(b);
            return res.end();
          },
          (err) => send(err?.status ?? 500, `${err?.message ?? err}\n`),
        );
        return undefined;
      }
      default:
        return send(404, `not found: try /healthz, /readyz, /metrics${sources.config ? ', /config' : ''}\n`);
    }
  });
  server.keepAliveTimeout = 2_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as net.AddressInfo;
  return {
    address: a.address,
    port: a.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
