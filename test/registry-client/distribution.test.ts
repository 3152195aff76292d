import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient, RegistryClientError } from '../../src/registry-client/index.js';
import { content, imageIndex, imageManifest, randomBlob, type ImageFixture } from '../support/fixtures.js';
import { drain, hasDistribution, startDistribution, type Distribution } from './support.js';

async function pushImage(client: RegistryClient, name: string, tag: string, image: ImageFixture): Promise<string> {
  for (const blob of [image.config, ...image.layers]) await client.uploadBlob(name, blob.digest, blob.bytes);
  return client.putManifest(name, tag, image.manifest.bytes);
}

describe('registry client against CNCF Distribution', { skip: hasDistribution() ? false : 'docker-registry is not installed' }, () => {
  let distribution: Distribution;
  let client: RegistryClient;
  before(async () => {
    distribution = await startDistribution();
    client = new RegistryClient(distribution.url, { connections: 4 });
  });
  after(async () => {
    await client?.close();
    await distribution?.stop();
  });

  it('pushes monolithic (POST then PUT, and single POST) and chunked with a small chunk size, then pulls verified bytes', async () => {
    const mono = randomBlob(40_000);
    const single = randomBlob(3000);
    const chunked = randomBlob(100_003);
    await client.uploadBlob('rc/blobs', mono.digest, mono.bytes);
    await client.uploadBlob('rc/blobs', single.digest, single.bytes, { singleRequest: true });
    await client.uploadBlobChunked('rc/blobs', chunked.digest, chunked.bytes, { chunkSize: 16_384 });
    for (const blob of [mono, single, chunked]) {
      assert.deepEqual(await client.headBlob('rc/blobs', blob.digest), { size: blob.size });
      const { stream, size } = await client.getBlob('rc/blobs', blob.digest);
      assert.equal(size, blob.size);
      assert.deepEqual(await drain(stream), blob.bytes);
    }
    assert.equal(await client.headBlob('rc/blobs', randomBlob(10).digest), undefined);
  });

  it('uploads a chunked blob from a stream of odd-sized pieces', async () => {
    const blob = randomBlob(50_000);
    async function* odd(): AsyncGenerator<Buffer> {
      for (let at = 0; at < blob.size; at += 7_777) yield blob.bytes.subarray(at, at + 7_777);
    }
    await client.uploadBlobChunked('rc/stream', blob.digest, odd(), { chunkSize: 10_000 });
    assert.deepEqual(await client.getBlobBytes('rc/stream', blob.digest), blob.bytes);
  });

  it('reads a byte range of a blob', async () => {
    const blob = randomBlob(5000);
    await client.uploadBlob('rc/range', blob.digest, blob.bytes);
    const { stream, status } = await client.getBlob('rc/range', blob.digest, { range: { start: 100, end: 199 } });
    assert.equal(status, 206);
    assert.deepEqual(await drain(stream), blob.bytes.subarray(100, 200));
  });

  it('mounts a blob from another repository, and falls back to an upload when the source lacks it', async () => {
    const blob = randomBlob(2048);
    await client.uploadBlob('rc/source', blob.digest, blob.bytes);
    assert.equal(await client.mountBlob('rc/target', blob.digest, 'rc/source'), true);
    assert.deepEqual(await client.getBlobBytes('rc/target', blob.digest), blob.bytes);
    const missing = randomBlob(1000);
    assert.equal(await client.mountBlob('rc/target', missing.digest, 'rc/nowhere', () => missing.bytes), false);
    assert.deepEqual(await client.getBlobBytes('rc/target', missing.digest), missing.bytes);
  });

  it('gets, heads, puts and deletes manifests by tag and digest, OCI and Docker, images and indexes', async () => {
    const oci = imageManifest();
    const docker = imageManifest({ mediaType: 'docker' });
    const ociDigest = await pushImage(client, 'rc/manifests', 'oci', oci);
    assert.equal(ociDigest, oci.manifest.digest);
    await pushImage(client, 'rc/manifests', 'docker', docker);
    const index = imageIndex([oci]);
    await client.putManifest('rc/manifests', 'index', index.manifest.bytes);
    for (const [tag, image] of [['oci', oci.manifest], ['docker', docker.manifest], ['index', index.manifest]] as const) {
      const byTag = await client.getManifest('rc/manifests', tag);
      assert.deepEqual(byTag.bytes, image.bytes);
      assert.equal(byTag.digest, image.digest);
      assert.equal(byTag.registryDigest, image.digest);
      const byDigest = await client.getManifest('rc/manifests', image.digest);
      assert.deepEqual(byDigest.bytes, image.bytes);
    }
    assert.equal((await client.getManifest('rc/manifests', 'docker')).mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.deepEqual(await client.headManifest('rc/manifests', 'oci'), { digest: oci.manifest.digest, mediaType: oci.mediaType, size: oci.manifest.size });
    await client.deleteManifest('rc/manifests', oci.manifest.digest);
    assert.equal(await client.headManifest('rc/manifests', oci.manifest.digest), undefined);
    await assert.rejects(client.getManifest('rc/manifests', oci.manifest.digest), (e: unknown) => e instanceof RegistryClientError && e.status === 404 && e.codes.includes('MANIFEST_UNKNOWN'));
  });

  it('lists tags, and the catalog across pages (n, last, Link rel="next")', async () => {
    const image = imageManifest();
    await pushImage(client, 'rc/tags', 't00', image);
    const tags = Array.from({ length: 7 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    for (const tag of tags.slice(1)) await client.putManifest('rc/tags', tag, image.manifest.bytes);
    // Distribution 2.8 ignores n on tags (one unsorted page); Berth's suite proves tag pagination.
    assert.deepEqual((await client.listTags('rc/tags', { pageSize: 3 })).sort(), tags);
    const catalogPages: string[][] = [];
    for await (const page of client.catalogPages({ pageSize: 2 })) catalogPages.push(page);
    assert.ok(catalogPages.length > 1);
    assert.ok(catalogPages.every((page) => page.length <= 2));
    assert.ok(catalogPages.flat().includes('rc/tags'));
    assert.deepEqual(catalogPages.flat(), await client.listCatalog());
    const afterTags = await client.listCatalog({ pageSize: 2, last: 'rc/tags' });
    assert.ok(afterTags.every((name) => name > 'rc/tags'));
  });

  it('lists referrers through the tag schema where the referrers endpoint 404s', async () => {
    const subject = imageManifest();
    await pushImage(client, 'rc/referred', 'v1', subject);
    assert.deepEqual(await client.listReferrers('rc/referred', subject.manifest.digest), []);
    const signature = imageManifest({ subject: { ...subject.manifest, mediaType: subject.mediaType }, artifactType: 'application/vnd.example.signature' });
    const sbom = imageManifest({ subject: { ...subject.manifest, mediaType: subject.mediaType }, artifactType: 'application/vnd.example.sbom' });
    const hex = subject.manifest.digest.slice('sha256:'.length);
    for (const referrer of [signature, sbom]) await pushImage(client, 'rc/referred', referrer.manifest.digest.replace(':', '-'), referrer);
    // The fallback index a client without the endpoint maintains (distribution-spec, "Referrers Tag Schema").
    const fallback = content(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [signature, sbom].map((r, i) => ({ mediaType: r.mediaType, digest: r.manifest.digest, size: r.manifest.size, artifactType: i === 0 ? 'application/vnd.example.signature' : 'application/vnd.example.sbom' })),
    }));
    await client.putManifest('rc/referred', `sha256-${hex}`, fallback.bytes);
    const all = await client.listReferrers('rc/referred', subject.manifest.digest);
    assert.deepEqual(all.map((r) => r.digest), [signature.manifest.digest, sbom.manifest.digest]);
    const signatures = await client.listReferrers('rc/referred', subject.manifest.digest, { artifactType: 'application/vnd.example.signature' });
    assert.deepEqual(signatures.map((r) => r.digest), [signature.manifest.digest]);
  });
});
