/**
 * Binds a blob store to its metadata database, so that a database never acts on another
 * database's blobs (issue #10): `berth gc` pointed at a PostgreSQL registry's folder without its
 * metadata URL once opened a fresh SQLite database, found every blob file unknown and deleted
 * them all as orphans. At first start an id is written to storage (`_berth/storage-id`, see
 * storage/paths.ts) and recorded in the database (`registry_settings`, key `storage.id`); every
 * later start of `serve` or `gc` checks that the two agree and refuses otherwise.
 */
import { randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { Exclusive, LeaseBusyError } from '../cluster/exclusive.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { PathNotFoundError, type BlobDriver } from '../storage/blob-driver.js';
import { BLOBS_PREFIX, STORAGE_ID_PATH, digestOfBlobPath } from '../storage/paths.js';

/** The `registry_settings` key holding the id of the storage the database is bound to. */
export const STORAGE_ID_SETTING = 'storage.id';

/** Storage and database do not belong together: nothing was changed. */
export class StorageBindingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageBindingError';
  }
}

/** Where the two sides are, for the error messages. */
export interface BindingLocations {
  /** The metadata URL without its password. */
  metadata: string;
  /** The storage location (filesystem:/path, s3:endpoint/bucket). */
  storage: string;
}

/** The id stored in storage, or undefined when there is none. */
export async function readStorageId(driver: BlobDriver): Promise<string | undefined> {
  try {
    const id = (await text(await driver.reader(STORAGE_ID_PATH))).trim();
    return id === '' ? undefined : id;
  } catch (error) {
    if (error instanceof PathNotFoundError) return undefined;
    throw error;
  }
}

/** True when storage holds at least one committed blob file. */
export async function storageHoldsBlobs(driver: BlobDriver): Promise<boolean> {
  return (await driver.list(BLOBS_PREFIX)).some((path) => digestOfBlobPath(path) !== undefined);
}

async function writeStorageId(driver: BlobDriver, id: string): Promise<void> {
  const writer = await driver.writer(STORAGE_ID_PATH);
  try {
    await writer.write(Buffer.from(`${id}\n`));
    await writer.commit();
  } catch (error) {
    await writer.cancel().catch(() => undefined);
    throw error;
  }
}

/**
 * Checks that storage and database belong together, binding them when neither is bound yet
 * (first start, or the first start after upgrading to a version that binds); returns the id.
 * Throws {@link StorageBindingError} when the ids differ, when only one side has one, or when
 * an unbound database knows no blobs while unbound storage holds some (another database's).
 */
export async function bindStorage(store: MetadataStore, driver: BlobDriver, where: BindingLocations, exclusive: Exclusive = new Exclusive(store.leases)): Promise<string> {
  for (;;) {
    const bound = await checkBinding(store, driver, where);
    if (bound !== undefined) return bound;
    // Nodes starting together on an unbound pair must not each write their own id.
    try {
      const id = await exclusive.run('storage-binding', async () => (await checkBinding(store, driver, where)) ?? bindNew(store, driver, where));
      return id;
    } catch (error) {
      if (!(error instanceof LeaseBusyError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The id when both sides agree, undefined when neither is bound; throws on a mismatch. */
async function checkBinding(store: MetadataStore, driver: BlobDriver, where: BindingLocations): Promise<string | undefined> {
  const inStorage = await readStorageId(driver);
  const inDatabase = (await store.settings.get(STORAGE_ID_SETTING))?.value;
  if (inStorage !== undefined && inDatabase !== undefined) {
    if (inStorage === inDatabase) return inStorage;
    throw new StorageBindingError(
      `storage ${where.storage} has storage id ${inStorage} but the database ${where.metadata} is bound to storage id ${inDatabase}: ` +
        'they belong to different registries; point storage and metadata (BERTH_METADATA_URL, --metadata-url) at the pair that belongs together',
    );
  }
  if (inStorage !== undefined) {
    // A first start that crashed between its two writes: nothing on either side to protect.
    if (!(await store.gc.hasBlobs()) && !(await storageHoldsBlobs(driver))) {
      await store.settings.set(STORAGE_ID_SETTING, inStorage, 'berth');
      return inStorage;
    }
    throw new StorageBindingError(
      `storage ${where.storage} belongs to another database (storage id ${inStorage}) but the database ${where.metadata} is bound to none: ` +
        'give the registry\'s own metadata URL (BERTH_METADATA_URL, --metadata-url)',
    );
  }
  if (inDatabase !== undefined) {
    throw new StorageBindingError(
      `the database ${where.metadata} is bound to storage id ${inDatabase} but storage ${where.storage} has no storage id (${STORAGE_ID_PATH}): ` +
        'point storage at the registry\'s own folder or bucket',
    );
  }
  return undefined;
}

async function bindNew(store: MetadataStore, driver: BlobDriver, where: BindingLocations): Promise<string> {
  if (!(await store.gc.hasBlobs()) && (await storageHoldsBlobs(driver))) {
    throw new StorageBindingError(
      `storage ${where.storage} holds blob files but the database ${where.metadata} knows no blobs: the files belong to another database; ` +
        'give the registry\'s own metadata URL (BERTH_METADATA_URL, --metadata-url)',
    );
  }
  const id = randomUUID();
  // Storage first: a crash between the two leaves storage bound and the database not, which the
  // next start completes while both are empty and refuses once either holds blobs.
  await writeStorageId(driver, id);
  await store.settings.set(STORAGE_ID_SETTING, id, 'berth');
  return id;
}
