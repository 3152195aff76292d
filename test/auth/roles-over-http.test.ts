import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { imageManifest } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';
import { ADMIN, addNamespace, addUser, basic, bearerFor, deleteStatus, pullStatus, pushImageAs, seedImage, startAuthRegistry, tokenFor, v2 } from './support.js';

/** What one principal gets for a pull, a push and a manifest delete. */
interface Outcome {
  pull: number;
  push: number;
  delete: number;
}

const FULL: Outcome = { pull: 200, push: 201, delete: 202 };
const WRITE: Outcome = { pull: 200, push: 201, delete: 403 };
const READ: Outcome = { pull: 200, push: 403, delete: 403 };
const NONE: Outcome = { pull: 403, push: 403, delete: 403 };

describe('namespace roles over HTTP', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let counter = 0;

  const people: Record<string, { password: string; groups?: string[] }> = {
    owner: { password: 'owner-password-1' },
    maintainer: { password: 'maintainer-password-1' },
    developer: { password: 'developer-password-1' },
    reader: { password: 'reader-password-1' },
    outsider: { password: 'outsider-password-1' },
    grouped: { password: 'grouped-password-1', groups: ['devs'] },
    readgroup: { password: 'readgroup-password-1', groups: ['readers'] },
    twogroups: { password: 'twogroups-password-1', groups: ['readers', 'devs'] },
    alice: { password: 'alice-password-1' },
    bob: { password: 'bob-password-1' },
  };
  const login = (name: string): string => basic(name, people[name]?.password ?? '');

  before(async () => {
    registry = await startAuthRegistry();
    for (const [name, { password, groups }] of Object.entries(people)) await addUser(registry, name, password, groups ? { groups } : {});
    await addNamespace(registry, 'corp', 'private', {
      owner: 'owner',
      maintainer: 'maintainer',
      developer: 'developer',
      reader: 'reader',
      'group:devs': 'developer',
      'group:readers': 'reader',
    });
  });
  after(async () => registry.stop());

  /** Pulls, pushes and deletes on a fresh repository of `namespace` as `authorization`. */
  async function outcome(namespace: string, authorization: string): Promise<Outcome> {
    const name = `${namespace}/repo${++counter}`;
    const seeded = imageManifest();
    await seedImage(registry, name, 'v1', seeded);
    return {
      pull: await pullStatus(registry, name, 'v1', authorization),
      push: await pushImageAs(registry, name, 'v2', imageManifest(), authorization),
      delete: await deleteStatus(registry, name, seeded.manifest.digest, authorization),
    };
  }

  /** The same through a token asked for pull,push,delete on the repository. */
  async function tokenOutcome(namespace: string, who: string): Promise<Outcome> {
    const name = `${namespace}/repo${++counter}`;
    const seeded = imageManifest();
    await seedImage(registry, name, 'v1', seeded);
    const authorization = await bearerFor(registry, [`repository:${name}:pull,push,delete`], login(who));
    return {
      pull: await pullStatus(registry, name, 'v1', authorization),
      push: await pushImageAs(registry, name, 'v2', imageManifest(), authorization),
      delete: await deleteStatus(registry, name, seeded.manifest.digest, authorization),
    };
  }

  describe('a private namespace', () => {
    const table: [string, Outcome][] = [
      ['owner', FULL],
      ['maintainer', FULL],
      ['developer', WRITE],
      ['reader', READ],
      ['outsider', NONE],
    ];
    for (const [who, expected] of table) {
      it(`gives the ${who} pull ${expected.pull}, push ${expected.push}, delete ${expected.delete} with Basic credentials`, async () => {
        assert.deepEqual(await outcome('corp', login(who)), expected);
      });
      it(`gives the ${who} the same through a token from /token`, async () => {
        assert.deepEqual(await tokenOutcome('corp', who), expected);
      });
    }

    it('gives the admin everything without any membership', async () => {
      assert.deepEqual(await outcome('corp', ADMIN), FULL);
    });

    it('answers a non-member with 403 DENIED, not 404, for a repository that does not exist', async () => {
      await assertError(await v2(registry, 'corp/never-pushed/manifests/v1', login('outsider')), 403, 'DENIED');
      await assertError(await v2(registry, 'corp/never-pushed/tags/list', login('outsider')), 403, 'DENIED');
    });

    it('answers anonymous requests with 401 for pull, push and delete', async () => {
      assert.deepEqual(await outcome('corp', ''), { pull: 401, push: 401, delete: 401 });
    });

    it('grants a token each role its actions and nothing more', async () => {
      const expected: Record<string, string[]> = {
        owner: ['pull', 'push', 'delete'],
        maintainer: ['pull', 'push', 'delete'],
        developer: ['pull', 'push'],
        reader: ['pull'],
      };
      for (const [who, actions] of Object.entries(expected)) {
        const token = await tokenFor(registry, ['repository:corp/app:*'], login(who));
        assert.deepEqual(decodeJwt(token).access, [{ type: 'repository', name: 'corp/app', actions }], who);
      }
      assert.deepEqual(decodeJwt(await tokenFor(registry, ['repository:corp/app:*'], login('outsider'))).access, []);
    });

    it('takes a role change into account on the next request', async () => {
      const name = `corp/repo${++counter}`;
      await seedImage(registry, name, 'v1', imageManifest());
      await addUser(registry, 'promoted', 'promoted-password-1');
      const who = basic('promoted', 'promoted-password-1');
      assert.equal(await pullStatus(registry, name, 'v1', who), 403);
      assert.ok(await registry.berth.store.namespaces.setMember('corp', { kind: 'user', name: 'promoted', role: 'reader' }));
      assert.equal(await pullStatus(registry, name, 'v1', who), 200);
      assert.equal(await pushImageAs(registry, name, 'v2', imageManifest(), who), 403);
      assert.ok(await registry.berth.store.namespaces.setMember('corp', { kind: 'user', name: 'promoted', role: 'developer' }));
      assert.equal(await pushImageAs(registry, name, 'v2', imageManifest(), who), 201);
      assert.ok(await registry.berth.store.namespaces.removeMember('corp', 'user', 'promoted'));
      assert.equal(await pullStatus(registry, name, 'v1', who), 403);
    });

    it('keeps nested repositories in their namespace: corp/a/b/c follows corp', async () => {
      const name = 'corp/deep/er/still';
      await seedImage(registry, name, 'v1', imageManifest());
      assert.equal(await pullStatus(registry, name, 'v1', login('reader')), 200);
      assert.equal(await pullStatus(registry, name, 'v1', login('outsider')), 403);
    });
  });

  describe('group membership', () => {
    it("gives a member of a group with the developer role the developer's rights", async () => {
      assert.deepEqual(await outcome('corp', login('grouped')), WRITE);
    });

    it("gives a member of a group with the reader role the reader's rights", async () => {
      assert.deepEqual(await outcome('corp', login('readgroup')), READ);
    });

    it('gives a member of two groups the union of their roles', async () => {
      assert.deepEqual(await outcome('corp', login('twogroups')), WRITE);
    });

    it('does not confuse a group with a user of the same name', async () => {
      await addUser(registry, 'devs', 'devs-password-1');
      await seedImage(registry, 'corp/groups-only', 'v1', imageManifest());
      assert.equal(await pullStatus(registry, 'corp/groups-only', 'v1', basic('devs', 'devs-password-1')), 403);
      assert.equal(await pullStatus(registry, 'corp/groups-only', 'v1', login('grouped')), 200);
    });
  });

  describe('personal namespaces', () => {
    it('lets alice push, pull and delete in alice/*', async () => {
      assert.equal(await pushImageAs(registry, 'alice/first', 'v1', imageManifest(), login('alice')), 201);
      assert.deepEqual(await outcome('alice', login('alice')), FULL);
    });

    it("answers bob in alice's namespace with 403 for pull, push and delete", async () => {
      assert.deepEqual(await outcome('alice', login('bob')), NONE);
    });

    it("answers anonymous pulls of alice's repositories with 401", async () => {
      assert.equal(await pullStatus(registry, 'alice/first', 'v1'), 401);
    });

    it('gives the admin everything in a personal namespace', async () => {
      assert.deepEqual(await outcome('bob', ADMIN), FULL);
    });

    it('gives a personal namespace owner nothing in a namespace whose name only starts like theirs', async () => {
      assert.deepEqual(await outcome('alice-corp', login('alice')), NONE);
    });
  });

  describe('a public namespace', () => {
    before(async () => addNamespace(registry, 'open', 'public', { developer: 'developer' }));

    it('lets anyone logged in pull, and only members push', async () => {
      assert.deepEqual(await outcome('open', login('outsider')), READ);
      assert.deepEqual(await outcome('open', login('developer')), WRITE);
    });
  });
});
