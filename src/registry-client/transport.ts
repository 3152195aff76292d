import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { RegistryClientError } from './errors.js';
import { DEFAULT_RETRY, abortableSleep, isRetryableStatus, retryDelay, type RetryPolicy } from './retry.js';

/** Connection pool and timing settings of a {@link Transport}. */
export interface TransportOptions {
  /** Sockets per origin (undici Pool `connections`). Default 16. */
  connections?: number;
  /** How long an idle keep-alive socket is kept. Default 30 s. */
  keepAliveTimeoutMs?: number;
  /** Longest wait between request sent and response headers, per attempt. Default 60 s. */
  headersTimeoutMs?: number;
  /** Longest gap between two body chunks. Default 60 s. */
  bodyTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Replaceable for tests: how the client waits between attempts. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Replaceable for tests: the jitter source, in [0, 1). */
  random?: () => number;
  userAgent?: string;
}

/** One HTTP exchange as the transport sends it. */
export interface TransportRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Sent only to `url`'s origin: a redirect to another host goes without it. */
  authorization?: string;
  /** A Buffer may be sent again; a stream only once (so a request with one is never retried). */
  body?: Buffer | Readable;
  /** True for idempotent requests, which are retried on 429, 5xx and connection errors. */
  retry: boolean;
  /** Follow 301/302/303/307/308 (blob reads answered with a presigned storage URL). */
  followRedirects?: boolean;
  signal?: AbortSignal;
}

/** The answer: its status, headers, unread body and the URL that finally answered. */
export interface TransportResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** The first value of a response header. */
export function header(headers: TransportResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * HTTP over an undici Agent (keep-alive pool per origin) with retries and redirects. It knows
 * nothing about registries or credentials beyond "this Authorization header belongs to this origin".
 */
export class Transport {
  private readonly agent: Agent;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  private readonly random: () => number;
  private readonly userAgent: string;

  constructor(options: TransportOptions = {}) {
    this.agent = new Agent({
      connections: options.connections ?? 16,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      headersTimeout: options.headersTimeoutMs ?? 60_000,
      bodyTimeout: options.bodyTimeoutMs ?? 60_000,
    });
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.userAgent = options.userAgent ?? 'berth-registry-client';
  }

  /** Sends, retrying and following redirects as the request allows; throws only RegistryClientError. */
  async send(req: TransportRequest): Promise<TransportResponse> {
    const repeatable = !(req.body instanceof Readable);
    let url = req.url;
    let authorization = req.authorization;
    let method = req.method;
    let body = req.body;
    for (let redirects = 0; ; redirects++) {
      const response = await this.withRetries({ ...req, method, url, authorization, body }, req.retry && repeatable);
      const location = header(response.headers, 'location');
      if (!req.followRedirects || !REDIRECTS.has(response.status) || location === undefined) return response;
      await response.body.dump();
      if (redirects === MAX_REDIRECTS) throw new RegistryClientError({ kind: 'protocol', method, url, reason: 'too many redirects' });
      const next = new URL(location, url);
      // The registry's credentials are for the registry: presigned storage URLs carry their own.
      if (next.origin !== req.url.origin) authorization = undefined;
      if (response.status === 303) {
        method = 'GET';
        body = undefined;
      }
      url = next;
    }
  }

  private async withRetries(req: TransportRequest, retry: boolean): Promise<TransportResponse> {
    for (let attempt = 0; ; attempt++) {
      const canRetry = retry && attempt < this.policy.retries;
      let response: TransportResponse;
      try {
        response = await this.once(req);
      } catch (error) {
        if (error instanceof RegistryClientError && error.kind === 'connection' && canRetry) {
          await this.pause(req, attempt, undefined);
          continue;
        }
        throw error;
      }
      if (!canRetry || !isRetryableStatus(response.status)) return response;
      const retryAfter = header(response.headers, 'retry-after');
      await response.body.dump();
      await this.pause(req, attempt, retryAfter);
    }
  }

  private async pause(req: TransportRequest, attempt: number, retryAfter: string | undefined): Promise<void> {
    const ms = retryDelay(this.policy, attempt, retryAfter, Date.now(), this.random);
    try {
      await this.sleep(ms, req.signal);
    } catch {
      throw abortError(req);
    }
  }

  private async once(req: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
    if (req.authorization !== undefined) headers.authorization = req.authorization;
    if (req.body === undefined && req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] ??= '0';
    if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
    try {
      const answer = await request(req.url, {
        dispatcher: this.agent,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: req.body ?? null,
        signal: req.signal,
      });
      return { status: answer.statusCode, headers: answer.headers, body: answer.body, url: req.url };
    } catch (error) {
      if (req.signal?.aborted) throw abortError(req);
      // The raw error is not attached: it is not ours to pass on, and undici's may echo the request.
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'network error';
      throw new RegistryClientError({ kind: 'connection', method: req.method, url: req.url, reason: code });
    }
  }

  /** Closes idle sockets and refuses new requests. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The error for a request its signal ended: a deadline ("timeout") or the caller ("aborted"). */
export function abortError(req: { method: string; url: URL; signal?: AbortSignal }): RegistryClientError {
  const reason: unknown = req.signal?.reason;
  const timeout = reason instanceof Error && reason.name === 'TimeoutError';
  return new RegistryClientError({ kind: timeout ? 'timeout' : 'aborted', method: req.method, url: req.url, reason: timeout ? 'deadline passed' : 'aborted by the caller' });
}
