/**
 * The CI tokens extension's own tables (`ciTokens/0001-rules`): the mapping rules, one row per
 * credential an exchange issued (who asked, through which rules — so deleting or disabling a rule
 * can revoke what it issued), and the identity tokens already exchanged (issuer, jti) for
 * replay detection. Safe to repeat, like the core's migrations (SQLite runs them outside a
 * transaction).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { ExtraMigrations } from '../../metadata/migrations/index.js';

/** The extension's migrations, by name. */
export const ciTokensMigrations: ExtraMigrations = (dialect) => {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const rules: Migration = {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('ci_token_rules')
        .ifNotExists()
        .addColumn('name', key, (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        // JSON text: claim → exact value or glob; the grants as robots' (rules.ts validated both).
        .addColumn('conditions', 'text', (c) => c.notNull())
        .addColumn('grants', 'text', (c) => c.notNull())
        .addColumn('ttl_seconds', 'integer', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ci_token_issues')
        .ifNotExists()
        // The robot row (core `credentials`) that is the issued credential.
        .addColumn('credential_id', key, (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('jti', 'text')
        // JSON text: the names of the rules that matched.
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ci_token_issues_expires_at').ifNotExists().on('ci_token_issues').column('expires_at').execute();
      await db.schema
        .createTable('ci_token_jtis')
        .ifNotExists()
        .addColumn('issuer', key, (c) => c.notNull())
        .addColumn('jti', key, (c) => c.notNull())
        // The identity token's own expiry: the row is needed no longer.
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('uses', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('ci_token_jtis_pk', ['issuer', 'jti'])
        .execute();
    },
  };
  return { 'ciTokens/0001-rules': rules };
};
