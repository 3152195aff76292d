/**
 * What the nodes share through Redis — manifest-cache invalidation, rate-limit counters, the
 * login lock — and what happens when Redis goes away and comes back: each "node" here is its own
 * set of connections and services, as in separate processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { RateLimits, type RateLimitSettings } from '../../src/auth/rate-limits.js';
import { RedisCacheInvalidation } from '../../src/cluster/cache-invalidation.js';
import { RedisLocks } from '../../src/cluster/redis-lock.js';
import { connectRedis, type SharedRedis } from '../../src/cluster/shared-redis.js';
import { ManifestCache } from '../../src/content/manifest-cache.js';
import { eventually, redisTestSettings, startPrivateRedis, type PrivateRedis } from '../support/redis.js';

const silent = pino({ level: 'silent' });
const record = (digest: string) => ({ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 2, bytes: new Uint8Array([123, 125]) });
const noLimit = { limit: 0, windowSeconds: 60 };
const limits = (overrides: Partial<RateLimitSettings>): RateLimitSettings => ({
  manifestPullsPerPrincipal: noLimit,
  manifestPullsPerIp: noLimit,
  tokenRequestsPerIp: noLimit,
  failedLogins: { limit: 0, windowSeconds: 60, blockSeconds: 60 },
  ...overrides,
});

/** A node's shared-state parts on its own connections. */
function node(url: string, keyPrefix: string): { redis: SharedRedis; cache: ManifestCache; invalidation: RedisCacheInvalidation } {
  const redis = connectRedis(url, keyPrefix, silent);
  const invalidation = new RedisCacheInvalidation(redis);
  return { redis, invalidation, cache: new ManifestCache(100, invalidation) };
}

describe('shared state over Redis', () => {
  const { url, keyPrefix } = redisTestSettings();
  const nodes: ReturnType<typeof node>[] = [];
  before(async () => {
    nodes.push(node(url, keyPrefix), node(url, keyPrefix), node(url, keyPrefix));
    await eventually('every node subscribed', () => nodes.every((n) => n.invalidation.live));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.redis.close()));
  });

  it('a manifest deleted on one node leaves every other node\'s cache', async () => {
    const [a, b, c] = nodes as [ReturnType<typeof node>, ReturnType<typeof node>, ReturnType<typeof node>];
    for (const n of nodes) n.cache.set('team/app', record('sha256:aa'));
    b.cache.set('team/app', record('sha256:bb'));
    a.cache.delete('team/app', 'sha256:aa');
    assert.equal(a.cache.get('team/app', 'sha256:aa'), undefined);
    await eventually('nodes b and c forgot sha256:aa', () => b.cache.get('team/app', 'sha256:aa') === undefined && c.cache.get('team/app', 'sha256:aa') === undefined, 1000);
    // Only that entry went.
    assert.equal(b.cache.get('team/app', 'sha256:bb')?.digest, 'sha256:bb');
  });

  it('registries with another key prefix on the same Redis hear nothing', async () => {
    const stranger = node(url, `${keyPrefix}other:`);
    try {
      await eventually('the stranger subscribed', () => stranger.invalidation.live);
      stranger.cache.set('team/app', record('sha256:cc'));
      nodes[0]?.cache.delete('team/app', 'sha256:cc');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(stranger.cache.get('team/app', 'sha256:cc')?.digest, 'sha256:cc');
    } finally {
      await stranger.redis.close();
    }
  });

  it('manifest-pull limits are counted once across nodes', async () => {
    const settings = limits({ manifestPullsPerIp: { limit: 5, windowSeconds: 60 } });
    const [a, b, c] = nodes.map((n) => new RateLimits(settings, n.redis)) as [RateLimits, RateLimits, RateLimits];
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => [a, b, c][i % 3]!.manifestPull(undefined, '203.0.113.7')));
    assert.equal(results.filter((r) => r.allowed).length, 5);
    const refused = results.find((r) => !r.allowed);
    assert.ok(refused && !refused.allowed && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60);
  });

  it('failed logins from one address are throttled across nodes, and parallel guesses verify at most the limit', async () => {
    const settings = limits({ failedLogins: { limit: 5, windowSeconds: 300, blockSeconds: 300 } });
    const throttles = nodes.map((n) => new RateLimits(settings, n.redis));
    let verified = 0;
    // Twenty wrong guesses at once, spread over three nodes: each checks, "verifies", counts.
    const guesses = Array.from({ length: 20 }, (_, i) => {
      const limits = throttles[i % 3] as RateLimits;
      return limits.oneAtATime('alice', '198.51.100.1', async () => {
        if (!(await limits.loginBlocked('alice', '198.51.100.1')).allowed) return 'blocked';
        verified += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        await limits.loginFailed('alice', '198.51.100.1');
        return 'failed';
      });
    });
    const outcomes = await Promise.all(guesses);
    assert.equal(verified, 5);
    assert.equal(outcomes.filter((o) => o === 'blocked').length, 15);
    // Blocked on a node that saw none of the attempts.
    const fresh = node(url, keyPrefix);
    try {
      await eventually('the new node connected', () => fresh.redis.client.status === 'ready');
      assert.equal((await new RateLimits(settings, fresh.redis).loginBlocked('alice', '198.51.100.1')).allowed, false);
      assert.equal((await new RateLimits(settings, fresh.redis).loginBlocked('alice', '198.51.100.2')).allowed, true);
    } finally {
      await fresh.redis.close();
    }
  });

  it('a lock is held by one node at a time and freed when its holder is done', async () => {
    const locks = nodes.map((n) => new RedisLocks(n.redis));
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (locks[i % 3] as RedisLocks).withLock('critical', 5000, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 3));
          inside -= 1;
        }),
      ),
    );
    assert.equal(most, 1);
    assert.equal(await nodes[0]?.redis.client.exists(`${keyPrefix}lock:critical`), 0);
  });
});

