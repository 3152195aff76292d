import assert from 'node:assert/strict';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { BlobQuota, RepositoryScope } from '../../src/metadata/usage-store.js';
import type { StoreTest } from './describe-metadata-store.js';
import { freshDigest, putStored } from './fixtures.js';

const TEAM: RepositoryScope = { prefix: 'team/' };

function quota(limitBytes: number, scope: RepositoryScope = TEAM, namespace = 'team'): BlobQuota {
  return { namespace, scope, limitBytes };
}

/** Commits a fresh blob of `size` bytes; returns its digest. */
async function commitFresh(store: MetadataStore, repository: string, size: number): Promise<string> {
  const digest = freshDigest();
  assert.equal(await store.blobs.commit(repository, digest, size), 'committed');
  return digest;
}

/** Usage counted the slow way: every (repository, digest) stat, each digest once. */
async function recount(store: MetadataStore, repositories: string[], digests: string[]): Promise<number> {
  const sizes = new Map<string, number>();
  for (const repository of repositories) {
    for (const digest of digests) {
      const blob = await store.blobs.stat(repository, digest);
      if (blob) sizes.set(digest, blob.size);
    }
  }
  return [...sizes.values()].reduce((sum, size) => sum + size, 0);
}

/** Usage computed from links, namespace quotas, and refusals inside commit and mount. */
export function quotaCases(test: StoreTest): void {
  test('a namespace keeps its quota, and null removes it', async (store) => {
    await store.namespaces.create({ name: 'team', visibility: 'private' });
    assert.equal((await store.namespaces.get('team'))?.quotaBytes, undefined);
    assert.ok(await store.namespaces.update('team', { quotaBytes: 5 * 1024 ** 4 }));
    assert.equal((await store.namespaces.get('team'))?.quotaBytes, 5 * 1024 ** 4);
    assert.ok(await store.namespaces.update('team', { visibility: 'public' }));
    assert.equal((await store.namespaces.get('team'))?.quotaBytes, 5 * 1024 ** 4, 'other changes keep the quota');
    assert.ok(await store.namespaces.update('team', { quotaBytes: null }));
    assert.equal((await store.namespaces.get('team'))?.quotaBytes, undefined);
  });

  test('usage counts a blob shared by repositories of a namespace once, and in each repository', async (store) => {
    const shared = await commitFresh(store, 'team/a', 100);
    assert.equal(await store.blobs.commit('team/b', shared, 100), 'committed');
    await commitFresh(store, 'team/b', 10);
    await commitFresh(store, 'other/c', 1000);
    assert.equal(await store.usage.usage(TEAM), 110);
    assert.deepEqual(await store.usage.repositoryUsage(TEAM), [
      { repository: 'team/a', bytes: 100 },
      { repository: 'team/b', bytes: 110 },
    ]);
  });

  test('totals count every committed blob once with its bytes, and every manifest', async (store) => {
    assert.deepEqual(await store.usage.totals(), { blobs: 0, blobBytes: 0, manifests: 0 });
    const shared = await commitFresh(store, 'team/a', 100);
    assert.equal(await store.blobs.commit('team/b', shared, 100), 'committed');
    await commitFresh(store, 'other/c', 1000);
    await putStored(store, { repository: 'team/a', blobs: [shared], tags: ['v1'] });
    await putStored(store, { repository: 'team/b', blobs: [shared] });
    assert.deepEqual(await store.usage.totals(), { blobs: 2, blobBytes: 1100, manifests: 2 });
  });

  test('a prefix holds exactly the names under it, whatever sorts beside it', async (store) => {
    const sizes: Record<string, number> = { team: 1, 'team/x': 2, 'team/x/y': 4, 'team2/x': 8, 'team-a/x': 16, 'team.b/x': 32, teamx: 64, 'a_b/x': 128, 'axb/x': 256 };
    for (const [repository, size] of Object.entries(sizes)) await commitFresh(store, repository, size);
    assert.equal(await store.usage.usage({ prefix: 'team/' }), 2 + 4);
    assert.equal(await store.usage.usage({ prefix: 'team/', directChildren: true }), 2);
    assert.equal(await store.usage.usage({ prefix: 'a_b/' }), 128, "'_' is not a wildcard");
    assert.equal(await store.usage.usage({ rootNames: true }), 1 + 64);
    assert.equal(await store.usage.usage({}), 0, 'an empty scope holds nothing');
    assert.deepEqual(await store.usage.repositoryUsage({}), []);
  });

  test('the root namespace holds names without a slash and those under its own name', async (store) => {
    await commitFresh(store, 'alpine', 1);
    await commitFresh(store, 'library/busybox', 2);
    await commitFresh(store, 'team/app', 4);
    const root: RepositoryScope = { prefix: 'library/', rootNames: true };
    assert.equal(await store.usage.usage(root), 3);
    assert.deepEqual((await store.usage.repositoryUsage(root)).map((usage) => usage.repository), ['alpine', 'library/busybox']);
  });

  test('a commit past the quota is refused and changes nothing', async (store) => {
    await commitFresh(store, 'team/a', 900);
    const digest = freshDigest();
    const refusal = await store.blobs.commit('team/new', digest, 101, quota(1000));
    assert.deepEqual(refusal, { status: 'over-quota', namespace: 'team', quotaBytes: 1000, usedBytes: 900, uploadBytes: 0, blobBytes: 101 });
    assert.equal(await store.blobs.statAny(digest), undefined);
    assert.deepEqual(await store.repositories.list({}), ['team/a'], 'no repository was created');
    assert.equal(await store.usage.check(quota(1000), digest, 101).then((r) => r?.status), 'over-quota');
    assert.equal(await store.blobs.commit('team/new', digest, 100, quota(1000)), 'committed', 'exactly the limit fits');
  });

  test('a blob the namespace links already costs nothing, even at the limit', async (store) => {
    const digest = await commitFresh(store, 'team/a', 1000);
    assert.equal(await store.blobs.commit('team/b', digest, 1000, quota(1000)), 'committed');
    assert.deepEqual(await store.blobs.mount('team/c', digest, 'team/a', quota(1000)), { digest, size: 1000 });
    assert.equal(await store.usage.usage(TEAM), 1000);
    // Linked in another namespace only: it costs its size here.
    const elsewhere = await commitFresh(store, 'other/x', 1);
    assert.equal(((await store.blobs.commit('team/a', elsewhere, 1, quota(1000))) as { status: string }).status, 'over-quota');
  });

  test('a mount past the quota is refused and links nothing', async (store) => {
    const digest = await commitFresh(store, 'other/x', 600);
    await commitFresh(store, 'team/a', 500);
    const refusal = await store.blobs.mount('team/b', digest, 'other/x', quota(1000));
    assert.deepEqual(refusal, { status: 'over-quota', namespace: 'team', quotaBytes: 1000, usedBytes: 500, uploadBytes: 0, blobBytes: 600 });
    assert.equal(await store.blobs.stat('team/b', digest), undefined);
    assert.equal(await store.usage.usage(TEAM), 500);
    assert.deepEqual(await store.blobs.mount('team/b', digest, 'other/x', quota(1100)), { digest, size: 600 });
  });

  test('concurrent commits near the limit never take a namespace past it', async (store) => {
    const digests = Array.from({ length: 20 }, () => freshDigest());
    const results = await Promise.all(digests.map((digest, i) => store.blobs.commit(`team/r${i % 3}`, digest, 100, quota(1000))));
    assert.equal(results.filter((result) => result === 'committed').length, 10);
    assert.equal(results.filter((result) => typeof result === 'object' && result.status === 'over-quota').length, 10);
    assert.equal(await store.usage.usage(TEAM), 1000);
    assert.equal(await recount(store, ['team/r0', 'team/r1', 'team/r2'], digests), 1000);
  });

  test('concurrent commits, mounts and unlinks keep usage equal to a recount, within the quota', async (store) => {
    const source = await commitFresh(store, 'other/src', 50);
    const early = await Promise.all(Array.from({ length: 6 }, (_, i) => commitFresh(store, `team/r${i % 2}`, 100)));
    const fresh = Array.from({ length: 16 }, () => freshDigest());
    await Promise.all([
      ...fresh.map((digest, i) => store.blobs.commit(`team/r${i % 2}`, digest, 100, quota(1000))),
      ...early.map((digest, i) => store.blobs.unlink(`team/r${i % 2}`, digest)),
      store.blobs.mount('team/r1', source, 'other/src', quota(1000)),
    ]);
    const used = await store.usage.usage(TEAM);
    assert.ok(used <= 1000, `usage ${used} exceeds the quota`);
    assert.equal(used, await recount(store, ['team/r0', 'team/r1'], [...early, ...fresh, source]));
    const perRepository = await store.usage.repositoryUsage(TEAM);
    for (const { repository, bytes } of perRepository) assert.equal(bytes, await recount(store, [repository], [...early, ...fresh, source]));
  });
}
