import { BoundedCache } from '../cluster/bounded-cache.js';
import type { MetadataStore } from '../metadata/metadata-store.js';

/**
 * Sorted tag lists per repository, valid while the repository's tags version is unchanged.
 * The version is committed with every tag change, so checking it (one indexed row) makes a hit
 * exact on any node; only a changed repository pays for a full list. Least recently used lists go
 * first past `capacity` repositories.
 */
export class TagListCache {
  private readonly lists: BoundedCache<{ version: number; tags: string[] }>;

  constructor(
    private readonly store: MetadataStore,
    capacity: number,
  ) {
    this.lists = new BoundedCache({ max: capacity });
  }

  /** The repository's tags in byte order, or undefined when the repository does not exist. */
  async tags(repository: string): Promise<string[] | undefined> {
    const version = await this.store.manifests.tagsVersion(repository);
    if (version === undefined) return undefined;
    const hit = this.lists.get(repository);
    if (hit?.version === version) return hit.tags;
    // Read after the version: a list newer than its version is only refreshed once more, never stale.
    const entry = { version, tags: await this.store.manifests.listTags(repository, {}) };
    this.lists.set(repository, entry);
    return entry.tags;
  }
}

/** The index of the first tag after `last` in a byte-ordered list (tags are ASCII, so < is byte order). */
export function firstAfter(tags: readonly string[], last: string): number {
  let low = 0;
  let high = tags.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((tags[middle] as string) <= last) low = middle + 1;
    else high = middle;
  }
  return low;
}
