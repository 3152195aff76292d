import type { Config } from '../../config/index.js';
import { assertValidPath } from '../blob-driver.js';

const MiB = 1024 * 1024;

/** S3's smallest multipart part, except the last one of an upload. */
export const MIN_PART_SIZE = 5 * MiB;
/** S3's largest part, and the largest object CopyObject copies in one request. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;
/** S3's most parts in one multipart upload. */
export const MAX_PARTS = 10_000;

/** How an {@link S3Driver} reaches its bucket and writes objects. */
export interface S3DriverOptions {
  bucket: string;
  region: string;
  /** An S3-compatible store's endpoint (Ceph RGW, MinIO, R2); unset for AWS S3. */
  endpoint?: string;
  /** '' or a key prefix such as 'a/b' (no slashes at the ends) under which every path lives. */
  prefix: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's default chain (environment, profile, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  storageClass?: string;
  serverSideEncryption?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Bytes gathered before a part is sent; at least {@link MIN_PART_SIZE}. */
  partSize: number;
  /** Attempts per request under the SDK's standard retry mode (throttling and 5xx, with backoff). */
  maxAttempts: number;
  /** Objects larger than this are copied part by part (UploadPartCopy); default {@link MAX_PART_SIZE}. */
  maxCopySize?: number;
}

/** Maps the validated config section (storage.s3) to driver options. */
export function s3DriverOptions(config: Config['storage']['s3']): S3DriverOptions {
  // The schema requires the bucket only when storage.driver is s3; callers map it only then.
  if (config.bucket === undefined) throw new Error('storage.s3.bucket is required with storage.driver s3');
  const { accessKeyId, secretAccessKey, sessionToken } = config;
  return {
    bucket: config.bucket,
    region: config.region,
    endpoint: config.endpoint,
    prefix: config.prefix,
    forcePathStyle: config.forcePathStyle,
    credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey, sessionToken } : undefined,
    storageClass: config.storageClass,
    serverSideEncryption: config.serverSideEncryption,
    kmsKeyId: config.kmsKeyId,
    partSize: config.partSizeMb * MiB,
    maxAttempts: config.maxAttempts,
  };
}

/** Throws a RangeError naming the first option S3 would refuse later, in the middle of a write. */
export function checkS3DriverOptions(options: S3DriverOptions): void {
  if (options.bucket === '') throw new RangeError('bucket must not be empty');
  // The same grammar as paths: keys are prefix + '/' + path, so the prefix must join cleanly.
  if (options.prefix !== '') assertValidPath(options.prefix);
  if (!Number.isSafeInteger(options.partSize) || options.partSize < MIN_PART_SIZE || options.partSize > MAX_PART_SIZE) {
    throw new RangeError(`partSize must be an integer from ${MIN_PART_SIZE} to ${MAX_PART_SIZE}, not ${options.partSize}`);
  }
  const { maxCopySize } = options;
  if (maxCopySize !== undefined && (!Number.isSafeInteger(maxCopySize) || maxCopySize < MIN_PART_SIZE || maxCopySize > MAX_PART_SIZE)) {
    throw new RangeError(`maxCopySize must be an integer from ${MIN_PART_SIZE} to ${MAX_PART_SIZE}, not ${maxCopySize}`);
  }
  if (!Number.isSafeInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, not ${options.maxAttempts}`);
  }
}
