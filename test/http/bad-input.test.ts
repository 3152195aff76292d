import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, imageManifest, pushBlob, pushImage, putManifest, randomBlob, type ImageFixture } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError, assertRawError, assertSessionRange, openSession, patchChunk, rawRequest, sendTruncated, settle, withQuery } from '../support/spec-http.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** What the registry looks like from outside: the catalog, and the tags of bad/app with their digests. */
interface Snapshot {
  repositories: string[];
  tags: Record<string, string>;
}

// DESIGN.md, Habits: "Bad input gets a specific error and changes nothing". Each case sends one
// bad request, checks its error, then checks that catalog and tags are exactly as before.
describe('bad input gets a specific error and changes nothing', () => {
  let registry: TestRegistry;
  let image: ImageFixture;
  let before_: Snapshot;
  const blob = randomBlob(64);

  async function snapshot(): Promise<Snapshot> {
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    const list = (await (await fetch(`${registry.url}/v2/bad/app/tags/list`)).json()) as { tags: string[] };
    const tags: Record<string, string> = {};
    for (const tag of list.tags) {
      const head = await fetch(`${registry.url}/v2/bad/app/manifests/${tag}`, { method: 'HEAD' });
      tags[tag] = head.headers.get('docker-content-digest') ?? '';
    }
    return { repositories: catalog.repositories, tags };
  }

  async function assertUnchanged(): Promise<void> {
    assert.deepEqual(await snapshot(), before_);
  }

  before(async () => {
    registry = await startRegistry();
    image = imageManifest();
    await pushImage(registry.url, 'bad/app', 'v1', image);
    before_ = await snapshot();
    assert.deepEqual(before_, { repositories: ['bad/app'], tags: { v1: image.manifest.digest } });
  });
  after(async () => registry.stop());

  async function postBlob(name: string): Promise<Response> {
    return fetch(`${registry.url}/v2/${name}/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
  }

  describe('repository names', () => {
    const badNames: [string, string][] = [
      ['uppercase letters', 'Bad/App'],
      ['a double slash', 'bad//app'],
      ['a trailing slash', 'bad/app/'],
      ['a leading -', '-bad/app'],
      ['a component starting with -', 'bad/-app'],
      ['a trailing separator', 'bad/app.'],
      ['a triple underscore', 'bad/a___b'],
      ['256 characters', 'a'.repeat(256)],
      ['an encoded slash (%2F)', 'bad%2Fapp'],
    ];
    for (const [what, name] of badNames) {
      it(`returns 400 NAME_INVALID for a name with ${what} on a blob push`, async () => {
        await assertError(await postBlob(name), 400, 'NAME_INVALID');
        await assertUnchanged();
      });
    }

    it('returns 400 NAME_INVALID for a name with uppercase letters on a manifest push', async () => {
      await assertError(await putManifest(registry.url, 'Bad/App', 'v1', image.manifest, image.mediaType), 400, 'NAME_INVALID');
      await assertUnchanged();
    });

    it('returns 400 NAME_INVALID for a name with uppercase letters on GET tags list', async () => {
      await assertError(await fetch(`${registry.url}/v2/Bad/App/tags/list`), 400, 'NAME_INVALID');
    });

    it('accepts a name of exactly 255 characters', async () => {
      const name = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
      assert.equal(name.length, 255);
      const response = await postBlob(name);
      assert.equal(response.status, 201, await response.clone().text());
      assert.equal((await fetch(`${registry.url}/v2/${name}/blobs/${blob.digest}`, { method: 'DELETE' })).status, 202);
      before_ = await snapshot();
    });

    it('accepts a name using every separator the grammar allows (., _, __, -, --, /)', async () => {
      const name = 'sep.a/b_c/d__e/f-g/h--i/0';
      const response = await postBlob(name);
      assert.equal(response.status, 201, await response.clone().text());
      assert.equal((await fetch(`${registry.url}/v2/${name}/blobs/${blob.digest}`, { method: 'DELETE' })).status, 202);
      before_ = await snapshot();
    });

    const dotSegments: [string, string][] = [
      ['a .. segment', '/v2/bad/../app/blobs/uploads/'],
      ['a . segment', '/v2/bad/./app/blobs/uploads/'],
      ['a leading .. segment', '/v2/../v2/bad/app/blobs/uploads/'],
      ['a .. segment after the repository', '/v2/bad/app/..//blobs/uploads/'],
      ['an encoded .. segment (%2e%2e)', '/v2/bad/%2e%2e/app/blobs/uploads/'],
      ['an encoded . segment (%2E)', '/v2/bad/%2E/app/blobs/uploads/'],
    ];
    for (const [what, path] of dotSegments) {
      it(`returns 400 NAME_INVALID for a path with ${what}, sent unnormalised`, async () => {
        const response = await rawRequest(registry.url, 'POST', `${path}?digest=${blob.digest}`, { headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
        assertRawError(response, 400, 'NAME_INVALID');
        await assertUnchanged();
      });
    }

    it('returns 400 NAME_INVALID for a dot segment in a manifest path, sent unnormalised', async () => {
      const response = await rawRequest(registry.url, 'GET', '/v2/bad/app/../app/manifests/v1');
      assertRawError(response, 400, 'NAME_INVALID');
    });

    it('returns 400 NAME_INVALID for a manifest reference smuggling a slash as %2F', async () => {
      const response = await fetch(`${registry.url}/v2/bad%2Fapp/manifests/v1`);
      await assertError(response, 400, 'NAME_INVALID');
    });
  });

  describe('digests', () => {
    const badDigests: [string, string][] = [
      ['a short encoding', 'sha256:abc'],
      ['uppercase hex', `sha256:${'A'.repeat(64)}`],
      ['an unsupported algorithm', `md5:${'a'.repeat(32)}`],
      ['no algorithm', 'a'.repeat(64)],
      ['a sha512 length under sha256', `sha256:${'a'.repeat(128)}`],
      ['an encoded colon', `sha256%3A${'a'.repeat(64)}`],
    ];
    for (const [what, digest] of badDigests) {
      it(`returns 400 DIGEST_INVALID for a blob GET by a digest with ${what}`, async () => {
        await assertError(await fetch(`${registry.url}/v2/bad/app/blobs/${digest}`), 400, 'DIGEST_INVALID');
      });
    }

    it('returns 400 (no body) for a blob HEAD by a malformed digest', async () => {
      const response = await fetch(`${registry.url}/v2/bad/app/blobs/sha256:abc`, { method: 'HEAD' });
      assert.equal(response.status, 400);
      assert.equal(await response.text(), '');
    });

    it('returns 400 DIGEST_INVALID for a blob DELETE by a malformed digest', async () => {
      await assertError(await fetch(`${registry.url}/v2/bad/app/blobs/sha256:abc`, { method: 'DELETE' }), 400, 'DIGEST_INVALID');
      await assertUnchanged();
    });

    it('returns 400 DIGEST_INVALID for a closing PUT with a malformed ?digest=, leaving the session as it was', async () => {
      const { location } = await openSession(registry.url, 'bad/app');
      assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
      const response = await fetch(withQuery(location, { digest: 'sha256:xyz' }), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes.subarray(10)) });
      await assertError(response, 400, 'DIGEST_INVALID');
      await assertSessionRange(location, '0-9');
      await assertUnchanged();
    });

    it('returns 400 DIGEST_INVALID for a closing PUT with an unsupported algorithm', async () => {
      const { location } = await openSession(registry.url, 'bad/app');
      const response = await fetch(withQuery(location, { digest: `md5:${'a'.repeat(32)}` }), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
      await assertError(response, 400, 'DIGEST_INVALID');
      await assertSessionRange(location, '0-0');
    });

    it('returns 400 DIGEST_INVALID for a single POST with a malformed ?digest=', async () => {
      const response = await fetch(`${registry.url}/v2/bad/new/blobs/uploads/?digest=sha256:xyz`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
      await assertError(response, 400, 'DIGEST_INVALID');
      await assertUnchanged();
    });

    it('returns 400 DIGEST_INVALID for a mount with a malformed digest', async () => {
      const response = await fetch(`${registry.url}/v2/bad/new/blobs/uploads/?mount=sha256:xyz&from=bad/app`, { method: 'POST' });
      await assertError(response, 400, 'DIGEST_INVALID');
      await assertUnchanged();
    });

    it('returns 400 DIGEST_INVALID for a manifest GET by a malformed digest', async () => {
      await assertError(await fetch(`${registry.url}/v2/bad/app/manifests/sha256:xyz`), 400, 'DIGEST_INVALID');
    });

    it('returns 400 DIGEST_INVALID for a manifest PUT to a malformed digest', async () => {
      await assertError(await putManifest(registry.url, 'bad/app', 'sha256:xyz', image.manifest, image.mediaType), 400, 'DIGEST_INVALID');
      await assertUnchanged();
    });

    it('returns 400 DIGEST_INVALID for POST ?digest-algorithm= naming an unsupported algorithm', async () => {
      const response = await fetch(`${registry.url}/v2/bad/app/blobs/uploads/?digest-algorithm=md5`, { method: 'POST' });
      await assertError(response, 400, 'DIGEST_INVALID');
    });
  });

  describe('tags in paths', () => {
    for (const tag of ['-leading-dash', '.leading-dot', 'has%20space', 'a'.repeat(129)]) {
      it(`returns 400 MANIFEST_INVALID for a manifest PUT to tag ${JSON.stringify(tag.slice(0, 20))}`, async () => {
        await assertError(await putManifest(registry.url, 'bad/app', tag, image.manifest, image.mediaType), 400, 'MANIFEST_INVALID');
        await assertUnchanged();
      });
    }
  });

  describe('upload headers', () => {
    for (const range of ['abc', '0-', '-9', '9-0', '0-9-10', 'bytes 0-9/5/6', '0x0-0x9']) {
      it(`returns 416 BLOB_UPLOAD_INVALID for PATCH Content-Range ${JSON.stringify(range)}, leaving the session as it was`, async () => {
        const { location } = await openSession(registry.url, 'bad/app');
        assert.equal((await patchChunk(location, blob.bytes.subarray(0, 5), '0-4')).status, 202);
        await assertError(await patchChunk(location, blob.bytes.subarray(5, 15), range), 416, 'BLOB_UPLOAD_INVALID');
        await assertSessionRange(location, '0-4');
      });
    }

    it('returns 400 SIZE_INVALID for a closing PUT whose Content-Length disagrees with its Content-Range', async () => {
      const { location } = await openSession(registry.url, 'bad/app');
      assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
      const response = await fetch(withQuery(location, { digest: blob.digest }), {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '10-63' },
        body: new Uint8Array(blob.bytes.subarray(10, 20)),
      });
      await assertError(response, 400, 'SIZE_INVALID');
      await assertSessionRange(location, '0-9');
      assert.equal((await fetch(`${registry.url}/v2/bad/app/blobs/${blob.digest}`, { method: 'HEAD' })).status, 404);
    });
  });

  describe('manifests', () => {
    it('leaves an existing tag where it was when invalid JSON is pushed to it', async () => {
      await assertError(await putManifest(registry.url, 'bad/app', 'v1', content('not json'), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
      await assertUnchanged();
    });

    it('leaves an existing tag where it was when a manifest whose mediaType disagrees with Content-Type is pushed to it', async () => {
      const other = imageManifest();
      for (const b of [other.config, ...other.layers]) await pushBlob(registry.url, 'bad/app', b);
      await assertError(await putManifest(registry.url, 'bad/app', 'v1', other.manifest, OCI_INDEX), 400, 'MANIFEST_INVALID');
      await assertUnchanged();
    });

    it('leaves an existing tag where it was when a manifest with missing blobs is pushed to it', async () => {
      const other = imageManifest();
      await assertError(await putManifest(registry.url, 'bad/app', 'v1', other.manifest, other.mediaType), 400, 'MANIFEST_BLOB_UNKNOWN');
      await assertUnchanged();
    });

    it('returns 400 MANIFEST_INVALID for an empty manifest body, leaving the tag where it was', async () => {
      await assertError(await putManifest(registry.url, 'bad/app', 'v1', content(''), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
      await assertUnchanged();
    });

    it('leaves an existing tag where it was when a manifest body ends early (client gone)', async () => {
      const other = imageManifest();
      for (const b of [other.config, ...other.layers]) await pushBlob(registry.url, 'bad/app', b);
      await sendTruncated(registry.url, 'PUT', '/v2/bad/app/manifests/v1', { 'Content-Type': OCI_MANIFEST }, other.manifest.size, other.manifest.bytes.subarray(0, other.manifest.size - 1));
      await settle();
      await assertUnchanged();
    });

    it('creates no repository when a manifest push to a new repository is refused', async () => {
      await assertError(await putManifest(registry.url, 'bad/fresh', 'v1', content('{}'), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
      await assertUnchanged();
    });
  });

  describe('routes and methods', () => {
    for (const path of ['/v2/bad/app/blobs', '/v2/bad/app/tags', '/v2/bad/app/manifests/', '/v2/bad/app/referrers/', '/v2/_catalog/x', '/v1/_ping']) {
      it(`returns 404 UNSUPPORTED for the unknown route ${path}`, async () => {
        await assertError(await fetch(`${registry.url}${path}`), 404, 'UNSUPPORTED');
      });
    }

    it('returns 405 UNSUPPORTED for PUT on the uploads collection, storing nothing', async () => {
      const response = await fetch(`${registry.url}/v2/bad/app/blobs/uploads/?digest=${blob.digest}`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
      await assertError(response, 405, 'UNSUPPORTED');
      await assertUnchanged();
    });

    it('returns 405 UNSUPPORTED for POST on an upload session, leaving it as it was', async () => {
      const { location } = await openSession(registry.url, 'bad/app');
      await assertError(await fetch(location, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) }), 405, 'UNSUPPORTED');
      await assertSessionRange(location, '0-0');
    });

    it('returns 405 UNSUPPORTED for PATCH on a manifest, leaving it as it was', async () => {
      await assertError(await fetch(`${registry.url}/v2/bad/app/manifests/v1`, { method: 'PATCH', headers: { 'Content-Type': OCI_MANIFEST }, body: '{}' }), 405, 'UNSUPPORTED');
      await assertUnchanged();
    });
  });
});
