/** `berth repo list|delete` and `berth ns delete --delete-repositories`, the real CLI against a registry. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedImage } from '../auth/support.js';
import { imageManifest } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli, type BerthRun } from './berth-process.js';

const ADMIN_PASSWORD = 'admin-password-1';

let registry: TestRegistry;
let configDir: string;

async function berth(args: string[], stdin = ''): Promise<BerthRun> {
  return runCli(configDir, args, stdin);
}

async function ok(args: string[]): Promise<BerthRun> {
  const run = await berth(args);
  assert.equal(run.code, 0, `berth ${args.join(' ')} exited with ${run.code}:\n${run.stdout}${run.stderr}`);
  return run;
}

before(async () => {
  registry = await startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD });
  configDir = await mkdtemp(join(tmpdir(), 'berth-repo-cli-'));
  const login = await berth(['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  assert.equal(login.code, 0, login.stderr);
});

after(async () => {
  await registry?.stop();
  await rm(configDir, { recursive: true, force: true });
});

describe('berth repo', () => {
  it('lists repositories (of one namespace with --namespace), deletes one, and ns delete needs --delete-repositories', async () => {
    await ok(['namespace', 'create', 'team']);
    for (const name of ['team/app', 'team/web', 'other/x']) await seedImage(registry, name, 'v1', imageManifest());
    assert.deepEqual(JSON.parse((await ok(['repo', 'list', '--json'])).stdout), [
      { name: 'other/x', namespace: 'other' },
      { name: 'team/app', namespace: 'team' },
      { name: 'team/web', namespace: 'team' },
    ]);
    const table = await ok(['repo', 'list', '--namespace', 'team']);
    assert.deepEqual(table.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]), ['REPOSITORY', 'team/app', 'team/web']);

    const deleted = await ok(['repo', 'delete', 'team/web']);
    assert.equal(deleted.stdout, 'deleted repository team/web: 1 tag(s), 1 manifest(s), 2 blob link(s); garbage collection reclaims the bytes\n');
    const again = await berth(['repo', 'delete', 'team/web']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'berth: no repository "team/web"\n');

    const refused = await berth(['ns', 'delete', 'team']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'berth: namespace "team" still holds 1 repository; delete them first or ask to delete them too (--delete-repositories, ?deleteRepositories=true)\n');
    assert.equal((await ok(['ns', 'delete', 'team', '--delete-repositories'])).stdout, 'deleted namespace team and its repositories\n');
    assert.deepEqual(JSON.parse((await ok(['repo', 'list', '--json'])).stdout), [{ name: 'other/x', namespace: 'other' }]);
  });
});
