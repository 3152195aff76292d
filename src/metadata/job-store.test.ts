/**
 * insertJob joins the caller's transaction: the work a change causes is queued exactly when the
 * change commits. (The store suite, test/metadata/job-cases.ts, covers the queue itself.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { insertJob, KyselyJobStore } from './job-store.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';

describe('insertJob', () => {
  it('queues the job only when the transaction it joined commits', async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    try {
      await migrateToLatest(db, 'sqlite');
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await insertJob(trx, { kind: 'webhook', payload: 'rolled back', maxAttempts: 1 });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      await db.transaction().execute(async (trx) => {
        await insertJob(trx, { kind: 'webhook', payload: 'committed', maxAttempts: 1 });
      });
      const jobs = await new KyselyJobStore(db).list({ limit: 10 });
      assert.deepEqual(jobs.map((job) => job.payload), ['committed']);
    } finally {
      await db.destroy();
    }
  });
});
