/**
 * S3 for tests: the machine's Ceph RGW (scripts/ceph-rgw-up.sh starts one on 127.0.0.1:7480),
 * and buckets of their own that tests create and remove. BERTH_TEST_S3_ENDPOINT,
 * BERTH_TEST_S3_ACCESS_KEY and BERTH_TEST_S3_SECRET_KEY point them at another store.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { emptyBucket } from '../../bench/s3-bucket.js';
import type { S3DriverOptions } from '../../src/storage/s3/s3-driver.js';

/** Where the test store is, in the names of the storage.s3 config section. */
export interface S3TestSettings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** A bucket of one test file's own; cleanup() empties and removes it. */
export interface TestBucket extends S3TestSettings {
  bucket: string;
  /** A client on the test store, for looking behind the driver's back. */
  client: S3Client;
  /** Driver options on this bucket: no prefix, 5 MiB parts, 3 attempts, unless overridden. */
  driverOptions(overrides?: Partial<S3DriverOptions>): S3DriverOptions;
  cleanup(): Promise<void>;
}

export function s3TestSettings(): S3TestSettings {
  return {
    endpoint: process.env['BERTH_TEST_S3_ENDPOINT'] ?? 'http://127.0.0.1:7480',
    region: 'us-east-1',
    accessKeyId: process.env['BERTH_TEST_S3_ACCESS_KEY'] ?? 'berthtestaccesskey',
    secretAccessKey: process.env['BERTH_TEST_S3_SECRET_KEY'] ?? 'berthtestsecretkey0123456789abcdefghijkl',
    forcePathStyle: true,
  };
}

/** Why the test store cannot be used, or undefined when it answers. */
export async function s3Unreachable(settings = s3TestSettings()): Promise<string | undefined> {
  try {
    // Any HTTP answer will do (an anonymous request gets 200 or 403 from S3 stores).
    await fetch(settings.endpoint, { signal: AbortSignal.timeout(3000) });
    return undefined;
  } catch (error) {
    return `no S3 at ${settings.endpoint} (${(error as Error).cause ?? (error as Error).message}); start one with scripts/ceph-rgw-up.sh`;
  }
}

export function s3TestClient(settings = s3TestSettings()): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Creates a uniquely named bucket on the test store. */
export async function createTestBucket(settings = s3TestSettings()): Promise<TestBucket> {
  const bucket = `berth-test-${randomBytes(6).toString('hex')}`;
  const unreachable = await s3Unreachable(settings);
  if (unreachable !== undefined) throw new Error(unreachable);
  const client = s3TestClient(settings);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    ...settings,
    bucket,
    client,
    driverOptions: (overrides = {}) => ({
      bucket,
      region: settings.region,
      endpoint: settings.endpoint,
      prefix: '',
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      partSize: 5 * 1024 * 1024,
      maxAttempts: 3,
      ...overrides,
    }),
    cleanup: async () => {
      try {
        await emptyBucket(client, bucket);
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
    },
  };
}
