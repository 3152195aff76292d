import { sql, type Kysely } from 'kysely';
import type { PageRequest, RepositoryDeletion, RepositoryStore } from './metadata-store.js';
import { pageLimit } from './page.js';
import { writeEvents } from './event-store.js';
import type { Database } from './schema.js';
import { immutableRefusal, lockRepositoryTags, recordTagChanges, type TagChangeOptions } from './tag-changes.js';
import type { ImmutableTagRefusal } from './tag-history-store.js';

/** The repository's id, or undefined when it does not exist. */
export async function findRepositoryId(db: Kysely<Database>, name: string): Promise<number | undefined> {
  const row = await db.selectFrom('repositories').select('id').where('name', '=', name).executeTakeFirst();
  return row?.id;
}

/**
 * The repository's id, creating the repository when new. Race-safe: a concurrent creator makes
 * our insert do nothing (in PostgreSQL after waiting for it to commit), and the select that follows
 * is a new statement, so it sees that row.
 */
export async function ensureRepositoryId(db: Kysely<Database>, name: string): Promise<number> {
  await db
    .insertInto('repositories')
    .values({ name })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('repositories').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return row.id;
}

/** Repositories through Kysely. */
export class KyselyRepositoryStore implements RepositoryStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks: boolean,
  ) {}

  async list(page: PageRequest, prefix?: string): Promise<string[]> {
    const limit = pageLimit(page);
    if (limit === 0) return [];
    const after = page.after;
    const rows = await this.db
      .selectFrom('repositories')
      .select('name')
      .$if(after !== undefined, (q) => q.where('name', '>', after ?? ''))
      // substr, not LIKE: repository names may hold '_', LIKE's one-character wildcard.
      .$if(prefix !== undefined, (q) => q.where(sql<string>`substr(name, 1, ${(prefix ?? '').length})`, '=', prefix ?? ''))
      .orderBy('name')
      .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
      .execute();
    return rows.map((row) => row.name);
  }

  async exists(name: string): Promise<boolean> {
    return (await findRepositoryId(this.db, name)) !== undefined;
  }

  async delete(name: string, options: TagChangeOptions = {}): Promise<RepositoryDeletion | ImmutableTagRefusal | { status: 'unknown' }> {
    return this.db.transaction().execute(async (trx): Promise<RepositoryDeletion | ImmutableTagRefusal | { status: 'unknown' }> => {
      const repositoryId = await findRepositoryId(trx, name);
      if (repositoryId === undefined) return { status: 'unknown' };
      // The tag lock first, as every tag-changing path takes it (tag-changes.ts): a push racing
      // this delete either commits before (and its tag is removed here) or waits and re-creates
      // the repository afterwards.
      await lockRepositoryTags(trx, this.rowLocks, repositoryId);
      const tags = await trx.selectFrom('tags').select(['name', 'digest']).where('repository_id', '=', repositoryId).orderBy('name').execute();
      const changes = tags.map((tag) => ({ tag: tag.name, oldDigest: tag.digest, newDigest: null }));
      const refusal = immutableRefusal(changes, options.immutable);
      if (refusal) return refusal;
      await recordTagChanges(trx, repositoryId, changes, options.actor, Date.now());
      const manifests = await trx.selectFrom('manifests').select('digest').where('repository_id', '=', repositoryId).execute();
      // Children before parents: tags and references point at manifests, links and manifests at the repository.
      await trx.deleteFrom('tags').where('repository_id', '=', repositoryId).execute();
      await trx.deleteFrom('manifest_references').where('repository_id', '=', repositoryId).execute();
      await trx.deleteFrom('manifests').where('repository_id', '=', repositoryId).execute();
      const links = await trx.deleteFrom('repository_blobs').where('repository_id', '=', repositoryId).executeTakeFirst();
      await trx.deleteFrom('repositories').where('id', '=', repositoryId).execute();
      const removed = { tags: tags.length, manifests: manifests.length, blobs: Number(links.numDeletedRows) };
      // One event, not one per tag and manifest: a repository of 100,000 tags is one change.
      await writeEvents(trx, this.rowLocks, [{ type: 'repository.deleted', repository: name, data: { ...removed, ...(options.reason === undefined ? {} : { reason: options.reason }) } }], options);
      return { status: 'deleted', tags: removed.tags, manifests: manifests.map((m) => m.digest), blobs: removed.blobs };
    });
  }
}
