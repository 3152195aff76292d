/**
 * The third migration: accounts, namespaces and their members, repository visibility, robot
 * accounts and personal access tokens, token-signing keys and the audit log (access control).
 * Like 0001, every statement is `if not exists` (SQLite runs migrations outside a transaction).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MetadataDialect } from '../schema.js';

/** Creates the access-control tables for `dialect`. */
export function accessControlMigration(dialect: MetadataDialect): Migration {
  const key = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  const identity = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('accounts')
        .ifNotExists()
        .addColumn('id', identity, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
        .addColumn('name', key, (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('local', 'ldap', 'oidc')`))
        .addColumn('password_hash', 'text')
        .addColumn('email', 'text')
        .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('groups', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('external_id', 'text')
        .addColumn('password_changed_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('namespaces')
        .ifNotExists()
        .addColumn('id', identity, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
        .addColumn('name', key, (c) => c.notNull().unique())
        .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('private', 'public')`))
        .addColumn('pull_cidrs', 'text')
        .addColumn('push_cidrs', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('namespace_members')
        .ifNotExists()
        .addColumn('namespace_id', 'bigint', (c) => c.notNull().references('namespaces.id').onDelete('cascade'))
        .addColumn('member_kind', 'text', (c) => c.notNull().check(sql`member_kind in ('user', 'group')`))
        .addColumn('member_name', key, (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'maintainer', 'developer', 'reader')`))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('namespace_members_pk', ['namespace_id', 'member_kind', 'member_name'])
        .execute();
      // "Which namespaces is this user (or group) a member of?"
      await db.schema.createIndex('namespace_members_member').ifNotExists().on('namespace_members').columns(['member_kind', 'member_name']).execute();

      if (dialect === 'postgres') {
        await sql`alter table repositories add column if not exists visibility text`.execute(db);
      } else {
        const columns = await sql<{ name: string }>`pragma table_info(repositories)`.execute(db);
        if (!columns.rows.some((column) => column.name === 'visibility')) await sql`alter table repositories add column visibility text`.execute(db);
      }

      await db.schema
        .createTable('credentials')
        .ifNotExists()
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('robot', 'token')`))
        // Robots: '' (their names are global); tokens: the owning account's name.
        .addColumn('owner', key, (c) => c.notNull())
        .addColumn('name', key, (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('grants', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('credentials_name', ['kind', 'owner', 'name'])
        .execute();

      await db.schema
        .createTable('signing_keys')
        .ifNotExists()
        .addColumn('kid', key, (c) => c.primaryKey())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('audit_events')
        .ifNotExists()
        .addColumn('id', identity, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', key)
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('audit_events_at').ifNotExists().on('audit_events').column('at').execute();
      await db.schema.createIndex('audit_events_actor').ifNotExists().on('audit_events').columns(['actor', 'at']).execute();
      await db.schema.createIndex('audit_events_action').ifNotExists().on('audit_events').columns(['action', 'at']).execute();
    },
  };
}
