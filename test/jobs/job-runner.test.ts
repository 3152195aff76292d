/**
 * The job runner against real stores: SQLite, and two nodes (two stores, two runners) on one
 * PostgreSQL schema — retries with backoff, dead jobs, per-kind concurrency per node, a job whose
 * node died, cancel while running, timeouts, and every job run exactly once across nodes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobRunner, retryDelay, type JobHandler, type JobRunnerSettings } from '../../src/jobs/job-runner.js';
import type { JobRecord } from '../../src/metadata/job-store.js';
import type { MetadataStore } from '../../src/metadata/metadata-store.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { dropTestSchema, postgresTestUrl } from '../support/postgres.js';

const quiet = { warn: () => undefined };

function settings(node: string, overrides: Partial<JobRunnerSettings> = {}): JobRunnerSettings {
  return { node, leaseMs: 3000, pollMs: 20, backoff: { baseMs: 5, maxMs: 20 }, stopGraceMs: 1000, ...overrides };
}

/** Polls until `check` holds (the runner works in the background). */
async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

async function stateOf(store: MetadataStore, id: number): Promise<JobRecord> {
  const job = await store.jobs.get(id);
  assert.ok(job, `job ${id} exists`);
  return job;
}

describe('retryDelay', () => {
  it('doubles per attempt up to the cap and spreads over the upper half', () => {
    const backoff = { baseMs: 1000, maxMs: 60_000 };
    assert.deepEqual([1, 2, 3, 4].map((attempt) => retryDelay(attempt, backoff, () => 1)), [1000, 2000, 4000, 8000]);
    assert.deepEqual([1, 2, 3].map((attempt) => retryDelay(attempt, backoff, () => 0)), [500, 1000, 2000]);
    assert.equal(retryDelay(30, backoff, () => 1), 60_000);
    assert.equal(retryDelay(30, backoff, () => 0), 30_000);
  });
});

describe('JobRunner on SQLite', () => {
  let store: MetadataStore;
  before(async () => {
    store = await openMetadataStore('sqlite::memory:');
  });
  after(() => store.close());

  it('runs a job with its payload and marks it done', async () => {
    const seen: unknown[] = [];
    const runner = new JobRunner(store.jobs, [{ kind: 'echo', concurrency: 1, timeoutMs: 5000, run: async (payload) => void seen.push(payload) }], settings('node-a'), quiet);
    const { id } = await store.jobs.enqueue({ kind: 'echo', payload: { hello: 'world' }, maxAttempts: 3 });
    runner.start();
    await until(async () => (await stateOf(store, id)).state === 'done', 'the job is done');
    await runner.stop();
    assert.deepEqual(seen, [{ hello: 'world' }]);
    assert.equal((await stateOf(store, id)).attempts, 1);
  });

  it('retries a failing job after a backoff until it succeeds, and makes one that keeps failing dead', async () => {
    let calls = 0;
    const times: number[] = [];
    const flaky: JobHandler<{ succeedOn: number }> = {
      kind: 'flaky',
      concurrency: 1,
      timeoutMs: 5000,
      run: async (payload, { job }) => {
        calls++;
        times.push(Date.now());
        if (job.attempts < payload.succeedOn) throw new Error(`attempt ${job.attempts} failed`);
      },
    };
    const runner = new JobRunner(store.jobs, [flaky as JobHandler], settings('node-a', { backoff: { baseMs: 40, maxMs: 40 } }), quiet);
    const recovers = await store.jobs.enqueue({ kind: 'flaky', payload: { succeedOn: 3 }, maxAttempts: 5 });
    runner.start();
    await until(async () => (await stateOf(store, recovers.id)).state === 'done', 'the flaky job succeeds');
    assert.equal((await stateOf(store, recovers.id)).attempts, 3);
    assert.equal(calls, 3);
    for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 19, `attempt ${i + 1} came after the backoff (${(times[i] ?? 0) - (times[i - 1] ?? 0)} ms)`);
    const hopeless = await store.jobs.enqueue({ kind: 'flaky', payload: { succeedOn: 99 }, maxAttempts: 2 });
    await until(async () => (await stateOf(store, hopeless.id)).state === 'dead', 'the hopeless job is dead');
    await runner.stop();
    const dead = await stateOf(store, hopeless.id);
    assert.deepEqual([dead.attempts, dead.lastError], [2, 'attempt 2 failed']);
  });

  it('runs no more jobs of a kind at once than its concurrency, and other kinds beside them', async () => {
    let active = 0;
    let most = 0;
    const slow: JobHandler = {
      kind: 'slow',
      concurrency: 2,
      timeoutMs: 5000,
      run: async () => {
        active++;
        most = Math.max(most, active);
        await sleep(30);
        active--;
      },
    };
    let quickRan = 0;
    const quick: JobHandler = { kind: 'quick', concurrency: 1, timeoutMs: 5000, run: async () => void quickRan++ };
    const runner = new JobRunner(store.jobs, [slow, quick], settings('node-a'), quiet);
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push((await store.jobs.enqueue({ kind: 'slow', payload: i, maxAttempts: 1 })).id);
    await store.jobs.enqueue({ kind: 'quick', payload: null, maxAttempts: 1 });
    runner.start();
    await until(async () => (await store.jobs.list({ kind: 'slow', state: 'done', limit: 100 })).length === 8, 'all slow jobs are done');
    await runner.stop();
    assert.equal(most, 2);
    assert.equal(quickRan, 1);
  });

  it('picks up a job whose node died once its lease expires', async () => {
    const { id } = await store.jobs.enqueue({ kind: 'orphan', payload: null, maxAttempts: 3 });
    // The dead node claimed it with a short lease and never renewed or finished it.
    assert.equal((await store.jobs.claim('orphan', 'dead-node', 100, 1)).length, 1);
    let ranBy: string | undefined;
    const runner = new JobRunner(store.jobs, [{ kind: 'orphan', concurrency: 1, timeoutMs: 5000, run: async (_payload, { job }) => void (ranBy = job.lockedBy) }], settings('node-b'), quiet);
    runner.start();
    await until(async () => (await stateOf(store, id)).state === 'done', 'another node finishes it');
    await runner.stop();
    assert.equal(ranBy, 'node-b');
    assert.equal((await stateOf(store, id)).attempts, 2);
  });

  it('aborts a running job that is cancelled, without recording a failure', async () => {
    let aborted = false;
    let started = false;
    const waits: JobHandler = {
      kind: 'waits',
      concurrency: 1,
      timeoutMs: 60_000,
      run: (_payload, { signal }) =>
        new Promise<void>((_resolve, reject) => {
          started = true;
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason as Error);
          });
        }),
    };
    const runner = new JobRunner(store.jobs, [waits], settings('node-a', { leaseMs: 150 }), quiet);
    const { id } = await store.jobs.enqueue({ kind: 'waits', payload: null, maxAttempts: 3 });
    runner.start();
    await until(async () => started, 'the job runs');
    assert.equal(await store.jobs.cancel(id), 'cancelled');
    await until(async () => aborted, 'the handler is told through its signal');
    await until(async () => runner.inFlight('waits') === 0, 'the slot is free');
    await runner.stop();
    const job = await stateOf(store, id);
    assert.deepEqual([job.state, job.lastError], ['cancelled', undefined]);
  });

  it('fails an attempt that runs past its timeout, even when the handler ignores its signal', async () => {
    const stuck: JobHandler = { kind: 'stuck', concurrency: 1, timeoutMs: 50, run: () => new Promise<void>(() => undefined) };
    const runner = new JobRunner(store.jobs, [stuck], settings('node-a'), quiet);
    const { id } = await store.jobs.enqueue({ kind: 'stuck', payload: null, maxAttempts: 1 });
    runner.start();
    await until(async () => (await stateOf(store, id)).state === 'dead', 'the attempt times out');
    await runner.stop();
    assert.match((await stateOf(store, id)).lastError ?? '', /ran past its 50 ms timeout/);
  });

  it('refuses two handlers for one kind', () => {
    const handler: JobHandler = { kind: 'twice', concurrency: 1, timeoutMs: 1, run: async () => undefined };
    assert.throws(() => new JobRunner(store.jobs, [handler, handler], settings('node-a'), quiet), /two job handlers for kind twice/);
  });
});

