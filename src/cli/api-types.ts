/**
 * The shapes of the admin API's answers (/api/v1, JSON, camelCase, ISO dates), as far as the CLI
 * reads them. Fields the server may leave out are optional; anything else it sends is kept for --json.
 */

/** GET /api/v1/me */
export interface Me {
  name: string;
  kind: string;
  admin: boolean;
  groups?: string[];
  /** The token this request used, when it used one. */
  credential?: { id: string; kind: string; name: string };
}

/** An account, from /api/v1/users. */
export interface User {
  name: string;
  kind?: string;
  email?: string;
  admin?: boolean;
  disabled?: boolean;
  groups?: string[];
  createdAt?: string;
}

/** What a robot or personal access token may do: actions on repositories matching a pattern. */
export interface Grant {
  repository: string;
  actions: string[];
}

/** A personal access token or a robot, without its secret. */
export interface Credential {
  id: string;
  name: string;
  login?: string;
  description?: string;
  grants?: Grant[];
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  createdAt?: string;
  createdBy?: string;
}

/** The answer to creating a token or robot: the only time the secret is sent. */
export interface CreatedCredential extends Credential {
  secret: string;
}

/** A namespace, from /api/v1/namespaces. */
export interface Namespace {
  name: string;
  visibility: string;
  pullCidrs?: string[] | null;
  pushCidrs?: string[] | null;
  quotaBytes?: number | null;
  createdAt?: string;
}

/** A namespace's storage usage (GET /namespaces/{name}/usage). */
export interface NamespaceUsage {
  namespace: string;
  usedBytes: number;
  quotaBytes: number | null;
  repositories: { repository: string; bytes: number }[];
}

/** A namespace member: a user or a group with a role. */
export interface Member {
  kind: string;
  name: string;
  role: string;
}

/** POST /api/v1/users/import-htpasswd */
export interface HtpasswdImport {
  imported?: string[];
  /** The management layer's name for `imported`, read too until the route settles on one. */
  created?: string[];
  skipped?: { username?: string; name?: string; line?: number; reason: string }[];
  refused?: { line: number; reason: string }[];
}

/** One audit event. */
export interface AuditEvent {
  id: string | number;
  at: string;
  actor: string;
  actorKind: string;
  action: string;
  target?: string | null;
  outcome: string;
  clientIp?: string | null;
  detail?: unknown;
}

/** GET /api/v1/audit */
export interface AuditPage {
  events: AuditEvent[];
  /** The `before` of the next (older) page; absent on the last one. */
  next?: string | number | null;
}

/**
 * The items of a list answer: a bare array, or an object holding it under `key` (the contract does
 * not fix which, so both are read).
 */
export function itemsOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (typeof body === 'object' && body !== null) {
    const value = (body as Record<string, unknown>)[key];
    if (Array.isArray(value)) return value as T[];
    const arrays = Object.values(body).filter(Array.isArray);
    if (arrays.length === 1) return arrays[0] as T[];
  }
  return [];
}

/** An event, from /api/v1/events. */
export interface RegistryEvent {
  id: number;
  type: string;
  at: string;
  repository: string | null;
  target: { mediaType?: string; digest?: string; size?: number; tag?: string; tags?: string[]; oldDigest?: string } | null;
  data: Record<string, unknown> | null;
  actor: string;
  actorKind: string | null;
  address: string | null;
  node: string | null;
}

/** A page of /api/v1/events. */
export interface EventPage {
  events: RegistryEvent[];
  last: number;
  newest: number;
}

/** A background job, from /api/v1/jobs. */
export interface Job {
  id: number;
  kind: string;
  state: string;
  payload?: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lockedBy?: string | null;
  lockedUntil?: string | null;
  idempotencyKey?: string | null;
  lastError?: string | null;
  createdAt: string;
  finishedAt?: string | null;
}
