import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { bootstrapAdmin, type BootstrapResult } from './auth/bootstrap.js';
import { buildAuth, type AuthCore } from './auth/build-auth.js';
import { localOnly, RedisCacheInvalidation, type CacheInvalidation } from './cluster/cache-invalidation.js';
import { nodeId } from './cluster/exclusive.js';
import { connectRedis, type SharedRedis } from './cluster/shared-redis.js';
import { EXTENSIONS } from './extensions/catalog.js';
import type { BerthConfig } from './extensions/settings.js';
import type { Extension, ExtensionModule } from './extensions/extension.js';
import type { MountedExtension } from './http/api/admin-api.js';
import { dispatcherSettings, EventDispatcher } from './events/dispatcher.js';
import { PullEvents } from './events/pull-events.js';
import { JobRunner } from './jobs/job-runner.js';
import { jobRunnerSettings } from './jobs/job-settings.js';
import { Scheduler } from './jobs/scheduler.js';
import { BlobService } from './content/blobs.js';
import { ImmutableTagRules } from './content/immutable-tag-rules.js';
import { ManifestCache } from './content/manifest-cache.js';
import { ManifestService } from './content/manifests.js';
import { PullRecorder } from './content/pull-recorder.js';
import { QuotaService } from './content/quotas.js';
import { ReadOnlyMode } from './content/read-only-mode.js';
import { TagListCache } from './content/tag-list-cache.js';
import { UploadService } from './content/uploads.js';
import { bindStorage } from './content/storage-binding.js';
import { GarbageCollector } from './gc/collector.js';
import { gcSettings, gcTask } from './gc/schedule.js';
import { HttpMetrics } from './http/middleware/metrics.js';
import { buildServer } from './http/server.js';
import type { MetadataStore } from './metadata/metadata-store.js';
import { openMetadataStore, type OpenMetadataStoreOptions } from './metadata/open-metadata-store.js';
import { ensurePrivateFolder, type ModeFixed } from './metadata/sqlite/file-modes.js';
import type { BlobDriver } from './storage/blob-driver.js';
import { openBlobDriver } from './storage/open-blob-driver.js';
import { Operations } from './operations/operations.js';
import { Readiness } from './operations/readiness.js';
import { signInOidcUser } from './auth/oidc/oidc-accounts.js';
import { secretBox } from './auth/secret-box.js';

/** The whole configuration: the core's settings and the extensions' slices. */
export type Config = BerthConfig;

export { listSettings, loadConfig } from './extensions/settings.js';

/**
 * The catalog's extensions' migrations, for a command that opens the database itself (`berth user
 * reset-password`): without them, the migrator would find executed migrations it doesn't know.
 */
export function catalogMigrations(): OpenMetadataStoreOptions['migrations'] {
  return extensionMigrations(EXTENSIONS);
}

/** Every extension's own migrations, run whether or not it is enabled (extensions/extension.ts). */
function extensionMigrations(modules: readonly ExtensionModule[]): OpenMetadataStoreOptions['migrations'] {
  const withMigrations = modules.filter((module) => module.migrations !== undefined);
  if (withMigrations.length === 0) return undefined;
  return (dialect) => Object.assign({}, ...withMigrations.map((module) => module.migrations?.(dialect)));
}

