import assert from 'node:assert/strict';
import type { StoreTest } from './describe-metadata-store.js';
import { bytesOf, commitBlobs, freshDigest, IMAGE_MANIFEST, manifestInput, putStored } from './fixtures.js';

/** ManifestStore: put, get, delete and the reference rules. */
export function manifestCases(test: StoreTest): void {
  test('a stored manifest comes back with its exact bytes, media type and size', async (store) => {
    const blobs = await commitBlobs(store, 'app', 2);
    const input = await putStored(store, { repository: 'app', blobs });
    const record = await store.manifests.get('app', input.digest);
    assert.ok(record);
    assert.equal(record.digest, input.digest);
    assert.equal(record.mediaType, IMAGE_MANIFEST);
    assert.equal(record.size, input.bytes.byteLength);
    assert.deepEqual(bytesOf(record.bytes), bytesOf(input.bytes));
  });

  test('bytes that are not UTF-8 round-trip exactly', async (store) => {
    const bytes = new Uint8Array([0x7b, 0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x0a, 0x0d, 0x7d]);
    const input = await putStored(store, { repository: 'app', bytes, mediaType: 'application/x.odd' });
    const record = await store.manifests.get('app', input.digest);
    assert.deepEqual(bytesOf(record?.bytes), Buffer.from(bytes));
    assert.equal(record?.size, bytes.byteLength);
  });

  test('a subarray of a larger buffer stores only its own bytes', async (store) => {
    const whole = Buffer.from('xx{"schemaVersion":2}yy');
    const bytes = new Uint8Array(whole.buffer, whole.byteOffset + 2, whole.byteLength - 4);
    const input = await putStored(store, { repository: 'app', bytes });
    assert.deepEqual(bytesOf((await store.manifests.get('app', input.digest))?.bytes), Buffer.from('{"schemaVersion":2}'));
  });

  test('a 4 MiB manifest and a sha512 digest fit', async (store) => {
    const bytes = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const digest = freshDigest('sha512');
    const input = { ...manifestInput({ repository: 'app', bytes }), digest };
    assert.deepEqual(await store.manifests.put(input), { status: 'stored' });
    const record = await store.manifests.get('app', digest);
    assert.equal(record?.digest, digest);
    assert.equal(record?.size, bytes.byteLength);
    assert.ok(bytesOf(record?.bytes)?.equals(bytes));
  });

  test('get is undefined for an unknown digest, repository or another repository', async (store) => {
    const input = await putStored(store, { repository: 'app' });
    assert.equal(await store.manifests.get('app', freshDigest()), undefined);
    assert.equal(await store.manifests.get('other', input.digest), undefined);
    await putStored(store, { repository: 'other' });
    assert.equal(await store.manifests.get('other', input.digest), undefined);
  });

  test('a put naming unlinked blobs is refused and changes nothing', async (store) => {
    const [linked] = await commitBlobs(store, 'app', 1);
    const elsewhere = freshDigest();
    await store.blobs.commit('other', elsewhere, 3);
    const absent = freshDigest();
    const before = await putStored(store, { repository: 'app', blobs: [linked!], tags: ['latest'] });
    const input = manifestInput({ repository: 'app', blobs: [linked!, elsewhere, absent, absent], tags: ['latest', 'v2'] });
    assert.deepEqual(await store.manifests.put(input), { status: 'missing', blobs: [elsewhere, absent], manifests: [] });
    assert.equal(await store.manifests.get('app', input.digest), undefined);
    assert.equal((await store.manifests.getByTag('app', 'latest'))?.digest, before.digest);
    assert.deepEqual(await store.manifests.listTags('app', {}), ['latest']);
  });

  test('an index naming absent child manifests is refused and changes nothing', async (store) => {
    const child = await putStored(store, { repository: 'app' });
    const foreign = await putStored(store, { repository: 'other' });
    const absent = freshDigest();
    const input = manifestInput({ repository: 'app', manifests: [child.digest, foreign.digest, absent], tags: ['multi'] });
    assert.deepEqual(await store.manifests.put(input), {
      status: 'missing',
      blobs: [],
      manifests: [foreign.digest, absent],
    });
    assert.equal(await store.manifests.get('app', input.digest), undefined);
    assert.equal(await store.manifests.getByTag('app', 'multi'), undefined);
    assert.deepEqual(await store.manifests.delete('app', child.digest), { status: 'deleted' });
  });

  test('a put into a repository that does not exist reports every reference missing', async (store) => {
    const blob = freshDigest();
    const child = freshDigest();
    const input = manifestInput({ repository: 'new', blobs: [blob], manifests: [child] });
    assert.deepEqual(await store.manifests.put(input), { status: 'missing', blobs: [blob], manifests: [child] });
  });

  test('repeating a put is harmless', async (store) => {
    const blobs = await commitBlobs(store, 'app', 2);
    const input = manifestInput({ repository: 'app', blobs, tags: ['latest'] });
    assert.deepEqual(await store.manifests.put(input), { status: 'stored' });
    assert.deepEqual(await store.manifests.put(input), { status: 'stored' });
    assert.deepEqual(bytesOf((await store.manifests.get('app', input.digest))?.bytes), bytesOf(input.bytes));
    assert.deepEqual(await store.manifests.listTags('app', {}), ['latest']);
    assert.deepEqual(await store.manifests.delete('app', input.digest), { status: 'deleted' });
    assert.deepEqual(await store.blobs.unlink('app', blobs[0]!), { status: 'deleted' });
  });

  test('the same manifest can live in two repositories independently', async (store) => {
    const input = manifestInput({ repository: 'a' });
    await store.manifests.put(input);
    await store.manifests.put({ ...input, repository: 'b', tags: ['x'] });
    assert.deepEqual(await store.manifests.delete('a', input.digest), { status: 'deleted' });
    assert.equal((await store.manifests.getByTag('b', 'x'))?.digest, input.digest);
  });

  test('delete removes the manifest and every tag pointing at it', async (store) => {
    const blobs = await commitBlobs(store, 'app', 1);
    const input = await putStored(store, { repository: 'app', blobs, tags: ['latest', 'v1', 'stable'] });
    const other = await putStored(store, { repository: 'app', tags: ['v2'] });
    assert.deepEqual(await store.manifests.delete('app', input.digest), { status: 'deleted' });
    assert.equal(await store.manifests.get('app', input.digest), undefined);
    assert.equal(await store.manifests.getByTag('app', 'latest'), undefined);
    assert.deepEqual(await store.manifests.listTags('app', {}), ['v2']);
    assert.equal((await store.manifests.get('app', other.digest))?.digest, other.digest);
    assert.deepEqual(await store.manifests.delete('app', input.digest), { status: 'unknown' });
  });

  test('delete of an unknown manifest or repository is unknown', async (store) => {
    await putStored(store, { repository: 'app' });
    assert.deepEqual(await store.manifests.delete('app', freshDigest()), { status: 'unknown' });
    assert.deepEqual(await store.manifests.delete('no-such-repository', freshDigest()), { status: 'unknown' });
  });

  test('delete refuses while an index in the repository lists the manifest', async (store) => {
    const child = await putStored(store, { repository: 'app', tags: ['amd64'] });
    const index = await putStored(store, { repository: 'app', manifests: [child.digest], tags: ['latest'] });
    assert.deepEqual(await store.manifests.delete('app', child.digest), { status: 'referenced', by: index.digest });
    assert.equal((await store.manifests.get('app', child.digest))?.digest, child.digest);
    assert.equal((await store.manifests.getByTag('app', 'amd64'))?.digest, child.digest);
    assert.deepEqual(await store.manifests.delete('app', index.digest), { status: 'deleted' });
    assert.deepEqual(await store.manifests.delete('app', child.digest), { status: 'deleted' });
  });

  test('an index in another repository does not protect a manifest', async (store) => {
    const child = manifestInput({ repository: 'a' });
    await store.manifests.put(child);
    await store.manifests.put({ ...child, repository: 'b' });
    await putStored(store, { repository: 'a', manifests: [child.digest] });
    assert.deepEqual(await store.manifests.delete('b', child.digest), { status: 'deleted' });
  });

  test('delete keeps the referrers of the deleted manifest', async (store) => {
    const subject = await putStored(store, { repository: 'app' });
    const signature = await putStored(store, { repository: 'app', subject: subject.digest, artifactType: 'application/x.sig' });
    assert.deepEqual(await store.manifests.delete('app', subject.digest), { status: 'deleted' });
    const referrers = await store.manifests.referrers('app', subject.digest);
    assert.deepEqual(referrers.map((r) => r.digest), [signature.digest]);
    assert.equal((await store.manifests.get('app', signature.digest))?.digest, signature.digest);
  });
}
