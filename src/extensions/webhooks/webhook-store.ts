/**
 * Webhooks and their delivery log, in the extension's own tables (migrations.ts). Secrets and
 * Authorization headers arrive sealed (secrets.ts) and leave sealed: this file never sees them
 * in clear.
 */
import type { Generated, Selectable } from 'kysely';
import type { EventType } from '../../events/event.js';
import type { ExtensionDatabase } from '../../metadata/extension-database.js';

/** The payload formats a webhook can send (formats.ts); the CI ones are rebuild triggers (trigger-formats.ts). */
export const WEBHOOK_FORMATS = ['cloudevents', 'cloudevents-binary', 'distribution', 'harbor', 'dockerhub', 'generic', 'github', 'gitlab', 'jenkins', 'azure-pipelines'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Per-webhook settings of a trigger format (trigger-options.ts says which format takes which). */
export interface WebhookOptions {
  /** The branch or ref to build (gitlab: required; azure-pipelines: optional). */
  ref?: string;
  /** The repository_dispatch event_type (github). */
  eventType?: string;
}

interface WebhooksTable {
  id: Generated<number>;
  namespace: string | null;
  url: string;
  format: string;
  events: string;
  repository_glob: string | null;
  secret: string;
  authorization: string | null;
  /** JSON of WebhookOptions; null when there are none (migration 0002). */
  options: string | null;
  enabled: number;
  disabled_reason: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

interface DeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  event_id: number | null;
  event_type: string;
  job_id: number | null;
  attempt: number;
  outcome: string;
  http_status: number | null;
  duration_ms: number;
  response: string | null;
  error: string | null;
  test: number;
  at: number;
}

export interface WebhookTables {
  webhooks: WebhooksTable;
  webhook_deliveries: DeliveriesTable;
}

/** A webhook as its owners see it (never its secret). */
export interface WebhookRecord {
  id: number;
  /** Its namespace; absent for a system-wide webhook (admins'). */
  namespace?: string;
  url: string;
  format: WebhookFormat;
  events: EventType[];
  /** Only repositories matching this glob (`*` within a segment, `**` across). */
  repositoryGlob?: string;
  options: WebhookOptions;
  enabled: boolean;
  /** Why it stopped (a receiver that answered 410 Gone). */
  disabledReason?: string;
  /** Whether a credential is stored (the Authorization header value, or where a trigger format puts it). */
  hasAuthorization: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A webhook with its sealed secrets, for the deliverer. */
export interface SealedWebhook extends WebhookRecord {
  sealedSecret: string;
  sealedAuthorization?: string;
}

export interface NewWebhook {
  namespace?: string;
  url: string;
  format: WebhookFormat;
  events: EventType[];
  repositoryGlob?: string;
  options: WebhookOptions;
  sealedSecret: string;
  sealedAuthorization?: string;
  createdBy: string;
}

/** delivered: 2xx; failed: anything else (retried); gone: 410, the webhook was disabled; skipped: the webhook was disabled or deleted meanwhile. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'gone' | 'skipped';

/** One attempt of one delivery. */
export interface DeliveryRecord {
  id: number;
  webhookId: number;
  /** The event delivered (absent for a test event). */
  eventId?: number;
  eventType: string;
  jobId?: number;
  attempt: number;
  outcome: DeliveryOutcome;
  httpStatus?: number;
  durationMs: number;
  /** The first 4 KiB of the receiver's answer. */
  response?: string;
  error?: string;
  test: boolean;
  at: Date;
}

export type NewDelivery = Omit<DeliveryRecord, 'id' | 'at'>;

/** The store. */
export class WebhookStore {
  constructor(private readonly database: ExtensionDatabase<WebhookTables>) {}

  /**
   * Stores a webhook. `seal` makes its sealed values once its id is known (the id is their
   * additional data); the row is written whole in one transaction.
   */
  async create(input: Omit<NewWebhook, 'sealedSecret' | 'sealedAuthorization'>, seal: (id: number) => Pick<NewWebhook, 'sealedSecret' | 'sealedAuthorization'>): Promise<WebhookRecord> {
    const now = Date.now();
    return this.database.db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('webhooks')
        .values({
          namespace: input.namespace ?? null,
          url: input.url,
          format: input.format,
          events: JSON.stringify(input.events),
          repository_glob: input.repositoryGlob ?? null,
          secret: '',
          authorization: null,
          options: Object.keys(input.options).length === 0 ? null : JSON.stringify(input.options),
          enabled: 1,
          disabled_reason: null,
          created_by: input.createdBy,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const sealed = seal(Number(id));
      const row = await trx
        .updateTable('webhooks')
        .set({ secret: sealed.sealedSecret, authorization: sealed.sealedAuthorization ?? null })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    });
  }

  /** Webhooks, oldest first; with `namespaces`, only theirs (system-wide ones are admins'). */
  async list(namespaces?: readonly string[]): Promise<WebhookRecord[]> {
    if (namespaces !== undefined && namespaces.length === 0) return [];
    const rows = await this.database.db
      .selectFrom('webhooks')
      .selectAll()
      .$if(namespaces !== undefined, (q) => q.where('namespace', 'in', [...(namespaces ?? [])]))
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** The enabled webhooks with their sealed secrets: what the subscription matches events against. */
  async enabled(): Promise<SealedWebhook[]> {
    const rows = await this.database.db.selectFrom('webhooks').selectAll().where('enabled', '=', 1).orderBy('id').execute();
    return rows.map(toSealed);
  }

  async get(id: number): Promise<SealedWebhook | undefined> {
    const row = await this.database.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSealed(row);
  }

  /** Removes the webhook and its delivery log; false when there was none. */
  async delete(id: number): Promise<boolean> {
    return this.database.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      const result = await trx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /** Turns deliveries off (`reason`) or back on (undefined). */
  async setEnabled(id: number, enabled: boolean, reason?: string): Promise<boolean> {
    const result = await this.database.db
      .updateTable('webhooks')
      .set({ enabled: enabled ? 1 : 0, disabled_reason: enabled ? null : (reason ?? null), updated_at: Date.now() })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Appends an attempt to the webhook's log and drops its entries beyond the newest `keep`. */
  async recordDelivery(delivery: NewDelivery, keep: number): Promise<DeliveryRecord> {
    return this.database.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('webhook_deliveries')
        .values({
          webhook_id: delivery.webhookId,
          event_id: delivery.eventId ?? null,
          event_type: delivery.eventType,
          job_id: delivery.jobId ?? null,
          attempt: delivery.attempt,
          outcome: delivery.outcome,
          http_status: delivery.httpStatus ?? null,
          duration_ms: delivery.durationMs,
          response: delivery.response ?? null,
          error: delivery.error ?? null,
          test: delivery.test ? 1 : 0,
          at: Date.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const cutoff = await trx.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', delivery.webhookId).orderBy('id', 'desc').offset(keep).limit(1).executeTakeFirst();
      if (cutoff) await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', delivery.webhookId).where('id', '<=', cutoff.id).execute();
      return toDelivery(row);
    });
  }

  /** The webhook's log, newest first; ids below `before` (a page cursor). */
  async deliveries(webhookId: number, limit: number, before?: number): Promise<DeliveryRecord[]> {
    const rows = await this.database.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .$if(before !== undefined, (q) => q.where('id', '<', before ?? 0))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  async delivery(id: number): Promise<DeliveryRecord | undefined> {
    const row = await this.database.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDelivery(row);
  }
}

function toRecord(row: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: Number(row.id),
    ...(row.namespace === null ? {} : { namespace: row.namespace }),
    url: row.url,
    format: row.format as WebhookFormat,
    events: JSON.parse(row.events) as EventType[],
    ...(row.repository_glob === null ? {} : { repositoryGlob: row.repository_glob }),
    options: row.options === null ? {} : (JSON.parse(row.options) as WebhookOptions),
    enabled: Number(row.enabled) === 1,
    ...(row.disabled_reason === null ? {} : { disabledReason: row.disabled_reason }),
    hasAuthorization: row.authorization !== null,
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

function toSealed(row: Selectable<WebhooksTable>): SealedWebhook {
  return { ...toRecord(row), sealedSecret: row.secret, ...(row.authorization === null ? {} : { sealedAuthorization: row.authorization }) };
}

function toDelivery(row: Selectable<DeliveriesTable>): DeliveryRecord {
  return {
    id: Number(row.id),
    webhookId: Number(row.webhook_id),
    ...(row.event_id === null ? {} : { eventId: Number(row.event_id) }),
    eventType: row.event_type,
    ...(row.job_id === null ? {} : { jobId: Number(row.job_id) }),
    attempt: Number(row.attempt),
    outcome: row.outcome as DeliveryOutcome,
    ...(row.http_status === null ? {} : { httpStatus: Number(row.http_status) }),
    durationMs: Number(row.duration_ms),
    ...(row.response === null ? {} : { response: row.response }),
    ...(row.error === null ? {} : { error: row.error }),
    test: Number(row.test) === 1,
    at: new Date(Number(row.at)),
  };
}
