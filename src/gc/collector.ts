/**
 * Online garbage collection: mark from a snapshot, then sweep with every deletion re-checked
 * under a row lock (docs/architecture.md, "Garbage collection", argues why no push loses data).
 *
 * Mark: a manifest is live when a tag points at it, a tag pointed at it within the history
 * window, it is younger than the grace period, a live index lists it, or its subject is live
 * (referrers follow their subject). A repository's blob link is live when a live manifest of
 * the repository uses it or a push touched it within the grace period. A blob is live while any
 * link is. Everything else goes: manifests (indexes before their children, subjects before
 * their referrers), then links, then blobs (row marked, bytes deleted, row dropped), then upload
 * sessions idle past their TTL and blob files that have no row at all.
 */
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { GcSnapshot } from '../metadata/gc-store.js';
import { Exclusive } from '../cluster/exclusive.js';
import type { BlobDriver } from '../storage/blob-driver.js';
import { BLOBS_PREFIX, blobDataPath, digestOfBlobPath, uploadPrefix } from '../storage/paths.js';
import { parseDigest } from '../oci/index.js';

/** How a collection behaves. */
export interface GcSettings {
  /** Nothing touched more recently than this is collected (the leases' length). */
  graceMs: number;
  /** Manifests a tag pointed to within this window are kept (rollback), 0 for none. */
  tagHistoryMs: number;
  /** Upload sessions idle longer than this are purged. */
  uploadTtlMs: number;
}

/** Progress of a phase, for a TTY progress line. */
export type GcProgress = (phase: GcPhase, done: number, total: number) => void;
export type GcPhase = 'mark' | 'manifests' | 'links' | 'blobs' | 'uploads' | 'files';

/** What a collection removed (or, dry, would remove). */
export interface GcReport {
  dryRun: boolean;
  manifests: { repository: string; digest: string; size: number }[];
  links: { repository: string; digest: string }[];
  blobs: { digest: string; size: number }[];
  uploads: { id: string; repository: string }[];
  /** Blob files that had no row (left by a crash between placing bytes and committing). */
  orphanFiles: string[];
  /** Unfinished writes a crashed process left in the object store (S3 multipart uploads), aborted. */
  incompleteWrites: number;
  /** Bytes of blob data freed (blobs and orphan files). */
  bytesReclaimed: number;
  durationMs: number;
}

type Key = string;
const key = (repositoryId: number, digest: string): Key => `${repositoryId}\u0000${digest}`;

/** The mark phase on a snapshot: what is garbage as of `now`. Pure, so dry runs use it too. */
export function markGarbage(snapshot: GcSnapshot, now: number, settings: GcSettings): { manifests: GcSnapshot['manifests']; links: GcSnapshot['links']; blobs: GcSnapshot['blobs'] } {
  const cutoff = now - settings.graceMs;
  const live = new Set<Key>();
  const byKey = new Map(snapshot.manifests.map((m) => [key(m.repositoryId, m.digest), m]));
  const queue: Key[] = [];
  const mark = (k: Key): void => {
    if (!live.has(k) && byKey.has(k)) {
      live.add(k);
      queue.push(k);
    }
  };
  for (const tag of snapshot.tags) mark(key(tag.repositoryId, tag.digest));
  for (const recent of snapshot.recentlyTagged) mark(key(recent.repositoryId, recent.digest));
  for (const manifest of snapshot.manifests) if (manifest.createdAt >= cutoff) mark(key(manifest.repositoryId, manifest.digest));

  const children = new Map<Key, Key[]>();
  const blobsOf = new Map<Key, string[]>();
  for (const ref of snapshot.references) {
    const parent = key(ref.repositoryId, ref.parent);
    if (ref.kind === 'manifest') children.set(parent, [...(children.get(parent) ?? []), key(ref.repositoryId, ref.child)]);
    else blobsOf.set(parent, [...(blobsOf.get(parent) ?? []), ref.child]);
  }
  const referrers = new Map<Key, Key[]>();
  for (const manifest of snapshot.manifests) {
    if (manifest.subject === null) continue;
    const subject = key(manifest.repositoryId, manifest.subject);
    referrers.set(subject, [...(referrers.get(subject) ?? []), key(manifest.repositoryId, manifest.digest)]);
  }
  // A referrer whose subject was never pushed stays within the grace period only (marked above).
  for (let k = queue.pop(); k !== undefined; k = queue.pop()) {
    for (const child of children.get(k) ?? []) mark(child);
    for (const referrer of referrers.get(k) ?? []) mark(referrer);
  }

  const liveLinks = new Set<Key>();
  for (const k of live) {
    const manifest = byKey.get(k);
    if (manifest) for (const digest of blobsOf.get(k) ?? []) liveLinks.add(key(manifest.repositoryId, digest));
  }
  const links = snapshot.links.filter((link) => link.seenAt < cutoff && !liveLinks.has(key(link.repositoryId, link.digest)));
  const goneLinks = new Set(links.map((link) => key(link.repositoryId, link.digest)));
  const stillLinked = new Set(snapshot.links.filter((link) => !goneLinks.has(key(link.repositoryId, link.digest))).map((link) => link.digest));
  const blobs = snapshot.blobs.filter((blob) => blob.deleting || (blob.seenAt < cutoff && !stillLinked.has(blob.digest)));
  return { manifests: snapshot.manifests.filter((m) => !live.has(key(m.repositoryId, m.digest))), links, blobs };
}

/** Runs garbage collection against a store and a driver. */
export class GarbageCollector {
  private running: Promise<GcReport> | undefined;
  /** Told of every deleting run that finished (the server counts them in /metrics). */
  onRunFinished: ((report: GcReport) => void) | undefined;

