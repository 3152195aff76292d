/**
 * Short locks across nodes in Redis (SET NX PX; released only by the token that took it, in a
 * Lua script so the check and the delete are one step). Used where one-at-a-time matters for
 * correctness of a limit, not of data: while Redis is down, callers run without the lock.
 */
import { randomUUID } from 'node:crypto';
import type { SharedRedis } from './shared-redis.js';

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const POLL_MS = 10;

/** Named locks with a time to live (a holder that dies frees the lock when it expires). */
export class RedisLocks {
  constructor(private readonly redis: SharedRedis) {}

  /**
   * Runs `work` holding the lock `name` (waiting at most ttlMs for it: by then a dead holder's
   * lock has expired). Without Redis, runs it unlocked.
   */
  async withLock<T>(name: string, ttlMs: number, work: () => Promise<T>): Promise<T> {
    const key = `${this.redis.keyPrefix}lock:${name}`;
    const token = randomUUID();
    const held = await this.acquire(key, token, ttlMs);
    try {
      return await work();
    } finally {
      if (held) await this.redis.client.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }

  private async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    const deadline = Date.now() + ttlMs;
    while (Date.now() < deadline) {
      if (this.redis.client.status !== 'ready') return false;
      const taken = await this.redis.client.set(key, token, 'PX', ttlMs, 'NX').catch(() => undefined);
      if (taken === 'OK') return true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return false;
  }
}
