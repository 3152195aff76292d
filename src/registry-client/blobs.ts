import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createDigester, parseDigest, type Digester } from '../oci/index.js';
import { repositoryScope } from './auth.js';
import type { CallOptions, RegistryHttp } from './core.js';
import { RegistryClientError } from './errors.js';
import { header } from './transport.js';

/** A blob being read: its bytes as a stream that fails on a digest or size mismatch. */
export interface BlobStream {
  /** Readable and async-iterable; errors with a RegistryClientError (kind 'digest') on mismatch. */
  stream: Readable;
  /** Content-Length of the answer, when sent. */
  size: number | undefined;
  /** 200 for a whole blob, 206 for a range. */
  status: number;
}

/** Options of a blob GET. */
export interface GetBlobOptions extends CallOptions {
  /** Bytes [start, end] inclusive (HTTP Range); a range is not digest-checked. */
  range?: { start: number; end?: number };
}

function path(name: string, digest: string): string {
  return `/v2/${name}/blobs/${digest}`;
}

/** HEAD a blob: its size, or undefined when the registry does not have it. */
export async function headBlob(http: RegistryHttp, name: string, digest: string, options: CallOptions = {}): Promise<{ size: number | undefined } | undefined> {
  const answer = await http.call({ ...options, method: 'HEAD', target: path(name, digest), scopes: [repositoryScope(name, false)], retry: true, followRedirects: true, expect: [200, 404], read: 'none' });
  if (answer.status === 404) return undefined;
  const length = header(answer.headers, 'content-length');
  return { size: length === undefined ? undefined : Number(length) };
}

/**
 * GET a blob as a stream, never buffered whole. Redirects (presigned storage URLs) are followed
 * without the registry's Authorization header; the bytes are hashed as they pass and the stream
 * fails at its end when they do not match `digest` (or Content-Length).
 */
export async function getBlob(http: RegistryHttp, name: string, digest: string, options: GetBlobOptions = {}): Promise<BlobStream> {
  const expected = parseDigest(digest);
  const range = options.range;
  const answer = await http.call({
    ...options,
    method: 'GET',
    target: path(name, digest),
    scopes: [repositoryScope(name, false)],
    headers: range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {},
    retry: true,
    followRedirects: true,
    expect: range ? [206, 200] : [200],
    read: 'stream',
  });
  const body = answer.stream as Readable;
  const length = header(answer.headers, 'content-length');
  const size = length === undefined ? undefined : Number(length);
  if (answer.status === 206) return { stream: body, size, status: 206 };
  const verifier = new VerifyingStream(createDigester(expected.algorithm), expected.toString(), size, answer.url);
  // A network failure surfaces on the verifier as the client's own error, never the raw one;
  // a consumer that gives up early releases the connection.
  body.once('error', (error: Error) => verifier.destroy(new RegistryClientError({ kind: options.signal?.aborted ? 'aborted' : 'connection', method: 'GET', url: answer.url, reason: error.name })));
  verifier.once('close', () => body.destroy());
  body.pipe(verifier);
  // A range the server ignored (200): skip to the asked start so the caller still gets its bytes.
  if (!range || (range.start === 0 && range.end === undefined)) return { stream: verifier, size, status: 200 };
  const skipper = skipping(range.start, range.end);
  verifier.once('error', (error) => skipper.destroy(error));
  return { stream: verifier.pipe(skipper), size, status: 200 };
}

/** GET a whole blob into memory (for configs and small artifacts; layers should be streamed). */
export async function getBlobBytes(http: RegistryHttp, name: string, digest: string, options: CallOptions = {}): Promise<Buffer> {
  const { stream } = await getBlob(http, name, digest, options);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Passes bytes through, hashing and counting them; fails at the end on a mismatch. */
class VerifyingStream extends Transform {
  private received = 0;

  constructor(
    private readonly digester: Digester,
    private readonly expected: string,
    private readonly size: number | undefined,
    private readonly url: URL,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    this.digester.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.digester.digest().toString();
    if (this.size !== undefined && this.received !== this.size) {
      callback(new RegistryClientError({ kind: 'digest', method: 'GET', url: this.url, reason: `received ${this.received} bytes, Content-Length said ${this.size}` }));
    } else if (actual !== this.expected) {
      callback(new RegistryClientError({ kind: 'digest', method: 'GET', url: this.url, reason: `blob bytes hash to ${actual}, not ${this.expected}` }));
    } else callback();
  }
}

/** Drops the first `start` bytes and anything after `end` (inclusive). */
function skipping(start: number, end: number | undefined): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const from = Math.max(0, start - offset);
      const to = end === undefined ? chunk.length : Math.min(chunk.length, end + 1 - offset);
      offset += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}
