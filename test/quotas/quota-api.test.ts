/**
 * Quotas through the admin API with access control on: only admins set them, they apply at once
 * on the node that set them, usage is reported per namespace and repository to members and
 * admins, and quota changes are audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest, randomBlob } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { pushBlobAs, seedImage, v2 } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, createNamespace, createUser, startApiRegistry, type NamespaceJson } from '../api/support.js';

interface UsageJson {
  namespace: string;
  usedBytes: number;
  quotaBytes: number | null;
  repositories: { repository: string; bytes: number }[];
}

describe('admin API: namespace quotas and usage', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let alice: string;
  let bob: string;
  const image = imageManifest({ layers: 2, layerSize: 1000 });
  const imageBytes = image.config.size + 2000;

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
    bob = await createUser(registry, 'bob', 'bob-password-1');
    await createNamespace(registry, 'team', { alice: 'owner' });
    await seedImage(registry, 'team/app', 'v1', image);
    // The same image again in a second repository: its blobs count once in the namespace.
    await seedImage(registry, 'team/copy', 'v1', image);
    await seedImage(registry, 'team/extra', 'v1', imageManifest({ layers: 1, layerSize: 500 }));
  });

  after(async () => registry?.stop());

  it('lets an admin set and remove a quota, shown with the namespace', async () => {
    const set = await api<NamespaceJson>(registry, 'PATCH', '/namespaces/team', { auth: ADMIN, json: { quotaBytes: 10 * 1024 ** 3 } });
    assertStatus(set, 200);
    assert.equal(set.body.quotaBytes, 10 * 1024 ** 3);
    assert.equal((await api<NamespaceJson>(registry, 'GET', '/namespaces/team', { auth: alice })).body.quotaBytes, 10 * 1024 ** 3);
    const removed = await api<NamespaceJson>(registry, 'PATCH', '/namespaces/team', { auth: ADMIN, json: { quotaBytes: null } });
    assert.equal(removed.body.quotaBytes, null);
    const events = await auditEvents(registry, { action: 'namespace.update', target: 'team' });
    assert.deepEqual(events.slice(0, 2).map((event) => event.detail), [{ quotaBytes: null }, { quotaBytes: 10 * 1024 ** 3 }]);
  });

  it('refuses a quota change by an owner with 403, and bad values with 400', async () => {
    assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: alice, json: { quotaBytes: 1 } }), 403, 'DENIED');
    assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: alice, json: { visibility: 'private', quotaBytes: null } }), 403, 'DENIED');
    assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: ADMIN, json: { quotaBytes: -1 } }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: ADMIN, json: { quotaBytes: 1.5 } }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: ADMIN, json: { quotaBytes: '1GiB' } }), 400, 'INVALID_REQUEST');
    assert.equal((await api<NamespaceJson>(registry, 'GET', '/namespaces/team', { auth: ADMIN })).body.quotaBytes, null);
  });

  it('reports usage per namespace (shared blobs once) and per repository to members and admins', async () => {
    const extra = (await registry.berth.store.usage.repositoryUsage({ prefix: 'team/' })).find((r) => r.repository === 'team/extra')?.bytes ?? 0;
    assert.ok(extra > 500);
    for (const auth of [ADMIN, alice]) {
      const reply = await api<UsageJson>(registry, 'GET', '/namespaces/team/usage', { auth });
      assertStatus(reply, 200);
      assert.deepEqual(reply.body, {
        namespace: 'team',
        usedBytes: imageBytes + extra,
        quotaBytes: null,
        repositories: [
          { repository: 'team/app', bytes: imageBytes },
          { repository: 'team/copy', bytes: imageBytes },
          { repository: 'team/extra', bytes: extra },
        ],
      });
    }
    assertError(await api(registry, 'GET', '/namespaces/team/usage', { auth: bob }), 403, 'DENIED');
    assert.equal((await api(registry, 'GET', '/namespaces/team/usage')).status, 401);
  });

  it('applies a new quota to the next push at once, refusing it with DENIED naming the quota', async () => {
    const used = (await api<UsageJson>(registry, 'GET', '/namespaces/team/usage', { auth: ADMIN })).body.usedBytes;
    assertStatus(await api(registry, 'PATCH', '/namespaces/team', { auth: ADMIN, json: { quotaBytes: used + 100 } }), 200);
    const blob = randomBlob(200);
    const response = await v2(registry, `team/app/blobs/uploads/?digest=${blob.digest}`, alice, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
      body: new Uint8Array(blob.bytes),
    });
    const body = (await response.json()) as { errors: { code: string; message: string }[] };
    assert.equal(response.status, 403);
    assert.equal(body.errors[0]?.code, 'DENIED');
    assert.match(body.errors[0]?.message ?? '', /^namespace team is over its storage quota of .*: it uses .* and this blob needs 200 B$/);
    assert.equal(await pushBlobAs(registry, 'team/app', randomBlob(100), alice), 201, 'what fits is still accepted');
    const after = await api<UsageJson>(registry, 'GET', '/namespaces/team/usage', { auth: alice });
    assert.deepEqual([after.body.usedBytes, after.body.quotaBytes], [used + 100, used + 100]);
    assertStatus(await api(registry, 'PATCH', '/namespaces/team', { auth: ADMIN, json: { quotaBytes: null } }), 200);
    assert.equal(await pushBlobAs(registry, 'team/app', blob, alice), 201, 'removing the quota applies at once too');
  });

  it('describes quotaBytes and the usage route in the OpenAPI document', async () => {
    const doc = (await api<{ paths: Record<string, Record<string, { operationId: string }>> }>(registry, 'GET', '/openapi.json')).body;
    assert.equal(doc.paths['/api/v1/namespaces/{name}/usage']?.get?.operationId, 'getNamespaceUsage');
    assert.match(JSON.stringify(doc.paths['/api/v1/namespaces/{name}']?.patch), /quotaBytes/);
  });
});
