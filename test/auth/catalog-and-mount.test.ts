import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest, randomBlob } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { ADMIN, addNamespace, addPersonalToken, addRobot, addUser, basic, bearerFor, pushBlobAs, seedImage, startAuthRegistry, v2 } from './support.js';

const DEV = basic('dev', 'dev-password-1');
const ALICE = basic('alice', 'alice-password-1');

/** GET /v2/_catalog (with a query) as `authorization`; asserts 200 and returns names and Link. */
async function catalog(registry: TestRegistry, authorization: string, query = ''): Promise<{ repositories: string[]; link: string | null }> {
  const response = await v2(registry, `_catalog${query}`, authorization);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return { repositories: (JSON.parse(text) as { repositories: string[] }).repositories, link: response.headers.get('link') };
}

describe('catalog filtered by what each principal may pull', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  const all = ['alice/mine', 'corp/a', 'corp/b', 'other/secret', 'pub/x', 'shut/open'];

  before(async () => {
    registry = await startAuthRegistry();
    await addUser(registry, 'dev', 'dev-password-1');
    await addUser(registry, 'alice', 'alice-password-1');
    await addNamespace(registry, 'corp', 'private', { dev: 'reader' });
    await addNamespace(registry, 'other', 'private');
    await addNamespace(registry, 'pub', 'public');
    await addNamespace(registry, 'shut', 'private');
    const image = imageManifest();
    for (const name of all) await seedImage(registry, name, 'v1', image);
    assert.ok(await registry.berth.store.namespaces.setRepositoryVisibility('shut/open', 'public'));
  });
  after(async () => registry.stop());

  it('shows the admin every repository', async () => {
    assert.deepEqual((await catalog(registry, ADMIN)).repositories, all);
  });

  it("shows a member its namespaces' repositories and public ones", async () => {
    assert.deepEqual((await catalog(registry, DEV)).repositories, ['corp/a', 'corp/b', 'pub/x', 'shut/open']);
  });

  it('shows a user its personal namespace and public repositories', async () => {
    assert.deepEqual((await catalog(registry, ALICE)).repositories, ['alice/mine', 'pub/x', 'shut/open']);
  });

  it('shows an anonymous token with registry:catalog:* only public repositories', async () => {
    assert.deepEqual((await catalog(registry, await bearerFor(registry, ['registry:catalog:*']))).repositories, ['pub/x', 'shut/open']);
  });

  it('shows a token the same as its holder', async () => {
    assert.deepEqual((await catalog(registry, await bearerFor(registry, ['registry:catalog:*'], DEV))).repositories, ['corp/a', 'corp/b', 'pub/x', 'shut/open']);
    assert.deepEqual((await catalog(registry, await bearerFor(registry, ['registry:catalog:*'], ADMIN))).repositories, all);
  });

  it('shows a robot its grants and public repositories', async () => {
    const robot = await addRobot(registry, 'lister', [{ repository: 'corp/a', actions: ['pull'] }, { repository: 'other/*', actions: ['push'] }]);
    assert.deepEqual((await catalog(registry, robot.authorization)).repositories, ['corp/a', 'pub/x', 'shut/open']);
  });

  it('shows a personal access token only what its grants let it pull', async () => {
    const pat = await addPersonalToken(registry, 'dev', 'corp-b', [{ repository: 'corp/b', actions: ['pull'] }]);
    assert.deepEqual((await catalog(registry, pat.authorization)).repositories, ['corp/b']);
  });

  describe('pagination after filtering', () => {
    const hidden = Array.from({ length: 120 }, (_, i) => `aaa/r${String(i).padStart(3, '0')}`);
    const visible = ['pub/v', 'pub/w', 'pub/y', 'pub/z', 'zzz/public'];

    before(async () => {
      await addNamespace(registry, 'aaa', 'private');
      await addNamespace(registry, 'zzz', 'public');
      const image = imageManifest();
      for (const name of [...hidden, ...visible]) await seedImage(registry, name, 'v1', image);
    });

    it('fills every page of n with visible names, following Link, though more than 100 hidden names come first', async () => {
      const authorization = await bearerFor(registry, ['registry:catalog:*']);
      const expected = [...visible.slice(0, 2), 'pub/x', ...visible.slice(2, 4), 'shut/open', 'zzz/public'];
      const pages: string[][] = [];
      let query = '?n=2';
      for (let i = 0; i < 10; i++) {
        const page = await catalog(registry, authorization, query);
        pages.push(page.repositories);
        if (!page.link) break;
        const match = /^<(\/v2\/_catalog\?[^>]+)>; rel="next"$/.exec(page.link);
        assert.ok(match, page.link);
        query = (match[1] as string).slice('/v2/_catalog'.length);
      }
      assert.deepEqual(pages, [expected.slice(0, 2), expected.slice(2, 4), expected.slice(4, 6), expected.slice(6)]);
    });

    it('never names a hidden repository in the Link header', async () => {
      const page = await catalog(registry, await bearerFor(registry, ['registry:catalog:*']), '?n=1');
      assert.deepEqual(page.repositories, ['pub/v']);
      assert.equal(page.link, '</v2/_catalog?n=1&last=pub%2Fv>; rel="next"');
    });

    it('gives the admin full pages of everything', async () => {
      const page = await catalog(registry, ADMIN, '?n=3');
      assert.deepEqual(page.repositories, ['aaa/r000', 'aaa/r001', 'aaa/r002']);
    });
  });
});

