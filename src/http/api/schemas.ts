/**
 * The admin API's request and response shapes, as zod schemas: routes validate bodies and
 * queries with them and openapi.ts turns the same schemas into the OpenAPI document. Request
 * objects are strict (unknown fields are refused). Dates travel as ISO 8601 strings.
 */
import { z } from 'zod';
import { CREDENTIAL_ACTIONS, MAX_EXPIRY_DAYS, MAX_GRANTS } from '../../operations/credential-rules.js';
import { AUDIT_MAX_LIMIT } from '../../operations/audit-queries.js';
import { ACCOUNT_NAME_MAX, ACCOUNT_NAME_PATTERN } from '../../operations/names.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../operations/users.js';

const dateTime = z.iso.datetime({ offset: true });
const accountName = z.string().max(ACCOUNT_NAME_MAX).regex(ACCOUNT_NAME_PATTERN);
const password = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);
const visibility = z.enum(['private', 'public']);
const role = z.enum(['owner', 'maintainer', 'developer', 'reader']);
const cidrs = z.array(z.string().max(64)).max(100).describe('CIDRs such as 10.0.0.0/8; null: no restriction');
const expiry = {
  expiresAt: dateTime.optional().describe('When the credential stops working'),
  expiresInDays: z.int().min(1).max(MAX_EXPIRY_DAYS).optional().describe('Lifetime in days (instead of expiresAt)'),
};

/** A grant: actions on the repositories a pattern matches. */
export const grantSchema = z.strictObject({
  repository: z.string().min(1).max(300).describe('A repository name, "<prefix>/*" or "*"'),
  actions: z.array(z.enum(CREDENTIAL_ACTIONS)).min(1).max(CREDENTIAL_ACTIONS.length),
});

/** A user account (never its password hash). */
export const userSchema = z.object({
  name: z.string(),
  kind: z.enum(['local', 'ldap', 'oidc']),
  email: z.string().optional(),
  admin: z.boolean(),
  disabled: z.boolean(),
  groups: z.array(z.string()),
  externalId: z.string().optional(),
  passwordChangedAt: dateTime,
  createdAt: dateTime,
});

export const userListSchema = z.object({ users: z.array(userSchema) });

export const userCreateSchema = z.strictObject({
  name: accountName,
  password,
  email: z.string().max(254).optional(),
  admin: z.boolean().optional(),
});

export const userUpdateSchema = z.strictObject({
  email: z.string().max(254).nullable().optional().describe('null removes it'),
  admin: z.boolean().optional(),
  disabled: z.boolean().optional(),
  groups: z.array(z.string().max(256)).max(1000).optional(),
});

export const passwordChangeSchema = z.strictObject({
  password,
  currentPassword: z.string().max(PASSWORD_MAX).optional().describe('Required to change your own password'),
});

export const htpasswdBodySchema = z.string().describe('An htpasswd file (user:bcrypt-hash lines)');

export const htpasswdImportSchema = z.object({
  created: z.array(z.string()),
  skipped: z.array(z.object({ line: z.int(), name: z.string(), reason: z.string() })),
  refused: z.array(z.object({ line: z.int(), reason: z.string() })),
});

/** A robot or personal access token as used to authenticate the current request. */
const credentialRefSchema = z.object({
  id: z.string(),
  kind: z.enum(['robot', 'token']),
  name: z.string(),
  grants: z.array(grantSchema),
  expiresAt: dateTime.optional(),
});

export const meSchema = z.object({
  kind: z.enum(['user', 'robot']),
  name: z.string(),
  admin: z.boolean().describe('Acting as a system admin (never through a personal access token)'),
  groups: z.array(z.string()),
  user: userSchema.optional(),
  credential: credentialRefSchema.optional().describe('The robot secret or personal access token this request used'),
});

export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  grants: z.array(grantSchema),
  fullAccess: z.boolean().describe('A session token (berth login): all the owner\'s rights, administration included'),
  createdBy: z.string(),
  createdAt: dateTime,
  expiresAt: dateTime.optional(),
  revokedAt: dateTime.optional(),
  lastUsedAt: dateTime.optional(),
});

export const tokenListSchema = z.object({ tokens: z.array(tokenSchema) });

export const tokenCreatedSchema = tokenSchema.extend({
  login: z.string().describe('The username to send with the secret'),
  secret: z.string().describe('Shown only in this response'),
});

