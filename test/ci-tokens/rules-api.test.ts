/**
 * The CI token rules over the admin API (SQLite): admins only, validated with errors naming the
 * field and nothing stored, conflicts, 404s, audited changes; and the issuers' configuration
 * (trust roots) refused when it would trust plain http or name an issuer twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/app.js';
import { ADMIN, api, assertError, createUser, startApiRegistry } from '../api/support.js';
import { startCiIssuer, type TestCiIssuer } from '../support/ci-issuer.js';
import type { TestRegistry } from '../support/registry.js';
import { exchange, startCiRegistry } from './support.js';

type RuleJson = { name: string; issuer: string; conditions: Record<string, string>; grants: unknown[]; ttlSeconds: number; enabled: boolean; createdBy: string; createdAt: string };

describe('CI token rules over the admin API', { timeout: 30_000 }, () => {
  let issuer: TestCiIssuer;
  let registry: TestRegistry;
  let rule: Record<string, unknown>;

  before(async () => {
    issuer = await startCiIssuer();
    registry = await startCiRegistry([issuer]);
    rule = { name: 'app-release', issuer: issuer.issuer, conditions: { repository: 'org/app', ref: 'refs/tags/v*' }, grants: [{ repository: 'team/app', actions: ['push', 'pull'] }], ttlSeconds: 300, description: 'tags of org/app' };
  });

  after(async () => {
    await registry?.stop();
    await issuer?.stop();
  });

  it('lets an admin create, list, show, disable and delete a rule, each change audited', async () => {
    const created = await api<RuleJson>(registry, 'POST', '/ci-token-rules', { auth: ADMIN, json: rule });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual({ ...created.body, createdAt: undefined }, { ...rule, grants: [{ repository: 'team/app', actions: ['pull', 'push'] }], enabled: true, createdBy: 'admin', createdAt: undefined });
    assertError(await api(registry, 'POST', '/ci-token-rules', { auth: ADMIN, json: rule }), 409, 'CONFLICT');
    const list = await api<{ rules: RuleJson[] }>(registry, 'GET', '/ci-token-rules', { auth: ADMIN });
    assert.deepEqual(list.body.rules.map((r) => r.name), ['app-release']);
    assert.equal((await api<RuleJson>(registry, 'GET', '/ci-token-rules/app-release', { auth: ADMIN })).body.conditions.ref, 'refs/tags/v*');
    const patched = await api<RuleJson & { revokedCredentials: number }>(registry, 'PATCH', '/ci-token-rules/app-release', { auth: ADMIN, json: { enabled: false } });
    assert.deepEqual([patched.status, patched.body.enabled, patched.body.revokedCredentials], [200, false, 0]);
    assert.equal((await api(registry, 'DELETE', '/ci-token-rules/app-release', { auth: ADMIN })).status, 204);
    assertError(await api(registry, 'GET', '/ci-token-rules/app-release', { auth: ADMIN }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'DELETE', '/ci-token-rules/app-release', { auth: ADMIN }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'PATCH', '/ci-token-rules/app-release', { auth: ADMIN, json: { enabled: true } }), 404, 'NOT_FOUND');
    await registry.berth.auth.audit.flush();
    const audit = await api<{ events: { action: string; target: string }[] }>(registry, 'GET', '/audit?target=app-release', { auth: ADMIN });
    assert.deepEqual(audit.body.events.map((event) => event.action).sort(), ['ci-token-rule.create', 'ci-token-rule.delete', 'ci-token-rule.disable']);
  });

  it('refuses other users, audited, and changes nothing', async () => {
    const alice = await createUser(registry, 'alice', 'alice-password-1');
    assertError(await api(registry, 'POST', '/ci-token-rules', { auth: alice, json: { ...rule, name: 'alices' } }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/ci-token-rules', { auth: alice }), 403, 'DENIED');
    assertError(await api(registry, 'GET', '/ci-token-rules'), 401, 'UNAUTHORIZED');
    assertError(await api(registry, 'GET', '/ci-token-rules/alices', { auth: ADMIN }), 404, 'NOT_FOUND');
    await registry.berth.auth.audit.flush();
    const audit = await api<{ events: { outcome: string; actor: string }[] }>(registry, 'GET', '/audit?action=ci-token-rule.create&outcome=denied', { auth: ADMIN });
    assert.deepEqual(audit.body.events.map((event) => event.actor), ['alice']);
  });

  it('refuses invalid rules with 400 naming the field, storing nothing', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ conditions: { ref: 'refs/heads/main' } }, /must have a condition on whose job it is/],
      [{ conditions: { repository: '*' } }, /^conditions\.repository: "\*" begins with "\*"/],
      [{ conditions: {} }, /^conditions: at least one claim condition/],
      [{ issuer: 'https://token.actions.githubusercontent.com' }, /^issuer: .* is not a trusted CI issuer/],
      [{ ttlSeconds: 7200 }, /^ttlSeconds: .*ciTokens\.maxTtlSeconds/],
      [{ grants: [{ repository: 'team/app', actions: ['manage'] }] }, /grants/],
      [{ name: 'Not A Name' }, /^name: /],
      [{ extra: true }, /extra/],
    ];
    for (const [change, message] of cases) {
      const error = assertError(await api(registry, 'POST', '/ci-token-rules', { auth: ADMIN, json: { ...rule, name: 'bad', ...change } }), 400, 'INVALID_REQUEST');
      assert.match(error.message, message, JSON.stringify(change));
    }
    assert.deepEqual((await api<{ rules: RuleJson[] }>(registry, 'GET', '/ci-token-rules', { auth: ADMIN })).body.rules, []);
  });

  it('refuses an exchange body that is not {"token": "…"}', async () => {
    for (const body of [{}, { token: '' }, { token: 'x', scope: 'push' }]) {
      assertError(await api(registry, 'POST', '/ci-tokens', { json: body }), 400, 'INVALID_REQUEST');
    }
    const text = await fetch(`${registry.url}/api/v1/ci-tokens`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(text.status, 400);
  });
});

describe('CI token issuers (configuration)', () => {
  it('trusts no issuer by default: every exchange is refused naming the setting', async () => {
    const issuer = await startCiIssuer();
    const registry = await startApiRegistry();
    try {
      const error = assertError(await exchange(registry, await issuer.token()), 401, 'UNAUTHORIZED');
      assert.match(error.message, /is not trusted \(ciTokens\.issuers: none configured\)/);
    } finally {
      await registry.stop();
      await issuer.stop();
    }
  });

  it('refuses plain http off loopback, a JSON typo and an issuer listed twice, naming ciTokens.issuers', () => {
    const load = (issuers: string) => loadConfig({ env: { BERTH_CI_TOKENS_ISSUERS: issuers } });
    assert.throws(() => load(JSON.stringify([{ issuer: 'http://gitlab.example', audience: 'berth' }])), /ciTokens\.issuers\.0\.issuer.*must be an https URL/);
    assert.throws(() => load('[{"issuer": '), /ciTokens\.issuers/);
    const github = { issuer: 'https://token.actions.githubusercontent.com', audience: 'https://registry.example' };
    assert.throws(() => load(JSON.stringify([github, github])), /ciTokens\.issuers.*each issuer may be listed once/);
    assert.deepEqual(load(JSON.stringify([github])).ciTokens.issuers, [github]);
  });
});
