/**
 * Garbage collection behind the admin API: a run on demand (admins only; 409 CONFLICT while
 * another node holds the `gc` lease) and the run history. Runs and refusals are audited.
 */
import { LeaseBusyError } from '../cluster/exclusive.js';
import type { AuditLog } from '../auth/audit-log.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import { ManagementError } from '../errors/management-error.js';
import type { GcRunRecord, GcRunStore } from '../metadata/gc-run-store.js';
import { OrphanSweepRefusedError, type GarbageCollector, type GcReport } from '../gc/collector.js';

/** GC operations, each taking the acting principal. */
export class GcOperations {
  private readonly log: ManagementAudit;

  constructor(
    private readonly gc: GarbageCollector,
    private readonly runs: GcRunStore,
    audit: AuditLog,
  ) {
    this.log = new ManagementAudit(audit);
  }

  /** Collects now (or, dry, reports what would go), audited as gc.run. */
  async run(by: ActingPrincipal, options: { dryRun: boolean }): Promise<GcReport> {
    if (!isSystemAdmin(by.principal)) throw this.log.denied(by, 'gc.run', '*', 'only admins may run garbage collection');
    const report = await this.gc.run({ dryRun: options.dryRun }).catch((error: unknown) => {
      if (error instanceof LeaseBusyError) throw new ManagementError('conflict', error.message, { holder: error.holder });
      if (error instanceof OrphanSweepRefusedError) throw new ManagementError('conflict', error.message, { blobFiles: error.files });
      throw error;
    });
    this.log.success(by, 'gc.run', '*', { dryRun: report.dryRun, blobs: report.blobs.length, bytesReclaimed: report.bytesReclaimed });
    return report;
  }

  /** The latest runs of every node, newest first (admins only). */
  async history(by: ActingPrincipal, limit: number): Promise<GcRunRecord[]> {
    if (!isSystemAdmin(by.principal)) throw this.log.denied(by, 'gc.history', '*', 'only admins may read the garbage collection history');
    return this.runs.list(limit);
  }
}
