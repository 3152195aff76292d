/** The lineage extension's slice of the configuration (`lineage.*`): data only, so the CLI loads it cheaply. */
import { z } from 'zod';
import { flag, nonNegativeInt } from '../../config/index.js';

/** The lineage slice of the configuration (`lineage.*`). */
export const lineageSettings = z
  .object({
    enabled: flag
      .default(true)
      .describe('Record the base of each pushed image (`berth image base|dependents`) and turn moves of base tags into `base.moved` events, which rebuild triggers deliver. Off: neither; recorded lineage stays as it is.'),
    debounceSeconds: nonNegativeInt
      .default(60)
      .describe('How long a moved base tag must stay put before its dependents hear of it: moves of one tag within this window (a multi-platform push, a retag) make one `base.moved` per dependent repository, with the first old and the last new digest.'),
    backfillIntervalSeconds: nonNegativeInt
      .default(10)
      .describe('How often a node records lineage for a further page of the images stored before lineage was enabled, until every one is recorded (0: never; images are then recorded only when pushed or asked about).'),
  })
  .strict()
  .prefault({});

export type LineageSettings = z.output<typeof lineageSettings>;
