/**
 * One write gate (ReadOnlyMode.assertWritable, called by the content services): in read-only
 * mode tag rollback through the admin API and the CLI, immutable-tag rules and a lifecycle run
 * are refused with nothing changed, every /v2 write is refused as before — and account
 * administration, quotas and the switch itself keep working.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { ADMIN, v2 } from '../auth/support.js';
import { api, assertStatus, startApiRegistry, type ApiReply } from '../api/support.js';
import { runCli } from '../cli/berth-process.js';
import { randomBlob } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { pushTagged, rule } from './support.js';

const ADMIN_PASSWORD = 'admin-password-1';
const MESSAGE = 'the registry is in read-only mode for maintenance: backup';

let registry: TestRegistry;
let configDir: string;

before(async () => {
  registry = await startApiRegistry();
  configDir = await mkdtemp(join(tmpdir(), 'berth-write-gate-'));
  const login = await runCli(configDir, ['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  assert.equal(login.code, 0, login.stderr);
});

after(async () => {
  await registry?.stop();
  await rm(configDir, { recursive: true, force: true });
});

afterEach(async () => setReadOnly(false));

async function setReadOnly(enabled: boolean): Promise<void> {
  assertStatus(await api(registry, 'PUT', '/read-only', { auth: ADMIN, json: { enabled, reason: 'backup' } }), 200);
}

/** The admin API's answer to a write in read-only mode: 409 CONFLICT with the switch's words. */
function assertRefused(reply: ApiReply<unknown>): void {
  assert.equal(reply.status, 409, JSON.stringify(reply.body));
  assert.deepEqual(reply.body, { errors: [{ code: 'CONFLICT', message: MESSAGE, detail: { reason: MESSAGE, readOnly: true } }] });
}

async function served(repository: string, tag: string): Promise<string | null> {
  const response = await v2(registry, `${repository}/manifests/${tag}`, ADMIN, { method: 'HEAD' });
  return response.headers.get('docker-content-digest');
}

async function moves(repository: string): Promise<number> {
  return (await registry.berth.store.tagHistory.events(repository, { limit: 100 })).length;
}

