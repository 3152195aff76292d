/**
 * Base-image lineage as an extension: each pushed image's base (annotated, else inferred from
 * its layer chain) recorded by jobs off the push path, answered through `berth image
 * base|dependents` and the API (images stored before it was enabled are walked by a backfill
 * task), and moves of base tags turned into `base.moved` events — what
 * rebuild triggers (webhooks in a CI system's format) deliver to the dependents' pipelines.
 */
import { Exclusive } from '../../cluster/exclusive.js';
import type { ExtensionModule } from '../extension.js';
import { backfillTask } from './backfill.js';
import { baseMoveHandler, baseMoveSubscription } from './base-moves.js';
import { Lineage } from './lineage.js';
import { LineageStore, type LineageTables } from './lineage-store.js';
import { lineageMigrations } from './migrations.js';
import { recordHandlers, recordSubscription } from './record-jobs.js';
import { LineageRecorder } from './recorder.js';
import { LINEAGE_ROUTES } from './routes.js';
import { lineageSettings as settings } from './settings.js';

/** The lineage extension. */
export const lineageExtension = {
  name: 'lineage',
  config: settings,
  migrations: lineageMigrations,
  routes: LINEAGE_ROUTES,
  enabled: (slice) => slice.enabled,
  build(context, slice) {
    const { store, access, services } = context;
    const lineage = new LineageStore(store.extensionDatabase<LineageTables>());
    const recorder = new LineageRecorder({ store, blobs: services.blobs, lineage });
    const queries = new Lineage({ store, access, lineage, recorder });
    const debounceMs = slice.debounceSeconds * 1000;
    const backfill = backfillTask({ store, lineage, recorder }, new Exclusive(store.leases), slice.backfillIntervalSeconds * 1000, context.logger);
    return {
      services: queries,
      tasks: slice.backfillIntervalSeconds > 0 ? [backfill] : [],
      jobs: [...recordHandlers(recorder, lineage), baseMoveHandler({ store, events: store.events, lineage, queries, debounceMs }) as never],
      subscriptions: [recordSubscription(), baseMoveSubscription(debounceMs)],
    };
  },
} satisfies ExtensionModule<typeof settings, Lineage>;
