/** /api/v1/jobs: list, show, retry and cancel background jobs; admins only. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestRegistry } from '../support/registry.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, createUser, startApiRegistry } from './support.js';

interface JobJson {
  id: number;
  kind: string;
  state: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  lastError: string | null;
  finishedAt: string | null;
}

describe('admin API: jobs', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let bob: string;

  before(async () => {
    registry = await startApiRegistry();
    bob = await createUser(registry, 'bob', 'bob-password-1');
  });

  after(async () => {
    await registry?.stop();
  });

  // No handler on this node runs these kinds, so they stay where the test puts them.
  const enqueue = (kind: string, payload: unknown) => registry.berth.store.jobs.enqueue({ kind, payload, maxAttempts: 3 });

  it('lists jobs newest first, filtered by state and kind, paged with before', async () => {
    const first = await enqueue('test.list-a', { n: 1 });
    const second = await enqueue('test.list-b', { n: 2 });
    const third = await enqueue('test.list-a', { n: 3 });
    const all = await api<{ jobs: JobJson[] }>(registry, 'GET', '/jobs', { auth: ADMIN });
    assertStatus(all, 200);
    const mine = all.body.jobs.filter((job) => job.kind.startsWith('test.list-'));
    assert.deepEqual(mine.map((job) => job.id), [third.id, second.id, first.id]);
    assert.deepEqual([mine[0]?.state, mine[0]?.payload, mine[0]?.attempts, mine[0]?.maxAttempts, mine[0]?.lockedBy], ['queued', { n: 3 }, 0, 3, null]);
    const ofKind = await api<{ jobs: JobJson[] }>(registry, 'GET', '/jobs?kind=test.list-a&state=queued', { auth: ADMIN });
    assert.deepEqual(ofKind.body.jobs.map((job) => job.id), [third.id, first.id]);
    const page = await api<{ jobs: JobJson[] }>(registry, 'GET', `/jobs?kind=test.list-a&before=${third.id}&limit=1`, { auth: ADMIN });
    assert.deepEqual(page.body.jobs.map((job) => job.id), [first.id]);
    assertError(await api(registry, 'GET', '/jobs?state=sleeping', { auth: ADMIN }), 400, 'INVALID_REQUEST');
  });

  it('shows one job; an unknown id is 404 and a malformed one 400', async () => {
    const { id } = await enqueue('test.show', 'hello');
    const shown = await api<JobJson>(registry, 'GET', `/jobs/${id}`, { auth: ADMIN });
    assertStatus(shown, 200);
    assert.deepEqual([shown.body.id, shown.body.kind, shown.body.payload], [id, 'test.show', 'hello']);
    assertError(await api(registry, 'GET', '/jobs/999999', { auth: ADMIN }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'GET', '/jobs/abc', { auth: ADMIN }), 400, 'INVALID_REQUEST');
  });

  it('cancels a queued job and retries it; each refuses a job in the wrong state with 409, and both are audited', async () => {
    const { id } = await enqueue('test.cancel', null);
    assertError(await api(registry, 'POST', `/jobs/${id}/retry`, { auth: ADMIN, json: {} }), 409, 'CONFLICT');
    const cancelled = await api<JobJson>(registry, 'POST', `/jobs/${id}/cancel`, { auth: ADMIN, json: {} });
    assertStatus(cancelled, 200);
    assert.equal(cancelled.body.state, 'cancelled');
    assert.ok(cancelled.body.finishedAt);
    const again = assertError(await api(registry, 'POST', `/jobs/${id}/cancel`, { auth: ADMIN, json: {} }), 409, 'CONFLICT');
    assert.equal(again.message, `job ${id} is cancelled already`);
    const retried = await api<JobJson>(registry, 'POST', `/jobs/${id}/retry`, { auth: ADMIN, json: {} });
    assertStatus(retried, 200);
    assert.deepEqual([retried.body.state, retried.body.attempts, retried.body.finishedAt], ['queued', 0, null]);
    assertError(await api(registry, 'POST', '/jobs/999999/cancel', { auth: ADMIN, json: {} }), 404, 'NOT_FOUND');
    const audited = (await auditEvents(registry, { target: String(id) })).map((event) => event.action);
    assert.deepEqual(audited.filter((action) => action.startsWith('job.')).sort(), ['job.cancel', 'job.retry']);
  });

  it('refuses a user who is not an admin (403, audited) and a caller without credentials (401)', async () => {
    const { id } = await enqueue('test.denied', null);
    assertError(await api(registry, 'GET', '/jobs', { auth: bob }), 403, 'DENIED');
    assertError(await api(registry, 'POST', `/jobs/${id}/cancel`, { auth: bob, json: {} }), 403, 'DENIED');
    assert.equal((await registry.berth.store.jobs.get(id))?.state, 'queued', 'the refused cancel changed nothing');
    assertError(await api(registry, 'GET', '/jobs'), 401, 'UNAUTHORIZED');
    const denied = await auditEvents(registry, { actor: 'bob', outcome: 'denied' });
    assert.ok(denied.some((event) => event.action === 'job.cancel'), JSON.stringify(denied));
  });
});
