/**
 * Adds repositories.tags_version (see MetadataStore.tagsVersion). SQLite runs migrations outside a
 * transaction, so the column is added only when missing: an interrupted run completes next time.
 * (PostgreSQL's search_path holds one schema per store; `if not exists` looks only there.)
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';

/** The second migration: a per-repository counter of tag changes. */
export function tagsVersionMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await sql`alter table repositories add column if not exists tags_version bigint not null default 0`.execute(db);
        return;
      }
      const columns = await sql<{ name: string }>`pragma table_info(repositories)`.execute(db);
      if (columns.rows.some((column) => column.name === 'tags_version')) return;
      await sql`alter table repositories add column tags_version integer not null default 0`.execute(db);
    },
  };
}
