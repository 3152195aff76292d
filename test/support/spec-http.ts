/**
 * Helpers for the HTTP spec suite (test/http/): assertions on the distribution-spec error
 * envelope, upload-session steps that follow Location headers exactly as given, and raw HTTP
 * for what fetch can't send (dot segments, bodies that end early).
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/index.js';

/** One entry of the spec's `{"errors":[…]}` body. */
export interface ErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

/**
 * Asserts a response is `status` with the spec's error envelope holding exactly one error of
 * `code` (distribution-spec, "Error Codes"), and returns that error for further checks.
 */
export async function assertError(response: Response, status: number, code: ErrorCode): Promise<ErrorEntry> {
  const text = await response.text();
  return checkError(response.status, response.headers.get('content-type'), text, status, code);
}

/** The same check on a raw response. */
export function assertRawError(response: RawResponse, status: number, code: ErrorCode): ErrorEntry {
  const type = response.headers['content-type'];
  return checkError(response.status, typeof type === 'string' ? type : null, response.body.toString(), status, code);
}

/**
 * As assertError, for a condition with words of its own: the message is `message` instead of the
 * table's (RegistryError's `message` option), and detail.reason says the same.
 */
export async function assertWordedError(response: Response, status: number, code: ErrorCode, message: string): Promise<ErrorEntry> {
  const text = await response.text();
  const error = checkError(response.status, response.headers.get('content-type'), text, status, code, message);
  assert.equal((error.detail as { reason?: unknown } | undefined)?.reason, message, text);
  return error;
}

function checkError(actualStatus: number, contentType: string | null, text: string, status: number, code: ErrorCode, message: string = ERROR_CODES[code].message): ErrorEntry {
  assert.equal(actualStatus, status, `expected ${status} ${code}, got ${actualStatus}: ${text}`);
  assert.match(contentType ?? '', /^application\/json\b/, `error Content-Type: ${contentType}`);
  const body = JSON.parse(text) as { errors?: ErrorEntry[] };
  assert.ok(Array.isArray(body.errors), `no errors array in ${text}`);
  assert.equal(body.errors.length, 1, text);
  const error = body.errors[0] as ErrorEntry;
  for (const key of Object.keys(error)) assert.ok(['code', 'message', 'detail'].includes(key), `unexpected key ${key} in ${text}`);
  assert.equal(error.code, code, text);
  assert.equal(error.message, message, text);
  return error;
}

/** `location` (absolute or relative, as the server gave it) resolved against the registry URL. */
export function resolveLocation(base: string, response: Response): URL {
  const location = response.headers.get('location');
  assert.ok(location, `no Location header on ${response.status}`);
  return new URL(location, base);
}

/** The URL with query parameters appended, keeping any the server put in it. */
export function withQuery(url: URL | string, params: Record<string, string | string[]>): URL {
  const result = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) result.searchParams.append(key, v);
  }
  return result;
}

/** POST /v2/<name>/blobs/uploads/ (with an optional query) and the session URL it answers. */
export async function openSession(base: string, name: string, query = ''): Promise<{ response: Response; location: URL }> {
  const response = await fetch(`${base}/v2/${name}/blobs/uploads/${query}`, { method: 'POST', headers: { 'Content-Length': '0' } });
  assert.equal(response.status, 202, await response.clone().text());
  return { response, location: resolveLocation(base, response) };
}

/** PATCH a chunk to a session URL, with Content-Range when `range` is given. */
export async function patchChunk(url: URL | string, bytes: Uint8Array, range?: string): Promise<Response> {
  return fetch(url, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/octet-stream', ...(range === undefined ? {} : { 'Content-Range': range }) },
    body: new Uint8Array(bytes),
  });
}

/** GET a session URL (upload status). */
export async function sessionStatus(url: URL | string): Promise<Response> {
  return fetch(url);
}

/** Asserts the upload status answers 204 with `Range: <range>`. */
export async function assertSessionRange(url: URL | string, range: string): Promise<void> {
  const response = await sessionStatus(url);
  assert.equal(response.status, 204, await response.text());
  assert.equal(response.headers.get('range'), range);
}

/** A body as a web stream of the given pieces, so fetch sends it chunked (no Content-Length). */
export function streamOf(...pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(new Uint8Array(piece));
      controller.close();
    },
  });
}

/** fetch options for a streamed body (Node's fetch needs duplex: 'half'). */
export function streamedInit(method: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): RequestInit {
  return { method, headers, body, duplex: 'half' } as RequestInit;
}

/** A response read whole by node:http. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends a request with the path exactly as written (fetch would resolve dot segments and
 * percent-encoded dots before sending).
 */
export async function rawRequest(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: { Connection: 'close', ...options.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(options.body === undefined ? undefined : Buffer.from(options.body));
  });
}

/**
 * Sends a request head announcing `Content-Length: announced`, then only `partial`, then closes
 * the connection: a client that died mid-body. Resolves once the socket is closed.
 */
export async function sendTruncated(base: string, method: string, path: string, headers: Record<string, string>, announced: number, partial: Uint8Array): Promise<void> {
  const { hostname, port } = new URL(base);
  const head = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, `Content-Length: ${announced}`];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  await new Promise<void>((done, fail) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head.join('\r\n') + '\r\n\r\n');
      socket.write(partial, () => setTimeout(() => socket.end(), 50));
    });
    socket.on('data', () => undefined);
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : fail(error)));
    socket.on('close', () => done());
  });
}

/** Waits a little, for the server to finish with a request whose client went away. */
export async function settle(ms = 100): Promise<void> {
  await new Promise((done) => setTimeout(done, ms));
}
