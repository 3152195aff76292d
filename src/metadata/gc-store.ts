/**
 * What online garbage collection asks of the metadata store (docs/architecture.md, "Garbage
 * collection"): a snapshot to mark from, and sweeps that re-check their condition under a row
 * lock in the transaction that deletes, so anything a push touched since the snapshot survives.
 */
import { sql, type Kysely } from 'kysely';
import { referencedUnderLock } from './referenced-under-lock.js';
import type { Database } from './schema.js';

/** Everything the mark phase reads, as of one moment. */
export interface GcSnapshot {
  manifests: { repositoryId: number; repository: string; digest: string; subject: string | null; size: number; createdAt: number }[];
  /** (repository, digest) pairs some tag pointed to since the history window began. */
  recentlyTagged: { repositoryId: number; digest: string }[];
  tags: { repositoryId: number; digest: string }[];
  references: { repositoryId: number; parent: string; child: string; kind: 'blob' | 'manifest' }[];
  links: { repositoryId: number; repository: string; digest: string; seenAt: number }[];
  blobs: { digest: string; size: number; seenAt: number; deleting: boolean }[];
}

/** The store side of garbage collection (see each method on KyselyGcStore). */
export interface GcStore {
  snapshot(historySince?: number): Promise<GcSnapshot>;
  deleteManifestIfGarbage(repositoryId: number, digest: string, cutoff: number, historySince?: number): Promise<boolean>;
  unlinkIfGarbage(repositoryId: number, digest: string, cutoff: number): Promise<boolean>;
  markDeleting(digest: string, cutoff: number): Promise<boolean>;
  markedBlobs(): Promise<{ digest: string; size: number }[]>;
  forgetBlob(digest: string): Promise<void>;
  blobKnown(digest: string): Promise<boolean>;
  /** Whether the database knows any blob at all (storage binding and the orphan sweep's guard). */
  hasBlobs(): Promise<boolean>;
  staleUploads(cutoff: number): Promise<{ id: string; repository: string }[]>;
  hasTable(name: string): Promise<boolean>;
}

