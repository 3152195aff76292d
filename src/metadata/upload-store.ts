import type { Kysely, Selectable } from 'kysely';
import type { UploadRecord, UploadStore } from './metadata-store.js';
import type { Database, UploadsTable } from './schema.js';

/** Upload sessions through Kysely. */
export class KyselyUploadStore implements UploadStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(upload: { id: string; repository: string; algorithm: string }): Promise<UploadRecord> {
    const now = Date.now();
    const row = { ...upload, offset: 0, created_at: now, updated_at: now };
    await this.db.insertInto('uploads').values(row).execute();
    return toRecord(row);
  }

  async get(id: string): Promise<UploadRecord | undefined> {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async advance(id: string, expected: number, offset: number): Promise<boolean> {
    // Compare-and-set in one statement: of two PATCHes from the same offset, one updates the row
    // and the other finds its `offset = expected` condition false.
    const result = await this.db
      .updateTable('uploads')
      .set({ offset, updated_at: Date.now() })
      .where('id', '=', id)
      .where('offset', '=', expected)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function toRecord(row: Selectable<UploadsTable>): UploadRecord {
  return {
    id: row.id,
    repository: row.repository,
    algorithm: row.algorithm,
    offset: row.offset,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
