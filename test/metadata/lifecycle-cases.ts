import assert from 'node:assert/strict';
import type { StoreTest } from './describe-metadata-store.js';
import { commitBlobs, putStored } from './fixtures.js';

/** LifecycleStore: policies, images as lifecycle policies see them, pull times. */
export function lifecycleCases(test: StoreTest): void {
  test('policies are put, replaced, read, listed and deleted per scope kind and scope', async (store) => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    assert.equal(await store.lifecycle.get('namespace', 'team'), undefined);
    await store.lifecycle.put({ scopeKind: 'namespace', scope: 'team', policy: '{"rules":[1]}', updatedBy: 'alice', updatedAt: at });
    await store.lifecycle.put({ scopeKind: 'repository', scope: 'team', policy: '{"rules":[2]}', updatedBy: 'bob', updatedAt: at });
    await store.lifecycle.put({ scopeKind: 'repository', scope: 'team/app', policy: '{"rules":[3]}', updatedBy: 'bob', updatedAt: at });
    assert.deepEqual(await store.lifecycle.get('namespace', 'team'), { scopeKind: 'namespace', scope: 'team', policy: '{"rules":[1]}', updatedBy: 'alice', updatedAt: at });
    assert.equal((await store.lifecycle.get('repository', 'team'))?.policy, '{"rules":[2]}', 'a namespace and a repository of one name are distinct scopes');

    const later = new Date(at.getTime() + 1000);
    await store.lifecycle.put({ scopeKind: 'namespace', scope: 'team', policy: '{"rules":[4]}', updatedBy: 'carol', updatedAt: later });
    const replaced = await store.lifecycle.get('namespace', 'team');
    assert.deepEqual([replaced?.policy, replaced?.updatedBy, replaced?.updatedAt], ['{"rules":[4]}', 'carol', later]);

    assert.deepEqual(
      (await store.lifecycle.list()).map((record) => `${record.scopeKind} ${record.scope}`),
      ['namespace team', 'repository team', 'repository team/app'],
    );
    assert.equal(await store.lifecycle.delete('repository', 'team'), true);
    assert.equal(await store.lifecycle.delete('repository', 'team'), false);
    assert.equal(await store.lifecycle.get('repository', 'team'), undefined);
    assert.equal((await store.lifecycle.list()).length, 2);
  });

  test('images are the manifests that are neither index children nor referrers, with their tags', async (store) => {
    const blobs = await commitBlobs(store, 'app', 3);
    const plain = await putStored(store, { repository: 'app', blobs: [blobs[0] as string], tags: ['v1', 'latest'] });
    const child = await putStored(store, { repository: 'app', blobs: [blobs[1] as string] });
    const index = await putStored(store, { repository: 'app', manifests: [child.digest], tags: ['multi'] });
    const untagged = await putStored(store, { repository: 'app', blobs: [blobs[2] as string] });
    const signature = await putStored(store, { repository: 'app', subject: plain.digest, artifactType: 'application/x.sig', tags: ['sha256-sig'] });
    await putStored(store, { repository: 'other', tags: ['v1'] });

    const images = await store.lifecycle.images('app');
    assert.deepEqual(images.map((image) => image.digest).sort(), [plain.digest, index.digest, untagged.digest].sort());
    const byDigest = new Map(images.map((image) => [image.digest, image]));
    assert.deepEqual(byDigest.get(plain.digest)?.tags, ['latest', 'v1']);
    assert.deepEqual(byDigest.get(index.digest)?.tags, ['multi']);
    assert.deepEqual(byDigest.get(untagged.digest)?.tags, []);
    assert.ok(!byDigest.has(signature.digest) && !byDigest.has(child.digest));
    // Sizes: the manifest's bytes plus its blobs (commitBlobs makes them 100, 101, 102 bytes).
    assert.equal(byDigest.get(plain.digest)?.size, plain.bytes.byteLength + 100);
    assert.equal(byDigest.get(index.digest)?.size, index.bytes.byteLength + child.bytes.byteLength + 101, 'an index counts its children');
    for (const image of images) {
      assert.ok(image.pushedAt instanceof Date && Math.abs(image.pushedAt.getTime() - Date.now()) < 60_000);
      assert.equal(image.lastPulledAt, undefined, 'never pulled');
    }
    assert.deepEqual(await store.lifecycle.images('no-such-repository'), []);
  });

  test('touchPulled records the latest pull, never moves it back, and an index takes its children\'s', async (store) => {
    const child = await putStored(store, { repository: 'app' });
    const index = await putStored(store, { repository: 'app', manifests: [child.digest], tags: ['multi'] });
    const plain = await putStored(store, { repository: 'app', tags: ['v1'] });
    await putStored(store, { repository: 'other', bytes: plain.bytes, tags: ['v1'] });
    const t1 = new Date('2025-03-01T00:00:00Z');
    const t2 = new Date('2025-03-05T00:00:00Z');

    await store.lifecycle.touchPulled('app', plain.digest, t2);
    await store.lifecycle.touchPulled('app', plain.digest, t1);
    await store.lifecycle.touchPulled('app', child.digest, t1);
    await store.lifecycle.touchPulled('app', 'sha256:unknown', t2);
    await store.lifecycle.touchPulled('no-such-repository', plain.digest, t2);

    const byDigest = new Map((await store.lifecycle.images('app')).map((image) => [image.digest, image]));
    assert.deepEqual(byDigest.get(plain.digest)?.lastPulledAt, t2, 'an earlier time does not replace a later one');
    assert.deepEqual(byDigest.get(index.digest)?.lastPulledAt, t1, "pulling a child (one platform) is a pull of its index");
    assert.equal((await store.lifecycle.images('other'))[0]?.lastPulledAt, undefined, 'the same digest in another repository is another image');

    await store.lifecycle.touchPulled('app', index.digest, t2);
    assert.deepEqual((await store.lifecycle.images('app')).find((image) => image.digest === index.digest)?.lastPulledAt, t2);
  });
}
