import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { pushImageAs, seedImage, v2 } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, basic, createNamespace, createUser, startApiRegistry, type TokenCreatedJson } from './support.js';

type TokenList = { tokens: (Omit<TokenCreatedJson, 'secret' | 'login'> & { secret?: string })[] };

describe('admin API: personal access tokens', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let alice: string;
  let bob: string;

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
    bob = await createUser(registry, 'bob', 'bob-password-1');
    await createNamespace(registry, 'team', { alice: 'developer' });
    await seedImage(registry, 'team/app', 'v1', imageManifest());
  });

  after(async () => {
    await registry?.stop();
  });

  async function createToken(owner: string, auth: string, body: Record<string, unknown>): Promise<TokenCreatedJson> {
    const reply = await api<TokenCreatedJson>(registry, 'POST', `/users/${owner}/tokens`, { auth, json: body });
    assertStatus(reply, 201);
    return reply.body;
  }

  it('creates a token for oneself (201) with its secret, the login and full grants by default', async () => {
    const token = await createToken('alice', alice, { name: 'laptop' });
    assert.match(token.secret, /^berth_pat_/);
    assert.equal(token.login, 'alice');
    assert.equal(token.owner, 'alice');
    assert.equal(token.createdBy, 'alice');
    assert.deepEqual(token.grants, [{ repository: '*', actions: ['pull', 'push', 'delete'] }]);
    assert.equal(token.fullAccess, false);
    assert.equal(token.expiresAt, undefined);
  });

  it('creates a full-access session token for oneself with the password: it keeps admin rights, as berth login needs', async () => {
    const session = await createToken('admin', ADMIN, { name: 'cli-session', fullAccess: true });
    assert.equal(session.fullAccess, true);
    const asSession = basic('admin', session.secret);
    const me = await api<{ admin: boolean }>(registry, 'GET', '/me', { auth: asSession });
    assertStatus(me, 200);
    assert.equal(me.body.admin, true);
    assertStatus(await api(registry, 'POST', '/users', { auth: asSession, json: { name: 'made-by-session', password: 'long-enough-1' } }), 201);
  });

  it('refuses a full-access token to anyone but its owner logged in with the password', async () => {
    assertError(await api(registry, 'POST', '/users/alice/tokens', { auth: ADMIN, json: { name: 'impersonate', fullAccess: true } }), 403, 'DENIED');
    const restricted = await createToken('alice', alice, { name: 'restricted-for-session', grants: [{ repository: 'team/*', actions: ['pull'] }] });
    assertError(await api(registry, 'POST', '/users/alice/tokens', { auth: basic('alice', restricted.secret), json: { name: 'escalate', fullAccess: true } }), 403, 'DENIED');
    const session = await createToken('alice', alice, { name: 'alice-session', fullAccess: true });
    assertError(await api(registry, 'POST', '/users/alice/tokens', { auth: basic('alice', session.secret), json: { name: 'chain', fullAccess: true } }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/users/alice/tokens', { auth: alice, json: { name: 'both', fullAccess: true, grants: [{ repository: '*', actions: ['pull'] }] } }), 400, 'INVALID_REQUEST');
  });

  it('refuses manage in the grants a user writes: only a session token carries it', async () => {
    assertError(await api(registry, 'POST', '/users/alice/tokens', { auth: alice, json: { name: 'sneaky', grants: [{ repository: '*', actions: ['manage'] }] } }), 400, 'INVALID_REQUEST');
  });

  it('lists tokens without their secrets', async () => {
    const created = await createToken('alice', alice, { name: 'listed', expiresInDays: 30 });
    const reply = await api<TokenList>(registry, 'GET', '/users/alice/tokens', { auth: alice });
    assertStatus(reply, 200);
    const listed = reply.body.tokens.find((token) => token.id === created.id);
    assert.ok(listed);
    assert.equal(listed.name, 'listed');
    assert.equal(listed.secret, undefined);
    assert.ok(!reply.text.includes(created.secret));
    assert.ok(!reply.text.includes('berth_pat_'));
    const days = (Date.parse(listed.expiresAt ?? '') - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);
  });

  it('authenticates the API with the token as Basic password, naming the token in /me', async () => {
    const token = await createToken('alice', alice, { name: 'me-check', grants: [{ repository: 'team/*', actions: ['pull'] }] });
    const me = await api<{ name: string; admin: boolean; credential: { id: string; kind: string; grants: unknown } }>(registry, 'GET', '/me', { auth: basic('alice', token.secret) });
    assertStatus(me, 200);
    assert.equal(me.body.name, 'alice');
    assert.equal(me.body.credential.id, token.id);
    assert.equal(me.body.credential.kind, 'token');
    assert.deepEqual(me.body.credential.grants, [{ repository: 'team/*', actions: ['pull'] }]);
  });

  it('refuses a token under another user name (401)', async () => {
    const token = await createToken('alice', alice, { name: 'wrong-login' });
    assertError(await api(registry, 'GET', '/me', { auth: basic('bob', token.secret) }), 401, 'UNAUTHORIZED');
  });

  it('lets a token limited to pull pull but not push: PUT manifest with Basic user:PAT gets 403', async () => {
    const token = await createToken('alice', alice, { name: 'pull-only', grants: [{ repository: 'team/*', actions: ['pull'] }] });
    const withToken = basic('alice', token.secret);
    const pull = await v2(registry, 'team/app/tags/list', withToken);
    assert.equal(pull.status, 200, await pull.text());
    const image = imageManifest();
    const put = await v2(registry, 'team/app/manifests/x', withToken, { method: 'PUT', headers: { 'Content-Type': image.mediaType }, body: new Uint8Array(image.manifest.bytes) });
    assert.equal(put.status, 403, await put.text());
    // The same user with the password may push: the token is what cuts the rights down.
    assert.equal(await pushImageAs(registry, 'team/app', 'x', image, alice), 201);
  });

  it("doesn't let a token administer: an admin's token gets 403 on admin routes and can't create tokens", async () => {
    const token = await createToken('admin', ADMIN, { name: 'admin-ci' });
    const withToken = basic('admin', token.secret);
    assertError(await api(registry, 'GET', '/users', { auth: withToken }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/users/admin/tokens', { auth: withToken, json: { name: 'escalated' } }), 403, 'DENIED');
    assertError(await api(registry, 'PUT', '/users/admin/password', { auth: withToken, json: { currentPassword: 'admin-password-1', password: 'hijacked-password' } }), 403, 'DENIED');
    const me = await api<{ admin: boolean }>(registry, 'GET', '/me', { auth: withToken });
    assert.equal(me.body.admin, false);
  });

  it("returns 403 when a user creates, lists or revokes another user's tokens", async () => {
    const bobs = await createToken('bob', bob, { name: 'bobs' });
    assertError(await api(registry, 'POST', '/users/bob/tokens', { auth: alice, json: { name: 'sneaky' } }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/users/bob/tokens', { auth: alice }), 403, 'DENIED');
    assertError(await api(registry, 'DELETE', `/users/bob/tokens/${bobs.id}`, { auth: alice }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/users/nobody/tokens', { auth: alice }), 403, 'DENIED');
  });

  it("lets an admin create and list another user's tokens, and answers 404 for an unknown user", async () => {
    const token = await createToken('bob', ADMIN, { name: 'made-by-admin' });
    assert.equal(token.owner, 'bob');
    assert.equal(token.createdBy, 'admin');
    assert.equal(token.login, 'bob');
    const list = await api<TokenList>(registry, 'GET', '/users/bob/tokens', { auth: ADMIN });
    assertStatus(list, 200);
    assert.ok(list.body.tokens.some((t) => t.id === token.id));
    assertError(await api(registry, 'POST', '/users/nobody/tokens', { auth: ADMIN, json: { name: 'x' } }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'GET', '/users/nobody/tokens', { auth: ADMIN }), 404, 'NOT_FOUND');
  });

  it('returns 409 CONFLICT for a second token of the same name', async () => {
    await createToken('alice', alice, { name: 'twice' });
    assertError(await api(registry, 'POST', '/users/alice/tokens', { auth: alice, json: { name: 'twice' } }), 409, 'CONFLICT');
  });

  it('returns 400 for bad grants, bad names and bad expiries', async () => {
    const bad = [
      { name: 'a', grants: [{ repository: 'team/*', actions: ['manage'] }] },
      { name: 'a', grants: [{ repository: 'Not A Repo', actions: ['pull'] }] },
      { name: 'a', grants: [{ repository: 'team/*', actions: [] }] },
      { name: 'a', grants: [] },
      { name: '' },
      { name: 'a', expiresAt: new Date(Date.now() - 60_000).toISOString() },
      { name: 'a', expiresAt: 'tomorrow' },
      { name: 'a', expiresInDays: 0 },
      { name: 'a', expiresInDays: 1.5 },
      { name: 'a', expiresInDays: 3, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    ];
    for (const body of bad) assertError(await api(registry, 'POST', '/users/alice/tokens', { auth: alice, json: body }), 400, 'INVALID_REQUEST');
  });

  it('revokes a token (204) after which it gets 401, even right after it was used', async () => {
    const token = await createToken('alice', alice, { name: 'to-revoke' });
    const withToken = basic('alice', token.secret);
    assertStatus(await api(registry, 'GET', '/me', { auth: withToken }), 200);
    const reply = await api(registry, 'DELETE', `/users/alice/tokens/${token.id}`, { auth: alice });
    assertStatus(reply, 204);
    assertError(await api(registry, 'GET', '/me', { auth: withToken }), 401, 'UNAUTHORIZED');
    const pull = await v2(registry, 'team/app/tags/list', withToken);
    assert.equal(pull.status, 401);
    // Revoking again changes nothing and still answers 204.
    assertStatus(await api(registry, 'DELETE', `/users/alice/tokens/${token.id}`, { auth: alice }), 204);
    const listed = await api<TokenList>(registry, 'GET', '/users/alice/tokens', { auth: alice });
    assert.ok(listed.body.tokens.find((t) => t.id === token.id)?.revokedAt);
  });

  it('returns 404 when revoking an unknown token or one of another user', async () => {
    assertError(await api(registry, 'DELETE', '/users/alice/tokens/00000000-0000-0000-0000-000000000000', { auth: alice }), 404, 'NOT_FOUND');
    const bobs = await createToken('bob', bob, { name: 'not-alices' });
    assertError(await api(registry, 'DELETE', `/users/alice/tokens/${bobs.id}`, { auth: ADMIN }), 404, 'NOT_FOUND');
  });

  it('refuses an expired token with 401', async () => {
    const token = await createToken('alice', alice, { name: 'short-lived', expiresAt: new Date(Date.now() + 1200).toISOString() });
    const withToken = basic('alice', token.secret);
    assertStatus(await api(registry, 'GET', '/me', { auth: withToken }), 200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assertError(await api(registry, 'GET', '/me', { auth: withToken }), 401, 'UNAUTHORIZED');
  });
});
