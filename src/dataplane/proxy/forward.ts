/**
 * The forwarder: sends a request to a backend's endpoints with the rule's retry policy and per-attempt
 * timeout, and stops as soon as the caller's signal aborts (client gone, request timeout, gRPC deadline).
 */
import { Readable } from 'stream';
import type { UpstreamTlsOptions } from './backend-tls';
import { UpstreamError } from './errors';
import { HeaderList } from './headers';
import { AttemptResponse, Endpoint, UpstreamPools } from './upstream';
import type { EndpointChoice } from '../endpoints/choice';

export interface RetryPolicy {
  readonly codes: readonly number[];
  /** Retries after the first try. */
  readonly attempts?: number;
  readonly backoffMs?: number;
}

export interface ForwardPlan {
  /** Gives each attempt its endpoint: a retry goes to another one when there is another. */
  readonly endpoints: EndpointChoice;
  readonly protocol: 'http1' | 'h2c';
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly headers: HeaderList;
  readonly body: Buffer | Readable | undefined;
  readonly retry?: RetryPolicy;
  /** timeouts.backendRequest per attempt, until the response head arrives; 0/undefined = none. */
  readonly backendTimeoutMs?: number;
  /** The backend is reached over TLS (BackendTLSPolicy). */
  readonly tls?: UpstreamTlsOptions;
}

export interface ForwardObserver {
  /** Called for every failed attempt (retried or not) with its kind. */
  onAttemptError?(error: UpstreamError): void;
  /** Called before a retry. */
  onRetry?(attempt: number, why: string): void;
}

/**
 * Sends the request; resolves with the response head of the last attempt, or rejects with an
 * UpstreamError. A buffered (or absent) body is what makes retries possible.
 */
export async function forward(
  pools: UpstreamPools, plan: ForwardPlan, signal: AbortSignal, observer: ForwardObserver = {},
): Promise<AttemptResponse> {
  const replayable = plan.body === undefined || Buffer.isBuffer(plan.body);
  const maxRetries = replayable && plan.retry ? Math.max(0, plan.retry.attempts ?? 1) : 0;
  const tried: string[] = [];
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw reasonOf(signal);
    const endpoint = plan.endpoints.next(tried, pools.inFlight);
    // (a Service's endpoints can all go away between two attempts)
    if (!endpoint) throw new UpstreamError('no-ready-endpoints', 'the backend has no ready endpoint left to try');
    tried.push(endpoint.key);
    const last = attempt >= maxRetries;
    try {
      const res = await attemptOnce(pools, plan, endpoint, signal);
      if (!last && plan.retry!.codes.includes(res.status)) {
        res.body.resume();
        observer.onRetry?.(attempt + 1, `status ${res.status}`);
        await sleep(plan.retry!.backoffMs ?? 0, signal);
        continue;
      }
      return res;
    } catch (err: any) {
      const e = err instanceof UpstreamError ? err : new UpstreamError('upstream-reset', String(err?.message ?? err), err);
      if (signal.aborted) throw reasonOf(signal);
      observer.onAttemptError?.(e);
      const retriable = e.kind === 'upstream-refused' || e.kind === 'upstream-reset' || e.kind === 'upstream-protocol'
        || (e.kind === 'backend-timeout' && (plan.retry?.codes.includes(504) ?? false));
      if (last || !retriable) throw e;
      observer.onRetry?.(attempt + 1, e.kind);
      await sleep(plan.retry!.backoffMs ?? 0, signal);
    }
  }
}

function attemptOnce(pools: UpstreamPools, plan: ForwardPlan, endpoint: Endpoint, signal: AbortSignal): Promise<AttemptResponse> {
  const attempt = pools.send({
    endpoint,
    protocol: plan.protocol,
    method: plan.method,
    path: plan.path,
    authority: plan.authority,
    headers: plan.headers,
    body: plan.body,
    tls: plan.tls,
  });
  return new Promise<AttemptResponse>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      cleanup();
      attempt.abort();
      reject(reasonOf(signal));
    };
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    if (plan.backendTimeoutMs && plan.backendTimeoutMs > 0) {
      timer = setTimeout(() => {
        cleanup();
        attempt.abort();
        reject(new UpstreamError('backend-timeout', `no response within ${plan.backendTimeoutMs} ms`));
      }, plan.backendTimeoutMs);
    }
    signal.addEventListener('abort', onAbort);
    attempt.response.then(
      (res) => {
        cleanup();
        resolve(res);
      },
      (err) => {
        cleanup();
        reject(err);
      },
    );
  });
}

function reasonOf(signal: AbortSignal): UpstreamError {
  const r = signal.reason;
  return r instanceof UpstreamError ? r : new UpstreamError('upstream-reset', 'cancelled');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(reasonOf(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
