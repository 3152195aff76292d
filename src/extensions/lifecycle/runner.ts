/**
 * Runs the stored lifecycle policies: plans every governed repository (planner.ts) and expires
 * what the plans say, each expiry audited as `lifecycle.expire` by the system actor `berth`.
 *
 * An image goes through ManifestService.delete, like a DELETE from a client: its tags go with it,
 * the manifest cache forgets it, immutable-tag rules are enforced, and a manifest an index lists
 * is refused. Then its referrers (signatures, SBOMs, and their own referrers) go too. The image
 * goes first: when it can't be deleted, its signatures must not have been. An index takes
 * nothing else with it: its children become untagged manifests, garbage for GC.
 */
import { LeaseBusyError, type Exclusive } from '../../cluster/exclusive.js';
import type { AuditLog } from '../../auth/audit-log.js';
import type { ManifestService } from '../../content/manifests.js';
import type { NewEvent } from '../../events/event.js';
import type { ReadOnlyMode } from '../../content/read-only-mode.js';
import { RegistryError } from '../../errors/index.js';
import { parseReference } from '../../oci/index.js';
import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { LifecyclePlanner, PlannedExpiry, PolicyProblem, PolicySource } from './planner.js';

/** The actor every expiry is recorded under. */
export const LIFECYCLE_ACTOR = 'berth';

/** The most expiries a run report lists (the counts stay exact). */
export const REPORT_LIMIT = 1000;

/** What the runner uses. */
export interface RunnerDeps {
  planner: LifecyclePlanner;
  manifests: Pick<ManifestService, 'delete' | 'referrers'>;
  audit: AuditLog;
  /** When the registry is in read-only mode nothing is expired. */
  readOnly?: Pick<ReadOnlyMode, 'state'>;
  /** Runs hold the `lifecycle` lease, so one node of many applies the policies at a time. */
  exclusive?: Exclusive;
}

/** One expired image in a run report. */
export interface ExpiryRecord extends PolicySource {
  repository: string;
  digest: string;
  tags: string[];
  rulePriority: number;
  reason: string;
  /** Digests of the referrers deleted with it. */
  referrers: string[];
}

/** An image (or referrer) the run meant to expire but could not. */
export interface SkippedExpiry {
  repository: string;
  digest: string;
  reason: string;
}

/** What a run did. */
export interface LifecycleRunReport {
  startedAt: Date;
  durationMs: number;
  /** True when read-only mode was on and nothing was done. */
  readOnly: boolean;
  /** Repositories a policy governs (all were evaluated). */
  repositories: number;
  /** Images expired (referrers not counted). */
  expiredImages: number;
  referrersDeleted: number;
  /** The expired images' manifests and the blobs they listed: blobs shared with other images are counted, and GC frees the bytes. */
  bytes: number;
  /** The first REPORT_LIMIT expiries. */
  expired: ExpiryRecord[];
  skipped: SkippedExpiry[];
  /** Stored policies that could not be read, and repositories whose evaluation failed. */
  problems: (PolicyProblem | { repository: string; error: string })[];
}

/** Runs the lifecycle policies; one run at a time (a second caller shares the running one). */
export class LifecycleRunner {
  private running: Promise<LifecycleRunReport> | undefined;
  private stopping = false;

  constructor(private readonly deps: RunnerDeps) {}

