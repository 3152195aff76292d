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
 * sessions idle past their TTL and blob files that have no row at all. Under the same lease,
 * audit events past their retention are pruned. Every run is recorded in the run history.
 */
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { GcSnapshot } from '../metadata/gc-store.js';
import type { GcRunCounts, GcRunRecord } from '../metadata/gc-run-store.js';
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
  /** Audit events older than this are pruned by each (non-dry) run; 0 keeps them forever. */
  auditRetentionMs?: number;
}

/**
 * The orphan sweep would treat every blob file as an orphan: the database knows no blobs but
 * storage holds blob files — another database's, most likely. The run deleted nothing.
 */
export class OrphanSweepRefusedError extends Error {
  constructor(readonly files: number) {
    super(
      `refusing the orphan sweep: the database knows no blobs but storage holds ${files} blob file(s) older than the grace period, which would all be deleted as orphans; ` +
        'they most likely belong to another database (give the registry\'s own metadata URL: --metadata-url or BERTH_METADATA_URL)',
    );
    this.name = 'OrphanSweepRefusedError';
  }
}

/** Audit events deleted per statement: small enough that no delete holds the table for long. */
const AUDIT_PRUNE_BATCH = 1000;

/** Progress of a phase, for a TTY progress line. */
export type GcProgress = (phase: GcPhase, done: number, total: number) => void;
export type GcPhase = 'mark' | 'manifests' | 'links' | 'blobs' | 'uploads' | 'files' | 'audit';

/** What a collection removed (or, dry, would remove). */
export interface GcReport {
  dryRun: boolean;
  manifests: { repository: string; digest: string; size: number }[];
  links: { repository: string; digest: string }[];
  blobs: { digest: string; size: number }[];
  uploads: { id: string; repository: string }[];
  /** Blob files that had no row (left by a crash between placing bytes and committing). */
  orphanFiles: string[];
  /** Audit events pruned past audit.retentionDays (dry runs prune none). */
  auditEvents: number;
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
  private readonly listeners: ((run: GcRunRecord) => void)[] = [];

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
    this.running ??= (dryRun ? this.recorded(true, progress) : this.exclusive.run('gc', () => this.recorded(false, progress))).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Calls `listener` with every run this collector finished (or that failed), as recorded in
   * the run history: the hook for metrics (runs, bytes reclaimed). A run refused because
   * another node holds the lease never started and is not reported.
   */
  onFinished(listener: (run: GcRunRecord) => void): void {
    this.listeners.push(listener);
  }

  /** A collection, written to the run history (gc_runs) as it starts and when it ends. */
  private async recorded(dryRun: boolean, progress: GcProgress): Promise<GcReport> {
    const startedAt = new Date();
    const node = this.exclusive.holder;
    const id = await this.store.gcRuns.start({ node, dryRun, startedAt });
    let report: GcReport | undefined;
    let failure: unknown;
    try {
      report = await this.collect(dryRun, progress);
      return report;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const counts = report ? countsOf(report) : { manifests: 0, links: 0, blobs: 0, uploads: 0, orphanFiles: 0, auditEvents: 0, bytesReclaimed: 0 };
      const error = failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure);
      const finishedAt = new Date();
      await this.store.gcRuns.finish(id, { finishedAt, counts, ...(error === undefined ? {} : { error }) }).catch(() => undefined);
      const run: GcRunRecord = { id, startedAt, finishedAt, node, dryRun, ...counts, ...(error === undefined ? {} : { error }) };
      for (const listener of this.listeners) listener(run);
    }
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
    const report: GcReport = { dryRun, manifests: [], links: [], blobs: [], uploads: [], orphanFiles: [], auditEvents: 0, incompleteWrites: 0, bytesReclaimed: 0, durationMs: 0 };
    if (dryRun) {
      report.manifests = garbage.manifests.map(({ repository, digest, size }) => ({ repository, digest, size }));
      report.links = garbage.links.map(({ repository, digest }) => ({ repository, digest }));
      report.blobs = garbage.blobs.map(({ digest, size }) => ({ digest, size }));
      report.uploads = uploads;
      report.bytesReclaimed = report.blobs.reduce((sum, blob) => sum + blob.size, 0);
      // The sweep is what once deleted another database's blobs: a dry run must show it too.
      await this.sweepOrphanFiles(cutoff, report, progress, true);
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
    await this.sweepOrphanFiles(cutoff, report, progress, false);
    // Multipart uploads of writers that died mid-request hold storage the object store bills for.
    report.incompleteWrites = (await this.driver.purgeIncompleteWrites?.(new Date(started - this.settings.uploadTtlMs))) ?? 0;
    report.auditEvents = await this.pruneAudit(started, progress);
    report.durationMs = Date.now() - started;
    return report;
  }

  /** Deletes audit events past their retention in bounded batches; returns how many went. */
  private async pruneAudit(now: number, progress: GcProgress): Promise<number> {
    const retention = this.settings.auditRetentionMs ?? 0;
    if (retention <= 0) return 0;
    const before = new Date(now - retention);
    let total = 0;
    for (;;) {
      const deleted = await this.store.audit.deleteOlderThan(before, AUDIT_PRUNE_BATCH);
      total += deleted;
      progress('audit', total, total);
      if (deleted < AUDIT_PRUNE_BATCH) return total;
    }
  }

  /** Blob files with no row, older than the grace period: bytes a crash left before their commit. */
  private async sweepOrphanFiles(cutoff: number, report: GcReport, progress: GcProgress, dryRun: boolean): Promise<void> {
    const paths = await this.driver.list(BLOBS_PREFIX);
    const orphans: { path: string; digest: string; size: number }[] = [];
    for (const [i, path] of paths.entries()) {
      progress('files', i + 1, paths.length);
      const digest = digestOfBlobPath(path);
      if (!digest || (await this.store.gc.blobKnown(digest.toString()))) continue;
      const stat = await this.driver.stat(path);
      if (!stat || stat.modifiedAt.getTime() >= cutoff) continue;
      orphans.push({ path, digest: digest.toString(), size: stat.size });
    }
    // A crash leaves a file or two without a row; a database that knows no blob at all while
    // old files lie there is not these files' database (issue #10: it deleted them all).
    if (orphans.length > 0 && !(await this.store.gc.hasBlobs())) throw new OrphanSweepRefusedError(orphans.length);
    for (const orphan of orphans) {
      // Re-checked just before deleting: an upload commits its row right after placing the file.
      if (await this.store.gc.blobKnown(orphan.digest)) continue;
      if (!dryRun) await this.driver.delete(orphan.path);
      report.orphanFiles.push(orphan.path);
      report.bytesReclaimed += orphan.size;
    }
  }
}

/** A report's counts as the run history keeps them. */
export function countsOf(report: GcReport): GcRunCounts {
  return {
    manifests: report.manifests.length,
    links: report.links.length,
    blobs: report.blobs.length,
    uploads: report.uploads.length,
    orphanFiles: report.orphanFiles.length,
    auditEvents: report.auditEvents,
    bytesReclaimed: report.bytesReclaimed,
  };
}
