/** Pull events are gathered off the request path and written in batches, repeated pulls as one event with a count. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PullEvents } from '../../src/events/pull-events.js';
import type { OriginatedEvent } from '../../src/metadata/event-store.js';

const MANIFEST = { repository: 'team/app', digest: 'sha256:aa', mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 512 };

function recordingStore(): { appended: OriginatedEvent[][]; append(events: readonly OriginatedEvent[]): Promise<void> } {
  const appended: OriginatedEvent[][] = [];
  return { appended, append: async (events) => void appended.push([...events]) };
}

describe('PullEvents', () => {
  it('writes nothing per pull; a flush writes one event per manifest, tag and client, with a count', async () => {
    const store = recordingStore();
    const pulls = new PullEvents(store, () => assert.fail('no error expected'), 60_000);
    for (let i = 0; i < 500; i++) pulls.record({ ...MANIFEST, tag: 'latest' }, { actor: 'bob', address: '192.0.2.1' });
    pulls.record(MANIFEST, { actor: 'bob', address: '192.0.2.1' });
    pulls.record({ ...MANIFEST, tag: 'latest' }, { actor: 'ann', address: '192.0.2.2' });
    assert.equal(store.appended.length, 0, 'recording never writes');
    await pulls.flush();
    assert.equal(store.appended.length, 1, 'one write per flush');
    assert.deepEqual(
      store.appended[0]?.map(({ event, origin }) => [event.type, event.target?.tag ?? null, event.data?.count, origin.actor]),
      [
        ['manifest.pulled', 'latest', 500, 'bob'],
        ['manifest.pulled', null, 1, 'bob'],
        ['manifest.pulled', 'latest', 1, 'ann'],
      ],
    );
    assert.deepEqual(store.appended[0]?.[0]?.event.target, { mediaType: MANIFEST.mediaType, digest: MANIFEST.digest, size: 512, tag: 'latest' });
    assert.equal(store.appended[0]?.[0]?.event.repository, 'team/app');
    await pulls.flush();
    assert.equal(store.appended.length, 1, 'an empty flush writes nothing');
  });

  it('flushes on its own after the interval, and when the buffer fills', async () => {
    const store = recordingStore();
    const pulls = new PullEvents(store, () => undefined, 20, 3);
    pulls.record(MANIFEST, { actor: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(store.appended.length, 1, 'written after the interval');
    for (const actor of ['b', 'c', 'd']) pulls.record(MANIFEST, { actor });
    await pulls.flush();
    assert.deepEqual(store.appended.slice(1).map((batch) => batch.map(({ origin }) => origin.actor)), [['b', 'c', 'd']]);
  });

  it('a failed write is reported with how many events were lost, and the next flush starts afresh', async () => {
    const lost: number[] = [];
    let fail = true;
    const appended: OriginatedEvent[][] = [];
    const pulls = new PullEvents({ append: async (events) => { if (fail) throw new Error('database down'); appended.push([...events]); } }, (_error, count) => lost.push(count), 60_000);
    pulls.record(MANIFEST, { actor: 'a' });
    pulls.record(MANIFEST, { actor: 'b' });
    await pulls.flush();
    fail = false;
    pulls.record(MANIFEST, { actor: 'c' });
    await pulls.flush();
    assert.deepEqual(lost, [2]);
    assert.deepEqual(appended.map((batch) => batch.map(({ origin }) => origin.actor)), [['c']]);
  });
});