describe('cross-repository mount under access control', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  const blob = randomBlob(512);

  before(async () => {
    registry = await startAuthRegistry();
    await addUser(registry, 'dev', 'dev-password-1');
    await addUser(registry, 'alice', 'alice-password-1');
    await addNamespace(registry, 'src', 'private', { dev: 'reader' });
    await addNamespace(registry, 'dst', 'private', { dev: 'developer', alice: 'developer' });
    assert.equal(await pushBlobAs(registry, 'src/a', blob, ADMIN), 201);
  });
  after(async () => registry.stop());

  async function mount(target: string, query: string, authorization: string): Promise<Response> {
    return v2(registry, `${target}/blobs/uploads/?${query}`, authorization, { method: 'POST', headers: { 'Content-Length': '0' } });
  }

  async function blobIn(name: string): Promise<number> {
    return (await v2(registry, `${name}/blobs/${blob.digest}`, ADMIN, { method: 'HEAD' })).status;
  }

  it('answers a mount with a token lacking pull on `from`, which a fresh token would carry, with 401 insufficient_scope naming both, mounting nothing', async () => {
    // Distribution requires pull on `from` for a mount: the client fetches that token and mounts.
    const authorization = await bearerFor(registry, ['repository:dst/one:pull,push'], DEV);
    const response = await mount('dst/one', `mount=${blob.digest}&from=src/a`, authorization);
    assert.equal(response.status, 401, await response.clone().text());
    assert.match(response.headers.get('www-authenticate') ?? '', /,scope="repository:dst\/one:pull,push repository:src\/a:pull",error="insufficient_scope"$/);
    assert.equal(await blobIn('dst/one'), 404);
  });

  it('mounts with 201 when the token also carries pull on `from`', async () => {
    const authorization = await bearerFor(registry, ['repository:dst/two:pull,push', 'repository:src/a:pull'], DEV);
    const response = await mount('dst/two', `mount=${blob.digest}&from=src/a`, authorization);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(await blobIn('dst/two'), 200);
  });

  it('answers 202 to a user who may not pull `from`, even when its token asks for it', async () => {
    const authorization = await bearerFor(registry, ['repository:dst/three:pull,push', 'repository:src/a:pull'], ALICE);
    const response = await mount('dst/three', `mount=${blob.digest}&from=src/a`, authorization);
    assert.equal(response.status, 202);
    assert.equal(await blobIn('dst/three'), 404);
  });

  it('mounts with Basic credentials of a user who may pull `from`, and not for one who may not', async () => {
    assert.equal((await mount('dst/four', `mount=${blob.digest}&from=src/a`, DEV)).status, 201);
    assert.equal((await mount('dst/five', `mount=${blob.digest}&from=src/a`, ALICE)).status, 202);
    assert.equal(await blobIn('dst/five'), 404);
  });

  it('answers a mount without `from` with 202 under access control, even for the admin', async () => {
    for (const authorization of [DEV, ADMIN, await bearerFor(registry, ['repository:dst/six:pull,push', 'repository:src/a:pull'], DEV)]) {
      const response = await mount('dst/six', `mount=${blob.digest}`, authorization);
      assert.equal(response.status, 202);
    }
    assert.equal(await blobIn('dst/six'), 404);
  });

  it('answers a mount with a malformed `from` without mounting (400 or 202, never 201 or 500)', async () => {
    const authorization = await bearerFor(registry, ['repository:dst/seven:pull,push', 'repository:src/a:pull'], DEV);
    for (const from of ['src/../src/a', 'SRC/a', '', 'src/a/']) {
      const response = await mount('dst/seven', `mount=${blob.digest}&from=${encodeURIComponent(from)}`, authorization);
      assert.ok(response.status === 400 || response.status === 202, `${from}: ${response.status}`);
    }
    assert.equal(await blobIn('dst/seven'), 404);
  });

  it('still needs push on the target: a mount into a repository the user may only pull is 403', async () => {
    const response = await mount('src/b', `mount=${blob.digest}&from=src/a`, DEV);
    assert.equal(response.status, 403);
    assert.equal(await blobIn('src/b'), 404);
  });
});
