/**
 * The event dispatcher against real stores (SQLite, and two nodes on one PostgreSQL schema): each
 * subscription's jobs are enqueued once per event, in event order, and never twice — not after a
 * crash before progress was recorded, not with two nodes competing; a failing subscription stops
 * the round and is asked again; events and finished jobs past their retention are pruned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DISPATCH_PROGRESS, EventDispatcher, type DispatcherSettings } from '../../src/events/dispatcher.js';
import type { EventRecord, EventSubscription } from '../../src/events/event.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { dropTestSchema, postgresTestUrl } from '../support/postgres.js';

const quiet = { warn: () => undefined, info: () => undefined };
const DAY_MS = 24 * 60 * 60 * 1000;

function settings(node: string, overrides: Partial<DispatcherSettings> = {}): DispatcherSettings {
  return { node, pollMs: 20, leaseMs: 60_000, eventRetentionDays: 7, jobRetentionDays: 7, ...overrides };
}

/** A subscription to pushes that asks for one job per event and one per named receiver. */
function pushSubscription(receivers: string[], seen: EventRecord[] = []): EventSubscription {
  return {
    name: 'test-hooks',
    types: ['manifest.pushed'],
    jobsFor: async (event) => {
      seen.push(event);
      return receivers.map((receiver) => ({ key: receiver, kind: 'deliver', payload: { receiver, event: event.id }, maxAttempts: 3 }));
    },
  };
}

async function pushEvents(store: MetadataStore, repositories: string[]): Promise<void> {
  await store.events.append(repositories.map((repository) => ({ event: { type: 'manifest.pushed' as const, repository }, origin: { actor: 'bob' } })));
}

async function deliveries(store: MetadataStore): Promise<unknown[]> {
  return (await store.jobs.list({ kind: 'deliver', limit: 1000 })).reverse().map((job) => job.payload);
}

describe('EventDispatcher on SQLite', () => {
  let store: MetadataStore;
  before(async () => {
    store = await openMetadataStore('sqlite::memory:');
  });
  after(() => store.close());

  it('enqueues each subscription job once per matching event, in event order, and records its progress', async () => {
    const seen: EventRecord[] = [];
    await pushEvents(store, ['a/x', 'a/y']);
    await store.events.append([{ event: { type: 'tag.deleted', repository: 'a/x' }, origin: {} }]);
    let woken = 0;
    const dispatcher = new EventDispatcher(store, [pushSubscription(['hook-1', 'hook-2'], seen)], settings('node-a'), quiet, () => woken++);
    assert.equal(await dispatcher.dispatchOnce(), 3, 'every event is handed out, matching or not');
    const [first, second] = await store.events.list({ limit: 2 });
    assert.deepEqual(await deliveries(store), [
      { receiver: 'hook-1', event: first?.id },
      { receiver: 'hook-2', event: first?.id },
      { receiver: 'hook-1', event: second?.id },
      { receiver: 'hook-2', event: second?.id },
    ]);
    assert.deepEqual(seen.map((event) => event.repository), ['a/x', 'a/y'], 'only the subscribed type');
    assert.equal(woken, 1, 'the runner is woken once per batch with new jobs');
    assert.equal(await dispatcher.dispatchOnce(), 0, 'nothing new');
    const progress = await store.settings.get(DISPATCH_PROGRESS);
    assert.deepEqual(JSON.parse(progress?.value ?? '{}'), { id: await store.events.lastId() });
  });

  it('after a crash before progress was recorded, the batch is handed out again without a second job', async () => {
    await pushEvents(store, ['b/x']);
    const dispatcher = new EventDispatcher(store, [pushSubscription(['hook-1'])], settings('node-a'), quiet);
    await dispatcher.dispatchOnce();
    const before = await deliveries(store);
    // The node "died" after enqueueing: its progress is rolled back to before the event.
    const last = await store.events.lastId();
    await store.settings.set(DISPATCH_PROGRESS, JSON.stringify({ id: last - 1 }), 'test');
    const seen: EventRecord[] = [];
    const restarted = new EventDispatcher(store, [pushSubscription(['hook-1'], seen)], settings('node-a'), quiet);
    assert.equal(await restarted.dispatchOnce(), 1);
    assert.equal(seen.length, 1, 'the subscription is asked again');
    assert.deepEqual(await deliveries(store), before, 'the idempotency key kept it to one job');
  });

  it('a subscription that fails stops the round at that event; the next round asks again', async () => {
    await pushEvents(store, ['c/ok', 'c/fails', 'c/after']);
    let failing = true;
    const asked: string[] = [];
    const flaky: EventSubscription = {
      name: 'flaky',
      types: ['manifest.pushed'],
      jobsFor: async (event) => {
        asked.push(event.repository ?? '');
        if (event.repository === 'c/fails' && failing) throw new Error('receiver lookup failed');
        return [{ key: '', kind: 'flaky', payload: event.repository, maxAttempts: 1 }];
      },
    };
    const dispatcher = new EventDispatcher(store, [flaky], settings('node-a'), quiet);
    // Start where the earlier tests left off: only the three new events.
    await store.settings.set(DISPATCH_PROGRESS, JSON.stringify({ id: (await store.events.lastId()) - 3 }), 'test');
    await assert.rejects(dispatcher.dispatchOnce(), /receiver lookup failed/);
    failing = false;
    await dispatcher.dispatchOnce();
    assert.deepEqual(asked, ['c/ok', 'c/fails', 'c/ok', 'c/fails', 'c/after']);
    assert.deepEqual((await store.jobs.list({ kind: 'flaky', limit: 10 })).reverse().map((job) => job.payload), ['c/ok', 'c/fails', 'c/after']);
  });

  it('prunes events and finished jobs past their retention, and keeps what is within it', async () => {
    const { id: done } = await store.jobs.enqueue({ kind: 'old', payload: null, maxAttempts: 1 });
    await store.jobs.claim('old', 'node-a', 60_000, 1);
    await store.jobs.complete(done, 'node-a');
    const { id: queued } = await store.jobs.enqueue({ kind: 'old', payload: null, maxAttempts: 1 });
    const events = await store.events.list({ limit: 1000 });
    assert.ok(events.length > 0);
    // Eight days from now, the events and the finished job are past a seven-day retention.
    const later = new EventDispatcher(store, [], settings('node-a'), quiet);
    await later.dispatchOnce(Date.now() + 8 * DAY_MS);
    assert.deepEqual(await store.events.list({ limit: 1000 }), []);
    assert.equal(await store.jobs.get(done), undefined, 'the finished job is pruned');
    assert.equal((await store.jobs.get(queued))?.state, 'queued', 'a job not finished is kept');
  });
});

