/**
 * One delivery attempt over HTTP: a POST through the guarded lookup (target-guard.ts), bounded in
 * time, that never follows a redirect (a 3xx is a failure, as Standard Webhooks says: a redirect
 * could lead past the address check) and keeps only the first 4 KiB of the answer — a receiver
 * that sends a gigabyte costs a delivery nothing more than that.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkTargetUrl, guardedLookup } from './target-guard.js';

/** What is kept of a receiver's answer. */
export const RESPONSE_KEPT_BYTES = 4096;

export interface PostResult {
  status: number;
  /** The first RESPONSE_KEPT_BYTES of the body, as text. */
  body: string;
  durationMs: number;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

/** POSTs `body` to `url`; rejects on a refused target, a network error or the timeout. */
export async function post(urlText: string, options: PostOptions): Promise<PostResult> {
  const url = checkTargetUrl(urlText, options.allowPrivate);
  const started = performance.now();
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
  return new Promise<PostResult>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'User-Agent': 'Berth-Webhooks/1', ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) },
        lookup: guardedLookup(options.allowPrivate),
        signal,
        // A fresh connection per delivery: a pooled socket would skip the lookup, and its check.
        agent: false,
      },
      (res) => {
        const kept: Buffer[] = [];
        let size = 0;
        const finish = (): void => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(kept).toString('utf8'), durationMs: Math.round(performance.now() - started) });
        };
        res.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_KEPT_BYTES) kept.push(chunk.subarray(0, RESPONSE_KEPT_BYTES - size));
          size += chunk.length;
          if (size >= RESPONSE_KEPT_BYTES) {
            // Enough: the rest is not read, and the connection goes.
            res.destroy();
            finish();
          }
        });
        res.on('end', finish);
        res.on('error', (error) => (size >= RESPONSE_KEPT_BYTES ? undefined : reject(error)));
      },
    );
    req.on('error', (error) => reject(signal.aborted && error.name === 'AbortError' ? new Error(`no answer within ${options.timeoutMs} ms`) : error));
    req.end(options.body);
  });
}
