import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { imageManifest, pushImage, putManifest } from '../support/fixtures.js';
import { postgresTestUrl } from '../support/postgres.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

async function tagsOf(registry: TestRegistry, name: string): Promise<string[]> {
  const response = await fetch(`${registry.url}/v2/${name}/tags/list`);
  return ((await response.json()) as { tags: string[] }).tags;
}

describe('two nodes sharing PostgreSQL and a storage folder', () => {
  let storage: string;
  let a: TestRegistry;
  let b: TestRegistry;

  before(async () => {
    storage = await mkdtemp(join(tmpdir(), 'berth-shared-'));
    const settings = { BERTH_METADATA_URL: postgresTestUrl(), BERTH_STORAGE_FILESYSTEM_ROOT: storage };
    a = await startRegistry(settings);
    b = await startRegistry(settings);
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await rm(storage, { recursive: true, force: true });
  });

  it('a tag pushed, moved or deleted on one node shows at once in the other node\'s cached tag list and manifest GET', async () => {
    const first = imageManifest();
    await pushImage(a.url, 'shared/app', 'v1', first);
    assert.deepEqual(await tagsOf(b, 'shared/app'), ['v1']);
    const second = imageManifest();
    await pushImage(a.url, 'shared/app', 'v2', second);
    assert.deepEqual(await tagsOf(b, 'shared/app'), ['v1', 'v2'], 'the new tag is listed on the other node');
    assert.equal((await putManifest(a.url, 'shared/app', 'v1', second.manifest, second.mediaType)).status, 201);
    const moved = await fetch(`${b.url}/v2/shared/app/manifests/v1`);
    assert.equal(moved.headers.get('docker-content-digest'), second.manifest.digest, 'the moved tag resolves to the new manifest');
    assert.equal((await fetch(`${b.url}/v2/shared/app/manifests/v2`, { method: 'DELETE' })).status, 202);
    assert.deepEqual(await tagsOf(a, 'shared/app'), ['v1'], 'a tag deleted on one node is gone on the other');
  });
});
