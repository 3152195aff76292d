/** Why a registry call failed, as far as the client can tell. */
export type FailureKind = 'status' | 'connection' | 'timeout' | 'aborted' | 'digest' | 'protocol';

/** Options of a {@link RegistryClientError}. */
export interface RegistryClientErrorOptions {
  kind: FailureKind;
  method: string;
  url: string | URL;
  status?: number;
  codes?: string[];
  /** The registry's first error message, or what went wrong locally. */
  reason?: string;
}

/**
 * Every failure the client reports. It never carries request headers or the raw network error
 * (either could hold credentials), and its URL keeps only origin and path: presigned storage URLs
 * carry their signature in the query.
 */
export class RegistryClientError extends Error {
  readonly kind: FailureKind;
  readonly method: string;
  /** Origin and path of the request, query and userinfo stripped. */
  readonly url: string;
  /** The HTTP status, when the registry answered. */
  readonly status: number | undefined;
  /** The `code`s of the registry's `{"errors":[…]}` body (distribution-spec, "Error Codes"). */
  readonly codes: string[];

  constructor(options: RegistryClientErrorOptions) {
    const url = safeUrl(options.url);
    const what = options.status === undefined ? options.kind : `answered ${options.status}`;
    const codes = options.codes?.length ? ` [${options.codes.join(', ')}]` : '';
    super(`${options.method} ${url} ${what}${codes}${options.reason ? `: ${options.reason}` : ''}`);
    this.name = 'RegistryClientError';
    this.kind = options.kind;
    this.method = options.method;
    this.url = url;
    this.status = options.status;
    this.codes = options.codes ?? [];
  }
}

/** Origin and path only. */
export function safeUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** The codes and first message of a distribution-spec error body; empty when it is not one. */
export function parseErrorBody(text: string): { codes: string[]; message: string | undefined } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || !('errors' in parsed) || !Array.isArray(parsed.errors)) return { codes: [], message: undefined };
    const errors = parsed.errors as unknown[];
    const codes: string[] = [];
    let message: string | undefined;
    for (const entry of errors) {
      if (typeof entry !== 'object' || entry === null) continue;
      if ('code' in entry && typeof entry.code === 'string') codes.push(entry.code);
      if (message === undefined && 'message' in entry && typeof entry.message === 'string') message = entry.message;
    }
    return { codes, message };
  } catch {
    return { codes: [], message: undefined };
  }
}
