import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { SessionLimits } from '../../src/metadata/metadata-store.js';
import type { BlobQuota } from '../../src/metadata/usage-store.js';
import type { StoreTest } from './describe-metadata-store.js';
import { freshDigest } from './fixtures.js';

/** UploadStore: sessions and their compare-and-set offset. */
export function uploadCases(test: StoreTest): void {
  test('create starts a session at offset 0', async (store) => {
    const before = Date.now();
    const id = randomUUID();
    const created = await store.uploads.create({ id, repository: 'not/yet/a/repository', algorithm: 'sha256' });
    assert.equal(created.id, id);
    assert.equal(created.repository, 'not/yet/a/repository');
    assert.equal(created.algorithm, 'sha256');
    assert.equal(created.offset, 0);
    assert.ok(created.createdAt instanceof Date);
    assert.ok(created.createdAt.getTime() >= before && created.createdAt.getTime() <= Date.now());
    assert.deepEqual(await store.uploads.get(id), created);
    // A session does not create its repository; a committed blob does.
    assert.equal(await store.repositories.exists('not/yet/a/repository'), false);
  });

  test('get is undefined for an unknown session', async (store) => {
    assert.equal(await store.uploads.get(randomUUID()), undefined);
  });

  test('advance moves the offset only from the expected one', async (store) => {
    const id = randomUUID();
    const created = await store.uploads.create({ id, repository: 'app', algorithm: 'sha512' });
    assert.equal(await store.uploads.advance(id, 0, 1000), true);
    assert.equal(await store.uploads.advance(id, 0, 2000), false);
    assert.equal(await store.uploads.advance(id, 1000, 1000), true);
    const advanced = await store.uploads.get(id);
    assert.ok(advanced);
    assert.equal(advanced.offset, 1000);
    assert.ok(advanced.updatedAt.getTime() >= created.updatedAt.getTime());
    assert.equal(advanced.createdAt.getTime(), created.createdAt.getTime());
  });

  test('advance bumps updatedAt', async (store) => {
    const id = randomUUID();
    const created = await store.uploads.create({ id, repository: 'app', algorithm: 'sha256' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.uploads.advance(id, 0, 1);
    const advanced = await store.uploads.get(id);
    assert.ok(advanced && advanced.updatedAt.getTime() > created.updatedAt.getTime());
  });

  test('offsets above 4 GiB round-trip', async (store) => {
    const id = randomUUID();
    await store.uploads.create({ id, repository: 'app', algorithm: 'sha256' });
    const big = 6 * 1024 ** 3 + 1;
    assert.equal(await store.uploads.advance(id, 0, big), true);
    assert.equal((await store.uploads.get(id))?.offset, big);
    assert.equal(await store.uploads.advance(id, big, big + 10), true);
  });

  test('delete removes the session; advance on it then fails', async (store) => {
    const id = randomUUID();
    const other = randomUUID();
    await store.uploads.create({ id, repository: 'app', algorithm: 'sha256' });
    await store.uploads.create({ id: other, repository: 'app', algorithm: 'sha256' });
    assert.equal(await store.uploads.delete(id), true);
    assert.equal(await store.uploads.get(id), undefined);
    assert.equal(await store.uploads.advance(id, 0, 10), false);
    assert.equal(await store.uploads.delete(id), false);
    assert.equal((await store.uploads.get(other))?.offset, 0);
  });
}

/** Session caps and quota checks of the upload store (uploads.maxSessionsPer*, open-upload bytes). */
export function uploadLimitCases(test: StoreTest): void {
  const limits = (perNamespace: number, perPrincipal: number): SessionLimits => ({ namespace: 'capped', scope: { prefix: 'capped/' }, perNamespace, perPrincipal });

  test('create refuses a session past the namespace cap, counting only that namespace, and creates nothing', async (store) => {
    await store.uploads.create({ id: randomUUID(), repository: 'elsewhere/app', algorithm: 'sha256' });
    for (let i = 0; i < 2; i++) assert.ok(!('status' in (await store.uploads.create({ id: randomUUID(), repository: `capped/app${i}`, algorithm: 'sha256' }, limits(2, 10)))));
    const id = randomUUID();
    assert.deepEqual(await store.uploads.create({ id, repository: 'capped/app', algorithm: 'sha256' }, limits(2, 10)), { status: 'too-many-sessions', of: 'namespace', limit: 2, open: 2 });
    assert.equal(await store.uploads.get(id), undefined);
  });

  test('create refuses a principal past its cap in any namespace; others and unnamed openers are not held to it', async (store) => {
    await store.uploads.create({ id: randomUUID(), repository: 'elsewhere/app', algorithm: 'sha256', openedBy: 'user:bob' });
    const first = await store.uploads.create({ id: randomUUID(), repository: 'capped/app', algorithm: 'sha256', openedBy: 'user:bob' }, limits(10, 2));
    assert.ok(!('status' in first));
    assert.equal(first.openedBy, 'user:bob');
    assert.deepEqual(await store.uploads.get(first.id), first);
    assert.deepEqual(await store.uploads.create({ id: randomUUID(), repository: 'capped/app', algorithm: 'sha256', openedBy: 'user:bob' }, limits(10, 2)), { status: 'too-many-sessions', of: 'principal', limit: 2, open: 2 });
    assert.ok(!('status' in (await store.uploads.create({ id: randomUUID(), repository: 'capped/app', algorithm: 'sha256', openedBy: 'robot:ci' }, limits(10, 2)))));
    assert.ok(!('status' in (await store.uploads.create({ id: randomUUID(), repository: 'capped/app', algorithm: 'sha256' }, limits(10, 2)))));
  });

  test('concurrent creates never pass a cap together', async (store) => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.uploads.create({ id: randomUUID(), repository: `capped/r${i % 3}`, algorithm: 'sha256' }, limits(5, 100))));
    assert.equal(results.filter((result) => !('status' in result)).length, 5);
  });

  test('advance with a quota counts open uploads and blobs, and refuses a move past it changing nothing', async (store) => {
    const quota: BlobQuota = { namespace: 'capped', scope: { prefix: 'capped/' }, limitBytes: 1000 };
    assert.equal(await store.blobs.commit('capped/app', freshDigest(), 300), 'committed');
    const a = randomUUID();
    const b = randomUUID();
    await store.uploads.create({ id: a, repository: 'capped/app', algorithm: 'sha256' });
    await store.uploads.create({ id: b, repository: 'capped/other', algorithm: 'sha256' });
    assert.equal(await store.uploads.advance(a, 0, 400, quota), true);
    assert.equal(await store.usage.uploadUsage({ prefix: 'capped/' }), 400);
    assert.deepEqual(await store.uploads.advance(b, 0, 301, quota), { status: 'over-quota', namespace: 'capped', quotaBytes: 1000, usedBytes: 700, uploadBytes: 400, blobBytes: 301 });
    assert.equal((await store.uploads.get(b))?.offset, 0);
    assert.equal(await store.uploads.advance(b, 0, 300, quota), true, 'exactly the room fits');
    assert.equal(await store.uploads.advance(a, 400, 400, quota), true, 'no growth needs no room');
  });

  test('a commit closing an upload does not count its bytes twice and removes its row', async (store) => {
    const id = randomUUID();
    await store.uploads.create({ id, repository: 'capped/app', algorithm: 'sha256' });
    assert.equal(await store.uploads.advance(id, 0, 800), true);
    const digest = freshDigest();
    assert.equal(await store.usage.linkedSize({ prefix: 'capped/' }, digest), undefined);
    assert.equal(await store.blobs.commit('capped/app', digest, 800, { namespace: 'capped', scope: { prefix: 'capped/' }, limitBytes: 1000, closing: id }), 'committed');
    assert.equal(await store.uploads.get(id), undefined);
    assert.equal(await store.usage.uploadUsage({ prefix: 'capped/' }), 0);
    assert.equal(await store.usage.linkedSize({ prefix: 'capped/' }, digest), 800);
    assert.equal(await store.usage.linkedSize({ prefix: 'other/' }, digest), undefined);
  });
}
