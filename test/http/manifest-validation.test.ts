import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, descriptor, imageIndex, imageManifest, pushBlob, pushImage, putManifest, randomBlob, type Content } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError, assertWordedError, streamOf, streamedInit } from '../support/spec-http.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const LIMIT = 4 * 1024 * 1024;

// distribution-spec: "Pushing Manifests" (exact bytes, 413, Content-Type = mediaType), and
// MANIFEST_BLOB_UNKNOWN for references the repository does not hold.
describe('manifest validation', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  const manifestUrl = (name: string, reference: string): string => `${registry.url}/v2/${name}/manifests/${reference}`;

  /** Asserts the manifest is not stored: neither by digest nor under the tag. */
  async function assertNotStored(name: string, digest: string, tag: string): Promise<void> {
    assert.equal((await fetch(manifestUrl(name, digest), { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(manifestUrl(name, tag), { method: 'HEAD' })).status, 404);
  }

  /** 413 SIZE_INVALID saying the manifest is too large (not the table's "provided length did not match"). */
  async function assertTooLarge(response: Response): Promise<void> {
    const error = await assertWordedError(response, 413, 'SIZE_INVALID', `the manifest is too large: at most ${LIMIT} bytes are accepted`);
    assert.deepEqual(error.detail, { reason: error.message, limit: LIMIT });
  }

  async function tagsOf(name: string): Promise<string[]> {
    const response = await fetch(`${registry.url}/v2/${name}/tags/list`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { tags: string[] }).tags;
  }

  /** An OCI manifest over one config and one layer, padded to exactly `size` bytes when given. */
  function paddedManifest(config: Content, layer: Content, size?: number): Content {
    const doc = (pad: string): string =>
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config, 'application/vnd.oci.image.config.v1+json'), layers: [descriptor(layer, 'application/vnd.oci.image.layer.v1.tar+gzip')], annotations: { pad } });
    const base = Buffer.byteLength(doc(''));
    return content(doc('x'.repeat(size === undefined ? 0 : size - base)));
  }

  it('refuses a Docker schema 1 manifest with 400 MANIFEST_INVALID saying schema 1', async () => {
    const schema1 = content(JSON.stringify({ schemaVersion: 1, name: 'val/app', tag: 'old', architecture: 'amd64', fsLayers: [], history: [], signatures: [] }));
    const response = await putManifest(registry.url, 'val/app', 'old', schema1, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    const error = await assertError(response, 400, 'MANIFEST_INVALID');
    assert.match(JSON.stringify(error.detail), /schema 1/i);
    await assertNotStored('val/app', schema1.digest, 'old');
  });

  it('refuses an unsigned schema 1 manifest (application/vnd.docker.distribution.manifest.v1+json)', async () => {
    const schema1 = content(JSON.stringify({ schemaVersion: 1, name: 'val/app', tag: 'old', architecture: 'amd64', fsLayers: [], history: [] }));
    const error = await assertError(await putManifest(registry.url, 'val/app', 'old', schema1, 'application/vnd.docker.distribution.manifest.v1+json'), 400, 'MANIFEST_INVALID');
    assert.match(JSON.stringify(error.detail), /schema 1/i);
  });

  it('returns 400 MANIFEST_BLOB_UNKNOWN for a missing config and stores nothing', async () => {
    const image = imageManifest();
    for (const layer of image.layers) await pushBlob(registry.url, 'val/noconfig', layer);
    const error = await assertError(await putManifest(registry.url, 'val/noconfig', 'v', image.manifest, image.mediaType), 400, 'MANIFEST_BLOB_UNKNOWN');
    assert.match(JSON.stringify(error.detail), new RegExp(image.config.digest));
    await assertNotStored('val/noconfig', image.manifest.digest, 'v');
    assert.deepEqual(await tagsOf('val/noconfig'), []);
  });

  it('returns 400 MANIFEST_BLOB_UNKNOWN for a missing layer and stores nothing', async () => {
    const image = imageManifest({ layers: 2 });
    await pushBlob(registry.url, 'val/nolayer', image.config);
    await pushBlob(registry.url, 'val/nolayer', image.layers[0] as Content);
    const error = await assertError(await putManifest(registry.url, 'val/nolayer', 'v', image.manifest, image.mediaType), 400, 'MANIFEST_BLOB_UNKNOWN');
    assert.match(JSON.stringify(error.detail), new RegExp((image.layers[1] as Content).digest));
    await assertNotStored('val/nolayer', image.manifest.digest, 'v');
  });

  it('returns 400 MANIFEST_BLOB_UNKNOWN for a missing child manifest of an index and stores nothing', async () => {
    const present = imageManifest();
    const absent = imageManifest();
    await pushImage(registry.url, 'val/index', present.manifest.digest, present);
    const index = imageIndex([present, absent]);
    const error = await assertError(await putManifest(registry.url, 'val/index', 'multi', index.manifest, index.mediaType), 400, 'MANIFEST_BLOB_UNKNOWN');
    assert.match(JSON.stringify(error.detail), new RegExp(absent.manifest.digest));
    await assertNotStored('val/index', index.manifest.digest, 'multi');
  });

  it('returns 400 MANIFEST_BLOB_UNKNOWN when the blobs are only in another repository', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'val/elsewhere', blob);
    await assertError(await putManifest(registry.url, 'val/here', 'v', image.manifest, image.mediaType), 400, 'MANIFEST_BLOB_UNKNOWN');
    await assertError(await fetch(`${registry.url}/v2/val/here/tags/list`), 404, 'NAME_UNKNOWN');
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.ok(!catalog.repositories.includes('val/here'), 'a refused push creates no repository');
  });

  it('accepts non-distributable (foreign) layers without their blobs', async () => {
    const config = randomBlob(50);
    const foreign = randomBlob(10);
    const docker = randomBlob(11);
    await pushBlob(registry.url, 'val/foreign', config);
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
      layers: [
        descriptor(foreign, 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', { urls: ['https://example.com/layer'] }),
        descriptor(docker, 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', { urls: ['https://example.com/layer2'] }),
      ],
    };
    const manifest = content(JSON.stringify(doc));
    const response = await putManifest(registry.url, 'val/foreign', 'win', manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
  });

  it('accepts a manifest of exactly 4 MiB', async () => {
    const config = randomBlob(20);
    const layer = randomBlob(20);
    await pushBlob(registry.url, 'val/big', config);
    await pushBlob(registry.url, 'val/big', layer);
    const manifest = paddedManifest(config, layer, LIMIT);
    assert.equal(manifest.size, LIMIT);
    const response = await putManifest(registry.url, 'val/big', 'four-mib', manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
    const pulled = await fetch(manifestUrl('val/big', 'four-mib'));
    assert.equal(pulled.headers.get('content-length'), String(LIMIT));
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(manifest.bytes));
  });

  it('returns 413 for a manifest one byte over 4 MiB and stores nothing', async () => {
    const config = randomBlob(20);
    const layer = randomBlob(20);
    await pushBlob(registry.url, 'val/big', config);
    await pushBlob(registry.url, 'val/big', layer);
    const manifest = paddedManifest(config, layer, LIMIT + 1);
    await assertTooLarge(await putManifest(registry.url, 'val/big', 'too-big', manifest, OCI_MANIFEST));
    await assertNotStored('val/big', manifest.digest, 'too-big');
  });

  it('returns 413 for a streamed manifest over 4 MiB (no Content-Length) and stores nothing', async () => {
    const config = randomBlob(20);
    const layer = randomBlob(20);
    await pushBlob(registry.url, 'val/big', config);
    await pushBlob(registry.url, 'val/big', layer);
    const manifest = paddedManifest(config, layer, LIMIT + 1000);
    const half = manifest.size >> 1;
    const body = streamOf(manifest.bytes.subarray(0, half), manifest.bytes.subarray(half));
    const response = await fetch(manifestUrl('val/big', 'streamed'), streamedInit('PUT', body, { 'Content-Type': OCI_MANIFEST }));
    await assertTooLarge(response);
    await assertNotStored('val/big', manifest.digest, 'streamed');
  });

  it('returns 400 DIGEST_INVALID for a PUT by digest whose bytes hash differently, storing nothing', async () => {
    const image = imageManifest();
    const other = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'val/digest', blob);
    const error = await assertError(await putManifest(registry.url, 'val/digest', other.manifest.digest, image.manifest, image.mediaType), 400, 'DIGEST_INVALID');
    assert.deepEqual(error.detail, { expected: other.manifest.digest, computed: image.manifest.digest });
    assert.equal((await fetch(manifestUrl('val/digest', image.manifest.digest), { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(manifestUrl('val/digest', other.manifest.digest), { method: 'HEAD' })).status, 404);
  });

  it('returns 400 MANIFEST_INVALID for bytes that are not JSON', async () => {
    await assertError(await putManifest(registry.url, 'val/app', 'junk', content('{"schemaVersion": 2,'), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
    assert.equal((await fetch(manifestUrl('val/app', 'junk'), { method: 'HEAD' })).status, 404);
  });

  it('returns 400 MANIFEST_INVALID for a JSON value that is not an object', async () => {
    await assertError(await putManifest(registry.url, 'val/app', 'array', content('[1,2]'), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
  });

  it('returns 400 MANIFEST_INVALID when the mediaType field disagrees with Content-Type, storing nothing', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'val/mismatch', blob);
    const response = await putManifest(registry.url, 'val/mismatch', 'm', image.manifest, OCI_INDEX);
    const error = await assertError(response, 400, 'MANIFEST_INVALID');
    assert.deepEqual((error.detail as { mediaType?: string }).mediaType, OCI_MANIFEST);
    await assertNotStored('val/mismatch', image.manifest.digest, 'm');
  });

  it('returns 400 MANIFEST_INVALID for schemaVersion other than 2', async () => {
    const config = randomBlob(10);
    await pushBlob(registry.url, 'val/app', config);
    const doc = { schemaVersion: 3, mediaType: OCI_MANIFEST, config: descriptor(config, 'application/vnd.oci.image.config.v1+json'), layers: [] };
    await assertError(await putManifest(registry.url, 'val/app', 'v3', content(JSON.stringify(doc)), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
  });

  it('returns 400 MANIFEST_INVALID for an unknown manifest media type', async () => {
    const config = randomBlob(10);
    await pushBlob(registry.url, 'val/app', config);
    const doc = { schemaVersion: 2, mediaType: 'application/vnd.example.unknown+json', config: descriptor(config, 'application/vnd.oci.image.config.v1+json'), layers: [] };
    await assertError(await putManifest(registry.url, 'val/app', 'weird', content(JSON.stringify(doc)), 'application/vnd.example.unknown+json'), 400, 'MANIFEST_INVALID');
  });

  it('returns 400 MANIFEST_INVALID for a layer descriptor with a malformed digest', async () => {
    const config = randomBlob(10);
    await pushBlob(registry.url, 'val/app', config);
    const doc = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config, 'application/vnd.oci.image.config.v1+json'), layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:xyz', size: 1 }] };
    await assertError(await putManifest(registry.url, 'val/app', 'bad-layer', content(JSON.stringify(doc)), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
  });

  it('returns 400 MANIFEST_INVALID for an image manifest without config', async () => {
    const doc = { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] };
    await assertError(await putManifest(registry.url, 'val/app', 'no-config', content(JSON.stringify(doc)), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
  });

  it('returns 400 MANIFEST_INVALID for a descriptor with a negative size', async () => {
    const config = randomBlob(10);
    await pushBlob(registry.url, 'val/app', config);
    const doc = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...descriptor(config, 'application/vnd.oci.image.config.v1+json'), size: -1 }, layers: [] };
    await assertError(await putManifest(registry.url, 'val/app', 'neg', content(JSON.stringify(doc)), OCI_MANIFEST), 400, 'MANIFEST_INVALID');
  });

  it('returns 400 MANIFEST_INVALID for ?tag= on a PUT by tag, storing nothing', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'val/tagq', blob);
    const response = await fetch(`${manifestUrl('val/tagq', 'main')}?tag=extra`, { method: 'PUT', headers: { 'Content-Type': image.mediaType }, body: new Uint8Array(image.manifest.bytes) });
    await assertError(response, 400, 'MANIFEST_INVALID');
    await assertNotStored('val/tagq', image.manifest.digest, 'main');
    assert.equal((await fetch(manifestUrl('val/tagq', 'extra'), { method: 'HEAD' })).status, 404);
  });

  it('returns 400 MANIFEST_INVALID for an invalid ?tag= on a PUT by digest, storing nothing', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'val/tagq', blob);
    const response = await fetch(`${manifestUrl('val/tagq', image.manifest.digest)}?tag=good&tag=-bad`, { method: 'PUT', headers: { 'Content-Type': image.mediaType }, body: new Uint8Array(image.manifest.bytes) });
    await assertError(response, 400, 'MANIFEST_INVALID');
    await assertNotStored('val/tagq', image.manifest.digest, 'good');
  });

  it('returns 400 MANIFEST_INVALID for a PUT to a tag longer than 128 characters', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'val/longtag', blob);
    await assertError(await putManifest(registry.url, 'val/longtag', 'a'.repeat(129), image.manifest, image.mediaType), 400, 'MANIFEST_INVALID');
    assert.equal((await putManifest(registry.url, 'val/longtag', 'a'.repeat(128), image.manifest, image.mediaType)).status, 201);
  });
});
