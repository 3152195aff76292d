import type { Kysely } from 'kysely';
import type { PageRequest, RepositoryStore } from './metadata-store.js';
import { pageLimit } from './page.js';
import type { Database } from './schema.js';

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
  constructor(private readonly db: Kysely<Database>) {}

  async list(page: PageRequest): Promise<string[]> {
    const limit = pageLimit(page);
    if (limit === 0) return [];
    const after = page.after;
    const rows = await this.db
      .selectFrom('repositories')
      .select('name')
      .$if(after !== undefined, (q) => q.where('name', '>', after ?? ''))
      .orderBy('name')
      .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
      .execute();
    return rows.map((row) => row.name);
  }

  async exists(name: string): Promise<boolean> {
    return (await findRepositoryId(this.db, name)) !== undefined;
  }
}
