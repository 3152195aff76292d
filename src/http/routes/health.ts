import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { BlobDriver } from '../../storage/blob-driver.js';

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

/**
 * /healthz (the process answers) and /readyz: 200 when metadata and storage answer, else 503,
 * with a line per dependency. Redis, when configured, is reported but never makes a node unready:
 * without it the registry still serves (caches local, limits per node), and failing every node's
 * readiness at once would turn a Redis outage into a registry outage.
 */
export function registerHealthRoutes(app: FastifyInstance, store: MetadataStore, driver: BlobDriver, redis?: { ping(): Promise<void> }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const [metadata, storage, shared] = await Promise.all([check(() => store.ping()), check(() => probeStorage(driver)), redis ? check(() => redis.ping()) : undefined]);
    const ready = metadata === 'ok' && storage === 'ok';
    const checks = { metadata, storage, ...(shared === undefined ? {} : { redis: shared === 'ok' ? 'ok' : `degraded (serving without it): ${shared}` }) };
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
}
