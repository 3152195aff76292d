/**
 * Read-only (maintenance) mode switched at run time through the admin API: /v2 writes get 405
 * UNSUPPORTED with the reason and `Allow: GET, HEAD`; pulls and the admin API keep working; only
 * admins may switch it, and the switch is audited. Nodes sharing a database follow within a TTL.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ReadOnlyMode } from '../../src/content/read-only-mode.js';
import { openMetadataStore } from '../../src/metadata/open-metadata-store.js';
import { ADMIN, addUser, basic, pushBlobAs, pushImageAs, v2 } from '../auth/support.js';
import { api, assertError, assertStatus, auditEvents, startApiRegistry } from '../api/support.js';
import { imageManifest, randomBlob } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';

type ReadOnlyJson = { enabled: boolean; reason: string; updatedBy?: string; updatedAt?: string };
const MESSAGE = 'the registry is in read-only mode for maintenance: garbage collection';

let registry: TestRegistry;

before(async () => {
  registry = await startApiRegistry();
  await addUser(registry, 'dev', 'dev-password-1');
});

after(async () => {
  await registry?.stop();
});

async function setReadOnly(enabled: boolean, reason?: string, auth = ADMIN): Promise<ReadOnlyJson> {
  const reply = await api<ReadOnlyJson>(registry, 'PUT', '/read-only', { auth, json: { enabled, ...(reason === undefined ? {} : { reason }) } });
  assertStatus(reply, 200);
  return reply.body;
}

/** Asserts the read-only refusal: 405 UNSUPPORTED, Allow: GET, HEAD, the reason in message and detail. */
async function assertReadOnly(response: Response): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 405, text);
  assert.equal(response.headers.get('allow'), 'GET, HEAD');
  const body = JSON.parse(text) as { errors: { code: string; message: string; detail?: { reason?: string } }[] };
  assert.equal(body.errors[0]?.code, 'UNSUPPORTED');
  assert.equal(body.errors[0]?.message, MESSAGE);
  assert.equal(body.errors[0]?.detail?.reason, MESSAGE);
}

describe('read-only mode', () => {
  it('refuses pushes and deletes with 405 while on, keeps pulls working, and accepts writes again once off', async () => {
    const image = imageManifest();
    assert.equal(await pushImageAs(registry, 'library/app', 'v1', image, ADMIN), 201);
    const on = await setReadOnly(true, 'garbage collection');
    assert.equal(on.enabled, true);
    assert.equal(on.updatedBy, 'admin');

    const blob = randomBlob(64);
    await assertReadOnly(await v2(registry, `library/app/blobs/uploads/?digest=${blob.digest}`, ADMIN, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) }));
    await assertReadOnly(await v2(registry, 'library/app/manifests/v2', ADMIN, { method: 'PUT', headers: { 'Content-Type': image.mediaType }, body: new Uint8Array(image.manifest.bytes) }));
    await assertReadOnly(await v2(registry, 'library/app/manifests/v1', ADMIN, { method: 'DELETE' }));
    await assertReadOnly(await v2(registry, `library/app/blobs/${image.config.digest}`, ADMIN, { method: 'DELETE' }));

    const pulled = await v2(registry, 'library/app/manifests/v1', ADMIN);
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), image.manifest.digest);
    assert.equal((await v2(registry, `library/app/blobs/${image.config.digest}`, ADMIN)).status, 200);
    assert.equal((await v2(registry, 'library/app/tags/list', ADMIN)).status, 200);
    assertStatus(await api(registry, 'GET', '/users', { auth: ADMIN }), 200);

    const status = await api<ReadOnlyJson>(registry, 'GET', '/read-only', { auth: ADMIN });
    assert.deepEqual({ enabled: status.body.enabled, reason: status.body.reason }, { enabled: true, reason: 'garbage collection' });

    assert.equal((await setReadOnly(false)).enabled, false);
    assert.equal(await pushBlobAs(registry, 'library/app', blob, ADMIN), 201);
    assert.equal(await pushImageAs(registry, 'library/app', 'v2', imageManifest(), ADMIN), 201);
  });

  it('checks credentials before refusing: an anonymous write still gets the 401 challenge', async () => {
    await setReadOnly(true, 'garbage collection');
    try {
      const response = await v2(registry, 'library/app/manifests/v1', undefined, { method: 'DELETE' });
      await response.arrayBuffer();
      assert.equal(response.status, 401);
    } finally {
      await setReadOnly(false);
    }
  });

  it('only admins may see or switch it; every switch is audited', async () => {
    const dev = basic('dev', 'dev-password-1');
    assertError(await api(registry, 'PUT', '/read-only', { auth: dev, json: { enabled: true } }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/read-only', { auth: dev }), 403, 'DENIED');
    assert.equal((await api<ReadOnlyJson>(registry, 'GET', '/read-only', { auth: ADMIN })).body.enabled, false, 'the refused switch changed nothing');
    assertError(await api(registry, 'PUT', '/read-only', { auth: ADMIN, json: { reason: 'missing enabled' } }), 400, 'INVALID_REQUEST');
    const events = await auditEvents(registry, { action: 'readonly.set' });
    assert.ok(events.some((e) => e.actor === 'dev' && e.outcome === 'denied'));
    assert.ok(events.some((e) => e.actor === 'admin' && e.outcome === 'success' && e.detail?.enabled === true && e.detail?.reason === 'garbage collection'));
  });
});

describe('read-only mode across nodes', () => {
  it('a node that did not flip the switch follows within its cache time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-readonly-'));
    const store = await openMetadataStore(`sqlite:${join(dir, 'berth.db')}`);
    try {
      const here = new ReadOnlyMode(store, 1000);
      const there = new ReadOnlyMode(store, 1000);
      await there.assertWritable();
      await here.set(true, 'upgrade', { actor: 'admin' });
      await assert.rejects(here.assertWritable(), { code: 'UNSUPPORTED', status: 405 }, 'the flipping node applies it at once');
      await there.assertWritable();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await assert.rejects(there.assertWritable(), /read-only mode for maintenance: upgrade/);
      await here.set(false, '', { actor: 'admin' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await there.assertWritable();
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