describe('when Redis goes away and comes back', () => {
  let server: PrivateRedis;
  let a: ReturnType<typeof node>;
  let b: ReturnType<typeof node>;
  before(async () => {
    server = await startPrivateRedis();
    a = node(server.url, 'outage:');
    b = node(server.url, 'outage:');
    await eventually('both nodes subscribed', () => a.invalidation.live && b.invalidation.live);
  });
  after(async () => {
    await a?.redis.close();
    await b?.redis.close();
    await server?.stop();
  });

  it('keeps serving: caches turn short-lived and limits count per node, then both are shared again', async () => {
    const settings = limits({ manifestPullsPerIp: { limit: 3, windowSeconds: 60 } });
    const limitsA = new RateLimits(settings, a.redis);
    const limitsB = new RateLimits(settings, b.redis);
    a.cache.set('team/app', record('sha256:dd'));

    await server.stop();
    await eventually('node a noticed', () => !a.invalidation.live);
    // Messages may have been missed from here on: the cache forgot everything.
    assert.equal(a.cache.get('team/app', 'sha256:dd'), undefined);
    await assert.rejects(a.redis.ping(), /redis is/);
    // Limits keep working, each node on its own (in memory): 3 here and 3 there.
    const whileDown = await Promise.all([...Array.from({ length: 4 }, () => limitsA.manifestPull(undefined, '192.0.2.1')), ...Array.from({ length: 4 }, () => limitsB.manifestPull(undefined, '192.0.2.1'))]);
    assert.deepEqual(whileDown.map((r) => r.allowed), [true, true, true, false, true, true, true, false]);
    // Deletes are not lost on the node that made them, and cached entries age out fast.
    a.cache.set('team/app', record('sha256:ee'));
    assert.equal(a.cache.get('team/app', 'sha256:ee')?.digest, 'sha256:ee');

    await server.start();
    await eventually('both nodes reconnected', () => [a, b].every((n) => n.invalidation.live && n.redis.client.status === 'ready'), 15_000);
    await a.redis.ping();
    b.cache.set('team/app', record('sha256:ff'));
    a.cache.delete('team/app', 'sha256:ff');
    await eventually('node b heard the delete', () => b.cache.get('team/app', 'sha256:ff') === undefined, 1000);
    // Shared counting again (the restarted Redis has no counts): 3 in all.
    const afterwards = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? limitsA : limitsB).manifestPull(undefined, '192.0.2.99')));
    assert.equal(afterwards.filter((r) => r.allowed).length, 3);
  });
});
