/**
 * A Redis key prefix the scale-out nodes share (BERTH_REDIS_KEY_PREFIX), fresh per run, so the
 * benchmark can share the machine's Redis with tests and remove exactly its own keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** BENCH_REDIS_URL points at another Redis. */
export function redisUrl(env: NodeJS.ProcessEnv): string {
  return env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
}

function connect(url: string): Redis {
  // Fail at once rather than retrying forever: this is a check or a cleanup, not a server.
  return new Redis(url, { connectTimeout: 3000, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
}

/** Why Redis cannot be used, or undefined when it answers PING. */
export async function redisUnreachable(url: string): Promise<string | undefined> {
  const redis = connect(url);
  // connect() rejects with "Connection is closed"; the socket's own error says why.
  let cause: Error | undefined;
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return `Redis at ${url} does not answer (${(cause ?? (error as Error)).message}); set BENCH_REDIS_URL`;
  } finally {
    redis.disconnect();
  }
}

/** This run's prefix and how to delete every key under it. */
export interface BenchRedisPrefix {
  prefix: string;
  /** Deletes the keys; returns how many there were. */
  clear(): Promise<number>;
}

export function benchRedisPrefix(url: string): BenchRedisPrefix {
  const prefix = `berth-bench-${randomBytes(5).toString('hex')}:`;
  return {
    prefix,
    clear: async () => {
      const redis = connect(url);
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        let deleted = 0;
        // SCAN, not KEYS: the Redis is shared, and KEYS blocks it while it walks everything.
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) deleted += await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        return deleted;
      } finally {
        redis.disconnect();
      }
    },
  };
}
