import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/**
 * Every Berth setting, with its default and description (docs/configuration.md is generated from
 * this). Precedence: defaults ← YAML file ← BERTH_* environment ← command-line flags.
 */
export const configSchema = z
  .object({
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, 'must be HOST:PORT, e.g. 0.0.0.0:5000 or [::1]:5000')
      .default('0.0.0.0:5000')
      .describe('Address and port the registry listens on (HOST:PORT).'),
    data: z.string().min(1).default('./data').describe('Folder for everything the embedded defaults keep: the SQLite database and blob files.'),
    storage: z
      .object({
        driver: z.enum(['filesystem']).default('filesystem').describe('Where blob bytes live.'),
        filesystem: z
          .object({
            root: z.string().min(1).optional().describe('Root folder of the filesystem driver (default: <data>/storage).'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    metadata: z
      .object({
        url: z
          .string()
          .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite:, postgres:// or postgresql://')
          .optional()
          .describe('Metadata database: sqlite:<file> (default: sqlite:<data>/berth.db) or postgres://user@host:port/db (?schema=name selects a schema).'),
      })
      .strict()
      .prefault({}),
    uploads: z
      .object({
        chunkMinLength: positiveInt
          .default(1024 * 1024)
          .describe('OCI-Chunk-Min-Length advertised to clients for chunked uploads (a hint; smaller chunks are still accepted).'),
      })
      .strict()
      .prefault({}),
    manifests: z
      .object({
        maxBytes: positiveInt.default(4 * 1024 * 1024).describe('Largest manifest accepted; larger pushes get 413.'),
        cacheEntries: z.coerce.number().int().min(0).default(10000).describe('Manifests kept in the in-memory cache (0 turns it off).'),
        tagListCacheRepositories: z.coerce
          .number()
          .int()
          .min(0)
          .default(1000)
          .describe('Repositories whose sorted tag list is kept in memory, checked against a version on every request (0 turns it off).'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level of the JSON logs.'),
      })
      .strict()
      .prefault({}),
    shutdown: z
      .object({
        graceSeconds: positiveInt.default(30).describe('On SIGTERM, how long running requests (uploads) may take to finish.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;
