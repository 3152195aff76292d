import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Scheduler } from './scheduler.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Scheduler', () => {
  it('runs a task every interval, never two runs of it at once, and reports each result', async () => {
    const scheduler = new Scheduler();
    let running = 0;
    let overlapped = false;
    const results: number[] = [];
    let runs = 0;
    scheduler.every({
      name: 'slow',
      intervalMs: 5,
      run: async () => {
        running++;
        if (running > 1) overlapped = true;
        await sleep(20);
        running--;
        return ++runs;
      },
      done: (n) => results.push(n),
      failed: (error) => assert.fail(String(error)),
    });
    await sleep(120);
    await scheduler.stop();
    assert.equal(overlapped, false);
    assert.ok(results.length >= 2, `ran ${results.length} times`);
    assert.deepEqual(results, results.map((_, i) => i + 1));
  });

  it('reports a failed run and runs again at the next tick', async () => {
    const scheduler = new Scheduler();
    const failures: string[] = [];
    let calls = 0;
    scheduler.every({
      name: 'flaky',
      intervalMs: 5,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('first run fails');
        return calls;
      },
      done: () => undefined,
      failed: (error) => failures.push((error as Error).message),
    });
    await sleep(60);
    await scheduler.stop();
    assert.deepEqual(failures, ['first run fails']);
    assert.ok(calls >= 2);
  });

  it('stop waits for the run in flight, then calls each task\'s stopped(), and runs nothing after', async () => {
    const scheduler = new Scheduler();
    const order: string[] = [];
    let calls = 0;
    scheduler.every({
      name: 'one',
      intervalMs: 5,
      run: async () => {
        calls++;
        order.push('run start');
        await sleep(30);
        order.push('run end');
      },
      done: () => undefined,
      failed: () => undefined,
      stopped: async () => void order.push('stopped'),
    });
    await sleep(12);
    await scheduler.stop();
    order.push('stop returned');
    const after = calls;
    await sleep(30);
    assert.equal(calls, after);
    assert.deepEqual(order.slice(-3), ['run end', 'stopped', 'stop returned']);
  });

  it('refuses two tasks of one name', () => {
    const scheduler = new Scheduler();
    const task = { name: 'gc', intervalMs: 1000, run: async () => undefined, done: () => undefined, failed: () => undefined };
    scheduler.every(task);
    assert.throws(() => scheduler.every(task), /named gc is scheduled already/);
    assert.deepEqual(scheduler.names(), ['gc']);
    return scheduler.stop();
  });
});
