/** `berth image base|dependents` end to end: the real CLI as a child process, logged in to a registry in this process. */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, startApiRegistry } from '../api/support.js';
import { runCli, scratchDir } from '../cli/berth-process.js';
import type { TestRegistry } from '../support/registry.js';
import { FAST } from '../webhooks/support.js';
import { jobsDone, layer, layered, push } from './support.js';

describe('berth image', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let configDir: string;
  const bottom = layer();
  const os = layered([bottom]);
  const app = layered([bottom, layer()]);

  before(async () => {
    registry = await startApiRegistry(FAST);
    const login = { username: 'admin', password: ADMIN_PASSWORD };
    await push(registry, login, 'base/os', '1', [os]);
    await push(registry, login, 'team/app', 'v1', [app]);
    await jobsDone(registry, ['lineage.record']);
    configDir = await scratchDir('berth-image-cli-');
    const logged = await runCli(configDir, ['login', registry.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
    assert.equal(logged.code, 0, logged.stderr);
  });

  after(async () => {
    await registry?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('base prints the platform and the base it was inferred from; --json gives the API answer', async () => {
    const table = await runCli(configDir, ['image', 'base', 'team/app:v1']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /linux\/amd64\s+sha256:[0-9a-f]{12}\s+2\s+layers \(1 shared\)\s+base\/os@sha256:[0-9a-f]{12} \(1\)/);
    const json = await runCli(configDir, ['image', 'base', 'team/app:v1', '--json']);
    assert.equal((JSON.parse(json.stdout) as { images: { base: { repository: string } }[] }).images[0]?.base.repository, 'base/os');
  });

  it('dependents lists what is built on the image; an unknown image fails with the server’s message', async () => {
    const table = await runCli(configDir, ['image', 'dependents', 'base/os:1']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /team\/app\s+sha256:[0-9a-f]{12}\s+v1\s+linux\/amd64\s+layers/);
    const missing = await runCli(configDir, ['image', 'dependents', 'base/os:nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /base\/os:nope is not stored here/);
  });
});