  /** Plans and expires now; resolves with what was done. */
  run(now: Date = new Date()): Promise<LifecycleRunReport> {
    if (!this.running) {
      const exclusive = this.deps.exclusive;
      this.running = (exclusive ? exclusive.run('lifecycle', () => this.runOnce(now)) : this.runOnce(now)).finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** Stops between repositories and waits for a running run to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  private async runOnce(now: Date): Promise<LifecycleRunReport> {
    const report: LifecycleRunReport = { startedAt: now, durationMs: 0, readOnly: false, repositories: 0, expiredImages: 0, referrersDeleted: 0, bytes: 0, expired: [], skipped: [], problems: [] };
    const started = Date.now();
    if ((await this.deps.readOnly?.state())?.enabled) {
      report.readOnly = true;
      return report;
    }
    const governed = await this.deps.planner.governed((problem) => report.problems.push(problem));
    report.repositories = governed.length;
    for (const { repository, policy, scopeKind, scope } of governed) {
      if (this.stopping) break;
      try {
        const plan = await this.deps.planner.plan(repository, policy, { scopeKind, scope }, now);
        for (const image of plan.expired) await this.expire(repository, { scopeKind, scope }, image, report);
      } catch (error) {
        report.problems.push({ repository, error: (error as Error).message });
      }
    }
    report.durationMs = Date.now() - started;
    return report;
  }

  private async expire(repository: string, source: PolicySource, image: PlannedExpiry, report: LifecycleRunReport): Promise<void> {
    const expiry = { rulePriority: image.rulePriority, tags: image.tags, reason: image.reason, policy: `${source.scopeKind} ${source.scope}` };
    const refused = await this.delete(repository, image.digest, [{ type: 'lifecycle.expired', repository, target: { digest: image.digest }, data: expiry }]);
    if (refused === 'gone') return;
    if (refused !== undefined) {
      report.skipped.push({ repository, digest: image.digest, reason: refused });
      return;
    }
    const referrers = await this.deleteReferrers(repository, image.digest, report);
    report.expiredImages++;
    report.bytes += image.size;
    const record: ExpiryRecord = { ...source, repository, digest: image.digest, tags: image.tags, rulePriority: image.rulePriority, reason: image.reason, referrers };
    if (report.expired.length < REPORT_LIMIT) report.expired.push(record);
    this.deps.audit.record({
      actor: LIFECYCLE_ACTOR,
      actorKind: 'system',
      action: 'lifecycle.expire',
      target: `${repository}@${image.digest}`,
      outcome: 'success',
      detail: { ...expiry, referrers },
    });
  }

  /** Deletes the referrers of `subject`, their own referrers first found, recursively; returns those deleted. */
  private async deleteReferrers(repository: string, subject: string, report: LifecycleRunReport): Promise<string[]> {
    const deleted: string[] = [];
    const queue = [subject];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const referrer of await this.deps.manifests.referrers(repository, next)) {
        const refused = await this.delete(repository, referrer.digest);
        if (refused === undefined) {
          deleted.push(referrer.digest);
          report.referrersDeleted++;
          report.bytes += referrer.size;
          queue.push(referrer.digest);
        } else if (refused !== 'gone') {
          report.skipped.push({ repository, digest: referrer.digest, reason: `referrer of ${next}: ${refused}` });
        }
      }
    }
    return deleted;
  }

  /** Deletes one manifest (with `events` in its transaction): undefined when deleted, 'gone' when it already was, else why not. */
  private async delete(repository: string, digest: string, events: readonly NewEvent[] = []): Promise<string | undefined> {
    try {
      await this.deps.manifests.delete(repository, parseReference(digest), { actor: LIFECYCLE_ACTOR, actorKind: 'system', reason: 'lifecycle', events });
      return undefined;
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      if (error.code === 'MANIFEST_UNKNOWN') return 'gone';
      const reason = (error.detail as { reason?: unknown } | undefined)?.reason;
      return typeof reason === 'string' ? reason : error.message;
    }
  }
}

/** Where the periodic task writes its lines. */
export interface ScheduleLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** The policies applied every `intervalMs` on the node's scheduler; a failed run is logged and tried again next time. */
export function lifecycleTask(runner: LifecycleRunner, intervalMs: number, logger: ScheduleLogger): PeriodicTask<LifecycleRunReport> {
  return {
    name: 'lifecycle',
    intervalMs,
    run: () => runner.run(),
    done: (report) => {
      const { expired: _list, skipped, problems, ...counts } = report;
      logger.info({ lifecycle: { ...counts, skipped: skipped.length, problems: problems.length } }, 'lifecycle policies applied');
      if (problems.length > 0) logger.error({ problems }, 'lifecycle policies could not be applied everywhere');
    },
    failed: (error) =>
      error instanceof LeaseBusyError
        ? logger.info({ holder: error.holder }, 'lifecycle run skipped: another node is applying the policies')
        : logger.error({ err: error }, 'lifecycle run failed'),
  };
}