describe('the write gate in read-only mode', () => {
  it('refuses tag rollback through the admin API and the CLI, moving nothing and recording nothing', async () => {
    const first = await pushTagged(registry, 'gate/app', ['v1']);
    const second = await pushTagged(registry, 'gate/app', ['v1']);
    assert.equal(await served('gate/app', 'v1'), second.manifest.digest);
    const history = await moves('gate/app');
    await setReadOnly(true);

    assertRefused(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'gate/app', tag: 'v1', steps: 1 } }));
    assertRefused(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'gate/app', tag: 'v1', to: first.manifest.digest } }));
    const cli = await runCli(configDir, ['tag', 'rollback', 'gate/app:v1', '--steps', '1']);
    assert.notEqual(cli.code, 0, cli.stdout);
    assert.match(cli.stderr, /read-only mode for maintenance: backup/);
    assert.equal(await served('gate/app', 'v1'), second.manifest.digest, 'the tag did not move');
    assert.equal(await moves('gate/app'), history, 'no move was recorded');

    await setReadOnly(false);
    assertStatus(await api(registry, 'POST', '/tag-rollback', { auth: ADMIN, json: { repository: 'gate/app', tag: 'v1', steps: 1 } }), 200);
    assert.equal(await served('gate/app', 'v1'), first.manifest.digest);
  });

  it('refuses adding and removing immutable-tag rules', async () => {
    const key = { scopeKind: 'repository', scope: 'gate/app', pattern: 'v*' };
    await setReadOnly(true);
    assertRefused(await api(registry, 'POST', '/immutable-tag-rules', { auth: ADMIN, json: key }));
    assert.deepEqual(await registry.berth.store.immutableTags.list(), []);
    await setReadOnly(false);
    assertStatus(await api(registry, 'POST', '/immutable-tag-rules', { auth: ADMIN, json: key }), 201);
    await setReadOnly(true);
    assertRefused(await api(registry, 'DELETE', `/immutable-tag-rules?${new URLSearchParams(key)}`, { auth: ADMIN }));
    assert.equal((await registry.berth.store.immutableTags.list()).length, 1);
    await setReadOnly(false);
    assertStatus(await api(registry, 'DELETE', `/immutable-tag-rules?${new URLSearchParams(key)}`, { auth: ADMIN }), 204);
  });

  it('refuses a lifecycle run, expiring nothing', async () => {
    const old = await pushTagged(registry, 'gate/life', ['old']);
    await pushTagged(registry, 'gate/life', ['new']);
    const policy = { rules: [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 })] };
    assertStatus(await api(registry, 'PUT', `/lifecycle-policies/repository/${encodeURIComponent('gate/life')}`, { auth: ADMIN, json: policy }), 200);
    await setReadOnly(true);
    assertRefused(await api(registry, 'POST', '/lifecycle-policies/run', { auth: ADMIN, json: {} }));
    assert.equal(await served('gate/life', 'old'), old.manifest.digest, 'nothing expired');
    await setReadOnly(false);
    assertStatus(await api(registry, 'POST', '/lifecycle-policies/run', { auth: ADMIN, json: {} }), 200);
    assert.equal(await served('gate/life', 'old'), null);
  });

  it('still refuses every /v2 write with 405, sessions opened before included', async () => {
    const image = await pushTagged(registry, 'gate/v2', ['v1']);
    const started = await v2(registry, 'gate/v2/blobs/uploads/', ADMIN, { method: 'POST', headers: { 'Content-Length': '0' } });
    assert.equal(started.status, 202);
    const session = started.headers.get('location') ?? '';
    const blob = randomBlob(10);
    await setReadOnly(true);
    const writes: [string, string, RequestInit & { headers?: Record<string, string> }][] = [
      ['start a session', 'gate/v2/blobs/uploads/', { method: 'POST', headers: { 'Content-Length': '0' } }],
      ['push a blob whole', `gate/v2/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', body: new Uint8Array(blob.bytes) }],
      ['mount', `gate/other/blobs/uploads/?mount=${image.config.digest}&from=gate/v2`, { method: 'POST', headers: { 'Content-Length': '0' } }],
      ['patch a session', session.replace(/^\/v2\//, ''), { method: 'PATCH', body: new Uint8Array(blob.bytes) }],
      ['close a session', `${session.replace(/^\/v2\//, '')}?digest=${blob.digest}`, { method: 'PUT', body: new Uint8Array(blob.bytes) }],
      ['cancel a session', session.replace(/^\/v2\//, ''), { method: 'DELETE' }],
      ['put a manifest', 'gate/v2/manifests/v2', { method: 'PUT', headers: { 'Content-Type': image.mediaType }, body: new Uint8Array(image.manifest.bytes) }],
      ['delete a tag', 'gate/v2/manifests/v1', { method: 'DELETE' }],
      ['delete a manifest', `gate/v2/manifests/${image.manifest.digest}`, { method: 'DELETE' }],
      ['delete a blob', `gate/v2/blobs/${image.config.digest}`, { method: 'DELETE' }],
    ];
    for (const [what, path, init] of writes) {
      const response = await v2(registry, path, ADMIN, init);
      const text = await response.text();
      assert.equal(response.status, 405, `${what}: ${text}`);
      assert.equal(response.headers.get('allow'), 'GET, HEAD', what);
      assert.equal((JSON.parse(text) as { errors: { code: string; message: string }[] }).errors[0]?.message, MESSAGE, what);
    }
    assert.equal(await served('gate/v2', 'v1'), image.manifest.digest);
    assert.equal((await v2(registry, session.replace(/^\/v2\//, ''), ADMIN)).status, 204, 'the session is still there');
  });

  it('keeps account administration, quotas and the switch itself working', async () => {
    assert.ok(await registry.berth.store.namespaces.create({ name: 'ro-space', visibility: 'private' }));
    await setReadOnly(true);
    assertStatus(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'ro-user', password: 'ro-user-password-1' } }), 201);
    assertStatus(await api(registry, 'PATCH', '/namespaces/ro-space', { auth: ADMIN, json: { quotaBytes: 1024 } }), 200);
    await setReadOnly(false);
    assert.equal((await api<{ enabled: boolean }>(registry, 'GET', '/read-only', { auth: ADMIN })).body.enabled, false);
  });
});
