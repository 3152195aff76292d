/**
 * The thirteenth migration: the outbox (`events`, event-store.ts). One row per change a user
 * cares about, written in the change's transaction; ids follow commit order. Read by id (followers,
 * the dispatcher), by repository, and pruned by time.
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';

/** Creates events. */
export function eventsMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // SQLite: AUTOINCREMENT, not the bare rowid, which reuses the largest id once its row is
      // pruned — and a follower (the dispatcher's progress) past that id would skip the new events.
      const identity = dialect === 'postgres' ? 'bigint' : 'integer';
      await db.schema
        .createTable('events')
        .ifNotExists()
        .addColumn('id', identity, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('repository', 'text')
        .addColumn('target', 'text')
        .addColumn('data', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text')
        .addColumn('address', 'text')
        .addColumn('node', 'text')
        .execute();
      await db.schema.createIndex('events_repository').ifNotExists().on('events').columns(['repository', 'id']).execute();
      await db.schema.createIndex('events_at').ifNotExists().on('events').column('at').execute();
    },
  };
}
