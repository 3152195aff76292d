/**
 * A blob GET stats the link once (for its headers and Range) and then reads the bytes: read()
 * must not look the link up, nor renew its lease, a second time; open() still checks the link.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import type { BlobRecord, MetadataStore } from '../metadata/metadata-store.js';
import { parseDigest } from '../oci/index.js';
import type { BlobDriver } from '../storage/blob-driver.js';
import { BlobService } from './blobs.js';

const DIGEST = parseDigest(`sha256:${'a'.repeat(64)}`);

/** Counts the store's link reads and lease renewals, and the driver's opens. */
function counted(seenAt: Date): { service: BlobService; calls: { stat: number; touch: number; reader: number } } {
  const calls = { stat: 0, touch: 0, reader: 0 };
  const blobs = {
    stat: async (): Promise<BlobRecord> => {
      calls.stat++;
      return { digest: DIGEST.toString(), size: 5, seenAt };
    },
    touch: async (): Promise<boolean> => {
      calls.touch++;
      return true;
    },
  };
  const driver = {
    reader: async (): Promise<Readable> => {
      calls.reader++;
      return Readable.from([Buffer.from('hello')]);
    },
  };
  return { service: new BlobService({ blobs } as unknown as MetadataStore, driver as unknown as BlobDriver, 60_000), calls };
}

describe('BlobService', () => {
  it('reads a blob stat found without a second link lookup or lease renewal', async () => {
    const { service, calls } = counted(new Date(Date.now() - 120_000));
    const blob = await service.stat('app', DIGEST);
    const open = await service.read(DIGEST, blob, { offset: 0, length: 5 });
    assert.equal(await text(open.stream), 'hello');
    assert.equal(open.size, 5);
    assert.deepEqual(calls, { stat: 1, touch: 1, reader: 1 });
  });

  it('still checks the link when opening by name', async () => {
    const { service, calls } = counted(new Date());
    const open = await service.open('app', DIGEST);
    assert.equal(await text(open.stream), 'hello');
    assert.deepEqual(calls, { stat: 1, touch: 0, reader: 1 });
  });
});
