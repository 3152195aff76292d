/**
 * Whether this node can serve: the metadata store answers and the blob store takes a write. Redis,
 * when configured, is reported but never makes a node unready: without it the registry still
 * serves (caches local, limits per node), and failing every node's readiness at once would turn a
 * Redis outage into a registry outage.
 */
import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { BlobDriver } from '../storage/blob-driver.js';

/** The readiness answer: one line per dependency. */
export interface ReadinessReport {
  ready: boolean;
  checks: { metadata: string; storage: string; redis?: string };
}

/**
 * Writes, reads back and deletes a tiny file: a full disk, a read-only mount or a missing root
 * make the node unready, which a stat of a path that doesn't exist would not notice.
 */
async function probeStorage(driver: BlobDriver): Promise<void> {
  const path = `readyz/${randomUUID()}`;
  try {
    const writer = await driver.writer(path);
    await writer.write(Buffer.from('ok'));
    await writer.close();
    if ((await driver.stat(path))?.size !== 2) throw new Error('the probe file did not read back');
  } finally {
    await driver.delete(path).catch(() => undefined);
  }
}

async function check(probe: () => Promise<void>): Promise<string> {
  return probe().then(
    () => 'ok',
    (error: Error) => error.message,
  );
}

/** Checks the node's dependencies on demand (/readyz). */
export class Readiness {
  constructor(
    private readonly store: Pick<MetadataStore, 'ping'>,
    private readonly driver: BlobDriver,
    private readonly redis?: { ping(): Promise<void> },
  ) {}

  async check(): Promise<ReadinessReport> {
    const redis = this.redis;
    const [metadata, storage, shared] = await Promise.all([check(() => this.store.ping()), check(() => probeStorage(this.driver)), redis ? check(() => redis.ping()) : undefined]);
    return {
      ready: metadata === 'ok' && storage === 'ok',
      checks: { metadata, storage, ...(shared === undefined ? {} : { redis: shared === 'ok' ? 'ok' : `degraded (serving without it): ${shared}` }) },
    };
  }
}
