import type { Readable } from 'node:stream';
import { Authorizer, type Credentials, type Scope } from './auth.js';
import { startDeadline } from './deadline.js';
import { RegistryClientError, parseErrorBody } from './errors.js';
import { Transport, abortError, header, type TransportOptions, type TransportResponse } from './transport.js';

/** Settings of a registry client: the pool and retries, credentials, the default deadline. */
export interface RegistryClientOptions extends TransportOptions {
  credentials?: Credentials;
  /** Default per-request deadline (until the body is read; for streamed blobs until headers). Default 120 s. */
  timeoutMs?: number;
  /** Replaceable for tests: the clock token expiry is measured with. */
  now?: () => number;
}

/** Per-call options every operation takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's deadline for this call. */
  timeoutMs?: number;
}

/** One registry request as the operations describe it. */
export interface Call extends CallOptions {
  method: string;
  /** A path on the registry (`/v2/…`) or an absolute URL (an upload Location). */
  target: string | URL;
  scopes: Scope[];
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  retry: boolean;
  followRedirects?: boolean;
  expect: number[];
  /** What to do with the body: drop it, collect it (up to `limit` bytes), or hand it over unread. */
  read: 'none' | 'buffer' | 'stream';
  limit?: number;
}

/** A checked answer. */
export interface Answer {
  status: number;
  headers: TransportResponse['headers'];
  url: URL;
  /** The collected body (read: 'buffer'). */
  bytes: Buffer;
  /** The unread body (read: 'stream'). */
  stream: TransportResponse['body'] | undefined;
}

const DEFAULT_LIMIT = 4 * 1024 * 1024;
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * The request pipeline every operation goes through: deadline, authorization (one more try
 * after a 401), transport (pool, retries, redirects), status check, body handling.
 */
export class RegistryHttp {
  readonly base: URL;
  readonly transport: Transport;
  private readonly authorizer: Authorizer;
  private readonly timeoutMs: number;

  constructor(baseUrl: string | URL, options: RegistryClientOptions = {}) {
    this.base = new URL(baseUrl);
    this.transport = new Transport(options);
    this.authorizer = new Authorizer(this.transport, options.credentials, options.now ?? Date.now);
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Resolves a path or Location (absolute in Distribution, relative in Berth) against the registry. */
  resolve(target: string | URL): URL {
    return new URL(target, this.base);
  }

  /** The Authorization header requests for these scopes currently open with (for load tools). */
  async authorization(scopes: Scope[], options: CallOptions = {}): Promise<string | undefined> {
    const deadline = startDeadline(options.timeoutMs ?? this.timeoutMs, options.signal);
    try {
      return await this.authorizer.authorization(scopes, deadline.signal);
    } finally {
      deadline.stop();
    }
  }

  /** Sends a call and checks its status; throws RegistryClientError (and only that). */
  async call(call: Call): Promise<Answer> {
    const url = this.resolve(call.target);
    const deadline = startDeadline(call.timeoutMs ?? this.timeoutMs, call.signal);
    const signal = deadline.signal;
    let streaming = false;
    try {
      const request = { method: call.method, url, headers: call.headers, body: call.body, retry: call.retry, followRedirects: call.followRedirects, signal };
      const authorization = await this.authorizer.authorization(call.scopes, signal);
      let response = await this.transport.send({ ...request, authorization });
      if (response.status === 401 && !isStream(call.body)) {
        const next = await this.authorizer.retryAfterUnauthorized(response.headers['www-authenticate'], call.scopes, authorization, signal);
        if (next !== undefined) {
          await response.body.dump();
          response = await this.transport.send({ ...request, authorization: next });
        }
      }
      if (!call.expect.includes(response.status)) throw await statusError(call.method, response);
      const answer: Answer = { status: response.status, headers: response.headers, url: response.url, bytes: Buffer.alloc(0), stream: undefined };
      if (call.read === 'buffer') answer.bytes = await readLimited(response, call.method, call.limit ?? DEFAULT_LIMIT);
      else if (call.read === 'stream') {
        answer.stream = response.body;
        response.body.once('close', deadline.stop);
        streaming = true;
      } else await response.body.dump();
      return answer;
    } catch (error) {
      if (error instanceof RegistryClientError) throw error;
      if (signal.aborted) throw abortError({ method: call.method, url, signal });
      throw new RegistryClientError({ kind: 'connection', method: call.method, url, reason: error instanceof Error ? error.name : 'failed' });
    } finally {
      // A streamed body's own reads are bounded by the pool's body timeout and the caller's signal.
      if (streaming) deadline.stopClock();
      else deadline.stop();
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

function isStream(body: Call['body']): boolean {
  return body !== undefined && !Buffer.isBuffer(body);
}

/** The typed error of an unexpected status, with the registry's error codes. */
async function statusError(method: string, response: TransportResponse): Promise<RegistryClientError> {
  let text = '';
  try {
    text = (await readLimited(response, method, ERROR_BODY_LIMIT, false)).toString('utf8');
  } catch {
    // An unreadable error body still leaves the status to report.
  }
  const { codes, message } = parseErrorBody(text);
  const reason = message ?? (header(response.headers, 'www-authenticate') ? 'authentication required' : undefined);
  return new RegistryClientError({ kind: 'status', method, url: response.url, status: response.status, codes, reason });
}

/** Collects a body up to `limit` bytes; past it, fails (strict) or stops reading (error bodies). */
async function readLimited(response: TransportResponse, method: string, limit: number, strict = true): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.body.destroy();
      if (!strict) break;
      throw new RegistryClientError({ kind: 'protocol', method, url: response.url, reason: `body larger than ${limit} bytes` });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
