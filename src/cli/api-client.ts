/**
 * A small client for Berth's admin API (/api/v1): JSON in and out, Basic credentials, and the
 * registry's error envelope ({"errors":[{code, message, detail}]}) turned into a {@link CliError}.
 */
import { CliError } from './cli-error.js';

/** Basic credentials: a user's password, or a robot's or personal access token's secret. */
export interface ApiCredentials {
  username: string;
  secret: string;
}

/** One request: a JSON body, or an htpasswd file; query parameters left out when undefined. */
export interface ApiRequest {
  json?: unknown;
  text?: string;
  query?: Record<string, string | number | undefined>;
}

interface ErrorEntry {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
}

const TIMEOUT_MS = 30_000;

/** Percent-encodes one path segment: names are put in paths, never concatenated raw. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * What the detail of an error adds to its message: its `reason` when it has one. Other detail
 * (the field, validation issues) is for programs; the message already says it for a person.
 */
function describeDetail(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail || undefined;
  if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
    const reason = (detail as Record<string, unknown>).reason;
    if (typeof reason === 'string' && reason !== '') return reason;
  }
  return undefined;
}

/** A fetch-based client of one server's admin API. */
export class ApiClient {
  /** The server's origin, e.g. https://registry.example.com. */
  readonly baseUrl: string;

  /**
   * `unauthorized` replaces the server's message on a 401 — for a stored login, a 401 means the
   * token was revoked or expired, and the message says to log in again.
   */
  constructor(
    baseUrl: string,
    private readonly credentials?: ApiCredentials,
    private readonly unauthorized?: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  get<T>(path: string, request: ApiRequest = {}): Promise<T> {
    return this.request<T>('GET', path, request);
  }

  post<T>(path: string, request: ApiRequest = {}): Promise<T> {
    return this.request<T>('POST', path, request);
  }

  put<T>(path: string, request: ApiRequest = {}): Promise<T> {
    return this.request<T>('PUT', path, request);
  }

  patch<T>(path: string, request: ApiRequest = {}): Promise<T> {
    return this.request<T>('PATCH', path, request);
  }

  delete<T = undefined>(path: string, request: ApiRequest = {}): Promise<T> {
    return this.request<T>('DELETE', path, request);
  }

  /** Sends `method path` under /api/v1; resolves with the parsed JSON body (undefined when empty). */
  async request<T>(method: string, path: string, request: ApiRequest = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.credentials) {
      headers.Authorization = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.secret}`).toString('base64')}`;
    }
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.text !== undefined) {
      headers['Content-Type'] = 'application/x-htpasswd';
      body = request.text;
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (cause) {
      throw new CliError(`cannot reach ${this.baseUrl}: ${reasonOf(cause)}`, { cause });
    }
    const text = await response.text();
    if (!response.ok) throw this.failure(method, path, response, text);
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new CliError(`${method} ${url.pathname} on ${this.baseUrl} answered ${response.status} with a body that is not JSON`, { status: response.status, cause });
    }
  }

  /** The error for a non-2xx answer: the first entry of the registry's envelope when there is one. */
  private failure(method: string, path: string, response: Response, text: string): CliError {
    let entry: ErrorEntry | undefined;
    try {
      const parsed = JSON.parse(text) as { errors?: unknown };
      if (Array.isArray(parsed.errors) && typeof parsed.errors[0] === 'object' && parsed.errors[0] !== null) entry = parsed.errors[0] as ErrorEntry;
    } catch {
      // Not the registry's envelope (a proxy's HTML page, an empty body): described by status below.
    }
    const status = response.status;
    const code = typeof entry?.code === 'string' ? entry.code : undefined;
    if (status === 401 && this.unauthorized !== undefined) return new CliError(this.unauthorized, { status, ...(code ? { code } : {}) });
    if (entry && typeof entry.message === 'string') {
      const detail = describeDetail(entry.detail);
      return new CliError(detail && detail !== entry.message ? `${entry.message}: ${detail}` : entry.message, { status, ...(code ? { code } : {}) });
    }
    if (status === 404) {
      return new CliError(`${this.baseUrl} has no ${method} /api/v1${path} (HTTP 404): is it a Berth registry with the admin API?`, { status });
    }
    return new CliError(`${method} /api/v1${path} on ${this.baseUrl} failed: HTTP ${status} ${response.statusText}`.trimEnd(), { status });
  }
}

/** The useful part of a fetch failure ("fetch failed" hides it in `cause`). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}
