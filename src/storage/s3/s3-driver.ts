import { addAbortSignal, Readable } from 'node:stream';
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  PathNotFoundError,
  type BlobDriver,
  type BlobStat,
  type BlobWriter,
  type ReaderOptions,
  type WriterOptions,
} from '../blob-driver.js';
import { isMissing, isRangeNotSatisfiable, S3Bucket } from './s3-bucket.js';
import { copyObject } from './s3-copy.js';
import { checkS3DriverOptions, MAX_PART_SIZE, type S3DriverOptions } from './s3-options.js';
import { S3Writer } from './s3-writer.js';

export { s3DriverOptions, type S3DriverOptions } from './s3-options.js';

/**
 * A {@link BlobDriver} on an S3 bucket (AWS S3, Ceph RGW, MinIO, R2): path p is the key
 * `<prefix>/p`. Every node sees the same objects, so any node can resume, complete or serve an
 * upload another node began. Requests are retried by the SDK's standard strategy.
 */
export class S3Driver implements BlobDriver {
  readonly name = 's3';
  private readonly bucket: S3Bucket;
  private readonly partSize: number;
  private readonly maxCopySize: number;

  constructor(options: S3DriverOptions) {
    checkS3DriverOptions(options);
    this.bucket = new S3Bucket(options);
    this.partSize = options.partSize;
    this.maxCopySize = options.maxCopySize ?? MAX_PART_SIZE;
  }

  async stat(path: string): Promise<BlobStat | undefined> {
    const info = await this.bucket.head(this.bucket.key(path));
    return info && { size: info.size, modifiedAt: info.modifiedAt };
  }

  async reader(path: string, options: ReaderOptions = {}): Promise<Readable> {
    const key = this.bucket.key(path);
    const offset = checkedCount(options.offset ?? 0, 'offset');
    const length = options.length === undefined ? undefined : checkedCount(options.length, 'length');
    const { signal } = options;
    signal?.throwIfAborted();
    // S3 cannot express an empty range: answer it here once the object is known to exist.
    if (length === 0) return this.emptyStream(path, key);
    const range = offset === 0 && length === undefined ? undefined : `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    // The signal cancels the request until it is answered; afterwards it destroys the body stream
    // itself, so that the stream's error is an AbortError rather than the socket's reset.
    const request = new AbortController();
    const cancel = (): void => request.abort(signal?.reason);
    signal?.addEventListener('abort', cancel, { once: true });
    let body: unknown;
    try {
      const response = await this.bucket.client.send(
        new GetObjectCommand({ Bucket: this.bucket.name, Key: key, Range: range }),
        { abortSignal: request.signal },
      );
      body = response.Body;
    } catch (error) {
      signal?.throwIfAborted();
      if (isMissing(error)) throw new PathNotFoundError(path);
      // 416: the range starts at or past the end, which reads as no bytes, like a file would.
      if (isRangeNotSatisfiable(error)) return this.emptyStream(path, key);
      throw error;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
    if (!(body instanceof Readable)) throw new Error(`GetObject of ${key} answered without a body stream`);
    return signal ? addAbortSignal(signal, body) : body;
  }

  async writer(path: string, options: WriterOptions = {}): Promise<BlobWriter> {
    const key = this.bucket.key(path);
    const offset = checkedCount(options.offset ?? 0, 'offset');
    return S3Writer.open(this.bucket, { path, key, partSize: this.partSize, maxCopySize: this.maxCopySize }, offset);
  }

  async list(prefix: string): Promise<string[]> {
    // The trailing '/' matches whole segments: "list/a" must not list "list/ab/4".
    const paths: string[] = [];
    for await (const keys of this.bucket.listPages(`${this.bucket.key(prefix)}/`)) {
      for (const key of keys) paths.push(this.bucket.pathOf(key));
    }
    return paths.sort();
  }

  /**
   * Copies then deletes the source. The copy is atomic at the target (S3 replaces whole objects),
   * so readers of `to` see the old or the whole new object.
   */
  async move(from: string, to: string): Promise<void> {
    const source = this.bucket.key(from);
    const target = this.bucket.key(to);
    const info = await this.bucket.head(source);
    if (info === undefined) throw new PathNotFoundError(from);
    // S3 refuses to copy an object onto itself unchanged, and deleting the source would lose it.
    if (source === target) return;
    try {
      await copyObject(this.bucket, { key: source, info }, target, this.maxCopySize);
    } catch (error) {
      // Deleted since the HEAD: a concurrent move or delete won.
      if (isMissing(error)) throw new PathNotFoundError(from);
      throw error;
    }
    await this.bucket.deleteObject(source);
  }

  async delete(path: string): Promise<void> {
    const key = this.bucket.key(path);
    await this.bucket.deleteObject(key);
    // Listing pages are at most 1000 keys, which is also DeleteObjects' limit per request.
    for await (const keys of this.bucket.listPages(`${key}/`)) await this.bucket.deleteObjects(keys);
  }

  async urlFor(path: string, expiresInSeconds: number): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.bucket.name, Key: this.bucket.key(path) });
    return getSignedUrl(this.bucket.client, command, { expiresIn: expiresInSeconds });
  }

  /** Aborts the multipart uploads under the prefix begun before olderThan; returns how many. */
  async purgeIncompleteWrites(olderThan: Date): Promise<number> {
    let purged = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.bucket.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket.name,
          Prefix: this.bucket.root || undefined,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const { Key, UploadId, Initiated } of page.Uploads ?? []) {
        if (Key === undefined || UploadId === undefined || Initiated === undefined || Initiated >= olderThan) continue;
        if (await this.bucket.abortUpload(Key, UploadId)) purged++;
      }
      if (!page.IsTruncated || page.NextKeyMarker === undefined) return purged;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Closes the client's connections; the driver is not used afterwards. */
  close(): void {
    this.bucket.client.destroy();
  }

  private async emptyStream(path: string, key: string): Promise<Readable> {
    if ((await this.bucket.head(key)) === undefined) throw new PathNotFoundError(path);
    return Readable.from([]);
  }
}

function checkedCount(value: number, what: string): number {
  if (Number.isSafeInteger(value) && value >= 0) return value;
  throw new RangeError(`${what} must be a non-negative integer, not ${value}`);
}
