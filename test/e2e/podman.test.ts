import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushImage, putManifest } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { buildImage, buildIndex, DOCKER_MANIFEST, OCI_MANIFEST, tar } from './support/images.js';
import { blobStatus, fetchManifest } from './support/registry-api.js';
import { missingTools, run, runResult, tempFolder, type RunResult } from './support/run.js';

const skip = await missingTools('podman');

interface PodmanImage {
  Id: string;
  Names?: string[];
  Digest: string;
  RepoDigests?: string[];
}

describe('podman against Berth', { skip, timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let work: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let globals: string[];
  const fileText = `podman e2e ${randomBytes(6).toString('hex')}\n`;

  /** podman with its own storage (vfs), run state and config files in the temp folder. */
  const podmanResult = (args: string[]): Promise<RunResult> => runResult('podman', [...globals, ...args], { env, timeout: 120_000 });
  const podman = (args: string[]) => run('podman', [...globals, ...args], { env, timeout: 120_000 });
  const ref = (name: string) => `${registry.host}/${name}`;

  async function images(): Promise<PodmanImage[]> {
    return JSON.parse((await podman(['images', '--digests', '--format', 'json'])).stdout) as PodmanImage[];
  }

  /** Reads a file from an image in podman's storage (podman image mount). */
  async function fileInImage(image: string, path: string): Promise<string> {
    const mountPoint = (await podman(['image', 'mount', image])).stdout.trim();
    try {
      return await readFile(join(mountPoint, path), 'utf8');
    } finally {
      await podman(['image', 'unmount', image]);
    }
  }

  before(async () => {
    registry = await startRegistry();
    work = await tempFolder('podman');
    const folder = (name: string) => join(work.path, name);
    for (const name of ['root', 'runroot', 'tmp', 'rootfs']) await mkdir(folder(name), { recursive: true });
    await writeFile(folder('storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${folder('root')}"\nrunroot = "${folder('runroot')}"\n`);
    await writeFile(folder('registries.conf'), `unqualified-search-registries = []\n\n[[registry]]\nlocation = "${registry.host}"\ninsecure = true\n`);
    await writeFile(folder('containers.conf'), '[engine]\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n');
    env = {
      CONTAINERS_STORAGE_CONF: folder('storage.conf'),
      CONTAINERS_REGISTRIES_CONF: folder('registries.conf'),
      CONTAINERS_CONF: folder('containers.conf'),
    };
    globals = ['--root', folder('root'), '--runroot', folder('runroot'), '--tmpdir', folder('tmp'), '--storage-driver', 'vfs'];
    // The image podman pushes: a root filesystem tarball the test writes, imported.
    await writeFile(folder('rootfs.tar'), tar([{ name: 'podman.txt', data: fileText }]));
    await podman(['import', folder('rootfs.tar'), 'localhost/berth-e2e/app:v1']);
  });

  after(async () => {
    if (globals) await podmanResult(['rmi', '--all', '--force']);
    await registry?.stop();
    await work?.remove();
  });

  it('pushes an imported image and the registry serves it under the digest podman reports', async () => {
    const digestFile = join(work.path, 'push.digest');
    await podman(['push', '--tls-verify=false', '--digestfile', digestFile, 'localhost/berth-e2e/app:v1', `docker://${ref('podman/app:v1')}`]);
    const reported = (await readFile(digestFile, 'utf8')).trim();
    const manifest = await fetchManifest(registry.url, 'podman/app', 'v1');
    assert.equal(manifest.status, 200);
    assert.equal(manifest.digest, reported);
    assert.equal(manifest.bodyDigest, reported);
    assert.equal(manifest.contentType, OCI_MANIFEST);
    const doc = manifest.json<{ config: { digest: string }; layers: { digest: string }[] }>();
    for (const digest of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
      assert.equal(await blobStatus(registry.url, 'podman/app', digest), 200, digest);
    }
  });

  it('pushes in Docker schema 2 format with --format v2s2', async () => {
    const digestFile = join(work.path, 'push-v2s2.digest');
    await podman(['push', '--tls-verify=false', '--format', 'v2s2', '--digestfile', digestFile, 'localhost/berth-e2e/app:v1', `docker://${ref('podman/app:docker')}`]);
    const manifest = await fetchManifest(registry.url, 'podman/app', 'docker');
    assert.equal(manifest.status, 200);
    assert.equal(manifest.contentType, DOCKER_MANIFEST);
    assert.equal(manifest.digest, (await readFile(digestFile, 'utf8')).trim());
    assert.equal(manifest.json<{ mediaType: string }>().mediaType, DOCKER_MANIFEST);
  });

  it('pulls the pushed image into empty storage and podman images shows the registry manifest digest', async () => {
    await podman(['rmi', '--all', '--force']);
    assert.deepEqual(await images(), []);
    const expected = (await fetchManifest(registry.url, 'podman/app', 'v1')).digest;
    await podman(['pull', '--tls-verify=false', ref('podman/app:v1')]);
    const pulled = (await images()).find((image) => image.Names?.includes(ref('podman/app:v1')));
    assert.ok(pulled, `podman images lists ${ref('podman/app:v1')}`);
    assert.equal(pulled.Digest, expected);
    assert.ok(pulled.RepoDigests?.includes(`${ref('podman/app')}@${expected}`), `RepoDigests ${pulled.RepoDigests?.join(', ')}`);
    assert.equal(await fileInImage(ref('podman/app:v1'), 'podman.txt'), fileText);
  });

  it('pulls an image by its manifest digest', async () => {
    const { digest } = await fetchManifest(registry.url, 'podman/app', 'docker');
    assert.ok(digest);
    await podman(['pull', '--tls-verify=false', `${ref('podman/app')}@${digest}`]);
    // Same config as the OCI image pulled before, so podman files both manifests under one image.
    const inspected = JSON.parse((await podman(['image', 'inspect', `${ref('podman/app')}@${digest}`])).stdout) as { RepoDigests: string[] }[];
    assert.ok(inspected[0]?.RepoDigests.includes(`${ref('podman/app')}@${digest}`), `RepoDigests ${inspected[0]?.RepoDigests.join(', ')}`);
  });

  it('pulls the platform asked for from a multi-arch index', async () => {
    const amd = buildImage({ architecture: 'amd64', files: [{ name: 'arch.txt', data: 'amd64\n' }] });
    const arm = buildImage({ architecture: 'arm64', files: [{ name: 'arch.txt', data: 'arm64\n' }] });
    await pushImage(registry.url, 'podman/multi', amd.manifest.digest, amd);
    await pushImage(registry.url, 'podman/multi', arm.manifest.digest, arm);
    const index = buildIndex([amd, arm]);
    assert.equal((await putManifest(registry.url, 'podman/multi', 'v1', index.manifest, index.mediaType)).status, 201);

    await podman(['pull', '--tls-verify=false', '--arch', 'arm64', ref('podman/multi:v1')]);
    const inspected = JSON.parse((await podman(['image', 'inspect', ref('podman/multi:v1')])).stdout) as { Architecture: string; RepoDigests: string[] }[];
    assert.equal(inspected[0]?.Architecture, 'arm64');
    assert.ok(inspected[0]?.RepoDigests.includes(`${ref('podman/multi')}@${arm.manifest.digest}`), `RepoDigests ${inspected[0]?.RepoDigests.join(', ')}`);
    assert.equal(await fileInImage(ref('podman/multi:v1'), 'arch.txt'), 'arm64\n');
  });

  it('fails to pull a tag the registry does not have, reporting manifest unknown', async () => {
    const result = await podmanResult(['pull', '--tls-verify=false', ref('podman/app:no-such-tag')]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /manifest unknown/i);
  });
});
