import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { bootstrapAdmin, type BootstrapResult } from './auth/bootstrap.js';
import { buildAuth, type AuthCore } from './auth/build-auth.js';
import type { Config } from './config/index.js';
import { BlobService } from './content/blobs.js';
import { ManifestCache } from './content/manifest-cache.js';
import { ManifestService } from './content/manifests.js';
import { TagListCache } from './content/tag-list-cache.js';
import { UploadService } from './content/uploads.js';
import { HttpMetrics } from './http/middleware/metrics.js';
import { buildServer } from './http/server.js';
import type { MetadataStore } from './metadata/metadata-store.js';
import { openMetadataStore } from './metadata/open-metadata-store.js';
import type { BlobDriver } from './storage/blob-driver.js';
import { FilesystemDriver } from './storage/filesystem/filesystem-driver.js';

/** A composed registry: its HTTP server and the resources to release on close. */
export interface Berth {
  readonly config: Config;
  readonly server: FastifyInstance;
  readonly store: MetadataStore;
  readonly driver: BlobDriver;
  readonly auth: AuthCore;
  /** Whether this start created the admin account (and the generated password, to print once). */
  readonly bootstrap: BootstrapResult;
  /** Where metadata and blobs live, for the startup line. */
  readonly locations: { metadata: string; storage: string };
  /** Stops the server (letting running requests finish) and closes the store. */
  close(): Promise<void>;
}

/** The metadata URL the config names, or the embedded default under the data folder. */
export function metadataUrl(config: Config): string {
  return config.metadata.url ?? `sqlite:${resolve(config.data, 'berth.db')}`;
}

/** The composition root: the only place that picks implementations. */
export async function createBerth(config: Config, logger: Logger = pino({ level: config.log.level })): Promise<Berth> {
  const storageRoot = resolve(config.storage.filesystem.root ?? resolve(config.data, 'storage'));
  const driver = new FilesystemDriver(storageRoot);
  const url = metadataUrl(config);
  const store = await openMetadataStore(url);
  const cache = new ManifestCache(config.manifests.cacheEntries);
  const services = {
    uploads: new UploadService(store, driver),
    blobs: new BlobService(store, driver),
    manifests: new ManifestService(store, cache, new TagListCache(store, config.manifests.tagListCacheRepositories)),
  };
  const auth = await buildAuth(config, store, (error, lost) => logger.error({ err: error, lost }, 'audit events could not be written'));
  const bootstrap = config.auth.mode === 'none' ? ({ created: false } as const) : await bootstrapAdmin(store, config.adminPassword);
  if (config.auth.mode === 'none') logger.warn('auth.mode is none: anyone who can reach this registry may push, pull and delete anything');
  const tls = config.tls.cert && config.tls.key ? { cert: await readFile(config.tls.cert), key: await readFile(config.tls.key) } : undefined;
  const server = buildServer({
    config,
    logger,
    services,
    store,
    driver,
    metrics: new HttpMetrics(),
    auth: { ...auth, mode: config.auth.mode, realm: config.auth.token.realm },
    ...(tls ? { tls } : {}),
  });
  return {
    config,
    server,
    store,
    driver,
    auth,
    bootstrap,
    locations: { metadata: url.replace(/\/\/([^@/]*)@/, '//***@'), storage: `filesystem:${storageRoot}` },
    close: async () => {
      await server.close();
      await auth.audit.flush();
      await store.close();
    },
  };
}
