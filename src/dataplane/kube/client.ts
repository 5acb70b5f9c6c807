/**
 * A thin Kubernetes API client over Node's `https`: the connection settings (a kubeconfig, or the in-cluster
 * service account), JSON requests with the API server's own `Status` turned into errors, and watches read as
 * the newline-delimited JSON stream the API server writes. Nothing else: informers (list, watch, re-list) are
 * built on `list()` and `watch()`.
 *
 * Why not `@kubernetes/client-node`: see the README ("The Kubernetes client").
 */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import * as YAML from 'yaml';

/** Where and as whom to reach the API server. */
export interface KubeConnection {
  /** `https://host:port` (or `http://` for a local proxy). */
  readonly server: string;
  /** PEM of the certificate authorities that sign the server's certificate (else the system's). */
  readonly ca?: string | Buffer;
  /** The name to verify the server's certificate against, when not the server URL's host (kubeconfig `tls-server-name`). */
  readonly tlsServerName?: string;
  /** Skip verifying the server's certificate (kubeconfig `insecure-skip-tls-verify`). */
  readonly insecureSkipTlsVerify?: boolean;
  /** A bearer token. */
  readonly token?: string;
  /** A file holding the bearer token, read again when it changes (projected service account tokens rotate). */
  readonly tokenFile?: string;
  /** PEM client certificate and key. */
  readonly clientCert?: string | Buffer;
  readonly clientKey?: string | Buffer;
  /** The default namespace (kubeconfig context, or the service account's). */
  readonly namespace?: string;
  /** Where these settings came from, for error messages. */
  readonly source: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster connection: `KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted service account. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, saDir: string = SA_DIR): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error('in-cluster kubernetes config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; run inside a pod, or pass a kubeconfig');
  }
  const tokenFile = path.join(saDir, 'token');
  const caFile = path.join(saDir, 'ca.crt');
  for (const f of [tokenFile, caFile]) {
    if (!fs.existsSync(f)) {
      throw new Error(`in-cluster kubernetes config: ${f} does not exist; mount the pod's service account token (automountServiceAccountToken: true)`);
    }
  }
  const nsFile = path.join(saDir, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: fs.readFileSync(caFile),
    tokenFile,
    namespace: fs.existsSync(nsFile) ? fs.readFileSync(nsFile, 'utf8').trim() : undefined,
    source: `in-cluster service account (${saDir})`,
  };
}

interface Named<T> {
  readonly name: string;
  readonly [key: string]: unknown;
  readonly value?: T;
}

/** Reads a kubeconfig file: its current context (or `context`), that context's cluster and user. */
export function loadKubeconfig(file: string, context?: string): KubeConnection {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`kubeconfig ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass an existing kubeconfig file`);
  }
  let doc: any;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new Error(`kubeconfig ${file}: not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object') throw new Error(`kubeconfig ${file}: not a kubeconfig (expected a mapping with clusters, users and contexts)`);
  const find = (list: unknown, kind: string, name: string): any => {
    const entries = Array.isArray(list) ? (list as Array<Named<unknown>>) : [];
    const hit = entries.find((e) => e && e.name === name);
    if (!hit) {
      const known = entries.map((e) => e?.name).filter(Boolean);
      throw new Error(`kubeconfig ${file}: ${kind} "${name}" is not defined (defined: ${known.length ? known.join(', ') : 'none'})`);
    }
    return hit[kind] ?? {};
  };
  const contextName = context ?? doc['current-context'];
  if (!contextName) throw new Error(`kubeconfig ${file}: no current-context; set one (kubectl config use-context NAME) or name a context`);
  const ctx = find(doc.contexts, 'context', contextName);
  if (!ctx.cluster) throw new Error(`kubeconfig ${file}: context "${contextName}" names no cluster`);
  const cluster = find(doc.clusters, 'cluster', ctx.cluster);
  const user = ctx.user ? find(doc.users, 'user', ctx.user) : {};
  const dir = path.dirname(path.resolve(file));
  const readRef = (dataKey: string, fileKey: string, from: any, what: string): Buffer | undefined => {
    if (from[dataKey]) return Buffer.from(String(from[dataKey]), 'base64');
    if (from[fileKey]) {
      const p = path.resolve(dir, String(from[fileKey]));
      try {
        return fs.readFileSync(p);
      } catch (e) {
        throw new Error(`kubeconfig ${file}: ${what} ${fileKey} ${p} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    return undefined;
  };
  if (typeof cluster.server !== 'string' || !/^https?:\/\//.test(cluster.server)) {
    throw new Error(`kubeconfig ${file}: cluster "${ctx.cluster}" has server ${JSON.stringify(cluster.server)}; it must be an https:// URL`);
  }
  for (const unsupported of ['exec', 'auth-provider', 'username']) {
    if (user[unsupported]) {
      throw new Error(`kubeconfig ${file}: user "${ctx.user}" authenticates with ${unsupported}, which this gateway does not run; use a token, a token file or a client certificate`);
    }
  }
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ca: readRef('certificate-authority-data', 'certificate-authority', cluster, `cluster "${ctx.cluster}"`),
    tlsServerName: cluster['tls-server-name'],
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    token: user.token,
    tokenFile: user.tokenFile ? path.resolve(dir, user.tokenFile) : undefined,
    clientCert: readRef('client-certificate-data', 'client-certificate', user, `user "${ctx.user}"`),
    clientKey: readRef('client-key-data', 'client-key', user, `user "${ctx.user}"`),
    namespace: ctx.namespace,
    source: `kubeconfig ${file} (context "${contextName}")`,
  };
}

