/**
 * The admin API's one translation point: anything an API route threw becomes its answer here.
 * Codes, statuses and the kind → code mapping come from the error table (src/errors/).
 */
import { ManagementError } from '../../errors/management-error.js';
import { ApiError, CONDITIONS, MANAGEMENT_KIND_CODES, ON_ADMIN_API, RegistryError, type ApiErrorCode } from '../../errors/index.js';

// Re-exported for the routes that build ApiErrors; the class lives with the table in errors/.
export { ApiError } from '../../errors/index.js';

/** The challenge that tells clients (and browsers) to send Basic credentials. */
export const BASIC_CHALLENGE = 'Basic realm="berth", charset="UTF-8"';

/** The API error for anything an API route threw, or undefined for unexpected errors (a 500). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ManagementError) return new ApiError(MANAGEMENT_KIND_CODES[error.kind], error.message, error.detail);
  if (error instanceof RegistryError) return fromRegistryError(error);
  return undefined;
}

/** A registry refusal relayed by the admin API: the content services, login throttle, body reader. */
function fromRegistryError(error: RegistryError): ApiError | undefined {
  switch (error.condition) {
    case 'READ_ONLY':
      // The write gate (content/read-only-mode.ts): the registry's state, not the request, is
      // what stands in the way, so 409 — and no Allow header, which would describe /v2 methods.
      return new ApiError(CONDITIONS.READ_ONLY.api.code, error.message, { reason: error.message, readOnly: true });
    case 'BODY_TOO_LARGE': {
      // read-body.ts words its detail for manifests; say it for an API body.
      const limit = (error.detail as { limit?: unknown } | undefined)?.limit;
      return new ApiError(CONDITIONS.BODY_TOO_LARGE.api.code, typeof limit === 'number' ? `the request body is larger than ${limit} bytes` : undefined, typeof limit === 'number' ? { limit } : undefined);
    }
  }
  if (error.code === 'TOOMANYREQUESTS') return new ApiError('TOOMANYREQUESTS', undefined, error.detail, error.headers);
  if (error.code === 'UNAUTHORIZED') return new ApiError('UNAUTHORIZED', undefined, error.detail, { 'WWW-Authenticate': BASIC_CHALLENGE });
  const code: ApiErrorCode | undefined = error.condition === undefined ? undefined : (CONDITIONS[error.condition] as { api?: { code: ApiErrorCode } }).api?.code;
  const relayed = code ?? (ON_ADMIN_API as Partial<Record<string, ApiErrorCode>>)[error.code];
  if (relayed === undefined) return undefined;
  // The content services put the words for a person in detail.reason.
  const reason = (error.detail as { reason?: unknown } | undefined)?.reason;
  return new ApiError(relayed, typeof reason === 'string' ? reason : error.message, error.detail);
}
