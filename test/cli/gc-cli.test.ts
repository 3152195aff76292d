/**
 * `berth gc` beside a running registry on the same data folder: --dry-run lists what would go
 * and the bytes, a real run deletes it and reports counts and bytes, and on a terminal it shows
 * progress (run under `script`, which gives it a pseudo-terminal).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

  it('shows orphan files in a dry run, deletes them only past --grace, and `gc history` lists the runs', async () => {
    // The server's own grace period (a day) would keep the orphan; --grace shortens it for this run.
    const registry = await startRegistry({ BERTH_GC_INTERVAL_SECONDS: '0' });
    try {
      await pushImage(registry.url, 'shop/web', 'v1', imageManifest());
      const hex = randomBytes(32).toString('hex');
      const orphan = `blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
      const file = join(registry.dataDir, 'storage', orphan);
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, Buffer.alloc(3000));
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      await utimes(file, twoHoursAgo, twoHoursAgo);

      const kept = await runBerth(['gc', '--dry-run', '--data', registry.dataDir]);
      assert.equal(kept.code, 0, kept.stderr);
      assert.match(kept.stdout, /dry run: would delete 0 manifests, 0 blob links, 0 blobs, 0 stale uploads, 0 orphan files; would reclaim 0 B/);

      const dry = await runBerth(['gc', '--dry-run', '--grace', '1h', '--data', registry.dataDir]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`^orphan   ${orphan}$`, 'm'));
      assert.match(dry.stdout, /dry run: would delete 0 manifests, 0 blob links, 0 blobs, 0 stale uploads, 1 orphan files; would reclaim 2\.9 KiB/);
      assert.equal(existsSync(file), true, 'the dry run deleted nothing');

      const run = await runBerth(['gc', '--grace', '3600', '--data', registry.dataDir]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /deleted 0 manifests, 0 blob links, 0 blobs, 0 stale uploads, 1 orphan files, 0 audit events; reclaimed 2\.9 KiB/);
      assert.equal(existsSync(file), false);

      const history = await runBerth(['gc', 'history', '--json', '--data', registry.dataDir]);
      assert.equal(history.code, 0, history.stderr);
      const runs = (JSON.parse(history.stdout) as { runs: { dryRun: boolean; orphanFiles: number; bytesReclaimed: number }[] }).runs;
      assert.deepEqual(
        runs.map((r) => [r.dryRun, r.orphanFiles, r.bytesReclaimed]),
        [
          [false, 1, 3000],
          [true, 1, 3000],
          [true, 0, 0],
        ],
      );
      const table = await runBerth(['gc', 'history', '--limit', '1', '--data', registry.dataDir]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID +STARTED +SECONDS +NODE +DRY +MANIFESTS +BLOBS +ORPHANS +RECLAIMED +ERROR\n\d+ +\S+ +\d+\.\d +\S+ +no +0 +0 +1 +2\.9 KiB\n$/);

      const bad = await runBerth(['gc', '--grace', '5x', '--data', registry.dataDir]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /option '--grace <duration>' argument '5x' is invalid\. expected seconds or a duration with a unit: 90, 90s, 15m, 2h, 1d/);
    } finally {
      await registry.stop();
    }
  });
});
