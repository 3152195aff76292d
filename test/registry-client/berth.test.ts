import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient, RegistryClientError } from '../../src/registry-client/index.js';
import { addNamespace, addRobot, addUser, startAuthRegistry, type TestCredential } from '../auth/support.js';
import { imageManifest, randomBlob, type ImageFixture } from '../support/fixtures.js';
import type { TestRegistry } from '../support/registry.js';
import { drain } from './support.js';

async function pushImage(client: RegistryClient, name: string, tag: string, image: ImageFixture): Promise<void> {
  for (const blob of [image.config, ...image.layers]) await client.uploadBlob(name, blob.digest, blob.bytes);
  await client.putManifest(name, tag, image.manifest.bytes);
}

const refused = (e: unknown): boolean => e instanceof RegistryClientError && (e.status === 401 || e.status === 403) && e.codes.length > 0;

describe('registry client against Berth with token auth', () => {
  let registry: TestRegistry;
  let robot: TestCredential;
  const clients: RegistryClient[] = [];
  const make = (credentials?: { username: string; password: string }): RegistryClient => {
    const client = new RegistryClient(registry.url, { credentials, connections: 4 });
    clients.push(client);
    return client;
  };
  before(async () => {
    registry = await startAuthRegistry();
    await addUser(registry, 'alice', 'alice-password-1');
    await addNamespace(registry, 'team', 'private', { alice: 'owner' });
    await addNamespace(registry, 'open', 'public', { alice: 'owner' });
    robot = await addRobot(registry, 'ci', [{ repository: 'team/*', actions: ['pull', 'push'] }]);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await registry?.stop();
  });

  it('a user pushes monolithic, single-request and chunked blobs through the Bearer flow and pulls verified bytes', async () => {
    const alice = make({ username: 'alice', password: 'alice-password-1' });
    const mono = randomBlob(30_000);
    const single = randomBlob(2_000);
    const chunked = randomBlob(70_001);
    await alice.uploadBlob('team/app', mono.digest, mono.bytes);
    await alice.uploadBlob('team/app', single.digest, single.bytes, { singleRequest: true });
    await alice.uploadBlobChunked('team/app', chunked.digest, chunked.bytes, { chunkSize: 8_192 });
    for (const blob of [mono, single, chunked]) {
      const { stream, size } = await alice.getBlob('team/app', blob.digest);
      assert.equal(size, blob.size);
      assert.deepEqual(await drain(stream), blob.bytes);
    }
    assert.ok((await alice.authorizationFor('team/app'))?.startsWith('Bearer '));
  });

  it('a user puts, gets, lists and deletes manifests; tags come in pages', async () => {
    const alice = make({ username: 'alice', password: 'alice-password-1' });
    const image = imageManifest({ layers: 2 });
    await pushImage(alice, 'team/tags', 'a0', image);
    const tags = ['a0', 'a1', 'a2', 'a3', 'a4'];
    for (const tag of tags.slice(1)) await alice.putManifest('team/tags', tag, image.manifest.bytes);
    const pages: string[][] = [];
    for await (const page of alice.tagPages('team/tags', { pageSize: 2 })) pages.push(page);
    assert.deepEqual(pages, [['a0', 'a1'], ['a2', 'a3'], ['a4']]);
    assert.deepEqual(await alice.listTags('team/tags', { last: 'a2' }), ['a3', 'a4']);
    const fetched = await alice.getManifest('team/tags', 'a3');
    assert.deepEqual(fetched.bytes, image.manifest.bytes);
    assert.equal(fetched.registryDigest, image.manifest.digest);
    assert.equal(fetched.mediaType, image.mediaType);
    assert.deepEqual((await alice.getManifest('team/tags', image.manifest.digest)).bytes, image.manifest.bytes);
    await alice.deleteManifest('team/tags', image.manifest.digest);
    assert.equal(await alice.headManifest('team/tags', 'a3'), undefined);
    assert.ok((await alice.listCatalog()).includes('team/app'));
  });

  it('a user mounts a blob between repositories with a token over both', async () => {
    const alice = make({ username: 'alice', password: 'alice-password-1' });
    const blob = randomBlob(4096);
    await alice.uploadBlob('team/source', blob.digest, blob.bytes);
    assert.equal(await alice.mountBlob('team/copy', blob.digest, 'team/source'), true);
    assert.deepEqual(await alice.getBlobBytes('team/copy', blob.digest), blob.bytes);
  });

  it('lists referrers with and without an artifactType filter', async () => {
    const alice = make({ username: 'alice', password: 'alice-password-1' });
    const subject = imageManifest();
    await pushImage(alice, 'team/signed', 'v1', subject);
    const about = { ...subject.manifest, mediaType: subject.mediaType };
    const signature = imageManifest({ subject: about, artifactType: 'application/vnd.example.signature' });
    const sbom = imageManifest({ subject: about, artifactType: 'application/vnd.example.sbom' });
    for (const referrer of [signature, sbom]) await pushImage(alice, 'team/signed', referrer.manifest.digest.replace(':', '-'), referrer);
    const all = await alice.listReferrers('team/signed', subject.manifest.digest);
    assert.deepEqual(all.map((r) => r.digest).sort(), [signature.manifest.digest, sbom.manifest.digest].sort());
    const sboms = await alice.listReferrers('team/signed', subject.manifest.digest, { artifactType: 'application/vnd.example.sbom' });
    assert.deepEqual(sboms.map((r) => r.digest), [sbom.manifest.digest]);
  });

  it('a robot pushes, mounts and pulls within its grant, and is refused outside it with a typed error', async () => {
    const ci = make({ username: robot.login, password: robot.secret });
    const image = imageManifest();
    await pushImage(ci, 'team/robot', 'build-1', image);
    assert.deepEqual((await ci.getManifest('team/robot', 'build-1')).bytes, image.manifest.bytes);
    const layer = image.layers[0];
    assert.ok(layer);
    assert.equal(await ci.mountBlob('team/robot-copy', layer.digest, 'team/robot'), true);
    assert.deepEqual(await ci.getBlobBytes('team/robot-copy', layer.digest), layer.bytes);
    await assert.rejects(ci.uploadBlob('open/elsewhere', layer.digest, layer.bytes), refused);
    await assert.rejects(ci.deleteManifest('team/robot', image.manifest.digest), refused);
  });

  it('anonymous clients pull public repositories and are refused private ones', async () => {
    const alice = make({ username: 'alice', password: 'alice-password-1' });
    const image = imageManifest();
    await pushImage(alice, 'open/tool', 'v1', image);
    const anonymous = make();
    assert.deepEqual((await anonymous.getManifest('open/tool', 'v1')).bytes, image.manifest.bytes);
    await assert.rejects(anonymous.getManifest('team/app', 'v1'), refused);
    const wrong = make({ username: 'alice', password: 'not-her-password' });
    await assert.rejects(wrong.getManifest('team/app', 'v1'), (e: unknown) => e instanceof RegistryClientError && e.status === 401 && !e.message.includes('not-her-password'));
  });
});
