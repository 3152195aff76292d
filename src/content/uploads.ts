import { randomUUID } from 'node:crypto';
import { BoundedCache } from '../cluster/bounded-cache.js';
import { RegistryError } from '../errors/index.js';
import { createDigester, isDigestAlgorithm, type Digest, type DigestAlgorithm, type Digester } from '../oci/index.js';
import type { EventOrigin } from '../metadata/event-store.js';
import type { BlobRecord, MetadataStore, SessionLimits, UploadRecord } from '../metadata/metadata-store.js';
import type { BlobDriver } from '../storage/blob-driver.js';
import { blobDataPath, uploadDataPath, uploadPrefix } from '../storage/paths.js';
import { KeyedMutex } from './keyed-mutex.js';
import { quotaDenied, type QuotaService } from './quotas.js';
import type { QuotaRefusal } from '../metadata/usage-store.js';
import { longerThanBlob, outOfOrder, sizeMismatch, tooManySessions } from './upload-errors.js';
import type { WriteGate } from './read-only-mode.js';

/** An upload session as the services return it. */
export type { UploadRecord };

/** An inclusive byte range, as Content-Range carries it (distribution-spec, chunked upload). */
export interface ByteRange {
  start: number;
  end: number;
}

/** What the client said about a chunk it is sending. */
export interface ChunkOptions {
  /** From Content-Range: the chunk must start at the session's offset. */
  range?: ByteRange;
  /** From Content-Length: the chunk must be exactly this long. */
  length?: number;
  /** Who sends it, for the events the upload writes (blob.uploaded, quota.*). */
  origin?: EventOrigin;
}

/** Caps on unfinished sessions (uploads.maxSessionsPer*; 0 means none). */
export interface SessionCaps {
  perPrincipal: number;
  perNamespace: number;
}

/** What UploadService enforces besides the protocol; each is off when absent. */
export interface UploadPolicies {
  /** Namespace storage quotas: unfinished uploads count, and a chunk must fit what is left. */
  quotas?: QuotaService;
  /** The read-only switch every write passes (ReadOnlyMode). */
  writes?: WriteGate;
  /** Needs `quotas` for the namespace of a repository. */
  sessions?: SessionCaps;
}

/** A finished upload: the blob, and when its session began (for upload-duration metrics). */
export interface CompletedUpload extends BlobRecord {
  startedAt: Date;
}

// Hash states of sessions whose bytes went through this process. Past this many, the oldest
// are dropped: their sessions still complete, by re-hashing the stored bytes.
// How long an upload waits for GC to finish deleting an earlier blob of the same digest.
const CLAIM_WAIT_MS = 60_000;
const CLAIM_POLL_MS = 50;
const MAX_HASH_STATES = 10_000;
const WRITE_BATCH = 1024 * 1024;

/**
 * Upload sessions: start, append chunks, complete into a content-addressed blob, cancel.
 * Bytes go to uploads/<id>/data and reach the blob path only by an atomic move after the digest
 * is verified, so a kill -9 at any moment leaves no partial blob readable.
 */
export class UploadService {
  private readonly hashes = new BoundedCache<{ offset: number; digester: Digester }>({ max: MAX_HASH_STATES });
  private readonly mutex = new KeyedMutex();

