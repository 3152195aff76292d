/**
 * Named leases in the shared database: of several nodes, the one holding the `gc` lease collects
 * garbage and the one holding `lifecycle` applies policies. A lease is a row with a holder and an
 * expiry; taking one is a single upsert that succeeds only when the row is free, expired or
 * already the caller's, so the database settles every race. Holders renew while they work; a
 * holder that dies (kill -9) loses the lease when it expires.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Who holds a lease, and until when. */
export interface LeaseRecord {
  name: string;
  holder: string;
  expiresAt: Date;
}

/** Named leases. */
export interface LeaseStore {
  /** Takes or renews the lease for ttlMs; false when another holder's lease has not expired. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (only the holder's own). */
  release(name: string, holder: string): Promise<void>;
  /** The lease's current row, expired or not, if any. */
  get(name: string): Promise<LeaseRecord | undefined>;
}

/** Leases through Kysely (SQLite and PostgreSQL both have upserts with a condition). */
export class KyselyLeaseStore implements LeaseStore {
  constructor(private readonly db: Kysely<Database>) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const row = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({ holder: eb.ref('excluded.holder'), expires_at: eb.ref('excluded.expires_at') }))
          .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.holder', '=', holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  async get(name: string): Promise<LeaseRecord | undefined> {
    const row = await this.db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { name: row.name, holder: row.holder, expiresAt: new Date(Number(row.expires_at)) };
  }
}
