import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestRegistry } from '../support/registry.js';
import { ADMIN, api, assertError, assertStatus, basic, createUser, startApiRegistry, type UserJson } from './support.js';

describe('admin API: users', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let alice: string;

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
    await createUser(registry, 'bob', 'bob-password-1');
  });

  after(async () => {
    await registry?.stop();
  });

  describe('GET /me', () => {
    it('answers the admin with admin true and its account, without a password hash', async () => {
      const reply = await api<{ kind: string; name: string; admin: boolean; user: UserJson }>(registry, 'GET', '/me', { auth: ADMIN });
      assertStatus(reply, 200);
      assert.equal(reply.body.kind, 'user');
      assert.equal(reply.body.name, 'admin');
      assert.equal(reply.body.admin, true);
      assert.equal(reply.body.user.name, 'admin');
      assert.ok(!reply.text.includes('passwordHash') && !reply.text.includes('$argon2'));
    });

    it('answers a plain user with admin false', async () => {
      const reply = await api<{ name: string; admin: boolean }>(registry, 'GET', '/me', { auth: alice });
      assertStatus(reply, 200);
      assert.equal(reply.body.name, 'alice');
      assert.equal(reply.body.admin, false);
    });

    it('returns 401 UNAUTHORIZED with a Basic challenge without credentials', async () => {
      const reply = await api(registry, 'GET', '/me');
      assertError(reply, 401, 'UNAUTHORIZED');
      assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic realm="berth"/);
    });

    it('returns 401 UNAUTHORIZED for a wrong password, an unknown user, a malformed header and a bad bearer token', async () => {
      assertError(await api(registry, 'GET', '/me', { auth: basic('bob', 'not-the-password') }), 401, 'UNAUTHORIZED');
      assertError(await api(registry, 'GET', '/me', { auth: basic('nobody', 'whatever-password') }), 401, 'UNAUTHORIZED');
      assertError(await api(registry, 'GET', '/me', { auth: 'Basic' }), 401, 'UNAUTHORIZED');
      assertError(await api(registry, 'GET', '/me', { auth: 'Bearer not-a-token' }), 401, 'UNAUTHORIZED');
    });
  });

  describe('listing and reading users', () => {
    it('lists every account for an admin, never with password hashes', async () => {
      const reply = await api<{ users: UserJson[] }>(registry, 'GET', '/users', { auth: ADMIN });
      assertStatus(reply, 200);
      const names = reply.body.users.map((user) => user.name);
      for (const name of ['admin', 'alice', 'bob']) assert.ok(names.includes(name), `${name} in ${names.join(',')}`);
      assert.ok(!reply.text.includes('passwordHash') && !reply.text.includes('$argon2'));
    });

    it('returns 403 DENIED when a non-admin lists users', async () => {
      assertError(await api(registry, 'GET', '/users', { auth: alice }), 403, 'DENIED');
    });

    it('lets a user read their own account but not another one', async () => {
      const own = await api<UserJson>(registry, 'GET', '/users/alice', { auth: alice });
      assertStatus(own, 200);
      assert.equal(own.body.kind, 'local');
      assert.equal(typeof own.body.createdAt, 'string');
      assert.ok(!Number.isNaN(Date.parse(own.body.createdAt)));
      assertError(await api(registry, 'GET', '/users/bob', { auth: alice }), 403, 'DENIED');
    });

    it('answers 403 DENIED, not 404, when a non-admin asks for an unknown user', async () => {
      assertError(await api(registry, 'GET', '/users/nobody', { auth: alice }), 403, 'DENIED');
    });

    it('returns 404 NOT_FOUND when an admin asks for an unknown user', async () => {
      assertError(await api(registry, 'GET', '/users/nobody', { auth: ADMIN }), 404, 'NOT_FOUND');
    });
  });

  describe('creating users', () => {
    it('creates a local account (201) that can log in with its password', async () => {
      const reply = await api<UserJson>(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'carol', password: 'carol-password-1', email: 'carol@example.com' } });
      assertStatus(reply, 201);
      assert.deepEqual([reply.body.name, reply.body.kind, reply.body.admin, reply.body.disabled, reply.body.email], ['carol', 'local', false, false, 'carol@example.com']);
      const me = await api<{ name: string }>(registry, 'GET', '/me', { auth: basic('carol', 'carol-password-1') });
      assertStatus(me, 200);
      assert.equal(me.body.name, 'carol');
      assert.match((await registry.berth.store.accounts.get('carol'))?.passwordHash ?? '', /^\$argon2id\$/);
    });

    it('returns 409 CONFLICT for an existing name', async () => {
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'alice', password: 'another-password' } }), 409, 'CONFLICT');
    });

    it('returns 400 INVALID_REQUEST for a bad name, a short password, an unknown field or a missing field', async () => {
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'Bad Name!', password: 'long-enough-1' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'x'.repeat(65), password: 'long-enough-1' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'dave', password: 'short' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'dave', password: 'x'.repeat(1025) } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'dave', password: 'berth_looks_like_a_token' } }), 400, 'INVALID_REQUEST');
      const unknown = assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'dave', password: 'long-enough-1', role: 'admin' } }), 400, 'INVALID_REQUEST');
      assert.match(unknown.message, /role/);
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, json: { name: 'dave' } }), 400, 'INVALID_REQUEST');
      assert.equal(await registry.berth.store.accounts.get('dave'), undefined);
    });

    it('returns 400 INVALID_REQUEST for a body that is not JSON or not sent as JSON', async () => {
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, raw: '{"name":', headers: { 'Content-Type': 'application/json' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, raw: '{"name":"dave","password":"long-enough-1"}', headers: { 'Content-Type': 'text/plain' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'POST', '/users', { auth: ADMIN, raw: '[]', headers: { 'Content-Type': 'application/json' } }), 400, 'INVALID_REQUEST');
    });

    it('returns 403 DENIED when a non-admin creates a user', async () => {
      assertError(await api(registry, 'POST', '/users', { auth: alice, json: { name: 'eve', password: 'eve-password-1' } }), 403, 'DENIED');
      assert.equal(await registry.berth.store.accounts.get('eve'), undefined);
    });
  });

  describe('changing users', () => {
    it('sets email, groups and admin, and clears the email with null', async () => {
      await createUser(registry, 'frank', 'frank-password-1');
      const changed = await api<UserJson>(registry, 'PATCH', '/users/frank', { auth: ADMIN, json: { email: 'frank@example.com', groups: ['devs'], admin: true } });
      assertStatus(changed, 200);
      assert.deepEqual([changed.body.email, changed.body.groups, changed.body.admin], ['frank@example.com', ['devs'], true]);
      const cleared = await api<UserJson>(registry, 'PATCH', '/users/frank', { auth: ADMIN, json: { email: null, admin: false } });
      assertStatus(cleared, 200);
      assert.equal(cleared.body.email, undefined);
      assert.equal(cleared.body.admin, false);
    });

    it('disables an account so it can no longer log in, and enables it again', async () => {
      await createUser(registry, 'gina', 'gina-password-1');
      const disabled = await api<UserJson>(registry, 'PATCH', '/users/gina', { auth: ADMIN, json: { disabled: true } });
      assertStatus(disabled, 200);
      assert.equal(disabled.body.disabled, true);
      assertError(await api(registry, 'GET', '/me', { auth: basic('gina', 'gina-password-1') }), 401, 'UNAUTHORIZED');
      assertStatus(await api(registry, 'PATCH', '/users/gina', { auth: ADMIN, json: { disabled: false } }), 200);
      assertStatus(await api(registry, 'GET', '/me', { auth: basic('gina', 'gina-password-1') }), 200);
    });

    it('refuses changes by a non-admin (403), to an unknown user (404) and empty changes (400)', async () => {
      assertError(await api(registry, 'PATCH', '/users/alice', { auth: alice, json: { admin: true } }), 403, 'DENIED');
      assertError(await api(registry, 'PATCH', '/users/nobody', { auth: ADMIN, json: { disabled: true } }), 404, 'NOT_FOUND');
      assertError(await api(registry, 'PATCH', '/users/alice', { auth: ADMIN, json: {} }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PATCH', '/users/alice', { auth: ADMIN, json: { email: 'not an address' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PATCH', '/users/alice', { auth: ADMIN, json: { password: 'sneaky-password' } }), 400, 'INVALID_REQUEST');
    });
  });

  describe('passwords', () => {
    it('lets a user change their own password with the current one', async () => {
      await createUser(registry, 'hank', 'hank-password-1');
      const before = (await registry.berth.store.accounts.get('hank'))?.passwordHash;
      const reply = await api(registry, 'PUT', '/users/hank/password', { auth: basic('hank', 'hank-password-1'), json: { currentPassword: 'hank-password-1', password: 'hank-password-2' } });
      assertStatus(reply, 204);
      assert.equal(reply.text, '');
      assert.notEqual((await registry.berth.store.accounts.get('hank'))?.passwordHash, before);
      assertStatus(await api(registry, 'GET', '/me', { auth: basic('hank', 'hank-password-2') }), 200);
      assertError(await api(registry, 'GET', '/me', { auth: basic('hank', 'hank-password-1') }), 401, 'UNAUTHORIZED');
    });

    it('returns 400 without the current password and 403 with a wrong one', async () => {
      assertError(await api(registry, 'PUT', '/users/alice/password', { auth: alice, json: { password: 'alice-password-9' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PUT', '/users/alice/password', { auth: alice, json: { currentPassword: 'wrong-password', password: 'alice-password-9' } }), 403, 'DENIED');
      assertStatus(await api(registry, 'GET', '/me', { auth: alice }), 200);
    });

    it("returns 403 when a user sets another user's password", async () => {
      assertError(await api(registry, 'PUT', '/users/bob/password', { auth: alice, json: { currentPassword: 'alice-password-1', password: 'taken-over-1' } }), 403, 'DENIED');
    });

    it("lets an admin set another user's password without the current one", async () => {
      await createUser(registry, 'ivan', 'ivan-password-1');
      assertStatus(await api(registry, 'PUT', '/users/ivan/password', { auth: ADMIN, json: { password: 'ivan-password-2' } }), 204);
      assertStatus(await api(registry, 'GET', '/me', { auth: basic('ivan', 'ivan-password-2') }), 200);
    });

    it('returns 400 for a too short new password and 404 for an unknown user', async () => {
      assertError(await api(registry, 'PUT', '/users/bob/password', { auth: ADMIN, json: { password: 'short' } }), 400, 'INVALID_REQUEST');
      assertError(await api(registry, 'PUT', '/users/nobody/password', { auth: ADMIN, json: { password: 'long-enough-1' } }), 404, 'NOT_FOUND');
    });
  });

  describe('deleting users', () => {
    it('deletes an account (204) after which it is unknown (404)', async () => {
      await createUser(registry, 'jack', 'jack-password-1');
      const reply = await api(registry, 'DELETE', '/users/jack', { auth: ADMIN });
      assertStatus(reply, 204);
      assertError(await api(registry, 'GET', '/users/jack', { auth: ADMIN }), 404, 'NOT_FOUND');
      assertError(await api(registry, 'DELETE', '/users/jack', { auth: ADMIN }), 404, 'NOT_FOUND');
    });

    it('returns 403 DENIED when a non-admin deletes a user', async () => {
      assertError(await api(registry, 'DELETE', '/users/bob', { auth: alice }), 403, 'DENIED');
      assert.ok(await registry.berth.store.accounts.get('bob'));
    });
  });
});

describe('admin API: the last enabled admin', { timeout: 60_000 }, () => {
  let registry: TestRegistry;

  before(async () => {
    registry = await startApiRegistry();
  });

  after(async () => {
    await registry?.stop();
  });

  it('returns 409 CONFLICT when the only admin is deleted, demoted or disabled', async () => {
    assertError(await api(registry, 'DELETE', '/users/admin', { auth: ADMIN }), 409, 'CONFLICT');
    assertError(await api(registry, 'PATCH', '/users/admin', { auth: ADMIN, json: { admin: false } }), 409, 'CONFLICT');
    assertError(await api(registry, 'PATCH', '/users/admin', { auth: ADMIN, json: { disabled: true } }), 409, 'CONFLICT');
    const admin = await registry.berth.store.accounts.get('admin');
    assert.deepEqual([admin?.admin, admin?.disabled], [true, false]);
  });

  it('does not count a disabled admin as the one that remains', async () => {
    await createUser(registry, 'sleepy', 'sleepy-password-1', { admin: true });
    assertStatus(await api(registry, 'PATCH', '/users/sleepy', { auth: ADMIN, json: { disabled: true } }), 200);
    assertError(await api(registry, 'DELETE', '/users/admin', { auth: ADMIN }), 409, 'CONFLICT');
  });

  it('lets an admin be demoted and deleted once another enabled admin exists', async () => {
    const root = await createUser(registry, 'root', 'root-password-1', { admin: true });
    assertStatus(await api(registry, 'PATCH', '/users/admin', { auth: root, json: { admin: false } }), 200);
    assertError(await api(registry, 'DELETE', '/users/root', { auth: root }), 409, 'CONFLICT');
    assertStatus(await api(registry, 'DELETE', '/users/admin', { auth: root }), 204);
  });

  it('keeps one admin when two demotions race', async () => {
    const one = await createUser(registry, 'one', 'one-password-1', { admin: true }, basic('root', 'root-password-1'));
    const replies = await Promise.all([
      api(registry, 'PATCH', '/users/root', { auth: one, json: { admin: false } }),
      api(registry, 'PATCH', '/users/one', { auth: basic('root', 'root-password-1'), json: { admin: false } }),
    ]);
    const admins = (await registry.berth.store.accounts.list()).filter((account) => account.admin && !account.disabled);
    assert.equal(admins.length, 1, replies.map((reply) => `${reply.status} ${reply.text}`).join('\n'));
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, 409]);
  });
});
