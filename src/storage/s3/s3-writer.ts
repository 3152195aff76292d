import type { CompletedPart } from '@aws-sdk/client-s3';
import { PathNotFoundError, type BlobWriter } from '../blob-driver.js';
import type { S3Bucket } from './s3-bucket.js';
import { copyParts, copySpans } from './s3-copy.js';
import { MAX_PARTS, MIN_PART_SIZE } from './s3-options.js';

/** Parts uploading at once per writer: enough to keep a link busy, bounded memory (× partSize). */
const PARTS_IN_FLIGHT = 3;

/** What a writer needs besides its bucket. */
export interface S3WriterSettings {
  path: string;
  key: string;
  partSize: number;
  maxCopySize: number;
}

/**
 * One writer is one multipart upload, completed by commit() or close(): afterwards the object is
 * whole and readable from any node. Bytes are gathered to partSize and sent as parts, a few at a
 * time; an object smaller than one part is a single PutObject. S3 cannot append, so a writer
 * resumed at an offset starts its object over from the existing one's first offset bytes: the
 * store copies them (UploadPartCopy) in parts of at least 5 MiB, and a shorter rest is read back
 * into the first part. That is how chunks below S3's minimum part size add up.
 */
export class S3Writer implements BlobWriter {
  /** Bytes gathered for the next part. Held, not copied: like a Writable, callers hand them over. */
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private written: number;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];
  private nextPart = 1;
  private readonly inFlight = new Set<Promise<void>>();
  /** The first part upload that failed; it fails the writer. */
  private failure: { error: unknown } | undefined;
  // Chunks are taken one after another even if a caller does not await each write.
  private pending: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly bucket: S3Bucket,
    private readonly settings: S3WriterSettings,
    offset: number,
  ) {
    this.written = offset;
  }

  /** A writer of settings.key; with a positive offset, on top of the existing object's first offset bytes. */
  static async open(bucket: S3Bucket, settings: S3WriterSettings, offset: number): Promise<S3Writer> {
    const writer = new S3Writer(bucket, settings, offset);
    if (offset > 0) await writer.takeOver(offset);
    return writer;
  }

  get size(): number {
    return this.written;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('write after the writer was closed'));
    // A failed write fails every later one too, so a gap can never be papered over.
    this.pending = this.pending.then(() => this.accept(chunk));
    return this.pending;
  }

  async commit(): Promise<void> {
    if (this.closed) throw new Error('commit after the writer was closed');
    this.closed = true;
    try {
      await this.pending;
      await this.finish();
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  async cancel(): Promise<void> {
    this.closed = true;
    await this.pending.catch(() => undefined);
    await this.abort();
    await this.bucket.deleteObject(this.settings.key);
  }

  /** Leaves the object as it was: the multipart upload is aborted, nothing is completed. */
  async abandon(): Promise<void> {
    this.closed = true;
    await this.pending.catch(() => undefined);
    await this.abort();
  }

  /** A completed upload is as durable as S3 makes anything: close and commit are the same. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.commit();
  }

  /** Starts the upload over from the first offset bytes of the object, which must hold that many. */
  private async takeOver(offset: number): Promise<void> {
    const { key, path, maxCopySize } = this.settings;
    const info = await this.bucket.head(key);
    if (info === undefined) throw new PathNotFoundError(path);
    if (info.size < offset) {
      throw new Error(`cannot resume ${path} at offset ${offset}: the object holds only ${info.size} bytes`);
    }
    const spans = copySpans(offset, maxCopySize, MIN_PART_SIZE);
    try {
      if (spans.length > 0) {
        const uploadId = await this.bucket.createUpload(key);
        this.uploadId = uploadId;
        this.parts.push(...(await copyParts(this.bucket, { key, uploadId, firstPart: 1 }, { key, etag: info.etag }, spans)));
        this.nextPart += spans.length;
      }
      const copied = spans.at(-1)?.end ?? 0;
      if (copied < offset) {
        // Below S3's minimum part size, so it cannot be a copied part: read it back instead.
        this.chunks.push(await this.bucket.readRange(key, copied, offset - copied, info.etag));
        this.buffered = offset - copied;
      }
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  private async accept(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    const { partSize } = this.settings;
    let rest = chunk;
    while (this.buffered + rest.byteLength >= partSize) {
      const taken = partSize - this.buffered;
      this.chunks.push(rest.subarray(0, taken));
      this.buffered += taken;
      rest = rest.subarray(taken);
      await this.sendPart();
    }
    if (rest.byteLength > 0) {
      this.chunks.push(rest);
      this.buffered += rest.byteLength;
    }
    this.written += chunk.byteLength;
  }

  /**
   * Starts uploading the gathered bytes as the next part; resolves once it is on its way, after
   * waiting for a free slot — that wait is the writer's back-pressure.
   */
  private async sendPart(): Promise<void> {
    const body = this.takeBuffered();
    while (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const partNumber = this.nextPart++;
    if (partNumber > MAX_PARTS) {
      throw new Error(`${this.settings.path} needs more than ${MAX_PARTS} parts; raise storage.s3.partSizeMb`);
    }
    this.uploadId ??= await this.bucket.createUpload(this.settings.key);
    const upload: Promise<void> = this.bucket
      .uploadPart(this.settings.key, this.uploadId, partNumber, body)
      .then(
        (etag) => {
          this.parts.push({ PartNumber: partNumber, ETag: etag });
        },
        (error: unknown) => {
          this.failure ??= { error };
        },
      )
      .finally(() => this.inFlight.delete(upload));
    this.inFlight.add(upload);
  }

  private async finish(): Promise<void> {
    const { key } = this.settings;
    if (this.uploadId === undefined) {
      await this.bucket.putObject(key, this.takeBuffered());
      return;
    }
    // The last part may be shorter than S3's minimum, and is skipped when empty.
    if (this.buffered > 0) await this.sendPart();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    await this.bucket.completeUpload(key, this.uploadId, this.parts);
    this.uploadId = undefined;
  }

  /** Aborts the multipart upload once no part is in flight (a part landing later would keep storage). */
  private async abort(): Promise<void> {
    await Promise.all(this.inFlight);
    const { uploadId } = this;
    this.uploadId = undefined;
    this.chunks = [];
    this.buffered = 0;
    // The caller reports the first error; an upload left behind is purgeIncompleteWrites' job.
    if (uploadId !== undefined) await this.bucket.abortUpload(this.settings.key, uploadId).catch(() => undefined);
  }

  private takeBuffered(): Buffer {
    const body = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    return body;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
