/**
 * The sixth migration: lifecycle policies (one per namespace or repository) and the time each
 * manifest was last pulled (recorded at most hourly by content/pull-recorder.ts).
 *
 * Manifests that exist when the column is added get "now" as their last pull: nothing recorded
 * their pulls before, and counting them as never pulled would let a "not pulled for N days" rule
 * expire, at its first run, images pulled every hour. They get N days of observation instead.
 * Like 0003, every step is safe to repeat (SQLite runs migrations outside a transaction).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';
import { addColumnIfMissing } from './add-column.js';

/** Creates lifecycle_policies and adds manifests.last_pulled_at. */
export function lifecycleMigration(dialect: MetadataDialect): Migration {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lifecycle_policies')
        .ifNotExists()
        .addColumn('scope_kind', 'text', (c) => c.notNull().check(sql`scope_kind in ('namespace', 'repository')`))
        // A namespace name or a repository name, as scope_kind says.
        .addColumn('scope', key, (c) => c.notNull())
        // The policy document as JSON text (lifecycle/policy.ts validated it).
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lifecycle_policies_pk', ['scope_kind', 'scope'])
        .execute();
      if (await addColumnIfMissing(db, dialect, 'manifests', 'last_pulled_at', 'bigint')) {
        await sql`update manifests set last_pulled_at = ${Date.now()}`.execute(db);
      }
    },
  };
}
