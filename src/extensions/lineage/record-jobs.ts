/**
 * Keeping the lineage tables in step with the store, off the request path: each pushed manifest
 * is recorded by a job (`lineage.record`), each deleted manifest or repository forgotten
 * (`lineage.forget`). The jobs of one manifest run in event order (a job group), so a delete
 * that follows a push is never undone by the push's job. Rows a missed delete leaves behind (a
 * manifest collected by GC) are harmless: every answer checks the manifest is still stored.
 */
import type { EventRecord, EventSubscription, SubscribedJob } from '../../events/event.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import type { LineageStore } from './lineage-store.js';
import type { LineageRecorder } from './recorder.js';

export const RECORD_KIND = 'lineage.record';
export const FORGET_KIND = 'lineage.forget';

interface ManifestPayload {
  repository: string;
  /** Absent when forgetting a whole repository. */
  digest?: string;
}

export function recordSubscription(): EventSubscription {
  return {
    name: 'lineage',
    types: ['manifest.pushed', 'manifest.deleted', 'repository.deleted'],
    async jobsFor(event: EventRecord): Promise<SubscribedJob[]> {
      const { repository } = event;
      if (repository === undefined) return [];
      if (event.type === 'repository.deleted') return [{ key: '', kind: FORGET_KIND, payload: { repository } satisfies ManifestPayload, maxAttempts: 5, group: `lineage:${repository}` }];
      const digest = event.target?.digest;
      if (digest === undefined) return [];
      const kind = event.type === 'manifest.pushed' ? RECORD_KIND : FORGET_KIND;
      return [{ key: '', kind, payload: { repository, digest } satisfies ManifestPayload, maxAttempts: 5, group: `lineage:${repository}@${digest}` }];
    },
  };
}

export function recordHandlers(recorder: LineageRecorder, lineage: LineageStore): JobHandler[] {
  const record: JobHandler<ManifestPayload> = {
    kind: RECORD_KIND,
    concurrency: 2,
    timeoutMs: 30_000,
    async run({ repository, digest }) {
      if (digest !== undefined) await recorder.record(repository, digest);
    },
  };
  const forget: JobHandler<ManifestPayload> = {
    kind: FORGET_KIND,
    concurrency: 2,
    timeoutMs: 30_000,
    run: ({ repository, digest }) => lineage.forget(repository, digest),
  };
  return [record as JobHandler, forget as JobHandler];
}
