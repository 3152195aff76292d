/** Admin API routes for the job queue: list, show, retry, cancel (admins only). */
import { z } from 'zod';
import { JOB_STATES, type JobRecord } from '../../operations/records.js';
import { defineRoute, type AnyApiRoute } from './api-route.js';

const dateTime = z.iso.datetime({ offset: true });

const jobSchema = z.object({
  id: z.int(),
  kind: z.string(),
  state: z.enum(JOB_STATES).describe('queued → running → done, or queued again after a failed attempt, dead after the last; cancelled'),
  payload: z.unknown().describe("The handler's input"),
  attempts: z.int().describe('Attempts so far (a lease that expired counts as one)'),
  maxAttempts: z.int(),
  runAt: dateTime.describe('When it is due (the next retry, for a failed one)'),
  lockedBy: z.string().nullable().describe('The node running it'),
  lockedUntil: dateTime.nullable().describe("Its node's lease"),
  idempotencyKey: z.string().nullable(),
  lastError: z.string().nullable().describe('Why the last attempt failed'),
  createdAt: dateTime,
  updatedAt: dateTime,
  finishedAt: dateTime.nullable(),
});

function jobJson(job: JobRecord): z.input<typeof jobSchema> {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    payload: job.payload,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    runAt: job.runAt.toISOString(),
    lockedBy: job.lockedBy ?? null,
    lockedUntil: job.lockedUntil?.toISOString() ?? null,
    idempotencyKey: job.idempotencyKey ?? null,
    lastError: job.lastError ?? null,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

/** A job id in the path: a positive integer. */
const jobPathSchema = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'a job id is a positive integer') });

/** Retry and cancel take `{}`: a JSON body, as every admin POST needs, keeps cross-site form posts out. */
const EMPTY_BODY = z.strictObject({}).describe('{}');

const jobId = (params: Record<string, string>): number => Number(params.id);

/** The job routes. */
export const JOB_ROUTES: readonly AnyApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/jobs',
    id: 'listJobs',
    tag: 'jobs',
    summary: 'Background jobs of every node, newest first; page with `before`',
    access: 'admin',
    query: z.strictObject({
      state: z.enum(JOB_STATES).optional(),
      kind: z.string().min(1).max(200).optional(),
      before: z.coerce.number().int().min(1).optional().describe('Only jobs with a smaller id (the last id of the previous page)'),
      limit: z.coerce.number().int().min(1).max(1000).default(50),
    }),
    status: 200,
    response: z.object({ jobs: z.array(jobSchema) }),
    errors: [400, 403],
    handle: async ({ ops, by, query }) => ({
      jobs: (
        await ops.jobs.list(by, {
          limit: query.limit,
          ...(query.state === undefined ? {} : { state: query.state }),
          ...(query.kind === undefined ? {} : { kind: query.kind }),
          ...(query.before === undefined ? {} : { before: query.before }),
        })
      ).map(jobJson),
    }),
  }),
  defineRoute({
    method: 'GET',
    path: '/jobs/{id}',
    id: 'getJob',
    tag: 'jobs',
    summary: 'One job, with its last error',
    access: 'admin',
    params: jobPathSchema,
    status: 200,
    response: jobSchema,
    errors: [400, 403, 404],
    handle: async ({ ops, by, params }) => jobJson(await ops.jobs.get(by, jobId(params))),
  }),
  defineRoute({
    method: 'POST',
    path: '/jobs/{id}/retry',
    id: 'retryJob',
    tag: 'jobs',
    summary: 'Queue a dead or cancelled job again, due now, with its attempts reset',
    description: '409 CONFLICT when the job is queued, running or done.',
    access: 'admin',
    params: jobPathSchema,
    status: 200,
    response: jobSchema,
    body: EMPTY_BODY,
    errors: [400, 403, 404, 409, 413],
    handle: async ({ ops, by, params }) => jobJson(await ops.jobs.retry(by, jobId(params))),
  }),
  defineRoute({
    method: 'POST',
    path: '/jobs/{id}/cancel',
    id: 'cancelJob',
    tag: 'jobs',
    summary: 'Cancel a queued or running job',
    description: 'A running attempt is aborted when its node next renews the lease (within a third of jobs.leaseSeconds). 409 CONFLICT when the job is done, dead or cancelled already.',
    access: 'admin',
    params: jobPathSchema,
    status: 200,
    response: jobSchema,
    body: EMPTY_BODY,
    errors: [400, 403, 404, 409, 413],
    handle: async ({ ops, by, params }) => jobJson(await ops.jobs.cancel(by, jobId(params))),
  }),
];
