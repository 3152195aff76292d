import type { MetadataStore } from '../metadata/metadata-store.js';

/**
 * Sorted tag lists per repository, valid while the repository's tags version is unchanged.
 * The version is committed with every tag change, so checking it (one indexed row) makes a hit
 * exact on any node; only a changed repository pays for a full list. Least recently used lists go
 * first past `capacity` repositories.
 */
export class TagListCache {
  private readonly lists = new Map<string, { version: number; tags: string[] }>();

  constructor(
    private readonly store: MetadataStore,
    private readonly capacity: number,
  ) {}

  /** The repository's tags in byte order, or undefined when the repository does not exist. */
  async tags(repository: string): Promise<string[] | undefined> {
    const version = await this.store.manifests.tagsVersion(repository);
    if (version === undefined) return undefined;
    const hit = this.lists.get(repository);
    this.lists.delete(repository);
    // Read after the version: a list newer than its version is only refreshed once more, never stale.
    const entry = hit?.version === version ? hit : { version, tags: await this.store.manifests.listTags(repository, {}) };
    if (this.capacity > 0) this.lists.set(repository, entry);
    if (this.lists.size > this.capacity) {
      const oldest = this.lists.keys().next().value;
      if (oldest !== undefined) this.lists.delete(oldest);
    }
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
