/**
 * A small HTTP client for replaying the OCI distribution-spec conformance suite
 * (opencontainers/distribution-spec, conformance/) against Berth. It sends requests the way the
 * suite's Go client puts them on the wire — User-Agent, `Accept-Encoding: gzip`, bodies either
 * with a Content-Length or with `Transfer-Encoding: chunked` (what Go does for a body of unknown
 * length), `Content-Length: 0` on body-less POST/PUT/PATCH — and every failed expectation names
 * the suite spec, the request, what the suite expects and what Berth answered.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** How a request body goes on the wire. */
export type BodyMode = 'length' | 'chunked';

export interface SendOptions {
  /** Query parameters added to any the path already holds (Go: URL.Query().Add/Set). */
  query?: Record<string, string>;
  headers?: Record<string, string | string[]>;
  body?: Uint8Array;
  /** Overrides the client's default body mode for this request. */
  bodyMode?: BodyMode;
}

/** A response read whole. Header names are lower case. */
export interface Reply {
  method: string;
  /** Path and query as sent. */
  target: string;
  requestHeaders: Record<string, string | string[]>;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** First value of a header, '' when absent (Go: Header.Get). */
  header(name: string): string;
  /** All values of a header (Go: Header.Values). */
  headerValues(name: string): string[];
  /** Path and query of the Location header (reggie's GetRelativeLocation); '' when absent. */
  relativeLocation(): string;
  /** The Location header resolved against the request URL (Go: url.Parse(base).Parse(loc)). */
  resolvedLocation(): string;
  /** The spec's error envelope, or undefined when the body is not JSON of that shape. */
  errors(): { code: string; message?: string; detail?: unknown }[] | undefined;
  json<T>(): T;
}

/** A client bound to one registry, like the suite's reggie client or its api type. */
export class ConformanceClient {
  /** One kept-alive connection reused request after request, as Go's default transport does. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    readonly base: string,
    readonly bodyMode: BodyMode = 'length',
  ) {}

  /** Closes the kept-alive connection. */
  close(): void {
    this.agent.destroy();
  }

  /** Sends `method` to `target` (a path, optionally with a query, or an absolute URL). */
  async send(method: string, target: string, options: SendOptions = {}): Promise<Reply> {
    const url = new URL(target, this.base);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string | string[]> = { 'User-Agent': 'distribution-spec-conformance-tests', 'Accept-Encoding': 'gzip', ...options.headers };
    const mode = options.bodyMode ?? this.bodyMode;
    const body = options.body;
    if (body !== undefined && body.length > 0 && mode === 'chunked') {
      headers['Transfer-Encoding'] = 'chunked';
      delete headers['Content-Length'];
    } else if (body !== undefined || ['POST', 'PUT', 'PATCH'].includes(method)) {
      headers['Content-Length'] = String(body?.length ?? 0);
    }
    const path = url.pathname + url.search;
    return new Promise((done, fail) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          let data = Buffer.concat(chunks);
          if (res.headers['content-encoding'] === 'gzip' && data.length > 0) data = gunzipSync(data);
          done(makeReply(method, url, headers, res.statusCode ?? 0, res.headers, data));
        });
      });
      req.on('error', fail);
      if (body !== undefined && body.length > 0) {
        if (mode === 'chunked') {
          // Two writes, so the body really goes out as more than one chunk.
          const half = Math.floor(body.length / 2);
          if (half > 0) req.write(Buffer.from(body.subarray(0, half)));
          req.end(Buffer.from(body.subarray(half)));
        } else req.end(Buffer.from(body));
      } else req.end();
    });
  }
}

function makeReply(method: string, url: URL, requestHeaders: Record<string, string | string[]>, status: number, headers: Record<string, string | string[] | undefined>, body: Buffer): Reply {
  const values = (name: string): string[] => {
    const value = headers[name.toLowerCase()];
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  };
  return {
    method,
    target: url.pathname + url.search,
    requestHeaders,
    status,
    headers,
    body,
    header: (name) => values(name)[0] ?? '',
    headerValues: values,
    relativeLocation() {
      const location = values('location')[0];
      if (!location) return '';
      const parsed = new URL(location, 'http://relative.invalid');
      return parsed.pathname + parsed.search;
    },
    resolvedLocation() {
      const location = values('location')[0];
      return location ? new URL(location, url).toString() : '';
    },
    errors() {
      try {
        const parsed = JSON.parse(body.toString()) as { errors?: unknown };
        return Array.isArray(parsed.errors) ? (parsed.errors as { code: string }[]) : undefined;
      } catch {
        return undefined;
      }
    },
    json<T>() {
      return JSON.parse(body.toString()) as T;
    },
  };
}

/** The error codes the suite accepts (setup.go: errorCodes). */
export const SUITE_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'MANIFEST_UNVERIFIED',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'MANIFEST_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
];

/** A short account of a request and its answer, for failure messages. */
export function describeExchange(reply: Reply): string {
  const text = reply.body.length > 600 ? `${reply.body.subarray(0, 600).toString()}…` : reply.body.toString();
  const shown = ['location', 'range', 'docker-content-digest', 'content-type', 'content-length', 'oci-subject', 'oci-filters-applied', 'oci-chunk-min-length']
    .filter((name) => reply.headers[name] !== undefined)
    .map((name) => `${name}: ${String(reply.headers[name])}`)
    .join('; ');
  const sent = ['content-range', 'content-type', 'accept', 'range']
    .map((name) => [name, Object.entries(reply.requestHeaders).find(([key]) => key.toLowerCase() === name)?.[1]] as const)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('; ');
  return `request ${reply.method} ${reply.target}${sent ? ` [${sent}]` : ''}\n  → ${reply.status} [${shown}] ${text}`;
}

/** Fails with the spec's expectation and the exchange unless `ok`. */
export function expectThat(ok: boolean, reply: Reply, expected: string): void {
  assert.ok(ok, `expected ${expected}\n  ${describeExchange(reply)}`);
}

/** The status is one of `statuses` (numbers, or '2xx'). */
export function expectStatus(reply: Reply, ...statuses: (number | '2xx')[]): void {
  const ok = statuses.some((s) => (s === '2xx' ? reply.status >= 200 && reply.status < 300 : reply.status === s));
  expectThat(ok, reply, `status ${statuses.join(' or ')}`);
}

/** A header is present (value '') or has exactly `value`. */
export function expectHeader(reply: Reply, name: string, value = ''): void {
  const values = reply.headerValues(name);
  if (value === '') expectThat(values.length > 0 && values[0] !== '', reply, `a non-empty ${name} header`);
  else expectThat(values.includes(value), reply, `${name}: ${value}`);
}

/** The body is exactly `bytes`. */
export function expectBody(reply: Reply, bytes: Uint8Array): void {
  expectThat(reply.body.equals(Buffer.from(bytes)), reply, `a body of ${bytes.length} bytes equal to what was pushed (got ${reply.body.length} bytes)`);
}

/** Docker-Content-Digest, when present, is `digest` (the suite only checks it when set). */
export function expectDigestHeaderIfSet(reply: Reply, digest: string): void {
  const value = reply.header('docker-content-digest');
  if (value !== '') expectThat(value === digest, reply, `Docker-Content-Digest ${digest} (when set)`);
}
