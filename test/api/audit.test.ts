import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { seedImage } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, createUser, startApiRegistry, type AuditPageJson } from './support.js';

describe('admin API: audit log', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let alice: string;

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
  });

  after(async () => {
    await registry?.stop();
  });

  it('records every permission change with actor, target and outcome success', async () => {
    const ok = async (method: string, path: string, json?: unknown, status = 200): Promise<Record<string, unknown>> => {
      const reply = await api(registry, method, path, { auth: ADMIN, ...(json === undefined ? {} : { json }) });
      assertStatus(reply, status);
      return reply.body ?? {};
    };
    await ok('POST', '/users', { name: 'audited', password: 'audited-password-1' }, 201);
    await ok('PATCH', '/users/audited', { email: 'audited@example.com' });
    await ok('PUT', '/users/audited/password', { password: 'audited-password-2' }, 204);
    const token = await ok('POST', '/users/audited/tokens', { name: 'ci' }, 201);
    await ok('DELETE', `/users/audited/tokens/${String(token.id)}`, undefined, 204);
    await ok('POST', '/namespaces', { name: 'proj' }, 201);
    await ok('PATCH', '/namespaces/proj', { visibility: 'public' });
    await ok('PUT', '/namespaces/proj/members/user/audited', { role: 'reader' });
    await ok('DELETE', '/namespaces/proj/members/user/audited', undefined, 204);
    await seedImage(registry, 'proj/app', 'v1', imageManifest());
    await ok('PUT', '/repository-visibility', { repository: 'proj/app', visibility: 'private' });
    const robot = await ok('POST', '/robots', { name: 'audit-bot', grants: [{ repository: 'proj/*', actions: ['pull'] }] }, 201);
    await ok('DELETE', `/robots/${String(robot.id)}`, undefined, 204);
    await ok('DELETE', '/repositories/proj%2Fapp');
    await ok('DELETE', '/namespaces/proj', undefined, 204);
    await ok('DELETE', '/users/audited', undefined, 204);
    const imported = await api(registry, 'POST', '/users/import-htpasswd', { auth: ADMIN, text: `imported:${bcrypt.hashSync('imported-password', 4)}\n` });
    assertStatus(imported, 200);

    const expected: [string, string][] = [
      ['user.create', 'audited'],
      ['user.update', 'audited'],
      ['user.password', 'audited'],
      ['token.create', 'audited'],
      ['token.revoke', 'audited'],
      ['namespace.create', 'proj'],
      ['namespace.update', 'proj'],
      ['member.set', 'proj'],
      ['member.remove', 'proj'],
      ['repository.visibility', 'proj/app'],
      ['robot.create', 'robot$audit-bot'],
      ['robot.revoke', 'robot$audit-bot'],
      ['repository.delete', 'proj/app'],
      ['namespace.delete', 'proj'],
      ['user.delete', 'audited'],
      ['user.import', 'htpasswd'],
    ];
    for (const [action, target] of expected) {
      const events = await auditEvents(registry, { action, actor: 'admin' });
      const event = events.find((e) => e.target === target);
      assert.ok(event, `no ${action} event on ${target}: ${JSON.stringify(events)}`);
      assert.equal(event.outcome, 'success');
      assert.equal(event.actorKind, 'user');
      assert.equal(event.clientIp, '127.0.0.1');
      assert.ok(!Number.isNaN(Date.parse(event.at)));
    }
    const tokenEvent = (await auditEvents(registry, { action: 'token.create', actor: 'admin' }))[0];
    assert.equal(tokenEvent?.detail?.id, token.id);
    assert.ok(!JSON.stringify(tokenEvent).includes('berth_pat_'), 'secrets never reach the audit log');
  });

  it('records refused permission changes with outcome denied', async () => {
    assertError(await api(registry, 'POST', '/users', { auth: alice, json: { name: 'mallory', password: 'mallory-password' } }), 403, 'DENIED');
    const events = await auditEvents(registry, { actor: 'alice', outcome: 'denied', action: 'user.create' });
    assert.equal(events[0]?.target, 'mallory');
  });

  it('filters by actor, action, target prefix and outcome', async () => {
    await createUser(registry, 'filter-one', 'filter-password-1');
    await createUser(registry, 'filter-two', 'filter-password-2');
    const byPrefix = await auditEvents(registry, { target: 'filter-', action: 'user.create' });
    assert.deepEqual(byPrefix.map((e) => e.target), ['filter-two', 'filter-one']);
    const logins = await auditEvents(registry, { actor: 'alice', action: 'login' });
    assert.ok(logins.length > 0 && logins.every((e) => e.actor === 'alice' && e.action === 'login'));
    const denied = await auditEvents(registry, { outcome: 'denied' });
    assert.ok(denied.length > 0 && denied.every((e) => e.outcome === 'denied'));
  });

  it('filters by time with since and until', async () => {
    const start = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await createUser(registry, 'timed', 'timed-password-1');
    const after = await auditEvents(registry, { action: 'user.create', since: start.toISOString() });
    assert.deepEqual(after.map((e) => e.target), ['timed']);
    const before = await auditEvents(registry, { action: 'user.create', until: start.toISOString() });
    assert.ok(before.length > 0 && !before.some((e) => e.target === 'timed'));
  });

  it('pages with limit and the next cursor passed as before', async () => {
    for (const n of [1, 2, 3]) await createUser(registry, `paged-${n}`, 'paged-password-1');
    const first = await api<AuditPageJson>(registry, 'GET', '/audit?target=paged-&action=user.create&limit=2', { auth: ADMIN });
    assertStatus(first, 200);
    assert.deepEqual(first.body.events.map((e) => e.target), ['paged-3', 'paged-2']);
    assert.equal(typeof first.body.next, 'number');
    const second = await api<AuditPageJson>(registry, 'GET', `/audit?target=paged-&action=user.create&limit=2&before=${first.body.next}`, { auth: ADMIN });
    assert.deepEqual(second.body.events.map((e) => e.target), ['paged-1']);
    assert.equal(second.body.next, null);
  });

  it('returns 400 for a bad limit, date, outcome, cursor or an unknown parameter', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'since=yesterday', 'until=2024-13-01T00:00:00Z', 'outcome=maybe', 'before=-1', 'colour=blue']) {
      assertError(await api(registry, 'GET', `/audit?${query}`, { auth: ADMIN }), 400, 'INVALID_REQUEST');
    }
  });

  it('returns 403 DENIED to a non-admin and 401 without credentials', async () => {
    assertError(await api(registry, 'GET', '/audit', { auth: alice }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/audit'), 401, 'UNAUTHORIZED');
  });
});
