/**
 * The fourth migration: leases for online garbage collection (docs/architecture.md, "Garbage
 * collection"). `repository_blobs.seen_at` and `blobs.seen_at` move whenever a push touches the
 * link or blob (upload, mount, HEAD), and GC leaves anything seen within its grace period alone;
 * `blobs.deleting_at` marks a blob whose bytes GC is deleting, so an upload of the same digest
 * waits for the row to go instead of racing the file's deletion. Columns are added only when
 * missing (SQLite runs migrations outside a transaction).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';
import { addColumnIfMissing } from './add-column.js';

/** Adds the GC lease and deletion-mark columns. */
export function gcMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (await addColumnIfMissing(db, dialect, 'blobs', 'seen_at', 'bigint not null default 0')) await sql`update blobs set seen_at = created_at`.execute(db);
      await addColumnIfMissing(db, dialect, 'blobs', 'deleting_at', 'bigint');
      if (await addColumnIfMissing(db, dialect, 'repository_blobs', 'seen_at', 'bigint not null default 0')) {
        await sql`update repository_blobs set seen_at = created_at`.execute(db);
      }
      // GC's scans: links by age, blobs without links by age.
      await db.schema.createIndex('repository_blobs_seen_at').ifNotExists().on('repository_blobs').column('seen_at').execute();
      await db.schema.createIndex('blobs_seen_at').ifNotExists().on('blobs').column('seen_at').execute();
      await db.schema.createIndex('manifests_created_at').ifNotExists().on('manifests').column('created_at').execute();
    },
  };
}
