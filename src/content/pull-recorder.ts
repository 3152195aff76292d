/**
 * Records when manifests are pulled, for lifecycle policies' "not pulled for N days"
 * (`sinceImagePulled`, `berth.keep[].pulledWithinDays`). A day-granular rule needs no exact time,
 * so each (repository, digest) is written at most once per interval per node: a hot image pulled
 * thousands of times an hour costs one UPDATE, not thousands, and the pull never waits for it.
 */
import { BoundedCache } from '../cluster/bounded-cache.js';
import type { LifecycleStore } from '../metadata/lifecycle-store.js';

/** How often one manifest's pull time is written, at most (per node). */
export const PULL_RECORD_INTERVAL_MS = 60 * 60 * 1000;

/** How many (repository, digest) pairs are remembered; the least recently written go first. */
export const PULL_RECORDER_ENTRIES = 100_000;

/** Remembers recent pull writes and writes the others in the background. */
export class PullRecorder {
  /** Key → time of the last write, until the interval has passed; read with peek(), so eviction is in write order. */
  private readonly written: BoundedCache<number>;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: Pick<LifecycleStore, 'touchPulled'>,
    /** A failed write, for the log: losing one pull time is harmless, the next pull retries. */
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = PULL_RECORD_INTERVAL_MS,
    maxEntries = PULL_RECORDER_ENTRIES,
  ) {
    this.written = new BoundedCache({ max: maxEntries });
  }

  /** Notes a pull of `digest` (a manifest GET or HEAD); returns at once. */
  record(repository: string, digest: string, now = Date.now()): void {
    const key = `${repository}@${digest}`;
    // Written within the interval: now - last < intervalMs.
    if (this.written.peek(key, now) !== undefined) return;
    this.written.set(key, now, now + this.intervalMs);
    const write = this.store.touchPulled(repository, digest, new Date(now)).catch((error: unknown) => {
      // Forget the write so the next pull tries again.
      if (this.written.peek(key, now) === now) this.written.delete(key);
      this.onError(error);
    });
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Resolves once every write begun so far has finished (before the store closes). */
  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
