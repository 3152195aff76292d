import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newSecret, secretHash } from '../../src/auth/credentials.js';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { pushImageAs, seedImage, tokenResponse, v2 } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, basic, createNamespace, createUser, createRobot, startApiRegistry, type RobotListJson } from './support.js';

/** Robots belong to a namespace (issue 10, point 4): names, logins and rights are per namespace. */
describe('admin API: robots belong to their namespace', { timeout: 60_000 }, () => {
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
    await createNamespace(registry, 'other', { carol: 'owner' });
    await seedImage(registry, 'team/app', 'v1', imageManifest());
    await seedImage(registry, 'other/app', 'v1', imageManifest());
  });

  after(async () => {
    await registry?.stop();
  });

  it("names an owner's robot in the namespace its grants lie in: robot$team+deploy, and the name stays free in other namespaces", async () => {
    const teams = await createRobot(registry, alice, { name: 'deploy', grants: [{ repository: 'team/*', actions: ['pull', 'push'] }] });
    assert.deepEqual([teams.namespace, teams.login], ['team', 'robot$team+deploy']);
    const others = await createRobot(registry, carol, { name: 'deploy', grants: [{ repository: 'other/*', actions: ['pull', 'push'] }] });
    assert.deepEqual([others.namespace, others.login], ['other', 'robot$other+deploy']);
    const system = await createRobot(registry, ADMIN, { name: 'deploy', grants: [{ repository: '*', actions: ['pull'] }] });
    assert.deepEqual([system.namespace, system.login], [undefined, 'robot$deploy']);

    assert.equal(await pushImageAs(registry, 'team/tool', 'v1', imageManifest(), basic(teams.login, teams.secret)), 201);
    assert.equal(await pushImageAs(registry, 'other/tool', 'v1', imageManifest(), basic(others.login, others.secret)), 201);
    // Each secret works with its own login only.
    assert.equal((await v2(registry, 'team/app/tags/list', basic(others.login, teams.secret))).status, 401);
    assert.equal((await v2(registry, 'team/app/tags/list', basic('robot$deploy', teams.secret))).status, 401);
    const token = await tokenResponse(registry, ['repository:team/app:pull'], basic(teams.login, teams.secret));
    assert.equal(typeof token.token, 'string');
  });

  it('refuses (409) a second robot of one name in one namespace, naming the namespace', async () => {
    const error = assertError(await api(registry, 'POST', '/robots', { auth: alice, json: { name: 'deploy', grants: [{ repository: 'team/app', actions: ['pull'] }] } }), 409, 'CONFLICT');
    assert.equal(error.message, 'a robot "deploy" exists in namespace "team"');
    // An admin naming the namespace meets the same robot.
    assertError(await api(registry, 'POST', '/robots', { auth: ADMIN, json: { name: 'deploy', namespace: 'team', grants: [{ repository: 'team/app', actions: ['pull'] }] } }), 409, 'CONFLICT');
  });

  it('refuses (400) grants spanning two namespaces, even both owned, creating nothing', async () => {
    const grants = [
      { repository: 'team/app', actions: ['pull'] },
      { repository: 'alice/app', actions: ['pull'] },
    ];
    const error = assertError(await api(registry, 'POST', '/robots', { auth: alice, json: { name: 'straddle', grants } }), 400, 'INVALID_REQUEST');
    assert.match(error.message, /one namespace.*"team", "alice"/);
    const list = await api<RobotListJson>(registry, 'GET', '/robots', { auth: ADMIN });
    assert.ok(!list.body.robots.some((r) => r.name === 'straddle'));
  });

  it('with an explicit namespace, refuses grants outside it for admins too (400), and a namespace the caller does not own (403)', async () => {
    for (const repository of ['other/app', 'other/*', '*', 'team']) {
      const body = { name: 'outside', namespace: 'team', grants: [{ repository, actions: ['pull'] }] };
      assertError(await api(registry, 'POST', '/robots', { auth: ADMIN, json: body }), 400, 'INVALID_REQUEST');
    }
    assertError(await api(registry, 'POST', '/robots', { auth: bob, json: { name: 'bobs', namespace: 'team', grants: [{ repository: 'team/app', actions: ['pull'] }] } }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/robots', { auth: alice, json: { name: 'hers', namespace: 'other', grants: [{ repository: 'other/app', actions: ['pull'] }] } }), 403, 'DENIED');
    const events = await auditEvents(registry, { action: 'robot.create', target: 'robot$other+hers' });
    assert.deepEqual(events.map((e) => e.outcome), ['denied']);
  });

  it("gives an admin's robot made for a namespace to that namespace's owners: they list and revoke it", async () => {
    const robot = await createRobot(registry, ADMIN, { name: 'admins-gift', namespace: 'team', grants: [{ repository: 'team/app', actions: ['pull'] }] });
    assert.equal(robot.login, 'robot$team+admins-gift');
    const mine = await api<RobotListJson>(registry, 'GET', '/robots', { auth: alice });
    assert.ok(mine.body.robots.some((r) => r.id === robot.id && r.namespace === 'team'));
    const carols = await api<RobotListJson>(registry, 'GET', '/robots', { auth: carol });
    assert.ok(!carols.body.robots.some((r) => r.id === robot.id));
    assertStatus(await api(registry, 'DELETE', `/robots/${robot.id}`, { auth: alice }), 204);
    assert.equal((await v2(registry, 'team/app/tags/list', basic(robot.login, robot.secret))).status, 401);
  });

  it('keeps a robot working after its creator loses the namespace: it belongs to the namespace, not to them', async () => {
    await createUser(registry, 'dora', 'dora-password-1');
    const dora = basic('dora', 'dora-password-1');
    assertStatus(await api(registry, 'PUT', '/namespaces/team/members/user/dora', { auth: ADMIN, json: { role: 'owner' } }), 200);
    const robot = await createRobot(registry, dora, { name: 'doras-ci', grants: [{ repository: 'team/*', actions: ['pull', 'push'] }] });
    assertStatus(await api(registry, 'DELETE', '/namespaces/team/members/user/dora', { auth: alice }), 204);
    assert.equal(await pushImageAs(registry, 'team/doras', 'v1', imageManifest(), basic(robot.login, robot.secret)), 201);
    // The namespace's remaining owner still sees and controls it.
    const mine = await api<RobotListJson>(registry, 'GET', '/robots', { auth: alice });
    assert.ok(mine.body.robots.some((r) => r.id === robot.id));
  });

  it("ignores a namespace robot's grants outside its namespace at use (a row written before the rule), on /v2 and at /token", async () => {
    const secret = newSecret('robot');
    const grants = [
      { repository: 'team/app', actions: ['pull'] },
      { repository: 'other/*', actions: ['pull', 'push'] },
      { repository: '*', actions: ['pull'] },
    ];
    const created = await registry.berth.store.credentials.create({ id: randomUUID(), kind: 'robot', owner: 'team', name: 'legacy', secretHash: secretHash(secret), grants, createdBy: 'admin' });
    assert.ok(created);
    const auth = basic('robot$team+legacy', secret);
    assert.equal((await v2(registry, 'team/app/tags/list', auth)).status, 200);
    assert.equal((await v2(registry, 'other/app/tags/list', auth)).status, 403);
    assert.equal(await pushImageAs(registry, 'other/legacy', 'v1', imageManifest(), auth), 403);
    const token = await tokenResponse(registry, ['repository:other/app:pull', 'repository:team/app:pull'], auth);
    const claims = JSON.parse(Buffer.from(String(token.token).split('.')[1] ?? '', 'base64url').toString()) as { access: { name: string; actions: string[] }[] };
    // Refused scopes are left out of the token (Docker token spec: the access list grants, never lists refusals).
    assert.deepEqual(
      claims.access.map((a) => [a.name, a.actions]),
      [['team/app', ['pull']]],
    );
  });

  it("revokes a namespace's robots when the namespace is deleted, whoever made them", async () => {
    await createNamespace(registry, 'scratch', { alice: 'owner' });
    const robot = await createRobot(registry, ADMIN, { name: 'scratcher', namespace: 'scratch', grants: [{ repository: 'scratch/app', actions: ['pull', 'push'] }] });
    assert.equal(await pushImageAs(registry, 'scratch/app', 'v1', imageManifest(), basic(robot.login, robot.secret)), 201);
    assertStatus(await api(registry, 'DELETE', '/namespaces/scratch?deleteRepositories=true', { auth: ADMIN }), 204);
    assert.equal((await v2(registry, 'scratch/app/tags/list', basic(robot.login, robot.secret))).status, 401);
    const events = await auditEvents(registry, { action: 'robot.revoke', target: 'robot$scratch+scratcher' });
    assert.equal(events.length, 1);
  });
});
