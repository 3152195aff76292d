/**
 * The error table: every code Berth answers with on each of its two surfaces — the registry API
 * (/v2, whose codes the distribution-spec fixes) and the admin API (/api/v1, Berth's own) — with
 * its status and message; the named conditions that reuse a code with another status; and how
 * refusals raised in one vocabulary read on the admin API. docs/errors.md is generated from it.
 *
 * The spec says a JSON error's code MUST be one of its fourteen (spec.md, "Error Codes"), so
 * conditions it leaves to HTTP semantics reuse the nearest code with their own status (an
 * out-of-order chunk is BLOB_UPLOAD_INVALID with 416). Call sites name the condition; no call
 * site passes a status.
 */

/** Where an error is answered: the registry API (/v2) or the admin API (/api/v1). */
export type Surface = 'v2' | 'api';

/** One code of the table. */
export interface CodeEntry {
  /** The surfaces that answer with this code. */
  readonly surfaces: readonly Surface[];
  readonly status: number;
  readonly message: string;
}

/** Every code of either surface. A code both surfaces use has one status and message. */
export const ERROR_TABLE = {
  BLOB_UNKNOWN: { surfaces: ['v2'], status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { surfaces: ['v2'], status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { surfaces: ['v2'], status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { surfaces: ['v2'], status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { surfaces: ['v2'], status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { surfaces: ['v2'], status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { surfaces: ['v2'], status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { surfaces: ['v2'], status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { surfaces: ['v2'], status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { surfaces: ['v2'], status: 400, message: 'provided length did not match content length' },
  UNAUTHORIZED: { surfaces: ['v2', 'api'], status: 401, message: 'authentication required' },
  DENIED: { surfaces: ['v2', 'api'], status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { surfaces: ['v2'], status: 405, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { surfaces: ['v2', 'api'], status: 429, message: 'too many requests' },
  // 5xx bodies are free-form in the spec; Berth keeps the envelope with this code.
  UNKNOWN: { surfaces: ['v2'], status: 500, message: 'unknown error' },
  INVALID_REQUEST: { surfaces: ['api'], status: 400, message: 'the request is invalid' },
  NOT_FOUND: { surfaces: ['api'], status: 404, message: 'not found' },
  CONFLICT: { surfaces: ['api'], status: 409, message: 'the request conflicts with the current state' },
  PAYLOAD_TOO_LARGE: { surfaces: ['api'], status: 413, message: 'the request body is too large' },
} as const satisfies Record<string, CodeEntry>;

type Table = typeof ERROR_TABLE;

/** Every code of the table. */
export type AnyErrorCode = keyof Table;

/** The codes one surface answers with. */
export type CodeOf<S extends Surface> = { [C in AnyErrorCode]: S extends Table[C]['surfaces'][number] ? C : never }[AnyErrorCode];

/** A code of the registry API (/v2): the spec's fourteen and UNKNOWN. */
export type ErrorCode = CodeOf<'v2'>;

/** A code of the admin API (/api/v1). */
export type ApiErrorCode = CodeOf<'api'>;

/** A code's status and message, as one surface sees it. */
export interface CodeInfo {
  readonly status: number;
  readonly message: string;
}

function surfaceCodes<S extends Surface>(surface: S): Readonly<Record<CodeOf<S>, CodeInfo>> {
  const entries = Object.entries(ERROR_TABLE).filter(([, entry]) => (entry.surfaces as readonly Surface[]).includes(surface));
  return Object.freeze(Object.fromEntries(entries.map(([code, { status, message }]) => [code, { status, message }]))) as Record<CodeOf<S>, CodeInfo>;
}

/** The registry API's codes (the table seen from /v2). */
export const ERROR_CODES = surfaceCodes('v2');

/** The admin API's codes (the table seen from /api/v1). */
export const API_ERROR_CODES = surfaceCodes('api');

/** What a condition answers on one surface. */
export interface ConditionAnswer<S extends Surface> {
  readonly code: CodeOf<S>;
  readonly status: number;
}

/** A named condition: a code answered with a status of its own (or worth naming on its own). */
export interface ConditionEntry {
  readonly v2: ConditionAnswer<'v2'>;
  /** How the admin API answers it, when it can reach the admin API. */
  readonly api?: ConditionAnswer<'api'>;
  /** When it is raised, for docs/errors.md. */
  readonly when: string;
}

/**
 * The named conditions. Each is raised as a RegistryError naming the condition; its status on
 * each surface comes from here.
 */
export const CONDITIONS = {
  NO_SUCH_ROUTE: { v2: { code: 'UNSUPPORTED', status: 404 }, when: 'the path is no route of the registry' },
  METHOD_NOT_ALLOWED: { v2: { code: 'UNSUPPORTED', status: 405 }, when: 'the route does not take the method; `Allow` names those it takes' },
  BAD_URL: { v2: { code: 'UNSUPPORTED', status: 400 }, api: { code: 'INVALID_REQUEST', status: 400 }, when: 'the URL holds percent-encoding that does not decode to UTF-8 and names no name, reference or digest' },
  BAD_REQUEST: { v2: { code: 'UNSUPPORTED', status: 400 }, when: 'the HTTP layer refused the request before the registry saw it (it keeps that layer\'s 4xx status, 400 when it names none)' },
  BAD_PARAMETER: { v2: { code: 'UNSUPPORTED', status: 400 }, api: { code: 'INVALID_REQUEST', status: 400 }, when: 'a parameter is out of its range (`?n=` not a number, rollback `steps` past the limit)' },
  CHUNK_OUT_OF_ORDER: { v2: { code: 'BLOB_UPLOAD_INVALID', status: 416 }, when: 'a chunk does not start where the upload stands; `Range` says where to resume' },
  CONTENT_RANGE_INVALID: { v2: { code: 'BLOB_UPLOAD_INVALID', status: 416 }, when: 'a chunk\'s `Content-Range` is not `<start>-<end>` with start <= end' },
  RANGE_NOT_SATISFIABLE: { v2: { code: 'UNSUPPORTED', status: 416 }, when: 'a blob GET\'s `Range` lies past the blob; `Content-Range` gives its size' },
  BODY_TOO_LARGE: { v2: { code: 'SIZE_INVALID', status: 413 }, api: { code: 'PAYLOAD_TOO_LARGE', status: 413 }, when: 'a manifest or request body is larger than its limit' },
  QUOTA_EXCEEDED: { v2: { code: 'DENIED', status: 403 }, api: { code: 'DENIED', status: 403 }, when: 'the namespace has no room left under its storage quota' },
  READ_ONLY: { v2: { code: 'UNSUPPORTED', status: 405 }, api: { code: 'CONFLICT', status: 409 }, when: 'a write while the registry is in read-only mode; `Allow: GET, HEAD` on /v2' },
} as const satisfies Record<string, ConditionEntry>;

/** One of the named conditions in {@link CONDITIONS}. */
export type Condition = keyof typeof CONDITIONS;

/**
 * How a registry refusal raised by the content services reads when the admin API relays it (tag
 * history and rollback, repository deletion). Codes not listed are not translated.
 */
export const ON_ADMIN_API = {
  MANIFEST_UNKNOWN: 'NOT_FOUND',
  NAME_UNKNOWN: 'NOT_FOUND',
  DENIED: 'DENIED',
  DIGEST_INVALID: 'INVALID_REQUEST',
  MANIFEST_INVALID: 'INVALID_REQUEST',
  NAME_INVALID: 'INVALID_REQUEST',
  UNSUPPORTED: 'INVALID_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  TOOMANYREQUESTS: 'TOOMANYREQUESTS',
} as const satisfies Partial<Record<ErrorCode, ApiErrorCode>>;

/**
 * The admin API's code for each kind of refused management operation (ManagementError's kinds;
 * auth/management names them, this table maps them).
 */
export const MANAGEMENT_KIND_CODES = {
  invalid: 'INVALID_REQUEST',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  denied: 'DENIED',
} as const satisfies Record<string, ApiErrorCode>;

/** Whether a name is one of the named conditions (rather than a plain code). */
export function isCondition(name: string): name is Condition {
  return Object.hasOwn(CONDITIONS, name);
}
