/** `berth user reset-password` on the database directly, and `berth user create` reading a pipe. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { basic, bearerFor, startAuthRegistry } from '../auth/support.js';
import type { TestRegistry } from '../support/registry.js';
import { runBerth, runCli } from './berth-process.js';

/** The status of GET /v2/ with the credentials. */
async function v2Status(registry: TestRegistry, authorization: string): Promise<number> {
  const response = await fetch(`${registry.url}/v2/`, { headers: { Authorization: authorization } });
  await response.arrayBuffer();
  return response.status;
}

describe('berth user reset-password', () => {
  let registry: TestRegistry;
  let configDir: string;
  before(async () => {
    registry = await startAuthRegistry({ BERTH_RATE_LIMITS_FAILED_LOGINS: '0' });
    configDir = await mkdtemp(join(tmpdir(), 'berth-reset-'));
  });
  after(async () => {
    await registry?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('refuses a data folder without a database, naming the file, and creates nothing', async () => {
    const data = join(configDir, 'nothing-here');
    const run = await runBerth(['user', 'reset-password', 'admin', '--data', data, '--generate']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `berth: no metadata database at ${join(data, 'berth.db')}: give the server's --data or --config (or BERTH_METADATA_URL)\n`);
    assert.equal(existsSync(data), false);
  });

  it('sets the password read from a pipe while the server runs; the old password and tokens stop working, and it is audited', async () => {
    const old = basic('admin', 'admin-password-1');
    const token = await bearerFor(registry, [], old);
    assert.equal(await v2Status(registry, token), 200);
    const run = await runCli(configDir, ['user', 'reset-password', 'admin', '--data', registry.dataDir], 'a-brand-new-password\n');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, 'berth: the password of admin was reset (its password stamp moved: logins with the old one stop working)\n');
    assert.equal(run.stdout, '');
    assert.equal(await v2Status(registry, old), 401);
    assert.equal(await v2Status(registry, basic('admin', 'a-brand-new-password')), 200);
    // The reset ran in another process: the server sees the account's revocation stamp move once
    // its cached copy (at most 1 s old) expires. Poll, bounded at 10 s.
    let tokenStatus = 0;
    for (let i = 0; i < 100 && tokenStatus !== 401; i++) {
      tokenStatus = await v2Status(registry, token);
      if (tokenStatus !== 401) await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(tokenStatus, 401, 'a bearer token issued before the reset is refused');
    const events = await registry.berth.store.audit.query({ action: 'user.password', target: 'admin', limit: 10 });
    assert.deepEqual(events.map((e) => [e.actorKind, e.outcome, (e.detail as { by?: string } | undefined)?.by]), [['local', 'success', 'reset-password']]);
  });

  it('generates a password, prints it once on stdout, and it logs in', async () => {
    const run = await runBerth(['user', 'reset-password', 'admin', '--data', registry.dataDir, '--generate']);
    assert.equal(run.code, 0, run.stderr);
    const password = run.stdout.trim();
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(await v2Status(registry, basic('admin', password)), 200);
  });

  it('refuses a user that does not exist (exit 1) and a too short password (exit 2)', async () => {
    const missing = await runCli(configDir, ['user', 'reset-password', 'nobody', '--data', registry.dataDir], 'another-new-password\n');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `berth: no user "nobody" in ${join(registry.dataDir, 'berth.db')}\n`);
    const short = await runCli(configDir, ['user', 'reset-password', 'admin', '--data', registry.dataDir], 'x\n');
    assert.equal(short.code, 2);
  });
});

describe('berth user create', () => {
  it('reads the password from a pipe without --password-stdin', async () => {
    const registry = await startAuthRegistry();
    const configDir = await mkdtemp(join(tmpdir(), 'berth-create-'));
    try {
      const login = await runCli(configDir, ['login', registry.url, '-u', 'admin', '--password-stdin'], 'admin-password-1\n');
      assert.equal(login.code, 0, login.stderr);
      const created = await runCli(configDir, ['user', 'create', 'piped'], 'piped-password-1\n');
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, 'created user piped\n');
      assert.equal(await v2Status(registry, basic('piped', 'piped-password-1')), 200);
    } finally {
      await registry.stop();
      await rm(configDir, { recursive: true, force: true });
    }
  });
});
