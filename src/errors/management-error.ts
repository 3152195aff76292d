/**
 * The one failure type of the management operations. Its kind says what went wrong in words the
 * admin API (and the CLI) translate to their own codes; the message is written for a person.
 */

/** Why an operation was refused. */
export type ManagementErrorKind = 'invalid' | 'not_found' | 'conflict' | 'denied';

/** A refused management operation; nothing was changed. */
export class ManagementError extends Error {
  constructor(
    readonly kind: ManagementErrorKind,
    message: string,
    /** Structured facts for the client (the offending field, the refused lines, …). */
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}

/** Shorthand for an 'invalid' error naming the field. */
export function invalid(field: string, message: string): ManagementError {
  return new ManagementError('invalid', `${field}: ${message}`, { field });
}
