import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import {
  assertValidPath,
  InvalidPathError,
  PathNotFoundError,
  type BlobDriver,
  type BlobStat,
  type BlobWriter,
  type ReaderOptions,
  type WriterOptions,
} from '../blob-driver.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/** A {@link BlobDriver} keeping files under a local directory. It cannot presign, so no urlFor. */
export class FilesystemDriver implements BlobDriver {
  readonly name = 'filesystem';
  private readonly root: string;
  private readonly rootPrefix: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.rootPrefix = this.root.endsWith(sep) ? this.root : this.root + sep;
  }

  async stat(path: string): Promise<BlobStat | undefined> {
    try {
      const info = await stat(this.resolve(path));
      // Directories are prefixes, not blobs: callers ask about files only.
      return info.isFile() ? { size: info.size, modifiedAt: info.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async reader(path: string, options: ReaderOptions = {}): Promise<Readable> {
    const absolute = this.resolve(path);
    const offset = checkedCount(options.offset ?? 0, 'offset');
    const length = options.length === undefined ? undefined : checkedCount(options.length, 'length');
    options.signal?.throwIfAborted();
    // Open before returning so a missing path is a rejection here, not a stream error later.
    const handle = await openExisting(absolute, path, 'r');
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new PathNotFoundError(path);
    }
    if (length === 0) {
      // createReadStream refuses end < start, and an empty range is a valid request.
      await handle.close();
      return Readable.from([]);
    }
    // end is inclusive in createReadStream.
    const end = length === undefined ? undefined : offset + length - 1;
    // 1 MiB reads: with the default 64 KiB, blob GETs were bound by per-chunk overhead (bench/).
    return createReadStream('', { fd: handle, start: offset, end, signal: options.signal, highWaterMark: READ_CHUNK_BYTES });
  }

  async writer(path: string, options: WriterOptions = {}): Promise<BlobWriter> {
    const absolute = this.resolve(path);
    const offset = checkedCount(options.offset ?? 0, 'offset');
    if (offset === 0) {
      const handle = await this.withParentDirectory(absolute, () => open(absolute, 'w'));
      return new FilesystemWriter(handle, absolute, 0);
    }
    // Resuming: the file must already hold at least offset bytes; a crash may have left more.
    const handle = await openExisting(absolute, path, 'r+');
    try {
      const { size } = await handle.stat();
      if (size < offset) {
        throw new Error(`cannot resume ${path} at offset ${offset}: the file holds only ${size} bytes`);
      }
      await handle.truncate(offset);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new FilesystemWriter(handle, absolute, offset);
  }

  async list(prefix: string): Promise<string[]> {
    const files: string[] = [];
    await walk(this.resolve(prefix), prefix, files);
    return files.sort();
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.resolve(from);
    const target = this.resolve(to);
    // The data must be on disk before the name points at it, or a crash can leave a
    // complete-looking blob with missing bytes.
    if ((await this.stat(from)) === undefined) throw new PathNotFoundError(from);
    await fsync(source);
    // rename(2) replaces target atomically: readers see the old file or the whole new one.
    await this.withParentDirectory(target, async () => {
      try {
        await rename(source, target);
      } catch (error) {
        if (isMissing(error) && (await this.stat(from)) === undefined) throw new PathNotFoundError(from);
        throw error;
      }
    });
    await fsync(dirname(target));
  }

  async delete(path: string): Promise<void> {
    const absolute = this.resolve(path);
    await rm(absolute, { recursive: true, force: true });
    // Keep the tree tidy (no empty blobs/sha256/ab/ left behind); failing to prune is harmless.
    for (let dir = dirname(absolute); dir !== this.root && dir.startsWith(this.rootPrefix); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
  }

  /** Maps a driver path to an absolute path, never outside root. */
  private resolve(path: string): string {
    assertValidPath(path);
    const absolute = join(this.root, ...path.split('/'));
    // assertValidPath already forbids '..'; this guards against any grammar gap.
    if (!absolute.startsWith(this.rootPrefix)) throw new InvalidPathError(path);
    return absolute;
  }

  /**
   * Creates absolute's parent directories and runs op. A concurrent delete may prune the
   * freshly created (still empty) directories before op uses them — or while mkdir is still
   * creating them, so its own ENOENT counts too — and ENOENT retries a few times.
   */
  private async withParentDirectory<T>(absolute: string, op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(absolute), { recursive: true });
        return await op();
      } catch (error) {
        if (!isMissing(error) || attempt >= 5) throw error;
      }
    }
  }
}

/** Writes chunks in place at increasing positions; see {@link BlobWriter}. */
class FilesystemWriter implements BlobWriter {
  private position: number;
  private closed = false;
  // Chunks are written one after another even if a caller does not await each write.
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly handle: FileHandle,
    private readonly absolute: string,
    offset: number,
  ) {
    this.position = offset;
  }

  get size(): number {
    return this.position;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('write after the writer was closed'));
    // Resolves when write(2) returned, i.e. the OS has the bytes: that is the back-pressure.
    // A failed write fails every later one too, so a gap can never be papered over.
    this.pending = this.pending.then(async () => {
      const { byteLength } = chunk;
      for (let done = 0; done < byteLength; ) {
        const { bytesWritten } = await this.handle.write(chunk, done, byteLength - done, this.position);
        done += bytesWritten;
        this.position += bytesWritten;
      }
    });
    return this.pending;
  }

  async commit(): Promise<void> {
    if (this.closed) throw new Error('commit after the writer was closed');
    this.closed = true;
    try {
      await this.pending;
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }

  async cancel(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.absolute, { force: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pending;
    } finally {
      await this.handle.close();
    }
  }
}

async function openExisting(absolute: string, path: string, flags: 'r' | 'r+'): Promise<FileHandle> {
  try {
    return await open(absolute, flags);
  } catch (error) {
    if (isMissing(error)) throw new PathNotFoundError(path);
    throw error;
  }
}

async function walk(absolute: string, path: string, files: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(absolute, { withFileTypes: true });
  } catch (error) {
    // A missing prefix, a file (nothing is under it), or a directory deleted while we walk.
    if (isMissing(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory()) await walk(join(absolute, entry.name), child, files);
    else if (entry.isFile()) files.push(child);
  }
}

/** fsync of a file makes its bytes durable; of a directory, the names in it (a rename). */
async function fsync(absolute: string): Promise<void> {
  const handle = await open(absolute, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function checkedCount(value: number, what: string): number {
  if (Number.isSafeInteger(value) && value >= 0) return value;
  throw new RangeError(`${what} must be a non-negative integer, not ${value}`);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
