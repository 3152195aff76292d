import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { bearerFor, pushImageAs, seedImage, v2 } from '../auth/support.js';
import { ADMIN, api, assertError, assertStatus, auditEvents, basic, createNamespace, createUser, createRobot, startApiRegistry, type RobotListJson } from './support.js';

describe('admin API: robots', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let alice: string;
  let bob: string;

  before(async () => {
    registry = await startApiRegistry();
    alice = await createUser(registry, 'alice', 'alice-password-1');
    bob = await createUser(registry, 'bob', 'bob-password-1');
    await createNamespace(registry, 'team', { alice: 'owner', bob: 'developer' });
    await createNamespace(registry, 'other');
    await seedImage(registry, 'team/app', 'v1', imageManifest());
    await seedImage(registry, 'other/app', 'v1', imageManifest());
  });

  after(async () => {
    await registry?.stop();
  });

  it('creates a robot (201) whose secret is shown once and works as Basic credentials on /v2', async () => {
    const robot = await createRobot(registry, ADMIN, { name: 'ci', description: 'pulls team/app', grants: [{ repository: 'team/app', actions: ['pull'] }] });
    assert.equal(robot.login, 'robot$ci');
    assert.match(robot.secret, /^berth_robot_/);
    assert.equal(robot.createdBy, 'admin');
    assert.equal(robot.description, 'pulls team/app');
    const tags = await v2(registry, 'team/app/tags/list', basic(robot.login, robot.secret));
    assert.equal(tags.status, 200);
    assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, ['v1']);
    // Its grant is pull on team/app only.
    assert.equal((await v2(registry, 'other/app/tags/list', basic(robot.login, robot.secret))).status, 403);
    const list = await api<RobotListJson>(registry, 'GET', '/robots', { auth: ADMIN });
    assertStatus(list, 200);
    const listed = list.body.robots.find((r) => r.id === robot.id);
    assert.ok(listed);
    assert.equal(listed.secret, undefined);
    assert.ok(!list.text.includes(robot.secret));
    assert.ok(!list.text.includes('berth_robot_'));
  });

  it('answers /me for a robot but refuses it everything administrative (403)', async () => {
    const robot = await createRobot(registry, ADMIN, { name: 'me-bot', grants: [{ repository: 'team/*', actions: ['pull', 'push'] }] });
    const auth = basic(robot.login, robot.secret);
    const me = await api<{ kind: string; name: string; credential: { id: string } }>(registry, 'GET', '/me', { auth });
    assertStatus(me, 200);
    assert.deepEqual([me.body.kind, me.body.name, me.body.credential.id], ['robot', 'robot$me-bot', robot.id]);
    assertError(await api(registry, 'GET', '/users', { auth }), 403, 'DENIED');
    assertError(await api(registry, 'POST', '/robots', { auth, json: { name: 'child', grants: [{ repository: 'team/app', actions: ['pull'] }] } }), 403, 'DENIED');
  });

  it('returns 409 CONFLICT for a second robot of the same name', async () => {
    await createRobot(registry, ADMIN, { name: 'dup', grants: [{ repository: '*', actions: ['pull'] }] });
    assertError(await api(registry, 'POST', '/robots', { auth: ADMIN, json: { name: 'dup', grants: [{ repository: '*', actions: ['pull'] }] } }), 409, 'CONFLICT');
  });

  it('lets a namespace owner create a robot inside their namespace', async () => {
    const robot = await createRobot(registry, alice, { name: 'team-deployer', grants: [{ repository: 'team/*', actions: ['pull', 'push'] }, { repository: 'team/app', actions: ['delete'] }] });
    assert.equal(robot.createdBy, 'alice');
    assert.equal(await pushImageAs(registry, 'team/tool', 'v1', imageManifest(), basic(robot.login, robot.secret)), 201);
  });

  it('lets a user create robots in their personal namespace', async () => {
    const robot = await createRobot(registry, alice, { name: 'alice-bot', grants: [{ repository: 'alice/*', actions: ['pull', 'push'] }] });
    assert.equal(await pushImageAs(registry, 'alice/tool', 'v1', imageManifest(), basic(robot.login, robot.secret)), 201);
  });

  it("refuses (403) a namespace owner's robot reaching outside their namespaces, creating nothing", async () => {
    const outside = [
      [{ repository: 'other/app', actions: ['pull'] }],
      [{ repository: 'other/*', actions: ['pull'] }],
      [{ repository: '*', actions: ['pull'] }],
      [{ repository: 'alpine', actions: ['pull'] }],
      [{ repository: 'team/*', actions: ['pull'] }, { repository: 'other/app', actions: ['pull'] }],
    ];
    for (const grants of outside) assertError(await api(registry, 'POST', '/robots', { auth: alice, json: { name: 'escape', grants } }), 403, 'DENIED');
    const list = await api<RobotListJson>(registry, 'GET', '/robots', { auth: ADMIN });
    assert.ok(!list.body.robots.some((r) => r.name === 'escape'));
  });

  it('refuses (403) a robot from a member who does not own the namespace', async () => {
    assertError(await api(registry, 'POST', '/robots', { auth: bob, json: { name: 'bobs', grants: [{ repository: 'team/app', actions: ['pull'] }] } }), 403, 'DENIED');
  });

  it('returns 400 for bad names, grants and expiries', async () => {
    const bad = [
      { name: 'Bad Name', grants: [{ repository: 'team/app', actions: ['pull'] }] },
      { name: 'robot$x', grants: [{ repository: 'team/app', actions: ['pull'] }] },
      { name: 'nogrants', grants: [] },
      { name: 'manage', grants: [{ repository: 'team/app', actions: ['manage'] }] },
      { name: 'pattern', grants: [{ repository: 'team/**', actions: ['pull'] }] },
      { name: 'past', grants: [{ repository: 'team/app', actions: ['pull'] }], expiresAt: '2001-01-01T00:00:00Z' },
      { name: 'zero', grants: [{ repository: 'team/app', actions: ['pull'] }], expiresInDays: 0 },
      { name: 'extra', grants: [{ repository: 'team/app', actions: ['pull'], tag: 'x' }] },
      { name: 'extra', grants: [{ repository: 'team/app', actions: ['pull'] }], owner: 'alice' },
    ];
    for (const body of bad) assertError(await api(registry, 'POST', '/robots', { auth: ADMIN, json: body }), 400, 'INVALID_REQUEST');
  });

  it("lists every robot for an admin; for others their own and every robot granted in a namespace they own, whoever made it", async () => {
    const all = await api<RobotListJson>(registry, 'GET', '/robots', { auth: ADMIN });
    const mine = await api<RobotListJson>(registry, 'GET', '/robots', { auth: alice });
    const bobs = await api<RobotListJson>(registry, 'GET', '/robots', { auth: bob });
    assert.ok(all.body.robots.some((r) => r.name === 'ci') && all.body.robots.some((r) => r.name === 'team-deployer'));
    // ci and me-bot are the admin's, granted on team/app and team/*: alice owns team, so they are hers to see.
    assert.deepEqual(mine.body.robots.map((r) => r.name).sort(), ['alice-bot', 'ci', 'me-bot', 'team-deployer']);
    assert.deepEqual(bobs.body.robots, []);
  });

  it("lets a namespace owner revoke an admin's robot granted in their namespace (204), but not a developer nor an owner elsewhere (403)", async () => {
    const robot = await createRobot(registry, ADMIN, { name: 'admins-team-bot', grants: [{ repository: 'team/*', actions: ['pull', 'push'] }] });
    const elsewhere = await createRobot(registry, ADMIN, { name: 'admins-other-bot', grants: [{ repository: 'other/*', actions: ['pull'] }] });
    assertError(await api(registry, 'DELETE', `/robots/${robot.id}`, { auth: bob }), 403, 'DENIED');
    assertError(await api(registry, 'DELETE', `/robots/${elsewhere.id}`, { auth: alice }), 403, 'DENIED');
    assertStatus(await api(registry, 'DELETE', `/robots/${robot.id}`, { auth: alice }), 204);
    assert.equal((await v2(registry, 'team/app/tags/list', basic(robot.login, robot.secret))).status, 401);
    const mine = await api<RobotListJson>(registry, 'GET', '/robots', { auth: alice });
    assert.ok(!mine.body.robots.some((r) => r.name === 'admins-other-bot'), mine.text);
  });

  it('revokes a robot (204) so its secret gets 401 at once, and repeating the revoke answers 204', async () => {
    const robot = await createRobot(registry, alice, { name: 'short-term', grants: [{ repository: 'team/app', actions: ['pull'] }] });
    const auth = basic(robot.login, robot.secret);
    assert.equal((await v2(registry, 'team/app/tags/list', auth)).status, 200);
    assertError(await api(registry, 'DELETE', `/robots/${robot.id}`, { auth: bob }), 403, 'DENIED');
    assertStatus(await api(registry, 'DELETE', `/robots/${robot.id}`, { auth: alice }), 204);
    assert.equal((await v2(registry, 'team/app/tags/list', auth)).status, 401);
    assertStatus(await api(registry, 'DELETE', `/robots/${robot.id}`, { auth: ADMIN }), 204);
    const listed = await api<RobotListJson>(registry, 'GET', '/robots', { auth: alice });
    assert.ok(listed.body.robots.find((r) => r.id === robot.id)?.revokedAt);
  });

  it('returns 404 NOT_FOUND when revoking an unknown robot', async () => {
    assertError(await api(registry, 'DELETE', '/robots/00000000-0000-0000-0000-000000000000', { auth: ADMIN }), 404, 'NOT_FOUND');
    const token = await api<{ id: string }>(registry, 'POST', '/users/alice/tokens', { auth: alice, json: { name: 'not-a-robot' } });
    assertError(await api(registry, 'DELETE', `/robots/${token.body.id}`, { auth: ADMIN }), 404, 'NOT_FOUND');
  });

  it('refuses an expired robot with 401', async () => {
    const robot = await createRobot(registry, ADMIN, { name: 'expiring', grants: [{ repository: 'team/app', actions: ['pull'] }], expiresAt: new Date(Date.now() + 1200).toISOString() });
    const auth = basic(robot.login, robot.secret);
    assert.equal((await v2(registry, 'team/app/tags/list', auth)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await v2(registry, 'team/app/tags/list', auth)).status, 401);
  });

  it('sets expiresAt from expiresInDays', async () => {
    const robot = await createRobot(registry, ADMIN, { name: 'weekly', grants: [{ repository: 'team/app', actions: ['pull'] }], expiresInDays: 7 });
    const days = (Date.parse(robot.expiresAt ?? '') - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `expires in ${days} days`);
  });
  it('revokes the robots granted in a namespace when it is deleted, so re-creating the name revives none of them', async () => {
    await createNamespace(registry, 'gone', { alice: 'owner' });
    const robot = await createRobot(registry, ADMIN, { name: 'gone-ci', grants: [{ repository: 'gone/*', actions: ['pull', 'push'] }] });
    const keeper = await createRobot(registry, ADMIN, { name: 'team-reader', grants: [{ repository: 'team/app', actions: ['pull'] }] });
    const auth = basic(robot.login, robot.secret);
    const token = await bearerFor(registry, ['repository:gone/app:pull'], auth);
    // Authorised: the repository just doesn't exist yet.
    assert.equal((await v2(registry, 'gone/app/tags/list', token)).status, 404);

    assertStatus(await api(registry, 'DELETE', '/namespaces/gone', { auth: ADMIN }), 204);
    await createNamespace(registry, 'gone', { bob: 'owner' });

    assert.equal((await v2(registry, 'gone/app/tags/list', auth)).status, 401);
    assert.equal((await v2(registry, 'gone/app/tags/list', token)).status, 401);
    assert.equal((await v2(registry, 'team/app/tags/list', basic(keeper.login, keeper.secret))).status, 200);
    const events = await auditEvents(registry, { action: 'robot.revoke', target: 'robot$gone-ci' });
    assert.deepEqual(events.map((e) => [e.outcome, (e.detail as { reason?: string } | undefined)?.reason]), [['success', 'namespace "gone" was deleted']]);
  });
});
