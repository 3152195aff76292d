import assert from 'node:assert/strict';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { ImmutableTagRule, TagEventRecord } from '../../src/metadata/tag-history-store.js';
import type { StoreTest } from './describe-metadata-store.js';
import { freshDigest, manifestInput, putStored } from './fixtures.js';

const ROUNDS = 8;
const V_TAGS: ImmutableTagRule[] = [{ scopeKind: 'repository', scope: 'app', pattern: 'v*' }];

/** One event as [tag, old, new, actor], oldest first, for compact assertions. */
async function moves(store: MetadataStore, repository: string, tag?: string): Promise<[string, string | undefined, string | undefined, string][]> {
  const events: TagEventRecord[] = await store.tagHistory.events(repository, tag === undefined ? {} : { tag });
  return events.reverse().map((event) => [event.tag, event.oldDigest, event.newDigest, event.actor]);
}

/** Tag history (written with every tag change), immutable-tag refusals, setTag, rules and settings. */
export function tagHistoryCases(test: StoreTest): void {
  test('a put records each tag it creates or moves, with the actor; an unchanged tag writes nothing', async (store) => {
    const first = await putStored(store, { repository: 'app', tags: ['latest', 'v1'] });
    const input = manifestInput({ repository: 'app', tags: ['latest'] });
    assert.deepEqual(await store.manifests.put({ ...input, actor: 'alice' }), { status: 'stored' });
    const version = await store.manifests.tagsVersion('app');
    // Re-pushing what is there already: no event, no version bump (tag lists stay cached).
    assert.deepEqual(await store.manifests.put({ ...input, actor: 'bob' }), { status: 'stored' });
    assert.equal(await store.manifests.tagsVersion('app'), version);
    assert.deepEqual(await moves(store, 'app'), [
      ['latest', undefined, first.digest, 'system'],
      ['v1', undefined, first.digest, 'system'],
      ['latest', first.digest, input.digest, 'alice'],
    ]);
    const [newest] = await store.tagHistory.events('app', { tag: 'latest', limit: 1 });
    assert.ok(newest && newest.at instanceof Date && Math.abs(newest.at.getTime() - Date.now()) < 60_000);
    assert.equal(newest.repository, 'app');
  });

  test('a refused put records nothing', async (store) => {
    await putStored(store, { repository: 'app', tags: ['latest'] });
    const result = await store.manifests.put(manifestInput({ repository: 'app', blobs: [freshDigest()], tags: ['latest'] }));
    assert.equal(result.status, 'missing');
    assert.equal((await moves(store, 'app')).length, 1);
  });

  test('deleting a tag, or the manifest its tags point at, records each removal', async (store) => {
    const input = await putStored(store, { repository: 'app', tags: ['a', 'b', 'c'] });
    assert.equal(await store.manifests.deleteTag('app', 'a', { actor: 'carol' }), true);
    assert.deepEqual(await store.manifests.delete('app', input.digest, { actor: 'dave' }), { status: 'deleted' });
    assert.deepEqual((await moves(store, 'app')).slice(3), [
      ['a', input.digest, undefined, 'carol'],
      ['b', input.digest, undefined, 'dave'],
      ['c', input.digest, undefined, 'dave'],
    ]);
    const untagged = await putStored(store, { repository: 'app' });
    await store.manifests.delete('app', untagged.digest);
    assert.equal((await moves(store, 'app')).length, 6, 'an untagged manifest delete moves no tag');
  });

  test('history reads one tag or the whole repository, newest first, in pages', async (store) => {
    for (let i = 0; i < 5; i++) await putStored(store, { repository: 'app', tags: ['latest'] });
    await putStored(store, { repository: 'app', tags: ['other'] });
    await putStored(store, { repository: 'elsewhere', tags: ['latest'] });
    assert.equal((await store.tagHistory.events('app', {})).length, 6);
    const page = await store.tagHistory.events('app', { tag: 'latest', limit: 2 });
    assert.equal(page.length, 2);
    assert.ok((page[0]?.id ?? 0) > (page[1]?.id ?? 0), 'newest first');
    const next = await store.tagHistory.events('app', { tag: 'latest', limit: 10, before: page[1]?.id ?? 0 });
    assert.equal(next.length, 3);
    assert.equal(next[0]?.oldDigest === undefined, false);
    assert.deepEqual(await store.tagHistory.events('nothing', {}), []);
  });

  test('an immutable tag refuses a different manifest and changes nothing; the same manifest is fine', async (store) => {
    const v1 = await putStored(store, { repository: 'app', tags: ['v1', 'latest'] });
    const version = await store.manifests.tagsVersion('app');
    const other = { ...manifestInput({ repository: 'app', tags: ['latest', 'v1'] }), immutable: V_TAGS };
    assert.deepEqual(await store.manifests.put(other), { status: 'immutable', tag: 'v1', rule: V_TAGS[0] });
    assert.equal(await store.manifests.get('app', other.digest), undefined, 'the refused manifest is not stored');
    assert.equal((await store.manifests.getByTag('app', 'latest'))?.digest, v1.digest, 'nor any of its tags moved');
    assert.equal(await store.manifests.tagsVersion('app'), version);
    assert.equal((await moves(store, 'app')).length, 2);

    assert.deepEqual(await store.manifests.put({ ...v1, tags: ['v1'], immutable: V_TAGS }), { status: 'stored' });
    assert.deepEqual(await store.manifests.put({ ...manifestInput({ repository: 'app', tags: ['v2', 'latest'] }), immutable: V_TAGS }), { status: 'stored' }, 'a new tag may be created');
    assert.equal((await store.manifests.getByTag('app', 'v1'))?.digest, v1.digest);
  });

  test('deleting an immutable tag, or a manifest one points at, is refused and changes nothing', async (store) => {
    const v1 = await putStored(store, { repository: 'app', tags: ['v1'] });
    const dev = await putStored(store, { repository: 'app', tags: ['dev'] });
    assert.deepEqual(await store.manifests.deleteTag('app', 'v1', { immutable: V_TAGS }), { status: 'immutable', tag: 'v1', rule: V_TAGS[0] });
    assert.deepEqual(await store.manifests.delete('app', v1.digest, { immutable: V_TAGS }), { status: 'immutable', tag: 'v1', rule: V_TAGS[0] });
    assert.equal((await store.manifests.getByTag('app', 'v1'))?.digest, v1.digest);
    assert.equal(await store.manifests.deleteTag('app', 'missing', { immutable: V_TAGS }), false);
    assert.equal(await store.manifests.deleteTag('app', 'dev', { immutable: V_TAGS }), true, 'other tags stay mutable');
    assert.deepEqual(await store.manifests.delete('app', dev.digest, { immutable: V_TAGS }), { status: 'deleted' });
    assert.equal((await moves(store, 'app')).length, 3);
  });

  test('setTag points a tag at a stored manifest, records it, and honours immutability', async (store) => {
    const first = await putStored(store, { repository: 'app', tags: ['latest', 'v1'] });
    const second = await putStored(store, { repository: 'app', tags: ['latest'] });
    assert.deepEqual(await store.manifests.setTag('app', 'latest', freshDigest()), { status: 'unknown' });
    assert.deepEqual(await store.manifests.setTag('nothing', 'latest', first.digest), { status: 'unknown' });
    assert.deepEqual(await store.manifests.setTag('app', 'latest', second.digest), { status: 'unchanged' });
    const version = await store.manifests.tagsVersion('app');
    assert.deepEqual(await store.manifests.setTag('app', 'latest', first.digest, { actor: 'erin' }), { status: 'tagged' });
    assert.notEqual(await store.manifests.tagsVersion('app'), version);
    assert.equal((await store.manifests.getByTag('app', 'latest'))?.digest, first.digest);
    assert.deepEqual((await moves(store, 'app', 'latest')).at(-1), ['latest', second.digest, first.digest, 'erin']);
    assert.deepEqual(await store.manifests.setTag('app', 'v1', second.digest, { immutable: V_TAGS }), { status: 'immutable', tag: 'v1', rule: V_TAGS[0] });
    assert.equal((await store.manifests.getByTag('app', 'v1'))?.digest, first.digest);
    assert.deepEqual(await store.manifests.setTag('app', 'restored', second.digest), { status: 'tagged' }, 'a missing tag is created');
  });

  test('concurrent pushes of one tag record a consistent history: each move starts where the previous ended', async (store) => {
    await putStored(store, { repository: 'app' });
    const inputs = Array.from({ length: ROUNDS }, (_, i) => ({ ...manifestInput({ repository: 'app', tags: ['latest', 'stable'] }), actor: `pusher${i}` }));
    const results = await Promise.all(inputs.map((input) => store.manifests.put(input)));
    for (const result of results) assert.deepEqual(result, { status: 'stored' });
    for (const tag of ['latest', 'stable']) {
      const history = await moves(store, 'app', tag);
      assert.equal(history.length, ROUNDS);
      assert.equal(history[0]?.[1], undefined, 'the first move creates the tag');
      for (let i = 1; i < history.length; i++) assert.equal(history[i]?.[1], history[i - 1]?.[2], `${tag} move ${i} starts where move ${i - 1} ended`);
      assert.equal(history.at(-1)?.[2], (await store.manifests.getByTag('app', tag))?.digest, 'the last move is where the tag is');
    }
  });

  test('concurrent rollbacks and deletes of one tag keep the history consistent', async (store) => {
    const a = await putStored(store, { repository: 'app', tags: ['latest'] });
    const b = await putStored(store, { repository: 'app', tags: ['latest'] });
    await Promise.all(
      Array.from({ length: ROUNDS }, (_, i) =>
        i % 3 === 2 ? store.manifests.deleteTag('app', 'latest') : store.manifests.setTag('app', 'latest', i % 2 === 0 ? a.digest : b.digest),
      ),
    );
    const history = await moves(store, 'app', 'latest');
    for (let i = 1; i < history.length; i++) assert.equal(history[i]?.[1], history[i - 1]?.[2]);
    assert.equal(history.at(-1)?.[2], (await store.manifests.getByTag('app', 'latest'))?.digest);
  });

  test('immutable-tag rules are added once, listed in order and removed', async (store) => {
    const rule: ImmutableTagRule = { scopeKind: 'namespace', scope: 'team', pattern: 'v*' };
    assert.equal(await store.immutableTags.add(rule, 'admin'), true);
    assert.equal(await store.immutableTags.add(rule, 'admin'), false);
    assert.equal(await store.immutableTags.add({ scopeKind: 'repository', scope: 'team/app', pattern: '*' }, 'alice'), true);
    assert.equal(await store.immutableTags.add({ scopeKind: 'namespace', scope: 'team', pattern: 'V*' }, 'admin'), true, 'patterns are case-sensitive');
    const listed = await store.immutableTags.list();
    assert.deepEqual(
      listed.map((r) => [r.scopeKind, r.scope, r.pattern, r.createdBy]),
      [
        ['namespace', 'team', 'V*', 'admin'],
        ['namespace', 'team', 'v*', 'admin'],
        ['repository', 'team/app', '*', 'alice'],
      ],
    );
    assert.ok(listed[0]?.createdAt instanceof Date);
    assert.equal(await store.immutableTags.remove(rule), true);
    assert.equal(await store.immutableTags.remove(rule), false);
    assert.equal((await store.immutableTags.list()).length, 2);
  });

  test('settings are created, replaced and read back', async (store) => {
    assert.equal(await store.settings.get('read-only'), undefined);
    await store.settings.set('read-only', '{"enabled":true}', 'admin');
    await store.settings.set('read-only', '{"enabled":false}', 'root');
    const setting = await store.settings.get('read-only');
    assert.equal(setting?.value, '{"enabled":false}');
    assert.equal(setting?.updatedBy, 'root');
    assert.ok(setting?.updatedAt instanceof Date);
  });
}
