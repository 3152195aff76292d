import type { Readable } from 'node:stream';

/**
 * BlobDriver: bytes at paths (after Distribution's StorageDriver). Drivers know nothing of
 * digests or repositories; storage/paths.ts maps those to paths. Paths are relative,
 * '/'-separated, without '.' or '..' segments (drivers reject anything else).
 */
export interface BlobDriver {
  /** A short name for logs and metrics: "filesystem", "s3". */
  readonly name: string;
  /** Size and modification time of the file at path, or undefined when there is none. */
  stat(path: string): Promise<BlobStat | undefined>;
  /**
   * Streams the file's bytes from offset (default 0), length bytes at most (default: to the end).
   * Throws {@link PathNotFoundError} when the path does not exist.
   */
  reader(path: string, options?: ReaderOptions): Promise<Readable>;
  /**
   * Opens a writer. With offset 0 (the default) the file is created or emptied; with a positive
   * offset the existing file is cut back to offset and written on from there (resuming an upload
   * after a crash left a partial chunk behind). Nothing is durable until commit().
   */
  writer(path: string, options?: WriterOptions): Promise<BlobWriter>;
  /** Every file path under prefix (recursively). Empty when nothing is there. */
  list(prefix: string): Promise<string[]>;
  /**
   * Moves a file, replacing any file at `to`, atomically: a reader of `to` sees the old file or
   * the whole new one, never a part. Throws {@link PathNotFoundError} when `from` is missing.
   */
  move(from: string, to: string): Promise<void>;
  /** Deletes the file at path, or everything under it when it is a prefix. Missing is fine. */
  delete(path: string): Promise<void>;
  /** A presigned GET URL valid for expiresInSeconds, when the backend can serve bytes itself. */
  urlFor?(path: string, expiresInSeconds: number): Promise<string | undefined>;
  /**
   * Aborts writes a crashed process left unfinished (S3: incomplete multipart uploads begun
   * before olderThan), which hold storage but no file; returns how many. GC calls it.
   */
  purgeIncompleteWrites?(olderThan: Date): Promise<number>;
  /** Releases connections; the driver is not used afterwards. */
  close?(): Promise<void> | void;
}

/** What {@link BlobDriver.stat} reports. */
export interface BlobStat {
  size: number;
  modifiedAt: Date;
}

/** Options of {@link BlobDriver.reader}. */
export interface ReaderOptions {
  offset?: number;
  length?: number;
  signal?: AbortSignal;
}

/** Options of {@link BlobDriver.writer}. */
export interface WriterOptions {
  offset?: number;
}

/** An open writer: write chunks in order, then commit (durable) or cancel (removed). */
export interface BlobWriter {
  /** Bytes in the file so far, including the offset it was opened at. */
  readonly size: number;
  /**
   * Appends a chunk; resolves once the driver accepted it (back-pressure for callers). The driver
   * may hold the chunk until commit without copying it: don't reuse its memory.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes and makes the bytes durable (fsync on the filesystem); closes the writer. */
  commit(): Promise<void>;
  /** Closes the writer and deletes what it wrote. */
  cancel(): Promise<void>;
  /** Closes the writer keeping what was written so far, without a durability promise. */
  close(): Promise<void>;
  /**
   * Closes the writer after a failure, when what it wrote will be cut off anyway: a driver that
   * can leave the file as it was when the writer opened does so (S3 aborts the multipart upload
   * rather than completing it); callers fall back to close() when a driver lacks it.
   */
  abandon?(): Promise<void>;
}

/** Thrown by drivers when a path does not exist. content/ translates it. */
export class PathNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`no such path: ${path}`);
    this.name = 'PathNotFoundError';
  }
}

/** Thrown by drivers for a path with '..', '.', empty segments or a leading '/'. */
export class InvalidPathError extends Error {
  constructor(readonly path: string) {
    super(`invalid storage path: ${JSON.stringify(path)}`);
    this.name = 'InvalidPathError';
  }
}

/** Checks the path grammar every driver accepts; throws {@link InvalidPathError}. */
export function assertValidPath(path: string): void {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\') || path.includes('\0')) {
    throw new InvalidPathError(path);
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw new InvalidPathError(path);
  }
}
