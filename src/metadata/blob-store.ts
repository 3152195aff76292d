import type { Kysely } from 'kysely';
import { writeEvents, type EventOrigin, type NewEvent } from './event-store.js';
import type { BlobRecord, BlobStore, UnlinkResult } from './metadata-store.js';
import { ensureRepositoryId, findRepositoryId } from './repository-store.js';
import { lockRow } from './referenced-under-lock.js';
import type { Database } from './schema.js';
import { checkQuota, crossesQuotaWarning, type BlobQuota, type QuotaRefusal, type QuotaRoom } from './usage-store.js';

/**
 * Blobs and repository blob links through Kysely.
 *
 * `rowLocks` is true on PostgreSQL: unlink takes `FOR UPDATE` on the link before checking
 * manifest_references, pairing with the `FOR SHARE` a manifest put takes on the links it checks
 * (see manifest-put.ts). SQLite runs one writer at a time, so it needs no row locks.
 */
export class KyselyBlobStore implements BlobStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks: boolean,
  ) {}

  async claim(digest: string): Promise<'claimed' | 'absent' | 'busy'> {
    return this.db.transaction().execute(async (trx) => {
      // The update takes the row lock GC's markDeleting takes too: one of them goes first, and
      // GC never marks a blob seen within its grace period.
      const renewed = await trx.updateTable('blobs').set({ seen_at: Date.now() }).where('digest', '=', digest).where('deleting_at', 'is', null).executeTakeFirst();
      if (renewed.numUpdatedRows > 0n) return 'claimed';
      const row = await trx.selectFrom('blobs').select('digest').where('digest', '=', digest).executeTakeFirst();
      return row ? 'busy' : 'absent';
    });
  }

  async commit(repository: string, digest: string, size: number, quota?: BlobQuota, origin?: EventOrigin): Promise<'committed' | 'busy' | QuotaRefusal> {
    return this.db.transaction().execute(async (trx) => {
      // Checked before anything is written, so a refusal changes nothing.
      const check = quota && (await checkQuota(trx, quota, digest, size, this.rowLocks));
      if (check?.status === 'over-quota') return check;
      const now = Date.now();
      // The same digest is the same bytes: a second commit, racing or not, only renews the lease.
      await trx
        .insertInto('blobs')
        .values({ digest, size, created_at: now, seen_at: now, deleting_at: null })
        .onConflict((oc) => oc.column('digest').doUpdateSet({ seen_at: now }).where('blobs.deleting_at', 'is', null))
        .execute();
      const blob = await trx.selectFrom('blobs').select('deleting_at').where('digest', '=', digest).$if(this.rowLocks, (q) => q.forShare()).executeTakeFirst();
      if (!blob || blob.deleting_at !== null) return 'busy';
      const repositoryId = await ensureRepositoryId(trx, repository);
      await linkBlob(trx, repositoryId, digest, now);
      if (quota?.closing !== undefined) await trx.deleteFrom('uploads').where('id', '=', quota.closing).execute();
      await writeEvents(trx, this.rowLocks, [{ type: 'blob.uploaded', repository, target: { digest, size } }, ...quotaWarning(repository, check, size)], origin, now);
      return 'committed';
    });
  }

  async touch(repository: string, digest: string): Promise<boolean> {
    const repositoryId = await findRepositoryId(this.db, repository);
    if (repositoryId === undefined) return false;
    const result = await this.db.updateTable('repository_blobs').set({ seen_at: Date.now() }).where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async stat(repository: string, digest: string): Promise<BlobRecord | undefined> {
    return statIn(this.db, repository, digest);
  }

  async statAny(digest: string): Promise<BlobRecord | undefined> {
    return statLinkedAnywhere(this.db, digest);
  }

  async mount(repository: string, digest: string, from?: string, quota?: BlobQuota, origin?: EventOrigin): Promise<BlobRecord | QuotaRefusal | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const found = from === undefined ? await statLinkedAnywhere(trx, digest) : await statIn(trx, from, digest);
      if (found === undefined) return undefined;
      const check = quota && (await checkQuota(trx, quota, digest, found.size, this.rowLocks));
      if (check?.status === 'over-quota') return check;
      // Share-lock the blob row so GC's markDeleting (FOR UPDATE) waits for this link, and refuse
      // a blob GC has begun to delete.
      const blob = await trx.selectFrom('blobs').select('deleting_at').where('digest', '=', digest).$if(this.rowLocks, (q) => q.forShare()).executeTakeFirst();
      if (!blob || blob.deleting_at !== null) return undefined;
      const repositoryId = await ensureRepositoryId(trx, repository);
      await linkBlob(trx, repositoryId, digest, Date.now());
      // A mount completes an upload too (201 like a PUT), as Distribution's `mount` action.
      const mounted: NewEvent = { type: 'blob.uploaded', repository, target: { digest, size: found.size }, data: { mounted: true, ...(from === undefined ? {} : { from }) } };
      await writeEvents(trx, this.rowLocks, [mounted, ...quotaWarning(repository, check, found.size)], origin);
      return { digest: found.digest, size: found.size };
    });
  }

  async unlink(repository: string, digest: string): Promise<UnlinkResult> {
    return this.db.transaction().execute(async (trx): Promise<UnlinkResult> => {
      const repositoryId = await findRepositoryId(trx, repository);
      if (repositoryId === undefined) return { status: 'unknown' };
      // Lock first: a manifest put share-locks the links it depends on, so the two serialise.
      // An OCI blob delete unlinks even a blob a manifest lists, so only the lock step is shared.
      const link = await lockRow(trx, { kind: 'blob', repositoryId, digest, rowLocks: this.rowLocks });
      if (link === undefined) return { status: 'unknown' };
      await trx
        .deleteFrom('repository_blobs')
        .where('repository_id', '=', repositoryId)
        .where('digest', '=', digest)
        .execute();
      return { status: 'deleted' };
    });
  }
}

