/**
 * The fourteenth migration: job groups (`jobs.group_key`, job-store.ts). Jobs of one group run one
 * at a time in the order they were enqueued — a receiver's deliveries for one repository arrive in
 * event order even after it was down and every attempt was retried.
 */
import type { Kysely, Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';
import { addColumnIfMissing } from './add-column.js';

/** Adds jobs.group_key and the index a claim's "an earlier job of the group is unfinished" check reads. */
export function jobGroupsMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addColumnIfMissing(db, dialect, 'jobs', 'group_key', 'text');
      await db.schema.createIndex('jobs_group').ifNotExists().on('jobs').columns(['group_key', 'id']).execute();
    },
  };
}
