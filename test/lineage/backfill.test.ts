/**
 * Lineage for images stored before it was enabled: a registry runs with lineage off, takes
 * pushes and stops; started again on the same data with lineage on, its backfill task records
 * every stored image and platform, so what is built on the base is known without a new push.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createBerth, loadConfig, type Berth } from '../../src/app.js';
import { BACKFILL_SETTING } from '../../src/extensions/lineage/backfill.js';
import { ADMIN, ADMIN_PASSWORD, api, assertStatus } from '../api/support.js';
import type { TestRegistry } from '../support/registry.js';
import { FAST, until } from '../webhooks/support.js';
import { layer, layered, push, twoPlatforms } from './support.js';

async function open(data: string, env: Record<string, string>): Promise<TestRegistry> {
  const config = loadConfig({ env: { BERTH_LOG_LEVEL: 'silent', BERTH_AUTH_MODE: 'token', BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, ...FAST, ...env }, flags: { data, listen: '127.0.0.1:0' } });
  const berth: Berth = await createBerth(config, pino({ level: 'silent' }));
  await berth.server.listen({ host: '127.0.0.1', port: 0 });
  const address = berth.server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const host = `127.0.0.1:${address.port}`;
  return { berth, url: `http://${host}`, host, dataDir: data, stop: () => berth.close() };
}

describe('lineage backfill', { timeout: 60_000 }, () => {
  const folders: string[] = [];
  after(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('records the images stored while lineage was off, every platform of an index too', async () => {
    const data = await mkdtemp(join(tmpdir(), 'berth-lineage-backfill-'));
    folders.push(data);
    const login = { username: 'admin', password: ADMIN_PASSWORD };
    const bottom = layer();
    const base = layered([bottom]);
    const app = layered([bottom, layer()]);
    const amd = layered([bottom, layer()], { architecture: 'amd64' });
    const arm = layered([layer()], { architecture: 'arm64' });
    const before = await open(data, { BERTH_LINEAGE_ENABLED: 'false' });
    try {
      await push(before, login, 'base/os', '1', [base]);
      await push(before, login, 'team/app', 'v1', [app]);
      await push(before, login, 'team/multi', 'v1', [amd, arm], twoPlatforms(amd, arm));
    } finally {
      await before.stop();
    }

    const registry = await open(data, { BERTH_LINEAGE_BACKFILL_INTERVAL_SECONDS: '1' });
    try {
      await until('the backfill is through', async () => {
        const place = await registry.berth.store.settings.get(BACKFILL_SETTING);
        return place && JSON.parse(place.value).done === true ? true : undefined;
      });
      const dependents = await api<{ dependents: { repository: string; image: string; platform?: string }[] }>(registry, 'GET', '/image-dependents?repository=base/os&reference=1', { auth: ADMIN });
      assertStatus(dependents, 200);
      assert.deepEqual(
        dependents.body.dependents.map((d) => [d.repository, d.platform]).sort(),
        [['team/app', 'linux/amd64'], ['team/multi', 'linux/amd64']],
        'both dependents were recorded by the backfill, the index’s amd64 platform too',
      );
    } finally {
      await registry.stop();
    }
  });
});
