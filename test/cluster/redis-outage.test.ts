/**
 * A registry configured with Redis keeps serving when Redis goes away — /readyz says so but
 * stays 200 — and uses Redis again when it returns.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { imageManifest, pushImage } from '../support/fixtures.js';
import { eventually, startPrivateRedis, type PrivateRedis } from '../support/redis.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

async function readiness(registry: TestRegistry): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const reply = await fetch(`${registry.url}/readyz`);
  return { status: reply.status, body: (await reply.json()) as { status: string; checks: Record<string, string> } };
}

async function pulls(registry: TestRegistry, name: string, reference: string): Promise<number> {
  const reply = await fetch(`${registry.url}/v2/${name}/manifests/${reference}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  await reply.arrayBuffer();
  return reply.status;
}

describe('a registry whose Redis goes away', { timeout: 60_000 }, () => {
  let redis: PrivateRedis;
  let registry: TestRegistry;
  before(async () => {
    redis = await startPrivateRedis();
    registry = await startRegistry({ BERTH_REDIS_URL: redis.url, BERTH_RATE_LIMITS_MANIFEST_PULLS_PER_IP: '1000' });
    await eventually('the registry reached Redis', async () => (await readiness(registry)).body.checks.redis === 'ok');
  });
  after(async () => {
    await registry?.stop();
    await redis?.stop();
  });

  it('reports Redis in /readyz and stays ready, pushes and pulls on, then recovers', async () => {
    await pushImage(registry.url, 'team/app', 'one', imageManifest());
    assert.equal(await pulls(registry, 'team/app', 'one'), 200);

    await redis.stop();
    await eventually('/readyz noticed', async () => (await readiness(registry)).body.checks.redis !== 'ok');
    const down = await readiness(registry);
    assert.equal(down.status, 200);
    assert.equal(down.body.status, 'ready');
    assert.match(down.body.checks.redis ?? '', /^degraded \(serving without it\): redis is /);
    // Pushes, pulls (rate-limited in memory meanwhile) and deletes work without Redis.
    const during = imageManifest();
    await pushImage(registry.url, 'team/app', 'two', during);
    assert.equal(await pulls(registry, 'team/app', 'two'), 200);
    assert.equal(await pulls(registry, 'team/app', during.manifest.digest), 200);
    const deleted = await fetch(`${registry.url}/v2/team/app/manifests/${during.manifest.digest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    assert.equal(await pulls(registry, 'team/app', during.manifest.digest), 404);

    await redis.start();
    await eventually('/readyz sees Redis again', async () => (await readiness(registry)).body.checks.redis === 'ok', 15_000);
    assert.deepEqual((await readiness(registry)).body, { status: 'ready', checks: { metadata: 'ok', storage: 'ok', redis: 'ok' } });
    assert.equal(await pulls(registry, 'team/app', 'one'), 200);
  });

});
