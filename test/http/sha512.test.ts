import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { content, descriptor, imageManifest, pushBlob, putManifest, randomBlob, type ImageFixture } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError, openSession, patchChunk, resolveLocation, withQuery } from '../support/spec-http.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

// distribution-spec: POST ?digest-algorithm= (end-4c); image-spec descriptor.md registers sha512.
describe('sha512 digests', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  async function pushBlobs(name: string, image: ImageFixture): Promise<void> {
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, name, blob);
  }

  it('opens a session with ?digest-algorithm=sha512 and completes it with a sha512 digest', async () => {
    const blob = randomBlob(500, 'sha512');
    const { location } = await openSession(registry.url, 'sha/app', '?digest-algorithm=sha512');
    const response = await fetch(withQuery(location, { digest: blob.digest }), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(response.headers.get('location'), `/v2/sha/app/blobs/${blob.digest}`);
  });

  it('uploads a sha512 blob in chunks', async () => {
    const blob = randomBlob(30, 'sha512');
    const { location } = await openSession(registry.url, 'sha/app', '?digest-algorithm=sha512');
    assert.equal((await patchChunk(location, blob.bytes.subarray(0, 10), '0-9')).status, 202);
    const second = await patchChunk(location, blob.bytes.subarray(10, 20), '10-19');
    assert.equal(second.headers.get('range'), '0-19');
    const done = await fetch(withQuery(resolveLocation(registry.url, second), { digest: blob.digest }), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '20-29' },
      body: new Uint8Array(blob.bytes.subarray(20)),
    });
    assert.equal(done.status, 201, await done.clone().text());
    assert.equal(done.headers.get('docker-content-digest'), blob.digest);
  });

  it('pushes a sha512 blob with a single POST ?digest=sha512:…', async () => {
    const blob = randomBlob(700, 'sha512');
    const response = await fetch(`${registry.url}/v2/sha/app/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
  });

  it('serves a sha512 blob by its digest with GET, HEAD and ranges', async () => {
    const blob = randomBlob(100, 'sha512');
    await pushBlob(registry.url, 'sha/app', blob);
    const get = await fetch(`${registry.url}/v2/sha/app/blobs/${blob.digest}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('docker-content-digest'), blob.digest);
    assert.ok(Buffer.from(await get.arrayBuffer()).equals(blob.bytes));
    const head = await fetch(`${registry.url}/v2/sha/app/blobs/${blob.digest}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), '100');
    const range = await fetch(`${registry.url}/v2/sha/app/blobs/${blob.digest}`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(range.status, 206);
    assert.ok(Buffer.from(await range.arrayBuffer()).equals(blob.bytes.subarray(10, 20)));
  });

  it('does not serve a sha512 blob under its sha256 digest', async () => {
    const blob = randomBlob(100, 'sha512');
    await pushBlob(registry.url, 'sha/app', blob);
    const sha256 = `sha256:${createHash('sha256').update(blob.bytes).digest('hex')}`;
    await assertError(await fetch(`${registry.url}/v2/sha/app/blobs/${sha256}`), 404, 'BLOB_UNKNOWN');
  });

  it('returns 400 DIGEST_INVALID when a sha512 session closes with a sha512 digest of other bytes', async () => {
    const blob = randomBlob(100, 'sha512');
    const { location } = await openSession(registry.url, 'sha/app', '?digest-algorithm=sha512');
    const wrong = randomBlob(100, 'sha512').digest;
    const response = await fetch(withQuery(location, { digest: wrong }), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
    await assertError(response, 400, 'DIGEST_INVALID');
    assert.equal((await fetch(`${registry.url}/v2/sha/app/blobs/${wrong}`, { method: 'HEAD' })).status, 404);
  });

  it('completes a default session with a sha512 digest', async () => {
    const blob = randomBlob(100, 'sha512');
    const { location } = await openSession(registry.url, 'sha/app');
    const response = await fetch(withQuery(location, { digest: blob.digest }), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(blob.bytes) });
    assert.equal(response.status, 201, await response.clone().text());
  });

  it('returns 400 DIGEST_INVALID for ?digest-algorithm=sha384 (unsupported)', async () => {
    await assertError(await fetch(`${registry.url}/v2/sha/app/blobs/uploads/?digest-algorithm=sha384`, { method: 'POST' }), 400, 'DIGEST_INVALID');
  });

  it('mounts a sha512 blob from another repository (201)', async () => {
    const blob = randomBlob(100, 'sha512');
    await pushBlob(registry.url, 'sha/source', blob);
    const response = await fetch(`${registry.url}/v2/sha/target/blobs/uploads/?mount=${blob.digest}&from=sha/source`, { method: 'POST' });
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal((await fetch(`${registry.url}/v2/sha/target/blobs/${blob.digest}`, { method: 'HEAD' })).status, 200);
  });

  it('stores a manifest pushed by its sha512 digest and serves it by that digest', async () => {
    const image = imageManifest({ algorithm: 'sha512' });
    assert.match(image.manifest.digest, /^sha512:[0-9a-f]{128}$/);
    await pushBlobs('sha/man', image);
    const response = await putManifest(registry.url, 'sha/man', image.manifest.digest, image.manifest, image.mediaType);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
    assert.equal(response.headers.get('location'), `/v2/sha/man/manifests/${image.manifest.digest}`);
    const get = await fetch(`${registry.url}/v2/sha/man/manifests/${image.manifest.digest}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('docker-content-digest'), image.manifest.digest);
    assert.ok(Buffer.from(await get.arrayBuffer()).equals(image.manifest.bytes));
  });

  it('tags a manifest pushed by sha512 digest with ?tag=', async () => {
    const image = imageManifest({ algorithm: 'sha512' });
    await pushBlobs('sha/man', image);
    const response = await fetch(`${registry.url}/v2/sha/man/manifests/${image.manifest.digest}?tag=s1&tag=s2`, { method: 'PUT', headers: { 'Content-Type': image.mediaType }, body: new Uint8Array(image.manifest.bytes) });
    assert.equal(response.status, 201, await response.clone().text());
    for (const tag of ['s1', 's2']) {
      const head = await fetch(`${registry.url}/v2/sha/man/manifests/${tag}`, { method: 'HEAD' });
      assert.equal(head.headers.get('docker-content-digest'), image.manifest.digest);
    }
  });

  it('returns 400 DIGEST_INVALID for a manifest PUT by a sha512 digest of other bytes', async () => {
    const image = imageManifest({ algorithm: 'sha512' });
    await pushBlobs('sha/man', image);
    const wrong = content('other', 'sha512').digest;
    await assertError(await putManifest(registry.url, 'sha/man', wrong, image.manifest, image.mediaType), 400, 'DIGEST_INVALID');
    assert.equal((await fetch(`${registry.url}/v2/sha/man/manifests/${image.manifest.digest}`, { method: 'HEAD' })).status, 404);
  });

  it('addresses a manifest of sha512 blobs pushed by tag with the sha256 of its bytes', async () => {
    const image = imageManifest({ algorithm: 'sha512' });
    await pushBlobs('sha/man', image);
    const response = await putManifest(registry.url, 'sha/man', 'by-tag', image.manifest, image.mediaType);
    assert.equal(response.status, 201, await response.clone().text());
    const sha256 = `sha256:${createHash('sha256').update(image.manifest.bytes).digest('hex')}`;
    assert.equal(response.headers.get('docker-content-digest'), sha256);
  });

  it('lists referrers of a sha512 subject, with the referrer under its sha512 digest', async () => {
    const subject = imageManifest({ algorithm: 'sha512' });
    await pushBlobs('sha/ref', subject);
    assert.equal((await putManifest(registry.url, 'sha/ref', subject.manifest.digest, subject.manifest, subject.mediaType)).status, 201);
    const empty = content('{}', 'sha512');
    await pushBlob(registry.url, 'sha/ref', empty);
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sbom.v1',
      config: descriptor(empty, 'application/vnd.oci.empty.v1+json'),
      layers: [descriptor(empty, 'application/vnd.oci.empty.v1+json')],
      subject: descriptor(subject.manifest, OCI_MANIFEST),
    };
    const referrer = content(JSON.stringify(doc), 'sha512');
    const put = await putManifest(registry.url, 'sha/ref', referrer.digest, referrer, OCI_MANIFEST);
    assert.equal(put.status, 201, await put.clone().text());
    assert.equal(put.headers.get('oci-subject'), subject.manifest.digest);
    const response = await fetch(`${registry.url}/v2/sha/ref/referrers/${subject.manifest.digest}`);
    assert.equal(response.status, 200);
    const index = (await response.json()) as { mediaType: string; manifests: unknown[] };
    assert.equal(index.mediaType, OCI_INDEX);
    assert.deepEqual(index.manifests, [{ mediaType: OCI_MANIFEST, size: referrer.size, digest: referrer.digest, artifactType: 'application/vnd.example.sbom.v1' }]);
  });

  it('returns 400 DIGEST_INVALID for a referrers GET by a sha512 digest of the wrong length', async () => {
    await assertError(await fetch(`${registry.url}/v2/sha/ref/referrers/sha512:${'a'.repeat(64)}`), 400, 'DIGEST_INVALID');
  });
});
