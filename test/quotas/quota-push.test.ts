/**
 * Namespace storage quotas over /v2, on SQLite and PostgreSQL: pushes, chunked uploads and
 * mounts past a quota are refused with 403 DENIED naming it and link nothing; a layer shared by
 * two images counts once; concurrent pushes never take a namespace past its quota.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RepositoryScope } from '../../src/metadata/usage-store.js';
import { content, imageManifest, pushBlob, pushImage, randomBlob, type Content } from '../support/fixtures.js';
import { postgresTestUrl } from '../support/postgres.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createNamespaceWithQuota } from './support.js';

const backends: [string, () => Record<string, string>][] = [
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ BERTH_METADATA_URL: postgresTestUrl() })],
];

interface Denial {
  code: string;
  message: string;
  detail: { reason: string; quotaBytes: number; usedBytes: number; blobBytes: number };
}

async function denial(response: Response): Promise<Denial> {
  const text = await response.text();
  assert.equal(response.status, 403, text);
  const error = (JSON.parse(text) as { errors: Denial[] }).errors[0];
  assert.equal(error?.code, 'DENIED', text);
  return error;
}

for (const [backend, settings] of backends) {
  describe(`namespace quotas over /v2 on ${backend}`, () => {
    let registry: TestRegistry;
    before(async () => (registry = await startRegistry(settings())));
    after(async () => registry.stop());

    const withQuota = (namespace: string, quotaBytes: number): Promise<void> => createNamespaceWithQuota(registry, namespace, quotaBytes);

    async function usage(scope: RepositoryScope): Promise<number> {
      return registry.berth.store.usage.usage(scope);
    }

    function postBlob(name: string, blob: Content): Promise<Response> {
      return fetch(`${registry.url}/v2/${name}/blobs/uploads/?digest=${blob.digest}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
        body: new Uint8Array(blob.bytes),
      });
    }

    async function blobStatus(name: string, digest: string): Promise<number> {
      return (await fetch(`${registry.url}/v2/${name}/blobs/${digest}`, { method: 'HEAD' })).status;
    }

    it('refuses a push past the quota with 403 DENIED naming the quota, and links nothing', async () => {
      await withQuota('full', 3072);
      const first = imageManifest({ layers: 2, layerSize: 1024 });
      await pushImage(registry.url, 'full/app', 'v1', first);
      const used = await usage({ prefix: 'full/' });
      assert.equal(used, first.config.size + 2048);
      const layer = randomBlob(1024);
      const error = await denial(await postBlob('full/other', layer));
      assert.match(error.message, /^namespace full is over its storage quota of 3\.0 KiB: it uses .* and this blob needs 1\.0 KiB$/);
      assert.deepEqual(error.detail, { reason: error.message, quotaBytes: 3072, usedBytes: used, blobBytes: 1024 });
      assert.equal(await blobStatus('full/other', layer.digest), 404);
      assert.equal(await registry.berth.store.blobs.statAny(layer.digest), undefined);
      assert.deepEqual(await registry.berth.store.repositories.list({}).then((names) => names.filter((n) => n.startsWith('full/'))), ['full/app']);
      assert.equal(await usage({ prefix: 'full/' }), used);
    });

    it('counts a layer shared by two images of the namespace once', async () => {
      const shared = randomBlob(2000);
      const a = imageManifest({ layers: 0 });
      const b = imageManifest({ layers: 0 });
      // Room for the layer once and both configs, not for the layer twice.
      await withQuota('shared', 2000 + a.config.size + b.config.size + 100);
      const withLayer = (image: typeof a) => {
        const doc = JSON.parse(image.manifest.bytes.toString()) as { layers: unknown[] };
        doc.layers = [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: shared.digest, size: shared.size }];
        return { ...image, manifest: content(JSON.stringify(doc)), layers: [shared] };
      };
      await pushImage(registry.url, 'shared/a', 'v1', withLayer(a));
      await pushImage(registry.url, 'shared/b', 'v1', withLayer(b));
      assert.equal(await usage({ prefix: 'shared/' }), 2000 + a.config.size + b.config.size);
      assert.deepEqual(await registry.berth.store.usage.repositoryUsage({ prefix: 'shared/' }), [
        { repository: 'shared/a', bytes: 2000 + a.config.size },
        { repository: 'shared/b', bytes: 2000 + b.config.size },
      ]);
    });

    it('refuses to start an upload once the namespace uses its whole quota', async () => {
      await withQuota('exact', 1000);
      await pushBlob(registry.url, 'exact/app', randomBlob(1000));
      const error = await denial(await fetch(`${registry.url}/v2/exact/app/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } }));
      assert.equal(error.message, 'namespace exact is at its storage quota of 1000 B: it uses 1000 B');
    });

    it('refuses a chunk announced past the room before its bytes are kept, and keeps the session', async () => {
      await withQuota('chunked', 1000);
      const blob = randomBlob(1500);
      const started = await fetch(`${registry.url}/v2/chunked/app/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
      assert.equal(started.status, 202);
      const location = new URL(started.headers.get('location') ?? '', registry.url);
      const patched = await fetch(location, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${blob.size - 1}`, 'Content-Length': String(blob.size) }, body: new Uint8Array(blob.bytes) });
      const error = await denial(patched);
      assert.equal(error.message, 'namespace chunked is over its storage quota of 1000 B: it uses 0 B and this chunk needs 1.5 KiB');
      assert.equal(error.detail.blobBytes, 1500);
      const status = await fetch(location);
      assert.equal(status.status, 204, 'the session stays, at its old offset');
      assert.equal(status.headers.get('range'), '0-0');
      assert.equal(await blobStatus('chunked/app', blob.digest), 404);
      assert.equal(await usage({ prefix: 'chunked/' }), 0);
    });

    it("does not count an upload's own bytes twice at its closing PUT", async () => {
      await withQuota('closing', 1000);
      const blob = randomBlob(800);
      const started = await fetch(`${registry.url}/v2/closing/app/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
      const location = new URL(started.headers.get('location') ?? '', registry.url);
      const patched = await fetch(location, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) }, body: new Uint8Array(blob.bytes) });
      assert.equal(patched.status, 202);
      const closing = new URL(patched.headers.get('location') ?? '', registry.url);
      closing.searchParams.set('digest', blob.digest);
      const closed = await fetch(closing, { method: 'PUT', headers: { 'Content-Length': '0' } });
      assert.equal(closed.status, 201, await closed.text());
      assert.equal(await usage({ prefix: 'closing/' }), 800);
      assert.equal(await registry.berth.store.usage.uploadUsage({ prefix: 'closing/' }), 0);
    });

    it('refuses a mount past the quota, and mounts what the namespace holds already', async () => {
      await withQuota('mnt', 1000);
      const outside = randomBlob(1200);
      await pushBlob(registry.url, 'elsewhere/src', outside);
      const mount = (name: string, digest: string, from: string) => fetch(`${registry.url}/v2/${name}/blobs/uploads/?mount=${digest}&from=${from}`, { method: 'POST', headers: { 'Content-Length': '0' } });
      const error = await denial(await mount('mnt/app', outside.digest, 'elsewhere/src'));
      assert.equal(error.detail.blobBytes, 1200);
      assert.equal(await blobStatus('mnt/app', outside.digest), 404);
      const inside = randomBlob(1000);
      await pushBlob(registry.url, 'mnt/app', inside);
      assert.equal((await mount('mnt/copy', inside.digest, 'mnt/app')).status, 201, 'a blob the namespace holds costs nothing');
      assert.equal(await usage({ prefix: 'mnt/' }), 1000);
    });

    it('counts names without a slash in the root namespace', async () => {
      await withQuota('library', 1000);
      await pushBlob(registry.url, 'alpine', randomBlob(600));
      const error = await denial(await postBlob('library/busybox', randomBlob(600)));
      assert.match(error.message, /^namespace library is over its storage quota of 1000 B/);
    });

    it('never takes a namespace past its quota under concurrent pushes', async () => {
      await withQuota('race', 3000);
      const blobs = Array.from({ length: 12 }, () => randomBlob(500));
      const responses = await Promise.all(blobs.map((blob, i) => postBlob(`race/r${i % 3}`, blob)));
      const statuses = await Promise.all(responses.map(async (response) => (await response.arrayBuffer(), response.status)));
      assert.equal(statuses.filter((status) => status === 201).length, 6, statuses.join(','));
      assert.equal(statuses.filter((status) => status === 403).length, 6, statuses.join(','));
      assert.equal(await usage({ prefix: 'race/' }), 3000);
    });
  });
}
