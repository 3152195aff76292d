/**
 * The fifth migration: tag history (every tag move, for `berth tag history` / rollback and for GC's
 * history window), immutable-tag rules, and registry-wide settings shared by every node (read-only
 * mode). Like 0001 and 0003, every statement is `if not exists` (SQLite runs migrations outside a
 * transaction, so an interrupted run completes next time).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';

/** Creates tag_events, immutable_tag_rules and registry_settings for `dialect`. */
export function tagHistoryMigration(dialect: MetadataDialect): Migration {
  // Keys compare byte-wise on PostgreSQL too, as in 0003 (tags and names are ASCII-ordered).
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const identity = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tag_events')
        .ifNotExists()
        .addColumn('id', identity, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
        // No foreign key: the history outlives nothing it points at, and GC reads it by id alone.
        .addColumn('repository_id', 'bigint', (c) => c.notNull())
        .addColumn('tag', key, (c) => c.notNull())
        // null: the tag did not exist before (old) or was removed (new).
        .addColumn('old_digest', 'text')
        .addColumn('new_digest', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      // "The moves of this tag, newest first" (history, rollback) and GC's per-repository scan.
      await db.schema.createIndex('tag_events_tag').ifNotExists().on('tag_events').columns(['repository_id', 'tag', 'id']).execute();

      await db.schema
        .createTable('immutable_tag_rules')
        .ifNotExists()
        .addColumn('scope_kind', 'text', (c) => c.notNull().check(sql`scope_kind in ('namespace', 'repository')`))
        .addColumn('scope', key, (c) => c.notNull())
        .addColumn('pattern', key, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('immutable_tag_rules_pk', ['scope_kind', 'scope', 'pattern'])
        .execute();

      await db.schema
        .createTable('registry_settings')
        .ifNotExists()
        .addColumn('key', key, (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
