import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addNamespace, addPersonalToken, addRobot, addUser, basic } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, startApiRegistry } from '../api/support.js';
import type { TestRegistry } from '../support/registry.js';
import { pushTagged, rule, type PolicyViewJson, type PreviewJson } from './support.js';

const POLICY = { rules: [rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, 'expire untagged older than 14 days')] };
const TEAM = '/lifecycle-policies/namespace/team';
const APP = `/lifecycle-policies/repository/${encodeURIComponent('team/app')}`;

describe('lifecycle policies: the admin API', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  const users: Record<string, string> = {};

  before(async () => {
    registry = await startApiRegistry();
    for (const name of ['olga', 'mia', 'dev', 'rita', 'eve']) {
      await addUser(registry, name, `${name}-password-1`);
      users[name] = basic(name, `${name}-password-1`);
    }
    await addNamespace(registry, 'team', 'public', { olga: 'owner', mia: 'maintainer', dev: 'developer', rita: 'reader' });
    await addNamespace(registry, 'elsewhere', 'private', { eve: 'owner' });
    await pushTagged(registry, 'team/app', ['v1']);
  });

  after(async () => {
    await registry?.stop();
  });

  it('lets owners, maintainers and admins set, read and delete policies', async () => {
    for (const who of ['olga', 'mia']) {
      const set = await api<PolicyViewJson>(registry, 'PUT', TEAM, { auth: users[who], json: POLICY });
      assertStatus(set, 200);
      assert.deepEqual([set.body.scopeKind, set.body.scope, set.body.updatedBy], ['namespace', 'team', who]);
      assertStatus(await api(registry, 'GET', TEAM, { auth: users[who] }), 200);
    }
    assertStatus(await api(registry, 'PUT', APP, { auth: ADMIN, json: POLICY }), 200);
    const read = await api<PolicyViewJson>(registry, 'GET', APP, { auth: users.mia });
    assertStatus(read, 200);
    assert.deepEqual([read.body.scopeKind, read.body.scope, read.body.policy], ['repository', 'team/app', POLICY]);
    assertStatus(await api(registry, 'DELETE', APP, { auth: users.olga }), 204);
    assertError(await api(registry, 'GET', APP, { auth: users.olga }), 404, 'NOT_FOUND');
    assertError(await api(registry, 'DELETE', APP, { auth: users.olga }), 404, 'NOT_FOUND');
  });

  it('refuses developers, readers, members of other namespaces and robots, and audits refused changes', async () => {
    const robot = await addRobot(registry, 'ci', [{ repository: 'team/*', actions: ['pull', 'push', 'delete'] }]);
    for (const auth of [users.dev, users.rita, users.eve, robot.authorization]) {
      assertError(await api(registry, 'PUT', TEAM, { auth, json: POLICY }), 403, 'DENIED');
      assertError(await api(registry, 'GET', TEAM, { auth }), 403, 'DENIED');
      assertError(await api(registry, 'DELETE', TEAM, { auth }), 403, 'DENIED');
      assertError(await api(registry, 'POST', '/lifecycle-policies/preview', { auth, json: { scopeKind: 'namespace', scope: 'team', policy: POLICY } }), 403, 'DENIED');
    }
    const refused = await auditEvents(registry, { action: 'lifecycle.policy.set', outcome: 'denied' });
    assert.deepEqual(refused.map((event) => event.actor).sort(), ['dev', 'eve', 'rita', 'robot$ci'].sort());
    assert.equal((await api<PolicyViewJson>(registry, 'GET', TEAM, { auth: ADMIN })).body.updatedBy, 'mia', 'nothing changed');
  });

  it('lets a personal access token manage only the scope its delete grant covers', async () => {
    const token = await addPersonalToken(registry, 'mia', 'app-cleanup', [{ repository: 'team/app', actions: ['pull', 'delete'] }]);
    assertStatus(await api(registry, 'PUT', APP, { auth: token.authorization, json: POLICY }), 200);
    assertError(await api(registry, 'PUT', TEAM, { auth: token.authorization, json: POLICY }), 403, 'DENIED');
    assertStatus(await api(registry, 'DELETE', APP, { auth: token.authorization }), 204);
  });

  it('lists the policies the caller may manage', async () => {
    assertStatus(await api(registry, 'PUT', '/lifecycle-policies/namespace/elsewhere', { auth: users.eve, json: POLICY }), 200);
    const scopes = async (auth: string | undefined): Promise<string[]> => {
      const reply = await api<{ policies: PolicyViewJson[] }>(registry, 'GET', '/lifecycle-policies', { ...(auth ? { auth } : {}) });
      assertStatus(reply, 200);
      return reply.body.policies.map((policy) => `${policy.scopeKind} ${policy.scope}`);
    };
    assert.deepEqual(await scopes(ADMIN), ['namespace elsewhere', 'namespace team']);
    assert.deepEqual(await scopes(users.mia), ['namespace team']);
    assert.deepEqual(await scopes(users.eve), ['namespace elsewhere']);
    assert.deepEqual(await scopes(users.dev), []);
  });

  it('refuses an invalid policy with a message naming the rule and field, and saves nothing', async () => {
    const bad = { rules: [rule(7, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 })] };
    const reply = assertError(await api(registry, 'PUT', TEAM, { auth: users.mia, json: bad }), 400, 'INVALID_REQUEST');
    assert.match(reply.message, /rules\.0\.selection\.countUnit: rule with rulePriority 7: countUnit \("days"\) is required with countType sinceImagePushed/);
    const both = { rules: [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }), rule(2, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })] };
    const preview = assertError(await api(registry, 'POST', '/lifecycle-policies/preview', { auth: users.mia, json: { scopeKind: 'namespace', scope: 'team', policy: both } }), 400, 'INVALID_REQUEST');
    assert.match(preview.message, /tagStatus any is only allowed on the rule with the highest rulePriority/);
    assert.deepEqual((await api<PolicyViewJson>(registry, 'GET', TEAM, { auth: ADMIN })).body.policy, POLICY);
  });

  it('refuses scopes that are not namespace or repository names', async () => {
    assertError(await api(registry, 'PUT', '/lifecycle-policies/bucket/team', { auth: ADMIN, json: POLICY }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'PUT', `/lifecycle-policies/namespace/${encodeURIComponent('team/app')}`, { auth: ADMIN, json: POLICY }), 400, 'INVALID_REQUEST');
    assertError(await api(registry, 'PUT', '/lifecycle-policies/repository/Team', { auth: ADMIN, json: POLICY }), 400, 'INVALID_REQUEST');
  });

  it('previews a repository scope without saving, and answers an empty plan for a repository with nothing to expire', async () => {
    const reply = await api<PreviewJson>(registry, 'POST', '/lifecycle-policies/preview', { auth: users.olga, json: { scopeKind: 'repository', scope: 'team/app', policy: POLICY } });
    assertStatus(reply, 200);
    assert.equal(reply.body.repositories.length, 1);
    assert.deepEqual([reply.body.repositories[0]?.repository, reply.body.repositories[0]?.images, reply.body.repositories[0]?.expired], ['team/app', 1, []]);
    assertError(await api(registry, 'GET', APP, { auth: ADMIN }), 404, 'NOT_FOUND');
  });
});
