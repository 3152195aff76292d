import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { describeMetadataStore } from './describe-metadata-store.js';
import { putStored } from './fixtures.js';

async function temporaryDirectory(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-metadata-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

describeMetadataStore('SQLite metadata store', async () => {
  const { dir, remove } = await temporaryDirectory();
  const store = await openMetadataStore(`sqlite:${join(dir, 'metadata.db')}`);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await remove();
    },
  };
});

describe('SQLite metadata store files', () => {
  it('creates the database directory and keeps data across reopening (migrations run once)', async () => {
    const { dir, remove } = await temporaryDirectory();
    try {
      const path = join(dir, 'nested', 'deeper', 'metadata.db');
      const first = await openMetadataStore(path);
      assert.equal(first.dialect, 'sqlite');
      const input = await putStored(first, { repository: 'app', tags: ['latest'] });
      await first.close();
      const second = await openMetadataStore(`sqlite:${path}`);
      try {
        assert.equal((await second.manifests.getByTag('app', 'latest'))?.digest, input.digest);
      } finally {
        await second.close();
      }
    } finally {
      await remove();
    }
  });

  it('uses WAL journaling and finishes a first migration interrupted halfway', async () => {
    const { dir, remove } = await temporaryDirectory();
    try {
      const path = join(dir, 'metadata.db');
      // A crash after the first table: SQLite migrations run outside a transaction.
      const partial = new BetterSqlite3(path);
      partial.exec('create table repositories (id integer primary key, name text not null unique)');
      partial.close();
      const store = await openMetadataStore(path);
      try {
        await putStored(store, { repository: 'app', tags: ['latest'] });
        assert.deepEqual(await store.manifests.listTags('app', {}), ['latest']);
      } finally {
        await store.close();
      }
      const check = new BetterSqlite3(path, { readonly: true });
      try {
        assert.equal(check.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        check.close();
      }
    } finally {
      await remove();
    }
  });

  it('opens an in-memory database with sqlite::memory:', async () => {
    const store = await openMetadataStore('sqlite::memory:');
    try {
      await store.ping();
      assert.deepEqual(await store.repositories.list({}), []);
    } finally {
      await store.close();
    }
  });

  it('rejects a URL scheme it does not know', async () => {
    await assert.rejects(openMetadataStore('mysql://user:secret@localhost/db'), (error: Error) => {
      assert.match(error.message, /unsupported metadata URL scheme/);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });
});
