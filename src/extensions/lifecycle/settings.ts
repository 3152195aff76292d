/** The lifecycle extension's slice of the configuration (`lifecycle.*`): data only, so the CLI loads it cheaply. */
import { z } from 'zod';
import { flag, nonNegativeInt } from '../../config/index.js';

/** The lifecycle slice of the configuration (`lifecycle.*`). */
export const lifecycleSettings = z
  .object({
    enabled: flag.default(true).describe('Serve lifecycle policies: their admin routes (`berth policy …`) and their runs. Off: neither, and stored policies stay as they are.'),
    intervalSeconds: nonNegativeInt
      .default(3600)
      .describe('How often `berth serve` applies the lifecycle policies, expiring images (0: never; `berth policy run` applies them by hand).'),
  })
  .strict()
  .prefault({});

