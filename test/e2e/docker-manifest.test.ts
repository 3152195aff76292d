import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pushImage, putManifest, type ImageFixture } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { buildImage, buildIndex, DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, type Descriptor } from './support/images.js';
import { blobStatus, fetchManifest } from './support/registry-api.js';
import { missingTools, run, runResult, tempFolder } from './support/run.js';

const skip = await missingTools('docker');

interface ManifestList {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

// Only `docker manifest` is used: it talks to registries itself and needs no Docker engine.
describe('docker manifest against Berth', { skip, timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let config: { path: string; remove(): Promise<void> };
  let amd: ImageFixture;
  let arm: ImageFixture;

  /** The docker CLI with a temp DOCKER_CONFIG, so manifest lists it keeps locally stay in the test. */
  const dockerResult = (args: string[]) => runResult('docker', args, { env: { DOCKER_CONFIG: config.path } });
  const docker = (args: string[]) => run('docker', args, { env: { DOCKER_CONFIG: config.path } });
  const ref = (name: string) => `${registry.host}/${name}`;

  before(async () => {
    registry = await startRegistry();
    config = await tempFolder('docker-config');
    amd = buildImage({ architecture: 'amd64', mediaType: 'docker' });
    arm = buildImage({ architecture: 'arm64', mediaType: 'docker' });
    // Two single-arch images in their own repositories, so the list push has to bring them over.
    await pushImage(registry.url, 'docker/amd', 'v1', amd);
    await pushImage(registry.url, 'docker/arm', 'v1', arm);
  });

  after(async () => {
    await registry?.stop();
    await config?.remove();
  });

  it('inspects a pushed image with --insecure and prints its schema 2 manifest', async () => {
    const { stdout } = await docker(['manifest', 'inspect', '--insecure', ref('docker/amd:v1')]);
    assert.deepEqual(JSON.parse(stdout), JSON.parse(amd.manifest.bytes.toString()));
  });

  it('inspects an OCI index with --insecure and lists each platform with its digest', async () => {
    // OCI children: the CLI labels what it prints by its children's type, whatever the index says.
    const ociAmd = buildImage({ architecture: 'amd64' });
    const ociArm = buildImage({ architecture: 'arm64' });
    const index = buildIndex([ociAmd, ociArm]);
    await pushImage(registry.url, 'docker/oci-index', ociAmd.manifest.digest, ociAmd);
    await pushImage(registry.url, 'docker/oci-index', ociArm.manifest.digest, ociArm);
    assert.equal((await putManifest(registry.url, 'docker/oci-index', 'v1', index.manifest, index.mediaType)).status, 201);
    const { stdout } = await docker(['manifest', 'inspect', '--insecure', ref('docker/oci-index:v1')]);
    const shown = JSON.parse(stdout) as ManifestList;
    assert.equal(shown.mediaType, OCI_INDEX);
    assert.deepEqual(
      shown.manifests.map((m) => [m.digest, m.platform?.architecture]),
      [
        [ociAmd.manifest.digest, 'amd64'],
        [ociArm.manifest.digest, 'arm64'],
      ],
    );
  });

  it('creates and pushes a manifest list with --insecure; the registry serves a Docker manifest list referencing both images', async () => {
    const created = await docker(['manifest', 'create', '--insecure', ref('docker/list:v1'), ref('docker/amd:v1'), ref('docker/arm:v1')]);
    assert.match(created.stdout, /Created manifest list/);
    const pushed = await docker(['manifest', 'push', '--insecure', ref('docker/list:v1')]);
    const pushedDigest = pushed.stdout.trim().split('\n').at(-1)?.trim();
    assert.match(pushedDigest ?? '', /^sha256:[0-9a-f]{64}$/, `digest printed by docker manifest push:\n${pushed.stdout}`);

    const list = await fetchManifest(registry.url, 'docker/list', 'v1');
    assert.equal(list.status, 200);
    assert.equal(list.contentType, DOCKER_LIST);
    assert.equal(list.digest, pushedDigest);
    assert.equal(list.bodyDigest, pushedDigest);
    const doc = list.json<ManifestList>();
    assert.equal(doc.mediaType, DOCKER_LIST);
    assert.deepEqual(
      doc.manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: m.platform })),
      [
        { mediaType: DOCKER_MANIFEST, digest: amd.manifest.digest, size: amd.manifest.size, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: DOCKER_MANIFEST, digest: arm.manifest.digest, size: arm.manifest.size, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    );
  });

  it('brings both referenced images, manifests and blobs, into the list repository on push', async () => {
    for (const image of [amd, arm]) {
      const child = await fetchManifest(registry.url, 'docker/list', image.manifest.digest);
      assert.equal(child.status, 200, `${image.manifest.digest} in docker/list`);
      assert.equal(child.contentType, DOCKER_MANIFEST);
      assert.deepEqual(child.bytes, image.manifest.bytes);
      for (const blob of [image.config, ...image.layers]) {
        assert.equal(await blobStatus(registry.url, 'docker/list', blob.digest), 200, `${blob.digest} in docker/list`);
      }
    }
  });

  it('inspects the pushed list with --insecure and shows both platforms', async () => {
    const { stdout } = await docker(['manifest', 'inspect', '--insecure', ref('docker/list:v1')]);
    const shown = JSON.parse(stdout) as ManifestList;
    assert.equal(shown.mediaType, DOCKER_LIST);
    assert.deepEqual(shown.manifests.map((m) => m.platform?.architecture), ['amd64', 'arm64']);

    const verbose = JSON.parse((await docker(['manifest', 'inspect', '--insecure', '--verbose', ref('docker/list:v1')])).stdout) as { Descriptor: Descriptor }[];
    assert.deepEqual(verbose.map((entry) => entry.Descriptor.digest), [amd.manifest.digest, arm.manifest.digest]);
  });

  it('fails to inspect a tag the registry does not have, saying no such manifest', async () => {
    const result = await dockerResult(['manifest', 'inspect', '--insecure', ref('docker/amd:no-such-tag')]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /no such manifest/i);
  });
});
