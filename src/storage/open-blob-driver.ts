/** The BlobDriver the configuration names, and how to describe it in the startup line. */
import { resolve } from 'node:path';
import type { Config } from '../config/index.js';
import type { BlobDriver } from './blob-driver.js';
import { FilesystemDriver } from './filesystem/filesystem-driver.js';

/** Opens the driver (the S3 SDK is loaded only when used: the embedded default never pays for it). */
export async function openBlobDriver(config: Config): Promise<{ driver: BlobDriver; location: string }> {
  if (config.storage.driver === 's3') {
    const { S3Driver, s3DriverOptions } = await import('./s3/s3-driver.js');
    const s3 = config.storage.s3;
    const where = `${s3.endpoint ?? `aws:${s3.region}`}/${s3.bucket ?? ''}${s3.prefix ? `/${s3.prefix}` : ''}`;
    return { driver: new S3Driver(s3DriverOptions(s3)), location: `s3:${where}` };
  }
  const root = resolve(config.storage.filesystem.root ?? resolve(config.data, 'storage'));
  return { driver: new FilesystemDriver(root), location: `filesystem:${root}` };
}
