import assert from 'node:assert/strict';
import type { StoreTest } from './describe-metadata-store.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** The GC run history, audit pruning, the blob-existence check and re-sealing signing keys. */
export function gcRunAndRetentionCases(test: StoreTest): void {
  test('a GC run is recorded as it starts and completed with its counts and error', async (store) => {
    const startedAt = new Date(Date.now() - 1000);
    const first = await store.gcRuns.start({ node: 'node-1', dryRun: false, startedAt });
    const second = await store.gcRuns.start({ node: 'node-2', dryRun: true, startedAt: new Date() });
    assert.ok(second > first);
    const running = await store.gcRuns.list(10);
    assert.deepEqual(running.map((run) => [run.id, run.node, run.dryRun, run.finishedAt]), [
      [second, 'node-2', true, undefined],
      [first, 'node-1', false, undefined],
    ]);
    const finishedAt = new Date();
    const counts = { manifests: 1, links: 2, blobs: 3, uploads: 4, orphanFiles: 5, auditEvents: 6, bytesReclaimed: 7_000_000_000 };
    await store.gcRuns.finish(first, { finishedAt, counts });
    await store.gcRuns.finish(second, { finishedAt, counts: { ...counts, blobs: 0 }, error: 'lost the database' });
    const [newest, oldest] = await store.gcRuns.list(10);
    assert.deepEqual(oldest, { id: first, startedAt, finishedAt, node: 'node-1', dryRun: false, ...counts });
    assert.equal(newest?.error, 'lost the database');
    assert.equal((await store.gcRuns.list(1)).length, 1);
  });

  test('deleteOlderThan removes audit events before the cut-off in bounded batches and keeps newer ones', async (store) => {
    const cutoff = Date.now() - 90 * 24 * 3600 * 1000;
    const event = (at: number, action: string) => ({ at: new Date(at), actor: 'bob', actorKind: 'user', action, outcome: 'success' as const });
    await store.audit.append([...Array.from({ length: 5 }, (_, i) => event(cutoff - 1000 - i, 'old')), event(cutoff, 'at-cutoff'), event(Date.now(), 'new')]);
    assert.equal(await store.audit.deleteOlderThan(new Date(cutoff), 3), 3);
    assert.equal(await store.audit.deleteOlderThan(new Date(cutoff), 3), 2);
    assert.equal(await store.audit.deleteOlderThan(new Date(cutoff), 3), 0);
    const left = await store.audit.query({ limit: 100 });
    assert.deepEqual(left.map((e) => e.action).sort(), ['at-cutoff', 'new']);
  });

  test('hasBlobs says whether any blob row exists', async (store) => {
    assert.equal(await store.gc.hasBlobs(), false);
    assert.equal(await store.blobs.commit('shop/web', DIGEST, 10), 'committed');
    assert.equal(await store.gc.hasBlobs(), true);
  });

  test('replacePrivate swaps a signing key\'s stored private half and says when the key is unknown', async (store) => {
    await store.signingKeys.add({ kid: 'k1', privateJwk: '{"kty":"EC","d":"secret"}', publicJwk: '{"kty":"EC"}', createdAt: new Date() });
    assert.equal(await store.signingKeys.replacePrivate('k1', '{"enc":"berth-kek-v1"}'), true);
    assert.equal(await store.signingKeys.replacePrivate('nope', '{}'), false);
    assert.deepEqual((await store.signingKeys.list()).map((k) => [k.kid, k.privateJwk, k.publicJwk]), [['k1', '{"enc":"berth-kek-v1"}', '{"kty":"EC"}']]);
  });
}
