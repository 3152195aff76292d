import { RegistryError } from '../errors/index.js';
import { BoundedCache } from '../cluster/bounded-cache.js';
import type { EventOrigin } from '../metadata/event-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { NamespaceMap } from '../metadata/namespace-map.js';
import type { BlobQuota, QuotaRefusal, RepositoryScope, RepositoryUsage } from '../metadata/usage-store.js';

/**
 * How long a node trusts the quota it read with a namespace. A change made through this node
 * applies at once (its copy is dropped); other nodes follow within this time.
 */
export const QUOTA_TTL_MS = 2000;

const CACHE_ENTRIES = 10_000;

/** At most one quota.exceeded event per namespace per this long, per node: a client retrying a refused push must not flood subscribers. */
export const QUOTA_EXCEEDED_EVENT_MS = 60_000;

/** A namespace's usage as the admin API reports it. */
export interface NamespaceUsage {
  namespace: string;
  /** Bytes of the distinct blobs its repositories link. */
  usedBytes: number;
  /** The quota, or null when there is none. */
  quotaBytes: number | null;
  /** Each repository's linked bytes (a blob shared by two repositories counts in both). */
  repositories: RepositoryUsage[];
}

/**
 * Storage quotas per namespace, counted in unique blob bytes. The store enforces a quota inside
 * the transaction that links a blob (BlobStore.commit and .mount), so concurrent pushes can't
 * pass one check together; this service says which quota applies and turns refusals into DENIED.
 * Manifests are not counted: they live in the metadata store and are small.
 */
export class QuotaService {
  private readonly cache: BoundedCache<{ quotaBytes: number | undefined }>;
  private readonly exceededReported = new BoundedCache<true>({ max: CACHE_ENTRIES });

  /** `names`: the registry's one mapping of repository names to namespaces. */
  constructor(
    private readonly store: MetadataStore,
    private readonly names: NamespaceMap,
    ttlMs = QUOTA_TTL_MS,
    /** A quota.exceeded event that could not be written: the refusal stands, the operator is told. */
    private readonly onEventError: (error: unknown) => void = () => undefined,
  ) {
    this.cache = new BoundedCache({ max: CACHE_ENTRIES, ttlMs });
  }

  /** The repository's namespace and the store's description of its repositories. */
  namespaceScope(repository: string): { namespace: string; scope: RepositoryScope } {
    const namespace = this.names.namespaceOf(repository);
    return { namespace, scope: this.names.scopeOf(namespace) };
  }

  /** The quota a link into the repository must respect, or undefined when its namespace has none. */
  async quotaFor(repository: string): Promise<BlobQuota | undefined> {
    const namespace = this.names.namespaceOf(repository);
    const limitBytes = await this.limitOf(namespace);
    return limitBytes === undefined ? undefined : { namespace, scope: this.names.scopeOf(namespace), limitBytes };
  }

  /**
   * Before an upload begins: DENIED when the namespace already uses its whole quota, so a client
   * doesn't send bytes that can't be kept. A cheap early answer without a lock; the commit decides.
   */
  async assertRoom(repository: string, origin?: EventOrigin): Promise<void> {
    const room = await this.room(repository);
    if (room && room.remainingBytes <= 0) throw await this.denied(repository, { ...room.refusal, blobBytes: 0 }, origin);
  }

  /**
   * What the namespace's quota leaves for more upload bytes now (blobs and unfinished uploads
   * counted), or undefined when there is no quota. An early answer without a lock: the offset
   * update checks again under it. `refusal` is the refusal to raise when a chunk needs more.
   */
  async room(repository: string): Promise<{ quota: BlobQuota; remainingBytes: number; refusal: QuotaRefusal } | undefined> {
    const quota = await this.quotaFor(repository);
    if (quota === undefined) return undefined;
    const [blobBytes, uploadBytes] = await Promise.all([this.store.usage.usage(quota.scope), this.store.usage.uploadUsage(quota.scope)]);
    const usedBytes = blobBytes + uploadBytes;
    return {
      quota,
      remainingBytes: quota.limitBytes - usedBytes,
      refusal: { status: 'over-quota', namespace: quota.namespace, quotaBytes: quota.limitBytes, usedBytes, uploadBytes, blobBytes: 0 },
    };
  }

  /**
   * The refusal as the client sees it (quotaDenied), after writing a quota.exceeded event. The
   * refusal changed nothing, so the event is written on its own, not in a change's transaction.
   */
  async denied(repository: string, refusal: QuotaRefusal, origin?: EventOrigin, what: 'blob' | 'chunk' = 'blob', cutOff = false): Promise<RegistryError> {
    if (this.exceededReported.get(refusal.namespace) === undefined) {
      this.exceededReported.set(refusal.namespace, true, Date.now() + QUOTA_EXCEEDED_EVENT_MS);
      const { status: _status, ...figures } = refusal;
      await this.store.events.append([{ event: { type: 'quota.exceeded', repository, data: figures }, origin: origin ?? {} }]).catch(this.onEventError);
    }
    return quotaDenied(refusal, what, cutOff);
  }

  /** A namespace's usage, in total and per repository. */
  async usage(namespace: string): Promise<NamespaceUsage> {
    const scope = this.names.scopeOf(namespace);
    const [usedBytes, repositories, limitBytes] = await Promise.all([this.store.usage.usage(scope), this.store.usage.repositoryUsage(scope), this.limitOf(namespace, true)]);
    return { namespace, usedBytes, quotaBytes: limitBytes ?? null, repositories };
  }

  /** Forgets this node's copy of the namespace's quota (it was just changed here). */
  invalidate(namespace: string): void {
    this.cache.delete(namespace);
  }

  private async limitOf(namespace: string, fresh = false): Promise<number | undefined> {
    const cached = fresh ? undefined : this.cache.get(namespace);
    if (cached) return cached.quotaBytes;
    const quotaBytes = (await this.store.namespaces.get(namespace))?.quotaBytes;
    this.cache.set(namespace, { quotaBytes });
    return quotaBytes;
  }
}

/**
 * The refusal as the client sees it: DENIED (403), naming the namespace and its quota. `what`
 * says what needed the bytes: a blob being linked (or sent whole), or an upload's chunk; `cutOff`
 * when a body without Content-Length was cut off past the room (`blobBytes` then counts the byte
 * that overflowed).
 */
export function quotaDenied(refusal: QuotaRefusal, what: 'blob' | 'chunk' = 'blob', cutOff = false): RegistryError {
  const { namespace, quotaBytes, usedBytes, uploadBytes, blobBytes } = refusal;
  const uses = `it uses ${formatBytes(usedBytes)}${uploadBytes > 0 ? ` (${formatBytes(uploadBytes)} of it in unfinished uploads)` : ''}`;
  const reason =
    blobBytes === 0
      ? `namespace ${namespace} is at its storage quota of ${formatBytes(quotaBytes)}: ${uses}`
      : `namespace ${namespace} is over its storage quota of ${formatBytes(quotaBytes)}: ${uses} and this ${what} needs ${cutOff ? `more than ${formatBytes(blobBytes - 1)}` : formatBytes(blobBytes)}`;
  // The message carries the reason too: docker and other clients print the message, not the detail.
  return new RegistryError('QUOTA_EXCEEDED', { message: reason, detail: { reason, quotaBytes, usedBytes, ...(uploadBytes > 0 ? { uploadBytes } : {}), blobBytes } });
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes for people: `512 B`, `1.5 KiB`, `1.0 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
