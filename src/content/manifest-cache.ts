import { BoundedCache } from '../cluster/bounded-cache.js';
import { localOnly, type CacheInvalidation } from '../cluster/cache-invalidation.js';
import type { ManifestRecord } from '../metadata/metadata-store.js';

// How long an entry may be served. Content at a digest never changes, but it can be deleted, on
// this node (dropped at once) or elsewhere: another node or `berth gc`. While the invalidation
// bus is live, their deletes arrive as messages and the long lifetime only backs up a lost
// message; without it an entry is re-read after a few seconds, so no delete goes unseen longer.
const LIVE_MAX_AGE_MS = 60_000;
const LOCAL_MAX_AGE_MS = 2_000;

/**
 * An LRU of manifests by repository and digest: a manifest GET by digest rarely leaves memory.
 * Deletes are told to the other nodes over `invalidation`, and theirs reach this cache.
 */
export class ManifestCache {
  // No deadline in the cache itself: how long an entry may be served depends on whether the bus
  // is live when it is read, so get() checks its age.
  private readonly entries: BoundedCache<{ record: ManifestRecord; cachedAt: number }>;

  constructor(
    capacity: number,
    private readonly invalidation: CacheInvalidation = localOnly,
  ) {
    this.entries = new BoundedCache({ max: capacity });
    invalidation.listen(
      ({ repository, digest }) => this.entries.delete(`${repository}@${digest}`),
      () => this.entries.clear(),
    );
  }

  get(repository: string, digest: string): ManifestRecord | undefined {
    const key = `${repository}@${digest}`;
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.cachedAt > (this.invalidation.live ? LIVE_MAX_AGE_MS : LOCAL_MAX_AGE_MS)) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.record;
  }

  set(repository: string, record: ManifestRecord): void {
    this.entries.set(`${repository}@${record.digest}`, { record, cachedAt: Date.now() });
  }

  /** The manifest was deleted: forget it here and on every other node. */
  delete(repository: string, digest: string): void {
    this.entries.delete(`${repository}@${digest}`);
    this.invalidation.manifestGone({ repository, digest });
  }
}