  private readonly quotas: QuotaService | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly driver: BlobDriver,
    private readonly policies: UploadPolicies = {},
  ) {
    this.quotas = policies.quotas;
  }

  /**
   * Opens a session; algorithm from `?digest-algorithm=` (sha256 by default). `openedBy` names
   * the principal (`user:bob`) for the per-principal cap; absent when access control is off.
   */
  async start(repository: string, algorithm = 'sha256', openedBy?: string, origin?: EventOrigin): Promise<UploadRecord> {
    await this.policies.writes?.assertWritable();
    if (!isDigestAlgorithm(algorithm)) {
      throw new RegistryError('DIGEST_INVALID', { detail: { algorithm, reason: 'unsupported digest algorithm; use sha256 or sha512' } });
    }
    await this.quotas?.assertRoom(repository, origin);
    const id = randomUUID();
    const writer = await this.driver.writer(uploadDataPath(id));
    await writer.commit();
    const created = await this.store.uploads.create({ id, repository, algorithm, ...(openedBy === undefined ? {} : { openedBy }) }, this.sessionLimits(repository));
    if ('status' in created) {
      await this.driver.delete(uploadPrefix(id));
      throw tooManySessions(created, this.quotas?.namespaceScope(repository).namespace ?? repository, openedBy);
    }
    this.remember(id, 0, createDigester(algorithm));
    return created;
  }

  /** The session, or BLOB_UPLOAD_UNKNOWN when it is gone or belongs to another repository. */
  async status(repository: string, id: string): Promise<UploadRecord> {
    const upload = await this.store.uploads.get(id);
    if (!upload || upload.repository !== repository) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', { detail: { upload: id } });
    }
    return upload;
  }

  /** Appends a chunk (PATCH). A chunk that fails part-way changes nothing. */
  async append(repository: string, id: string, body: AsyncIterable<Uint8Array>, options: ChunkOptions): Promise<UploadRecord> {
    await this.policies.writes?.assertWritable();
    return this.mutex.run(id, async () => this.appendLocked(await this.status(repository, id), body, options));
  }

  /** Closes the session (PUT ?digest=), with an optional final chunk, into a committed blob. */
  async complete(
    repository: string,
    id: string,
    digest: Digest,
    body: AsyncIterable<Uint8Array> | undefined,
    options: ChunkOptions,
  ): Promise<CompletedUpload> {
    await this.policies.writes?.assertWritable();
    return this.mutex.run(id, async () => {
      const before = await this.status(repository, id);
      // A closing PUT with the whole blob in its body is, for a refusal's words, the blob itself.
      const upload = body ? await this.appendLocked(before, body, options, before.offset === 0 ? 'blob' : 'chunk', await this.heldSize(repository, digest)) : before;
      const computed = await this.digestOf(upload, digest.algorithm);
      if (computed.toString() !== digest.toString()) {
        // Bad input changes nothing: forget the final chunk; the next write cuts its bytes off.
        if (upload.offset !== before.offset) {
          this.hashes.delete(id);
          await this.store.uploads.advance(id, upload.offset, before.offset);
        }
        throw new RegistryError('DIGEST_INVALID', { detail: { expected: digest.toString(), computed: computed.toString() } });
      }
      // Refused before the bytes move when it can be told now (no lock; the commit decides).
      // The session's own bytes become the blob: they must not count twice.
      const namespaceQuota = await this.quotas?.quotaFor(repository);
      const quota = namespaceQuota && { ...namespaceQuota, closing: id };
      const early = quota && (await this.store.usage.check(quota, digest.toString(), upload.offset));
      if (early) {
        await this.forget(id);
        throw await this.denied(repository, early, options.origin);
      }
      const claim = await this.claimBlob(digest);
      await this.placeBlob(uploadDataPath(id), digest, upload.offset, claim === 'claimed');
      const committed = await this.store.blobs.commit(repository, digest.toString(), upload.offset, quota, options.origin);
      if (committed === 'busy') {
        // GC marked the blob between claim and commit — possible only with a grace period shorter
        // than these few milliseconds — and may be deleting the bytes just placed: start over.
        await this.forget(id);
        throw new RegistryError('BLOB_UPLOAD_INVALID', { detail: { reason: 'the blob was being garbage collected meanwhile; upload it again' } });
      }
      if (committed !== 'committed') {
        // Another push took the room since the early check. The placed file stays for GC's sweep
        // of files without a row: deleting it here, even after a claim of 'absent', could delete
        // the bytes of a concurrent upload of the same digest that is about to commit its row.
        await this.forget(id);
        throw await this.denied(repository, committed, options.origin);
      }
      await this.forget(id);
      return { digest: digest.toString(), size: upload.offset, startedAt: upload.createdAt };
    });
  }

  /** A whole blob in one request (POST ?digest=). */
  async pushMonolithic(repository: string, digest: Digest, body: AsyncIterable<Uint8Array>, options: ChunkOptions, openedBy?: string): Promise<CompletedUpload> {
    const upload = await this.start(repository, digest.algorithm, openedBy, options.origin);
    try {
      return await this.complete(repository, upload.id, digest, body, options);
    } catch (error) {
      await this.forget(upload.id);
      throw error;
    }
  }

  /** Cancels the session (DELETE); BLOB_UPLOAD_UNKNOWN when there is none. */
  async cancel(repository: string, id: string): Promise<void> {
    await this.policies.writes?.assertWritable();
    await this.mutex.run(id, async () => {
      await this.status(repository, id);
      await this.forget(id);
    });
  }

  /** A quota refusal as the client's error; through the quota service, which records the quota.exceeded event. */
  private async denied(repository: string, refusal: QuotaRefusal, origin: EventOrigin | undefined, what: 'blob' | 'chunk' = 'blob', cutOff = false): Promise<RegistryError> {
    return this.quotas ? this.quotas.denied(repository, refusal, origin, what, cutOff) : quotaDenied(refusal, what, cutOff);
  }

  /**
   * `held`: the size of the blob the closing request names when its namespace links it already.
   * Committing it costs nothing, so the request is bounded by that size instead of the quota's
   * room (a body longer than it can't match the digest anyway).
   */
  private async appendLocked(upload: UploadRecord, body: AsyncIterable<Uint8Array>, options: ChunkOptions, what: 'blob' | 'chunk' = 'chunk', held?: number): Promise<UploadRecord> {
    const { range, length } = options;
    if (range && range.start !== upload.offset) throw outOfOrder(upload, `chunk starts at ${range.start}, expected ${upload.offset}`);
    const expected = range ? range.end - range.start + 1 : length;
    if (range && length !== undefined && expected !== length) {
      throw new RegistryError('SIZE_INVALID', { detail: { reason: `Content-Range covers ${expected} bytes but Content-Length is ${length}` } });
    }
    // Unfinished uploads count against the namespace's quota: a chunk announced larger than the
    // room left is refused before a byte is read, a stream is cut off once it passes the room.
    const room = held === undefined ? await this.quotas?.room(upload.repository) : undefined;
    const bound = held === undefined ? undefined : Math.max(held - upload.offset, 0);
    if (bound !== undefined && expected !== undefined && expected > bound) throw longerThanBlob(held ?? 0);
    if (room && expected !== undefined && expected > room.remainingBytes) throw await this.denied(upload.repository, { ...room.refusal, blobBytes: expected }, options.origin, what);
    const roomBytes = room && Math.max(room.remainingBytes, 0);
    const state = this.hashes.get(upload.id);
    const digester = state?.offset === upload.offset ? state.digester.copy() : undefined;
    const writer = await this.driver.writer(uploadDataPath(upload.id), { offset: upload.offset });
    let received = 0;
    // Socket reads arrive in ≤ 64 KiB pieces; writing them one by one made pushes wait on the
    // thread pool thousands of times per blob, so they are gathered into writes of WRITE_BATCH.
    let batch: Uint8Array[] = [];
    let batched = 0;
    const flush = async (): Promise<void> => {
      if (batched === 0) return;
      const bytes = batch.length === 1 ? (batch[0] as Uint8Array) : Buffer.concat(batch, batched);
      batch = [];
      batched = 0;
      await writer.write(bytes);
    };
    try {
      for await (const chunk of body) {
        received += chunk.length;
        if (expected !== undefined && received > expected) throw sizeMismatch(expected, received, 'more');
        if (room && roomBytes !== undefined && received > roomBytes) throw await this.denied(upload.repository, { ...room.refusal, blobBytes: roomBytes + 1 }, options.origin, what, true);
        if (bound !== undefined && received > bound) throw longerThanBlob(held ?? 0);
        digester?.update(chunk);
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH) await flush();
      }
      if (expected !== undefined && received !== expected) throw sizeMismatch(expected, received, 'fewer');
      await flush();
      await writer.commit();
    } catch (error) {
      // Nothing is recorded: the next writer opens at the old offset and cuts these bytes off.
      await (writer.abandon ? writer.abandon() : writer.close()).catch(() => undefined);
      throw error;
    }
    const offset = upload.offset + received;
    // Checked again under the namespace's lock: another upload may have taken the room meanwhile.
    // Refused, the bytes are not recorded and the next writer cuts them off.
    const advanced = received > 0 ? await this.store.uploads.advance(upload.id, upload.offset, offset, room?.quota) : true;
    if (advanced !== true && advanced !== false) throw await this.denied(upload.repository, { ...advanced, blobBytes: received }, options.origin, what);
    if (!advanced) {
      throw outOfOrder(await this.status(upload.repository, upload.id), 'another request moved this upload on');
    }
    if (digester) this.remember(upload.id, offset, digester);
    return { ...upload, offset, updatedAt: new Date() };
  }

  /** The digest of the session's bytes: the hash state when this process saw them all, else a re-hash. */
  private async digestOf(upload: UploadRecord, algorithm: DigestAlgorithm): Promise<Digest> {
    const state = this.hashes.get(upload.id);
    if (state && state.offset === upload.offset && state.digester.algorithm === algorithm) {
      this.hashes.delete(upload.id);
      return state.digester.digest();
    }
    const digester = createDigester(algorithm);
    const reader = await this.driver.reader(uploadDataPath(upload.id), { length: upload.offset });
    for await (const chunk of reader) digester.update(chunk as Uint8Array);
    return digester.digest();
  }

  /**
   * Renews the GC lease of an existing blob of this digest before its bytes are placed; while GC
   * is deleting one, waits for it to finish (then the digest is simply new again).
   */
  private async claimBlob(digest: Digest): Promise<'claimed' | 'absent'> {
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const claim = await this.store.blobs.claim(digest.toString());
      if (claim !== 'busy') return claim;
      if (Date.now() > deadline) throw new RegistryError('UNKNOWN', { detail: { reason: 'the blob is being garbage collected; try again' } });
      await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
    }
  }

  /**
   * Moves verified bytes to the blob's path. A blob whose row we just claimed keeps its file when
   * it is there whole; otherwise the move replaces any file, which also makes its modification
   * time new, so GC's sweep of files without a row leaves it alone until the row is committed.
   */
  private async placeBlob(from: string, digest: Digest, size: number, claimed: boolean): Promise<void> {
    const target = blobDataPath(digest);
    if (claimed && (await this.driver.stat(target))?.size === size) return;
    await this.driver.move(from, target);
  }

  /** The size of `digest` when the repository's namespace has a quota and links the blob already. */
  private async heldSize(repository: string, digest: Digest): Promise<number | undefined> {
    const quota = await this.quotas?.quotaFor(repository);
    return quota && this.store.usage.linkedSize(quota.scope, digest.toString());
  }

  /** The caps a new session in `repository` must respect, or undefined when there are none. */
  private sessionLimits(repository: string): SessionLimits | undefined {
    const caps = this.policies.sessions;
    if (!caps || !this.quotas || (caps.perNamespace === 0 && caps.perPrincipal === 0)) return undefined;
    const uncapped = (limit: number): number => (limit === 0 ? Number.POSITIVE_INFINITY : limit);
    return { ...this.quotas.namespaceScope(repository), perNamespace: uncapped(caps.perNamespace), perPrincipal: uncapped(caps.perPrincipal) };
  }

  private remember(id: string, offset: number, digester: Digester): void {
    this.hashes.set(id, { offset, digester });
  }

  private async forget(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.store.uploads.delete(id);
    await this.driver.delete(uploadPrefix(id));
  }
}
