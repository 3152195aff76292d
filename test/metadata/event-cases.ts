import assert from 'node:assert/strict';
import type { EventRecord } from '../../src/metadata/event-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { StoreTest } from './describe-metadata-store.js';
import { commitBlobs, freshDigest, manifestInput } from './fixtures.js';

const BOB = { actor: 'bob', actorKind: 'user', address: '192.0.2.7', node: 'node-a' };

/** Every event, oldest first, without the fields a test can't predict. */
async function allEvents(store: MetadataStore): Promise<Omit<EventRecord, 'id' | 'at'>[]> {
  return (await store.events.list({ limit: 1000 })).map(({ id: _id, at: _at, ...rest }) => rest);
}

/** The outbox: every change writes its events in its own transaction; refused changes write none. */
export function eventCases(test: StoreTest): void {
  test('a push writes manifest.pushed with its tags and one event per tag it moved, with the origin', async (store) => {
    const blobs = await commitBlobs(store, 'team/app', 1);
    const first = manifestInput({ repository: 'team/app', blobs, tags: ['latest', 'v1'] });
    const before = await store.events.lastId();
    assert.equal((await store.manifests.put({ ...first, ...BOB })).status, 'stored');
    const events = await store.events.list({ after: before, limit: 10 });
    assert.deepEqual(
      events.map((event) => [event.type, event.target?.tag, event.target?.digest, event.target?.oldDigest]),
      [
        ['manifest.pushed', 'latest', first.digest, undefined],
        ['tag.created', 'latest', first.digest, undefined],
        ['tag.created', 'v1', first.digest, undefined],
      ],
    );
    const pushed = events[0];
    assert.deepEqual(pushed?.target, { mediaType: first.mediaType, digest: first.digest, size: first.bytes.byteLength, tag: 'latest', tags: ['latest', 'v1'] });
    assert.deepEqual([pushed?.repository, pushed?.actor, pushed?.actorKind, pushed?.address, pushed?.node], ['team/app', 'bob', 'user', '192.0.2.7', 'node-a']);
    assert.ok(events.every((event, i) => i === 0 || event.id > (events[i - 1]?.id ?? Infinity)), 'ids increase');

    const second = manifestInput({ repository: 'team/app', blobs, tags: ['latest', 'v1'] });
    const mark = await store.events.lastId();
    await store.manifests.put({ ...second, tags: ['latest'], actor: 'ci' });
    assert.deepEqual(
      (await store.events.list({ after: mark, limit: 10 })).map((e) => [e.type, e.target?.tag, e.target?.digest, e.target?.oldDigest, e.actor]),
      [
        ['manifest.pushed', 'latest', second.digest, undefined, 'ci'],
        ['tag.moved', 'latest', second.digest, first.digest, 'ci'],
      ],
    );
    const again = await store.events.lastId();
    await store.manifests.put({ ...second, tags: ['latest'] });
    assert.deepEqual((await store.events.list({ after: again, limit: 10 })).map((e) => e.type), ['manifest.pushed'], 'a re-push is a push; an unmoved tag writes nothing');
  });

  test('tag deletion, rollback, manifest and repository deletion write their events', async (store) => {
    const blobs = await commitBlobs(store, 'team/app', 1);
    const one = manifestInput({ repository: 'team/app', blobs, tags: ['a', 'b'] });
    const two = manifestInput({ repository: 'team/app', blobs, tags: ['a'] });
    await store.manifests.put(one);
    await store.manifests.put(two);
    const mark = await store.events.lastId();
    assert.equal(await store.manifests.deleteTag('team/app', 'b', BOB), true);
    assert.equal((await store.manifests.setTag('team/app', 'a', one.digest, { actor: 'admin' })).status, 'tagged');
    assert.equal((await store.manifests.delete('team/app', one.digest, { actor: 'berth', actorKind: 'system', reason: 'lifecycle', events: [{ type: 'lifecycle.expired', repository: 'team/app', target: { digest: one.digest } }] })).status, 'deleted');
    const events = await store.events.list({ after: mark, limit: 10 });
    assert.deepEqual(
      events.map((e) => [e.type, e.target?.tag ?? null, e.target?.digest ?? null, e.target?.oldDigest ?? null, e.actor, e.data?.reason ?? null]),
      [
        ['tag.deleted', 'b', null, one.digest, 'bob', null],
        ['tag.moved', 'a', one.digest, two.digest, 'admin', null],
        ['tag.deleted', 'a', null, one.digest, 'berth', 'lifecycle'],
        ['manifest.deleted', null, one.digest, null, 'berth', 'lifecycle'],
        ['lifecycle.expired', null, one.digest, null, 'berth', null],
      ],
    );
    assert.equal(events[3]?.target?.mediaType, one.mediaType, 'a deleted manifest is described as it was stored');
    const beforeRepo = await store.events.lastId();
    assert.equal((await store.repositories.delete('team/app', BOB)).status, 'deleted');
    const [gone, ...rest] = await store.events.list({ after: beforeRepo, limit: 10 });
    assert.deepEqual([gone?.type, gone?.repository, gone?.data, rest.length], ['repository.deleted', 'team/app', { tags: 0, manifests: 1, blobs: 1 }, 0]);
  });

  test('a refused change writes no event', async (store) => {
    const blobs = await commitBlobs(store, 'team/app', 1);
    const stored = manifestInput({ repository: 'team/app', blobs, tags: ['v1'] });
    await store.manifests.put(stored);
    const mark = await store.events.lastId();
    const rule = { scopeKind: 'repository' as const, scope: 'team/app', pattern: 'v*' };
    const moved = manifestInput({ repository: 'team/app', blobs, tags: ['v1'] });
    assert.equal((await store.manifests.put({ ...moved, immutable: [rule] })).status, 'immutable');
    assert.equal((await store.manifests.put(manifestInput({ repository: 'team/app', blobs: [freshDigest()], tags: ['x'] }))).status, 'missing');
    assert.equal((await store.manifests.deleteTag('team/app', 'v1', { immutable: [rule] })) === true, false);
    assert.equal(await store.manifests.deleteTag('team/app', 'nope'), false);
    assert.deepEqual(await store.events.list({ after: mark, limit: 10 }), []);
  });

  test('a committed or mounted blob writes blob.uploaded; crossing 80 % of a quota writes quota.warning', async (store) => {
    const scope = { prefix: 'team/' };
    const quota = { namespace: 'team', scope, limitBytes: 1000 };
    const [a, b, c] = [freshDigest(), freshDigest(), freshDigest()];
    assert.equal(await store.blobs.commit('team/app', a, 700, quota, BOB), 'committed');
    assert.equal(await store.blobs.commit('team/app', b, 200, quota, BOB), 'committed');
    assert.equal(await store.blobs.commit('other/x', c, 50), 'committed');
    assert.equal((await store.blobs.commit('team/app', freshDigest(), 500, quota, BOB) as { status?: string }).status, 'over-quota');
    const mounted = await store.blobs.mount('team/web', a, 'team/app', quota, BOB);
    assert.equal(mounted && 'digest' in mounted ? mounted.digest : undefined, a);
    assert.deepEqual(
      (await allEvents(store)).map((e) => [e.type, e.repository, e.target?.digest ?? null, e.data ?? null]),
      [
        ['blob.uploaded', 'team/app', a, null],
        ['blob.uploaded', 'team/app', b, null],
        ['quota.warning', 'team/app', null, { usedBytes: 900, quotaBytes: 1000 }],
        ['blob.uploaded', 'other/x', c, null],
        ['blob.uploaded', 'team/web', a, { mounted: true, from: 'team/app' }],
      ],
    );
  });

  test('a setting written with events, and the end of a GC run, write them in the same transaction', async (store) => {
    await store.settings.set('read-only', '{"enabled":true}', 'admin', { events: [{ type: 'readonly.changed', data: { enabled: true, reason: 'upgrade' } }], origin: { actor: 'admin', actorKind: 'user' } });
    const run = await store.gcRuns.start({ node: 'node-b', dryRun: false, startedAt: new Date() });
    await store.gcRuns.finish(run, { finishedAt: new Date(), counts: { manifests: 2, links: 3, blobs: 1, uploads: 0, orphanFiles: 0, auditEvents: 0, bytesReclaimed: 4096 } });
    const [readOnly, gc] = await store.events.list({ limit: 10 });
    assert.deepEqual([readOnly?.type, readOnly?.actor, readOnly?.data], ['readonly.changed', 'admin', { enabled: true, reason: 'upgrade' }]);
    assert.deepEqual([gc?.type, gc?.actor, gc?.node, gc?.data?.run, gc?.data?.manifests, gc?.data?.bytesReclaimed, gc?.data?.dryRun], ['gc.finished', 'gc', 'node-b', run, 2, 4096, false]);
  });

  test('list filters by id, types and repository; append writes each origin; prune removes old events', async (store) => {
    await store.events.append([
      { event: { type: 'manifest.pulled', repository: 'a/x', target: { digest: 'sha256:1' }, data: { count: 3 } }, origin: { actor: 'ann', address: '192.0.2.1' } },
      { event: { type: 'manifest.pulled', repository: 'b/y' }, origin: { actor: 'ben' } },
      { event: { type: 'quota.exceeded', repository: 'a/x' }, origin: {} },
    ]);
    const all = await store.events.list({ limit: 10 });
    assert.deepEqual(all.map((e) => [e.type, e.actor, e.address ?? null]), [['manifest.pulled', 'ann', '192.0.2.1'], ['manifest.pulled', 'ben', null], ['quota.exceeded', 'system', null]]);
    assert.equal(all[0]?.actorKind, undefined);
    assert.equal(all[2]?.actorKind, 'system');
    const [first] = all;
    assert.deepEqual((await store.events.list({ after: first?.id ?? 0, limit: 10 })).map((e) => e.repository), ['b/y', 'a/x']);
    assert.deepEqual((await store.events.list({ repository: 'a/x', limit: 10 })).map((e) => e.type), ['manifest.pulled', 'quota.exceeded']);
    assert.deepEqual((await store.events.list({ types: ['quota.exceeded'], limit: 10 })).map((e) => e.repository), ['a/x']);
    assert.deepEqual(await store.events.list({ types: [], limit: 10 }), []);
    assert.equal((await store.events.list({ limit: 1 })).length, 1);
    assert.equal(await store.events.lastId(), all[2]?.id);
    assert.equal(await store.events.prune(new Date(Date.now() - 60_000)), 0);
    assert.equal(await store.events.prune(new Date(Date.now() + 1000)), 3);
    assert.deepEqual(await store.events.list({ limit: 10 }), []);
    assert.equal(await store.events.lastId(), 0);
  });

  test('a follower reading after the last id it saw misses no event while pushes commit concurrently', async (store) => {
    const blobs = await commitBlobs(store, 'team/app', 1);
    const start = await store.events.lastId();
    const seen: number[] = [];
    let after = start;
    let pushing = true;
    const follow = (async () => {
      while (pushing || (await store.events.list({ after, limit: 1 })).length > 0) {
        for (const event of await store.events.list({ after, limit: 50 })) {
          seen.push(event.id);
          after = event.id;
        }
      }
    })();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.manifests.put(manifestInput({ repository: 'team/app', blobs, tags: [`t${i}`] }))));
    pushing = false;
    await follow;
    const all = (await store.events.list({ after: start, limit: 1000 })).map((event) => event.id);
    assert.equal(all.length, 80, 'a pushed and a tag.created event per push');
    assert.deepEqual(seen, all, 'the follower saw every event, in id order');
  });

  test('an id is never given twice, not even after the newest events were pruned', async (store) => {
    await store.events.append([{ event: { type: 'gc.finished' }, origin: {} }, { event: { type: 'gc.finished' }, origin: {} }]);
    const newest = await store.events.lastId();
    await store.events.prune(new Date(Date.now() + 1000));
    await store.events.append([{ event: { type: 'gc.finished' }, origin: {} }]);
    const [next] = await store.events.list({ limit: 10 });
    assert.ok((next?.id ?? 0) > newest, `${next?.id} follows ${newest}: a follower past ${newest} sees it`);
  });
}
