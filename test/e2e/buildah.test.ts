import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, untar, type Descriptor } from './support/images.js';
import { fetchBlob, fetchManifest } from './support/registry-api.js';
import { buildahSandbox } from './support/buildah.js';
import { missingTools, run, runResult, tempFolder, type RunResult } from './support/run.js';

const skip = await missingTools('buildah');

interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

describe('buildah against Berth', { skip, timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let work: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let globals: string[];
  const nonce = randomBytes(6).toString('hex');

  /** buildah with its own vfs storage and config files in the temp folder. */
  const buildahResult = (args: string[]): Promise<RunResult> => runResult('buildah', [...globals, ...args], { env, timeout: 120_000 });
  const buildah = (args: string[]) => run('buildah', [...globals, ...args], { env, timeout: 120_000 });
  const ref = (name: string) => `${registry.host}/${name}`;

  /** buildah from scratch, copy of a file the test writes, config --arch, commit. */
  async function buildFromScratch(image: string, arch: string, fileName: string, text: string): Promise<void> {
    const file = join(work.path, 'files', `${arch}-${fileName}`);
    await writeFile(file, text);
    const container = (await buildah(['from', '--name', `berth-e2e-${arch}-${randomBytes(3).toString('hex')}`, 'scratch'])).stdout.trim();
    await buildah(['copy', container, file, `/${fileName}`]);
    await buildah(['config', '--arch', arch, '--os', 'linux', '--cmd', `/${fileName}`, container]);
    await buildah(['commit', '--quiet', container, image]);
    await buildah(['rm', container]);
  }

  /** The manifest at a reference and the JSON of its config blob. */
  async function imageFromRegistry(name: string, reference: string): Promise<{ manifest: ImageManifest; config: { architecture: string; os: string }; digest: string | null }> {
    const fetched = await fetchManifest(registry.url, name, reference);
    assert.equal(fetched.status, 200, `${name}:${reference}`);
    const manifest = fetched.json<ImageManifest>();
    const config = await fetchBlob(registry.url, name, manifest.config.digest);
    assert.equal(config.status, 200);
    return { manifest, config: JSON.parse(config.bytes.toString()) as { architecture: string; os: string }, digest: fetched.digest };
  }

  before(async () => {
    registry = await startRegistry();
    work = await tempFolder('buildah');
    ({ env, globals } = await buildahSandbox(work.path, registry.host));
    await buildFromScratch('localhost/berth-e2e/app:arm64', 'arm64', 'buildah.txt', `arm64 ${nonce}\n`);
    await buildFromScratch('localhost/berth-e2e/app:amd64', 'amd64', 'buildah.txt', `amd64 ${nonce}\n`);
  });

  after(async () => {
    if (globals) {
      await buildahResult(['rm', '--all']);
      await buildahResult(['rmi', '--all', '--force']);
    }
    await registry?.stop();
    await work?.remove();
  });

  it('pushes an image built from scratch: the layer holds the copied file and the config the architecture', async () => {
    const digestFile = join(work.path, 'push.digest');
    await buildah(['push', '--tls-verify=false', '--digestfile', digestFile, 'localhost/berth-e2e/app:arm64', `docker://${ref('buildah/app:arm64')}`]);
    const { manifest, config, digest } = await imageFromRegistry('buildah/app', 'arm64');
    assert.equal(digest, (await readFile(digestFile, 'utf8')).trim());
    assert.equal(manifest.mediaType, OCI_MANIFEST);
    assert.equal(config.architecture, 'arm64');
    assert.equal(config.os, 'linux');
    assert.equal(manifest.layers.length, 1);
    const layer = await fetchBlob(registry.url, 'buildah/app', manifest.layers[0]!.digest);
    assert.equal(layer.status, 200);
    assert.equal(layer.bytes.length, manifest.layers[0]!.size);
    assert.equal(untar(layer.bytes).get('buildah.txt')?.toString(), `arm64 ${nonce}\n`);
  });

  it('pushes in Docker schema 2 format with --format docker', async () => {
    const digestFile = join(work.path, 'push-docker.digest');
    await buildah(['push', '--tls-verify=false', '--format', 'docker', '--digestfile', digestFile, 'localhost/berth-e2e/app:amd64', `docker://${ref('buildah/app:amd64-docker')}`]);
    const fetched = await fetchManifest(registry.url, 'buildah/app', 'amd64-docker');
    assert.equal(fetched.status, 200);
    assert.equal(fetched.contentType, DOCKER_MANIFEST);
    assert.equal(fetched.digest, (await readFile(digestFile, 'utf8')).trim());
    const { config } = await imageFromRegistry('buildah/app', 'amd64-docker');
    assert.equal(config.architecture, 'amd64');
  });

  it('pushes a second tag without uploading any blob the repository already has', async () => {
    const { stderr } = await buildah(['--log-level', 'debug', 'push', '--tls-verify=false', 'localhost/berth-e2e/app:arm64', `docker://${ref('buildah/app:arm64-again')}`]);
    assert.match(stderr, /HEAD http:\/\/\S+\/v2\/buildah\/app\/blobs\/sha256:/, 'buildah checked for existing blobs');
    const uploads = stderr.split('\n').filter((line) => /(PATCH|PUT) http:\/\/\S+\/blobs\/uploads\//.test(line));
    assert.deepEqual(uploads, [], 'no blob was uploaded again');
    const first = await fetchManifest(registry.url, 'buildah/app', 'arm64');
    const again = await fetchManifest(registry.url, 'buildah/app', 'arm64-again');
    assert.equal(again.status, 200);
    assert.equal(again.digest, first.digest);
  });

  it('pushes a list made with buildah manifest create/add as an OCI index referencing both architectures', async () => {
    await buildah(['manifest', 'create', 'localhost/berth-e2e/list:v1']);
    await buildah(['manifest', 'add', 'localhost/berth-e2e/list:v1', 'localhost/berth-e2e/app:amd64']);
    await buildah(['manifest', 'add', 'localhost/berth-e2e/list:v1', 'localhost/berth-e2e/app:arm64']);
    const digestFile = join(work.path, 'list.digest');
    await buildah(['manifest', 'push', '--all', '--tls-verify=false', '--digestfile', digestFile, 'localhost/berth-e2e/list:v1', `docker://${ref('buildah/list:v1')}`]);

    const index = await fetchManifest(registry.url, 'buildah/list', 'v1');
    assert.equal(index.status, 200);
    assert.equal(index.contentType, OCI_INDEX);
    assert.equal(index.digest, (await readFile(digestFile, 'utf8')).trim());
    const children = index.json<{ manifests: Descriptor[] }>().manifests;
    assert.deepEqual(children.map((c) => c.platform?.architecture).sort(), ['amd64', 'arm64']);
    for (const child of children) {
      const { manifest, config, digest } = await imageFromRegistry('buildah/list', child.digest);
      assert.equal(digest, child.digest);
      assert.equal(config.architecture, child.platform?.architecture);
      const layer = await fetchBlob(registry.url, 'buildah/list', manifest.layers[0]!.digest);
      assert.equal(untar(layer.bytes).get('buildah.txt')?.toString(), `${child.platform?.architecture} ${nonce}\n`);
    }
  });

  it('pulls the pushed image into empty storage under the registry manifest digest', async () => {
    await buildahResult(['manifest', 'rm', 'localhost/berth-e2e/list:v1']);
    await buildah(['rmi', '--all', '--force']);
    const expected = (await fetchManifest(registry.url, 'buildah/app', 'amd64-docker')).digest;
    await buildah(['pull', '--quiet', '--tls-verify=false', ref('buildah/app:amd64-docker')]);
    const inspected = JSON.parse((await buildah(['inspect', '--type', 'image', ref('buildah/app:amd64-docker')])).stdout) as { FromImageDigest: string; OCIv1: { architecture: string } };
    assert.equal(inspected.FromImageDigest, expected);
    assert.equal(inspected.OCIv1.architecture, 'amd64');
  });
});
