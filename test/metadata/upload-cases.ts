import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { StoreTest } from './describe-metadata-store.js';

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
