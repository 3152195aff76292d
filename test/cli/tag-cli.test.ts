/**
 * `berth tag history|rollback`, `berth immutable` and `berth read-only` end to end: a registry in
 * this process with access control on, the real CLI as a child process with a stored login.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, addUser, pushImageAs, v2 } from '../auth/support.js';
import { imageManifest } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli, type BerthRun } from './berth-process.js';

const ADMIN_PASSWORD = 'admin-password-1';

let registry: TestRegistry;
const folders: string[] = [];

before(async () => {
  registry = await startRegistry({ BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD });
  await addUser(registry, 'dev', 'dev-password-1');
});

after(async () => {
  await registry?.stop();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** Runs `berth …` with a config folder of its own. */
type Run = (args: string[], stdin?: string) => Promise<BerthRun>;

async function cliUser(): Promise<Run> {
  const configDir = await mkdtemp(join(tmpdir(), 'berth-tag-cli-'));
  folders.push(configDir);
  return async (args, stdin = '') => {
    return runCli(configDir, args, stdin);
  };
}

async function ok(run: Run, args: string[], stdin?: string): Promise<BerthRun> {
  const result = await run(args, stdin);
  assert.equal(result.code, 0, `berth ${args.join(' ')} exited with ${result.code}:\n${result.stdout}${result.stderr}`);
  return result;
}

async function loggedIn(user = 'admin', password = ADMIN_PASSWORD): Promise<Run> {
  const run = await cliUser();
  await ok(run, ['login', registry.url, '-u', user, '--password-stdin'], `${password}\n`);
  return run;
}

async function served(repository: string, tag: string): Promise<string | null> {
  const response = await v2(registry, `${repository}/manifests/${tag}`, ADMIN);
  await response.arrayBuffer();
  return response.headers.get('docker-content-digest');
}

describe('berth tag', () => {
  it('history lists the moves of a tag with who made them; rollback --steps and --to move it back', async () => {
    const v1 = imageManifest();
    const v2Image = imageManifest();
    assert.equal(await pushImageAs(registry, 'library/web', 'latest', v1, ADMIN), 201);
    assert.equal(await pushImageAs(registry, 'library/web', 'latest', v2Image, ADMIN), 201);
    const run = await loggedIn();

    const table = await ok(run, ['tag', 'history', 'library/web:latest', '--full']);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^ID\s+AT\s+FROM\s+TO\s+BY$/);
    assert.match(lines[1] ?? '', new RegExp(`${v1.manifest.digest}\\s+${v2Image.manifest.digest}\\s+admin$`));
    assert.match(lines[2] ?? '', new RegExp(`-\\s+${v1.manifest.digest}\\s+admin$`));

    const rolled = await ok(run, ['tag', 'rollback', 'library/web:latest', '--steps', '1']);
    assert.equal(rolled.stdout, `library/web:latest now points to ${v1.manifest.digest}\n`);
    assert.equal(await served('library/web', 'latest'), v1.manifest.digest);
    await ok(run, ['tag', 'rollback', `${registry.host}/library/web:latest`, '--to', v2Image.manifest.digest]);
    assert.equal(await served('library/web', 'latest'), v2Image.manifest.digest);

    const json = JSON.parse((await ok(run, ['tag', 'history', 'library/web', '--json', '--limit', '2'])).stdout) as { events: { newDigest: string }[]; next: number | null };
    assert.deepEqual(json.events.map((e) => e.newDigest), [v2Image.manifest.digest, v1.manifest.digest]);
    assert.ok(json.next);
  });

  it('rollback needs exactly one of --to and --steps (a usage error, exit 2), and reports a missing target (exit 1)', async () => {
    const run = await loggedIn();
    const both = await run(['tag', 'rollback', 'library/web:latest', '--to', 'sha256:x', '--steps', '1']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /mutually exclusive/);
    assert.equal((await run(['tag', 'rollback', 'library/web:latest'])).code, 2);
    assert.equal((await run(['tag', 'rollback', 'library/web', '--steps', '1'])).code, 2, 'the tag is required');
    const missing = await run(['tag', 'rollback', 'library/web:latest', '--steps', '50']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^berth: tag latest of library\/web has moved only \d+ time\(s\)/);
  });
});

describe('berth immutable', () => {
  it('adds, lists and removes rules; a protected tag refuses a new manifest meanwhile', async () => {
    const run = await loggedIn();
    assert.equal(await pushImageAs(registry, 'library/db', 'v1', imageManifest(), ADMIN), 201);
    await ok(run, ['immutable', 'add', 'library/db', 'v*', '--repository']);
    const listed = await ok(run, ['immutable', 'list', '--repository', 'library/db']);
    assert.match(listed.stdout, /^SCOPE\s+NAME\s+PATTERN\s+CREATED BY\s+CREATED\nrepository\s+library\/db\s+v\*\s+admin\s+/);
    assert.equal(await pushImageAs(registry, 'library/db', 'v1', imageManifest(), ADMIN), 403);
    await ok(run, ['immutable', 'remove', 'library/db', 'v*', '--repository']);
    assert.equal(await pushImageAs(registry, 'library/db', 'v1', imageManifest(), ADMIN), 201);
    const gone = await run(['immutable', 'remove', 'library/db', 'v*', '--repository']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no rule v\* on repository library\/db/);
  });
});

describe('berth read-only', () => {
  it('on refuses pushes with the reason, status shows it, off accepts pushes again; non-admins are refused', async () => {
    const run = await loggedIn();
    const on = await ok(run, ['read-only', 'on', '--reason', 'storage migration']);
    assert.match(on.stdout, /read-only \(storage migration\)/);
    const refused = await v2(registry, 'library/ro/manifests/v1', ADMIN, { method: 'DELETE' });
    assert.equal(refused.status, 405);
    assert.match(await refused.text(), /read-only mode for maintenance: storage migration/);
    const status = await ok(run, ['read-only', 'status']);
    assert.match(status.stdout, /read-only:\s+on\nreason:\s+storage migration\nchanged by:\s+admin/);

    const dev = await loggedIn('dev', 'dev-password-1');
    const denied = await dev(['read-only', 'off']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /only admins may switch read-only mode/);

    await ok(run, ['read-only', 'off']);
    assert.match((await ok(run, ['read-only', 'status'])).stdout, /read-only:\s+off/);
    assert.equal(await pushImageAs(registry, 'library/ro', 'v1', imageManifest(), ADMIN), 201);
  });
});
