import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';
import {
  ADMIN,
  addNamespace,
  addPersonalToken,
  addRobot,
  addUser,
  basic,
  challengeParams,
  deleteStatus,
  pullStatus,
  pushImageAs,
  seedImage,
  startAuthRegistry,
  tokenResponse,
  v2,
} from './support.js';

const DEV = basic('dev', 'dev-password-1');

/** A response's status, headers (less those that differ per request) and body. */
async function snapshot(response: Response): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!['date', 'x-request-id', 'keep-alive', 'connection'].includes(name)) headers[name] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

describe('Basic credentials on /v2: users, robots and personal access tokens', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  const past = new Date(Date.now() - 60_000);
  const future = new Date(Date.now() + 3_600_000);

  before(async () => {
    registry = await startAuthRegistry();
    await addUser(registry, 'dev', 'dev-password-1');
    // Wrong passwords are tried on their own users, so the failed-login throttle never blocks dev.
    await addUser(registry, 'victim', 'victim-password-1');
    await addUser(registry, 'victim2', 'victim-password-2');
    await addNamespace(registry, 'acme', 'private', { dev: 'developer', victim: 'developer', victim2: 'developer' });
    await addNamespace(registry, 'other', 'private');
    await addNamespace(registry, 'pub', 'public');
    await seedImage(registry, 'acme/app', 'v1', imageManifest());
    await seedImage(registry, 'other/app', 'v1', imageManifest());
    await seedImage(registry, 'pub/app', 'v1', imageManifest());
  });
  after(async () => registry.stop());

  describe('users', () => {
    it('lets a user push and pull with Basic credentials, as curl -u does', async () => {
      assert.equal(await pushImageAs(registry, 'acme/basic', 'v1', imageManifest(), DEV), 201);
      assert.equal(await pullStatus(registry, 'acme/basic', 'v1', DEV), 200);
    });

    it('answers a wrong password with 401 UNAUTHORIZED and a plain challenge', async () => {
      const response = await v2(registry, 'acme/app/manifests/v1', basic('victim', 'wrong-password'));
      const params = challengeParams(response);
      assert.equal(params.scope, 'repository:acme/app:pull');
      assert.equal(params.error, undefined);
      await assertError(response, 401, 'UNAUTHORIZED');
    });

    it('answers an unknown user exactly like a wrong password: same status, headers and body', async () => {
      for (const path of ['acme/app/manifests/v1', '', 'acme/app/blobs/uploads/']) {
        const method = path.endsWith('uploads/') ? 'POST' : 'GET';
        const wrong = await snapshot(await v2(registry, path, basic('victim', 'wrong-password'), { method }));
        const unknown = await snapshot(await v2(registry, path, basic('nobody-at-all', 'wrong-password'), { method }));
        assert.equal(wrong.status, 401);
        assert.deepEqual(unknown, wrong, path);
      }
    });

    it('answers an unknown user exactly like a wrong password at the token endpoint too', async () => {
      const url = `${registry.url}/token?service=berth&scope=repository:acme/app:pull`;
      const wrong = await snapshot(await fetch(url, { headers: { Authorization: basic('victim2', 'wrong-password') } }));
      const unknown = await snapshot(await fetch(url, { headers: { Authorization: basic('nobody-else', 'wrong-password') } }));
      assert.equal(wrong.status, 401);
      assert.deepEqual(unknown, wrong);
    });

    it('answers a disabled user with the right password with 401', async () => {
      await addUser(registry, 'disabled', 'disabled-password-1');
      assert.ok(await registry.berth.store.namespaces.setMember('acme', { kind: 'user', name: 'disabled', role: 'owner' }));
      assert.ok(await registry.berth.store.accounts.update('disabled', { disabled: true }));
      const response = await v2(registry, 'acme/app/manifests/v1', basic('disabled', 'disabled-password-1'));
      await assertError(response, 401, 'UNAUTHORIZED');
      assert.equal((await v2(registry, '', basic('disabled', 'disabled-password-1'))).status, 401);
      const token = await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: basic('disabled', 'disabled-password-1') } });
      assert.equal(token.status, 401);
    });

    it('answers an empty username or password with 401', async () => {
      assert.equal((await v2(registry, '', basic('', 'dev-password-1'))).status, 401);
      assert.equal((await v2(registry, '', basic('dev', ''))).status, 401);
      assert.equal((await v2(registry, '', basic('', ''))).status, 401);
    });

    it('does not take a password with the username in another case', async () => {
      assert.equal((await v2(registry, '', basic('DEV', 'dev-password-1'))).status, 401);
    });
  });

  describe('robot accounts (robot$name + secret)', () => {
    it('lets a robot granted team/*:pull,push push to and pull from team/app', async () => {
      const robot = await addRobot(registry, 'ci', [{ repository: 'acme/*', actions: ['pull', 'push'] }]);
      assert.equal(robot.login, 'robot$ci');
      const image = imageManifest();
      assert.equal(await pushImageAs(registry, 'acme/robot-pushed', 'v1', image, robot.authorization), 201);
      assert.equal(await pullStatus(registry, 'acme/robot-pushed', 'v1', robot.authorization), 200);
      assert.equal(await pullStatus(registry, 'acme/app', 'v1', robot.authorization), 200);
    });

    it('answers the same robot with 403 DENIED on other/app, for pull and push', async () => {
      const robot = await addRobot(registry, 'ci-other', [{ repository: 'acme/*', actions: ['pull', 'push'] }]);
      await assertError(await v2(registry, 'other/app/manifests/v1', robot.authorization), 403, 'DENIED');
      await assertError(await v2(registry, 'other/app/blobs/uploads/', robot.authorization, { method: 'POST', headers: { 'Content-Length': '0' } }), 403, 'DENIED');
      assert.equal(await pushImageAs(registry, 'other/robot', 'v1', imageManifest(), robot.authorization), 403);
    });

    it('does not let a team/* grant reach a namespace whose name merely starts with team', async () => {
      await addNamespace(registry, 'acme-evil', 'private');
      await seedImage(registry, 'acme-evil/app', 'v1', imageManifest());
      const robot = await addRobot(registry, 'ci-prefix', [{ repository: 'acme/*', actions: ['pull', 'push'] }]);
      await assertError(await v2(registry, 'acme-evil/app/manifests/v1', robot.authorization), 403, 'DENIED');
    });

    it('answers the robot deleting a manifest with 403 DENIED, and keeps it', async () => {
      const robot = await addRobot(registry, 'ci-delete', [{ repository: 'acme/*', actions: ['pull', 'push'] }]);
      const image = imageManifest();
      await seedImage(registry, 'acme/keep', 'v1', image);
      assert.equal(await deleteStatus(registry, 'acme/keep', image.manifest.digest, robot.authorization), 403);
      assert.equal(await pullStatus(registry, 'acme/keep', 'v1', ADMIN), 200);
    });

    it('lets a robot with a delete grant delete', async () => {
      const robot = await addRobot(registry, 'ci-cleaner', [{ repository: 'acme/doomed', actions: ['pull', 'delete'] }]);
      const image = imageManifest();
      await seedImage(registry, 'acme/doomed', 'v1', image);
      assert.equal(await deleteStatus(registry, 'acme/doomed', image.manifest.digest, robot.authorization), 202);
    });

    it('lets any robot pull a public repository', async () => {
      const robot = await addRobot(registry, 'ci-public', [{ repository: 'acme/*', actions: ['pull'] }]);
      assert.equal(await pullStatus(registry, 'pub/app', 'v1', robot.authorization), 200);
    });

    it('answers a robot past its expiry with 401', async () => {
      const robot = await addRobot(registry, 'ci-expired', [{ repository: 'acme/*', actions: ['pull', 'push'] }], { expiresAt: past });
      await assertError(await v2(registry, 'acme/app/manifests/v1', robot.authorization), 401, 'UNAUTHORIZED');
      assert.equal((await v2(registry, '', robot.authorization)).status, 401);
    });

    it('accepts a robot whose expiry is still ahead', async () => {
      const robot = await addRobot(registry, 'ci-later', [{ repository: 'acme/*', actions: ['pull'] }], { expiresAt: future });
      assert.equal(await pullStatus(registry, 'acme/app', 'v1', robot.authorization), 200);
    });

    it('answers a revoked robot with 401, at /v2 and at the token endpoint', async () => {
      const robot = await addRobot(registry, 'ci-revoked', [{ repository: 'acme/*', actions: ['pull', 'push'] }]);
      assert.ok(await registry.berth.store.credentials.revoke(robot.id));
      await assertError(await v2(registry, 'acme/app/manifests/v1', robot.authorization), 401, 'UNAUTHORIZED');
      assert.equal((await fetch(`${registry.url}/token?service=berth`, { headers: { Authorization: robot.authorization } })).status, 401);
    });

    it("answers a robot's secret under another login name with 401", async () => {
      const robot = await addRobot(registry, 'ci-named', [{ repository: 'acme/*', actions: ['pull'] }]);
      for (const login of ['robot$other', 'ci-named', 'dev', 'admin']) {
        assert.equal((await v2(registry, 'acme/app/manifests/v1', basic(login, robot.secret))).status, 401, login);
      }
    });

    it('answers a made-up secret with the Berth prefix with 401', async () => {
      assert.equal((await v2(registry, 'acme/app/manifests/v1', basic('robot$ci', 'berth_robot_made-up'))).status, 401);
    });

    it('gets a robot a token with its grants (cut to them) at the token endpoint', async () => {
      const robot = await addRobot(registry, 'ci-token', [{ repository: 'acme/*', actions: ['pull', 'push'] }]);
      const body = await tokenResponse(registry, ['repository:acme/app:pull,push,delete', 'repository:other/app:pull'], robot.authorization);
      const claims = decodeJwt(body.token as string);
      assert.equal(claims.sub, 'robot$ci-token');
      assert.deepEqual(claims.access, [{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }]);
    });
  });

  describe('personal access tokens (user + secret)', () => {
    it('lets a token with pull,push push and pull like its user', async () => {
      const pat = await addPersonalToken(registry, 'dev', 'laptop', [{ repository: '*', actions: ['pull', 'push'] }]);
      assert.equal(pat.login, 'dev');
      assert.equal(await pushImageAs(registry, 'acme/pat-pushed', 'v1', imageManifest(), pat.authorization), 201);
      assert.equal(await pullStatus(registry, 'acme/pat-pushed', 'v1', pat.authorization), 200);
    });

    it('answers a pull-only token pushing with 403 DENIED, though its user may push', async () => {
      const pat = await addPersonalToken(registry, 'dev', 'read-only', [{ repository: 'acme/*', actions: ['pull'] }]);
      assert.equal(await pullStatus(registry, 'acme/app', 'v1', pat.authorization), 200);
      assert.equal(await pushImageAs(registry, 'acme/pat-denied', 'v1', imageManifest(), pat.authorization), 403);
      await assertError(await v2(registry, 'acme/pat-denied/blobs/uploads/', pat.authorization, { method: 'POST', headers: { 'Content-Length': '0' } }), 403, 'DENIED');
    });

    it("never gives more than its user's rights, whatever its grants say", async () => {
      const pat = await addPersonalToken(registry, 'dev', 'greedy', [{ repository: '*', actions: ['pull', 'push', 'delete'] }]);
      const image = imageManifest();
      await seedImage(registry, 'acme/kept', 'v1', image);
      assert.equal(await deleteStatus(registry, 'acme/kept', image.manifest.digest, pat.authorization), 403);
      await assertError(await v2(registry, 'other/app/manifests/v1', pat.authorization), 403, 'DENIED');
    });

    it("cuts an admin's rights to the token's grants too", async () => {
      const pat = await addPersonalToken(registry, 'admin', 'admin-read', [{ repository: '*', actions: ['pull'] }]);
      assert.equal(await pullStatus(registry, 'other/app', 'v1', pat.authorization), 200);
      assert.equal(await pushImageAs(registry, 'other/admin-pat', 'v1', imageManifest(), pat.authorization), 403);
      const body = await tokenResponse(registry, ['repository:other/app:pull,push,delete'], pat.authorization);
      assert.deepEqual(decodeJwt(body.token as string).access, [{ type: 'repository', name: 'other/app', actions: ['pull'] }]);
    });

    it("answers a token under another user's name with 401", async () => {
      await addUser(registry, 'mallory', 'mallory-password-1');
      const pat = await addPersonalToken(registry, 'dev', 'stolen', [{ repository: '*', actions: ['pull'] }]);
      assert.equal((await v2(registry, 'acme/app/manifests/v1', basic('mallory', pat.secret))).status, 401);
      assert.equal((await v2(registry, 'acme/app/manifests/v1', basic('admin', pat.secret))).status, 401);
    });

    it('answers an expired or revoked token with 401', async () => {
      const expired = await addPersonalToken(registry, 'dev', 'old', [{ repository: '*', actions: ['pull'] }], { expiresAt: past });
      assert.equal((await v2(registry, 'acme/app/manifests/v1', expired.authorization)).status, 401);
      const revoked = await addPersonalToken(registry, 'dev', 'lost', [{ repository: '*', actions: ['pull'] }]);
      assert.ok(await registry.berth.store.credentials.revoke(revoked.id));
      assert.equal((await v2(registry, 'acme/app/manifests/v1', revoked.authorization)).status, 401);
    });

    it('answers the token of a disabled user with 401', async () => {
      await addUser(registry, 'sleeper', 'sleeper-password-1');
      const pat = await addPersonalToken(registry, 'sleeper', 'ci', [{ repository: '*', actions: ['pull'] }]);
      assert.ok(await registry.berth.store.accounts.update('sleeper', { disabled: true }));
      assert.equal((await v2(registry, 'pub/app/manifests/v1', pat.authorization)).status, 401);
    });
  });
});
