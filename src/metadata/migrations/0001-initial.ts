/**
 * The first migration: every table, key and index of the metadata store.
 * Kysely runs SQLite migrations outside a transaction, so every statement is `if not exists`:
 * a run interrupted halfway simply completes on the next open.
 */
import { sql, type Expression, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';

type ColumnType = 'text' | 'bigint' | 'blob' | 'bytea' | Expression<unknown>;

/** Column types that differ between the dialects. */
interface ColumnTypes {
  /** Names and digests: compared and sorted in byte order (SQLite's BINARY; "C" in PostgreSQL). */
  key: ColumnType;
  bytes: ColumnType;
}

function columnTypes(dialect: MetadataDialect): ColumnTypes {
  return dialect === 'postgres'
    ? { key: sql`text collate "C"`, bytes: 'bytea' }
    : { key: 'text', bytes: 'blob' };
}

/** Creates the initial schema for `dialect`. */
export function initialMigration(dialect: MetadataDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('repositories')
        .ifNotExists()
        .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('name', t.key, (c) => c.notNull().unique())
        .execute();

      await db.schema
        .createTable('blobs')
        .ifNotExists()
        .addColumn('digest', t.key, (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('repository_blobs')
        .ifNotExists()
        .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id'))
        .addColumn('digest', t.key, (c) => c.notNull().references('blobs.digest'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('repository_blobs_pk', ['repository_id', 'digest'])
        .execute();
      // statAny / mount without `from`, and GC's "is this blob linked anywhere".
      await db.schema
        .createIndex('repository_blobs_digest')
        .ifNotExists()
        .on('repository_blobs')
        .column('digest')
        .execute();

      await db.schema
        .createTable('manifests')
        .ifNotExists()
        .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id'))
        .addColumn('digest', t.key, (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('artifact_type', 'text')
        .addColumn('subject', t.key)
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('bytes', t.bytes, (c) => c.notNull())
        .addColumn('annotations', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('manifests_pk', ['repository_id', 'digest'])
        .execute();
      await db.schema
        .createIndex('manifests_subject')
        .ifNotExists()
        .on('manifests')
        .columns(['repository_id', 'subject'])
        .execute();

      await db.schema
        .createTable('manifest_references')
        .ifNotExists()
        .addColumn('repository_id', 'bigint', (c) => c.notNull())
        .addColumn('manifest_digest', t.key, (c) => c.notNull())
        .addColumn('reference_digest', t.key, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('blob', 'manifest')`))
        .addPrimaryKeyConstraint('manifest_references_pk', [
          'repository_id',
          'manifest_digest',
          'reference_digest',
          'kind',
        ])
        .addForeignKeyConstraint(
          'manifest_references_manifest_fk',
          ['repository_id', 'manifest_digest'],
          'manifests',
          ['repository_id', 'digest'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();
      // "Does any manifest of this repository still need this blob / child manifest?"
      await db.schema
        .createIndex('manifest_references_target')
        .ifNotExists()
        .on('manifest_references')
        .columns(['repository_id', 'reference_digest', 'kind'])
        .execute();

      await db.schema
        .createTable('tags')
        .ifNotExists()
        .addColumn('repository_id', 'bigint', (c) => c.notNull())
        .addColumn('name', t.key, (c) => c.notNull())
        .addColumn('digest', t.key, (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['repository_id', 'name'])
        .addForeignKeyConstraint(
          'tags_manifest_fk',
          ['repository_id', 'digest'],
          'manifests',
          ['repository_id', 'digest'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();
      await db.schema
        .createIndex('tags_digest')
        .ifNotExists()
        .on('tags')
        .columns(['repository_id', 'digest'])
        .execute();

      await db.schema
        .createTable('uploads')
        .ifNotExists()
        .addColumn('id', t.key, (c) => c.primaryKey())
        .addColumn('repository', t.key, (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('offset', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // GC finds abandoned sessions by age.
      await db.schema
        .createIndex('uploads_updated_at')
        .ifNotExists()
        .on('uploads')
        .column('updated_at')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'uploads',
        'tags',
        'manifest_references',
        'manifests',
        'repository_blobs',
        'blobs',
        'repositories',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
