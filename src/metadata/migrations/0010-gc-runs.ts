/**
 * The tenth migration: the history of garbage collections (`gc_runs`), one row per run on any
 * node — when it started and finished, where, whether it was a dry run, what it removed, the
 * bytes it reclaimed and the error that ended it, if any (GET /api/v1/gc/runs, `berth gc history`).
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';

/** Creates gc_runs. */
export function gcRunsMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // SQLite: an INTEGER PRIMARY KEY is the rowid, numbered on insert.
      const identity = dialect === 'postgres' ? 'bigint' : 'integer';
      await db.schema
        .createTable('gc_runs')
        .ifNotExists()
        .addColumn('id', identity, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('node', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'integer', (c) => c.notNull())
        .addColumn('manifests', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('links', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('blobs', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('uploads', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('orphan_files', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('audit_events', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_reclaimed', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('gc_runs_started_at').ifNotExists().on('gc_runs').column('started_at').execute();
    },
  };
}
