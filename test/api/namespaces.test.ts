import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { seedImage, v2 } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, createNamespace, createUser, startApiRegistry, type NamespaceJson } from './support.js';

type Member = { kind: string; name: string; role: string };

describe('admin API: namespaces and members', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let alice: string;
  let bob: string;
  let carol: string;

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
    bob = await createUser(registry, 'bob', 'bob-password-1');
    carol = await createUser(registry, 'carol', 'carol-password-1');
    await createNamespace(registry, 'team', { alice: 'owner', bob: 'developer' });
    await createNamespace(registry, 'secret');
    await createNamespace(registry, 'open', {}, 'public');
    await seedImage(registry, 'team/app', 'v1', imageManifest());
  });

  after(async () => {
    await registry?.stop();
  });

  describe('creating and deleting', () => {
    it('creates a private namespace by default (201) and a public one when asked', async () => {
      const made = await api<NamespaceJson>(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'fresh' } });
      assertStatus(made, 201);
      assert.deepEqual([made.body.name, made.body.visibility, made.body.pullCidrs, made.body.pushCidrs], ['fresh', 'private', null, null]);
      const open = await api<NamespaceJson>(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'fresh-public', visibility: 'public' } });
      assertStatus(open, 201);
      assert.equal(open.body.visibility, 'public');
    });

    it('returns 409 CONFLICT for an existing namespace', async () => {
      assertError(await api(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'team' } }), 409, 'CONFLICT');
    });

    it('returns 400 for a name that is no repository path, deeper than the namespace depth, or a bad visibility', async () => {
      assertError(await api(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'Team!' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'a/b' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'x', visibility: 'internal' } }), 400, 'INVALID_REQUEST');
    });

    it('returns 403 DENIED when a non-admin creates or deletes a namespace', async () => {
      assertError(await api(registry, 'POST', '/namespaces', { auth: alice, json: { name: 'mine' } }), 403, 'DENIED');
      assertError(await api(registry, 'DELETE', '/namespaces/team', { auth: alice }), 403, 'DENIED');
    });

    it('deletes a namespace (204) and answers 404 for it afterwards', async () => {
      await createNamespace(registry, 'doomed');
      assertStatus(await api(registry, 'DELETE', '/namespaces/doomed', { auth: ADMIN }), 204);
      assertError(await api(registry, 'GET', '/namespaces/doomed', { auth: ADMIN }), 404, 'NOT_FOUND');
      assertError(await api(registry, 'DELETE', '/namespaces/doomed', { auth: ADMIN }), 404, 'NOT_FOUND');
    });
  });

  describe('reading', () => {
    it('lists every namespace for an admin', async () => {
      const reply = await api<{ namespaces: NamespaceJson[] }>(registry, 'GET', '/namespaces', { auth: ADMIN });
      assertStatus(reply, 200);
      const names = reply.body.namespaces.map((ns) => ns.name);
      for (const name of ['team', 'secret', 'open']) assert.ok(names.includes(name));
    });

    it('lists for others their namespaces and the public ones, never private ones of others', async () => {
      const reply = await api<{ namespaces: NamespaceJson[] }>(registry, 'GET', '/namespaces', { auth: bob });
      assertStatus(reply, 200);
      const names = reply.body.namespaces.map((ns) => ns.name);
      assert.ok(names.includes('team') && names.includes('open'));
      assert.ok(!names.includes('secret'));
    });

    it('shows a namespace to its members, and a public one to anyone', async () => {
      const team = await api<NamespaceJson>(registry, 'GET', '/namespaces/team', { auth: bob });
      assertStatus(team, 200);
      assert.equal(team.body.name, 'team');
      assertStatus(await api(registry, 'GET', '/namespaces/open', { auth: carol }), 200);
    });

    it('answers 403 DENIED to a non-member alike for a private namespace and an unknown one', async () => {
      assertError(await api(registry, 'GET', '/namespaces/secret', { auth: carol }), 403, 'DENIED');
      assertError(await api(registry, 'GET', '/namespaces/no-such-namespace', { auth: carol }), 403, 'DENIED');
      assertError(await api(registry, 'GET', '/namespaces/no-such-namespace/members', { auth: carol }), 403, 'DENIED');
      assertError(await api(registry, 'PATCH', '/namespaces/no-such-namespace', { auth: carol, json: { visibility: 'public' } }), 403, 'DENIED');
    });

    it('answers 404 NOT_FOUND to an admin for an unknown namespace', async () => {
      assertError(await api(registry, 'GET', '/namespaces/no-such-namespace', { auth: ADMIN }), 404, 'NOT_FOUND');
      assertError(await api(registry, 'GET', '/namespaces/no-such-namespace/members', { auth: ADMIN }), 404, 'NOT_FOUND');
    });
  });

  describe('settings', () => {
    it('lets an owner change visibility and CIDR lists, and null clears a list', async () => {
      const changed = await api<NamespaceJson>(registry, 'PATCH', '/namespaces/team', { auth: alice, json: { visibility: 'public', pullCidrs: ['127.0.0.0/8', '::1'], pushCidrs: ['10.0.0.0/8'] } });
      assertStatus(changed, 200);
      assert.deepEqual([changed.body.visibility, changed.body.pullCidrs, changed.body.pushCidrs], ['public', ['127.0.0.0/8', '::1'], ['10.0.0.0/8']]);
      const cleared = await api<NamespaceJson>(registry, 'PATCH', '/namespaces/team', { auth: alice, json: { visibility: 'private', pullCidrs: null, pushCidrs: null } });
      assertStatus(cleared, 200);
      assert.deepEqual([cleared.body.visibility, cleared.body.pullCidrs, cleared.body.pushCidrs], ['private', null, null]);
    });

    it('enforces a pull CIDR list that leaves the client out', async () => {
      await createNamespace(registry, 'fenced', {}, 'public');
      await seedImage(registry, 'fenced/app', 'v1', imageManifest());
      assert.equal((await v2(registry, 'fenced/app/tags/list')).status, 200);
      assertStatus(await api(registry, 'PATCH', '/namespaces/fenced', { auth: ADMIN, json: { pullCidrs: ['10.0.0.0/8'] } }), 200);
      assert.notEqual((await v2(registry, 'fenced/app/tags/list')).status, 200);
    });

    it('returns 400 for a bad CIDR, an unknown field or no change at all', async () => {
      assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: alice, json: { pullCidrs: ['10.0.0.0/33'] } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: alice, json: { pushCidrs: ['example.com'] } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: alice, json: { owner: 'alice' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: alice, json: {} }), 400, 'INVALID_REQUEST');
    });

    it('returns 403 DENIED when a developer changes settings, and 404 for an admin on an unknown namespace', async () => {
      assertError(await api(registry, 'PATCH', '/namespaces/team', { auth: bob, json: { visibility: 'public' } }), 403, 'DENIED');
      assertError(await api(registry, 'PATCH', '/namespaces/no-such-namespace', { auth: ADMIN, json: { visibility: 'public' } }), 404, 'NOT_FOUND');
    });
  });

  describe('members', () => {
    it('lists members for a member and an admin, and refuses non-members (403)', async () => {
      const reply = await api<{ members: Member[] }>(registry, 'GET', '/namespaces/team/members', { auth: bob });
      assertStatus(reply, 200);
      assert.ok(reply.body.members.some((m) => m.kind === 'user' && m.name === 'alice' && m.role === 'owner'));
      assertStatus(await api(registry, 'GET', '/namespaces/team/members', { auth: ADMIN }), 200);
      assertError(await api(registry, 'GET', '/namespaces/team/members', { auth: carol }), 403, 'DENIED');
      // Public doesn't make the member list public.
      assertError(await api(registry, 'GET', '/namespaces/open/members', { auth: carol }), 403, 'DENIED');
    });

    it('lets an owner add a user member, change its role and remove it', async () => {
      const added = await api<Member>(registry, 'PUT', '/namespaces/team/members/user/carol', { auth: alice, json: { role: 'reader' } });
      assertStatus(added, 200);
      assert.deepEqual(added.body, { kind: 'user', name: 'carol', role: 'reader' });
      assertStatus(await api(registry, 'GET', '/namespaces/team', { auth: carol }), 200);
      assertStatus(await api(registry, 'PUT', '/namespaces/team/members/user/carol', { auth: alice, json: { role: 'maintainer' } }), 200);
      const list = await api<{ members: Member[] }>(registry, 'GET', '/namespaces/team/members', { auth: alice });
      assert.equal(list.body.members.find((m) => m.name === 'carol')?.role, 'maintainer');
      assertStatus(await api(registry, 'DELETE', '/namespaces/team/members/user/carol', { auth: alice }), 204);
      assertError(await api(registry, 'GET', '/namespaces/team', { auth: carol }), 403, 'DENIED');
      assertError(await api(registry, 'DELETE', '/namespaces/team/members/user/carol', { auth: alice }), 404, 'NOT_FOUND');
    });

    it('adds a group member without any account of that name', async () => {
      const added = await api<Member>(registry, 'PUT', '/namespaces/team/members/group/ci-runners', { auth: ADMIN, json: { role: 'developer' } });
      assertStatus(added, 200);
      assert.deepEqual(added.body, { kind: 'group', name: 'ci-runners', role: 'developer' });
    });

    it('returns 404 for a user member without an account and for an unknown namespace', async () => {
      assertError(await api(registry, 'PUT', '/namespaces/team/members/user/nobody', { auth: alice, json: { role: 'reader' } }), 404, 'NOT_FOUND');
      assertError(await api(registry, 'PUT', '/namespaces/no-such-namespace/members/user/bob', { auth: ADMIN, json: { role: 'reader' } }), 404, 'NOT_FOUND');
    });

    it('returns 400 for an unknown role or member kind', async () => {
      assertError(await api(registry, 'PUT', '/namespaces/team/members/user/bob', { auth: alice, json: { role: 'god' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PUT', '/namespaces/team/members/robot/bob', { auth: alice, json: { role: 'reader' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PUT', '/namespaces/team/members/user/bob', { auth: alice, json: {} }), 400, 'INVALID_REQUEST');
    });

    it('returns 403 when a developer adds or removes members', async () => {
      assertError(await api(registry, 'PUT', '/namespaces/team/members/user/carol', { auth: bob, json: { role: 'owner' } }), 403, 'DENIED');
      assertError(await api(registry, 'DELETE', '/namespaces/team/members/user/alice', { auth: bob }), 403, 'DENIED');
    });
  });

  describe('repository visibility', () => {
    it('lets an owner make one repository public and clear it again', async () => {
      assert.equal((await v2(registry, 'team/app/tags/list')).status, 401);
      const reply = await api<{ repository: string; visibility: string | null }>(registry, 'PUT', '/repository-visibility', { auth: alice, json: { repository: 'team/app', visibility: 'public' } });
      assertStatus(reply, 200);
      assert.deepEqual(reply.body, { repository: 'team/app', visibility: 'public' });
      assert.equal((await v2(registry, 'team/app/tags/list')).status, 200);
      const cleared = await api<{ visibility: string | null }>(registry, 'PUT', '/repository-visibility', { auth: alice, json: { repository: 'team/app', visibility: null } });
      assertStatus(cleared, 200);
      assert.equal(cleared.body.visibility, null);
      assert.equal((await v2(registry, 'team/app/tags/list')).status, 401);
    });

    it('returns 403 for a developer and for a repository outside the caller\'s namespaces', async () => {
      assertError(await api(registry, 'PUT', '/repository-visibility', { auth: bob, json: { repository: 'team/app', visibility: 'public' } }), 403, 'DENIED');
      assertError(await api(registry, 'PUT', '/repository-visibility', { auth: alice, json: { repository: 'secret/app', visibility: 'public' } }), 403, 'DENIED');
    });

    it('returns 404 for a repository that does not exist and 400 for a bad name or value', async () => {
      assertError(await api(registry, 'PUT', '/repository-visibility', { auth: alice, json: { repository: 'team/nothing-here', visibility: 'public' } }), 404, 'NOT_FOUND');
      assertError(await api(registry, 'PUT', '/repository-visibility', { auth: alice, json: { repository: 'Team/App', visibility: 'public' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PUT', '/repository-visibility', { auth: alice, json: { repository: 'team/app', visibility: 'internal' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PUT', '/repository-visibility', { auth: alice, json: { repository: 'team/app' } }), 400, 'INVALID_REQUEST');
    });
  });
});

describe('admin API: namespaces deeper than one component', { timeout: 60_000 }, () => {
  let registry: TestRegistry;

  before(async () => {
    registry = await startApiRegistry({ BERTH_AUTH_NAMESPACES_DEPTH: '2' });
  });

  after(async () => {
    await registry?.stop();
  });

  it('creates org/team and serves it under its URL-encoded name', async () => {
    assertStatus(await api(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'org/team' } }), 201);
    const reply = await api<NamespaceJson>(registry, 'GET', '/namespaces/org%2Fteam', { auth: ADMIN });
    assertStatus(reply, 200);
    assert.equal(reply.body.name, 'org/team');
    assertError(await api(registry, 'POST', '/namespaces', { auth: ADMIN, json: { name: 'a/b/c' } }), 400, 'INVALID_REQUEST');
  });

  it("refuses a namespace owner's robot on a prefix that spans namespaces", async () => {
    const alice = await createUser(registry, 'alice', 'alice-password-1');
    await createNamespace(registry, 'org', { alice: 'owner' });
    assertError(await api(registry, 'POST', '/robots', { auth: alice, json: { name: 'wide', grants: [{ repository: 'org/*', actions: ['pull'] }] } }), 403, 'DENIED');
    assertStatus(await api(registry, 'POST', '/robots', { auth: alice, json: { name: 'narrow', grants: [{ repository: 'org/app', actions: ['pull'] }] } }), 201);
  });
});
