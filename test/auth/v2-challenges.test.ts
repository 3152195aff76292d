import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { imageManifest, randomBlob } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { assertError } from '../support/spec-http.js';
import { ADMIN, addNamespace, addUser, basic, bearer, bearerFor, challengeParams, pullStatus, seedImage, startAuthRegistry, v2 } from './support.js';

/** Sends a raw request head and returns the status line's code (0 when the socket closed silently). */
async function rawStatus(registry: TestRegistry, head: string): Promise<number> {
  const { hostname, port } = new URL(registry.url);
  return new Promise((done, fail) => {
    let text = '';
    const socket = connect(Number(port), hostname, () => socket.write(head));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : fail(error)));
    socket.on('close', () => done(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

describe('/v2 challenges: secure by default (docker-registry auth-token.md)', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let realm: string;
  const image = imageManifest();
  const publicImage = imageManifest();

  before(async () => {
    registry = await startAuthRegistry();
    realm = `${registry.url}/token`;
    await addUser(registry, 'dev', 'dev-password-1');
    await addNamespace(registry, 'acme', 'private', { dev: 'developer' });
    await addNamespace(registry, 'pub', 'public');
    await seedImage(registry, 'acme/app', 'v1', image);
    await seedImage(registry, 'acme/open', 'v1', imageManifest());
    await seedImage(registry, 'pub/app', 'v1', publicImage);
    await seedImage(registry, 'pub/closed', 'v1', imageManifest());
    assert.ok(await registry.berth.store.namespaces.setRepositoryVisibility('acme/open', 'public'));
    assert.ok(await registry.berth.store.namespaces.setRepositoryVisibility('pub/closed', 'private'));
  });
  after(async () => registry.stop());

  describe('anonymous requests', () => {
    it('answers an anonymous push with 401 UNAUTHORIZED and a Bearer challenge for pull,push on the repository', async () => {
      const response = await v2(registry, 'x/y/blobs/uploads/', undefined, { method: 'POST', headers: { 'Content-Length': '0' } });
      assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="repository:x/y:pull,push"`);
      await assertError(response, 401, 'UNAUTHORIZED');
    });

    it('names repository:<from>:pull beside the target in the challenge of a cross-repository mount', async () => {
      const layer = image.layers[0];
      assert.ok(layer);
      const response = await v2(registry, `x/y/blobs/uploads/?mount=${layer.digest}&from=acme/app`, undefined, { method: 'POST', headers: { 'Content-Length': '0' } });
      assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="repository:x/y:pull,push repository:acme/app:pull"`);
      await assertError(response, 401, 'UNAUTHORIZED');
    });

    it('answers an anonymous monolithic blob push and manifest PUT with the same challenge, storing nothing', async () => {
      const blob = randomBlob(64);
      const pushed = await v2(registry, `x/y/blobs/uploads/?digest=${blob.digest}`, undefined, { method: 'POST', body: new Uint8Array(blob.bytes), headers: { 'Content-Type': 'application/octet-stream' } });
      assert.equal(pushed.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="repository:x/y:pull,push"`);
      await assertError(pushed, 401, 'UNAUTHORIZED');
      const manifest = imageManifest();
      const put = await v2(registry, 'x/y/manifests/v1', undefined, { method: 'PUT', headers: { 'Content-Type': manifest.mediaType }, body: new Uint8Array(manifest.manifest.bytes) });
      assert.equal(put.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="repository:x/y:pull,push"`);
      await assertError(put, 401, 'UNAUTHORIZED');
      assert.equal(await pullStatus(registry, 'x/y', 'v1', ADMIN), 404);
      assert.equal((await v2(registry, `x/y/blobs/${blob.digest}`, ADMIN, { method: 'HEAD' })).status, 404);
    });

    it('answers an anonymous manifest DELETE with a challenge for delete, and keeps the manifest', async () => {
      const response = await v2(registry, `pub/app/manifests/${publicImage.manifest.digest}`, undefined, { method: 'DELETE' });
      assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="repository:pub/app:delete"`);
      await assertError(response, 401, 'UNAUTHORIZED');
      assert.equal(await pullStatus(registry, 'pub/app', 'v1'), 200);
    });

    it('answers an anonymous GET /v2/ with 401 and a challenge naming realm and service only', async () => {
      const response = await v2(registry, '');
      assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth"`);
      assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
      await assertError(response, 401, 'UNAUTHORIZED');
    });

    it('answers GET /v2/ with 200 for Basic credentials and for a token of any scope', async () => {
      assert.equal((await v2(registry, '', basic('dev', 'dev-password-1'))).status, 200);
      assert.equal((await v2(registry, '', await bearerFor(registry, []))).status, 200);
    });

    it('answers an anonymous pull of a private repository with 401 and a challenge for pull', async () => {
      for (const path of ['acme/app/manifests/v1', `acme/app/blobs/${image.config.digest}`, 'acme/app/tags/list', `acme/app/referrers/${image.manifest.digest}`]) {
        const response = await v2(registry, path);
        assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="repository:acme/app:pull"`, path);
        await assertError(response, 401, 'UNAUTHORIZED');
      }
    });

    it('answers the same for a repository that does not exist, telling nothing of existence', async () => {
      const missing = await v2(registry, 'acme/nothing/manifests/v1');
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="repository:acme/nothing:pull"`);
    });

    it("serves a public namespace's repository to anonymous pulls without any token", async () => {
      const manifest = await v2(registry, 'pub/app/manifests/v1', undefined, { headers: { Accept: publicImage.mediaType } });
      assert.equal(manifest.status, 200);
      assert.equal(manifest.headers.get('docker-content-digest'), publicImage.manifest.digest);
      assert.equal((await v2(registry, `pub/app/blobs/${publicImage.config.digest}`)).status, 200);
      assert.deepEqual(await (await v2(registry, 'pub/app/tags/list')).json(), { name: 'pub/app', tags: ['v1'] });
    });

    it("follows a repository's own visibility over its namespace's, both ways", async () => {
      assert.equal(await pullStatus(registry, 'acme/open', 'v1'), 200);
      assert.equal(await pullStatus(registry, 'pub/closed', 'v1'), 401);
    });

    it('answers an anonymous catalog request with a challenge for registry:catalog:*', async () => {
      const response = await v2(registry, '_catalog');
      assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${realm}",service="berth",scope="registry:catalog:*"`);
      await assertError(response, 401, 'UNAUTHORIZED');
    });

    it('lets a client follow the challenge: an anonymous token for the asked scope pulls a public repository', async () => {
      const challenged = await v2(registry, 'pub/app/manifests/v1', basic('dev', 'wrong-password'));
      assert.equal(challenged.status, 401);
      const { realm: tokenUrl, service, scope } = challengeParams(challenged);
      const url = new URL(tokenUrl as string);
      url.searchParams.set('service', service as string);
      url.searchParams.set('scope', scope as string);
      const token = ((await (await fetch(url)).json()) as { token: string }).token;
      assert.equal(await pullStatus(registry, 'pub/app', 'v1', bearer(token)), 200);
    });

    it('grants an anonymous token pull only on a public repository: it cannot push there', async () => {
      const authorization = await bearerFor(registry, ['repository:pub/app:pull,push']);
      assert.equal(await pullStatus(registry, 'pub/app', 'v1', authorization), 200);
      const push = await v2(registry, 'pub/app/blobs/uploads/', authorization, { method: 'POST', headers: { 'Content-Length': '0' } });
      assert.equal(challengeParams(push).error, 'insufficient_scope');
      await assertError(push, 401, 'UNAUTHORIZED');
    });
  });

  describe('credentials that are bad in form', () => {
    const malformed = ['Bearer', 'Bearer a b', 'Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Digest username="x"', 'Bearer\tabc', 'garbage'];
    for (const header of malformed) {
      it(`answers Authorization ${JSON.stringify(header)} with 401 and a challenge, never 500`, async () => {
        const response = await v2(registry, 'acme/app/manifests/v1', header);
        assert.equal(response.status, 401, header);
        assert.equal(challengeParams(response).realm, realm);
        await assertError(response, 401, 'UNAUTHORIZED');
      });
    }

    it('answers a bearer value that is no JWT with 401 error="invalid_token"', async () => {
      for (const token of ['abc', 'a.b.c', 'e30.e30.', `${'x'.repeat(8000)}.y.z`]) {
        const response = await v2(registry, 'acme/app/manifests/v1', bearer(token));
        assert.equal(challengeParams(response).error, 'invalid_token', token.slice(0, 20));
        await assertError(response, 401, 'UNAUTHORIZED');
      }
    });

    it('answers Basic credentials with a 10 KiB username or password with 401, not 500', async () => {
      assert.equal((await v2(registry, 'acme/app/manifests/v1', basic('u'.repeat(10_240), 'p'))).status, 401);
      assert.equal((await v2(registry, 'acme/app/manifests/v1', basic('dev', 'p'.repeat(10_240)))).status, 401);
    });

    it('answers a 64 KiB Authorization header with 431 or 400 from Node, never 500, and keeps serving', async () => {
      const { host } = new URL(registry.url);
      const status = await rawStatus(registry, `GET /v2/ HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${'a'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`);
      assert.ok(status === 431 || status === 400, `status ${status}`);
      assert.equal((await v2(registry, '', ADMIN)).status, 200);
      assert.equal(await pullStatus(registry, 'pub/app', 'v1'), 200);
    });

    it('answers many headers summing over the limit with 431 or 400, and keeps serving', async () => {
      const { host } = new URL(registry.url);
      const extra = Array.from({ length: 200 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(400)}`).join('\r\n');
      const status = await rawStatus(registry, `GET /v2/ HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\nConnection: close\r\n\r\n`);
      assert.ok(status === 431 || status === 400, `status ${status}`);
      assert.equal((await v2(registry, '', ADMIN)).status, 200);
    });
  });
});
