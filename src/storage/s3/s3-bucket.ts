import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { assertValidPath } from '../blob-driver.js';
import type { S3DriverOptions } from './s3-options.js';

/** What HeadObject tells about an object. */
export interface ObjectInfo {
  size: number;
  modifiedAt: Date;
  /** Pins copies and range reads to this version of the object. */
  etag: string | undefined;
}

/** The settings every new object gets: on PutObject, CreateMultipartUpload and CopyObject. */
interface WriteParams {
  StorageClass?: StorageClass;
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
}

/**
 * The driver's bucket: the client, the mapping of paths to keys under the prefix, and the few
 * requests the driver, its writers and copies share.
 */
export class S3Bucket {
  readonly client: S3Client;
  readonly name: string;
  /** '' or the prefix with its trailing '/': what every key of the driver starts with. */
  readonly root: string;
  readonly writeParams: WriteParams;

  constructor(options: S3DriverOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts,
      retryMode: 'standard',
      // The SDK's default since 3.729 adds CRC32 checksums, which several S3-compatible stores
      // (older Ceph RGW and MinIO among them) reject or mishandle; SigV4 already covers the body.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.name = options.bucket;
    this.root = options.prefix === '' ? '' : `${options.prefix}/`;
    this.writeParams = {
      StorageClass: options.storageClass as StorageClass | undefined,
      ServerSideEncryption: options.serverSideEncryption,
      SSEKMSKeyId: options.kmsKeyId,
    };
  }

  /** The key of a driver path; throws InvalidPathError before any request is made. */
  key(path: string): string {
    assertValidPath(path);
    return this.root + path;
  }

  /** The driver path of a key under the root. */
  pathOf(key: string): string {
    return key.slice(this.root.length);
  }

  /** x-amz-copy-source: the bucket and key, URL-encoded segment by segment. */
  copySource(key: string): string {
    return [this.name, ...key.split('/')].map(encodeURIComponent).join('/');
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }));
      return { size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0), etag: head.ETag };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** length bytes from start of the object version etag names, in memory (small ranges only). */
  async readRange(key: string, start: number, length: number, etag: string | undefined): Promise<Buffer> {
    const response = await this.client.send(
      new GetObjectCommand({ Bucket: this.name, Key: key, Range: `bytes=${start}-${start + length - 1}`, IfMatch: etag }),
    );
    const bytes = Buffer.from((await response.Body?.transformToByteArray()) ?? []);
    if (bytes.byteLength !== length) throw new Error(`read ${bytes.byteLength} bytes of ${key} where ${length} were asked for`);
    return bytes;
  }

  async putObject(key: string, body: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ...this.writeParams }));
  }

  async deleteObject(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key }));
  }

  /** Deletes up to 1000 keys (DeleteObjects' limit) in one request. */
  async deleteObjects(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const result = await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.name, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    // DeleteObjects answers 200 even when single keys fail; a missing key is not a failure.
    const failed = (result.Errors ?? []).filter((error) => error.Code !== 'NoSuchKey');
    if (failed.length > 0) {
      const [first] = failed;
      throw new Error(`could not delete ${failed.length} objects, e.g. ${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`);
    }
  }

  /** Every key starting with keyPrefix, one ListObjectsV2 page (≤ 1000 keys) at a time. */
  async *listPages(keyPrefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.name, Prefix: keyPrefix, ContinuationToken: token }),
      );
      yield (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async createUpload(key: string): Promise<string> {
    const upload = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.name, Key: key, ...this.writeParams }));
    if (upload.UploadId === undefined) throw new Error(`CreateMultipartUpload of ${key} answered without an upload id`);
    return upload.UploadId;
  }

  /** Sends one part from memory (a Buffer, so a retry can send it again); returns its ETag. */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const part = await this.client.send(
      new UploadPartCommand({ Bucket: this.name, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }),
    );
    if (part.ETag === undefined) throw new Error(`UploadPart ${partNumber} of ${key} answered without an ETag`);
    return part.ETag;
  }

  async completeUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    const sorted = [...parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    // Ceph RGW answers with an empty ETag here; nothing below needs it (HEAD has the real one).
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.name, Key: key, UploadId: uploadId, MultipartUpload: { Parts: sorted } }),
    );
  }

  /** Aborts an upload; one that is already gone (aborted or completed meanwhile) is fine. */
  async abortUpload(key: string, uploadId: string): Promise<boolean> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.name, Key: key, UploadId: uploadId }));
      return true;
    } catch (error) {
      if (errorName(error) === 'NoSuchUpload') return false;
      throw error;
    }
  }
}

/** True for S3's "no such key" answers: NoSuchKey, or a bodiless 404 to HEAD. */
export function isMissing(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** True for the 416 S3 gives a range that starts at or past the end of the object. */
export function isRangeNotSatisfiable(error: unknown): boolean {
  return errorName(error) === 'InvalidRange';
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
