/**
 * The error table: every code Berth answers with, its usual HTTP status and message. The spec
 * says a JSON error's code MUST be one of its fourteen (spec.md, "Error Codes"), so conditions it
 * leaves to HTTP semantics reuse the nearest code with their own status: an out-of-order chunk is
 * BLOB_UPLOAD_INVALID with 416, an oversized manifest SIZE_INVALID with 413, an unknown route or
 * method UNSUPPORTED with 404 or 405.
 */
export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  // 5xx bodies are free-form in the spec; Berth keeps the envelope with this code.
  UNKNOWN: { status: 500, message: 'unknown error' },
} as const satisfies Record<string, { status: number; message: string }>;

/** One of the codes in {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;
