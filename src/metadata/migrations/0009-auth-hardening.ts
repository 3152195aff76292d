/**
 * The ninth migration: an account's revocation stamp (`accounts.tokens_valid_after`). Tokens of
 * the account issued before it are refused (auth/revocations.ts); it moves whenever the account is
 * disabled or enabled, made or unmade admin, or its password changes, so re-enabling an account doesn't revive tokens
 * issued before it was disabled.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';
import { addColumnIfMissing } from './add-column.js';

/** Adds accounts.tokens_valid_after, starting at each account's last password change. */
export function authHardeningMigration(dialect: MetadataDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (await addColumnIfMissing(db, dialect, 'accounts', 'tokens_valid_after', 'bigint not null default 0')) {
        await sql`update accounts set tokens_valid_after = password_changed_at`.execute(db);
      }
    },
  };
}