/** The quota.warning event when this link takes the namespace past 80 % of its quota. */
function quotaWarning(repository: string, check: QuotaRoom | undefined, size: number): NewEvent[] {
  if (check === undefined || !crossesQuotaWarning(check, size)) return [];
  return [{ type: 'quota.warning', repository, data: { usedBytes: check.usedBytes + size, quotaBytes: check.quotaBytes } }];
}

/** Links the blob into the repository, or renews the existing link's GC lease. */
async function linkBlob(trx: Kysely<Database>, repositoryId: number, digest: string, now: number): Promise<void> {
  await trx
    .insertInto('repository_blobs')
    .values({ repository_id: repositoryId, digest, created_at: now, seen_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doUpdateSet({ seen_at: now }))
    .execute();
}

/** The blob when `repository` links it, with the link's lease time. */
async function statIn(db: Kysely<Database>, repository: string, digest: string): Promise<BlobRecord | undefined> {
  const row = await db
    .selectFrom('repository_blobs')
    .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(['blobs.digest', 'blobs.size', 'repository_blobs.seen_at'])
    .where('repositories.name', '=', repository)
    .where('repository_blobs.digest', '=', digest)
    .executeTakeFirst();
  return row && { digest: row.digest, size: row.size, seenAt: new Date(Number(row.seen_at)) };
}

/**
 * The blob when some repository links it. A blob row with no link left is GC's to sweep, so it
 * doesn't count: mounting it could race the sweep of its bytes.
 */
async function statLinkedAnywhere(db: Kysely<Database>, digest: string): Promise<BlobRecord | undefined> {
  return db
    .selectFrom('blobs')
    .select(['digest', 'size'])
    .where('digest', '=', digest)
    .where('deleting_at', 'is', null)
    .where(({ exists, selectFrom, lit }) =>
      exists(selectFrom('repository_blobs').select(lit(1).as('one')).where('repository_blobs.digest', '=', digest)),
    )
    .executeTakeFirst();
}
