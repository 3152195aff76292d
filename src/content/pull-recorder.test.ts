import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PullRecorder } from './pull-recorder.js';

const HOUR = 60 * 60 * 1000;

/** A store that remembers the writes, failing while `failing` is set. */
function fakeStore(): { writes: string[]; failing: boolean; touchPulled(repository: string, digest: string, at: Date): Promise<void> } {
  const fake = {
    writes: [] as string[],
    failing: false,
    async touchPulled(repository: string, digest: string, at: Date): Promise<void> {
      if (fake.failing) throw new Error('database down');
      fake.writes.push(`${repository}@${digest}@${at.getTime()}`);
    },
  };
  return fake;
}

describe('PullRecorder', () => {
  it('writes a pull at most once per interval per repository and digest', async () => {
    const store = fakeStore();
    const recorder = new PullRecorder(store, () => assert.fail('no error expected'), HOUR);
    recorder.record('app', 'sha256:a', 0);
    recorder.record('app', 'sha256:a', 10);
    recorder.record('app', 'sha256:b', 20);
    recorder.record('other', 'sha256:a', 30);
    recorder.record('app', 'sha256:a', HOUR - 1);
    recorder.record('app', 'sha256:a', HOUR);
    await recorder.drain();
    assert.deepEqual(store.writes, ['app@sha256:a@0', 'app@sha256:b@20', 'other@sha256:a@30', `app@sha256:a@${HOUR}`]);
  });

  it('forgets the least recently written pairs first when full', async () => {
    const store = fakeStore();
    const recorder = new PullRecorder(store, () => undefined, HOUR, 2);
    recorder.record('app', 'sha256:a', 0);
    recorder.record('app', 'sha256:b', 1);
    recorder.record('app', 'sha256:c', 2);
    recorder.record('app', 'sha256:b', 3);
    recorder.record('app', 'sha256:a', 4);
    await recorder.drain();
    assert.deepEqual(store.writes, ['app@sha256:a@0', 'app@sha256:b@1', 'app@sha256:c@2', 'app@sha256:a@4']);
  });

  it('reports a failed write and tries again at the next pull', async () => {
    const store = fakeStore();
    const errors: unknown[] = [];
    const recorder = new PullRecorder(store, (error) => errors.push(error), HOUR);
    store.failing = true;
    recorder.record('app', 'sha256:a', 0);
    await recorder.drain();
    store.failing = false;
    recorder.record('app', 'sha256:a', 5);
    await recorder.drain();
    assert.equal(errors.length, 1);
    assert.deepEqual(store.writes, ['app@sha256:a@5']);
  });
});
