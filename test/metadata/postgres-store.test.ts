import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { describeMetadataStore } from './describe-metadata-store.js';
import { putStored } from './fixtures.js';

// The development and CI machines run PostgreSQL here with trust authentication.
const SERVER_URL = process.env['BERTH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on a connection of its own. */
async function execute(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Why PostgreSQL can't be used, or undefined when it answers. */
async function unreachable(): Promise<string | undefined> {
  try {
    await execute('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A schema name no other test run uses. */
function uniqueSchema(): string {
  return `berth_test_${process.pid}_${randomBytes(6).toString('hex')}`;
}

/** Opens the store in `schema` (created when missing). */
async function openSchema(schema: string): Promise<MetadataStore> {
  const url = new URL(SERVER_URL);
  url.searchParams.set('schema', schema);
  return openMetadataStore(url.toString());
}

/** A store in a fresh schema, and a cleanup that drops the schema. */
async function openInFreshSchema(): Promise<{ store: MetadataStore; cleanup: () => Promise<void> }> {
  const schema = uniqueSchema();
  const dropSchema = () => execute(`drop schema if exists "${schema}" cascade`);
  let store: MetadataStore;
  try {
    store = await openSchema(schema);
  } catch (error) {
    await dropSchema();
    throw error;
  }
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema();
    },
  };
}

const reason = await unreachable();
if (reason !== undefined) {
  it(`PostgreSQL metadata store: skipped, no PostgreSQL at ${SERVER_URL} (${reason})`, { skip: true });
} else {
  describeMetadataStore('PostgreSQL metadata store', openInFreshSchema);

  describe('PostgreSQL metadata store setup', () => {
    it('creates the schema named by ?schema= and keeps data across reopening', async () => {
      const schema = uniqueSchema();
      try {
        const first = await openSchema(schema);
        assert.equal(first.dialect, 'postgres');
        const input = await putStored(first, { repository: 'app', tags: ['latest'] });
        await first.close();
        // Reopening runs no migration twice and finds the data.
        const second = await openSchema(schema);
        try {
          assert.equal((await second.manifests.getByTag('app', 'latest'))?.digest, input.digest);
        } finally {
          await second.close();
        }
      } finally {
        await execute(`drop schema if exists "${schema}" cascade`);
      }
    });

    it('stores that share a server but not a schema see nothing of each other', async () => {
      const a = await openInFreshSchema();
      const b = await openInFreshSchema();
      try {
        await putStored(a.store, { repository: 'app', tags: ['latest'] });
        assert.deepEqual(await b.store.repositories.list({}), []);
      } finally {
        await a.cleanup();
        await b.cleanup();
      }
    });

    it('rejects a schema name that is not a plain identifier', async () => {
      await assert.rejects(openSchema('bad; drop table x'), /invalid PostgreSQL schema name/);
    });
  });
}
