import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Settings } from './s3-bucket.js';
import { distributionConfigHead, freePort, launch, type ServerUnderTest } from './servers.js';

/**
 * Starts CNCF Distribution 2.8 on its S3 driver (the Debian package's s3-aws), on `bucket` of
 * the benchmark's store. With `redirect` it answers blob GETs with 307 to a presigned URL, its
 * default on S3; without, it streams the bytes itself (storage.redirect.disable). Several may
 * share a bucket, as Distribution nodes behind a load balancer do.
 */
export async function startDistributionOnS3(binary: string, logLevel: string, s3: S3Settings, bucket: string, redirect: boolean): Promise<ServerUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-bench-distribution-s3-'));
  const port = await freePort();
  const config = [
    ...distributionConfigHead(logLevel),
    '  s3:',
    `    region: ${s3.region}`,
    // With a regionendpoint, Distribution 2.8 addresses the bucket path-style (as RGW needs).
    `    regionendpoint: ${s3.endpoint}`,
    `    bucket: ${bucket}`,
    `    accesskey: ${s3.accessKeyId}`,
    `    secretkey: ${s3.secretAccessKey}`,
    `    secure: ${s3.endpoint.startsWith('https:')}`,
    '    v4auth: true',
    '  redirect:',
    `    disable: ${!redirect}`,
    '  delete:',
    '    enabled: true',
    // The purge walks the bucket 12 minutes after start, in the middle of a measurement.
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
  const configFile = join(dataDir, 'config.yml');
  await writeFile(configFile, config);
  // The AWS SDK for Go in Distribution 2.8 panics at start ("unable to load custom CA bundle,
  // HTTPClient's transport unsupported type") when AWS_CA_BUNDLE is set, as it is on some CI
  // images; the store is reached over plain HTTP here, so the bundle is not needed.
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE;
  return launch(`Distribution${redirect ? ' (redirect)' : ''}`, binary, ['serve', configFile], { env }, port, dataDir);
}
