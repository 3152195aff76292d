import { RegistryError } from '../errors/index.js';
import type { ByteRange } from '../content/uploads.js';

/** Parses Content-Length; undefined when absent, BLOB_UPLOAD_INVALID when it is not a number. */
export function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new RegistryError('SIZE_INVALID', { detail: { reason: 'Content-Length is not a number', value } });
  return Number(value);
}

/**
 * Parses an upload chunk's Content-Range: `<start>-<end>`, inclusive (distribution-spec,
 * chunked upload). Docker-era clients also send `bytes <start>-<end>/<total>`, accepted too.
 */
export function parseContentRange(value: string | undefined): ByteRange | undefined {
  if (value === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(value.trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new RegistryError('CONTENT_RANGE_INVALID', { detail: { reason: 'Content-Range must be <start>-<end> with start <= end', value } });
  }
  return { start, end };
}

/** A satisfiable single range of a blob, inclusive. */
export interface BlobRange {
  start: number;
  end: number;
}

/**
 * Interprets a GET Range header against a blob of `size` bytes (RFC 9110 §14): a single
 * `bytes=a-b`, `bytes=a-` or `bytes=-n`. Undefined means "send it all" (no header, another unit
 * or several ranges, which a server may ignore); 'unsatisfiable' means 416.
 */
export function parseRange(value: string | undefined, size: number): BlobRange | 'unsatisfiable' | undefined {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || (match[2] !== '' && Number(match[2]) < start)) return 'unsatisfiable';
  return { start, end };
}
