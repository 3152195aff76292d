import type { Kysely, Selectable } from 'kysely';
import type { AuditEventInput, AuditEventRecord, AuditQuery, AuditStore, SigningKeyRecord, SigningKeyStore } from './access-store.js';
import type { AuditEventsTable, Database } from './schema.js';

/** The audit log through Kysely. */
export class KyselyAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('audit_events')
      .values(
        events.map((event) => ({
          at: event.at.getTime(),
          actor: event.actor,
          actor_kind: event.actorKind,
          action: event.action,
          target: event.target ?? null,
          outcome: event.outcome,
          client_ip: event.clientIp ?? null,
          detail: event.detail === undefined ? null : JSON.stringify(event.detail),
        })),
      )
      .execute();
  }

  async query(filter: AuditQuery): Promise<AuditEventRecord[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .$if(filter.actor !== undefined, (q) => q.where('actor', '=', filter.actor ?? ''))
      .$if(filter.action !== undefined, (q) => q.where('action', '=', filter.action ?? ''))
      .$if(filter.outcome !== undefined, (q) => q.where('outcome', '=', filter.outcome ?? ''))
      // A prefix match without LIKE, whose wildcards (% _) a target may contain.
      .$if(filter.target !== undefined, (q) => q.where('target', '>=', filter.target ?? '').where('target', '<', `${filter.target ?? ''}\u{10FFFF}`))
      .$if(filter.since !== undefined, (q) => q.where('at', '>=', filter.since?.getTime() ?? 0))
      .$if(filter.until !== undefined, (q) => q.where('at', '<', filter.until?.getTime() ?? 0))
      .$if(filter.before !== undefined, (q) => q.where('id', '<', filter.before ?? 0))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
    return rows.map(toRecord);
  }

  async deleteOlderThan(before: Date, limit: number): Promise<number> {
    // By id through a subquery: neither SQLite (without a compile option) nor PostgreSQL has
    // DELETE … LIMIT. The index on `at` finds the oldest rows.
    const result = await this.db
      .deleteFrom('audit_events')
      .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('at', '<', before.getTime()).orderBy('at').limit(limit))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRecord(row: Selectable<AuditEventsTable>): AuditEventRecord {
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)),
    actor: row.actor,
    actorKind: row.actor_kind,
    action: row.action,
    ...(row.target === null ? {} : { target: row.target }),
    outcome: row.outcome as AuditEventInput['outcome'],
    ...(row.client_ip === null ? {} : { clientIp: row.client_ip }),
    ...(row.detail === null ? {} : { detail: JSON.parse(row.detail) as Record<string, unknown> }),
  };
}

/** Token-signing keys through Kysely. */
export class KyselySigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<SigningKeyRecord[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map((row) => ({ kid: row.kid, privateJwk: row.private_jwk, publicJwk: row.public_jwk, createdAt: new Date(Number(row.created_at)) }));
  }

  async add(key: SigningKeyRecord): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({ kid: key.kid, private_jwk: key.privateJwk, public_jwk: key.publicJwk, created_at: key.createdAt.getTime() })
      .onConflict((oc) => oc.column('kid').doNothing())
      .execute();
  }

  async replacePrivate(kid: string, privateJwk: string): Promise<boolean> {
    const result = await this.db.updateTable('signing_keys').set({ private_jwk: privateJwk }).where('kid', '=', kid).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