describe('JobRunner: two nodes on one PostgreSQL schema', () => {
  const url = postgresTestUrl();
  let first: MetadataStore;
  let second: MetadataStore;
  before(async () => {
    first = await openMetadataStore(url);
    second = await openMetadataStore(url);
  });
  after(async () => {
    await first?.close();
    await second?.close();
    await dropTestSchema(url);
  });

  it('runs each of 60 jobs exactly once between them, both nodes taking a share', async () => {
    const runs = new Map<number, string[]>();
    const handlerFor = (node: string): JobHandler<number> => ({
      kind: 'shared',
      concurrency: 3,
      timeoutMs: 5000,
      run: async (payload) => {
        runs.set(payload, [...(runs.get(payload) ?? []), node]);
        await sleep(5);
      },
    });
    const a = new JobRunner(first.jobs, [handlerFor('node-a') as JobHandler], settings('node-a', { pollMs: 5 }), quiet);
    const b = new JobRunner(second.jobs, [handlerFor('node-b') as JobHandler], settings('node-b', { pollMs: 5 }), quiet);
    a.start();
    b.start();
    for (let i = 0; i < 60; i++) await first.jobs.enqueue({ kind: 'shared', payload: i, maxAttempts: 1 });
    await until(async () => (await second.jobs.list({ kind: 'shared', state: 'done', limit: 100 })).length === 60, 'all 60 are done');
    await Promise.all([a.stop(), b.stop()]);
    assert.equal(runs.size, 60);
    for (const [payload, nodes] of runs) assert.equal(nodes.length, 1, `job ${payload} ran on ${nodes.join(' and ')}`);
    const byNode = [...runs.values()].flat();
    assert.ok(byNode.includes('node-a') && byNode.includes('node-b'), 'both nodes ran jobs');
  });

  it('a node takes over the job of a node that died mid-attempt, once its lease expires', async () => {
    const { id } = await first.jobs.enqueue({ kind: 'takeover', payload: null, maxAttempts: 2 });
    // Node A claimed it and was killed: nothing renews its lease or finishes the job.
    assert.equal((await first.jobs.claim('takeover', 'node-a', 200, 1)).length, 1);
    const b = new JobRunner(second.jobs, [{ kind: 'takeover', concurrency: 1, timeoutMs: 5000, run: async () => undefined }], settings('node-b'), quiet);
    b.start();
    await until(async () => (await stateOf(second, id)).state === 'done', 'node B finishes it');
    await b.stop();
    assert.equal((await stateOf(second, id)).attempts, 2);
    assert.equal(await first.jobs.complete(id, 'node-a'), false, 'the dead node cannot report it later');
  });
});
