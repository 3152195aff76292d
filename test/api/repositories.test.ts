import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedImage, pullStatus } from '../auth/support.js';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, createNamespace, createUser, startApiRegistry } from './support.js';

type RepositoryList = { repositories: { name: string; namespace: string }[]; next: string | null };
type Deleted = { repository: string; tags: number; manifests: number; blobs: number };
type Tags = { tags: string[] };

describe('admin API: repositories', { timeout: 90_000 }, () => {
  let registry: TestRegistry;
  let alice: string;
  let bob: string;

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
    bob = await createUser(registry, 'bob', 'bob-password-1');
    await createNamespace(registry, 'team', { alice: 'owner', bob: 'maintainer' });
    await createNamespace(registry, 'secret');
    await createNamespace(registry, 'gone');
    for (const name of ['team/app', 'team/web', 'team/tools/cli', 'secret/vault', 'gone/one', 'gone/two']) await seedImage(registry, name, 'v1', imageManifest());
  });

  after(async () => {
    await registry?.stop();
  });

  it('lists every repository for admins, in byte order, paged with n and last', async () => {
    const all = await api<RepositoryList>(registry, 'GET', '/repositories', { auth: ADMIN });
    assertStatus(all, 200);
    assert.deepEqual(all.body.repositories.map((r) => r.name), ['gone/one', 'gone/two', 'secret/vault', 'team/app', 'team/tools/cli', 'team/web']);
    assert.equal(all.body.next, null);
    const first = await api<RepositoryList>(registry, 'GET', '/repositories?n=2', { auth: ADMIN });
    assert.deepEqual(first.body, { repositories: [{ name: 'gone/one', namespace: 'gone' }, { name: 'gone/two', namespace: 'gone' }], next: 'gone/two' });
    const second = await api<RepositoryList>(registry, 'GET', '/repositories?n=2&last=gone%2Ftwo', { auth: ADMIN });
    assert.deepEqual(second.body.repositories.map((r) => r.name), ['secret/vault', 'team/app']);
  });

  it("lists one namespace's repositories, and for others only what they may pull", async () => {
    const team = await api<RepositoryList>(registry, 'GET', '/repositories?namespace=team', { auth: ADMIN });
    assert.deepEqual(team.body.repositories.map((r) => r.name), ['team/app', 'team/tools/cli', 'team/web']);
    const mine = await api<RepositoryList>(registry, 'GET', '/repositories', { auth: alice });
    assert.deepEqual(mine.body.repositories.map((r) => r.name), ['team/app', 'team/tools/cli', 'team/web']);
    assertError(await api(registry, 'GET', '/repositories?n=0', { auth: ADMIN }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'GET', '/repositories'), 401, 'UNAUTHORIZED');
  });

  it('lets only owners of the namespace and admins delete a repository (403 DENIED, audited)', async () => {
    const refused = assertError(await api(registry, 'DELETE', '/repositories/team%2Fweb', { auth: bob }), 403, 'DENIED');
    assert.equal(refused.message, 'only owners of namespace "team" and admins may delete its repositories');
    assertError(await api(registry, 'DELETE', '/repositories/secret%2Fvault', { auth: alice }), 403, 'DENIED');
    const events = await auditEvents(registry, { action: 'repository.delete', outcome: 'denied' });
    assert.deepEqual(events.map((e) => [e.actor, e.target]).sort(), [['alice', 'secret/vault'], ['bob', 'team/web']]);
  });

  it('deletes a repository: its tags, manifests and blob links go, and the audit log says what went', async () => {
    const deleted = await api<Deleted>(registry, 'DELETE', '/repositories/team%2Fweb', { auth: alice });
    assertStatus(deleted, 200);
    assert.deepEqual(deleted.body, { repository: 'team/web', tags: 1, manifests: 1, blobs: 2 });
    assert.equal(await pullStatus(registry, 'team/web', 'v1', ADMIN), 404);
    const tags = await fetch(`${registry.url}/v2/team/web/tags/list`, { headers: { Authorization: ADMIN } });
    assert.equal(tags.status, 404);
    await tags.arrayBuffer();
    const listed = await api<RepositoryList>(registry, 'GET', '/repositories?namespace=team', { auth: ADMIN });
    assert.deepEqual(listed.body.repositories.map((r) => r.name), ['team/app', 'team/tools/cli']);
    const events = await auditEvents(registry, { action: 'repository.delete', outcome: 'success' });
    assert.deepEqual(events.map((e) => [e.actor, e.target, e.detail]), [['alice', 'team/web', { tags: 1, manifests: 1, blobs: 2 }]]);
    assertError(await api(registry, 'DELETE', '/repositories/team%2Fweb', { auth: alice }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'DELETE', '/repositories/Team!', { auth: ADMIN }), 400, 'INVALID_REQUEST');
  });

  it('refuses to delete a repository with an immutable tag (403 DENIED naming tag and rule), changing nothing', async () => {
    assertStatus(await api(registry, 'POST', '/immutable-tag-rules', { auth: ADMIN, json: { scopeKind: 'repository', scope: 'team/app', pattern: 'v*' } }), 201);
    const refused = assertError(await api(registry, 'DELETE', '/repositories/team%2Fapp', { auth: ADMIN }), 403, 'DENIED');
    assert.equal(refused.message, 'tag v1 is immutable (rule v* on repository team/app)');
    assert.equal(await pullStatus(registry, 'team/app', 'v1', ADMIN), 200);
  });

  it('refuses to delete in read-only mode (409 CONFLICT), changing nothing', async () => {
    assertStatus(await api(registry, 'PUT', '/read-only', { auth: ADMIN, json: { enabled: true, reason: 'backup' } }), 200);
    try {
      const refused = assertError(await api(registry, 'DELETE', '/repositories/team%2Ftools%2Fcli', { auth: ADMIN }), 409, 'CONFLICT');
      assert.equal(refused.message, 'the registry is in read-only mode for maintenance: backup');
    } finally {
      assertStatus(await api(registry, 'PUT', '/read-only', { auth: ADMIN, json: { enabled: false } }), 200);
    }
    assert.equal(await pullStatus(registry, 'team/tools/cli', 'v1', ADMIN), 200);
  });

  it('refuses to delete a namespace that still holds repositories (409 naming the count) unless asked to delete them too', async () => {
    const refused = assertError(await api(registry, 'DELETE', '/namespaces/gone', { auth: ADMIN }), 409, 'CONFLICT');
    assert.equal(refused.message, 'namespace "gone" still holds 2 repositories; delete them first or ask to delete them too (--delete-repositories, ?deleteRepositories=true)');
    assert.deepEqual(refused.detail, { repositories: 2 });
    assertStatus(await api(registry, 'DELETE', '/namespaces/gone?deleteRepositories=true', { auth: ADMIN }), 204);
    const listed = await api<RepositoryList>(registry, 'GET', '/repositories?namespace=gone', { auth: ADMIN });
    assert.deepEqual(listed.body.repositories, []);
    assertError(await api(registry, 'GET', '/namespaces/gone', { auth: ADMIN }), 404, 'NOT_FOUND');
    const events = await auditEvents(registry, { action: 'namespace.delete' });
    assert.deepEqual(events.map((e) => [e.target, e.detail]), [['gone', { repositoriesDeleted: 2, robotsRevoked: 0 }]]);
    const removed = await auditEvents(registry, { action: 'repository.delete', outcome: 'success' });
    assert.deepEqual(removed.map((e) => e.target).sort(), ['gone/one', 'gone/two', 'team/web']);
  });

  it('keeps the tag removals of a deleted repository out of a new one of the same name', async () => {
    await seedImage(registry, 'team/web', 'v2', imageManifest());
    const tags = await fetch(`${registry.url}/v2/team/web/tags/list`, { headers: { Authorization: ADMIN } });
    assert.deepEqual(((await tags.json()) as Tags).tags, ['v2']);
  });
});
