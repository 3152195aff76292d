/**
 * The admin API's error codes: its own small table, in the registry's envelope
 * (`{"errors":[{"code","message","detail"}]}`) so one client-side parser reads both APIs. The
 * message says what went wrong in words for a person; detail carries structured facts.
 */
import { ManagementError, type ManagementErrorKind } from '../../errors/management-error.js';
import { ReadOnlyError } from '../../content/read-only-mode.js';
import { RegistryError } from '../../errors/index.js';

/** Every code the admin API answers with, its HTTP status and default message. */
export const API_ERROR_CODES = {
  INVALID_REQUEST: { status: 400, message: 'the request is invalid' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  NOT_FOUND: { status: 404, message: 'not found' },
  CONFLICT: { status: 409, message: 'the request conflicts with the current state' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
} as const satisfies Record<string, { status: number; message: string }>;

/** One of the codes in {@link API_ERROR_CODES}. */
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** The challenge that tells clients (and browsers) to send Basic credentials. */
export const BASIC_CHALLENGE = 'Basic realm="berth", charset="UTF-8"';

/** A refusal the admin API answers with. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message?: string,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? API_ERROR_CODES[code].message);
    this.name = 'ApiError';
    this.status = API_ERROR_CODES[code].status;
  }

  /** The response body. */
  body(): { errors: { code: ApiErrorCode; message: string; detail?: unknown }[] } {
    return { errors: [{ code: this.code, message: this.message, ...(this.detail === undefined ? {} : { detail: this.detail }) }] };
  }
}

const BY_KIND: Record<ManagementErrorKind, ApiErrorCode> = {
  invalid: 'INVALID_REQUEST',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  denied: 'DENIED',
};

/** The API error for anything an API route threw, or undefined for unexpected errors (a 500). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ManagementError) return new ApiError(BY_KIND[error.kind], error.message, error.detail);
  // The write gate (content/read-only-mode.ts): the registry's state, not the request, is what
  // stands in the way, so 409 — and no Allow header, which would describe /v2 methods.
  if (error instanceof ReadOnlyError) return new ApiError('CONFLICT', error.message, { reason: error.message, readOnly: true });
  if (error instanceof RegistryError) {
    // Raised by the shared helpers the API uses: the login throttle and the bounded body reader.
    if (error.code === 'TOOMANYREQUESTS') return new ApiError('TOOMANYREQUESTS', undefined, error.detail, error.headers);
    if (error.code === 'SIZE_INVALID' && error.status === 413) {
      // read-body.ts words its detail for manifests; say it for an API body.
      const limit = (error.detail as { limit?: unknown } | undefined)?.limit;
      return new ApiError('PAYLOAD_TOO_LARGE', typeof limit === 'number' ? `the request body is larger than ${limit} bytes` : undefined, typeof limit === 'number' ? { limit } : undefined);
    }
    if (error.code === 'UNAUTHORIZED') return new ApiError('UNAUTHORIZED', undefined, error.detail, { 'WWW-Authenticate': BASIC_CHALLENGE });
  }
  return undefined;
}
