/**
 * Online garbage collection against a running registry: what goes and what stays, and GC in a
 * loop while clients push (sharing layers, moving tags) and delete — then every tagged image
 * must pull intact and, once the grace period passed, nothing unreferenced may remain.
 * On SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { markGarbage } from '../../src/gc/collector.js';
import { BLOBS_PREFIX, digestOfBlobPath } from '../../src/storage/paths.js';
import { content, descriptor, imageManifest, pushBlob, pushImage, putManifest, randomBlob, type Content, type ImageFixture } from '../support/fixtures.js';
import { postgresTestUrl } from '../support/postgres.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

// Long enough that a push (HEADs, uploads, manifest PUT) on a loaded CI machine fits in half of it:
// a HEAD renews a lease only past half the grace period, so that half is the window a push has.
const GRACE_SECONDS = 2;
const ROUNDS = 16;

const DATABASES: [string, () => Record<string, string>][] = [
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ BERTH_METADATA_URL: postgresTestUrl() })],
];

function settings(extra: Record<string, string>): Record<string, string> {
  return { BERTH_GC_GRACE_SECONDS: String(GRACE_SECONDS), BERTH_GC_INTERVAL_SECONDS: '0', BERTH_GC_TAG_HISTORY_HOURS: '0', ...extra };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An image over the given layers and a fresh config. */
function imageWith(layers: Content[]): ImageFixture {
  const config = content(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }));
  const doc = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
    layers: layers.map((layer) => descriptor(layer, 'application/vnd.oci.image.layer.v1.tar+gzip')),
  };
  return { manifest: content(JSON.stringify(doc)), mediaType: doc.mediaType, config, layers };
}

/** Pushes like a real client: HEAD each blob first and upload only the missing ones. */
async function pushLikeAClient(url: string, name: string, tag: string, image: ImageFixture): Promise<number> {
  for (const blob of [image.config, ...image.layers]) {
    const head = await fetch(`${url}/v2/${name}/blobs/${blob.digest}`, { method: 'HEAD' });
    if (head.status !== 200) await pushBlob(url, name, blob);
  }
  const response = await putManifest(url, name, tag, image.manifest, image.mediaType);
  await response.arrayBuffer();
  return response.status;
}

