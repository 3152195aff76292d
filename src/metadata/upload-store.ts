import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { NewUpload, SessionLimits, SessionRefusal, UploadRecord, UploadStore } from './metadata-store.js';
import type { Database, UploadsTable } from './schema.js';
import { checkUploadRoom, nameInScope, type BlobQuota, type QuotaRefusal } from './usage-store.js';

/**
 * Upload sessions through Kysely. `rowLocks` is true on PostgreSQL: the session caps and the
 * quota checks of a growing upload take transaction-scoped advisory locks, so two sessions
 * can't both pass one count; SQLite runs one writer at a time and needs none.
 */
export class KyselyUploadStore implements UploadStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rowLocks = false,
  ) {}

  async create(upload: NewUpload): Promise<UploadRecord>;
  async create(upload: NewUpload, limits: SessionLimits | undefined): Promise<UploadRecord | SessionRefusal>;
  async create(upload: NewUpload, limits?: SessionLimits): Promise<UploadRecord | SessionRefusal> {
    const now = Date.now();
    const row = { id: upload.id, repository: upload.repository, algorithm: upload.algorithm, offset: 0, created_at: now, updated_at: now, opened_by: upload.openedBy ?? null };
    if (!limits) {
      await this.db.insertInto('uploads').values(row).execute();
      return toRecord(row);
    }
    return this.db.transaction().execute(async (trx) => {
      // Namespace first, then principal: every creator takes them in this order, so no deadlock.
      // An infinite cap (0 in the settings) is no cap: nothing to count or lock.
      if (Number.isFinite(limits.perNamespace)) {
        if (this.rowLocks) await lock(trx, `:berth-uploads:${limits.namespace}`);
        const inNamespace = await countSessions(trx, () => nameInScope('uploads.repository', limits.scope));
        if (inNamespace >= limits.perNamespace) return { status: 'too-many-sessions', of: 'namespace', limit: limits.perNamespace, open: inNamespace } as const;
      }
      if (upload.openedBy !== undefined && Number.isFinite(limits.perPrincipal)) {
        if (this.rowLocks) await lock(trx, `:berth-uploads-by:${upload.openedBy}`);
        const opened = await countSessions(trx, (eb) => eb('opened_by', '=', upload.openedBy ?? ''));
        if (opened >= limits.perPrincipal) return { status: 'too-many-sessions', of: 'principal', limit: limits.perPrincipal, open: opened } as const;
      }
      await trx.insertInto('uploads').values(row).execute();
      return toRecord(row);
    });
  }

  async get(id: string): Promise<UploadRecord | undefined> {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async advance(id: string, expected: number, offset: number, quota?: BlobQuota): Promise<boolean | QuotaRefusal> {
    // Compare-and-set in one statement: of two PATCHes from the same offset, one updates the row
    // and the other finds its `offset = expected` condition false.
    const update = async (db: Kysely<Database>): Promise<boolean> => {
      const result = await db.updateTable('uploads').set({ offset, updated_at: Date.now() }).where('id', '=', id).where('offset', '=', expected).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    };
    if (!quota || offset <= expected) return update(this.db);
    return this.db.transaction().execute(async (trx) => {
      // The usage counts this session at its old offset; the chunk adds the difference.
      const room = await checkUploadRoom(trx, quota, offset - expected, this.rowLocks);
      return room.status === 'over-quota' ? room : update(trx);
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

/** Open sessions matching `condition`. */
async function countSessions(trx: Kysely<Database>, condition: (eb: ExpressionBuilder<Database, 'uploads'>) => Expression<SqlBool>): Promise<number> {
  const row = await trx.selectFrom('uploads').select(sql<number>`count(*)`.as('n')).where(condition).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function lock(trx: Kysely<Database>, key: string): Promise<void> {
  // current_schema() keeps registries sharing one PostgreSQL server (in their own schemas) apart.
  await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ${key}::text))`.execute(trx);
}

function toRecord(row: Selectable<UploadsTable>): UploadRecord {
  return {
    id: row.id,
    repository: row.repository,
    algorithm: row.algorithm,
    offset: Number(row.offset),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    ...(row.opened_by === null ? {} : { openedBy: row.opened_by }),
  };
}
