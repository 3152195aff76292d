import { Transform, type TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';

/**
 * A streaming zstd decoder: Node 20 has none built in (zlib's arrives experimentally in 22.15),
 * so this wraps fzstd's pure-JS push decoder in a Transform. fzstd throws from push() on corrupt
 * input, and from the final push when a frame is left unfinished (a truncated blob); the
 * Transform turns either into a stream error.
 */
export function createZstdDecompress(): Transform {
  const transform = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        decoder.push(chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  // Copied: the blocks fzstd hands out may be views of the window it goes on decoding into.
  const decoder = new Decompress((data) => {
    if (data.length > 0) transform.push(Buffer.from(data));
  });
  return transform;
}
