import type { Readable } from 'node:stream';
import { RegistryError } from '../errors/index.js';
import type { Digest } from '../oci/index.js';
import type { BlobRecord, MetadataStore } from '../metadata/metadata-store.js';
import { PathNotFoundError, type BlobDriver } from '../storage/blob-driver.js';
import { blobDataPath } from '../storage/paths.js';

/** An open blob: its record and a stream of the requested bytes. */
export interface OpenBlob extends BlobRecord {
  stream: Readable;
}

/** Committed blobs as a repository sees them: stat, read (whole or a range), mount, delete. */
export class BlobService {
  constructor(
    private readonly store: MetadataStore,
    private readonly driver: BlobDriver,
  ) {}

  /** The blob when the repository links it; BLOB_UNKNOWN otherwise. */
  async stat(repository: string, digest: Digest): Promise<BlobRecord> {
    const blob = await this.store.blobs.stat(repository, digest.toString());
    if (!blob) throw new RegistryError('BLOB_UNKNOWN', { detail: { digest: digest.toString() } });
    return blob;
  }

  /** Streams the blob's bytes from offset, length bytes (whole blob by default). */
  async open(repository: string, digest: Digest, range?: { offset: number; length: number }, signal?: AbortSignal): Promise<OpenBlob> {
    const blob = await this.stat(repository, digest);
    try {
      const stream = await this.driver.reader(blobDataPath(digest), { ...(range ?? {}), ...(signal ? { signal } : {}) });
      return { ...blob, stream };
    } catch (error) {
      if (error instanceof PathNotFoundError) {
        // Metadata says yes but the bytes are gone: an operator removed files behind Berth's back.
        throw new RegistryError('BLOB_UNKNOWN', { detail: { digest: digest.toString(), reason: 'blob data is missing from storage' }, cause: error });
      }
      throw error;
    }
  }

  /**
   * Links a blob into the repository without an upload (POST ?mount=&from=): from `from` when
   * given, else from any repository holding it. Undefined when it can't be mounted.
   */
  async mount(repository: string, digest: Digest, from?: string): Promise<BlobRecord | undefined> {
    return this.store.blobs.mount(repository, digest.toString(), from);
  }

  /** Removes the repository's link (DELETE); the bytes go when garbage collection finds them unused. */
  async delete(repository: string, digest: Digest): Promise<void> {
    const result = await this.store.blobs.unlink(repository, digest.toString());
    if (result.status !== 'deleted') throw new RegistryError('BLOB_UNKNOWN', { detail: { digest: digest.toString() } });
  }
}
