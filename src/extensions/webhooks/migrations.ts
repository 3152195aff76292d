/**
 * The webhooks extension's tables (`webhooks/0001-…`, extensions/extension.ts): the webhooks, and
 * the log of their deliveries (one row per attempt, the newest `webhooks.deliveriesKept` kept);
 * `webhooks/0002-…` adds the options of rebuild-trigger formats (a ref, an event type).
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { ExtraMigrations } from '../../metadata/migrations/index.js';

export const webhookMigrations: ExtraMigrations = (dialect) => {
  // SQLite: AUTOINCREMENT, so a deleted webhook's id is never reused: its pending deliveries
  // (which name it) must not go to a webhook created later.
  const identity = dialect === 'postgres' ? 'bigint' : 'integer';
  const id = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());
  const initial: Migration = {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('webhooks')
        .ifNotExists()
        .addColumn('id', identity, id)
        .addColumn('namespace', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('repository_glob', 'text')
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('authorization', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhooks_namespace').ifNotExists().on('webhooks').column('namespace').execute();
      await db.schema
        .createTable('webhook_deliveries')
        .ifNotExists()
        .addColumn('id', identity, id)
        .addColumn('webhook_id', 'bigint', (c) => c.notNull())
        .addColumn('event_id', 'bigint')
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('job_id', 'bigint')
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('http_status', 'integer')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('response', 'text')
        .addColumn('error', 'text')
        .addColumn('test', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_webhook').ifNotExists().on('webhook_deliveries').columns(['webhook_id', 'id']).execute();
    },
  };
  // A nullable column with no default: SQLite and PostgreSQL both add it without rewriting rows.
  const options: Migration = {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('webhooks').addColumn('options', 'text').execute();
    },
  };
  return { 'webhooks/0001-webhooks': initial, 'webhooks/0002-trigger-options': options };
};
