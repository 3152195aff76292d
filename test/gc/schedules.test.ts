/**
 * `berth serve` collects garbage and applies lifecycle policies on its own, every
 * gc.intervalSeconds and lifecycle.intervalSeconds — nobody calls a run here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN, api, assertStatus, startApiRegistry } from '../api/support.js';
import { pullStatus, pushImageAs } from '../auth/support.js';
import { imageManifest, pushImage } from '../support/fixtures.js';
import { startRegistry } from '../support/registry.js';

/** Polls until `check` holds; fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('scheduled work inside berth serve', { timeout: 60_000 }, () => {
  it('collects garbage every gc.intervalSeconds', async () => {
    const registry = await startRegistry({ BERTH_GC_GRACE_SECONDS: '1', BERTH_GC_INTERVAL_SECONDS: '1', BERTH_GC_TAG_HISTORY_HOURS: '0' });
    try {
      const image = imageManifest();
      await pushImage(registry.url, 'shop/web', 'old', image);
      assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/old`, { method: 'DELETE' })).status, 202);
      // Poll the manifest, not a blob: asking for a blob renews its GC lease, as a pushing client's HEAD must.
      await eventually(async () => (await fetch(`${registry.url}/v2/shop/web/manifests/${image.manifest.digest}`)).status === 404, 'the scheduled collection');
      assert.equal((await fetch(`${registry.url}/v2/shop/web/blobs/${image.layers[0]?.digest}`)).status, 404, 'the blobs went in the same run');
    } finally {
      await registry.stop();
    }
  });

  it('applies lifecycle policies every lifecycle.intervalSeconds', async () => {
    const registry = await startApiRegistry({ BERTH_LIFECYCLE_INTERVAL_SECONDS: '1', BERTH_GC_INTERVAL_SECONDS: '0' });
    try {
      const older = imageManifest();
      const newer = imageManifest();
      assert.equal(await pushImageAs(registry, 'shop/web', 'v1', older, ADMIN), 201);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await pushImageAs(registry, 'shop/web', 'v2', newer, ADMIN), 201);
      const policy = { rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] };
      assertStatus(await api(registry, 'PUT', '/lifecycle-policies/repository/shop%2Fweb', { auth: ADMIN, json: policy }), 200);
      await eventually(async () => (await pullStatus(registry, 'shop/web', 'v1', ADMIN)) === 404, 'the scheduled policy run');
      assert.equal(await pullStatus(registry, 'shop/web', 'v2', ADMIN), 200, 'the newest image stays');
    } finally {
      await registry.stop();
    }
  });
});
