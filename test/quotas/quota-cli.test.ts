/**
 * `berth namespace set --quota` and `berth namespace usage`: the real CLI as a child process,
 * logged in as admin, against a registry in this process with access control on.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { imageManifest } from '../support/fixtures.js';
import { type TestRegistry } from '../support/registry.js';
import { seedImage } from '../auth/support.js';
import { ADMIN_PASSWORD, createNamespace, startApiRegistry } from '../api/support.js';
import { runCli, type BerthRun } from '../cli/berth-process.js';

let registry: TestRegistry;
let configDir: string;
const image = imageManifest({ layers: 1, layerSize: 3000 });

before(async () => {
  registry = await startApiRegistry();
  configDir = await mkdtemp(join(tmpdir(), 'berth-cli-config-'));
  await createNamespace(registry, 'team');
  await seedImage(registry, 'team/app', 'v1', image);
  await seedImage(registry, 'team/copy', 'v1', image);
  await ok(['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
});

after(async () => {
  await registry?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

/** Runs `berth …` with this suite's stored login. */
async function run(args: string[], stdin = ''): Promise<BerthRun> {
  return runCli(configDir, args, stdin);
}

async function ok(args: string[], stdin?: string): Promise<BerthRun> {
  const result = await run(args, stdin);
  assert.equal(result.code, 0, `berth ${args.join(' ')} exited with ${result.code}:\n${result.stdout}${result.stderr}`);
  return result;
}

describe('berth namespace quotas', () => {
  it('namespace set --quota takes binary units, shows in namespace show, and none removes it', async () => {
    await ok(['namespace', 'set', 'team', '--quota', '10GiB']);
    assert.match((await ok(['namespace', 'show', 'team'])).stdout, /quota:\s+10\.0 GiB/);
    assert.equal((await registry.berth.store.namespaces.get('team'))?.quotaBytes, 10 * 1024 ** 3);
    await ok(['namespace', 'set', 'team', '--quota', '1.5 MiB']);
    assert.equal((await registry.berth.store.namespaces.get('team'))?.quotaBytes, 1.5 * 1024 ** 2);
    await ok(['namespace', 'set', 'team', '--quota', 'none']);
    assert.match((await ok(['namespace', 'show', 'team'])).stdout, /quota:\s+none/);
  });

  it('namespace set --quota refuses sizes it cannot read, naming the units', async () => {
    const result = await run(['namespace', 'set', 'team', '--quota', '10GB']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /10GiB/);
  });

  it('namespace usage prints the total (shared blobs once), the quota and each repository', async () => {
    const imageBytes = image.config.size + 3000;
    await ok(['namespace', 'set', 'team', '--quota', '1MiB']);
    const shown = await ok(['namespace', 'usage', 'team']);
    assert.match(shown.stdout, new RegExp(`used:\\s+${(imageBytes / 1024).toFixed(1)} KiB \\(0\\.\\d%\\)`));
    assert.match(shown.stdout, /quota:\s+1\.0 MiB/);
    assert.match(shown.stdout, new RegExp(`team/app\\s+${(imageBytes / 1024).toFixed(1)} KiB\\n`));
    assert.match(shown.stdout, new RegExp(`team/copy\\s+${(imageBytes / 1024).toFixed(1)} KiB\\n`));
    const json = JSON.parse((await ok(['namespace', 'usage', 'team', '--json'])).stdout) as unknown;
    assert.deepEqual(json, {
      namespace: 'team',
      usedBytes: imageBytes,
      quotaBytes: 1024 ** 2,
      repositories: [
        { repository: 'team/app', bytes: imageBytes },
        { repository: 'team/copy', bytes: imageBytes },
      ],
    });
  });
});
