/**
 * An expected failure of a `berth` command: main.ts prints `berth: <message>` (no stack trace)
 * and exits with `exitCode` — 1 for server and other errors, 2 for usage errors.
 */
export class CliError extends Error {
  /** The registry's error code (UNAUTHORIZED, DENIED …) when the server sent one. */
  readonly code: string | undefined;
  /** The HTTP status when the error came from a response. */
  readonly status: number | undefined;
  readonly exitCode: 1 | 2;

  constructor(message: string, options: { code?: string; status?: number; exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = options.code;
    this.status = options.status;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A usage error (exit code 2): bad or missing arguments, conflicting flags. */
export function usageError(message: string): CliError {
  return new CliError(message, { exitCode: 2 });
}