describe('EventDispatcher: two nodes on one PostgreSQL schema', () => {
  const url = postgresTestUrl();
  let one: MetadataStore;
  let two: MetadataStore;
  before(async () => {
    one = await openMetadataStore(url);
    two = await openMetadataStore(url);
  });
  after(async () => {
    await one.close();
    await two.close();
    await dropTestSchema(url);
  });

  it('one node dispatches under the lease; every event yields its job exactly once; the other takes over when it stops', async () => {
    const a = new EventDispatcher(one, [pushSubscription(['hook'])], settings('node-a', { leaseMs: 400 }), quiet);
    const b = new EventDispatcher(two, [pushSubscription(['hook'])], settings('node-b', { leaseMs: 400 }), quiet);
    a.start();
    b.start();
    const repositories = Array.from({ length: 30 }, (_, i) => `team/r${i}`);
    for (const repository of repositories.slice(0, 15)) await pushEvents(one, [repository]);
    const leaseHolder = async (): Promise<string | undefined> => (await one.leases.get('events.dispatch'))?.holder;
    while ((await leaseHolder()) === undefined) await sleep(10);
    const first = await leaseHolder();
    assert.ok(first === 'node-a' || first === 'node-b');
    await (first === 'node-a' ? a : b).stop();
    for (const repository of repositories.slice(15)) await pushEvents(two, [repository]);
    const deadline = Date.now() + 10_000;
    while ((await one.jobs.list({ kind: 'deliver', limit: 100 })).length < 30 && Date.now() < deadline) await sleep(20);
    await (first === 'node-a' ? b : a).stop();
    const jobs = await one.jobs.list({ kind: 'deliver', limit: 100 });
    const events = await one.events.list({ limit: 100 });
    assert.deepEqual(jobs.map((job) => (job.payload as { event: number }).event).sort((x, y) => x - y), events.map((event) => event.id), 'one job per event');
  });
});
