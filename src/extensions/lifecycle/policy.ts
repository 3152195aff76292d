/**
 * Lifecycle policies: Amazon ECR's lifecycle policy JSON, accepted as is, plus Berth's own
 * additions under a separate top-level key so an ECR document never changes meaning here.
 *
 * ```json
 * {
 *   "rules": [                                   ← ECR, unchanged
 *     { "rulePriority": 1, "description": "keep the last 3 prod- images",
 *       "selection": { "tagStatus": "tagged", "tagPrefixList": ["prod-"],
 *                      "countType": "imageCountMoreThan", "countNumber": 3 },
 *       "action": { "type": "expire" } },
 *     { "rulePriority": 2,
 *       "selection": { "tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30 },
 *       "action": { "type": "expire" } }
 *   ],
 *   "berth": {                                   ← Berth's additions
 *     "keep": [ { "tagPatternList": ["protected*"] }, { "semver": true }, { "pulledWithinDays": 7 } ]
 *   }
 * }
 * ```
 *
 * "Not pulled for N days" is ECR's own `sinceImagePulled` count type (ECR added it with its
 * archive storage class); `storageClass: "standard"` is accepted and means what it always means
 * here. Archiving (`sinceImageTransitioned`, the `transition` action) is refused: Berth has one
 * storage class. Keep rules protect an image from every rule; see evaluate.ts for the semantics.
 */
import { z } from 'zod';
import { ManagementError } from '../../errors/management-error.js';

/** The most rules (and keep rules) one policy holds. */
export const MAX_RULES = 100;
/** The most tags or patterns one list holds. */
export const MAX_TAG_LIST = 100;
/** ECR allows at most four wildcards in one tag pattern. */
export const MAX_WILDCARDS = 4;

// Tag characters (distribution-spec: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}); a prefix or pattern may
// start with any of them, a pattern adds `*`.
const tagPrefix = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a tag prefix is 1 to 128 tag characters (letters, digits, _ . -)');
const tagPattern = z
  .string()
  .regex(/^[A-Za-z0-9_.*-]{1,128}$/, 'a tag pattern is 1 to 128 tag characters (letters, digits, _ . -) and * wildcards')
  .refine((pattern) => pattern.split('*').length - 1 <= MAX_WILDCARDS, `a tag pattern holds at most ${MAX_WILDCARDS} * wildcards`);
const tagPrefixList = z.array(tagPrefix).min(1).max(MAX_TAG_LIST);
const tagPatternList = z.array(tagPattern).min(1).max(MAX_TAG_LIST);
const days = z.int().min(1).max(100_000);

/**
 * Words for a wrong or missing value: "required" when the field is missing, `message` when it has
 * the wrong type or value; other issues (unknown keys) keep zod's own words.
 */
function typeError(field: string, message: string): { error: (issue: { code?: string; input?: unknown }) => string | undefined } {
  return {
    error: (issue) => {
      if (issue.input === undefined) return `${field} is required`;
      return issue.code === 'invalid_type' || issue.code === 'invalid_value' ? message : undefined;
    },
  };
}

/** The count types Berth evaluates. */
export const COUNT_TYPES = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled'] as const;

const selectionSchema = z.strictObject({
  tagStatus: z.enum(['tagged', 'untagged', 'any'], typeError('tagStatus', 'tagStatus must be tagged, untagged or any')),
  tagPrefixList: tagPrefixList.optional(),
  tagPatternList: tagPatternList.optional(),
  storageClass: z.literal('standard', { error: 'storageClass: Berth keeps every image in one storage class, so only "standard" is accepted' }).optional(),
  countType: z.enum(
    COUNT_TYPES,
    typeError('countType', 'countType must be imageCountMoreThan, sinceImagePushed or sinceImagePulled (sinceImageTransitioned needs an archive storage class, which Berth has not)'),
  ),
  countUnit: z.literal('days', { error: 'countUnit must be "days"' }).optional(),
  countNumber: z.int(typeError('countNumber', 'countNumber must be a whole number')).min(1, 'countNumber must be at least 1').max(1_000_000),
}, typeError('selection', 'selection must be an object'));

