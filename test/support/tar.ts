/**
 * ustar archives for tests: a writer for layer contents and a reader to check what clients
 * unpacked or exported. Small, regular files only.
 */
import { gunzipSync } from 'node:zlib';

/** A file for a tar archive. */
export interface TarEntry {
  name: string;
  data: Buffer | string;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A ustar archive of regular files (names up to 100 bytes), mode 0644, owned by root, mtime 0. */
export function tar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data;
    if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar name too long: ${entry.name}`);
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100);
    header.write(octal(0o644, 8), 100);
    header.write(octal(0, 8), 108);
    header.write(octal(0, 8), 116);
    header.write(octal(data.length, 12), 124);
    header.write(octal(0, 12), 136);
    header.write('        ', 148); // checksum field counts as spaces while summing
    header.write('0', 156);
    header.write('ustar\u000000', 257);
    header.write('root', 265);
    header.write('root', 297);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(octal(sum, 7) + ' ', 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** The regular files in a tar archive (gzip or plain), by name without a leading "./" or "/". */
export function untar(archive: Buffer): Map<string, Buffer> {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const data = bytes.subarray(offset + 512, offset + 512 + size);
    if (type === '0' || type === '') files.set(name.replace(/^(\.\/|\/)+/, ''), Buffer.from(data));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
