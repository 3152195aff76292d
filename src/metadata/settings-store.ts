/**
 * Registry-wide settings changed at run time (read-only mode): rows of `registry_settings`, so
 * every node of a scaled-out registry sees the same value — the database is what they share.
 */
import type { Kysely } from 'kysely';
import { writeEvents, type EventOrigin, type NewEvent } from './event-store.js';
import type { Database } from './schema.js';

/** A stored setting: its JSON value, who last set it and when. */
export interface SettingRecord {
  key: string;
  /** The value as JSON text (callers parse and check it). */
  value: string;
  updatedBy: string;
  updatedAt: Date;
}

/** Registry-wide settings by key. */
export interface SettingsStore {
  get(key: string): Promise<SettingRecord | undefined>;
  /** Creates or replaces the setting, with the events the change raises (read-only switched) in the same transaction. */
  set(key: string, value: string, updatedBy: string, events?: { events: readonly NewEvent[]; origin?: EventOrigin }): Promise<SettingRecord>;
}

/** Settings through Kysely. */
export class KyselySettingsStore implements SettingsStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks: boolean,
  ) {}

  async get(key: string): Promise<SettingRecord | undefined> {
    const row = await this.db.selectFrom('registry_settings').selectAll().where('key', '=', key).executeTakeFirst();
    return row && { key: row.key, value: row.value, updatedBy: row.updated_by, updatedAt: new Date(Number(row.updated_at)) };
  }

  async set(key: string, value: string, updatedBy: string, events?: { events: readonly NewEvent[]; origin?: EventOrigin }): Promise<SettingRecord> {
    const updatedAt = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('registry_settings')
        .values({ key, value, updated_by: updatedBy, updated_at: updatedAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            updated_by: eb.ref('excluded.updated_by'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
      if (events) await writeEvents(trx, this.rowLocks, events.events, events.origin, updatedAt);
    });
    return { key, value, updatedBy, updatedAt: new Date(updatedAt) };
  }
}