/** Pulls every tag of the repository and checks each blob's bytes against its digest. */
async function assertTaggedImagesPull(url: string, name: string): Promise<number> {
  const tags = ((await (await fetch(`${url}/v2/${name}/tags/list`)).json()) as { tags: string[] | null }).tags ?? [];
  for (const tag of tags) {
    const response = await fetch(`${url}/v2/${name}/manifests/${tag}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(response.status, 200, `${name}:${tag} pulls`);
    const manifest = JSON.parse(await response.text()) as { config: { digest: string }; layers: { digest: string }[] };
    for (const { digest } of [manifest.config, ...manifest.layers]) {
      const blob = await fetch(`${url}/v2/${name}/blobs/${digest}`);
      assert.equal(blob.status, 200, `${name}:${tag} blob ${digest}`);
      assert.equal(`sha256:${createHash('sha256').update(Buffer.from(await blob.arrayBuffer())).digest('hex')}`, digest);
    }
  }
  return tags.length;
}

/** Nothing unreferenced remains: the mark phase finds nothing and every blob file has its row. */
async function assertNothingUnreferenced(registry: TestRegistry): Promise<void> {
  const snapshot = await registry.berth.store.gc.snapshot();
  const garbage = markGarbage(snapshot, Date.now(), { graceMs: 0, tagHistoryMs: 0, uploadTtlMs: 0 });
  assert.deepEqual(garbage.manifests.map((m) => `${m.repository}@${m.digest}`), [], 'no unreferenced manifest');
  assert.deepEqual(garbage.links.map((l) => `${l.repository}→${l.digest}`), [], 'no unreferenced blob link');
  assert.deepEqual(garbage.blobs.map((b) => b.digest), [], 'no blob without a link');
  const rows = new Set(snapshot.blobs.map((blob) => blob.digest));
  const files = (await registry.berth.driver.list(BLOBS_PREFIX)).map((path) => digestOfBlobPath(path)?.toString());
  assert.deepEqual(files.filter((digest) => digest === undefined || !rows.has(digest)), [], 'no blob file without a row');
  assert.equal(files.length, rows.size, 'every blob row has its file');
}

for (const [database, extra] of DATABASES) {
  describe(`online garbage collection (${database})`, { timeout: 120_000 }, () => {
    it('deletes untagged manifests, their unused blobs and loose uploads after the grace period, keeps tagged images, and a dry run only lists them', async () => {
      const registry = await startRegistry(settings(extra()));
      try {
        const kept = imageManifest({ layers: 2 });
        const dropped = imageManifest({ layers: 2 });
        const shared = imageWith([kept.layers[0] as Content, randomBlob(512)]);
        await pushImage(registry.url, 'shop/web', 'v1', kept);
        await pushImage(registry.url, 'shop/web', 'old', dropped);
        await pushImage(registry.url, 'shop/web', 'shared', shared);
        assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/old`, { method: 'DELETE' })).status, 202);
        assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/shared`, { method: 'DELETE' })).status, 202);
        const loose = randomBlob(2048);
        await pushBlob(registry.url, 'shop/loose', loose);
        const young = await registry.berth.gc.run({ dryRun: true });
        assert.equal(young.manifests.length + young.links.length + young.blobs.length, 0, 'nothing within the grace period goes');

        await sleep(GRACE_SECONDS * 1000 + 100);
        const dry = await registry.berth.gc.run({ dryRun: true });
        assert.deepEqual(dry.manifests.map((m) => m.digest).sort(), [dropped.manifest.digest, shared.manifest.digest].sort());
        const expectedBlobs = [dropped.config, ...dropped.layers, shared.config, shared.layers[1] as Content, loose];
        assert.deepEqual(dry.blobs.map((b) => b.digest).sort(), expectedBlobs.map((b) => b.digest).sort());
        assert.equal(dry.bytesReclaimed, expectedBlobs.reduce((sum, b) => sum + b.size, 0));
        assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/${dropped.manifest.digest}`)).status, 200, 'a dry run deletes nothing');

        const report = await registry.berth.gc.run();
        assert.deepEqual(report.manifests.map((m) => m.digest).sort(), dry.manifests.map((m) => m.digest).sort());
        assert.deepEqual(report.blobs.map((b) => b.digest).sort(), dry.blobs.map((b) => b.digest).sort());
        assert.equal(report.bytesReclaimed, dry.bytesReclaimed);
        assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/${dropped.manifest.digest}`)).status, 404);
        assert.equal((await fetch(`${registry.url}/v2/shop/web/blobs/${dropped.layers[0]?.digest}`)).status, 404);
        assert.equal(await assertTaggedImagesPull(registry.url, 'shop/web'), 1);
        await assertNothingUnreferenced(registry);
        const again = await registry.berth.gc.run();
        assert.equal(again.manifests.length + again.links.length + again.blobs.length, 0, 'a second run finds nothing');
      } finally {
        await registry.stop();
      }
    });

    it('keeps manifests a tag pointed to within the history window, so a rollback still finds them', async () => {
      const registry = await startRegistry(settings({ ...extra(), BERTH_GC_TAG_HISTORY_HOURS: '1' }));
      try {
        const first = imageManifest();
        const second = imageManifest();
        await pushImage(registry.url, 'shop/web', 'latest', first);
        await pushImage(registry.url, 'shop/web', 'latest', second);
        await sleep(GRACE_SECONDS * 1000 + 100);
        const report = await registry.berth.gc.run();
        assert.deepEqual(report.manifests, [], 'the previous version of the tag stays');
        assert.deepEqual(report.blobs, []);
        assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/${first.manifest.digest}`)).status, 200);
        assert.equal((await fetch(`${registry.url}/v2/shop/web/blobs/${first.layers[0]?.digest}`)).status, 200);
      } finally {
        await registry.stop();
      }
    });

    it('purges upload sessions idle past their TTL, bytes included', async () => {
      const registry = await startRegistry(settings({ ...extra(), BERTH_GC_UPLOAD_TTL_SECONDS: '1' }));
      try {
        const start = await fetch(`${registry.url}/v2/shop/web/blobs/uploads/`, { method: 'POST' });
        const location = start.headers.get('location') as string;
        await fetch(`${registry.url}${location}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '0-9' }, body: new Uint8Array(10) });
        await sleep(1200);
        const report = await registry.berth.gc.run();
        assert.equal(report.uploads.length, 1);
        assert.equal((await fetch(`${registry.url}${location}`)).status, 404);
        assert.deepEqual(await registry.berth.driver.list('uploads'), []);
      } finally {
        await registry.stop();
      }
    });

    it('never loses data while clients push, share layers, move tags and delete during GC in a loop; afterwards nothing unreferenced remains', async () => {
      const registry = await startRegistry(settings(extra()));
      try {
        const pool = Array.from({ length: 10 }, () => randomBlob(4096));
        const failures: string[] = [];
        let pushes = 0;
        let collections = 0;
        let clientsDone = false;
        const client = async (n: number): Promise<void> => {
          const name = `team${n % 2}/app${n}`;
          for (let round = 0; round < ROUNDS; round++) {
            const layers = [pool[(round + n) % pool.length] as Content, pool[(round * 3 + n) % pool.length] as Content, randomBlob(1024)];
            const status = await pushLikeAClient(registry.url, name, `t${round % 3}`, imageWith(layers));
            if (status !== 201) failures.push(`${name} round ${round}: manifest PUT answered ${status}`);
            pushes++;
            if (round % 4 === 3) await (await fetch(`${registry.url}/v2/${name}/manifests/t${(round + 1) % 3}`, { method: 'DELETE' })).arrayBuffer();
          }
        };
        const collector = async (): Promise<void> => {
          do {
            await registry.berth.gc.run();
            collections++;
          } while (!clientsDone);
        };
        const clients = Promise.all([client(0), client(1), client(2), client(3)]).finally(() => (clientsDone = true));
        await Promise.all([clients, collector()]);
        assert.deepEqual(failures, [], 'every push succeeded while GC ran');
        assert.equal(pushes, 4 * ROUNDS);
        assert.ok(collections > 1, `GC ran ${collections} times during the pushes`);
        for (let n = 0; n < 4; n++) assert.ok((await assertTaggedImagesPull(registry.url, `team${n % 2}/app${n}`)) > 0);

        await sleep(GRACE_SECONDS * 1000 + 100);
        await registry.berth.gc.run();
        for (let n = 0; n < 4; n++) await assertTaggedImagesPull(registry.url, `team${n % 2}/app${n}`);
        await assertNothingUnreferenced(registry);
      } finally {
        await registry.stop();
      }
    });
  });
}
