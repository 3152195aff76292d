/**
 * The extension's own store over its tables (migrations.ts), on the metadata store's database
 * (MetadataStore.extensionDatabase): the same code for SQLite and PostgreSQL. Each method is one
 * statement, so each is atomic on its own.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Grant } from '../../auth/principal.js';
import type { CiRule } from './rules.js';

interface RulesTable {
  name: string;
  issuer: string;
  conditions: string;
  grants: string;
  ttl_seconds: number;
  enabled: number;
  description: string | null;
  created_by: string;
  created_at: number;
}

interface IssuesTable {
  credential_id: string;
  issuer: string;
  subject: string;
  jti: string | null;
  rules: string;
  issued_at: number;
  expires_at: number;
}

interface JtisTable {
  issuer: string;
  jti: string;
  expires_at: number;
  uses: number;
}

/** The extension's tables, as Kysely sees them. */
export interface CiTokensTables {
  ci_token_rules: RulesTable;
  ci_token_issues: IssuesTable;
  ci_token_jtis: JtisTable;
}

/** One credential an exchange issued. */
export interface CiIssue {
  credentialId: string;
  issuer: string;
  subject: string;
  jti?: string;
  rules: string[];
  issuedAt: Date;
  expiresAt: Date;
}

/** Rules, issued credentials and exchanged identity tokens. */
export class CiTokenStore {
  constructor(private readonly db: Kysely<CiTokensTables>) {}

  /** Every rule, by name. */
  async listRules(): Promise<CiRule[]> {
    const rows = await this.db.selectFrom('ci_token_rules').selectAll().orderBy('name').execute();
    return rows.map(toRule);
  }

  async getRule(name: string): Promise<CiRule | undefined> {
    const row = await this.db.selectFrom('ci_token_rules').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRule(row);
  }

  /** False when a rule of that name exists (nothing changed). */
  async createRule(rule: CiRule): Promise<boolean> {
    const result = await this.db
      .insertInto('ci_token_rules')
      .values({
        name: rule.name,
        issuer: rule.issuer,
        conditions: JSON.stringify(rule.conditions),
        grants: JSON.stringify(rule.grants),
        ttl_seconds: rule.ttlSeconds,
        enabled: rule.enabled ? 1 : 0,
        description: rule.description ?? null,
        created_by: rule.createdBy,
        created_at: rule.createdAt.getTime(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows !== 0n;
  }

  /** False when there is no such rule. */
  async setEnabled(name: string, enabled: boolean): Promise<boolean> {
    const result = await this.db.updateTable('ci_token_rules').set({ enabled: enabled ? 1 : 0 }).where('name', '=', name).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** False when there was no such rule. */
  async deleteRule(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('ci_token_rules').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Records a credential about to be issued (before its row exists, so no credential is ever untracked). */
  async recordIssue(issue: CiIssue): Promise<void> {
    await this.db
      .insertInto('ci_token_issues')
      .values({
        credential_id: issue.credentialId,
        issuer: issue.issuer,
        subject: issue.subject,
        jti: issue.jti ?? null,
        rules: JSON.stringify(issue.rules),
        issued_at: issue.issuedAt.getTime(),
        expires_at: issue.expiresAt.getTime(),
      })
      .execute();
  }

  /** The credentials issued through `rule` that have not expired by `now`. */
  async liveIssuesOf(rule: string, now: Date): Promise<CiIssue[]> {
    // Live issues are few (they last minutes); the rule names are filtered here rather than indexed.
    const rows = await this.db.selectFrom('ci_token_issues').selectAll().where('expires_at', '>', now.getTime()).execute();
    return rows.map(toIssue).filter((issue) => issue.rules.includes(rule));
  }

  /** Removes the records of credentials expired before `before`; returns their credential ids. */
  async purgeIssues(before: Date): Promise<string[]> {
    const rows = await this.db.deleteFrom('ci_token_issues').where('expires_at', '<', before.getTime()).returning('credential_id').execute();
    return rows.map((row) => row.credential_id);
  }

  /**
   * Counts an exchange of the identity token (issuer, jti) and returns how many there were, this
   * one included. With `onlyFirst`, a token already exchanged is not counted again: 0 comes back.
   */
  async useJti(issuer: string, jti: string, expiresAt: Date, onlyFirst: boolean): Promise<number> {
    const insert = this.db.insertInto('ci_token_jtis').values({ issuer, jti, expires_at: expiresAt.getTime(), uses: 1 });
    if (onlyFirst) {
      const result = await insert.onConflict((oc) => oc.columns(['issuer', 'jti']).doNothing()).executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 0n ? 0 : 1;
    }
    const row = await insert
      .onConflict((oc) => oc.columns(['issuer', 'jti']).doUpdateSet({ uses: sql<number>`ci_token_jtis.uses + 1` }))
      .returning('uses')
      .executeTakeFirstOrThrow();
    return Number(row.uses);
  }

  /** Forgets identity tokens expired before `before` (none of them can be exchanged any more). */
  async purgeJtis(before: Date): Promise<void> {
    await this.db.deleteFrom('ci_token_jtis').where('expires_at', '<', before.getTime()).execute();
  }
}

function toRule(row: Selectable<RulesTable>): CiRule {
  return {
    name: row.name,
    issuer: row.issuer,
    conditions: JSON.parse(row.conditions) as Record<string, string>,
    grants: JSON.parse(row.grants) as Grant[],
    ttlSeconds: Number(row.ttl_seconds),
    enabled: Number(row.enabled) === 1,
    ...(row.description === null ? {} : { description: row.description }),
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)),
  };
}

function toIssue(row: Selectable<IssuesTable>): CiIssue {
  return {
    credentialId: row.credential_id,
    issuer: row.issuer,
    subject: row.subject,
    ...(row.jti === null ? {} : { jti: row.jti }),
    rules: JSON.parse(row.rules) as string[],
    issuedAt: new Date(Number(row.issued_at)),
    expiresAt: new Date(Number(row.expires_at)),
  };
}
