/**
 * Garbage collection through the admin API: POST /api/v1/gc (admins only, dry or not, 409 while
 * another node holds the gc lease) and its run history at GET /api/v1/gc/runs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushImageAs } from '../auth/support.js';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { ADMIN, api, assertError, assertStatus, createUser, startApiRegistry } from './support.js';

interface ReportJson {
  dryRun: boolean;
  orphanFiles: string[];
  bytesReclaimed: number;
}
interface RunsJson {
  runs: { id: number; dryRun: boolean; orphanFiles: number; bytesReclaimed: number; finishedAt: string | null; node: string; error: string | null }[];
}

describe('GC through the admin API', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let orphan: string;

  before(async () => {
    registry = await startApiRegistry({ BERTH_GC_GRACE_SECONDS: '1', BERTH_GC_INTERVAL_SECONDS: '0' });
    assert.equal(await pushImageAs(registry, 'admin/app', 'v1', imageManifest(), ADMIN), 201);
    const hex = randomBytes(32).toString('hex');
    orphan = `blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
    const file = join(registry.dataDir, 'storage', orphan);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, Buffer.alloc(2048));
    const old = new Date(Date.now() - 3600_000);
    await utimes(file, old, old);
  });

  after(async () => {
    await registry.stop();
  });

  it('a dry run lists the orphan file and deletes nothing; a run deletes it; the history shows both with their bytes', async () => {
    const dry = await api<ReportJson>(registry, 'POST', '/gc', { auth: ADMIN, json: { dryRun: true } });
    assertStatus(dry, 200);
    assert.equal(dry.body.dryRun, true);
    assert.deepEqual(dry.body.orphanFiles, [orphan]);
    assert.equal(dry.body.bytesReclaimed, 2048);
    assert.equal(existsSync(join(registry.dataDir, 'storage', orphan)), true);

    const run = await api<ReportJson>(registry, 'POST', '/gc', { auth: ADMIN, json: {} });
    assertStatus(run, 200);
    assert.equal(run.body.dryRun, false);
    assert.deepEqual(run.body.orphanFiles, [orphan]);
    assert.equal(existsSync(join(registry.dataDir, 'storage', orphan)), false);

    const history = await api<RunsJson>(registry, 'GET', '/gc/runs?limit=2', { auth: ADMIN });
    assertStatus(history, 200);
    assert.deepEqual(
      history.body.runs.map((r) => [r.dryRun, r.orphanFiles, r.bytesReclaimed, r.error, typeof r.finishedAt]),
      [
        [false, 1, 2048, null, 'string'],
        [true, 1, 2048, null, 'string'],
      ],
    );
  });

  it('answers 403 DENIED to a user who is not an admin, and 401 without credentials', async () => {
    const bob = await createUser(registry, 'bob', 'bob-password-1');
    const refused = assertError(await api(registry, 'POST', '/gc', { auth: bob, json: { dryRun: true } }), 403, 'DENIED');
    assert.equal(refused.message, 'only admins may run garbage collection');
    assert.equal(assertError(await api(registry, 'GET', '/gc/runs', { auth: bob }), 403, 'DENIED').message, 'only admins may read the garbage collection history');
    assertError(await api(registry, 'POST', '/gc', { json: {} }), 401, 'UNAUTHORIZED');
  });

  it('answers 409 CONFLICT naming the holder while another node holds the gc lease', async () => {
    assert.equal(await registry.berth.store.leases.acquire('gc', 'other-node', 60_000), true);
    try {
      const busy = assertError(await api(registry, 'POST', '/gc', { auth: ADMIN, json: {} }), 409, 'CONFLICT');
      assert.match(busy.message, /^gc is already running on other-node \(its lease lasts until .*\); try again later$/);
      assert.deepEqual(busy.detail, { holder: 'other-node' });
    } finally {
      await registry.berth.store.leases.release('gc', 'other-node');
    }
  });

  it('refuses a dryRun that is not a boolean with 400 INVALID_REQUEST', async () => {
    assertError(await api(registry, 'POST', '/gc', { auth: ADMIN, json: { dryRun: 'yes' } }), 400, 'INVALID_REQUEST');
  });
});
