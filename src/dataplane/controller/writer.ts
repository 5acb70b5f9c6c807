/**
 * The status writer: a PUT on the status subresource carrying the resourceVersion read; on 409 Conflict the object is
 * read again, its desired status computed again from the fresh copy, and written only if it still differs.
 */
import { apiVersionOf, RESOURCES } from './constants';
import { StatusKind, StatusUpdate, statusChanged } from './status';
import { KubeApiError, KubeClient, KubeObject } from '../kube/client';

export interface WriterStats {
  /** Status PUTs sent. */
  puts: number;
  /** PUTs refused with 409 Conflict (then read again). */
  conflicts: number;
}

/** Attempts per object before giving up until the next rebuild. */
const MAX_ATTEMPTS = 5;

export class StatusWriter {
  public readonly stats: WriterStats = { puts: 0, conflicts: 0 };

  constructor(private readonly client: KubeClient) {}

  /**
   * Writes `update`; `recompute` gives the desired status for a fresh copy (undefined: nothing to write any more).
   * Resolves true when written, false when nothing needed writing (or the object is gone); rejects on other errors.
   * `written` is told the object as the API server returned it after the write.
   */
  public async write(
    update: StatusUpdate, recompute: (fresh: KubeObject) => Record<string, unknown> | undefined, written?: (object: KubeObject) => void,
  ): Promise<boolean> {
    const ref = {
      ...RESOURCES[update.kind as StatusKind],
      namespace: update.object.metadata.namespace,
      name: update.object.metadata.name,
    };
    let object = update.object;
    let status: Record<string, unknown> | undefined = update.status;
    for (let attempt = 1; ; attempt++) {
      try {
        this.stats.puts++;
        const answer = await this.client.replace({ ...ref, subresource: 'status' }, { ...object, apiVersion: apiVersionOf(update.kind), kind: update.kind, status });
        written?.(answer);
        return true;
      } catch (e) {
        if (e instanceof KubeApiError && e.code === 404) return false;
        if (!(e instanceof KubeApiError) || e.code !== 409 || attempt >= MAX_ATTEMPTS) throw e;
        this.stats.conflicts++;
      }
      try {
        object = await this.client.get(ref);
      } catch (e) {
        if (e instanceof KubeApiError && e.code === 404) return false;
        throw e;
      }
      status = recompute(object);
      if (status === undefined || !statusChanged(object.status, status)) return false;
    }
  }
}