/** A composed registry: its HTTP server and the resources to release on close. */
export interface Berth {
  readonly config: Config;
  readonly server: FastifyInstance;
  readonly store: MetadataStore;
  readonly driver: BlobDriver;
  readonly auth: AuthCore;
  /** Garbage collection (also scheduled when gc.intervalSeconds > 0). */
  readonly gc: GarbageCollector;
  /** This node's job runner (jobs.enabled), running the job kinds the built extensions handle. */
  readonly jobs: JobRunner | undefined;
  /** The names of the extensions this registry built (extensions/catalog.ts). */
  readonly extensions: readonly string[];
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

/** The shared Redis the configuration names, and the cache-invalidation bus over it (or local). */
function openRedis(config: Config, logger: Logger): { redis?: SharedRedis; invalidation: CacheInvalidation } {
  if (config.redis.url === undefined) return { invalidation: localOnly };
  const redis = connectRedis(config.redis.url, config.redis.keyPrefix, logger);
  return { redis, invalidation: new RedisCacheInvalidation(redis) };
}

/** The metadata URL without its password, for logs and errors. */
function redactedUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/** Logs a tightened file mode: one warning line with the path and the mode it had. */
function modeFixedLogger(logger: Logger): ModeFixed {
  return (path, oldMode, error) =>
    error === undefined
      ? logger.warn({ path, oldMode }, `${path} was readable by others (mode ${oldMode}): made it owner-only`)
      : logger.warn({ path, oldMode, err: error }, `${path} is readable by others (mode ${oldMode}) and could not be made owner-only: chmod it 0700 (a folder) or 0600`);
}

/**
 * The metadata store and the blob driver, bound to each other (storage-binding.ts) before
 * anything can sweep: a database must never act on another database's blobs.
 */
async function openBound(config: Config, url: string, options: OpenMetadataStoreOptions): Promise<{ store: MetadataStore; driver: BlobDriver; location: string }> {
  const store = await openMetadataStore(url, options);
  const { driver, location } = await openBlobDriver(config);
  try {
    await bindStorage(store, driver, { metadata: redactedUrl(url), storage: location });
  } catch (error) {
    await store.close();
    await driver.close?.();
    throw error;
  }
  return { store, driver, location };
}

/**
 * The stores alone, for maintenance commands that run beside (or without) a server: `berth gc`.
 * Opens an existing database only (a missing SQLite file is an error naming it, never a new
 * database) and refuses storage that is not bound to that database (storage-binding.ts).
 */
export async function openStorage(config: Config, logger: Logger = pino({ level: 'silent' })): Promise<{ store: MetadataStore; driver: BlobDriver; gc: GarbageCollector; close(): Promise<void> }> {
  const url = metadataUrl(config);
  const { store, driver } = await openBound(config, url, { mustExist: true, onModeFixed: modeFixedLogger(logger), migrations: extensionMigrations(EXTENSIONS) });
  // What GC deletes must leave the running nodes' manifest caches too.
  const { redis, invalidation } = openRedis(config, logger);
  const gc = new GarbageCollector(store, driver, gcSettings(config), (repository, digest) => invalidation.manifestGone({ repository, digest }));
  return {
    store,
    driver,
    gc,
    close: async () => {
      await store.close();
      await driver.close?.();
      await redis?.close();
    },
  };
}

/** The composition root: the only place that picks implementations. */
/** `extensions`: the catalog's, unless a test brings its own. */
export async function createBerth(config: Config, logger: Logger = pino({ level: config.log.level }), extensions: readonly ExtensionModule[] = EXTENSIONS): Promise<Berth> {
  const url = metadataUrl(config);
  // The data folder holds the database (password hashes, signing keys) when the defaults use it.
  if (config.metadata.url === undefined || (config.storage.driver === 'filesystem' && config.storage.filesystem.root === undefined)) {
    ensurePrivateFolder(resolve(config.data), modeFixedLogger(logger));
  }
  const { store, driver, location } = await openBound(config, url, { onModeFixed: modeFixedLogger(logger), migrations: extensionMigrations(extensions) });
  const { redis, invalidation } = openRedis(config, logger);
  const cache = new ManifestCache(config.manifests.cacheEntries, invalidation);
  // The one write gate every content write passes (/v2, admin API, CLI, lifecycle runs).
  const readOnly = new ReadOnlyMode(store);
  const auth = await buildAuth(config, store, (error, lost) => logger.error({ err: error, lost }, 'audit events could not be written'), redis, invalidation);
  const immutableTags = new ImmutableTagRules(store, auth.access.names, { writes: readOnly });
  const gc = new GarbageCollector(store, driver, gcSettings(config), (repository, digest) => cache.delete(repository, digest));
  const quotas = new QuotaService(store, auth.access.names, undefined, (error) => logger.error({ err: error }, 'a quota.exceeded event could not be written'));
  const pullEvents = new PullEvents(store.events, (error, lost) => logger.warn({ err: error, lost }, 'pull events could not be written'));
  const pulls = new PullRecorder(store.lifecycle, (error) => logger.warn({ err: error }, 'a manifest pull time could not be recorded'));
  const services = {
    uploads: new UploadService(store, driver, {
      quotas,
      writes: readOnly,
      sessions: { perPrincipal: config.uploads.maxSessionsPerPrincipal, perNamespace: config.uploads.maxSessionsPerNamespace },
    }),
    // Renew a blob link's GC lease at most every minute, and always within half the grace period.
    blobs: new BlobService(
      store,
      driver,
      Math.min(60_000, gc.settings.graceMs / 2),
      quotas,
      config.storage.driver === 's3' && config.storage.s3.redirect ? { expiresInSeconds: config.storage.s3.redirectExpirySeconds } : undefined,
      readOnly,
    ),
    manifests: new ManifestService(store, cache, new TagListCache(store, config.manifests.tagListCacheRepositories), immutableTags, pulls, readOnly),
    immutableTags,
    readOnly,
    quotas,
    pullEvents,
  };
  const bootstrap = config.auth.mode === 'none' ? ({ created: false } as const) : await bootstrapAdmin(store, config.adminPassword);
  if (store.dialect === 'postgres' && config.auth.keyEncryptionKey === undefined && config.auth.keyEncryptionKeyFile === undefined) {
    logger.warn('the token-signing private keys are stored in clear in PostgreSQL: set auth.keyEncryptionKey (docs/deploy.md)');
  }
  if (config.auth.mode === 'none') logger.warn('auth.mode is none: anyone who can reach this registry may push, pull and delete anything');
  const secrets = secretBox(config.auth, store.dialect, resolve(config.data));
  const built = buildExtensions(config, extensions, { store, services, access: auth.access, audit: auth.audit, revocations: auth.revocations, limits: auth.limits, pulls, secrets, logger });
  const tls = config.tls.cert && config.tls.key ? { cert: await readFile(config.tls.cert), key: await readFile(config.tls.key) } : undefined;
  const metrics = new HttpMetrics({
    totals: () => store.usage.totals(),
    namespaceOf: (repository) => auth.access.names.namespaceOf(repository),
    namespaceLabels: config.metrics.namespaceLabels,
    cacheMs: config.metrics.storageCacheSeconds * 1000,
  });
  gc.onFinished((run) => metrics.activity?.gcFinished(run));
  const server = buildServer({
    config,
    logger,
    services,
    ops: new Operations({ store, access: auth.access, audit: auth.audit, revocations: auth.revocations, services, gc }),
    metrics,
    auth: { ...auth, mode: config.auth.mode, realm: config.auth.token.realm, loginFailed: (reason) => metrics.activity?.loginFailed(reason) },
    extensions: built.map(({ module, extension }): MountedExtension => ({ routes: module.routes, services: extension.services })),
    readiness: new Readiness(store, driver, redis),
    oidcSignIn: (identity, clientIp, options) => signInOidcUser(store, auth.audit, identity, clientIp, options),
    ...(tls ? { tls } : {}),
  });
  // The one scheduler of the node's periodic work: GC and what the extensions bring.
  const scheduler = new Scheduler();
  if (config.gc.intervalSeconds > 0) scheduler.every(gcTask(gc, config.gc.intervalSeconds * 1000, logger));
  for (const { extension } of built) for (const task of extension.tasks) scheduler.every(task);
  // Any node may run jobs and dispatch events; one with jobs.enabled false only serves requests.
  const node = nodeId();
  const jobs = config.jobs.enabled ? new JobRunner(store.jobs, built.flatMap(({ extension }) => extension.jobs ?? []), jobRunnerSettings(config, node), logger) : undefined;
  const dispatcher = jobs && new EventDispatcher(store, built.flatMap(({ extension }) => extension.subscriptions ?? []), dispatcherSettings(config, node), logger, () => jobs.wake());
  jobs?.start();
  dispatcher?.start();
  return {
    config,
    server,
    store,
    driver,
    auth,
    gc,
    jobs,
    extensions: built.map(({ module }) => module.name),
    bootstrap,
    locations: { metadata: redactedUrl(url), storage: location },
    close: async () => {
      await server.close();
      await scheduler.stop();
      await dispatcher?.stop();
      await jobs?.stop();
      for (const { extension } of built) await extension.stop?.();
      await pulls.drain();
      await pullEvents.flush();
      await auth.audit.flush();
      await store.close();
      await driver.close?.();
      await redis?.close();
    },
  };
}

/** Builds the extensions whose settings enable them. */
function buildExtensions(config: Config, modules: readonly ExtensionModule[], context: Parameters<ExtensionModule['build']>[0]): { module: ExtensionModule; extension: Extension }[] {
  const built: { module: ExtensionModule; extension: Extension }[] = [];
  for (const module of modules) {
    // Each slice was validated with the whole configuration (berthConfigSchema).
    const slice = (config as unknown as Record<string, unknown>)[module.name];
    if (module.enabled(slice)) built.push({ module, extension: module.build(context, slice) });
  }
  return built;
}
