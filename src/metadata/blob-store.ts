import type { Kysely } from 'kysely';
import type { BlobRecord, BlobStore, UnlinkResult } from './metadata-store.js';
import { ensureRepositoryId, findRepositoryId } from './repository-store.js';
import type { Database } from './schema.js';

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

  async commit(repository: string, digest: string, size: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const repositoryId = await ensureRepositoryId(trx, repository);
      // The same digest is the same bytes: a second commit, racing or not, has nothing to add.
      await trx
        .insertInto('blobs')
        .values({ digest, size, created_at: now })
        .onConflict((oc) => oc.column('digest').doNothing())
        .execute();
      await trx
        .insertInto('repository_blobs')
        .values({ repository_id: repositoryId, digest, created_at: now })
        .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
        .execute();
    });
  }

  async stat(repository: string, digest: string): Promise<BlobRecord | undefined> {
    return statIn(this.db, repository, digest);
  }

  async statAny(digest: string): Promise<BlobRecord | undefined> {
    return statLinkedAnywhere(this.db, digest);
  }

  async mount(repository: string, digest: string, from?: string): Promise<BlobRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const blob = from === undefined ? await statLinkedAnywhere(trx, digest) : await statIn(trx, from, digest);
      if (blob === undefined) return undefined;
      const repositoryId = await ensureRepositoryId(trx, repository);
      await trx
        .insertInto('repository_blobs')
        .values({ repository_id: repositoryId, digest, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
        .execute();
      return blob;
    });
  }

  async unlink(repository: string, digest: string): Promise<UnlinkResult> {
    return this.db.transaction().execute(async (trx): Promise<UnlinkResult> => {
      const repositoryId = await findRepositoryId(trx, repository);
      if (repositoryId === undefined) return { status: 'unknown' };
      // Lock first: a manifest put share-locks the links it depends on, so the two serialise.
      const link = await trx
        .selectFrom('repository_blobs')
        .select('digest')
        .where('repository_id', '=', repositoryId)
        .where('digest', '=', digest)
        .$if(this.rowLocks, (q) => q.forUpdate())
        .executeTakeFirst();
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

/** The blob when `repository` links it. */
async function statIn(db: Kysely<Database>, repository: string, digest: string): Promise<BlobRecord | undefined> {
  return db
    .selectFrom('repository_blobs')
    .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(['blobs.digest', 'blobs.size'])
    .where('repositories.name', '=', repository)
    .where('repository_blobs.digest', '=', digest)
    .executeTakeFirst();
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
    .where(({ exists, selectFrom, lit }) =>
      exists(selectFrom('repository_blobs').select(lit(1).as('one')).where('repository_blobs.digest', '=', digest)),
    )
    .executeTakeFirst();
}
