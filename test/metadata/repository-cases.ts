import assert from 'node:assert/strict';
import type { StoreTest } from './describe-metadata-store.js';
import { commitBlobs, freshDigest, manifestInput, putStored } from './fixtures.js';

// Byte order: '-' 0x2d < '.' 0x2e < '/' 0x2f < '0' 0x30 < 'A' 0x41 < '_' 0x5f < 'a' 0x61.
// A locale collation (en_US) would order these differently.
const NAMES = ['b', 'B', 'a_b', 'a-b', 'a.b', 'a', 'A', 'a/b', 'a0'];
const BYTE_ORDER = ['A', 'B', 'a', 'a-b', 'a.b', 'a/b', 'a0', 'a_b', 'b'];

/** RepositoryStore: existence and paged listing. */
export function repositoryCases(test: StoreTest): void {
  test('a repository does not exist until a blob is committed into it', async (store) => {
    assert.equal(await store.repositories.exists('library/alpine'), false);
    await commitBlobs(store, 'library/alpine', 1);
    assert.equal(await store.repositories.exists('library/alpine'), true);
    assert.deepEqual(await store.repositories.list({}), ['library/alpine']);
  });

  test('a manifest put creates its repository', async (store) => {
    await putStored(store, { repository: 'charts/nginx' });
    assert.equal(await store.repositories.exists('charts/nginx'), true);
  });

  test('a mount creates the target repository', async (store) => {
    const [digest] = await commitBlobs(store, 'source', 1);
    assert.ok(await store.blobs.mount('target', digest!, 'source'));
    assert.equal(await store.repositories.exists('target'), true);
  });

  test('a refused manifest put does not create its repository', async (store) => {
    const result = await store.manifests.put(manifestInput({ repository: 'nowhere', blobs: [freshDigest()] }));
    assert.equal(result.status, 'missing');
    assert.equal(await store.repositories.exists('nowhere'), false);
    assert.deepEqual(await store.repositories.list({}), []);
  });

  test('lists nothing when empty', async (store) => {
    assert.deepEqual(await store.repositories.list({}), []);
    assert.deepEqual(await store.repositories.list({ limit: 10, after: 'a' }), []);
  });

  test('lists names in byte order, uppercase before lowercase and - . / 0 _ in ASCII order', async (store) => {
    for (const name of NAMES) await commitBlobs(store, name, 1);
    assert.deepEqual(await store.repositories.list({}), BYTE_ORDER);
  });

  test('pages by limit and after', async (store) => {
    for (const name of NAMES) await commitBlobs(store, name, 1);
    assert.deepEqual(await store.repositories.list({ limit: 3 }), ['A', 'B', 'a']);
    assert.deepEqual(await store.repositories.list({ limit: 3, after: 'a' }), ['a-b', 'a.b', 'a/b']);
    assert.deepEqual(await store.repositories.list({ limit: 3, after: 'a/b' }), ['a0', 'a_b', 'b']);
    assert.deepEqual(await store.repositories.list({ limit: 3, after: 'b' }), []);
    assert.deepEqual(await store.repositories.list({ after: 'a0' }), ['a_b', 'b']);
    assert.deepEqual(await store.repositories.list({ limit: 100 }), BYTE_ORDER);
  });

  test('pages after a name that is not present, and with limit 0', async (store) => {
    for (const name of NAMES) await commitBlobs(store, name, 1);
    // 'a-a' sorts between 'a' and 'a-b'; 'C' between 'B' and 'a'; 'z' after everything.
    assert.deepEqual(await store.repositories.list({ limit: 2, after: 'a-a' }), ['a-b', 'a.b']);
    assert.deepEqual(await store.repositories.list({ limit: 1, after: 'C' }), ['a']);
    assert.deepEqual(await store.repositories.list({ after: 'z' }), []);
    assert.deepEqual(await store.repositories.list({ after: '' }), BYTE_ORDER);
    assert.deepEqual(await store.repositories.list({ limit: 0 }), []);
    assert.deepEqual(await store.repositories.list({ limit: 0, after: 'a' }), []);
  });
}
