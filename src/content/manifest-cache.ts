import type { ManifestRecord } from '../metadata/metadata-store.js';

/**
 * An LRU of manifests by repository and digest. Content at a digest never changes, so entries
 * need no invalidation except on delete; a manifest GET by digest then never leaves memory.
 */
export class ManifestCache {
  private readonly entries = new Map<string, ManifestRecord>();

  constructor(private readonly capacity: number) {}

  get(repository: string, digest: string): ManifestRecord | undefined {
    const key = `${repository}@${digest}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(repository: string, record: ManifestRecord): void {
    if (this.capacity === 0) return;
    const key = `${repository}@${record.digest}`;
    this.entries.delete(key);
    this.entries.set(key, record);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(repository: string, digest: string): void {
    this.entries.delete(`${repository}@${digest}`);
  }
}
