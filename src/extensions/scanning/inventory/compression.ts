import type { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { LayerInventory } from './types.js';
import { createZstdDecompress } from './zstd-decompress.js';

export type Compression = LayerInventory['compression'];

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

/**
 * The compression a blob's first bytes announce. Magic bytes, not the media type: registries
 * hold gzip layers typed as plain tar and the reverse (content-security.md §5). Anything else is
 * read as tar, and the tar parser says so if it isn't.
 */
export function sniffCompression(head: Uint8Array): Compression {
  const startsWith = (magic: number[]): boolean => magic.every((byte, index) => head[index] === byte);
  if (startsWith(GZIP)) return 'gzip';
  if (startsWith(ZSTD)) return 'zstd';
  return 'none';
}

/** The decoder for a compression, undefined for none. */
export function decompressorFor(compression: Compression): Transform | undefined {
  if (compression === 'gzip') return createGunzip();
  if (compression === 'zstd') return createZstdDecompress();
  return undefined;
}

/**
 * Reads the first `size` bytes of a stream (fewer if it ends first) and gives back a stream of the
 * whole, those bytes included, so the blob is still read once and with backpressure.
 */
export async function peek(source: Readable, size: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* whole(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // A consumer that stops early (a corrupt gzip) must not leave the source open.
      await iterator.return?.();
    }
  }
  return { head, stream: whole() };
}