  /**
   * `onManifestDeleted`: caches of manifests by digest must forget what GC deleted.
   * `exclusive`: collections delete under the `gc` lease, so one node of many collects at a time.
   */
  constructor(
    private readonly store: MetadataStore,
    private readonly driver: BlobDriver,
    readonly settings: GcSettings,
    private readonly onManifestDeleted: (repository: string, digest: string) => void = () => undefined,
    private readonly exclusive: Exclusive = new Exclusive(store.leases),
  ) {}

  /**
   * One collection (a second call while one runs joins it). A deleting run throws
   * {@link LeaseBusyError} while another node (or `berth gc`) collects; a dry run only reads.
   */
  run(options: { dryRun?: boolean; onProgress?: GcProgress } = {}): Promise<GcReport> {
    const dryRun = options.dryRun ?? false;
    const progress = options.onProgress ?? (() => undefined);
    this.running ??= (dryRun ? this.collect(true, progress) : this.exclusive.run('gc', () => this.collect(false, progress))).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async collect(dryRun: boolean, progress: GcProgress): Promise<GcReport> {
    const started = Date.now();
    const withHistory = this.settings.tagHistoryMs > 0 && (await this.store.gc.hasTable('tag_events'));
    const historySince = withHistory ? started - this.settings.tagHistoryMs : undefined;
    progress('mark', 0, 1);
    const snapshot = await this.store.gc.snapshot(historySince);
    const garbage = markGarbage(snapshot, started, this.settings);
    progress('mark', 1, 1);
    const cutoff = started - this.settings.graceMs;
    const uploads = await this.store.gc.staleUploads(started - this.settings.uploadTtlMs);
    const report: GcReport = { dryRun, manifests: [], links: [], blobs: [], uploads: [], orphanFiles: [], incompleteWrites: 0, bytesReclaimed: 0, durationMs: 0 };
    if (dryRun) {
      report.manifests = garbage.manifests.map(({ repository, digest, size }) => ({ repository, digest, size }));
      report.links = garbage.links.map(({ repository, digest }) => ({ repository, digest }));
      report.blobs = garbage.blobs.map(({ digest, size }) => ({ digest, size }));
      report.uploads = uploads;
      report.bytesReclaimed = report.blobs.reduce((sum, blob) => sum + blob.size, 0);
      report.durationMs = Date.now() - started;
      return report;
    }

    // Indexes before their children and subjects before their referrers: a round deletes what
    // nothing references any more; the next round finds what that freed.
    let pending = garbage.manifests;
    for (let round = 0; pending.length > 0; round++) {
      const next: typeof pending = [];
      for (const manifest of pending) {
        if (await this.store.gc.deleteManifestIfGarbage(manifest.repositoryId, manifest.digest, cutoff, historySince)) {
          this.onManifestDeleted(manifest.repository, manifest.digest);
          report.manifests.push({ repository: manifest.repository, digest: manifest.digest, size: manifest.size });
        } else {
          next.push(manifest);
        }
        progress('manifests', report.manifests.length, garbage.manifests.length);
      }
      if (next.length === pending.length) break;
      pending = next;
    }
    // The manifests just deleted freed more links than the snapshot knew: mark again.
    const afterManifests = report.manifests.length > 0 ? markGarbage(await this.store.gc.snapshot(historySince), started, this.settings) : garbage;
    for (const [i, link] of afterManifests.links.entries()) {
      if (await this.store.gc.unlinkIfGarbage(link.repositoryId, link.digest, cutoff)) report.links.push({ repository: link.repository, digest: link.digest });
      progress('links', i + 1, afterManifests.links.length);
    }
    const blobCandidates = report.links.length > 0 ? markGarbage(await this.store.gc.snapshot(historySince), started, this.settings).blobs : afterManifests.blobs;
    for (const [i, blob] of blobCandidates.entries()) {
      if (blob.deleting || (await this.store.gc.markDeleting(blob.digest, cutoff))) {
        await this.driver.delete(blobDataPath(parseDigest(blob.digest)));
        await this.store.gc.forgetBlob(blob.digest);
        report.blobs.push({ digest: blob.digest, size: blob.size });
        report.bytesReclaimed += blob.size;
      }
      progress('blobs', i + 1, blobCandidates.length);
    }
    for (const [i, upload] of uploads.entries()) {
      if (await this.store.uploads.delete(upload.id)) {
        await this.driver.delete(uploadPrefix(upload.id));
        report.uploads.push(upload);
      }
      progress('uploads', i + 1, uploads.length);
    }
    await this.sweepOrphanFiles(cutoff, report, progress);
    // Multipart uploads of writers that died mid-request hold storage the object store bills for.
    report.incompleteWrites = (await this.driver.purgeIncompleteWrites?.(new Date(started - this.settings.uploadTtlMs))) ?? 0;
    report.durationMs = Date.now() - started;
    this.onRunFinished?.(report);
    return report;
  }

  /** Blob files with no row, older than the grace period: bytes a crash left before their commit. */
  private async sweepOrphanFiles(cutoff: number, report: GcReport, progress: GcProgress): Promise<void> {
    const paths = await this.driver.list(BLOBS_PREFIX);
    for (const [i, path] of paths.entries()) {
      progress('files', i + 1, paths.length);
      const digest = digestOfBlobPath(path);
      if (!digest || (await this.store.gc.blobKnown(digest.toString()))) continue;
      const stat = await this.driver.stat(path);
      if (!stat || stat.modifiedAt.getTime() >= cutoff) continue;
      // Re-checked just before deleting: an upload commits its row right after placing the file.
      if (await this.store.gc.blobKnown(digest.toString())) continue;
      await this.driver.delete(path);
      report.orphanFiles.push(path);
      report.bytesReclaimed += stat.size;
    }
  }
}
