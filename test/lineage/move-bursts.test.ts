/**
 * The debounce rows of base-tag moves, on SQLite and PostgreSQL: a burst keeps its first old
 * digest and takes the newest new one; replaying a move changes nothing; settling writes the
 * burst's events exactly once, however often the settling job runs; a move after the settling
 * starts a new burst.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LineageStore, type LineageTables } from '../../src/extensions/lineage/lineage-store.js';
import { postgresTestUrl } from '../support/postgres.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const d = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`base-tag move bursts (${backend})`, () => {
    let registry: TestRegistry;
    let lineage: LineageStore;

    before(async () => {
      registry = await startRegistry(backend === 'postgres' ? { BERTH_METADATA_URL: postgresTestUrl() } : {});
      lineage = new LineageStore(registry.berth.store.extensionDatabase<LineageTables>());
    });

    after(async () => registry?.stop());

    it('keeps the first old digest, settles once, and starts a new burst after', async () => {
      const event = { type: 'base.moved' as const, repository: 'team/app', target: { tag: '1', digest: d(3), oldDigest: d(1) } };
      assert.deepEqual(await lineage.noteMove('base/os', '1', { oldDigest: d(1), newDigest: d(2), lastEvent: 10 }), { oldDigest: d(1), newDigest: d(2), lastEvent: 10, settled: false });
      assert.deepEqual(await lineage.noteMove('base/os', '1', { oldDigest: d(1), newDigest: d(2), lastEvent: 10 }), { oldDigest: d(1), newDigest: d(2), lastEvent: 10, settled: false }, 'a replay');
      assert.deepEqual(await lineage.noteMove('base/os', '1', { oldDigest: d(2), newDigest: d(3), lastEvent: 12 }), { oldDigest: d(1), newDigest: d(3), lastEvent: 12, settled: false });
      assert.equal(await lineage.settleMove('base/os', '1', 10, [event], 'lineage'), false, 'not the burst’s latest move');
      const before = await registry.berth.store.events.lastId();
      assert.equal(await lineage.settleMove('base/os', '1', 12, [event], 'lineage'), true);
      assert.equal(await lineage.settleMove('base/os', '1', 12, [event], 'lineage'), false, 'a retried job');
      const written = await registry.berth.store.events.list({ after: before, types: ['base.moved'], limit: 10 });
      assert.deepEqual(written.map((e) => [e.repository, e.target, e.actor, e.actorKind]), [['team/app', event.target, 'lineage', 'system']]);
      assert.equal((await lineage.noteMove('base/os', '1', { oldDigest: d(2), newDigest: d(3), lastEvent: 12 })).settled, true, 'a replay after the settling');
      assert.deepEqual(await lineage.noteMove('base/os', '1', { oldDigest: d(3), newDigest: d(4), lastEvent: 13 }), { oldDigest: d(3), newDigest: d(4), lastEvent: 13, settled: false });
      assert.deepEqual(await lineage.noteMove('base/os', '2', { oldDigest: d(5), newDigest: d(6), lastEvent: 14 }), { oldDigest: d(5), newDigest: d(6), lastEvent: 14, settled: false }, 'another tag: its own burst');
    });
  });
}
