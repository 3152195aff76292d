import { Readable } from 'node:stream';
import { repositoryScope } from './auth.js';
import type { CallOptions, RegistryHttp } from './core.js';
import { RegistryClientError } from './errors.js';
import { header } from './transport.js';

/** Bytes to upload: in memory, or a stream / async iterable read once. */
export type BlobSource = Buffer | Readable | AsyncIterable<Uint8Array>;

/** Options of a monolithic upload. */
export interface UploadOptions extends CallOptions {
  /** The blob's size, sent as Content-Length for a streamed source. */
  size?: number;
  /** One POST ?digest= carrying the bytes (a Buffer source only) instead of POST then PUT. */
  singleRequest?: boolean;
}

/** Options of a chunked upload. */
export interface ChunkedUploadOptions extends CallOptions {
  /** Bytes per PATCH. Default 8 MiB. */
  chunkSize?: number;
}

const OCTETS = { 'content-type': 'application/octet-stream' };

function uploadsPath(name: string): string {
  return `/v2/${name}/blobs/uploads/`;
}

function location(http: RegistryHttp, headers: Record<string, string | string[] | undefined>, method: string, url: URL): URL {
  const value = header(headers, 'location');
  if (value === undefined) throw new RegistryClientError({ kind: 'protocol', method, url, reason: 'no Location header' });
  return new URL(value, url.origin === http.base.origin ? http.base : url);
}

/** POST /v2/<name>/blobs/uploads/: the new session's Location (auth settles here, before any body). */
export async function startUpload(http: RegistryHttp, name: string, options: CallOptions = {}): Promise<URL> {
  const answer = await http.call({ ...options, method: 'POST', target: uploadsPath(name), scopes: [repositoryScope(name, true)], retry: true, expect: [202], read: 'none' });
  return location(http, answer.headers, 'POST', answer.url);
}

/** PUT <location>?digest= with the rest of the bytes (or none), closing the session. */
async function finish(http: RegistryHttp, name: string, at: URL, digest: string, body: Buffer | Readable | undefined, headers: Record<string, string>, options: CallOptions): Promise<void> {
  const url = new URL(at);
  url.searchParams.set('digest', digest);
  await http.call({ ...options, method: 'PUT', target: url, scopes: [repositoryScope(name, true)], headers, body, retry: false, expect: [201], read: 'none' });
}

function asBody(source: BlobSource): Buffer | Readable {
  return Buffer.isBuffer(source) || source instanceof Readable ? source : Readable.from(source);
}

/**
 * Monolithic upload: POST then PUT ?digest= with every byte, or with `singleRequest` the
 * one-request POST ?digest= form (falling back to PUT when the registry opens a session instead).
 */
export async function uploadBlob(http: RegistryHttp, name: string, digest: string, source: BlobSource, options: UploadOptions = {}): Promise<void> {
  const sizeHeader: Record<string, string> = options.size === undefined || Buffer.isBuffer(source) ? {} : { 'content-length': String(options.size) };
  if (options.singleRequest && Buffer.isBuffer(source)) {
    const target = `${uploadsPath(name)}?digest=${encodeURIComponent(digest)}`;
    const answer = await http.call({ ...options, method: 'POST', target, scopes: [repositoryScope(name, true)], headers: OCTETS, body: source, retry: false, expect: [201, 202], read: 'none' });
    if (answer.status === 201) return;
    await finish(http, name, location(http, answer.headers, 'POST', answer.url), digest, source, OCTETS, options);
    return;
  }
  const at = await startUpload(http, name, options);
  await finish(http, name, at, digest, asBody(source), { ...OCTETS, ...sizeHeader }, options);
}

/** Cuts a source into pieces of exactly `size` bytes (the last may be shorter). */
async function* pieces(source: BlobSource, size: number): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(source)) {
    for (let start = 0; start < source.length; start += size) yield source.subarray(start, start + size);
    return;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let rest = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pendingBytes + rest.length >= size) {
      const take = size - pendingBytes;
      yield Buffer.concat([...pending, rest.subarray(0, take)]);
      rest = rest.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

/** The end offset (inclusive) of a Range header `0-N` / `bytes=0-N`; -1 when nothing was stored. */
function rangeEnd(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(?:bytes=)?0-(\d+)$/.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Chunked upload: POST, then a PATCH per `chunkSize` bytes with Content-Range, each to the
 * Location the previous answer gave, then PUT ?digest=. The Range each answer reports is
 * believed: if the registry kept fewer bytes than sent, the rest of that chunk is sent again.
 */
export async function uploadBlobChunked(http: RegistryHttp, name: string, digest: string, source: BlobSource, options: ChunkedUploadOptions = {}): Promise<void> {
  const chunkSize = options.chunkSize ?? 8 * 1024 * 1024;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunkSize must be a positive integer');
  let at = await startUpload(http, name, options);
  let offset = 0;
  for await (const piece of pieces(source, chunkSize)) {
    let sent = 0;
    while (sent < piece.length) {
      const part = piece.subarray(sent);
      const answer = await http.call({
        ...options,
        method: 'PATCH',
        target: at,
        scopes: [repositoryScope(name, true)],
        headers: { ...OCTETS, 'content-range': `${offset}-${offset + part.length - 1}` },
        body: part,
        retry: false,
        expect: [202],
        read: 'none',
      });
      at = location(http, answer.headers, 'PATCH', answer.url);
      const end = rangeEnd(header(answer.headers, 'range'));
      const stored = end === undefined ? offset + part.length : end + 1;
      if (stored > offset + part.length || stored < offset) {
        throw new RegistryClientError({ kind: 'protocol', method: 'PATCH', url: answer.url, reason: `registry reports ${stored} bytes stored after ${offset + part.length} sent` });
      }
      sent += stored - offset;
      offset = stored;
    }
  }
  await finish(http, name, at, digest, undefined, {}, options);
}

/**
 * Cross-repository mount (POST ?mount=&from=), asking for a token over both repositories. True
 * when mounted (201). On 202 the registry opened an upload instead: with `fallback` the bytes
 * are PUT there (false is returned); without, the session is left to expire and false returned.
 */
export async function mountBlob(http: RegistryHttp, name: string, digest: string, from: string, fallback?: () => BlobSource, options: UploadOptions = {}): Promise<boolean> {
  const target = `${uploadsPath(name)}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const scopes = [repositoryScope(name, true), repositoryScope(from, false)];
  const answer = await http.call({ ...options, method: 'POST', target, scopes, retry: true, expect: [201, 202], read: 'none' });
  if (answer.status === 201) return true;
  if (fallback) {
    const source = fallback();
    const sizeHeader: Record<string, string> = options.size === undefined || Buffer.isBuffer(source) ? {} : { 'content-length': String(options.size) };
    await finish(http, name, location(http, answer.headers, 'POST', answer.url), digest, asBody(source), { ...OCTETS, ...sizeHeader }, options);
  }
  return false;
}
