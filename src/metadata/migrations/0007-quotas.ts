/**
 * The seventh migration: a storage quota per namespace (`namespaces.quota_bytes`, null = none).
 * Usage is not stored: it is computed from the blob links whenever it is needed (usage-store.ts),
 * so there is no counter to drift. Added only when missing (SQLite runs migrations outside a
 * transaction, so a run interrupted halfway must be safe to repeat).
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';
import { addColumnIfMissing } from './add-column.js';

/** Adds namespaces.quota_bytes. */
export function quotasMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addColumnIfMissing(db, dialect, 'namespaces', 'quota_bytes', 'bigint');
    },
  };
}
