import { CONDITIONS, ERROR_CODES, isCondition, type Condition, type ErrorCode } from './error-table.js';

/** Options of a {@link RegistryError}: detail is sent to the client, cause only logged. */
export interface RegistryErrorOptions {
  detail?: unknown;
  cause?: unknown;
  /** Extra response headers, e.g. Range on a 416 so the client can resume. */
  headers?: Record<string, string>;
  /**
   * Replaces the table's message when the condition has words of its own (read-only mode, an
   * immutable tag): docker and other clients print the message, never the detail.
   */
  message?: string;
}

/**
 * A failure the client is told about, in the spec's words. Raised with a plain code (its status
 * is the table's) or a named condition (code and status are the condition's, see CONDITIONS).
 */
export class RegistryError extends Error {
  readonly code: ErrorCode;
  /** The /v2 status: the condition's, else the code's. */
  readonly status: number;
  /** The named condition it was raised as, if any: the admin API answers some differently. */
  readonly condition: Condition | undefined;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(reason: ErrorCode | Condition, options: RegistryErrorOptions = {}) {
    const condition = isCondition(reason) ? reason : undefined;
    const answer = condition === undefined ? undefined : CONDITIONS[condition].v2;
    const code: ErrorCode = answer?.code ?? (reason as ErrorCode);
    super(options.message ?? ERROR_CODES[code].message, { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = answer?.status ?? ERROR_CODES[code].status;
    this.condition = condition;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

/** One entry of an error body. */
export interface ErrorEntry<C extends string> {
  code: C;
  message: string;
  detail?: unknown;
}

/** The body of an error response: distribution-spec, "Error Codes". */
export interface ErrorBody {
  errors: ErrorEntry<ErrorCode>[];
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
