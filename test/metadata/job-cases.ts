import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRecord } from '../../src/metadata/job-store.js';
import type { StoreTest } from './describe-metadata-store.js';

const LEASE_MS = 60_000;
const past = (ms: number) => new Date(Date.now() - ms);

/** The job queue: enqueue, idempotency, claims under leases, retries, dead jobs, cancel, retry. */
export function jobCases(test: StoreTest): void {
  test('enqueue numbers jobs in order; the same idempotency key yields the first job again', async (store) => {
    const first = await store.jobs.enqueue({ kind: 'webhook', payload: { event: 1 }, maxAttempts: 3, idempotencyKey: 'event-1:hook-1' });
    const second = await store.jobs.enqueue({ kind: 'webhook', payload: { event: 2 }, maxAttempts: 3 });
    const again = await store.jobs.enqueue({ kind: 'webhook', payload: { event: 'other' }, maxAttempts: 9, idempotencyKey: 'event-1:hook-1' });
    assert.equal(first.created, true);
    assert.ok(second.id > first.id);
    assert.deepEqual(again, { id: first.id, created: false });
    const job = await store.jobs.get(first.id);
    assert.deepEqual([job?.state, job?.payload, job?.maxAttempts, job?.attempts, job?.idempotencyKey], ['queued', { event: 1 }, 3, 0, 'event-1:hook-1']);
    assert.equal((await store.jobs.list({ limit: 10 })).length, 2);
    await assert.rejects(store.jobs.enqueue({ kind: 'webhook', payload: {}, maxAttempts: 0 }), RangeError);
  });

  test('enqueueAll enqueues in order in one go and counts only new jobs', async (store) => {
    const first = await store.jobs.enqueue({ kind: 'webhook', payload: 0, maxAttempts: 1, idempotencyKey: 'k0' });
    const created = await store.jobs.enqueueAll([
      { kind: 'webhook', payload: 1, maxAttempts: 1, idempotencyKey: 'k1' },
      { kind: 'webhook', payload: 'again', maxAttempts: 1, idempotencyKey: 'k0' },
      { kind: 'scan', payload: 2, maxAttempts: 1, idempotencyKey: 'k2' },
    ]);
    assert.equal(created, 2);
    const jobs = (await store.jobs.list({ limit: 10 })).reverse();
    assert.deepEqual(jobs.map((job) => [job.payload, job.idempotencyKey]), [[0, 'k0'], [1, 'k1'], [2, 'k2']]);
    assert.equal(jobs[0]?.id, first.id);
    assert.equal(await store.jobs.enqueueAll([]), 0);
  });

  test('dueKinds names the kinds a claim could take now: due, or running on a lease that ran out', async (store) => {
    await store.jobs.enqueue({ kind: 'later', payload: null, maxAttempts: 1, runAt: new Date(Date.now() + 3_600_000) });
    await store.jobs.enqueue({ kind: 'now', payload: null, maxAttempts: 1 });
    await store.jobs.enqueue({ kind: 'stuck', payload: null, maxAttempts: 2 });
    assert.equal((await store.jobs.claim('stuck', 'node-a', 1, 1)).length, 1);
    await sleep(5);
    await store.jobs.enqueue({ kind: 'held', payload: null, maxAttempts: 1 });
    assert.equal((await store.jobs.claim('held', 'node-a', LEASE_MS, 1)).length, 1);
    assert.deepEqual([...(await store.jobs.dueKinds(['later', 'now', 'stuck', 'held', 'none']))].sort(), ['now', 'stuck']);
    assert.deepEqual([...(await store.jobs.dueKinds(['later']))], []);
    assert.deepEqual([...(await store.jobs.dueKinds([]))], []);
  });

  test('claim takes due jobs of its kind, oldest due first, up to the limit, under a lease', async (store) => {
    const later = await store.jobs.enqueue({ kind: 'scan', payload: 'later', maxAttempts: 1, runAt: new Date(Date.now() + 3_600_000) });
    const newer = await store.jobs.enqueue({ kind: 'scan', payload: 'newer', maxAttempts: 1, runAt: past(1000) });
    const older = await store.jobs.enqueue({ kind: 'scan', payload: 'older', maxAttempts: 1, runAt: past(5000) });
    const third = await store.jobs.enqueue({ kind: 'scan', payload: 'third', maxAttempts: 1 });
    await store.jobs.enqueue({ kind: 'webhook', payload: 'other kind', maxAttempts: 1 });
    const before = Date.now();
    const claimed = await store.jobs.claim('scan', 'node-a', LEASE_MS, 2);
    assert.deepEqual(claimed.map((job) => job.id), [older.id, newer.id]);
    for (const job of claimed) {
      assert.deepEqual([job.state, job.attempts, job.lockedBy], ['running', 1, 'node-a']);
      assert.ok((job.lockedUntil?.getTime() ?? 0) >= before + LEASE_MS);
    }
    assert.deepEqual((await store.jobs.claim('scan', 'node-b', LEASE_MS, 10)).map((job) => job.id), [third.id]);
    assert.deepEqual(await store.jobs.claim('scan', 'node-b', LEASE_MS, 10), [], 'a future job and leased ones are not claimable');
    assert.equal((await store.jobs.get(later.id))?.state, 'queued');
    assert.deepEqual(await store.jobs.claim('scan', 'node-b', LEASE_MS, 0), []);
  });

  test('only the lease holder completes or renews a job', async (store) => {
    const { id } = await store.jobs.enqueue({ kind: 'k', payload: null, maxAttempts: 2 });
    await store.jobs.claim('k', 'node-a', LEASE_MS, 1);
    assert.equal(await store.jobs.renew(id, 'node-b', LEASE_MS), false);
    assert.equal(await store.jobs.complete(id, 'node-b'), false);
    assert.equal((await store.jobs.get(id))?.state, 'running');
    assert.equal(await store.jobs.renew(id, 'node-a', LEASE_MS), true);
    assert.equal(await store.jobs.complete(id, 'node-a'), true);
    const done = await store.jobs.get(id);
    assert.deepEqual([done?.state, done?.lockedBy, done?.attempts], ['done', undefined, 1]);
    assert.ok(done?.finishedAt);
    assert.equal(await store.jobs.complete(id, 'node-a'), false, 'done once');
  });

  test('a failed attempt is queued again at its retry time; the last one makes the job dead', async (store) => {
    const { id } = await store.jobs.enqueue({ kind: 'k', payload: null, maxAttempts: 2 });
    await store.jobs.claim('k', 'node-a', LEASE_MS, 1);
    assert.equal(await store.jobs.fail(id, 'node-b', 'not mine', past(1)), 'lost');
    const retryAt = new Date(Date.now() + 3_600_000);
    assert.equal(await store.jobs.fail(id, 'node-a', 'receiver answered 503', retryAt), 'retrying');
    const waiting = await store.jobs.get(id);
    assert.deepEqual([waiting?.state, waiting?.lastError, waiting?.runAt.getTime(), waiting?.lockedBy], ['queued', 'receiver answered 503', retryAt.getTime(), undefined]);
    assert.deepEqual(await store.jobs.claim('k', 'node-a', LEASE_MS, 1), [], 'not before its retry time');
    assert.equal(await store.jobs.fail(id, 'node-a', 'not running', past(1)), 'lost');
    // Due again (an operator or the clock): the second and last attempt fails too.
    assert.equal(await store.jobs.retry(id), 'not-failed', 'a queued job is not retried by hand');
    await store.jobs.cancel(id);
    assert.equal(await store.jobs.retry(id), 'queued');
    const [second] = await store.jobs.claim('k', 'node-a', LEASE_MS, 1);
    assert.equal(second?.attempts, 1, 'a retry by hand starts the attempts again');
    assert.equal(await store.jobs.fail(id, 'node-a', 'first of two', past(1)), 'retrying');
    const [third] = await store.jobs.claim('k', 'node-a', LEASE_MS, 1);
    assert.equal(third?.attempts, 2);
    assert.equal(await store.jobs.fail(id, 'node-a', 'x'.repeat(5000), past(1)), 'dead');
    const dead = await store.jobs.get(id);
    assert.equal(dead?.state, 'dead');
    assert.equal(dead?.lastError?.length, 2000, 'the error is stored cut to its first 2000 characters');
    assert.ok(dead?.finishedAt);
    assert.deepEqual(await store.jobs.claim('k', 'node-a', LEASE_MS, 1), []);
  });

  test('a job whose lease expired is claimed by another node, and its old holder can no longer finish it', async (store) => {
    const { id } = await store.jobs.enqueue({ kind: 'k', payload: null, maxAttempts: 3 });
    await store.jobs.claim('k', 'node-a', 1, 1);
    await sleep(10);
    const [taken] = await store.jobs.claim('k', 'node-b', LEASE_MS, 1);
    assert.deepEqual([taken?.id, taken?.lockedBy, taken?.attempts], [id, 'node-b', 2]);
    assert.equal(await store.jobs.complete(id, 'node-a'), false);
    assert.equal(await store.jobs.fail(id, 'node-a', 'late', past(1)), 'lost');
    assert.equal(await store.jobs.complete(id, 'node-b'), true);
  });

  test('a lease that expires on the last attempt makes the job dead instead of claiming it again', async (store) => {
    const { id } = await store.jobs.enqueue({ kind: 'k', payload: null, maxAttempts: 1 });
    await store.jobs.claim('k', 'node-a', 1, 1);
    await sleep(10);
    assert.deepEqual(await store.jobs.claim('k', 'node-b', LEASE_MS, 1), []);
    const dead = await store.jobs.get(id);
    assert.equal(dead?.state, 'dead');
    assert.match(dead?.lastError ?? '', /stopped renewing the lease/);
  });

  test('cancel stops a queued or running job; retry queues a dead or cancelled one', async (store) => {
    const queued = await store.jobs.enqueue({ kind: 'k', payload: 1, maxAttempts: 1 });
    const running = await store.jobs.enqueue({ kind: 'k', payload: 2, maxAttempts: 1 });
    assert.equal(await store.jobs.cancel(queued.id), 'cancelled');
    const [claimed] = await store.jobs.claim('k', 'node-a', LEASE_MS, 5);
    assert.equal(claimed?.id, running.id, 'a cancelled job is not claimed');
    assert.equal(await store.jobs.cancel(running.id), 'cancelled');
    assert.equal(await store.jobs.complete(running.id, 'node-a'), false, 'its runner learns it lost the job');
    assert.equal(await store.jobs.renew(running.id, 'node-a', LEASE_MS), false);
    assert.equal(await store.jobs.cancel(running.id), 'finished');
    assert.equal(await store.jobs.cancel(999_999), 'unknown');
    assert.equal(await store.jobs.retry(999_999), 'unknown');
    assert.equal(await store.jobs.retry(running.id), 'queued');
    const again = await store.jobs.get(running.id);
    assert.deepEqual([again?.state, again?.attempts, again?.finishedAt], ['queued', 0, undefined]);
  });

  test('list filters by state and kind, newest first, and pages with before', async (store) => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.jobs.enqueue({ kind: i % 2 === 0 ? 'even' : 'odd', payload: i, maxAttempts: 1 })).id);
    await store.jobs.claim('even', 'node-a', LEASE_MS, 1);
    const ofKind = (jobs: JobRecord[]) => jobs.map((job) => job.payload);
    assert.deepEqual(ofKind(await store.jobs.list({ kind: 'even', limit: 10 })), [4, 2, 0]);
    assert.deepEqual(ofKind(await store.jobs.list({ state: 'running', limit: 10 })), [0]);
    assert.deepEqual(ofKind(await store.jobs.list({ state: 'queued', kind: 'even', limit: 10 })), [4, 2]);
    assert.deepEqual(ofKind(await store.jobs.list({ limit: 2 })), [4, 3]);
    assert.deepEqual(ofKind(await store.jobs.list({ limit: 2, before: ids[3] })), [2, 1]);
  });

  test('claims racing for the same jobs take each exactly once', async (store) => {
    const total = 40;
    for (let i = 0; i < total; i++) await store.jobs.enqueue({ kind: 'race', payload: i, maxAttempts: 1 });
    const claimedBy = new Map<number, string>();
    await Promise.all(
      Array.from({ length: 8 }, async (_, n) => {
        const node = `node-${n}`;
        for (;;) {
          const jobs = await store.jobs.claim('race', node, LEASE_MS, 3);
          if (jobs.length === 0) return;
          for (const job of jobs) {
            assert.equal(claimedBy.get(job.id), undefined, `job ${job.id} claimed by ${claimedBy.get(job.id)} and ${node}`);
            claimedBy.set(job.id, node);
          }
        }
      }),
    );
    assert.equal(claimedBy.size, total);
  });

  test('jobs of one group are claimed one at a time, in order; a dead or cancelled one no longer holds the group up', async (store) => {
    const a1 = await store.jobs.enqueue({ kind: 'deliver', payload: 'a1', maxAttempts: 1, group: 'hook-1:team/a' });
    const a2 = await store.jobs.enqueue({ kind: 'deliver', payload: 'a2', maxAttempts: 1, group: 'hook-1:team/a' });
    const a3 = await store.jobs.enqueue({ kind: 'deliver', payload: 'a3', maxAttempts: 1, group: 'hook-1:team/a' });
    const b1 = await store.jobs.enqueue({ kind: 'deliver', payload: 'b1', maxAttempts: 1, group: 'hook-1:team/b' });
    const free = await store.jobs.enqueue({ kind: 'deliver', payload: 'free', maxAttempts: 1 });
    const claimed = await store.jobs.claim('deliver', 'node-a', LEASE_MS, 10);
    assert.deepEqual(claimed.map((job) => job.id), [a1.id, b1.id, free.id], 'only the head of each group, and ungrouped jobs');
    assert.equal(claimed[0]?.group, 'hook-1:team/a');
    assert.deepEqual(await store.jobs.claim('deliver', 'node-b', LEASE_MS, 10), [], 'the next of a group waits while its head runs');
    await store.jobs.complete(a1.id, 'node-a');
    assert.deepEqual((await store.jobs.claim('deliver', 'node-b', LEASE_MS, 10)).map((job) => job.id), [a2.id]);
    assert.equal(await store.jobs.fail(a2.id, 'node-b', 'receiver down', new Date()), 'dead');
    assert.deepEqual((await store.jobs.claim('deliver', 'node-b', LEASE_MS, 10)).map((job) => job.id), [a3.id], 'a dead job lets the group go on');
    const c1 = await store.jobs.enqueue({ kind: 'deliver', payload: 'c1', maxAttempts: 3, group: 'g' });
    const c2 = await store.jobs.enqueue({ kind: 'deliver', payload: 'c2', maxAttempts: 3, group: 'g' });
    assert.equal(await store.jobs.cancel(c1.id), 'cancelled');
    assert.deepEqual((await store.jobs.claim('deliver', 'node-b', LEASE_MS, 10)).map((job) => job.id), [c2.id], 'so does a cancelled one');
  });

  test('a failed head of a group holds the group until it is retried and succeeds', async (store) => {
    const head = await store.jobs.enqueue({ kind: 'deliver', payload: 1, maxAttempts: 5, group: 'g' });
    const next = await store.jobs.enqueue({ kind: 'deliver', payload: 2, maxAttempts: 5, group: 'g' });
    await store.jobs.claim('deliver', 'node-a', LEASE_MS, 10);
    assert.equal(await store.jobs.fail(head.id, 'node-a', 'down', new Date(Date.now() + 3_600_000)), 'retrying');
    assert.deepEqual(await store.jobs.claim('deliver', 'node-a', LEASE_MS, 10), [], 'the next waits for the head\'s retry');
    assert.equal(await store.jobs.fail(head.id, 'node-a', 'x', new Date()), 'lost', 'the head is queued, not running');
    const retried = await store.jobs.get(head.id);
    assert.equal(retried?.state, 'queued');
    assert.equal((await store.jobs.get(next.id))?.state, 'queued');
  });
}
