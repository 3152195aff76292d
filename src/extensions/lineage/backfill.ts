/**
 * Lineage for images stored before lineage was enabled (an upgrade from a version without it, or
 * a registry that ran with `lineage.enabled` off from the start): a scheduler task walks the repositories a page per run, under a lease so one node
 * does it, recording every image and platform that has no lineage row, and keeps its place in a
 * registry setting — a restart resumes where it stopped, and once the walk is through it costs
 * one read per run. Pushes made meanwhile are recorded by their own jobs. (Images pushed while
 * lineage was switched off after the walk finished are recorded only when someone asks about them.)
 */
import { Exclusive, LeaseBusyError } from '../../cluster/exclusive.js';
import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { isIndexMediaType } from '../../oci/index.js';
import type { LineageStore } from './lineage-store.js';
import type { LineageRecorder } from './recorder.js';
import { indexChildren } from './repository-images.js';

/** The setting holding the walk's place: `{ "after": "<last repository done>" }`, or `{ "done": true }`. */
export const BACKFILL_SETTING = 'lineage.backfill';
const REPOSITORIES_PER_RUN = 50;

export interface BackfillDeps {
  store: MetadataStore;
  lineage: LineageStore;
  recorder: LineageRecorder;
}

export interface BackfillReport {
  done: boolean;
  repositories: number;
  recorded: number;
}

type Place = { done: true } | { after?: string };

async function placeOf(store: MetadataStore): Promise<Place> {
  const setting = await store.settings.get(BACKFILL_SETTING);
  return setting ? (JSON.parse(setting.value) as Place) : {};
}

async function walkDone(store: MetadataStore): Promise<boolean> {
  return 'done' in (await placeOf(store));
}

/** One step of the walk: the next page of repositories. */
export async function backfillStep(deps: BackfillDeps, perRun = REPOSITORIES_PER_RUN): Promise<BackfillReport> {
  const place = await placeOf(deps.store);
  if ('done' in place) return { done: true, repositories: 0, recorded: 0 };
  const repositories = await deps.store.repositories.list({ limit: perRun, ...(place.after ? { after: place.after } : {}) });
  let recorded = 0;
  for (const repository of repositories) {
    for (const image of await deps.store.lifecycle.images(repository)) {
      const digests = [image.digest];
      if (isIndexMediaType(image.mediaType)) {
        const index = await deps.store.manifests.get(repository, image.digest);
        if (index) digests.push(...indexChildren(index.bytes).map((child) => child.digest));
      }
      for (const digest of digests) {
        if ((await deps.lineage.get(repository, digest)) !== undefined) continue;
        if (await deps.recorder.record(repository, digest)) recorded++;
      }
    }
  }
  const last = repositories.at(-1);
  const done = repositories.length < perRun;
  await deps.store.settings.set(BACKFILL_SETTING, JSON.stringify(done ? { done: true } : { after: last }), 'lineage');
  return { done, repositories: repositories.length, recorded };
}

interface TaskLogger {
  info(detail: Record<string, unknown>, message: string): void;
  error(detail: Record<string, unknown>, message: string): void;
}

export function backfillTask(deps: BackfillDeps, exclusive: Exclusive, intervalMs: number, logger: TaskLogger): PeriodicTask<BackfillReport> {
  return {
    name: 'lineage-backfill',
    intervalMs,
    // Once the walk is through, a run is this one read: no lease is taken.
    run: async () => ((await walkDone(deps.store)) ? { done: true, repositories: 0, recorded: 0 } : exclusive.run('lineage.backfill', () => backfillStep(deps))),
    done: (report) => {
      if (report.repositories > 0) logger.info({ lineageBackfill: report }, report.done ? 'lineage recorded for every stored image' : 'lineage recorded for stored images (continuing)');
    },
    failed: (error) => {
      if (!(error instanceof LeaseBusyError)) logger.error({ err: error }, 'lineage backfill failed; trying again at the next run');
    },
  };
}
