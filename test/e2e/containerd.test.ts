import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startContainerd, type Containerd, ctrOk, imageDigest as digestIn } from './support/containerd.js';
import { addIndexToLayout, buildImage, layoutClosure, layoutDescriptor, OCI_INDEX, OCI_MANIFEST, ociArchive, readLayoutBlob, untar, type Descriptor } from './support/images.js';
import { fetchBlob, fetchManifest } from './support/registry-api.js';
import { missingTools, run, tempFolder } from './support/run.js';
import { umociImage } from './support/umoci.js';

const skip = await missingTools('containerd', 'ctr', 'skopeo', 'umoci');

describe('containerd (ctr) against Berth', { skip, timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let daemon: Containerd;
  let work: { path: string; remove(): Promise<void> };
  let source: string;
  let multi: Descriptor;

  const ref = (name: string) => `${registry.host}/${name}`;

  const ctr = (args: string[]): Promise<string> => ctrOk(daemon, args);
  const imageDigest = (reference: string): Promise<string | undefined> => digestIn(daemon, reference);

  /** Asserts every manifest and blob under `digest` in the source layout is byte-identical in the registry repository. */
  async function assertRegistryHoldsClosure(name: string, digest: string): Promise<void> {
    for (const d of await layoutClosure(source, digest)) {
      const expected = await readLayoutBlob(source, d);
      const manifest = await fetchManifest(registry.url, name, d);
      const actual = manifest.status === 200 ? manifest.bytes : (await fetchBlob(registry.url, name, d)).bytes;
      assert.deepEqual(actual, expected, `${d} in ${name}`);
    }
  }

  before(async () => {
    registry = await startRegistry();
    work = await tempFolder('containerd-images');
    daemon = await startContainerd();
    source = join(work.path, 'source');
    const nonce = randomBytes(6).toString('hex');
    await umociImage(source, 'amd', { architecture: 'amd64', fileName: 'amd.txt', fileText: `amd64 ${nonce}\n` });
    await umociImage(source, 'arm', { architecture: 'arm64', fileName: 'arm.txt', fileText: `arm64 ${nonce}\n` });
    await addIndexToLayout(source, 'multi', ['amd', 'arm']);
    multi = await layoutDescriptor(source, 'multi');
    await run('skopeo', ['--insecure-policy', 'copy', '--all', '--dest-tls-verify=false', `oci:${source}:multi`, `docker://${ref('containerd/multi:v1')}`]);
  });

  after(async () => {
    await daemon?.stop();
    await registry?.stop();
    await work?.remove();
  });

  it('pulls every platform of an index skopeo pushed, with --plain-http --all-platforms', async () => {
    await ctr(['images', 'pull', '--plain-http', '--all-platforms', '--snapshotter', 'native', ref('containerd/multi:v1')]);
    assert.equal(await imageDigest(ref('containerd/multi:v1')), multi.digest);
    const stored = new Set((await ctr(['content', 'ls', '--quiet'])).split('\n').map((l) => l.trim()));
    for (const d of await layoutClosure(source, multi.digest)) {
      assert.ok(stored.has(d), `containerd fetched ${d}`);
    }
    // What containerd stored (having checked each digest) is the bytes the layout holds.
    for (const d of await layoutClosure(source, multi.digest)) {
      const expected = await readLayoutBlob(source, d);
      if (expected[0] === 0x7b) assert.equal(await ctr(['content', 'get', d]), expected.toString(), `${d} in containerd`);
    }
  });

  it('pushes the pulled index, re-tagged, into another repository with every platform and blob', async () => {
    await ctr(['images', 'tag', ref('containerd/multi:v1'), ref('containerd/retagged:v2')]);
    await ctr(['images', 'push', '--plain-http', ref('containerd/retagged:v2')]);
    const index = await fetchManifest(registry.url, 'containerd/retagged', 'v2');
    assert.equal(index.status, 200);
    assert.equal(index.contentType, OCI_INDEX);
    assert.equal(index.digest, multi.digest);
    await assertRegistryHoldsClosure('containerd/retagged', multi.digest);
  });

  it('pushes an image it imported from an OCI tar into a new repository', async () => {
    const text = `imported ${randomBytes(6).toString('hex')}\n`;
    const image = buildImage({ architecture: 'amd64', files: [{ name: 'imported.txt', data: text }] });
    const archive = join(work.path, 'import.tar');
    await writeFile(archive, ociArchive([{ name: ref('containerd/imported:v1'), image }]));
    await ctr(['images', 'import', '--no-unpack', '--all-platforms', archive]);
    assert.equal(await imageDigest(ref('containerd/imported:v1')), image.manifest.digest);

    await ctr(['images', 'push', '--plain-http', ref('containerd/imported:v1')]);
    const manifest = await fetchManifest(registry.url, 'containerd/imported', 'v1');
    assert.equal(manifest.status, 200);
    assert.equal(manifest.contentType, OCI_MANIFEST);
    assert.equal(manifest.digest, image.manifest.digest);
    assert.deepEqual(manifest.bytes, image.manifest.bytes);
    for (const blob of [image.config, ...image.layers]) {
      const fetched = await fetchBlob(registry.url, 'containerd/imported', blob.digest);
      assert.equal(fetched.status, 200, blob.digest);
      assert.deepEqual(fetched.bytes, blob.bytes);
    }
    const layer = await fetchBlob(registry.url, 'containerd/imported', image.layers[0]!.digest);
    assert.equal(untar(layer.bytes).get('imported.txt')?.toString(), text);
  });

  it('pulls a single platform of the index and unpacks it', async () => {
    await ctr(['images', 'rm', ref('containerd/multi:v1')]);
    await ctr(['images', 'pull', '--plain-http', '--platform', 'linux/arm64', '--snapshotter', 'native', ref('containerd/multi:v1')]);
    const check = await ctr(['images', 'check', '--snapshotter', 'native']);
    const line = check.split('\n').find((l) => l.startsWith(ref('containerd/multi:v1')));
    assert.ok(line, `ctr images check lists the image:\n${check}`);
    assert.match(line, /complete/);
  });
});
