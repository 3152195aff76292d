/** Builds the lifecycle services from the configuration and starts their schedule (called by app.ts). */
import { Exclusive } from '../cluster/exclusive.js';
import type { AccessControl } from '../auth/access-control.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { Config } from '../config/index.js';
import type { ImmutableTagRules } from '../content/immutable-tag-rules.js';
import type { ManifestService } from '../content/manifests.js';
import type { PullRecorder } from '../content/pull-recorder.js';
import type { ReadOnlyMode } from '../content/read-only-mode.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { LifecycleAdmin } from './lifecycle-admin.js';
import { LifecyclePlanner } from './planner.js';
import { LifecycleRunner, scheduleLifecycle, type ScheduleLogger } from './runner.js';

/** What the lifecycle services use: the registry's own instances. */
export interface LifecycleParts {
  store: MetadataStore;
  access: AccessControl;
  audit: AuditLog;
  manifests: ManifestService;
  immutableTags?: ImmutableTagRules;
  readOnly?: ReadOnlyMode;
  /** Written to by manifest pulls; drained on stop. */
  pulls?: PullRecorder;
}

/** The lifecycle services of a running registry. */
export interface Lifecycle {
  planner: LifecyclePlanner;
  runner: LifecycleRunner;
  /** The operations behind the admin API and the CLI. */
  admin: LifecycleAdmin;
  /** Stops the schedule, waits for a running run and for pending pull-time writes. */
  stop(): Promise<void>;
}

/** Builds the services; runs the policies every lifecycle.intervalSeconds (0: only on demand). */
export function buildLifecycle(config: Config, parts: LifecycleParts, logger: ScheduleLogger): Lifecycle {
  const planner = new LifecyclePlanner({
    store: parts.store,
    namespaceOf: (repository) => parts.access.namespaceOf(repository),
    ...(parts.immutableTags ? { immutableRules: (repository: string) => parts.immutableTags?.forRepository(repository) ?? Promise.resolve([]) } : {}),
  });
  const runner = new LifecycleRunner({
    planner,
    manifests: parts.manifests,
    audit: parts.audit,
    exclusive: new Exclusive(parts.store.leases),
    ...(parts.readOnly ? { readOnly: parts.readOnly } : {}),
  });
  const admin = new LifecycleAdmin({ store: parts.store, access: parts.access, audit: parts.audit, planner, runner, ...(parts.readOnly ? { writes: parts.readOnly } : {}) });
  const seconds = config.lifecycle.intervalSeconds;
  const schedule = seconds > 0 ? scheduleLifecycle(runner, seconds * 1000, logger) : undefined;
  return {
    planner,
    runner,
    admin,
    stop: async () => {
      await (schedule ? schedule.stop() : runner.stop());
      await parts.pulls?.drain();
    },
  };
}
