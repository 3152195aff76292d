/**
 * The one bounded in-memory map of Berth's per-node caches: least recently used entries go first
 * past `max` (lru-cache), and each entry may carry a deadline after which it is never served.
 *
 * The deadline is kept with the entry and compared with Date.now() (or a given `now`) rather than
 * left to lru-cache's own TTL, which counts on performance.now(), rounds to a resolution and still
 * serves an entry at its exact deadline: callers here need "served while now < deadline", exactly,
 * and some (tests, the pull recorder) pass their own clock. Here in cluster/ so that both content/
 * and auth/ may use it.
 */
import { LRUCache } from 'lru-cache';

/** How a {@link BoundedCache} is bounded. */
export interface BoundedCacheOptions {
  /** How many entries are kept at most; the least recently used go first. 0 keeps none. */
  max: number;
  /** How long after set() an entry is served, unless set() names a deadline; unset: until evicted. */
  ttlMs?: number;
}

/** A string-keyed map bounded in entries, whose entries may expire; see the module comment. */
export class BoundedCache<V extends {}> {
  readonly #entries: LRUCache<string, { value: V; until: number }> | undefined;
  readonly #ttlMs: number;

  constructor(options: BoundedCacheOptions) {
    // lru-cache refuses max 0 (it would be unbounded): a cache of capacity 0 simply keeps nothing.
    this.#entries = options.max > 0 ? new LRUCache({ max: options.max }) : undefined;
    this.#ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
  }

  /** The entry's value when it is there and `now` is before its deadline; it becomes most recently used. */
  get(key: string, now = Date.now()): V | undefined {
    return this.#unexpired(key, this.#entries?.get(key), now);
  }

  /** Like {@link get}, without making the entry most recently used (eviction in write order). */
  peek(key: string, now = Date.now()): V | undefined {
    return this.#unexpired(key, this.#entries?.peek(key), now);
  }

  /** Stores `value`, served until `until` (ms since the epoch; default: now plus the cache's ttlMs). */
  set(key: string, value: V, until = Date.now() + this.#ttlMs): void {
    this.#entries?.set(key, { value, until });
  }

  /** Forgets one entry. */
  delete(key: string): void {
    this.#entries?.delete(key);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries?.clear();
  }

  /** How many entries are held (expired ones included until they are read or evicted). */
  get size(): number {
    return this.#entries?.size ?? 0;
  }

  #unexpired(key: string, entry: { value: V; until: number } | undefined, now: number): V | undefined {
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.value;
    // An expired entry is never served, and goes at once so it doesn't hold a place.
    this.#entries?.delete(key);
    return undefined;
  }
}
