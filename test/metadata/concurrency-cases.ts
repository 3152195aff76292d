import { withoutLease } from './fixtures.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { StoreTest } from './describe-metadata-store.js';
import { commitBlobs, freshDigest, manifestInput, putStored } from './fixtures.js';

const ROUNDS = 8;

/** Races the services can produce: each must end in one consistent state, without errors. */
export function concurrencyCases(test: StoreTest): void {
  test('concurrent identical commits into a new repository all succeed', async (store) => {
    const digest = freshDigest();
    await Promise.all(Array.from({ length: ROUNDS }, () => store.blobs.commit('fresh', digest, 99)));
    assert.deepEqual(withoutLease(await store.blobs.stat('fresh', digest)), { digest, size: 99 });
    assert.deepEqual(await store.repositories.list({}), ['fresh']);
  });

  test('concurrent commits of different blobs create the repository once', async (store) => {
    const digests = Array.from({ length: ROUNDS }, () => freshDigest());
    await Promise.all(digests.map((digest) => store.blobs.commit('fresh', digest, 1)));
    for (const digest of digests) assert.deepEqual(withoutLease(await store.blobs.stat('fresh', digest)), { digest, size: 1 });
    assert.deepEqual(await store.repositories.list({}), ['fresh']);
  });

  test('concurrent identical manifest puts all succeed', async (store) => {
    const blobs = await commitBlobs(store, 'app', 2);
    const input = manifestInput({ repository: 'app', blobs, tags: ['latest'] });
    const results = await Promise.all(Array.from({ length: ROUNDS }, () => store.manifests.put(input)));
    for (const result of results) assert.deepEqual(result, { status: 'stored' });
    assert.equal((await store.manifests.getByTag('app', 'latest'))?.digest, input.digest);
    assert.deepEqual(await store.manifests.listTags('app', {}), ['latest']);
  });

  test('concurrent puts of one tag both succeed and the tag ends on one of them', async (store) => {
    const first = manifestInput({ repository: 'app', tags: ['latest'] });
    const second = manifestInput({ repository: 'app', tags: ['latest'] });
    const results = await Promise.all([store.manifests.put(first), store.manifests.put(second)]);
    assert.deepEqual(results, [{ status: 'stored' }, { status: 'stored' }]);
    const tagged = await store.manifests.getByTag('app', 'latest');
    assert.ok(tagged && [first.digest, second.digest].includes(tagged.digest));
    assert.deepEqual(await store.manifests.listTags('app', {}), ['latest']);
    assert.ok(await store.manifests.get('app', first.digest));
    assert.ok(await store.manifests.get('app', second.digest));
  });

  test('concurrent puts naming the same tags in opposite orders do not deadlock', async (store) => {
    const tags = ['a', 'b', 'c', 'd'];
    const inputs = Array.from({ length: ROUNDS }, (_, i) =>
      manifestInput({ repository: 'app', tags: i % 2 === 0 ? tags : [...tags].reverse() }),
    );
    const results = await Promise.all(inputs.map((input) => store.manifests.put(input)));
    for (const result of results) assert.deepEqual(result, { status: 'stored' });
    const digests = new Set(inputs.map((input) => input.digest));
    for (const tag of tags) assert.ok(digests.has((await store.manifests.getByTag('app', tag))?.digest ?? ''));
  });

  test('two advances from the same offset: exactly one wins', async (store) => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = randomUUID();
      await store.uploads.create({ id, repository: 'app', algorithm: 'sha256' });
      const results = await Promise.all([store.uploads.advance(id, 0, 100), store.uploads.advance(id, 0, 200)]);
      assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(results)}`);
      const winner = results[0] ? 100 : 200;
      assert.equal((await store.uploads.get(id))?.offset, winner);
    }
  });

  test('an index put racing the delete of its child never leaves a dangling child', async (store) => {
    for (let round = 0; round < ROUNDS; round++) {
      const child = await putStored(store, { repository: 'app' });
      const index = manifestInput({ repository: 'app', manifests: [child.digest] });
      const [put, deleted] = await Promise.all([
        store.manifests.put(index),
        store.manifests.delete('app', child.digest),
      ]);
      if (put.status === 'stored') {
        assert.deepEqual(deleted, { status: 'referenced', by: index.digest }, `round ${round}`);
        assert.ok(await store.manifests.get('app', child.digest));
      } else {
        assert.deepEqual(deleted, { status: 'deleted' }, `round ${round}`);
        assert.deepEqual(put, { status: 'missing', blobs: [], manifests: [child.digest] });
        assert.equal(await store.manifests.get('app', index.digest), undefined);
      }
    }
  });

  test('a manifest put racing the unlink of its layer ends as if one ran before the other', async (store) => {
    for (let round = 0; round < ROUNDS; round++) {
      const [config, layer] = await commitBlobs(store, 'app', 2);
      const input = manifestInput({ repository: 'app', blobs: [config!, layer!] });
      const [put, unlinked] = await Promise.all([store.manifests.put(input), store.blobs.unlink('app', layer!)]);
      assert.deepEqual(unlinked, { status: 'deleted' }, `round ${round}`);
      assert.equal(await store.blobs.stat('app', layer!), undefined);
      if (put.status === 'stored') {
        assert.equal((await store.manifests.get('app', input.digest))?.digest, input.digest, `round ${round}: put first, then unlink`);
      } else {
        assert.deepEqual(put, { status: 'missing', blobs: [layer!], manifests: [] }, `round ${round}: unlink first`);
        assert.equal(await store.manifests.get('app', input.digest), undefined);
      }
    }
  });
}
