/**
 * The eleventh migration: who opened an upload session (`uploads.opened_by`, null when access
 * control is off), so sessions can be capped per principal; and indexes for counting a
 * principal's and a namespace's open sessions (the namespace as a name range on `repository`).
 * Every step is safe to repeat (SQLite runs migrations outside a transaction).
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';
import { addColumnIfMissing } from './add-column.js';

/** Adds uploads.opened_by and the indexes the session caps count with. */
export function uploadLimitsMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addColumnIfMissing(db, dialect, 'uploads', 'opened_by', 'text');
      await db.schema.createIndex('uploads_opened_by').ifNotExists().on('uploads').column('opened_by').execute();
      await db.schema.createIndex('uploads_repository').ifNotExists().on('uploads').column('repository').execute();
    },
  };
}
