/** How the client retries: exponential backoff with full jitter, Retry-After honoured up to a cap. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 turns retries off). */
  retries: number;
  /** First backoff, doubled per retry. */
  baseDelayMs: number;
  /** Largest backoff, and largest Retry-After the client is willing to wait. */
  maxDelayMs: number;
}

/** Defaults: 4 retries, 200 ms doubling to at most 10 s. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 200, maxDelayMs: 10_000 };

/** Statuses worth another try: rate limiting and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * The wait before retry number `attempt` (0-based): Retry-After when the server sent one
 * (seconds or an HTTP date), else a random delay in [0, base·2^attempt] ("full jitter", so a
 * crowd of clients does not retry in step), both capped.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfter: string | undefined, now: number, random: () => number): number {
  const fromHeader = parseRetryAfter(retryAfter, now);
  if (fromHeader !== undefined) return Math.min(fromHeader, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Retry-After (RFC 9110 §10.2.3) in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Sleeps, waking early (with the signal's reason) when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
