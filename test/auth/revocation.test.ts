import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest } from '../support/fixtures.js';
import { dropTestSchema, postgresTestUrl } from '../support/postgres.js';
import { redisTestSettings } from '../support/redis.js';
import type { TestRegistry } from '../support/registry.js';
import { tempFolder } from '../e2e/support/run.js';
import { ADMIN, addNamespace, addPersonalToken, addRobot, addUser, basic, bearerFor, pullStatus, seedImage, startAuthRegistry } from './support.js';

/** An admin API call with the admin's Basic credentials. */
async function admin(registry: TestRegistry, method: string, path: string, json?: unknown): Promise<number> {
  const response = await fetch(`${registry.url}/api/v1${path}`, {
    method,
    headers: { Authorization: ADMIN, ...(json === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('revocation acts at once on /v2 bearer tokens (issue 10, point 3)', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  const image = imageManifest();
  const scope = ['repository:team/app:pull'];

  before(async () => {
    registry = await startAuthRegistry();
    for (const name of ['dana', 'erin', 'finn', 'gail']) await addUser(registry, name, `${name}-password-1`);
    await addNamespace(registry, 'team', 'private', { dana: 'reader', erin: 'reader', finn: 'reader', gail: 'reader' });
    await seedImage(registry, 'team/app', 'v1', image);
  });
  after(async () => registry.stop());

  it("refuses a disabled user's existing bearer token with 401 on the very next request", async () => {
    const token = await bearerFor(registry, scope, basic('dana', 'dana-password-1'));
    assert.equal(await pullStatus(registry, 'team/app', 'v1', token), 200);
    assert.equal(await admin(registry, 'PATCH', '/users/dana', { disabled: true }), 200);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', token), 401);
  });

  it('keeps a token issued before the user was disabled refused after the user is enabled again', async () => {
    const token = await bearerFor(registry, scope, basic('erin', 'erin-password-1'));
    assert.equal(await pullStatus(registry, 'team/app', 'v1', token), 200);
    assert.equal(await admin(registry, 'PATCH', '/users/erin', { disabled: true }), 200);
    assert.equal(await admin(registry, 'PATCH', '/users/erin', { disabled: false }), 200);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', token), 401);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', await bearerFor(registry, scope, basic('erin', 'erin-password-1'))), 200);
  });

  it("refuses a deleted user's token, and one issued before a password change", async () => {
    const finn = await bearerFor(registry, scope, basic('finn', 'finn-password-1'));
    const gail = await bearerFor(registry, scope, basic('gail', 'gail-password-1'));
    assert.equal(await pullStatus(registry, 'team/app', 'v1', finn), 200);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', gail), 200);
    assert.equal(await admin(registry, 'DELETE', '/users/finn'), 204);
    assert.equal(await admin(registry, 'PUT', '/users/gail/password', { password: 'gail-password-2' }), 204);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', finn), 401);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', gail), 401);
  });

  it("refuses a revoked robot's and a revoked personal access token's bearer tokens with 401 at once", async () => {
    const robot = await addRobot(registry, 'revoked-ci', [{ repository: 'team/*', actions: ['pull'] }]);
    await addUser(registry, 'hana', 'hana-password-1');
    const pat = await addPersonalToken(registry, 'hana', 'laptop', [{ repository: '*', actions: ['pull'] }]);
    assert.ok(await registry.berth.store.namespaces.setMember('team', { kind: 'user', name: 'hana', role: 'reader' }));
    const robotToken = await bearerFor(registry, scope, robot.authorization);
    const patToken = await bearerFor(registry, scope, pat.authorization);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', robotToken), 200);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', patToken), 200);
    assert.equal(await admin(registry, 'DELETE', `/robots/${robot.id}`), 204);
    assert.equal(await admin(registry, 'DELETE', `/users/hana/tokens/${pat.id}`), 204);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', robotToken), 401);
    assert.equal(await pullStatus(registry, 'team/app', 'v1', patToken), 401);
  });
});

describe('revocation reaches the other node through Redis (PostgreSQL + Redis, two registries)', { timeout: 60_000 }, () => {
  let a: TestRegistry;
  let b: TestRegistry;
  let metadataUrl: string;
  let storage: { path: string; remove(): Promise<void> };

  before(async () => {
    metadataUrl = postgresTestUrl();
    storage = await tempFolder('revocation-two-nodes');
    const redis = redisTestSettings();
    const settings = { BERTH_METADATA_URL: metadataUrl, BERTH_STORAGE_FILESYSTEM_ROOT: storage.path, BERTH_REDIS_URL: redis.url, BERTH_REDIS_KEY_PREFIX: redis.keyPrefix };
    a = await startAuthRegistry(settings);
    b = await startAuthRegistry(settings);
    await addUser(a, 'ivan', 'ivan-password-1');
    await addNamespace(a, 'team', 'private', { ivan: 'reader' });
    await seedImage(a, 'team/app', 'v1', imageManifest());
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropTestSchema(metadataUrl);
    await storage?.remove();
  });

  it('refuses on the other node a token of a user disabled on the first, within a generous bound', async () => {
    const token = await bearerFor(b, ['repository:team/app:pull'], basic('ivan', 'ivan-password-1'));
    assert.equal(await pullStatus(b, 'team/app', 'v1', token), 200);
    assert.equal(await admin(a, 'PATCH', '/users/ivan', { disabled: true }), 200);
    assert.equal(await pullStatus(a, 'team/app', 'v1', token), 401);
    // The stamp is cached for at most a second on b, and Redis tells b sooner; poll, bounded at 10 s.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      status = await pullStatus(b, 'team/app', 'v1', token);
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, 401);
  });
});
