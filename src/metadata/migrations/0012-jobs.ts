/**
 * The twelfth migration: the job queue (`jobs`, job-store.ts). One row per unit of background
 * work any node may run: queued until `run_at`, running under a lease (`locked_by` until
 * `locked_until`), then done, dead (out of attempts) or cancelled. `idempotency_key` is unique,
 * so the same cause never yields two jobs.
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';

/** Creates jobs. */
export function jobsMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // SQLite: an INTEGER PRIMARY KEY is the rowid, numbered on insert.
      const identity = dialect === 'postgres' ? 'bigint' : 'integer';
      await db.schema
        .createTable('jobs')
        .ifNotExists()
        .addColumn('id', identity, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_until', 'bigint')
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      // What a claim reads: the due jobs of one kind, oldest first.
      await db.schema.createIndex('jobs_claim').ifNotExists().on('jobs').columns(['kind', 'state', 'run_at']).execute();
    },
  };
}
