/** `berth jobs list|show|retry|cancel`, the real CLI against a registry. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli, type BerthRun } from './berth-process.js';

const ADMIN_PASSWORD = 'admin-password-1';

let registry: TestRegistry;
let configDir: string;

async function ok(args: string[]): Promise<BerthRun> {
  const run = await runCli(configDir, args, '');
  assert.equal(run.code, 0, `berth ${args.join(' ')} exited with ${run.code}:\n${run.stdout}${run.stderr}`);
  return run;
}

before(async () => {
  registry = await startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD });
  configDir = await mkdtemp(join(tmpdir(), 'berth-jobs-cli-'));
  const login = await runCli(configDir, ['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  assert.equal(login.code, 0, login.stderr);
});

after(async () => {
  await registry?.stop();
  await rm(configDir, { recursive: true, force: true });
});

describe('berth jobs', () => {
  it('lists and shows jobs, cancels one and queues it again; a wrong state is a one-line error', async () => {
    // No handler on this node runs this kind: the job stays where the test puts it.
    const { id } = await registry.berth.store.jobs.enqueue({ kind: 'test.cli', payload: { repository: 'team/app' }, maxAttempts: 4 });
    const table = (await ok(['jobs', 'list', '--kind', 'test.cli'])).stdout.trim().split('\n');
    assert.deepEqual(table[0]?.split(/\s{2,}/).slice(0, 4), ['ID', 'KIND', 'STATE', 'ATTEMPTS']);
    assert.deepEqual(table[1]?.split(/\s+/).slice(0, 4), [String(id), 'test.cli', 'queued', '0/4']);
    const shown = JSON.parse((await ok(['jobs', 'show', String(id), '--json'])).stdout) as { payload: unknown; state: string };
    assert.deepEqual([shown.state, shown.payload], ['queued', { repository: 'team/app' }]);
    assert.match((await ok(['jobs', 'show', String(id)])).stdout, /payload:\s+\{"repository":"team\/app"\}/);

    assert.equal((await ok(['jobs', 'cancel', String(id)])).stdout, `job ${id} (test.cli) is cancelled\n`);
    const again = await runCli(configDir, ['jobs', 'cancel', String(id)], '');
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `berth: job ${id} is cancelled already\n`);
    assert.equal((await ok(['jobs', 'list', '--state', 'cancelled', '--json'])).stdout.includes(`"id": ${id}`), true);
    assert.equal((await ok(['jobs', 'retry', String(id)])).stdout, `job ${id} (test.cli) is queued again\n`);
    assert.equal((await registry.berth.store.jobs.get(id))?.state, 'queued');

    const unknown = await runCli(configDir, ['jobs', 'show', '999999'], '');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'berth: there is no job 999999\n');
  });
});
