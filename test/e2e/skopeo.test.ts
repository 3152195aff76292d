import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { addIndexToLayout, layoutClosure, layoutDescriptor, OCI_INDEX, readLayoutBlob, type Descriptor } from './support/images.js';
import { blobStatus, fetchBlob, fetchManifest, listTags } from './support/registry-api.js';
import { missingTools, run, runResult, tempFolder } from './support/run.js';
import { umociImage } from './support/umoci.js';

const skip = await missingTools('skopeo', 'umoci');

/** skopeo with the host's signature policy out of the way. */
const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args]);

/** Whether bytes are an image manifest or index (rather than a config or layer). */
function isManifest(bytes: Buffer): boolean {
  try {
    return (JSON.parse(bytes.toString()) as { schemaVersion?: unknown }).schemaVersion === 2;
  } catch {
    return false;
  }
}

/** The file a dir: destination keeps a sha256 blob in: its hex digest. */
const dirBlob = (dir: string, digest: string) => join(dir, digest.slice('sha256:'.length));

describe('skopeo against Berth', { skip, timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let work: { path: string; remove(): Promise<void> };
  let source: string;
  let amd: Descriptor;
  let arm: Descriptor;
  let multi: Descriptor;

  const docker = (name: string) => `docker://${registry.host}/${name}`;

  /** Asserts every blob and manifest under `digest` in the source layout is byte-identical in the registry repo. */
  async function assertRegistryHoldsClosure(name: string, digest: string): Promise<void> {
    for (const d of await layoutClosure(source, digest)) {
      const expected = await readLayoutBlob(source, d);
      if (isManifest(expected)) {
        const manifest = await fetchManifest(registry.url, name, d);
        assert.equal(manifest.status, 200, `manifest ${d} in ${name}`);
        assert.equal(manifest.digest, d);
        assert.deepEqual(manifest.bytes, expected, `manifest ${d} bytes`);
      } else {
        const blob = await fetchBlob(registry.url, name, d);
        assert.equal(blob.status, 200, `blob ${d} in ${name}`);
        assert.deepEqual(blob.bytes, expected, `blob ${d} bytes`);
      }
    }
  }

  /** Asserts a pulled OCI layout's tag points at `digest` and holds every source blob unchanged. */
  async function assertLayoutRoundTrip(layout: string, tag: string, digest: string): Promise<void> {
    assert.equal((await layoutDescriptor(layout, tag)).digest, digest);
    for (const d of await layoutClosure(source, digest)) {
      assert.deepEqual(await readLayoutBlob(layout, d), await readLayoutBlob(source, d), `${d} in ${layout}`);
    }
  }

  before(async () => {
    registry = await startRegistry();
    work = await tempFolder('skopeo');
    source = join(work.path, 'source');
    const nonce = randomBytes(6).toString('hex');
    await umociImage(source, 'amd', { architecture: 'amd64', fileName: 'amd.txt', fileText: `amd64 ${nonce}\n` });
    await umociImage(source, 'arm', { architecture: 'arm64', fileName: 'arm.txt', fileText: `arm64 ${nonce}\n` });
    await addIndexToLayout(source, 'multi', ['amd', 'arm']);
    amd = await layoutDescriptor(source, 'amd');
    arm = await layoutDescriptor(source, 'arm');
    multi = await layoutDescriptor(source, 'multi');
  });

  after(async () => {
    await registry?.stop();
    await work?.remove();
  });

  it('pushes a single OCI image and the registry serves it under the same digest with identical bytes', async () => {
    const digestFile = join(work.path, 'single.digest');
    await skopeo(['copy', '--dest-tls-verify=false', '--digestfile', digestFile, `oci:${source}:amd`, docker('skopeo/single:v1')]);
    assert.equal((await readFile(digestFile, 'utf8')).trim(), amd.digest);
    const manifest = await fetchManifest(registry.url, 'skopeo/single', 'v1');
    assert.equal(manifest.status, 200);
    assert.equal(manifest.digest, amd.digest);
    assert.equal(manifest.bodyDigest, amd.digest);
    await assertRegistryHoldsClosure('skopeo/single', amd.digest);
  });

  it('pulls the single image back into an OCI layout and a dir with every digest unchanged', async () => {
    const layout = join(work.path, 'single-out');
    await skopeo(['copy', '--src-tls-verify=false', docker('skopeo/single:v1'), `oci:${layout}:pulled`]);
    await assertLayoutRoundTrip(layout, 'pulled', amd.digest);

    const dir = join(work.path, 'single-dir');
    await skopeo(['copy', '--src-tls-verify=false', docker('skopeo/single:v1'), `dir:${dir}`]);
    assert.deepEqual(await readFile(join(dir, 'manifest.json')), await readLayoutBlob(source, amd.digest));
    for (const d of (await layoutClosure(source, amd.digest)).slice(1)) {
      assert.deepEqual(await readFile(dirBlob(dir, d)), await readLayoutBlob(source, d), `${d} in dir`);
    }
  });

  it('pushes a multi-arch index with --all, keeping the index digest and both platform manifests', async () => {
    await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${source}:multi`, docker('skopeo/multi:v1')]);
    const index = await fetchManifest(registry.url, 'skopeo/multi', 'v1');
    assert.equal(index.status, 200);
    assert.equal(index.contentType, OCI_INDEX);
    assert.equal(index.digest, multi.digest);
    const platforms = index.json<{ manifests: Descriptor[] }>().manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}=${m.digest}`);
    assert.deepEqual(platforms, [`linux/amd64=${amd.digest}`, `linux/arm64=${arm.digest}`]);
    await assertRegistryHoldsClosure('skopeo/multi', multi.digest);
  });

  it('pulls the index with --all into an OCI layout and a dir with every digest unchanged', async () => {
    const layout = join(work.path, 'multi-out');
    await skopeo(['copy', '--all', '--src-tls-verify=false', docker('skopeo/multi:v1'), `oci:${layout}:pulled`]);
    await assertLayoutRoundTrip(layout, 'pulled', multi.digest);

    const dir = join(work.path, 'multi-dir');
    await skopeo(['copy', '--all', '--src-tls-verify=false', docker('skopeo/multi:v1'), `dir:${dir}`]);
    assert.deepEqual(await readFile(join(dir, 'manifest.json')), await readLayoutBlob(source, multi.digest));
    for (const child of [amd, arm]) {
      assert.deepEqual(await readFile(join(dir, `${child.digest.slice(7)}.manifest.json`)), await readLayoutBlob(source, child.digest));
    }
  });

  it('pulls only the requested platform of the index when --all is not given', async () => {
    const layout = join(work.path, 'arm-out');
    await skopeo(['copy', '--override-arch', 'arm64', '--src-tls-verify=false', docker('skopeo/multi:v1'), `oci:${layout}:arm`]);
    await assertLayoutRoundTrip(layout, 'arm', arm.digest);
  });

  it('inspects an image: digest, architecture and tags; --raw prints the exact manifest bytes', async () => {
    const { stdout } = await skopeo(['inspect', '--tls-verify=false', docker('skopeo/single:v1')]);
    const info = JSON.parse(stdout) as { Name: string; Digest: string; Architecture: string; Os: string; RepoTags: string[]; Layers: string[] };
    assert.equal(info.Name, `${registry.host}/skopeo/single`);
    assert.equal(info.Digest, amd.digest);
    assert.equal(info.Architecture, 'amd64');
    assert.equal(info.Os, 'linux');
    assert.deepEqual(info.RepoTags, ['v1']);
    const manifest = JSON.parse((await readLayoutBlob(source, amd.digest)).toString()) as { layers: Descriptor[] };
    assert.deepEqual(info.Layers, manifest.layers.map((l) => l.digest));

    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', docker('skopeo/single:v1')]);
    assert.equal(raw.stdout, (await readLayoutBlob(source, amd.digest)).toString());
  });

  it('inspects an index: --raw prints the index bytes, a platform override resolves to that platform', async () => {
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', docker('skopeo/multi:v1')]);
    assert.equal(raw.stdout, (await readLayoutBlob(source, multi.digest)).toString());
    const { stdout } = await skopeo(['inspect', '--override-arch', 'arm64', '--tls-verify=false', docker('skopeo/multi:v1')]);
    const info = JSON.parse(stdout) as { Architecture: string; Layers: string[] };
    assert.equal(info.Architecture, 'arm64');
    const armManifest = JSON.parse((await readLayoutBlob(source, arm.digest)).toString()) as { layers: Descriptor[] };
    assert.deepEqual(info.Layers, armManifest.layers.map((l) => l.digest));
  });

  it('lists every tag pushed to a repository', async () => {
    for (const tag of ['v1', 'v2', 'latest']) {
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${source}:arm`, docker(`skopeo/tags:${tag}`)]);
    }
    const { stdout } = await skopeo(['list-tags', '--tls-verify=false', docker('skopeo/tags')]);
    const listing = JSON.parse(stdout) as { Repository: string; Tags: string[] };
    assert.equal(listing.Repository, `${registry.host}/skopeo/tags`);
    assert.deepEqual([...listing.Tags].sort(), ['latest', 'v1', 'v2']);
  });

  it('copies between two repositories of the registry by mounting the layer from the source repository', async () => {
    const layer = (JSON.parse((await readLayoutBlob(source, amd.digest)).toString()) as { layers: Descriptor[] }).layers[0]!.digest;
    assert.equal(await blobStatus(registry.url, 'skopeo/mounted', layer), 404);
    const { stderr } = await skopeo(['--debug', 'copy', '--src-tls-verify=false', '--dest-tls-verify=false', docker('skopeo/single:v1'), docker('skopeo/mounted:v1')]);
    const mountLine = stderr.split('\n').find((line) => line.includes('POST') && line.includes('/v2/skopeo/mounted/blobs/uploads/?') && line.includes(`mount=${encodeURIComponent(layer)}`));
    assert.ok(mountLine, `skopeo asked for no mount of ${layer}:\n${stderr}`);
    assert.match(mountLine, /from=skopeo%2F(single|multi|tags)/);
    assert.match(stderr, /mount OK/, 'the registry did not answer the mount with 201');
    const copied = await fetchManifest(registry.url, 'skopeo/mounted', 'v1');
    assert.equal(copied.digest, amd.digest);
    await assertRegistryHoldsClosure('skopeo/mounted', amd.digest);
  });

  it('deletes a manifest so that both its tag and its digest answer 404 and inspect fails', async () => {
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${source}:amd`, docker('skopeo/doomed:v1')]);
    assert.equal((await fetchManifest(registry.url, 'skopeo/doomed', 'v1')).status, 200);
    await skopeo(['delete', '--tls-verify=false', docker('skopeo/doomed:v1')]);
    assert.equal((await fetchManifest(registry.url, 'skopeo/doomed', 'v1')).status, 404);
    assert.equal((await fetchManifest(registry.url, 'skopeo/doomed', amd.digest)).status, 404);
    const inspect = await runResult('skopeo', ['inspect', '--tls-verify=false', docker('skopeo/doomed:v1')]);
    assert.notEqual(inspect.code, 0);
    assert.match(inspect.stderr, /manifest unknown/i);
    // The same manifest in another repository is untouched.
    assert.equal((await fetchManifest(registry.url, 'skopeo/single', amd.digest)).status, 200);
  });

  it('refuses to delete a manifest an index still references, and deletes it once the index is gone', async () => {
    await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${source}:multi`, docker('skopeo/nested:v1')]);
    const child = await runResult('skopeo', ['delete', '--tls-verify=false', docker(`skopeo/nested@${arm.digest}`)]);
    assert.notEqual(child.code, 0);
    assert.match(child.stderr, /403|DENIED/);
    assert.equal((await fetchManifest(registry.url, 'skopeo/nested', arm.digest)).status, 200);

    await skopeo(['delete', '--tls-verify=false', docker('skopeo/nested:v1')]);
    assert.equal((await fetchManifest(registry.url, 'skopeo/nested', multi.digest)).status, 404);
    await skopeo(['delete', '--tls-verify=false', docker(`skopeo/nested@${arm.digest}`)]);
    assert.equal((await fetchManifest(registry.url, 'skopeo/nested', arm.digest)).status, 404);
    assert.equal((await fetchManifest(registry.url, 'skopeo/nested', amd.digest)).status, 200);
  });

  it('accepts the same new image pushed by four skopeo processes at once, each tag complete', async () => {
    await umociImage(source, 'race', { architecture: 'amd64', fileName: 'race.bin', fileText: randomBytes(48 * 1024).toString('base64') });
    const race = await layoutDescriptor(source, 'race');
    const tags = ['r1', 'r2', 'r3', 'r4'];
    await Promise.all(tags.map((tag) => skopeo(['copy', '--dest-tls-verify=false', `oci:${source}:race`, docker(`skopeo/race:${tag}`)])));
    assert.deepEqual([...(await listTags(registry.url, 'skopeo/race'))].sort(), tags);
    for (const tag of tags) assert.equal((await fetchManifest(registry.url, 'skopeo/race', tag)).digest, race.digest, tag);
    await assertRegistryHoldsClosure('skopeo/race', race.digest);
  });

  it('pushes zstd-compressed layers and pulls them back byte-identical', async () => {
    await umociImage(source, 'zstd', { architecture: 'amd64', fileName: 'zstd.txt', fileText: `zstd ${randomBytes(6).toString('hex')}\n` });
    await skopeo(['copy', '--dest-compress-format', 'zstd', '--dest-tls-verify=false', `oci:${source}:zstd`, docker('skopeo/zstd:v1')]);
    const pushed = await fetchManifest(registry.url, 'skopeo/zstd', 'v1');
    assert.equal(pushed.status, 200);
    const layer = pushed.json<{ layers: Descriptor[] }>().layers[0]!;
    assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const blob = await fetchBlob(registry.url, 'skopeo/zstd', layer.digest);
    assert.equal(blob.bytes.readUInt32LE(0), 0xfd2fb528, 'the layer starts with the zstd magic number');

    const layout = join(work.path, 'zstd-out');
    await skopeo(['copy', '--src-tls-verify=false', docker('skopeo/zstd:v1'), `oci:${layout}:v1`]);
    assert.equal((await layoutDescriptor(layout, 'v1')).digest, pushed.digest);
    assert.deepEqual(await readLayoutBlob(layout, layer.digest), blob.bytes);
  });

  it('lists the pushed repositories in the catalog', async () => {
    const response = await fetch(`${registry.url}/v2/_catalog`);
    assert.equal(response.status, 200);
    const { repositories } = (await response.json()) as { repositories: string[] };
    for (const name of ['skopeo/single', 'skopeo/multi', 'skopeo/tags', 'skopeo/mounted']) assert.ok(repositories.includes(name), `${name} in ${repositories.join(', ')}`);
    assert.deepEqual(await listTags(registry.url, 'skopeo/multi'), ['v1']);
  });
});
