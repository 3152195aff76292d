/**
 * Schema migrations, kept in code so the compiled package carries them. They run at open, under
 * Kysely's migration lock (a PostgreSQL advisory lock), so several nodes may start at once.
 * Never edit a released migration; add the next one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, MetadataDialect } from '../schema.js';
import { initialMigration } from './0001-initial.js';
import { tagsVersionMigration } from './0002-tags-version.js';
import { accessControlMigration } from './0003-access-control.js';
import { gcMigration } from './0004-gc.js';
import { tagHistoryMigration } from './0005-tag-history.js';
import { lifecycleMigration } from './0006-lifecycle.js';
import { quotasMigration } from './0007-quotas.js';
import { leasesMigration } from './0008-leases.js';
import { authHardeningMigration } from './0009-auth-hardening.js';
import { gcRunsMigration } from './0010-gc-runs.js';
import { uploadLimitsMigration } from './0011-upload-limits.js';
import { jobsMigration } from './0012-jobs.js';
import { eventsMigration } from './0013-events.js';
import { jobGroupsMigration } from './0014-job-groups.js';
import { openJobIndexesMigration } from './0015-open-job-indexes.js';

/**
 * An extension's own migrations (extensions/extension.ts), by name. Their names start with the
 * extension's (`<name>/0001-…`) so they never collide with the core's or each other's; they run
 * after the core's in name order, and a core migration added later still runs (unordered
 * migrations are allowed for that reason: its name sorts before an executed extension's).
 */
export type ExtraMigrations = (dialect: MetadataDialect) => Record<string, Migration>;

function migrationProvider(dialect: MetadataDialect, extra?: ExtraMigrations): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        ...extra?.(dialect),
        '0001-initial': initialMigration(dialect),
        '0002-tags-version': tagsVersionMigration(dialect),
        '0003-access-control': accessControlMigration(dialect),
        '0004-gc': gcMigration(dialect),
        '0005-tag-history': tagHistoryMigration(dialect),
        '0006-lifecycle': lifecycleMigration(dialect),
        '0007-quotas': quotasMigration(dialect),
        '0008-leases': leasesMigration(),
        '0009-auth-hardening': authHardeningMigration(dialect),
        '0010-gc-runs': gcRunsMigration(dialect),
        '0011-upload-limits': uploadLimitsMigration(dialect),
        '0012-jobs': jobsMigration(dialect),
        '0013-events': eventsMigration(dialect),
        '0014-job-groups': jobGroupsMigration(dialect),
        '0015-open-job-indexes': openJobIndexesMigration,
      };
    },
  };
}

/**
 * Brings the database to the latest schema; throws naming the failed migration. `schema`
 * (PostgreSQL) must name the schema the connections' search_path puts first: Kysely looks for its
 * bookkeeping tables by introspecting every schema, and would find another schema's otherwise.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: MetadataDialect, schema?: string, extra?: ExtraMigrations): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect, extra),
    allowUnorderedMigrations: extra !== undefined,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    // Kysely's setup introspects every schema's catalog, which fails now and then while another
    // schema is being dropped at the same moment (seen in CI). Nothing was migrated: try again.
    if (failed === undefined && attempt < SETUP_ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      continue;
    }
    throw new Error(`metadata migration ${failed ?? 'setup'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const SETUP_ATTEMPTS = 5;
