/**
 * Tells every node's caches what changed. A node that deletes a manifest publishes it; the others
 * drop it from their manifest caches. Over Redis pub/sub when configured; otherwise there is no
 * one to tell, and the caches keep entries only briefly (content/manifest-cache.ts), so a delete
 * made elsewhere (another node, `berth gc`) is seen within seconds anyway.
 */
import { randomUUID } from 'node:crypto';
import type { SharedRedis } from './shared-redis.js';

/** A manifest that no longer exists at repository@digest. */
export interface ManifestGone {
  repository: string;
  digest: string;
}

/** The bus between nodes' caches. */
export interface CacheInvalidation {
  /** True while other nodes' messages are being received: caches may then keep entries long. */
  readonly live: boolean;
  /** Tells the other nodes (fire and forget: a lost message is covered by entry lifetimes). */
  manifestGone(message: ManifestGone): void;
  /**
   * Listens: `onGone` for other nodes' messages, `onGap` whenever messages may have been missed
   * (the connection dropped or came back), when a cache must forget everything.
   */
  listen(onGone: (message: ManifestGone) => void, onGap: () => void): void;
  /** Tells the other nodes that an account's or credential's tokens were revoked (auth/revocations.ts). */
  credentialsChanged(): void;
  /** Listens for other nodes' credentialsChanged, and for gaps (as in listen). */
  listenCredentials(onChanged: () => void): void;
}

/** No other nodes to tell: never live. */
export const localOnly: CacheInvalidation = {
  live: false,
  manifestGone: () => undefined,
  listen: () => undefined,
  credentialsChanged: () => undefined,
  listenCredentials: () => undefined,
};

/** Invalidation over Redis pub/sub on the channel `<prefix>invalidate`. */
export class RedisCacheInvalidation implements CacheInvalidation {
  private readonly channel: string;
  // Messages carry the sender, so a node ignores its own (it already dropped the entry).
  private readonly self = randomUUID();
  private subscribed = false;

  constructor(private readonly redis: SharedRedis) {
    this.channel = `${redis.keyPrefix}invalidate`;
  }

  get live(): boolean {
    return this.subscribed && this.redis.subscriber.status === 'ready';
  }

  manifestGone(message: ManifestGone): void {
    if (this.redis.client.status !== 'ready') return;
    this.redis.client.publish(this.channel, JSON.stringify({ from: this.self, ...message })).catch(() => undefined);
  }

  credentialsChanged(): void {
    if (this.redis.client.status !== 'ready') return;
    this.redis.client.publish(this.channel, JSON.stringify({ from: this.self, kind: CREDENTIALS })).catch(() => undefined);
  }

  listenCredentials(onChanged: () => void): void {
    const subscriber = this.redis.subscriber;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel && isCredentialsMessage(text, this.self)) onChanged();
    });
    subscriber.on('ready', onChanged);
    subscriber.on('close', onChanged);
    this.subscribe();
  }

  listen(onGone: (message: ManifestGone) => void, onGap: () => void): void {
    const subscriber = this.redis.subscriber;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const message = parse(text);
      if (message && message.from !== this.self) onGone({ repository: message.repository, digest: message.digest });
    });
    // 'ready' follows every (re)connect once the subscription is renewed.
    subscriber.on('ready', () => {
      this.subscribed = true;
      onGap();
    });
    subscriber.on('close', () => {
      this.subscribed = false;
      onGap();
    });
    this.subscribe();
  }

  private subscribe(): void {
    this.redis.subscriber.subscribe(this.channel).then(
      () => {
        this.subscribed = true;
      },
      () => undefined,
    );
  }
}

// The kind of a credentials message; manifest messages (the first kind) carry none.
const CREDENTIALS = 'credentials';

function isCredentialsMessage(text: string, self: string): boolean {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    return value.kind === CREDENTIALS && value.from !== self;
  } catch {
    return false;
  }
}

function parse(text: string): (ManifestGone & { from: string }) | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const { from, repository, digest } = value;
    return typeof from === 'string' && typeof repository === 'string' && typeof digest === 'string' ? { from, repository, digest } : undefined;
  } catch {
    return undefined;
  }
}