/** A `Status` answer of the API server (a failed request, or an ERROR watch event). */
export interface KubeStatus {
  readonly kind?: 'Status';
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** The API server refused a request; `code` is the HTTP status, `reason` the Status reason (`Invalid`, `NotFound`, ...). */
export class KubeApiError extends Error {
  public readonly code: number;
  public readonly reason: string;
  public readonly status: KubeStatus;
  constructor(method: string, urlPath: string, code: number, status: KubeStatus) {
    super(`kubernetes api ${method} ${urlPath}: ${code} ${status.reason ?? 'Error'}: ${status.message ?? 'no message'}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = status.reason ?? '';
    this.status = status;
  }
}

/** The server's Status, or one made of the HTTP status and the text when the answer is not a Status (e.g. 404 page not found). */
function toStatus(code: number, parsed: any, text: string): KubeStatus {
  if (parsed && parsed.kind === 'Status') return parsed;
  return { code, reason: (http.STATUS_CODES[code] ?? 'Error').replace(/[^A-Za-z]/g, ''), message: text.trim().slice(0, 500) || 'no message' };
}

/** Names a resource collection or object: `/api/v1/...` for the core group, `/apis/GROUP/VERSION/...` otherwise. */
export interface ResourceRef {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  /** The lowercase plural (`httproutes`). */
  readonly plural: string;
  readonly namespace?: string;
  readonly name?: string;
  /** `status` (written by controllers), `token` (TokenRequest), ... */
  readonly subresource?: string;
}

export function resourcePath(ref: ResourceRef): string {
  const enc = encodeURIComponent;
  let p = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (ref.namespace !== undefined) p += `/namespaces/${enc(ref.namespace)}`;
  p += `/${ref.plural}`;
  if (ref.name !== undefined) p += `/${enc(ref.name)}`;
  if (ref.subresource) {
    if (ref.name === undefined) throw new Error(`resource ${p}: a subresource (${ref.subresource}) needs an object name`);
    p += `/${ref.subresource}`;
  }
  return p;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: any;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { resourceVersion: string; continue?: string };
  readonly items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  readonly type: WatchEventType;
  readonly object: T;
}

/** How a watch ended: the server closed it (`closed`), an ERROR event (`status`, e.g. 410 Gone), or a failure. */
export type WatchEnd =
  | { readonly kind: 'closed' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'status'; readonly status: KubeStatus }
  | { readonly kind: 'error'; readonly error: Error };

export interface WatchOptions {
  readonly resourceVersion?: string;
  /** The server ends the watch after this many seconds (it adds up to the same again at random). */
  readonly timeoutSeconds?: number;
  readonly allowWatchBookmarks?: boolean;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface Watch {
  /** Resolves once, when the watch has ended, and says how. */
  readonly done: Promise<WatchEnd>;
  /** Ends the watch from this side (`done` resolves with `stopped`). */
  stop(): void;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
  /** Default 30 s; the request fails with a message naming the path when no answer has come by then. */
  readonly timeoutMs?: number;
}

function queryString(query: RequestOptions['query']): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class KubeClient {
  public readonly connection: KubeConnection;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private tokenCache?: { mtimeMs: number; token: string };

  constructor(connection: KubeConnection) {
    this.connection = connection;
    try {
      this.url = new URL(connection.server);
    } catch {
      throw new Error(`${connection.source}: server ${JSON.stringify(connection.server)} is not a URL; it must look like https://host:6443`);
    }
    const tls = this.url.protocol === 'https:';
    this.agent = tls
      ? new https.Agent({
        keepAlive: true,
        ca: connection.ca,
        cert: connection.clientCert,
        key: connection.clientKey,
        servername: connection.tlsServerName,
        rejectUnauthorized: !connection.insecureSkipTlsVerify,
      })
      : new http.Agent({ keepAlive: true });
  }

