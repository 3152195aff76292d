/**
 * Buckets for the scale-out benchmark on an S3-compatible store (by default the machine's Ceph
 * RGW, which scripts/ceph-rgw-up.sh starts on 127.0.0.1:7480 with the keys below). Berth does not
 * create its bucket, so the benchmark makes a fresh one per run and removes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

/** Where the store is and how to sign for it (path-style addressing, as RGW and MinIO want). */
export interface S3Settings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** BENCH_S3_ENDPOINT, BENCH_S3_ACCESS_KEY and BENCH_S3_SECRET_KEY point the benchmark elsewhere. */
export function s3Settings(env: NodeJS.ProcessEnv): S3Settings {
  return {
    endpoint: env.BENCH_S3_ENDPOINT || 'http://127.0.0.1:7480',
    region: 'us-east-1',
    accessKeyId: env.BENCH_S3_ACCESS_KEY || 'berthtestaccesskey',
    secretAccessKey: env.BENCH_S3_SECRET_KEY || 'berthtestsecretkey0123456789abcdefghijkl',
  };
}

/** Why the store cannot be used, or undefined when it answers. */
export async function s3Unreachable(settings: S3Settings): Promise<string | undefined> {
  try {
    // Any HTTP answer will do: an anonymous GET / gets 200 or 403 from S3 stores.
    const response = await fetch(settings.endpoint, { signal: AbortSignal.timeout(3000) });
    await response.arrayBuffer();
    return undefined;
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    return `no S3 store answers at ${settings.endpoint} (${cause?.message ?? (error as Error).message}); start Ceph RGW with scripts/ceph-rgw-up.sh`;
  }
}

/** A bucket of this run's own. */
export interface BenchBucket {
  name: string;
  /** Aborts unfinished multipart uploads, deletes every object, then the bucket; a missing bucket is fine. */
  remove(): Promise<void>;
}

function client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // RGW does not know the SDK's newer default checksums on every call; ask only where required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Names a fresh bucket; `create()` makes it. The name is known before the bucket exists so a
 * caller can register `remove()` first: a Ctrl-C during the creation still cleans up.
 */
export function benchBucket(settings: S3Settings, label: string): BenchBucket & { create(): Promise<void> } {
  const name = `berth-bench-${label}-${randomBytes(5).toString('hex')}`;
  const s3 = client(settings);
  return {
    name,
    create: async () => {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    remove: async () => {
      try {
        await emptyBucket(s3, name);
        await s3.send(new DeleteBucketCommand({ Bucket: name }));
      } catch (error) {
        if ((error as Error).name !== 'NoSuchBucket') throw error;
      } finally {
        s3.destroy();
      }
    },
  };
}

/** Aborts every incomplete multipart upload and deletes every object (test/support/s3.ts uses it too). */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    for (const { Key, UploadId } of page.Uploads ?? []) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }));
    [keyMarker, uploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
  } while (keyMarker !== undefined);
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const objects = (page.Contents ?? []).map(({ Key }) => ({ Key }));
    if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}
