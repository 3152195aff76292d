/**
 * The Redis the nodes of a scaled-out registry share (ioredis): manifest-cache invalidation,
 * rate-limit counters and login locks. Redis holds nothing the registry can't lose, so every
 * user of it has a local fallback, and commands fail at once while it is down (no offline queue)
 * rather than holding requests until it returns; the client reconnects by itself meanwhile.
 */
import { Redis } from 'ioredis';

/** What a user of Redis is told: the connection and the prefix of every key and channel. */
export interface SharedRedis {
  /** For commands. Its `status` is 'ready' while Redis answers. */
  readonly client: Redis;
  /** For subscriptions (a subscribed connection can't run commands). */
  readonly subscriber: Redis;
  readonly keyPrefix: string;
  /** Resolves when Redis answers PING; throws otherwise (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A logger's two levels used here (pino's signature). */
export interface RedisLogger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

// Back off up to 2 s between reconnects, forever: Redis coming back must be noticed soon.
const retryStrategy = (attempt: number): number => Math.min(100 * attempt, 2000);

/** Connects (in the background: the registry starts and serves while Redis is down). */
export function connectRedis(url: string, keyPrefix: string, logger: RedisLogger): SharedRedis {
  const options = { retryStrategy, connectTimeout: 2000, maxRetriesPerRequest: 1, lazyConnect: false };
  const client = new Redis(url, { ...options, enableOfflineQueue: false });
  // The subscriber queues its SUBSCRIBE until connected and subscribes again after reconnects.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, autoResubscribe: true });
  let down = false;
  const onError = (error: Error): void => {
    // ioredis reports every failed reconnect; one line per outage is enough.
    if (!down) logger.warn({ err: error }, 'redis is unreachable: caches stay local and short-lived, rate limits count per node');
    down = true;
  };
  client.on('error', onError);
  subscriber.on('error', () => undefined);
  client.on('ready', () => {
    if (down) logger.info({}, 'redis is reachable again');
    down = false;
  });
  return {
    client,
    subscriber,
    keyPrefix,
    ping: async () => {
      if (client.status !== 'ready') throw new Error(`redis is ${client.status}`);
      await client.ping();
    },
    close: async () => {
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
