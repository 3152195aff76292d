/**
 * A fault-injecting HTTP proxy in front of a real S3 store, to prove that the S3 driver retries.
 * It forwards requests byte for byte — the Host header included, which SigV4 signs — and answers
 * the first attempt of every Nth SDK request itself with a 503 SlowDown (every third fault a 500
 * InternalError), as S3 does under load. It records every request's headers too.
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxyOptions {
  /** The store's endpoint, e.g. http://127.0.0.1:7480. */
  target: string;
  /** Fail the first attempt of every Nth eligible request; 0 injects nothing. */
  failEvery: number;
  /** Which requests are eligible for faults (default: all of them). */
  eligible?: (method: string, url: string) => boolean;
}

/** One request the proxy saw. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The SDK's attempt number (amz-sdk-request: attempt=N), when the request carries one. */
  attempt: number | undefined;
  /** The status the proxy answered with itself instead of forwarding. */
  injected?: 500 | 503;
}

export interface FaultProxy {
  endpoint: string;
  requests: ProxiedRequest[];
  /** How many answers were injected faults. */
  injected(): number;
  close(): Promise<void>;
}

const FAULTS = {
  503: { code: 'SlowDown', message: 'Please reduce your request rate.' },
  500: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
} as const;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const requests: ProxiedRequest[] = [];
  let eligibleSeen = 0;
  let injected = 0;
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const attempt = /attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1];
    const record: ProxiedRequest = { method, url, headers: req.headers, attempt: attempt === undefined ? undefined : Number(attempt) };
    requests.push(record);
    const isEligible = attempt === '1' && (options.eligible?.(method, url) ?? true);
    if (isEligible && options.failEvery > 0 && ++eligibleSeen % options.failEvery === 0) {
      injected++;
      const status = injected % 3 === 0 ? 500 : 503;
      record.injected = status;
      const { code, message } = FAULTS[status];
      // Read the body first: answering mid-upload would turn the fault into a connection reset.
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy-${injected}</RequestId></Error>`);
      });
      return;
    }
    // Expect: 100-continue was already answered by this server; it is not signed by SigV4.
    const headers = { ...req.headers };
    delete headers.expect;
    const upstream = request({ host: target.hostname, port: target.port, method, path: url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', (error) => res.destroy(error));
    // A client that goes away (an aborted read) takes the upstream request with it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    injected: () => injected,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
