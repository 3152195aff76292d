import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { content, imageManifest, pushBlob, pushImage, putManifest, randomBlob } from '../support/fixtures.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { postgresTestUrl } from '../support/postgres.js';

const backends: [string, () => Record<string, string>][] = [
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ BERTH_METADATA_URL: postgresTestUrl() })],
];

for (const [backend, settings] of backends) {
  describe(`concurrent pushes on ${backend}`, () => {
    let registry: TestRegistry;
    before(async () => {
      registry = await startRegistry(settings());
    });
    after(async () => registry.stop());

    it('two clients pushing the same blob at once both succeed and the blob reads back whole', async () => {
      const blob = randomBlob(4 * 1024 * 1024);
      await Promise.all([pushBlob(registry.url, 'race/blob', blob), pushBlob(registry.url, 'race/blob', blob), pushBlob(registry.url, 'race/other', blob)]);
      const body = Buffer.from(await (await fetch(`${registry.url}/v2/race/blob/blobs/${blob.digest}`)).arrayBuffer());
      assert.equal(content(body).digest, blob.digest);
    });

    it('two clients pushing different manifests to the same tag both succeed and the tag ends on one of them', async () => {
      const images = Array.from({ length: 6 }, () => imageManifest({ layers: 1 }));
      for (const image of images) for (const blob of [image.config, ...image.layers]) await pushBlob(registry.url, 'race/tag', blob);
      const responses = await Promise.all(images.map((image) => putManifest(registry.url, 'race/tag', 'latest', image.manifest, image.mediaType)));
      assert.deepEqual(responses.map((r) => r.status), images.map(() => 201));
      const final = await fetch(`${registry.url}/v2/race/tag/manifests/latest`);
      const digest = final.headers.get('docker-content-digest');
      assert.ok(images.some((i) => i.manifest.digest === digest), 'the tag points at one of the pushed manifests');
      assert.equal(content(Buffer.from(await final.arrayBuffer())).digest, digest, 'the bytes served are that manifest');
      const { tags } = (await (await fetch(`${registry.url}/v2/race/tag/tags/list`)).json()) as { tags: string[] };
      assert.deepEqual(tags, ['latest']);
    });

    it('many images pushed in parallel all pull intact', async () => {
      const images = Array.from({ length: 12 }, () => imageManifest({ layers: 2, layerSize: 64 * 1024 }));
      await Promise.all(images.map((image, i) => pushImage(registry.url, `race/many${i % 3}`, `v${i}`, image)));
      for (const [i, image] of images.entries()) {
        const response = await fetch(`${registry.url}/v2/race/many${i % 3}/manifests/v${i}`);
        assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
      }
    });
  });
}
