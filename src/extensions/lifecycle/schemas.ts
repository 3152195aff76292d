/**
 * The admin API's lifecycle shapes (zod; the OpenAPI document is generated from them) and the
 * conversion of lifecycle/ results to them: ISO dates, nothing the schemas don't name.
 */
import { z } from 'zod';
import type { LifecyclePolicyView } from './lifecycle-admin.js';
import type { LifecyclePreview, RepositoryPlan } from './planner.js';
import { lifecyclePolicySchema } from './policy.js';
import type { LifecycleRunReport } from './runner.js';

const dateTime = z.iso.datetime({ offset: true });
const scopeKind = z.enum(['namespace', 'repository']).describe('What the policy applies to: every repository of a namespace, or one repository');
const scope = z.string().min(1).max(255).describe('The namespace or repository name ("/" sent URL-encoded as %2F in paths)');

/** The path of one policy. */
export const policyPathSchema = z.strictObject({ kind: scopeKind, scope });

/** A policy document: Amazon ECR's lifecycle policy JSON as is, plus Berth's additions under `berth`. */
export const policyDocumentSchema = lifecyclePolicySchema;

export const policyViewSchema = z.object({
  scopeKind,
  scope: z.string(),
  policy: lifecyclePolicySchema,
  updatedBy: z.string(),
  updatedAt: dateTime,
});

export const policyListSchema = z.object({ policies: z.array(policyViewSchema) });

export const previewRequestSchema = z.strictObject({
  scopeKind,
  scope,
  policy: lifecyclePolicySchema,
});

const expiredSchema = z.object({
  digest: z.string(),
  tags: z.array(z.string()),
  rulePriority: z.int(),
  reason: z.string(),
});

const plannedSchema = expiredSchema.extend({
  pushedAt: dateTime,
  lastPulledAt: dateTime.optional().describe('Absent when no pull was recorded'),
  size: z.int().describe('The manifest and the blobs it lists, in bytes (shared blobs included: an estimate)'),
});

const protectedSchema = expiredSchema.extend({
  keptBecause: z.string(),
  keep: z.int().optional().describe('Index of the keep rule in berth.keep; absent for an immutable tag'),
});

const planSchema = z.object({
  repository: z.string(),
  scopeKind,
  scope: z.string().describe('The scope whose policy governs the repository'),
  images: z.int().describe('Images in the repository (index children and referrers follow their parent)'),
  expired: z.array(plannedSchema),
  protected: z.array(protectedSchema).describe('Images a rule would expire that a keep rule or an immutable tag protects'),
});

export const previewSchema = z.object({
  scopeKind,
  scope: z.string(),
  evaluatedAt: dateTime,
  repositories: z.array(planSchema),
  overridden: z.array(z.string()).describe("Repositories of the namespace whose own policy overrides the namespace's"),
});

export const runReportSchema = z.object({
  startedAt: dateTime,
  durationMs: z.number(),
  readOnly: z.boolean().describe('Read-only mode was on: nothing was expired'),
  repositories: z.int(),
  expiredImages: z.int(),
  referrersDeleted: z.int(),
  bytes: z.int().describe("Manifests and listed blobs of what expired; GC frees the bytes no other image uses"),
  expired: z.array(expiredSchema.extend({ repository: z.string(), scopeKind, scope: z.string(), referrers: z.array(z.string()) })).describe('The first 1000 expiries'),
  skipped: z.array(z.object({ repository: z.string(), digest: z.string(), reason: z.string() })),
  problems: z.array(z.object({ repository: z.string().optional(), scopeKind: scopeKind.optional(), scope: z.string().optional(), error: z.string() })),
});

type Json<T extends z.ZodType> = z.input<T>;

/** A stored policy as JSON. */
export function policyViewJson(view: LifecyclePolicyView): Json<typeof policyViewSchema> {
  return { scopeKind: view.scopeKind, scope: view.scope, policy: view.policy, updatedBy: view.updatedBy, updatedAt: view.updatedAt.toISOString() };
}

function planJson(plan: RepositoryPlan): Json<typeof planSchema> {
  return {
    repository: plan.repository,
    scopeKind: plan.scopeKind,
    scope: plan.scope,
    images: plan.images,
    expired: plan.expired.map((entry) => ({
      digest: entry.digest,
      tags: entry.tags,
      rulePriority: entry.rulePriority,
      reason: entry.reason,
      pushedAt: entry.pushedAt.toISOString(),
      lastPulledAt: entry.lastPulledAt?.toISOString(),
      size: entry.size,
    })),
    protected: plan.protected.map((entry) => ({ digest: entry.digest, tags: entry.tags, rulePriority: entry.rulePriority, reason: entry.reason, keptBecause: entry.keptBecause, keep: entry.keep })),
  };
}

/** A preview as JSON. */
export function previewJson(preview: LifecyclePreview): Json<typeof previewSchema> {
  return { scopeKind: preview.scopeKind, scope: preview.scope, evaluatedAt: preview.evaluatedAt.toISOString(), repositories: preview.repositories.map(planJson), overridden: preview.overridden };
}

/** A run report as JSON. */
export function runReportJson(report: LifecycleRunReport): Json<typeof runReportSchema> {
  return { ...report, startedAt: report.startedAt.toISOString() };
}
