import assert from 'node:assert/strict';
import type { ManifestInput } from '../../src/metadata/metadata-store.js';
import type { StoreTest } from './describe-metadata-store.js';
import { freshDigest, putStored } from './fixtures.js';

// Byte order: '-' 0x2d < '.' 0x2e < '1' 0x31 < 'L' 0x4c < 'V' 0x56 < '_' 0x5f < 'l' 0x6c < 'v' 0x76.
const TAGS = ['v1', 'V1', 'v1_0', 'v1.0', 'v1-rc', 'latest', 'Latest', '1.0'];
const BYTE_ORDER = ['1.0', 'Latest', 'V1', 'latest', 'v1', 'v1-rc', 'v1.0', 'v1_0'];

/** Tags (getByTag, deleteTag, listTags) and referrers. */
export function tagAndReferrerCases(test: StoreTest): void {
  test('a put points its tags at the manifest', async (store) => {
    const input = await putStored(store, { repository: 'app', tags: ['latest', 'v1', 'latest'] });
    assert.equal((await store.manifests.getByTag('app', 'latest'))?.digest, input.digest);
    assert.equal((await store.manifests.getByTag('app', 'v1'))?.digest, input.digest);
    assert.equal(await store.manifests.getByTag('app', 'v2'), undefined);
    assert.equal(await store.manifests.getByTag('other', 'latest'), undefined);
    assert.deepEqual(await store.manifests.listTags('app', {}), ['latest', 'v1']);
  });

  test('a later put moves the tag; the earlier manifest stays', async (store) => {
    const first = await putStored(store, { repository: 'app', tags: ['latest', 'v1'] });
    const second = await putStored(store, { repository: 'app', tags: ['latest'] });
    assert.equal((await store.manifests.getByTag('app', 'latest'))?.digest, second.digest);
    assert.equal((await store.manifests.getByTag('app', 'v1'))?.digest, first.digest);
    assert.equal((await store.manifests.get('app', first.digest))?.digest, first.digest);
    assert.deepEqual(await store.manifests.listTags('app', {}), ['latest', 'v1']);
    // Re-putting the first manifest with its tag moves the tag back.
    await store.manifests.put({ ...first, tags: ['latest'] });
    assert.equal((await store.manifests.getByTag('app', 'latest'))?.digest, first.digest);
  });

  test('tagsVersion changes with every tag change and only then', async (store) => {
    assert.equal(await store.manifests.tagsVersion('app'), undefined, 'no repository, no version');
    const first = await putStored(store, { repository: 'app', tags: ['latest'] });
    const v1 = await store.manifests.tagsVersion('app');
    assert.equal(typeof v1, 'number');
    await putStored(store, { repository: 'app' });
    assert.equal(await store.manifests.tagsVersion('app'), v1, 'an untagged put leaves tags alone');
    await putStored(store, { repository: 'app', tags: ['latest'] });
    const v2 = await store.manifests.tagsVersion('app');
    assert.notEqual(v2, v1, 'moving a tag changes the version');
    assert.equal(await store.manifests.deleteTag('app', 'missing'), false);
    assert.equal(await store.manifests.tagsVersion('app'), v2, 'deleting no tag changes nothing');
    await store.manifests.put({ ...first, tags: ['old'] });
    const v3 = await store.manifests.tagsVersion('app');
    assert.notEqual(v3, v2);
    await store.manifests.delete('app', first.digest);
    const v4 = await store.manifests.tagsVersion('app');
    assert.notEqual(v4, v3, 'deleting a tagged manifest removes its tags and changes the version');
    assert.equal(await store.manifests.deleteTag('app', 'latest'), true);
    assert.notEqual(await store.manifests.tagsVersion('app'), v4);
  });

  test('deleteTag removes only the tag', async (store) => {
    const input = await putStored(store, { repository: 'app', tags: ['latest', 'v1'] });
    assert.equal(await store.manifests.deleteTag('app', 'latest'), true);
    assert.equal(await store.manifests.getByTag('app', 'latest'), undefined);
    assert.equal((await store.manifests.get('app', input.digest))?.digest, input.digest);
    assert.deepEqual(await store.manifests.listTags('app', {}), ['v1']);
    assert.equal(await store.manifests.deleteTag('app', 'latest'), false);
    assert.equal(await store.manifests.deleteTag('no-such-repository', 'v1'), false);
  });

  test('a tag of one repository is not a tag of another', async (store) => {
    await putStored(store, { repository: 'a', tags: ['latest'] });
    const b = await putStored(store, { repository: 'b', tags: ['latest'] });
    assert.equal(await store.manifests.deleteTag('a', 'latest'), true);
    assert.equal((await store.manifests.getByTag('b', 'latest'))?.digest, b.digest);
  });

  test('listTags of an unknown repository is empty', async (store) => {
    assert.deepEqual(await store.manifests.listTags('nothing', {}), []);
    await putStored(store, { repository: 'untagged' });
    assert.deepEqual(await store.manifests.listTags('untagged', { limit: 5 }), []);
  });

  test('listTags returns byte order and pages by limit and after', async (store) => {
    await putStored(store, { repository: 'app', tags: TAGS });
    await putStored(store, { repository: 'other', tags: ['a', 'zzz'] });
    assert.deepEqual(await store.manifests.listTags('app', {}), BYTE_ORDER);
    assert.deepEqual(await store.manifests.listTags('app', { limit: 3 }), ['1.0', 'Latest', 'V1']);
    assert.deepEqual(await store.manifests.listTags('app', { limit: 3, after: 'V1' }), ['latest', 'v1', 'v1-rc']);
    assert.deepEqual(await store.manifests.listTags('app', { limit: 3, after: 'v1-rc' }), ['v1.0', 'v1_0']);
    assert.deepEqual(await store.manifests.listTags('app', { after: 'v1_0' }), []);
    assert.deepEqual(await store.manifests.listTags('app', { after: 'v1.0' }), ['v1_0']);
  });

  test('listTags pages after a tag that is not present, and with limit 0', async (store) => {
    await putStored(store, { repository: 'app', tags: TAGS });
    assert.deepEqual(await store.manifests.listTags('app', { limit: 2, after: 'M' }), ['V1', 'latest']);
    assert.deepEqual(await store.manifests.listTags('app', { after: 'v1-a' }), ['v1-rc', 'v1.0', 'v1_0']);
    assert.deepEqual(await store.manifests.listTags('app', { after: '0' }), BYTE_ORDER);
    assert.deepEqual(await store.manifests.listTags('app', { after: '~' }), []);
    assert.deepEqual(await store.manifests.listTags('app', { limit: 0 }), []);
    assert.deepEqual(await store.manifests.listTags('app', { limit: 0, after: 'V1' }), []);
  });

  test('referrers lists manifests whose subject is the digest, ordered by digest', async (store) => {
    const subject = await putStored(store, { repository: 'app' });
    const made: ManifestInput[] = [];
    for (let i = 0; i < 4; i++) {
      made.push(
        await putStored(store, {
          repository: 'app',
          subject: subject.digest,
          artifactType: i % 2 === 0 ? 'application/x.sig' : 'application/x.sbom',
        }),
      );
    }
    await putStored(store, { repository: 'app', subject: freshDigest() });
    await putStored(store, { repository: 'other', subject: subject.digest });
    const referrers = await store.manifests.referrers('app', subject.digest);
    const expected = made.map((m) => m.digest).sort();
    assert.deepEqual(referrers.map((r) => r.digest), expected);
    for (const referrer of referrers) {
      const input = made.find((m) => m.digest === referrer.digest);
      assert.deepEqual(referrer, {
        digest: input?.digest,
        mediaType: input?.mediaType,
        size: input?.bytes.byteLength,
        artifactType: input?.artifactType,
      });
    }
  });

  test('referrers filters by artifactType', async (store) => {
    const subject = freshDigest();
    const sig = await putStored(store, { repository: 'app', subject, artifactType: 'application/x.sig' });
    await putStored(store, { repository: 'app', subject, artifactType: 'application/x.sbom' });
    const only = await store.manifests.referrers('app', subject, 'application/x.sig');
    assert.deepEqual(only.map((r) => r.digest), [sig.digest]);
    assert.deepEqual(await store.manifests.referrers('app', subject, 'application/x.none'), []);
  });

  test('referrers carry annotations and omit what the manifest lacks', async (store) => {
    const subject = freshDigest();
    const annotations = { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'é"\\': 'ünïcode\n' };
    const annotated = await putStored(store, { repository: 'app', subject, artifactType: 'application/x.sig', annotations });
    const bare = await putStored(store, { repository: 'app', subject });
    const referrers = await store.manifests.referrers('app', subject);
    const byDigest = new Map(referrers.map((r) => [r.digest, r]));
    assert.deepEqual(byDigest.get(annotated.digest)?.annotations, annotations);
    assert.deepEqual(byDigest.get(bare.digest), {
      digest: bare.digest,
      mediaType: bare.mediaType,
      size: bare.bytes.byteLength,
    });
  });

  test('referrers of a subject nobody refers to is empty', async (store) => {
    assert.deepEqual(await store.manifests.referrers('app', freshDigest()), []);
    await putStored(store, { repository: 'app' });
    assert.deepEqual(await store.manifests.referrers('app', freshDigest()), []);
  });
}
