/**
 * Request and response shapes of the tag lifecycle routes (tag history, rollback, immutable-tag
 * rules, read-only mode), as zod schemas: the routes validate with them and openapi.ts documents
 * them. Request objects are strict; dates travel as ISO 8601 strings.
 */
import { z } from 'zod';
import { MAX_ROLLBACK_STEPS } from '../../content/tag-rollback.js';
import { TAG_PATTERN_MAX } from '../../operations/records.js';

const dateTime = z.iso.datetime({ offset: true });
const repository = z.string().min(1).max(255).describe('A repository name, e.g. team/app');
const tag = z.string().min(1).max(128);
const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'must be a digest such as sha256:<hex>').max(200);
const scopeKind = z.enum(['namespace', 'repository']);

/** The most events one history page holds. */
export const TAG_HISTORY_MAX_LIMIT = 1000;

/** One recorded tag move. */
export const tagEventSchema = z.object({
  id: z.int(),
  repository: z.string(),
  tag: z.string(),
  oldDigest: z.string().nullable().describe('null: the tag was created'),
  newDigest: z.string().nullable().describe('null: the tag was removed'),
  actor: z.string().describe('Who moved it'),
  at: dateTime,
});

export const tagHistorySchema = z.object({
  events: z.array(tagEventSchema).describe('Newest first'),
  next: z.int().nullable().describe('Pass as `before` for the next page; null on the last'),
});

export const tagHistoryQuerySchema = z.strictObject({
  repository,
  tag: tag.optional().describe("One tag's moves; all the repository's when absent"),
  limit: z.coerce.number().int().min(1).max(TAG_HISTORY_MAX_LIMIT).optional().describe('Default 50'),
  before: z.coerce.number().int().positive().optional().describe('Events older than this id'),
});

export const tagRollbackSchema = z
  .strictObject({
    repository,
    tag,
    to: digest.optional().describe('The digest to point the tag at'),
    steps: z.int().min(1).max(MAX_ROLLBACK_STEPS).optional().describe('Or: where the tag pointed this many moves ago (default 1)'),
  })
  .refine((body) => body.to === undefined || body.steps === undefined, { message: 'give to or steps, not both' });

export const tagRolledBackSchema = z.object({
  repository: z.string(),
  tag: z.string(),
  digest: z.string().describe('Where the tag points now'),
  changed: z.boolean().describe('false when it pointed there already'),
});

/** An immutable-tag rule as created. */
export const immutableRuleCreateSchema = z.strictObject({
  scopeKind,
  scope: z.string().min(1).max(255).describe('The namespace or repository name'),
  pattern: z
    .string()
    .min(1)
    .max(TAG_PATTERN_MAX)
    .regex(/^[A-Za-z0-9_.\-*?]+$/, "must be '*' or a tag glob such as v* or release-?")
    .describe("'*' (every tag) or a glob: '*' any run of characters, '?' one"),
});

export const immutableRuleSchema = z.object({
  scopeKind,
  scope: z.string(),
  pattern: z.string(),
  createdBy: z.string(),
  createdAt: dateTime,
});

export const immutableRuleListSchema = z.object({ rules: z.array(immutableRuleSchema) });

export const immutableRuleListQuerySchema = z.strictObject({
  namespace: z.string().max(255).optional().describe("Only this namespace's rules and its repositories'"),
  repository: z.string().max(255).optional().describe('Only the rules that protect this repository'),
});

/** DELETE takes the rule in the query: the three fields that identify it. */
export const immutableRuleKeySchema = immutableRuleCreateSchema;

export const readOnlySchema = z.object({
  enabled: z.boolean(),
  reason: z.string().describe('Shown to refused clients'),
  updatedBy: z.string().optional(),
  updatedAt: dateTime.optional(),
});

export const readOnlySetSchema = z.strictObject({
  enabled: z.boolean(),
  reason: z.string().max(500).optional().describe('Why (shown to clients whose writes are refused)'),
});
