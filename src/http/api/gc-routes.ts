/** Admin API routes for garbage collection: a run on demand and the run history. */
import { z } from 'zod';
import type { GcReport } from '../../gc/collector.js';
import type { GcRunRecord } from '../../operations/records.js';
import { defineRoute, type AnyApiRoute } from './api-route.js';

const dateTime = z.iso.datetime({ offset: true });

const gcReportSchema = z.object({
  dryRun: z.boolean(),
  manifests: z.array(z.object({ repository: z.string(), digest: z.string(), size: z.int() })),
  links: z.array(z.object({ repository: z.string(), digest: z.string() })),
  blobs: z.array(z.object({ digest: z.string(), size: z.int() })),
  uploads: z.array(z.object({ id: z.string(), repository: z.string() })),
  orphanFiles: z.array(z.string()).describe('Blob files without a row, older than the grace period'),
  auditEvents: z.int().describe('Audit events pruned past audit.retentionDays'),
  incompleteWrites: z.int(),
  bytesReclaimed: z.int(),
  durationMs: z.number(),
});

const gcRunSchema = z.object({
  id: z.int(),
  startedAt: dateTime,
  finishedAt: dateTime.nullable().describe('null while running, or when its node died'),
  node: z.string(),
  dryRun: z.boolean(),
  manifests: z.int(),
  links: z.int(),
  blobs: z.int(),
  uploads: z.int(),
  orphanFiles: z.int(),
  auditEvents: z.int(),
  bytesReclaimed: z.int(),
  error: z.string().nullable(),
});

function reportJson(report: GcReport): z.input<typeof gcReportSchema> {
  return report;
}

function runJson(run: GcRunRecord): z.input<typeof gcRunSchema> {
  return { ...run, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null, error: run.error ?? null };
}

/** The GC routes. */
export const GC_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/gc',
    id: 'runGc',
    tag: 'gc',
    summary: 'Collect garbage now (it also runs every gc.intervalSeconds), or with dryRun list what would go',
    description: '409 CONFLICT while another node holds the gc lease, or when the database knows no blobs but storage holds blob files.',
    access: 'admin',
    body: z.strictObject({ dryRun: z.boolean().default(false) }).describe('{"dryRun": true} deletes nothing'),
    status: 200,
    response: gcReportSchema,
    errors: [400, 403, 409],
    handle: async ({ ops, by, body }) => reportJson(await ops.gc.run(by, { dryRun: body.dryRun })),
  }),
  defineRoute({
    method: 'GET',
    path: '/gc/runs',
    id: 'listGcRuns',
    tag: 'gc',
    summary: 'The latest garbage collections of every node, newest first',
    access: 'admin',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(20) }),
    status: 200,
    response: z.object({ runs: z.array(gcRunSchema) }),
    errors: [400, 403],
    handle: async ({ ops, by, query }) => ({ runs: (await ops.gc.history(by, query.limit)).map(runJson) }),
  }),
];
