import { withoutLease } from './fixtures.js';
import assert from 'node:assert/strict';
import type { StoreTest } from './describe-metadata-store.js';
import { commitBlobs, freshDigest, putStored } from './fixtures.js';

/** BlobStore: commit, stat, mount, unlink. */
export function blobCases(test: StoreTest): void {
  test('a committed blob is visible in its repository only', async (store) => {
    const digest = freshDigest();
    await store.blobs.commit('app', digest, 1234);
    assert.deepEqual(withoutLease(await store.blobs.stat('app', digest)), { digest, size: 1234 });
    assert.equal(await store.blobs.stat('other', digest), undefined);
    assert.equal(await store.blobs.stat('app', freshDigest()), undefined);
    assert.deepEqual(await store.blobs.statAny(digest), { digest, size: 1234 });
    assert.equal(await store.blobs.statAny(freshDigest()), undefined);
  });

  test('committing the same blob again changes nothing', async (store) => {
    const digest = freshDigest();
    await store.blobs.commit('app', digest, 10);
    await store.blobs.commit('app', digest, 10);
    assert.deepEqual(withoutLease(await store.blobs.stat('app', digest)), { digest, size: 10 });
    assert.deepEqual(await store.repositories.list({}), ['app']);
  });

  test('sizes above 4 GiB and sha512 digests round-trip', async (store) => {
    const digest = freshDigest('sha512');
    assert.equal(digest.length, 'sha512:'.length + 128);
    const size = 5 * 1024 ** 3 + 7;
    await store.blobs.commit('big', digest, size);
    assert.deepEqual(withoutLease(await store.blobs.stat('big', digest)), { digest, size });
    assert.deepEqual(await store.blobs.statAny(digest), { digest, size });
  });

  test('mount from a repository that links the blob links it into the target', async (store) => {
    const digest = freshDigest();
    await store.blobs.commit('source', digest, 42);
    assert.deepEqual(await store.blobs.mount('target', digest, 'source'), { digest, size: 42 });
    assert.deepEqual(withoutLease(await store.blobs.stat('target', digest)), { digest, size: 42 });
    // Mounting again, or into the repository that already has it, is harmless.
    assert.deepEqual(await store.blobs.mount('target', digest, 'source'), { digest, size: 42 });
    assert.deepEqual(await store.blobs.mount('source', digest, 'source'), { digest, size: 42 });
  });

  test('mount from a repository that does not link the blob refuses', async (store) => {
    const digest = freshDigest();
    await store.blobs.commit('elsewhere', digest, 42);
    await commitBlobs(store, 'source', 1);
    assert.equal(await store.blobs.mount('target', digest, 'source'), undefined);
    assert.equal(await store.blobs.mount('target', digest, 'no-such-repository'), undefined);
    assert.equal(await store.blobs.stat('target', digest), undefined);
    assert.equal(await store.repositories.exists('target'), false);
  });

  test('mount without from links a blob any repository holds', async (store) => {
    const digest = freshDigest();
    await store.blobs.commit('source', digest, 7);
    assert.deepEqual(await store.blobs.mount('target', digest), { digest, size: 7 });
    assert.deepEqual(withoutLease(await store.blobs.stat('target', digest)), { digest, size: 7 });
    assert.equal(await store.blobs.mount('target', freshDigest()), undefined);
  });

  test('unlink removes the link; other repositories keep theirs', async (store) => {
    const digest = freshDigest();
    await store.blobs.commit('a', digest, 5);
    await store.blobs.commit('b', digest, 5);
    assert.deepEqual(await store.blobs.unlink('a', digest), { status: 'deleted' });
    assert.equal(await store.blobs.stat('a', digest), undefined);
    assert.deepEqual(withoutLease(await store.blobs.stat('b', digest)), { digest, size: 5 });
    assert.deepEqual(await store.blobs.statAny(digest), { digest, size: 5 });
    assert.deepEqual(await store.blobs.unlink('a', digest), { status: 'unknown' });
  });

  test('a blob no repository links any more is not found by statAny or mount', async (store) => {
    const digest = freshDigest();
    await store.blobs.commit('a', digest, 5);
    await store.blobs.unlink('a', digest);
    assert.equal(await store.blobs.statAny(digest), undefined);
    assert.equal(await store.blobs.mount('b', digest), undefined);
    // Committing it again (the bytes were pushed again) brings it back.
    await store.blobs.commit('a', digest, 5);
    assert.deepEqual(await store.blobs.statAny(digest), { digest, size: 5 });
  });

  test('unlink of an unknown blob or repository is unknown', async (store) => {
    await commitBlobs(store, 'a', 1);
    assert.deepEqual(await store.blobs.unlink('a', freshDigest()), { status: 'unknown' });
    assert.deepEqual(await store.blobs.unlink('no-such-repository', freshDigest()), { status: 'unknown' });
  });

  test('unlink removes the link even while a manifest of the repository uses the blob; the manifest stays', async (store) => {
    const [config, layer] = await commitBlobs(store, 'app', 2);
    const manifest = await putStored(store, { repository: 'app', blobs: [config!, layer!] });
    await store.blobs.mount('other', layer!, 'app');
    assert.deepEqual(await store.blobs.unlink('app', layer!), { status: 'deleted' });
    assert.equal(await store.blobs.stat('app', layer!), undefined);
    assert.equal((await store.manifests.get('app', manifest.digest))?.digest, manifest.digest);
    // Other repositories keep their own links.
    assert.deepEqual(withoutLease(await store.blobs.stat('other', layer!)), { digest: layer!, size: 101 });
    assert.deepEqual(await store.blobs.unlink('app', layer!), { status: 'unknown' });
  });
}
