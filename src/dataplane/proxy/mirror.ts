/**
 * RequestMirror: fire-and-forget copies of a request. A mirror never delays or fails the primary
 * response: copies are only sent for buffered bodies, the number in flight is bounded, each copy has
 * a deadline, and every outcome is only counted.
 */
import type { UpstreamTlsOptions } from './backend-tls';
import { HeaderList, cloneHeaders } from './headers';
import { UpstreamPools } from './upstream';
import { EndpointChoice, NONE_TRIED } from '../endpoints/choice';

export type MirrorResult = 'sent' | 'failed' | 'dropped' | 'skipped';

export interface MirrorOptions {
  /** Copies in flight at once; more are dropped. Default 256. */
  readonly maxInFlight?: number;
  /** Deadline of one copy. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface MirrorCopy {
  /** Where the copy may go (the mirror backend's endpoints). */
  readonly endpoints: EndpointChoice;
  readonly protocol: 'http1' | 'h2c';
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly headers: HeaderList;
  /** undefined = no body; null = a body that was not buffered (the copy is skipped). */
  readonly body: Buffer | undefined | null;
  /** The mirror backend is reached over TLS (BackendTLSPolicy). */
  readonly tls?: UpstreamTlsOptions;
}

export class Mirror {
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;

  constructor(private readonly pools: UpstreamPools, private readonly count: (result: MirrorResult) => void, options: MirrorOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? 256;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Number of copies currently in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Sends a copy; returns at once. */
  send(copy: MirrorCopy): void {
    if (copy.body === null) {
      this.count('skipped');
      return;
    }
    if (this.inFlight >= this.maxInFlight) {
      this.count('dropped');
      return;
    }
    const endpoint = copy.endpoints.next(NONE_TRIED, this.pools.inFlight);
    if (!endpoint) {
      this.count('skipped');
      return;
    }
    this.inFlight++;
    let attempt;
    try {
      attempt = this.pools.send({
        endpoint,
        protocol: copy.protocol,
        method: copy.method,
        path: copy.path,
        authority: copy.authority,
        headers: cloneHeaders(copy.headers),
        body: copy.body,
        tls: copy.tls,
      });
    } catch {
      this.inFlight--;
      this.count('failed');
      return;
    }
    let done = false;
    const finish = (result: MirrorResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.inFlight--;
      this.count(result);
    };
    const timer = setTimeout(() => {
      attempt.abort();
      finish('failed');
    }, this.timeoutMs);
    timer.unref();
    attempt.response.then(
      (res) => {
        res.body.on('error', () => finish('failed'));
        res.body.on('end', () => finish('sent'));
        res.body.on('close', () => finish('sent'));
        res.body.resume();
      },
      () => finish('failed'),
    );
  }
}
