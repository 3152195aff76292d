/** GC settings from the configuration, and the periodic collection inside `berth serve` (a task on jobs/scheduler.ts). */
import type { Logger } from 'pino';
import { LeaseBusyError } from '../cluster/exclusive.js';
import type { Config } from '../config/index.js';
import type { PeriodicTask } from '../jobs/scheduler.js';
import { countsOf, type GarbageCollector, type GcReport, type GcSettings } from './collector.js';

/** The collector's settings as the configuration gives them. */
export function gcSettings(config: Config): GcSettings {
  return {
    graceMs: config.gc.graceSeconds * 1000,
    tagHistoryMs: config.gc.tagHistoryHours * 3600 * 1000,
    uploadTtlMs: config.gc.uploadTtlSeconds * 1000,
    auditRetentionMs: config.audit.retentionDays * 24 * 3600 * 1000,
  };
}

/** One log line's worth of a report. */
export function gcSummary(report: GcReport): Record<string, number | boolean> {
  return { dryRun: report.dryRun, ...countsOf(report), incompleteWrites: report.incompleteWrites, durationMs: report.durationMs };
}

/** Collection every `intervalMs` on the node's scheduler; a failed run is logged and retried next time. */
export function gcTask(gc: GarbageCollector, intervalMs: number, logger: Logger): PeriodicTask<GcReport> {
  return {
    name: 'gc',
    intervalMs,
    run: () => gc.run(),
    done: (report) => logger.info({ gc: gcSummary(report) }, 'garbage collection finished'),
    failed: (error) =>
      error instanceof LeaseBusyError
        ? logger.info({ holder: error.holder }, 'garbage collection skipped: another node is collecting')
        : logger.error({ err: error }, 'garbage collection failed'),
  };
}
