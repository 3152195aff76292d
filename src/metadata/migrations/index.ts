/**
 * Schema migrations, kept in code so the compiled package carries them. They run at open, under
 * Kysely's migration lock (a PostgreSQL advisory lock), so several nodes may start at once.
 * Never edit a released migration; add the next one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, MetadataDialect } from '../schema.js';
import { initialMigration } from './0001-initial.js';
import { tagsVersionMigration } from './0002-tags-version.js';

function migrationProvider(dialect: MetadataDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return { '0001-initial': initialMigration(dialect), '0002-tags-version': tagsVersionMigration(dialect) };
    },
  };
}

/**
 * Brings the database to the latest schema; throws naming the failed migration. `schema`
 * (PostgreSQL) must name the schema the connections' search_path puts first: Kysely looks for its
 * bookkeeping tables by introspecting every schema, and would find another schema's otherwise.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: MetadataDialect, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'setup';
    throw new Error(`metadata migration ${failed} failed`, { cause: error });
  }
}