export const tokenCreateSchema = z.strictObject({
  name: z.string().min(1).max(64),
  grants: z.array(grantSchema).min(1).max(MAX_GRANTS).optional().describe('Default: pull, push and delete on "*" (as far as the user may)'),
  fullAccess: z
    .boolean()
    .optional()
    .describe('A session token with all the user\'s rights, administration included (what `berth login` stores). Only for oneself, only when logged in with the password; excludes grants.'),
  ...expiry,
});

export const robotSchema = z.object({
  id: z.string(),
  name: z.string(),
  namespace: z.string().optional().describe('The namespace it belongs to; absent for a system robot (an admin\'s, granted anywhere)'),
  login: z.string().describe('robot$<namespace>+<name> (a system robot: robot$<name>): the username to send with the secret'),
  description: z.string().optional(),
  grants: z.array(grantSchema),
  createdBy: z.string(),
  createdAt: dateTime,
  expiresAt: dateTime.optional(),
  revokedAt: dateTime.optional(),
  lastUsedAt: dateTime.optional(),
});

export const robotListSchema = z.object({ robots: z.array(robotSchema) });

export const robotCreatedSchema = robotSchema.extend({ secret: z.string().describe('Shown only in this response') });

export const robotCreateSchema = z.strictObject({
  name: accountName,
  namespace: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('The namespace it belongs to: every grant must lie inside it. Omitted: admins create a system robot, owners a robot of the one namespace the grants lie in.'),
  description: z.string().max(1024).optional(),
  grants: z.array(grantSchema).min(1).max(MAX_GRANTS),
  ...expiry,
});

export const namespaceSchema = z.object({
  name: z.string(),
  visibility,
  pullCidrs: z.array(z.string()).nullable(),
  pushCidrs: z.array(z.string()).nullable(),
  quotaBytes: z.int().nullable().describe('Storage quota in bytes of unique blobs; null: none'),
  createdAt: dateTime,
});

export const namespaceListSchema = z.object({ namespaces: z.array(namespaceSchema) });

export const namespaceCreateSchema = z.strictObject({ name: z.string().min(1).max(255), visibility: visibility.optional() });

export const namespaceUpdateSchema = z.strictObject({
  visibility: visibility.optional(),
  pullCidrs: cidrs.nullable().optional(),
  pushCidrs: cidrs.nullable().optional(),
  quotaBytes: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional().describe('Storage quota in bytes of unique blobs (admins only); null: none'),
});

export const namespaceDeleteQuerySchema = z.strictObject({
  deleteRepositories: z.enum(['true', 'false']).optional().describe('true: delete its repositories too (default false: refuse while it holds any)'),
});

export const namespaceUsageSchema = z.object({
  namespace: z.string(),
  usedBytes: z.int().describe('Bytes of the distinct blobs its repositories link (a shared layer counts once; manifests are not counted)'),
  quotaBytes: z.int().nullable(),
  repositories: z.array(z.object({ repository: z.string(), bytes: z.int().describe('Bytes of the blobs this repository links') })),
});

export const memberSchema = z.object({ kind: z.enum(['user', 'group']), name: z.string(), role });

export const memberListSchema = z.object({ members: z.array(memberSchema) });

export const memberPathSchema = z.strictObject({ name: z.string(), kind: z.enum(['user', 'group']), member: z.string() });

export const memberSetSchema = z.strictObject({ role });

export const repositoryVisibilitySchema = z.strictObject({
  repository: z.string().min(1).max(255),
  visibility: visibility.nullable().describe("null: inherit the namespace's"),
});

export const auditEventSchema = z.object({
  id: z.int(),
  at: dateTime,
  actor: z.string(),
  actorKind: z.string(),
  action: z.string(),
  target: z.string().optional(),
  outcome: z.enum(['success', 'failure', 'denied']),
  clientIp: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

export const auditPageSchema = z.object({
  events: z.array(auditEventSchema),
  next: z.int().nullable().describe('Pass as `before` for the next page; null on the last'),
});

export const auditQuerySchema = z.strictObject({
  actor: z.string().optional(),
  action: z.string().optional(),
  target: z.string().optional().describe('Events whose target starts with this'),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  since: dateTime.optional(),
  until: dateTime.optional(),
  before: z.coerce.number().int().positive().optional().describe('Events older than this id'),
  limit: z.coerce.number().int().min(1).max(AUDIT_MAX_LIMIT).optional(),
});

/** The error envelope every refusal uses. */
export const errorsSchema = z.object({
  errors: z.array(z.object({ code: z.string(), message: z.string(), detail: z.unknown().optional() })),
});
