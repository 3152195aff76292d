/**
 * Builds layer blobs for the inventory tests with tar-stream's pack: nothing is checked in, every
 * archive is made from the entries a test names.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

/** One archive entry: a file with a body (text or bytes), or any other header tar-stream takes. */
export type LayerEntry = { name: string; body?: string | Uint8Array } & Partial<Omit<Header, 'name'>>;

/** A plain tar of the entries, in order. */
export async function tarLayer(entries: LayerEntry[]): Promise<Buffer> {
  const archive = pack();
  const bytes = buffer(archive);
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => archive.entry({ type: 'file', mode: 0o644, ...header }, body ?? '', (error) => (error ? reject(error) : resolve())));
  }
  archive.finalize();
  return bytes;
}

export async function gzipLayer(entries: LayerEntry[]): Promise<Buffer> {
  return gzipSync(await tarLayer(entries));
}

/** Why zstd layers can't be made here, or undefined: fzstd only decodes, so the zstd binary compresses. */
export const NO_ZSTD = spawnSync('zstd', ['--version']).status === 0 ? undefined : 'no zstd binary on this machine (apt-get install zstd)';

export async function zstdLayer(entries: LayerEntry[]): Promise<Buffer> {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: await tarLayer(entries), maxBuffer: 64 * 1024 * 1024 });
}

export function streamOf(bytes: Uint8Array): Readable {
  return Readable.from([Buffer.from(bytes)]);
}

/** A dpkg status stanza with the fields it is given, in order. */
export function stanza(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}: ${value}\n`)
    .join('');
}

/** The same bytes in chunks of `size`, as a slow network would hand them over. */
export function chunkedStreamOf(bytes: Uint8Array, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(Buffer.from(bytes.subarray(offset, offset + size)));
  return Readable.from(chunks);
}
