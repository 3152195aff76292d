/** Quota refusals must name the quota in words a docker user reads. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, quotaDenied } from './quotas.js';

describe('quota refusals', () => {
  it('refuses with DENIED naming the namespace, its quota, its usage and the blob', () => {
    const error = quotaDenied({ status: 'over-quota', namespace: 'team', quotaBytes: 1024 ** 3, usedBytes: 1000 * 1024 ** 2, uploadBytes: 0, blobBytes: 50 * 1024 ** 2 });
    assert.equal(error.code, 'DENIED');
    assert.equal(error.status, 403);
    assert.equal(error.message, 'namespace team is over its storage quota of 1.0 GiB: it uses 1000.0 MiB and this blob needs 50.0 MiB');
    assert.deepEqual(error.detail, { reason: error.message, quotaBytes: 1024 ** 3, usedBytes: 1000 * 1024 ** 2, blobBytes: 50 * 1024 ** 2 });
  });

  it('says how much of the usage unfinished uploads hold, and that a chunk needs the room', () => {
    const error = quotaDenied({ status: 'over-quota', namespace: 'team', quotaBytes: 1024 ** 2, usedBytes: 1024 ** 2, uploadBytes: 512 * 1024, blobBytes: 4096 }, 'chunk');
    assert.equal(error.message, 'namespace team is over its storage quota of 1.0 MiB: it uses 1.0 MiB (512.0 KiB of it in unfinished uploads) and this chunk needs 4.0 KiB');
    assert.deepEqual(error.detail, { reason: error.message, quotaBytes: 1024 ** 2, usedBytes: 1024 ** 2, uploadBytes: 512 * 1024, blobBytes: 4096 });
    const cut = quotaDenied({ status: 'over-quota', namespace: 'team', quotaBytes: 1024, usedBytes: 0, uploadBytes: 0, blobBytes: 1025 }, 'chunk', true);
    assert.equal(cut.message, 'namespace team is over its storage quota of 1.0 KiB: it uses 0 B and this chunk needs more than 1.0 KiB');
  });

  it('formats sizes in binary units', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(10 * 1024 ** 4), '10.0 TiB');
  });
});
