/**
 * `berth gc` beside a running registry on the same data folder: --dry-run lists what would go
 * and the bytes, a real run deletes it and reports counts and bytes, and on a terminal it shows
 * progress (run under `script`, which gives it a pseudo-terminal).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { imageManifest, pushImage } from '../support/fixtures.js';
import { BERTH_BIN, startRegistry } from '../support/registry.js';
import { runBerth } from './berth-process.js';

const GRACE = { BERTH_GC_GRACE_SECONDS: '1', BERTH_GC_INTERVAL_SECONDS: '0', BERTH_GC_TAG_HISTORY_HOURS: '0' };
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('berth gc', { timeout: 60_000 }, () => {
  it('lists with --dry-run what would go and the bytes, then deletes it while the server keeps serving', async () => {
    const registry = await startRegistry(GRACE);
    try {
      const kept = imageManifest({ layers: 1 });
      const dropped = imageManifest({ layers: 2, layerSize: 4096 });
      await pushImage(registry.url, 'shop/web', 'v1', kept);
      await pushImage(registry.url, 'shop/web', 'old', dropped);
      assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/old`, { method: 'DELETE' })).status, 202);
      await new Promise((resolve) => setTimeout(resolve, 1100));

      const dry = await runBerth(['gc', '--dry-run', '--data', registry.dataDir], GRACE);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`manifest shop/web@${dropped.manifest.digest}`));
      for (const layer of dropped.layers) assert.match(dry.stdout, new RegExp(`blob +${layer.digest}`));
      assert.match(dry.stdout, /dry run: would delete 1 manifests, \d+ blob links, 3 blobs, 0 stale uploads, 0 orphan files; would reclaim 8\.\d KiB/);
      assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/${dropped.manifest.digest}`)).status, 200, 'the dry run deleted nothing');

      const run = await runBerth(['gc', '--json', '--data', registry.dataDir], GRACE);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { summary: { manifests: number; blobs: number; bytesReclaimed: number } };
      assert.equal(report.summary.manifests, 1);
      assert.equal(report.summary.blobs, 3);
      assert.equal(report.summary.bytesReclaimed, dropped.config.size + 2 * 4096);
      assert.equal((await fetch(`${registry.url}/v2/shop/web/blobs/${dropped.layers[0]?.digest}`)).status, 404);
      assert.equal((await fetch(`${registry.url}/v2/shop/web/manifests/v1`)).status, 200);
    } finally {
      await registry.stop();
    }
  });

  it('shows progress on a terminal and ends with the counts and bytes', { skip: hasScript ? false : 'script (util-linux) is not installed' }, async () => {
    const registry = await startRegistry(GRACE);
    try {
      await pushImage(registry.url, 'shop/web', 'v1', imageManifest());
      const command = `${process.execPath} ${BERTH_BIN} gc --data ${registry.dataDir}`;
      const result = spawnSync('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, ...GRACE, BERTH_AUTH_MODE: 'none' }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /\r\u001b\[2K(marking|checking blob files) \d+\/\d+/, 'a progress line redrawn in place');
      assert.match(result.stdout, /deleted 0 manifests, 0 blob links, 0 blobs, 0 stale uploads, 0 orphan files, 0 audit events; reclaimed 0 B/);
    } finally {
      await registry.stop();
    }
  });
});
