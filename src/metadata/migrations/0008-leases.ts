/**
 * The eighth migration: named leases (`leases`), so that of several nodes sharing the database
 * exactly one runs garbage collection or the lifecycle policies at a time (lease-store.ts).
 */
import type { Kysely, Migration } from 'kysely';

/** Creates leases. */
export function leasesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('leases')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        // Who holds it: a node id (host, process id and a random part).
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
