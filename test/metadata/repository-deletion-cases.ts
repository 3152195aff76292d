import assert from 'node:assert/strict';
import type { ImmutableTagRule } from '../../src/metadata/tag-history-store.js';
import type { StoreTest } from './describe-metadata-store.js';
import { commitBlobs, putStored } from './fixtures.js';

const V_TAGS: ImmutableTagRule[] = [{ scopeKind: 'repository', scope: 'team/app', pattern: 'v*' }];

/** RepositoryStore: listing under a prefix and deleting a repository whole. */
export function repositoryDeletionCases(test: StoreTest): void {
  test('lists the repositories under a prefix only, taking "_" literally', async (store) => {
    for (const name of ['team/a', 'team/b', 'teamx/c', 'te_m/d', 'other/e']) await commitBlobs(store, name, 1);
    assert.deepEqual(await store.repositories.list({}, 'team/'), ['team/a', 'team/b']);
    assert.deepEqual(await store.repositories.list({ limit: 1, after: 'team/a' }, 'team/'), ['team/b']);
    assert.deepEqual(await store.repositories.list({}, 'te_m/'), ['te_m/d']);
  });

  test('deletes a repository with its tags, manifests and blob links, recording the removed tags', async (store) => {
    const blobs = await commitBlobs(store, 'team/app', 2);
    await commitBlobs(store, 'team/keep', 1);
    const child = await putStored(store, { repository: 'team/app', blobs, tags: ['latest', 'dev'] });
    const index = await putStored(store, { repository: 'team/app', manifests: [child.digest], tags: ['multi'] });
    const result = await store.repositories.delete('team/app', { actor: 'alice' });
    assert.equal(result.status, 'deleted');
    if (result.status !== 'deleted') return;
    assert.equal(result.tags, 3);
    assert.equal(result.blobs, 2);
    assert.deepEqual([...result.manifests].sort(), [child.digest, index.digest].sort());
    assert.equal(await store.repositories.exists('team/app'), false);
    assert.deepEqual(await store.repositories.list({}), ['team/keep']);
    assert.equal(await store.manifests.get('team/app', child.digest), undefined);
    assert.deepEqual(await store.manifests.listTags('team/app', {}), []);
    assert.equal(await store.blobs.stat('team/app', blobs[0] ?? ''), undefined);
    assert.deepEqual(await store.repositories.delete('team/app'), { status: 'unknown' });
  });

  test('a deleted repository can be pushed again, starting empty', async (store) => {
    await putStored(store, { repository: 'team/app', tags: ['latest'] });
    assert.equal((await store.repositories.delete('team/app')).status, 'deleted');
    const again = await putStored(store, { repository: 'team/app', tags: ['latest'] });
    assert.deepEqual(await store.manifests.listTags('team/app', {}), ['latest']);
    assert.equal((await store.manifests.getByTag('team/app', 'latest'))?.digest, again.digest);
  });

  test('refuses to delete a repository an immutable rule protects a tag of, changing nothing', async (store) => {
    const input = await putStored(store, { repository: 'team/app', tags: ['v1', 'latest'] });
    assert.deepEqual(await store.repositories.delete('team/app', { immutable: V_TAGS }), { status: 'immutable', tag: 'v1', rule: V_TAGS[0] });
    assert.deepEqual(await store.manifests.listTags('team/app', {}), ['latest', 'v1']);
    assert.equal((await store.manifests.get('team/app', input.digest))?.digest, input.digest);
  });

  test('deletes a repository of blobs only', async (store) => {
    await commitBlobs(store, 'team/blobs', 3);
    assert.deepEqual(await store.repositories.delete('team/blobs'), { status: 'deleted', tags: 0, manifests: [], blobs: 3 });
  });
}
