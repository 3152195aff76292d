import { API_ERROR_CODES, type ApiErrorCode } from './error-table.js';
import type { ErrorEntry } from './registry-error.js';

/**
 * A refusal the admin API answers with, in the registry's envelope
 * (`{"errors":[{"code","message","detail"}]}`) so one client-side parser reads both APIs. The
 * message says what went wrong in words for a person; detail carries structured facts. The status
 * is always the code's: the admin API has no status overrides.
 */
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
  body(): { errors: ErrorEntry<ApiErrorCode>[] } {
    return { errors: [{ code: this.code, message: this.message, ...(this.detail === undefined ? {} : { detail: this.detail }) }] };
  }
}
