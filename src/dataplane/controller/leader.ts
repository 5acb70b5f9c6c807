/**
 * Leader election over a coordination.k8s.io/v1 Lease, with client-go's semantics:
 *
 * - every `retryPeriodMs` a replica reads the Lease; if it holds it, it renews it (`renewTime`); if another holds it
 *   and this replica has seen that record change less than `leaseDurationMs` ago (its own clock, never the other's),
 *   it waits; else it takes the Lease over (`holderIdentity`, `acquireTime`, `leaseTransitions + 1`). Writes are
 *   PUTs with the resourceVersion read, so two replicas cannot both take it.
 * - a leader that has not renewed for `renewDeadlineMs` (API server unreachable), or that reads another holder, stops
 *   leading at once.
 * - `stop()` releases the Lease (holder emptied, duration 1 s) so that another replica takes over without waiting.
 *
 * Only the status writer follows leadership; every replica serves traffic.
 */
import { RESOURCES } from './constants';
import { KubeApiError, KubeClient, KubeObject, ResourceRef } from '../kube/client';
import { wakeablePause } from '../kube/pause';

export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly name: string;
  /** This replica's name in `holderIdentity`. */
  readonly identity: string;
  /** Default 15 s (whole seconds: the Lease stores seconds). */
  readonly leaseDurationMs?: number;
  /** Default 10 s; must be less than the lease duration. */
  readonly renewDeadlineMs?: number;
  /** Default 2 s; must be less than the renew deadline. */
  readonly retryPeriodMs?: number;
  /** Milliseconds clock (tests inject one); default Date.now. */
  readonly clock?: () => number;
  /** [0, 1) source of the candidates' jitter; default Math.random. */
  readonly random?: () => number;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  /** A failed read or write (the elector goes on). */
  readonly onError?: (error: Error) => void;
}

/** A Lease time: RFC 3339 with microseconds, as the API server's MicroTime. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private leading = false;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private observed?: string;
  private observedAt = 0;
  private lastRenew = 0;
  private readonly ref: ResourceRef;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly clock: () => number;
  private readonly random: () => number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    if (this.leaseMs < 1000 || this.leaseMs % 1000 !== 0) {
      throw new Error(`leader election: lease duration ${this.leaseMs} ms must be a whole number of seconds, at least 1 s`);
    }
    if (!(this.renewDeadlineMs < this.leaseMs) || !(this.retryMs > 0 && this.retryMs < this.renewDeadlineMs)) {
      throw new Error(`leader election: need 0 < retry period (${this.retryMs} ms) < renew deadline (${this.renewDeadlineMs} ms) < lease duration (${this.leaseMs} ms)`);
    }
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.ref = { ...RESOURCES.Lease, namespace: options.namespace, name: options.name };
  }

  public get isLeader(): boolean {
    return this.leading;
  }

  public start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops electing; a leader releases the Lease unless `release` is false (as a replica that dies would not). */
  public async stop(release = true): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.setLeading(false);
      if (release) await this.release().catch((e) => this.options.onError?.(e));
    }
  }

  private setLeading(on: boolean): void {
    if (this.leading === on) return;
    this.leading = on;
    if (on) this.options.onStartedLeading?.();
    else this.options.onStoppedLeading?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (e) {
        this.options.onError?.(e as Error);
      }
      if (!this.running) break;
      const now = this.clock();
      if (ok) {
        this.lastRenew = now;
        this.setLeading(true);
      } else if (this.leading && now - this.lastRenew >= this.renewDeadlineMs) {
        this.options.onError?.(new Error(`leader election: Lease ${this.options.namespace}/${this.options.name} not renewed for ${now - this.lastRenew} ms (deadline ${this.renewDeadlineMs} ms); stopped leading`));
        this.setLeading(false);
      }
      // candidates wait a little longer at random, as client-go's JitterUntil does
      await this.pause(this.leading ? this.retryMs : this.retryMs * (1 + 0.2 * this.random()));
    }
  }

  private pause(ms: number): Promise<void> {
    return wakeablePause(ms, (wake) => (this.wake = wake));
  }

  private spec(now: number, holder: string, previous: any): Record<string, unknown> {
    const kept = previous?.holderIdentity === holder;
    return {
      holderIdentity: holder,
      leaseDurationSeconds: this.leaseMs / 1000,
      acquireTime: kept ? previous.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: kept ? previous.leaseTransitions ?? 0 : (previous?.leaseTransitions ?? -1) + 1,
    };
  }

  /** One round: true when this replica holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock();
    let lease: KubeObject;
    try {
      lease = await this.options.client.get(this.ref);
    } catch (e) {
      if (!(e instanceof KubeApiError) || e.code !== 404) throw e;
      try {
        await this.options.client.create({ ...this.ref, name: undefined }, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.options.name, namespace: this.options.namespace },
          spec: this.spec(now, this.options.identity, undefined),
        });
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 409) return false; // another replica created it first
        throw err;
      }
      return true;
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = now;
    }
    const holder: string = spec.holderIdentity ?? '';
    if (holder !== '' && holder !== this.options.identity) {
      const durationMs = (Number(spec.leaseDurationSeconds) || this.leaseMs / 1000) * 1000;
      if (this.observedAt + durationMs > now) {
        if (this.leading) this.setLeading(false); // another replica holds it: stop writing at once
        return false;
      }
    }
    try {
      const written = await this.options.client.replace(this.ref, { ...lease, spec: { ...spec, ...this.spec(now, this.options.identity, spec) } });
      this.observed = JSON.stringify([written.spec?.holderIdentity, written.spec?.renewTime, written.spec?.leaseDurationSeconds]);
      this.observedAt = now;
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 409) return false;
      throw e;
    }
    return true;
  }

  private async release(): Promise<void> {
    const lease = await this.options.client.get(this.ref);
    if (lease.spec?.holderIdentity !== this.options.identity) return;
    // as client-go's ReleaseOnCancel: no holder, one second left, the transition count kept
    const now = microTime(this.clock());
    await this.options.client.replace(this.ref, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
  }
}
