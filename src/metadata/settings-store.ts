/**
 * Registry-wide settings changed at run time (read-only mode): rows of `registry_settings`, so
 * every node of a scaled-out registry sees the same value — the database is what they share.
 */
import type { Kysely } from 'kysely';
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
  /** Creates or replaces the setting. */
  set(key: string, value: string, updatedBy: string): Promise<SettingRecord>;
}

/** Settings through Kysely. */
export class KyselySettingsStore implements SettingsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<SettingRecord | undefined> {
    const row = await this.db.selectFrom('registry_settings').selectAll().where('key', '=', key).executeTakeFirst();
    return row && { key: row.key, value: row.value, updatedBy: row.updated_by, updatedAt: new Date(Number(row.updated_at)) };
  }

  async set(key: string, value: string, updatedBy: string): Promise<SettingRecord> {
    const updatedAt = Date.now();
    await this.db
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
    return { key, value, updatedBy, updatedAt: new Date(updatedAt) };
  }
}