/** The store side of garbage collection through Kysely. */
export class KyselyGcStore implements GcStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks: boolean,
  ) {}

  /** Reads what the mark phase needs. Not one transaction: the sweeps re-check everything. */
  async snapshot(historySince?: number): Promise<GcSnapshot> {
    const manifests = await this.db
      .selectFrom('manifests')
      .innerJoin('repositories', 'repositories.id', 'manifests.repository_id')
      .select(['manifests.repository_id', 'repositories.name', 'manifests.digest', 'manifests.subject', 'manifests.size', 'manifests.created_at'])
      .execute();
    const tags = await this.db.selectFrom('tags').select(['repository_id', 'digest']).execute();
    const references = await this.db.selectFrom('manifest_references').select(['repository_id', 'manifest_digest', 'reference_digest', 'kind']).execute();
    const links = await this.db
      .selectFrom('repository_blobs')
      .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
      .select(['repository_blobs.repository_id', 'repositories.name', 'repository_blobs.digest', 'repository_blobs.seen_at'])
      .execute();
    const blobs = await this.db.selectFrom('blobs').select(['digest', 'size', 'seen_at', 'deleting_at']).execute();
    const recentlyTagged =
      historySince === undefined
        ? []
        : (
            await sql<{ repository_id: number; digest: string }>`select repository_id, old_digest as digest from tag_events where at >= ${historySince} and old_digest is not null union select repository_id, new_digest as digest from tag_events where at >= ${historySince} and new_digest is not null`.execute(this.db)
          ).rows;
    return {
      recentlyTagged: recentlyTagged.map((r) => ({ repositoryId: Number(r.repository_id), digest: r.digest })),
      manifests: manifests.map((m) => ({ repositoryId: Number(m.repository_id), repository: m.name, digest: m.digest, subject: m.subject, size: Number(m.size), createdAt: Number(m.created_at) })),
      tags: tags.map((t) => ({ repositoryId: Number(t.repository_id), digest: t.digest })),
      references: references.map((r) => ({ repositoryId: Number(r.repository_id), parent: r.manifest_digest, child: r.reference_digest, kind: r.kind })),
      links: links.map((l) => ({ repositoryId: Number(l.repository_id), repository: l.name, digest: l.digest, seenAt: Number(l.seen_at) })),
      blobs: blobs.map((b) => ({ digest: b.digest, size: Number(b.size), seenAt: Number(b.seen_at), deleting: b.deleting_at !== null })),
    };
  }

  /**
   * Deletes an untagged manifest that no index in its repository lists, whose subject (if any) is
   * gone and which is older than `cutoff` — checked after locking its row, in new statements, so
   * a put that tagged or referenced it meanwhile wins. With `historySince`, a manifest some tag
   * pointed to at or after that time is kept too (tag history, so a rollback finds it).
   */
  async deleteManifestIfGarbage(repositoryId: number, digest: string, cutoff: number, historySince?: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // The repository row is the lock every tag change takes (tag-changes.ts): holding it, no
      // push can tag or re-put this manifest until we commit, and a push that comes after finds
      // it gone and stores it anew. SKIP LOCKED: a busy repository or manifest is left for the
      // next run — GC never waits, so it can't deadlock with a put that share-locked a child.
      if (this.rowLocks) {
        const free = await trx.selectFrom('repositories').select('id').where('id', '=', repositoryId).forUpdate().skipLocked().executeTakeFirst();
        if (!free) return false;
      }
      const locked = await referencedUnderLock(trx, { kind: 'manifest', repositoryId, digest, rowLocks: this.rowLocks, skipLocked: true });
      if (!locked || locked.referencedBy !== undefined) return false;
      const { row } = locked;
      if (Number(row.created_at) >= cutoff) return false;
      const tagged = await trx.selectFrom('tags').select('name').where('repository_id', '=', repositoryId).where('digest', '=', digest).limit(1).executeTakeFirst();
      if (tagged) return false;
      if (row.subject !== null) {
        const subject = await trx.selectFrom('manifests').select('digest').where('repository_id', '=', repositoryId).where('digest', '=', row.subject).executeTakeFirst();
        if (subject) return false;
      }
      if (historySince !== undefined) {
        // tag_events comes with a later migration than this store's other tables, hence raw SQL.
        const recent = await sql<{ one: number }>`select 1 as one from tag_events where repository_id = ${repositoryId} and (old_digest = ${digest} or new_digest = ${digest}) and at >= ${historySince} limit 1`.execute(trx);
        if (recent.rows.length > 0) return false;
      }
      await trx.deleteFrom('manifest_references').where('repository_id', '=', repositoryId).where('manifest_digest', '=', digest).execute();
      await trx.deleteFrom('manifests').where('repository_id', '=', repositoryId).where('digest', '=', digest).execute();
      return true;
    });
  }

  /** Removes a repository's link to a blob no manifest of the repository uses, unseen since `cutoff`. */
  async unlinkIfGarbage(repositoryId: number, digest: string, cutoff: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Lock first (a manifest put share-locks the links it needs), then look in new statements.
      const locked = await referencedUnderLock(trx, { kind: 'blob', repositoryId, digest, rowLocks: this.rowLocks });
      if (!locked || locked.referencedBy !== undefined || Number(locked.row.seen_at) >= cutoff) return false;
      await trx.deleteFrom('repository_blobs').where('repository_id', '=', repositoryId).where('digest', '=', digest).execute();
      return true;
    });
  }

  /**
   * Marks a blob no repository links, unseen since `cutoff`, as being deleted. From then on no
   * mount links it and an upload of the same digest waits for the row to go (BlobStore.claim).
   */
  async markDeleting(digest: string, cutoff: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const blob = await trx
        .selectFrom('blobs')
        .select(['seen_at', 'deleting_at'])
        .where('digest', '=', digest)
        .$if(this.rowLocks, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!blob || blob.deleting_at !== null || Number(blob.seen_at) >= cutoff) return false;
      const linked = await trx.selectFrom('repository_blobs').select('repository_id').where('digest', '=', digest).limit(1).executeTakeFirst();
      if (linked) return false;
      await trx.updateTable('blobs').set({ deleting_at: Date.now() }).where('digest', '=', digest).execute();
      return true;
    });
  }

  /** Blobs marked as being deleted (their bytes may still be there: a GC stopped half-way). */
  async markedBlobs(): Promise<{ digest: string; size: number }[]> {
    const rows = await this.db.selectFrom('blobs').select(['digest', 'size']).where('deleting_at', 'is not', null).execute();
    return rows.map((row) => ({ digest: row.digest, size: Number(row.size) }));
  }

  /** Drops a marked blob's row, once its bytes are gone. */
  async forgetBlob(digest: string): Promise<void> {
    await this.db.deleteFrom('blobs').where('digest', '=', digest).where('deleting_at', 'is not', null).execute();
  }

  /** Whether a blob row exists for the digest (the orphan-file sweep's re-check). */
  async blobKnown(digest: string): Promise<boolean> {
    return (await this.db.selectFrom('blobs').select('digest').where('digest', '=', digest).executeTakeFirst()) !== undefined;
  }

  /** Whether any blob row exists. */
  async hasBlobs(): Promise<boolean> {
    return (await this.db.selectFrom('blobs').select('digest').limit(1).executeTakeFirst()) !== undefined;
  }

  /** Upload sessions untouched since `cutoff`. */
  async staleUploads(cutoff: number): Promise<{ id: string; repository: string }[]> {
    return this.db.selectFrom('uploads').select(['id', 'repository']).where('updated_at', '<', cutoff).execute();
  }

  /** True when the database has the table (features whose migration may come later). */
  async hasTable(name: string): Promise<boolean> {
    const tables = await this.db.introspection.getTables();
    return tables.some((table) => table.name === name);
  }
}
