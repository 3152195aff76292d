import type { Readable } from 'node:stream';
import { RegistryError } from '../errors/index.js';
import type { Digest } from '../oci/index.js';
import type { BlobRecord, MetadataStore } from '../metadata/metadata-store.js';
import type { EventOrigin } from '../metadata/event-store.js';
import { PathNotFoundError, type BlobDriver } from '../storage/blob-driver.js';
import { blobDataPath } from '../storage/paths.js';
import { quotaDenied, type QuotaService } from './quotas.js';
import type { WriteGate } from './read-only-mode.js';

/** An open blob: its record and a stream of the requested bytes. */
export interface OpenBlob extends BlobRecord {
  stream: Readable;
}

/** Committed blobs as a repository sees them: stat, read (whole or a range), mount, delete. */
export class BlobService {
  /**
   * `leaseRenewAfterMs`: a link seen longer ago than this is renewed when a client asks for the
   * blob — a client that found it with HEAD will reference it in a manifest soon, and GC must
   * leave it alone until then. (Half GC's grace period, so one renewal always lands in time.)
   * `quotas`: namespace storage quotas a mount must respect (none when absent).
   * `redirect`: send GETs to presigned URLs valid this long (see redirectUrl).
   * `writes`: the read-only gate mounts and deletes pass.
   */
  constructor(
    private readonly store: MetadataStore,
    private readonly driver: BlobDriver,
    private readonly leaseRenewAfterMs = 60_000,
    private readonly quotas?: QuotaService,
    private readonly redirect?: { expiresInSeconds: number },
    private readonly writes?: WriteGate,
  ) {}

  /**
   * A short-lived URL where the object store serves the blob itself, when redirects are on and
   * the driver can presign; undefined otherwise (the caller streams). Checks the link like stat.
   */
  async redirectUrl(repository: string, digest: Digest): Promise<string | undefined> {
    if (!this.redirect || !this.driver.urlFor) return undefined;
    await this.stat(repository, digest);
    return this.driver.urlFor(blobDataPath(digest), this.redirect.expiresInSeconds);
  }

  /** The blob when the repository links it; BLOB_UNKNOWN otherwise. Renews a stale GC lease. */
  async stat(repository: string, digest: Digest): Promise<BlobRecord> {
    const blob = await this.store.blobs.stat(repository, digest.toString());
    const stale = blob?.seenAt !== undefined && Date.now() - blob.seenAt.getTime() > this.leaseRenewAfterMs;
    // GC may have unlinked it between the read and the renewal: then it is not there (the client
    // uploads it again) — answering 200 would let the client reference a blob that is gone.
    if (!blob || (stale && !(await this.store.blobs.touch(repository, digest.toString())))) {
      throw new RegistryError('BLOB_UNKNOWN', { detail: { digest: digest.toString() } });
    }
    return { digest: blob.digest, size: blob.size };
  }

  /** Streams the blob's bytes from offset, length bytes (whole blob by default). */
  async open(repository: string, digest: Digest, range?: { offset: number; length: number }, signal?: AbortSignal): Promise<OpenBlob> {
    return this.read(digest, await this.stat(repository, digest), range, signal);
  }

  /**
   * Streams the bytes of a blob `stat` has just found, without looking its link up again: a GET
   * that stats first (for its headers and Range) would otherwise read the link, and maybe renew
   * its lease, twice.
   */
  async read(digest: Digest, blob: BlobRecord, range?: { offset: number; length: number }, signal?: AbortSignal): Promise<OpenBlob> {
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
   * given, else from any repository holding it. Undefined when it can't be mounted; DENIED when
   * the blob would take the namespace past its storage quota.
   */
  async mount(repository: string, digest: Digest, from?: string, origin?: EventOrigin): Promise<BlobRecord | undefined> {
    await this.writes?.assertWritable();
    const quota = await this.quotas?.quotaFor(repository);
    const result = await this.store.blobs.mount(repository, digest.toString(), from, quota, origin);
    // A mount costs bytes like an upload when the namespace doesn't hold the blob yet; falling
    // back to an upload session would only be refused at its end, so say why now.
    if (result && 'status' in result) throw this.quotas ? await this.quotas.denied(repository, result, origin) : quotaDenied(result);
    return result;
  }

  /** Removes the repository's link (DELETE); the bytes go when garbage collection finds them unused. */
  async delete(repository: string, digest: Digest): Promise<void> {
    await this.writes?.assertWritable();
    const result = await this.store.blobs.unlink(repository, digest.toString());
    if (result.status !== 'deleted') throw new RegistryError('BLOB_UNKNOWN', { detail: { digest: digest.toString() } });
  }
}
