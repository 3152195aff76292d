/**
 * Event ids follow commit order on PostgreSQL (metadata/event-store.ts): a transaction that took
 * an id and has not committed holds back every later event writer, so a follower reading
 * `after=<last id seen>` can never see a later id first and skip the earlier one forever.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { writeEvents } from '../../src/metadata/event-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import type { Database } from '../../src/metadata/schema.js';
import { dropTestSchema, postgresTestUrl } from '../support/postgres.js';

describe('event ids in commit order (PostgreSQL)', () => {
  const url = postgresTestUrl();
  let store: MetadataStore;
  let db: Kysely<Database>;

  before(async () => {
    store = await openMetadataStore(url);
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? '';
    parsed.searchParams.delete('schema');
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: parsed.toString(), options: `-c search_path=${schema}`, max: 4 }) }) });
  });

  after(async () => {
    await db.destroy();
    await store.close();
    await dropTestSchema(url);
  });

  it('a later writer waits for an earlier one to commit, so no reader sees the later id alone', async () => {
    const first = await db.startTransaction().execute();
    await writeEvents(first, true, [{ type: 'manifest.pushed', repository: 'team/first' }], { actor: 'a' });
    let secondCommitted = false;
    const second = (async () => {
      const trx = await db.startTransaction().execute();
      await writeEvents(trx, true, [{ type: 'manifest.pushed', repository: 'team/second' }], { actor: 'b' });
      await trx.commit().execute();
      secondCommitted = true;
    })();
    try {
      // Give the second writer every chance to commit ahead of the first.
      await sleep(300);
      assert.equal(secondCommitted, false, 'the second writer waits for the first');
      assert.deepEqual(await store.events.list({ limit: 10 }), [], 'nothing is visible while the first is open');
    } finally {
      await first.commit().execute();
      await second;
    }
    const events = await store.events.list({ limit: 10 });
    assert.deepEqual(events.map((event) => event.repository), ['team/first', 'team/second']);
    assert.ok((events[0]?.id ?? 0) < (events[1]?.id ?? 0));
  });
});
