import { RegistryError, errorBody, type ErrorBody } from '../errors/index.js';

/** What the registry API (/v2) answers for a failure. */
export interface V2ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
  /** Nothing the registry raised on purpose (a bug, a lost database): a 500 the server logs. */
  unexpected: boolean;
}

// Fastify refuses these itself, before any handler; they are the client's fault.
const FRAMEWORK_REFUSALS = new Set(['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'FST_ERR_CTP_EMPTY_TYPE']);

/**
 * The one translation of anything thrown into the /v2 answer (distribution-spec, "Error Codes"):
 * a RegistryError as the table and its condition say; a refusal of the HTTP layer as BAD_REQUEST
 * with that layer's 4xx status; anything else 500 UNKNOWN, its cause kept out of the body.
 */
export function toV2Response(error: unknown): V2ErrorResponse {
  if (error instanceof RegistryError) return { status: error.status, headers: error.headers, body: errorBody(error), unexpected: false };
  const { code, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; statusCode?: unknown };
  const status = typeof statusCode === 'number' ? statusCode : undefined;
  if ((typeof code === 'string' && FRAMEWORK_REFUSALS.has(code)) || (status !== undefined && status >= 400 && status < 500)) {
    const refusal = new RegistryError('BAD_REQUEST', { detail: { reason: (error as Error).message } });
    // The one status not from the table: the framework's own (415, 413 …) says more than 400.
    return { status: status ?? refusal.status, headers: refusal.headers, body: errorBody(refusal), unexpected: false };
  }
  const unknown = new RegistryError('UNKNOWN', { cause: error });
  return { status: unknown.status, headers: unknown.headers, body: errorBody(unknown), unexpected: true };
}