const ruleSchema = z
  .strictObject({
    rulePriority: z.int(typeError('rulePriority', 'rulePriority must be a whole number')).min(1, 'rulePriority must be at least 1').max(1_000_000),
    description: z.string().max(1024).optional(),
    selection: selectionSchema,
    action: z.strictObject(
      { type: z.literal('expire', typeError('type', 'Berth supports only the "expire" action (it has no archive to transition to)')) },
      typeError('action', 'action must be an object: {"type": "expire"}'),
    ),
  })
  .superRefine((rule, ctx) => {
    const where = `rule with rulePriority ${rule.rulePriority}`;
    const s = rule.selection;
    const issue = (path: string[], message: string): void => ctx.addIssue({ code: 'custom', path: ['selection', ...path], message: `${where}: ${message}` });
    if (s.tagPrefixList !== undefined && s.tagPatternList !== undefined) issue(['tagPatternList'], 'tagPrefixList and tagPatternList are mutually exclusive');
    if (s.tagStatus === 'tagged' && s.tagPrefixList === undefined && s.tagPatternList === undefined) {
      issue(['tagStatus'], 'tagStatus tagged needs a tagPrefixList or a tagPatternList');
    }
    if (s.tagStatus !== 'tagged') {
      if (s.tagPrefixList !== undefined) issue(['tagPrefixList'], `tagPrefixList is only allowed with tagStatus tagged, not ${s.tagStatus}`);
      if (s.tagPatternList !== undefined) issue(['tagPatternList'], `tagPatternList is only allowed with tagStatus tagged, not ${s.tagStatus}`);
    }
    if (s.countType === 'imageCountMoreThan' && s.countUnit !== undefined) issue(['countUnit'], 'countUnit is only allowed with countType sinceImagePushed or sinceImagePulled');
    if (s.countType !== 'imageCountMoreThan' && s.countUnit === undefined) issue(['countUnit'], `countUnit ("days") is required with countType ${s.countType}`);
  });

const keepSchema = z
  .strictObject({
    description: z.string().max(1024).optional(),
    tagPrefixList: tagPrefixList.optional().describe('Keep images with a tag starting with any of these'),
    tagPatternList: tagPatternList.optional().describe('Keep images with a tag matching any of these (* wildcards)'),
    semver: z.literal(true).optional().describe('Keep images tagged with a semantic-version release: 1.2.3 or v1.2.3 (no pre-release)'),
    pulledWithinDays: days.optional().describe('Keep images pulled within this many days'),
  })
  .superRefine((keep, ctx) => {
    const given = (['tagPrefixList', 'tagPatternList', 'semver', 'pulledWithinDays'] as const).filter((key) => keep[key] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a keep rule has exactly one of tagPrefixList, tagPatternList, semver, pulledWithinDays (got ${given.length === 0 ? 'none' : given.join(', ')})` });
    }
  });

/** The lifecycle policy document: ECR's `rules`, and Berth's additions under `berth`. */
export const lifecyclePolicySchema = z
  .strictObject({
    rules: z.array(ruleSchema).min(1, 'a policy needs at least one rule').max(MAX_RULES),
    berth: z
      .strictObject({
        keep: z.array(keepSchema).max(MAX_RULES).optional().describe('Images a keep rule matches are never expired, whatever the rules say'),
      })
      .optional()
      .describe("Berth's additions to the ECR format"),
  })
  .superRefine((policy, ctx) => {
    const seen = new Map<number, number>();
    const highest = Math.max(...policy.rules.map((rule) => rule.rulePriority));
    let untagged: number | undefined;
    policy.rules.forEach((rule, index) => {
      const path = ['rules', index];
      const earlier = seen.get(rule.rulePriority);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'rulePriority'], message: `rulePriority ${rule.rulePriority} is also used by rules[${earlier}]; priorities must be unique` });
      else seen.set(rule.rulePriority, index);
      const status = rule.selection.tagStatus;
      // ECR: "a rule with a tagStatus value of any must have the highest value for rulePriority".
      if (status === 'any' && rule.rulePriority !== highest) {
        ctx.addIssue({ code: 'custom', path: [...path, 'selection', 'tagStatus'], message: `rule with rulePriority ${rule.rulePriority}: tagStatus any is only allowed on the rule with the highest rulePriority (${highest})` });
      }
      // ECR: "only one rule is allowed to select untagged images".
      if (status === 'untagged') {
        if (untagged !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'selection', 'tagStatus'], message: `rule with rulePriority ${rule.rulePriority}: only one rule may select untagged images (rulePriority ${untagged} does)` });
        else untagged = rule.rulePriority;
      }
    });
  });

/** A validated lifecycle policy. */
export type LifecyclePolicy = z.output<typeof lifecyclePolicySchema>;
/** One ECR rule of a policy. */
export type LifecycleRule = LifecyclePolicy['rules'][number];
/** One of Berth's keep rules. */
export type KeepRule = NonNullable<NonNullable<LifecyclePolicy['berth']>['keep']>[number];

/** `rules.1.selection` → `rules[1].selection` */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

/**
 * Validates a policy document (parsed JSON). Refusals are ManagementErrors ('invalid') whose
 * message names the field, e.g. `rules[1].selection.countUnit: rule with rulePriority 2: countUnit
 * ("days") is required with countType sinceImagePushed`; every issue is in detail.issues.
 */
export function parseLifecyclePolicy(input: unknown): LifecyclePolicy {
  const parsed = lifecyclePolicySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: pathText(issue.path), message: issue.message }));
  const message = issues.map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`)).join('; ');
  return fail(message, issues);
}

function fail(message: string, issues: { path: string; message: string }[]): never {
  throw new ManagementError('invalid', `invalid lifecycle policy: ${message}`, { field: issues[0]?.path ?? '', issues });
}

/** Parses a stored or uploaded policy text (JSON). */
export function parseLifecyclePolicyText(text: string): LifecyclePolicy {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`, [{ path: '', message: 'not valid JSON' }]);
  }
  return parseLifecyclePolicy(json);
}
