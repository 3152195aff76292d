import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** Options of a {@link RegistryError}: detail is sent to the client, cause only logged. */
export interface RegistryErrorOptions {
  detail?: unknown;
  cause?: unknown;
  /** Overrides the table's status where the spec names another for the same code (e.g. 413). */
  status?: number;
  /** Extra response headers, e.g. Range on a 416 so the client can resume. */
  headers?: Record<string, string>;
  /**
   * Replaces the table's message when the condition has words of its own (read-only mode, an
   * immutable tag): docker and other clients print the message, never the detail.
   */
  message?: string;
}

/** A failure the client is told about, in the spec's words. */
export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: RegistryErrorOptions = {}) {
    super(options.message ?? ERROR_CODES[code].message, { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

/** The body of an error response: distribution-spec, "Error Codes". */
export interface ErrorBody {
  errors: { code: ErrorCode; message: string; detail?: unknown }[];
}

/** Builds the `{"errors":[…]}` body for one or more errors. */
export function errorBody(...errors: RegistryError[]): ErrorBody {
  return {
    errors: errors.map((e) => ({
      code: e.code,
      message: e.message,
      ...(e.detail === undefined ? {} : { detail: e.detail }),
    })),
  };
}