  private token(): string | undefined {
    const file = this.connection.tokenFile;
    if (!file) return this.connection.token;
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${this.connection.source}: token file ${file} does not exist`);
    if (!this.tokenCache || this.tokenCache.mtimeMs !== stat.mtimeMs) {
      this.tokenCache = { mtimeMs: stat.mtimeMs, token: fs.readFileSync(file, 'utf8').trim() };
    }
    return this.tokenCache.token;
  }

  private open(method: string, urlPath: string, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    const token = this.token();
    const request = this.url.protocol === 'https:' ? https.request : http.request;
    return request({
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || (this.url.protocol === 'https:' ? 443 : 80),
      method,
      path: urlPath,
      agent: this.agent,
      headers: { 'Accept': 'application/json', 'User-Agent': 'cdk8s-gateway', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    });
  }

  /** One request; a 2xx answer's JSON body, else a `KubeApiError` carrying the server's Status. */
  public request<T = any>(method: string, urlPath: string, options: RequestOptions = {}): Promise<T> {
    const full = urlPath + queryString(options.query);
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      let req: http.ClientRequest;
      try {
        req = this.open(method, full, body ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': body.length } : {});
      } catch (e) {
        reject(e);
        return;
      }
      const timer = setTimeout(() => {
        req.destroy(new Error(`kubernetes api ${method} ${full}: no answer from ${this.connection.server} within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e.message.startsWith('kubernetes api') ? e : new Error(`kubernetes api ${method} ${full}: ${e.message} (server ${this.connection.server}, from ${this.connection.source})`));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            if (parsed === undefined && text) {
              reject(new Error(`kubernetes api ${method} ${full}: ${code} answer is not JSON: ${text.slice(0, 200)}`));
            } else {
              resolve(parsed as T);
            }
            return;
          }
          reject(new KubeApiError(method, full, code, toStatus(code, parsed, text)));
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(new Error(`kubernetes api ${method} ${full}: answer cut: ${e.message}`));
        });
      });
      req.end(body);
    });
  }

  public get<T extends KubeObject = KubeObject>(ref: ResourceRef): Promise<T> {
    return this.request<T>('GET', resourcePath(ref));
  }

  public list<T extends KubeObject = KubeObject>(ref: ResourceRef, query: RequestOptions['query'] = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', resourcePath(ref), { query });
  }

  public create<T extends KubeObject = KubeObject>(ref: ResourceRef, object: KubeObject): Promise<T> {
    return this.request<T>('POST', resourcePath(ref), { body: object });
  }

  /** PUT: replaces the object (or its status, with `subresource: 'status'`); `metadata.resourceVersion` guards it. */
  public replace<T extends KubeObject = KubeObject>(ref: ResourceRef, object: KubeObject): Promise<T> {
    return this.request<T>('PUT', resourcePath(ref), { body: object });
  }

  /** An RFC 7386 JSON merge patch (lists are replaced whole). */
  public mergePatch<T extends KubeObject = KubeObject>(ref: ResourceRef, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', resourcePath(ref), { body: patch, contentType: 'application/merge-patch+json' });
  }

  public delete(ref: ResourceRef): Promise<unknown> {
    return this.request('DELETE', resourcePath(ref));
  }

  /**
   * Watches a collection, calling `onEvent` for each ADDED/MODIFIED/DELETED/BOOKMARK event, in order. The watch
   * ends when the server closes it (after `timeoutSeconds`), on an ERROR event (`status`: 410 Gone means the
   * resourceVersion is too old and the caller must list again), on a failure, or on `stop()`.
   */
  public watch<T extends KubeObject = KubeObject>(ref: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Watch {
    const query = {
      watch: 'true',
      resourceVersion: options.resourceVersion,
      timeoutSeconds: options.timeoutSeconds,
      allowWatchBookmarks: options.allowWatchBookmarks,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    };
    const full = resourcePath(ref) + queryString(query);
    let finish!: (end: WatchEnd) => void;
    let ended = false;
    const done = new Promise<WatchEnd>((resolve) => {
      finish = (end) => {
        if (ended) return;
        ended = true;
        resolve(end);
      };
    });
    let req: http.ClientRequest | undefined;
    try {
      req = this.open('GET', full, {});
    } catch (e) {
      finish({ kind: 'error', error: e as Error });
      return { done, stop: () => undefined };
    }
    const stop = (): void => {
      finish({ kind: 'stopped' });
      req?.destroy();
    };
    req.on('error', (e) => finish({ kind: 'error', error: new Error(`kubernetes api watch ${full}: ${e.message}`) }));
    req.on('response', (res) => {
      const code = res.statusCode ?? 0;
      if (code !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          finish({ kind: 'error', error: new KubeApiError('GET', full, code, toStatus(code, parsed, text)) });
        });
        return;
      }
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let nl: number;
        while (!ended && (nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line) continue;
          let event: { type: string; object: any };
          try {
            event = JSON.parse(line);
          } catch (e) {
            finish({ kind: 'error', error: new Error(`kubernetes api watch ${full}: an event is not JSON: ${line.slice(0, 200)}`) });
            req?.destroy();
            return;
          }
          if (event.type === 'ERROR') {
            finish({ kind: 'status', status: event.object as KubeStatus });
            req?.destroy();
            return;
          }
          onEvent(event as WatchEvent<T>);
        }
      });
      res.on('end', () => finish({ kind: 'closed' }));
      res.on('aborted', () => finish({ kind: 'error', error: new Error(`kubernetes api watch ${full}: connection cut`) }));
      res.on('error', (e) => finish({ kind: 'error', error: new Error(`kubernetes api watch ${full}: ${e.message}`) }));
    });
    req.end();
    return { done, stop };
  }

  /** Closes idle keep-alive connections; open watches go on until stopped. */
  public close(): void {
    this.agent.destroy();
  }
}
