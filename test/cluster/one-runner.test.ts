/**
 * Nodes sharing one PostgreSQL: migrations run once when they start together, and garbage
 * collection and lifecycle runs happen on one node at a time (the `gc` / `lifecycle` leases).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { LeaseBusyError } from '../../src/cluster/exclusive.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { ADMIN, api, startApiRegistry } from '../api/support.js';
import { dropTestSchema, postgresTestUrl } from '../support/postgres.js';
import type { TestRegistry } from '../support/registry.js';

describe('several nodes on one PostgreSQL', { timeout: 60_000 }, () => {
  it('run the migrations exactly once when eight start at the same moment', async () => {
    const url = postgresTestUrl();
    const stores: MetadataStore[] = [];
    try {
      const opened = await Promise.allSettled(Array.from({ length: 8 }, () => openMetadataStore(url)));
      for (const result of opened) if (result.status === 'fulfilled') stores.push(result.value);
      assert.deepEqual(opened.map((result) => result.status), Array(8).fill('fulfilled'));
      const schema = new URL(url).searchParams.get('schema');
      const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; count: string }>(`select name, count(*) as count from "${schema}".kysely_migration group by name order by name`);
        assert.ok(rows.length >= 8, `migrations recorded: ${rows.map((row) => row.name).join(', ')}`);
        assert.ok(rows.every((row) => row.count === '1'));
        assert.equal(rows.at(-1)?.name, '0015-open-job-indexes');
      } finally {
        await client.end();
      }
      for (const store of stores) await store.ping();
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await dropTestSchema(url);
    }
  });

  describe('garbage collection and lifecycle runs', () => {
    const url = postgresTestUrl();
    let nodeA: TestRegistry;
    let nodeB: TestRegistry;
    let storage: string;
    before(async () => {
      // Nodes of one registry share its storage as well as its database (storage is bound to it).
      storage = await mkdtemp(join(tmpdir(), 'berth-one-runner-'));
      const settings = {
        BERTH_METADATA_URL: url,
        BERTH_STORAGE_FILESYSTEM_ROOT: storage,
        BERTH_ADMIN_PASSWORD: 'admin-password-1',
        BERTH_GC_INTERVAL_SECONDS: '0',
        BERTH_LIFECYCLE_INTERVAL_SECONDS: '0',
      };
      nodeA = await startApiRegistry(settings);
      nodeB = await startApiRegistry(settings);
    });
    after(async () => {
      await nodeB?.berth.close();
      await nodeA?.stop();
      await rm(storage, { recursive: true, force: true });
    });

    it('a node collects only while no other holds the gc lease; a dry run only reads and needs none', async () => {
      const holdB = nodeB.berth.gc.run();
      const collectA = nodeA.berth.gc.run();
      const [b, a] = await Promise.allSettled([holdB, collectA]);
      // Both at once: exactly one collected, the other was told who holds the lease.
      const outcomes = [a, b].map((result) => result.status);
      assert.deepEqual(outcomes.sort(), ['fulfilled', 'rejected']);
      const refused = [a, b].find((result) => result.status === 'rejected') as PromiseRejectedResult;
      assert.ok(refused.reason instanceof LeaseBusyError, String(refused.reason));
      assert.match(refused.reason.message, /gc is already running on /);
      // Released when done: now either runs.
      assert.equal((await nodeA.berth.gc.run()).dryRun, false);
      assert.equal((await nodeB.berth.gc.run()).dryRun, false);
    });

    it('a lease left by a node killed mid-run blocks collection only until it expires', async () => {
      await nodeA.berth.store.leases.acquire('gc', 'killed-node', 300);
      await assert.rejects(nodeB.berth.gc.run(), (error: unknown) => error instanceof LeaseBusyError && error.holder === 'killed-node');
      assert.equal((await nodeB.berth.gc.run({ dryRun: true })).dryRun, true);
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal((await nodeB.berth.gc.run()).dryRun, false);
    });

    it('lifecycle runs by hand answer 409 naming the node that holds the lease', async () => {
      await nodeA.berth.store.leases.acquire('lifecycle', 'node-x', 60_000);
      const refused = await api<{ errors: { code: string; message: string; detail: { holder: string } }[] }>(nodeB, 'POST', '/lifecycle-policies/run', { auth: ADMIN, json: {} });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.errors[0]?.code, 'CONFLICT');
      assert.equal(refused.body.errors[0]?.detail.holder, 'node-x');
      await nodeA.berth.store.leases.release('lifecycle', 'node-x');
      assert.equal((await api(nodeB, 'POST', '/lifecycle-policies/run', { auth: ADMIN, json: {} })).status, 200);
    });
  });
});
