/**
 * readLayer's memory stays bounded by its caps, not by the layer: a 1 GiB entry streams past,
 * generated on the fly through tar-stream's pack and never held whole by the test either.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { pack } from 'tar-stream';
import { readLayer } from '../../../src/extensions/scanning/inventory/index.js';
import { stanza } from './layers.js';

const GIB = 1024 ** 3;
const CHUNK = 1024 * 1024;

/**
 * `size` zero bytes, 1 MiB at a time. Each chunk is a fresh Buffer, as a decompressor's output is:
 * one shared chunk would make keeping every chunk cost nothing, and the test could not fail.
 * `onChunk` samples memory as the bytes flow (streamx's microtasks starve a timer).
 */
function zeros(size: number, onChunk: () => void): Readable {
  let left = size;
  return new Readable({
    read() {
      onChunk();
      if (left === 0) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(CHUNK, left));
      left -= chunk.length;
      this.push(chunk);
    },
  });
}

/** Memory that would grow if entries were buffered: the JS heap and Buffers outside it. */
const held = (): number => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

describe('readLayer on a large layer', { timeout: 120_000 }, () => {
  it('streams a 1 GiB entry past without buffering it and reads the entries after it', async () => {
    const before = held();
    let peak = before;
    const sample = (): void => void (peak = Math.max(peak, held()));
    const archive = pack();
    const writing = (async () => {
      await pipeline(zeros(GIB, sample), archive.entry({ name: 'usr/share/big.bin', size: GIB }));
      // A catalogued path over its cap is drained the same way.
      await pipeline(zeros(64 * 1024 * 1024, sample), archive.entry({ name: 'var/lib/dpkg/status', size: 64 * 1024 * 1024 }));
      archive.entry({ name: 'lib/apk/db/installed' }, 'P:musl\nV:1.2.4-r2\no:musl\n');
      archive.entry({ name: 'var/lib/dpkg/status.d/libc6' }, stanza({ Package: 'libc6', Version: '2.36-9' }));
      archive.finalize();
    })();
    const [inventory] = await Promise.all([readLayer(archive as unknown as Readable), writing]);
    assert.deepEqual(inventory.packages.map((found) => found.name).sort(), ['libc6', 'musl']);
    assert.equal(inventory.errors.length, 1);
    assert.match(inventory.errors[0]?.message ?? '', /67108864 bytes is over the 8388608-byte cap/);
    // Garbage not yet collected (the chunks already passed) counts too; buffering would be > 1 GiB.
    const growth = peak - before;
    assert.ok(growth < 192 * 1024 * 1024, `memory grew by ${(growth / 1024 / 1024).toFixed(1)} MiB while reading 1 GiB`);
  });
});
