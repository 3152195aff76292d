import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { addNamespace, addPersonalToken, addRobot, addUser, basic, bearerFor, seedImage, startAuthRegistry, v2 } from './support.js';

type Errors = { errors: { code: string; message: string; detail?: Record<string, unknown> }[] };

describe('a robot or personal access token refused outside its grant hears the grant in the DENIED detail (issue 10, point 8)', { timeout: 60_000 }, () => {
  let registry: TestRegistry;

  before(async () => {
    registry = await startAuthRegistry();
    await addUser(registry, 'olga', 'olga-password-1');
    await addNamespace(registry, 'team', 'private', { olga: 'maintainer' });
    await addNamespace(registry, 'other', 'private', { olga: 'maintainer' });
    await seedImage(registry, 'team/app', 'v1', imageManifest());
  });
  after(async () => registry.stop());

  it('answers a robot pushing outside team/* with 403 DENIED whose detail says "robot$ci may push only to team/*", with Basic and with a token', async () => {
    const robot = await addRobot(registry, 'ci', [{ repository: 'team/*', actions: ['pull', 'push'] }]);
    const bearer = await bearerFor(registry, ['repository:other/app:pull,push'], robot.authorization);
    for (const authorization of [robot.authorization, bearer]) {
      const response = await v2(registry, 'other/app/blobs/uploads/', authorization, { method: 'POST', headers: { 'Content-Length': '0' } });
      assert.equal(response.status, 403);
      assert.deepEqual((await response.json()) as Errors, {
        errors: [
          {
            code: 'DENIED',
            message: 'requested access to the resource is denied',
            detail: { reason: 'robot$ci may push only to team/*', repository: 'other/app', action: 'push', grants: [{ repository: 'team/*', actions: ['pull', 'push'] }] },
          },
        ],
      });
    }
  });

  it("names the missing action when a personal access token holds no grant for it, and keeps a role refusal's body plain", async () => {
    const pat = await addPersonalToken(registry, 'olga', 'pull-only', [{ repository: 'team/*', actions: ['pull'] }]);
    const response = await v2(registry, 'team/app/blobs/uploads/', pat.authorization, { method: 'POST', headers: { 'Content-Length': '0' } });
    assert.equal(response.status, 403);
    const body = (await response.json()) as Errors;
    assert.equal(body.errors[0]?.detail?.reason, 'the access token of olga has no grant to push');
    // A user refused by its role (no grant involved) gets the plain DENIED.
    await addUser(registry, 'pete', 'pete-password-1');
    const plain = await v2(registry, 'team/app/blobs/uploads/', basic('pete', 'pete-password-1'), { method: 'POST', headers: { 'Content-Length': '0' } });
    assert.equal(plain.status, 403);
    assert.deepEqual((await plain.json()) as Errors, { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
  });
});
