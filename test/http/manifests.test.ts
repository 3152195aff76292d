import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, descriptor, imageIndex, imageManifest, pushBlob, pushImage, putManifest, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertError, resolveLocation, streamOf, streamedInit } from '../support/spec-http.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const EMPTY = content('{}');

// distribution-spec: "Pulling manifests", "Pushing Manifests", "Deleting tags", "Deleting Manifests".
describe('manifests: push, pull, tags and delete', () => {
  let registry: TestRegistry;
  before(async () => (registry = await startRegistry()));
  after(async () => registry.stop());

  const manifestUrl = (name: string, reference: string): string => `${registry.url}/v2/${name}/manifests/${reference}`;

  async function tags(name: string): Promise<string[]> {
    const response = await fetch(`${registry.url}/v2/${name}/tags/list`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { tags: string[] }).tags;
  }

  async function assertServed(name: string, reference: string, bytes: Buffer, mediaType: string, digest: string): Promise<void> {
    const response = await fetch(manifestUrl(name, reference));
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('content-type'), mediaType);
    assert.equal(response.headers.get('docker-content-digest'), digest);
    assert.equal(response.headers.get('content-length'), String(bytes.length));
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes), 'GET returns the pushed bytes');
  }

  it('answers a PUT by tag with 201, Location and Docker-Content-Digest', async () => {
    const image = imageManifest({ layers: 2 });
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'man/app', blob);
    const response = await putManifest(registry.url, 'man/app', 'v1', image.manifest, image.mediaType);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
    assert.equal(response.headers.get('location'), `/v2/man/app/manifests/${image.manifest.digest}`);
    assert.equal(response.headers.get('oci-subject'), null);
  });

  it('answers GET, HEAD and DELETE of a reference that cannot be a tag with 404 MANIFEST_UNKNOWN (the conformance suite asks for .INVALID_MANIFEST_NAME)', async () => {
    await pushImage(registry.url, 'man/invalid-ref', 'v1', imageManifest());
    await assertError(await fetch(manifestUrl('man/invalid-ref', '.INVALID_MANIFEST_NAME')), 404, 'MANIFEST_UNKNOWN');
    assert.equal((await fetch(manifestUrl('man/invalid-ref', '.INVALID_MANIFEST_NAME'), { method: 'HEAD' })).status, 404);
    await assertError(await fetch(manifestUrl('man/invalid-ref', '.INVALID_MANIFEST_NAME'), { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
  });

  it('serves the Location of a manifest PUT', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'man/app', blob);
    const response = await putManifest(registry.url, 'man/app', 'located', image.manifest, image.mediaType);
    const pulled = await fetch(resolveLocation(registry.url, response));
    assert.equal(pulled.status, 200);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(image.manifest.bytes));
  });

  it('answers GET by tag and by digest with the bytes, stored Content-Type and Docker-Content-Digest', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/app', 'get-me', image);
    await assertServed('man/app', 'get-me', image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
    await assertServed('man/app', image.manifest.digest, image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
  });

  it('answers HEAD by tag and by digest with 200, Content-Type, Content-Length, Docker-Content-Digest and no body', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/app', 'head-me', image);
    for (const reference of ['head-me', image.manifest.digest]) {
      const response = await fetch(manifestUrl('man/app', reference), { method: 'HEAD' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(response.headers.get('content-length'), String(image.manifest.size));
      assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
      assert.equal(await response.text(), '');
    }
  });

  it('answers a PUT by digest with 201 and Docker-Content-Digest equal to the given digest', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'man/app', blob);
    const response = await putManifest(registry.url, 'man/app', image.manifest.digest, image.manifest, image.mediaType);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
    assert.equal(response.headers.get('oci-tag'), null);
    await assertServed('man/app', image.manifest.digest, image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
  });

  it('tags a manifest pushed by digest with repeated ?tag=, listing them in OCI-Tag', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'man/multi', blob);
    const wanted = ['1.2.3', '1.2', '1', 'latest'];
    const query = wanted.map((t) => `tag=${t}`).join('&');
    const response = await fetch(`${manifestUrl('man/multi', image.manifest.digest)}?${query}`, {
      method: 'PUT',
      headers: { 'Content-Type': image.mediaType },
      body: new Uint8Array(image.manifest.bytes),
    });
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
    const announced = (response.headers.get('oci-tag') ?? '').split(',').map((t) => t.trim());
    assert.deepEqual([...announced].sort(), [...wanted].sort());
    for (const tag of wanted) await assertServed('man/multi', tag, image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
    assert.deepEqual(await tags('man/multi'), ['1', '1.2', '1.2.3', 'latest']);
  });

  it('accepts twelve ?tag= in one PUT (the spec asks for at least 10)', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'man/many', blob);
    const wanted = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const response = await fetch(`${manifestUrl('man/many', image.manifest.digest)}?${wanted.map((t) => `tag=${t}`).join('&')}`, {
      method: 'PUT',
      headers: { 'Content-Type': image.mediaType },
      body: new Uint8Array(image.manifest.bytes),
    });
    assert.equal(response.status, 201, await response.clone().text());
    assert.deepEqual(await tags('man/many'), wanted);
  });

  it('stores an OCI image index over child manifests and serves it with its media type', async () => {
    const children = [imageManifest(), imageManifest()];
    for (const child of children) await pushImage(registry.url, 'man/index', child.manifest.digest, child);
    const index = imageIndex(children);
    const response = await putManifest(registry.url, 'man/index', 'multi-arch', index.manifest, index.mediaType);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), index.manifest.digest);
    await assertServed('man/index', 'multi-arch', index.manifest.bytes, OCI_INDEX, index.manifest.digest);
  });

  it('stores a Docker schema 2 manifest and serves it with its media type', async () => {
    const image = imageManifest({ mediaType: 'docker' });
    await pushImage(registry.url, 'man/docker', 'v2', image);
    await assertServed('man/docker', 'v2', image.manifest.bytes, DOCKER_MANIFEST, image.manifest.digest);
  });

  it('stores a Docker manifest list and serves it with its media type', async () => {
    const children = [imageManifest({ mediaType: 'docker' }), imageManifest({ mediaType: 'docker' })];
    for (const child of children) await pushImage(registry.url, 'man/docker', child.manifest.digest, child);
    const list = imageIndex(children, { mediaType: 'docker' });
    const response = await putManifest(registry.url, 'man/docker', 'list', list.manifest, list.mediaType);
    assert.equal(response.status, 201, await response.clone().text());
    await assertServed('man/docker', 'list', list.manifest.bytes, DOCKER_LIST, list.manifest.digest);
  });

  it('stores a Helm chart (config application/vnd.cncf.helm.config.v1+json) pushed without a mediaType field', async () => {
    const config = content(JSON.stringify({ name: 'demo', version: '0.1.0', apiVersion: 'v2' }));
    const chart = randomBlob(700);
    const doc = {
      schemaVersion: 2,
      config: descriptor(config, 'application/vnd.cncf.helm.config.v1+json'),
      layers: [descriptor(chart, 'application/vnd.cncf.helm.chart.content.v1.tar+gzip')],
      annotations: { 'org.opencontainers.image.title': 'demo' },
    };
    const manifest = content(JSON.stringify(doc));
    await pushBlob(registry.url, 'man/charts/demo', config);
    await pushBlob(registry.url, 'man/charts/demo', chart);
    const response = await putManifest(registry.url, 'man/charts/demo', '0.1.0', manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
    await assertServed('man/charts/demo', '0.1.0', manifest.bytes, OCI_MANIFEST, manifest.digest);
  });

  it('stores an artifact with artifactType and the empty config {} (application/vnd.oci.empty.v1+json)', async () => {
    const payload = randomBlob(64);
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.thing.v1',
      config: descriptor(EMPTY, 'application/vnd.oci.empty.v1+json', { data: 'e30=' }),
      layers: [descriptor(payload, 'application/vnd.example.thing.layer.v1')],
    };
    const manifest = content(JSON.stringify(doc));
    await pushBlob(registry.url, 'man/artifact', EMPTY);
    await pushBlob(registry.url, 'man/artifact', payload);
    const response = await putManifest(registry.url, 'man/artifact', 'thing', manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
    await assertServed('man/artifact', 'thing', manifest.bytes, OCI_MANIFEST, manifest.digest);
    const blob = await fetch(`${registry.url}/v2/man/artifact/blobs/${EMPTY.digest}`);
    assert.equal(await blob.text(), '{}');
  });

  it('stores an artifact with no layers', async () => {
    const doc = { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.example.empty.v1', config: descriptor(EMPTY, 'application/vnd.oci.empty.v1+json'), layers: [] };
    const manifest = content(JSON.stringify(doc));
    await pushBlob(registry.url, 'man/artifact', EMPTY);
    const response = await putManifest(registry.url, 'man/artifact', 'no-layers', manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
  });

  it('stores the exact bytes pushed, whitespace and key order included', async () => {
    const config = randomBlob(40);
    const layer = randomBlob(40);
    await pushBlob(registry.url, 'man/exact', config);
    await pushBlob(registry.url, 'man/exact', layer);
    const text =
      `{\n\t"layers" : [ {"size":${layer.size},  "digest":"${layer.digest}", "mediaType":"application/vnd.oci.image.layer.v1.tar+gzip"} ],\r\n` +
      `   "config":{"size":${config.size},"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${config.digest}"},\n` +
      `  "schemaVersion" : 2, "mediaType":"${OCI_MANIFEST}", "annotations": {"z":"1","a":"\\u00e9t\\u00e9"}\n}\n\n`;
    const manifest = content(text);
    const response = await putManifest(registry.url, 'man/exact', 'odd', manifest, OCI_MANIFEST);
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(response.headers.get('docker-content-digest'), manifest.digest);
    await assertServed('man/exact', 'odd', manifest.bytes, OCI_MANIFEST, manifest.digest);
  });

  it('ignores parameters on the PUT Content-Type and stores the bare media type', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'man/params', blob);
    const response = await putManifest(registry.url, 'man/params', 'p', image.manifest, `${image.mediaType}; charset=utf-8`);
    assert.equal(response.status, 201, await response.clone().text());
    await assertServed('man/params', 'p', image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
  });

  it('accepts a manifest sent with chunked transfer encoding (no Content-Length)', async () => {
    const image = imageManifest();
    for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'man/streamed', blob);
    const half = image.manifest.size >> 1;
    const body = streamOf(image.manifest.bytes.subarray(0, half), image.manifest.bytes.subarray(half));
    const response = await fetch(manifestUrl('man/streamed', 's'), streamedInit('PUT', body, { 'Content-Type': image.mediaType }));
    assert.equal(response.status, 201, await response.clone().text());
    await assertServed('man/streamed', 's', image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
  });

  it('accepts the same manifest pushed twice (201 both times)', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/app', 'again', image);
    const response = await putManifest(registry.url, 'man/app', 'again', image.manifest, image.mediaType);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
  });

  it('moves a tag to the manifest pushed last, keeping the old one by digest', async () => {
    const first = imageManifest();
    const second = imageManifest();
    await pushImage(registry.url, 'man/move', 'latest', first);
    await pushImage(registry.url, 'man/move', 'latest', second);
    await assertServed('man/move', 'latest', second.manifest.bytes, OCI_MANIFEST, second.manifest.digest);
    await assertServed('man/move', first.manifest.digest, first.manifest.bytes, OCI_MANIFEST, first.manifest.digest);
  });

  it('returns 404 MANIFEST_UNKNOWN for an unknown tag, an unknown digest and an unknown repository', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/app', 'exists', image);
    await assertError(await fetch(manifestUrl('man/app', 'missing')), 404, 'MANIFEST_UNKNOWN');
    await assertError(await fetch(manifestUrl('man/app', `sha256:${'1'.repeat(64)}`)), 404, 'MANIFEST_UNKNOWN');
    await assertError(await fetch(manifestUrl('man/nowhere', 'exists')), 404, 'MANIFEST_UNKNOWN');
  });

  it('does not serve a manifest from another repository', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/left', 'only-here', image);
    await assertError(await fetch(manifestUrl('man/right', image.manifest.digest)), 404, 'MANIFEST_UNKNOWN');
    await assertError(await fetch(manifestUrl('man/right', 'only-here')), 404, 'MANIFEST_UNKNOWN');
  });

  it('deletes a tag with 202, leaving the manifest and its other tags', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/deltag', 'a', image);
    assert.equal((await putManifest(registry.url, 'man/deltag', 'b', image.manifest, image.mediaType)).status, 201);
    const response = await fetch(manifestUrl('man/deltag', 'a'), { method: 'DELETE' });
    assert.equal(response.status, 202);
    await assertError(await fetch(manifestUrl('man/deltag', 'a')), 404, 'MANIFEST_UNKNOWN');
    await assertServed('man/deltag', 'b', image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
    await assertServed('man/deltag', image.manifest.digest, image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
    assert.deepEqual(await tags('man/deltag'), ['b']);
  });

  it('deletes a manifest by digest with 202, removing it and every tag pointing at it', async () => {
    const image = imageManifest();
    const other = imageManifest();
    await pushImage(registry.url, 'man/deldigest', 'x', image);
    assert.equal((await putManifest(registry.url, 'man/deldigest', 'y', image.manifest, image.mediaType)).status, 201);
    await pushImage(registry.url, 'man/deldigest', 'z', other);
    const response = await fetch(manifestUrl('man/deldigest', image.manifest.digest), { method: 'DELETE' });
    assert.equal(response.status, 202);
    await assertError(await fetch(manifestUrl('man/deldigest', image.manifest.digest)), 404, 'MANIFEST_UNKNOWN');
    await assertError(await fetch(manifestUrl('man/deldigest', 'x')), 404, 'MANIFEST_UNKNOWN');
    await assertError(await fetch(manifestUrl('man/deldigest', 'y')), 404, 'MANIFEST_UNKNOWN');
    assert.equal((await fetch(manifestUrl('man/deldigest', image.manifest.digest), { method: 'HEAD' })).status, 404);
    assert.deepEqual(await tags('man/deldigest'), ['z']);
  });

  it('serves a manifest again after it is pushed back following a delete', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/redo', 'r', image);
    assert.equal((await fetch(manifestUrl('man/redo', image.manifest.digest), { method: 'DELETE' })).status, 202);
    assert.equal((await putManifest(registry.url, 'man/redo', 'r', image.manifest, image.mediaType)).status, 201);
    await assertServed('man/redo', image.manifest.digest, image.manifest.bytes, OCI_MANIFEST, image.manifest.digest);
  });

  it('returns 404 MANIFEST_UNKNOWN when deleting an unknown tag, an unknown digest or in an unknown repository', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/app', 'keep', image);
    await assertError(await fetch(manifestUrl('man/app', 'no-such-tag'), { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
    await assertError(await fetch(manifestUrl('man/app', `sha256:${'2'.repeat(64)}`), { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
    await assertError(await fetch(manifestUrl('man/no-repo', 'keep'), { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
  });

  it('refuses with 403 DENIED to delete a manifest that an index in the repository lists', async () => {
    const child = imageManifest();
    await pushImage(registry.url, 'man/parent', child.manifest.digest, child);
    const index = imageIndex([child]);
    assert.equal((await putManifest(registry.url, 'man/parent', 'idx', index.manifest, index.mediaType)).status, 201);
    await assertError(await fetch(manifestUrl('man/parent', child.manifest.digest), { method: 'DELETE' }), 403, 'DENIED');
    assert.equal((await fetch(manifestUrl('man/parent', child.manifest.digest), { method: 'HEAD' })).status, 200);
  });

  it('deletes a blob a manifest still uses (as Distribution and the conformance suite expect); the manifest stays', async () => {
    const image = imageManifest();
    await pushImage(registry.url, 'man/inuse', 'v', image);
    const layer = image.layers[0]?.digest ?? '';
    assert.equal((await fetch(`${registry.url}/v2/man/inuse/blobs/${layer}`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${registry.url}/v2/man/inuse/blobs/${layer}`, { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(manifestUrl('man/inuse', 'v'), { method: 'HEAD' })).status, 200);
  });
});
