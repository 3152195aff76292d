import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PasswordLane } from './password-lane.js';

/** A verification that finishes when `finish` is called, recording its start. */
function gated(started: string[], name: string): { run: () => Promise<string>; finish: () => void } {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { run: async () => (started.push(name), await done, name), finish: () => finish() };
}

it('runs at most `limit` verifications at once, and known accounts before unknown names that waited longer', async () => {
  const lane = new PasswordLane(2);
  const started: string[] = [];
  const jobs = Object.fromEntries(['u1', 'u2', 'u3', 'u4', 'k1'].map((name) => [name, gated(started, name)]));
  const results = [lane.run('unknown', jobs.u1!.run), lane.run('unknown', jobs.u2!.run), lane.run('unknown', jobs.u3!.run), lane.run('unknown', jobs.u4!.run)];
  results.push(lane.run('known', jobs.k1!.run));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, ['u1', 'u2']);
  assert.equal(lane.queued, 3);
  jobs.u1!.finish();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, ['u1', 'u2', 'k1']);
  for (const job of Object.values(jobs)) job.finish();
  assert.deepEqual(await Promise.all(results), ['u1', 'u2', 'u3', 'u4', 'k1']);
  assert.equal(lane.queued, 0);
});

it('runs everything at once with limit 0, and frees the slot of a verification that throws', async () => {
  const lane = new PasswordLane(1);
  await assert.rejects(lane.run('known', async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await lane.run('unknown', async () => 'next'), 'next');
  const open = new PasswordLane(0);
  assert.deepEqual(await Promise.all([open.run('known', async () => 1), open.run('unknown', async () => 2)]), [1, 2]);
});
