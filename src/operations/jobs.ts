/**
 * The job queue behind the admin API: list and inspect jobs, retry a dead or cancelled one, cancel
 * a queued or running one (its runner sees the lease gone at its next renewal and aborts). Admins
 * only — a job's payload may name any namespace's repositories and receivers. Retries and
 * cancellations are audited.
 */
import type { AuditLog } from '../auth/audit-log.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import { ManagementError } from '../errors/management-error.js';
import type { JobQuery, JobRecord, JobStore } from '../metadata/job-store.js';

/** Job operations, each taking the acting principal. */
export class JobOperations {
  private readonly log: ManagementAudit;

  constructor(
    private readonly jobs: JobStore,
    audit: AuditLog,
  ) {
    this.log = new ManagementAudit(audit);
  }

  /** Jobs newest first, filtered by state and kind. */
  async list(by: ActingPrincipal, query: JobQuery): Promise<JobRecord[]> {
    this.mustBeAdmin(by, 'job.list', '*');
    return this.jobs.list(query);
  }

  async get(by: ActingPrincipal, id: number): Promise<JobRecord> {
    this.mustBeAdmin(by, 'job.show', String(id));
    return this.found(id, await this.jobs.get(id));
  }

  /** Queues a dead or cancelled job again, due now, with its attempts reset. */
  async retry(by: ActingPrincipal, id: number): Promise<JobRecord> {
    this.mustBeAdmin(by, 'job.retry', String(id));
    const outcome = await this.jobs.retry(id);
    if (outcome === 'unknown') throw notFound(id);
    const job = this.found(id, await this.jobs.get(id));
    if (outcome === 'not-failed') throw new ManagementError('conflict', `job ${id} is ${job.state}: only dead or cancelled jobs are retried`, { state: job.state });
    this.log.success(by, 'job.retry', String(id), { kind: job.kind });
    return job;
  }

  /** Cancels a queued or running job. */
  async cancel(by: ActingPrincipal, id: number): Promise<JobRecord> {
    this.mustBeAdmin(by, 'job.cancel', String(id));
    const outcome = await this.jobs.cancel(id);
    if (outcome === 'unknown') throw notFound(id);
    const job = this.found(id, await this.jobs.get(id));
    if (outcome === 'finished') throw new ManagementError('conflict', `job ${id} is ${job.state} already`, { state: job.state });
    this.log.success(by, 'job.cancel', String(id), { kind: job.kind });
    return job;
  }

  private mustBeAdmin(by: ActingPrincipal, action: string, target: string): void {
    if (!isSystemAdmin(by.principal)) throw this.log.denied(by, action, target, 'only admins may see and manage background jobs');
  }

  private found(id: number, job: JobRecord | undefined): JobRecord {
    if (!job) throw notFound(id);
    return job;
  }
}

function notFound(id: number): ManagementError {
  return new ManagementError('not_found', `there is no job ${id}`);
}
