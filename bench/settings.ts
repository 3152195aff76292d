/**
 * The benchmark's knobs, read from BENCH_* environment variables. BENCH_QUICK=1 shrinks every
 * workload so a developer can iterate in about a minute; any other knob overrides it.
 */
export interface BenchSettings {
  quick: boolean;
  /** Size of the pushed and pulled blob. */
  blobBytes: number;
  /** Chunk size of the chunked push. */
  chunkBytes: number;
  /** Measurement rounds; each alternates which server goes first. */
  rounds: number;
  /** Pushes and pulls per server and round; the median of all is reported. */
  repeats: number;
  /** Seconds of measured load per autocannon run (one a round). */
  loadSeconds: number;
  /** Seconds of unmeasured load before each autocannon run (JIT and caches warm up). */
  warmupSeconds: number;
  /** Concurrent connections of the load generator. */
  connections: number;
  /** Tags in the tags-list repository. */
  tags: number;
  /** Repositories pushed for the catalog. */
  repositories: number;
  /** Concurrent requests while populating tags and repositories. */
  populateConcurrency: number;
  /** Full catalog listings timed (sequentially) a round; the mean of all is reported. */
  catalogRuns: number;
  /**
   * `n` asked per catalog page; Link headers are followed when the registry paginates. The default
   * lists everything in one page; Distribution's catalog.maxentries (stock 1000, where a larger n
   * gets 400 PAGINATION_NUMBER_INVALID) is raised to match.
   */
  catalogPage: number;
  /** Log level of both servers ('error' keeps request logging out of the figures). */
  logLevel: 'error' | 'info';
  /** Whether to run Distribution at all (BENCH_DISTRIBUTION=0 skips it). */
  distribution: boolean;
  /** Path of Distribution's binary, when found. */
  distributionBinary: string | undefined;
  /** Extra Node flags for Berth, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
  berthNodeFlags: string[];
  /**
   * Berth's access control (BENCH_BERTH_AUTH): 'token', its default, has the client log in and
   * send Bearer tokens as docker does (Distribution runs without auth, as packaged); 'none' off.
   */
  berthAuth: 'token' | 'none';
  /** Where the JSON results go (empty: not written). */
  resultsFile: string;
  /** Groups to run (BENCH_ONLY=blobs,manifest,tags,catalog,scaleout); all when undefined. */
  only: string[] | undefined;
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}

const MiB = 1024 * 1024;

function berthAuth(text: string | undefined): 'token' | 'none' {
  if (text === undefined || text === '' || text === 'token') return 'token';
  if (text === 'none') return 'none';
  throw new Error(`BENCH_BERTH_AUTH must be token or none, got ${JSON.stringify(text)}`);
}

/**
 * Reads the knobs; `findBinary` locates docker-registry on PATH. Results go to
 * <resultsDir>/latest.json, or quick.json for a quick run, so a quick run never replaces the
 * full figures.
 */
export function readSettings(env: NodeJS.ProcessEnv, findBinary: (name: string) => string | undefined, resultsDir: string): BenchSettings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const logLevel = env.BENCH_LOG_LEVEL ?? 'error';
  if (logLevel !== 'error' && logLevel !== 'info') throw new Error('BENCH_LOG_LEVEL must be error or info');
  const distributionWanted = env.BENCH_DISTRIBUTION !== '0';
  return {
    quick,
    blobBytes: Math.round(number(env, 'BENCH_BLOB_MIB', quick ? 32 : 256) * MiB),
    chunkBytes: Math.round(number(env, 'BENCH_CHUNK_MIB', 8) * MiB),
    rounds: Math.round(number(env, 'BENCH_ROUNDS', quick ? 1 : 2)),
    repeats: Math.round(number(env, 'BENCH_REPEATS', 2)),
    loadSeconds: number(env, 'BENCH_SECONDS', quick ? 3 : 5),
    warmupSeconds: number(env, 'BENCH_WARMUP_SECONDS', quick ? 1 : 2),
    connections: Math.round(number(env, 'BENCH_CONNECTIONS', 64)),
    tags: Math.round(number(env, 'BENCH_TAGS', quick ? 200 : 1000)),
    repositories: Math.round(number(env, 'BENCH_REPOSITORIES', quick ? 300 : 2000)),
    populateConcurrency: Math.round(number(env, 'BENCH_POPULATE_CONCURRENCY', 16)),
    catalogRuns: Math.round(number(env, 'BENCH_CATALOG_RUNS', quick ? 5 : 10)),
    catalogPage: Math.round(number(env, 'BENCH_CATALOG_PAGE', 5000)),
    logLevel,
    distribution: distributionWanted,
    distributionBinary: distributionWanted ? findBinary('docker-registry') : undefined,
    berthNodeFlags: (env.BENCH_BERTH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    berthAuth: berthAuth(env.BENCH_BERTH_AUTH),
    resultsFile: env.BENCH_RESULTS ?? `${resultsDir}/${quick ? 'quick.json' : 'latest.json'}`,
    only: env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((g) => g.trim()) : undefined,
  };
}

/** The knobs, for `--help`-like output at the start of a run. */
export const KNOBS = `BENCH_QUICK=1 (32 MiB blob, 1 round of 3 s load, 200 tags, 300 repositories), BENCH_BLOB_MIB, BENCH_CHUNK_MIB, BENCH_ROUNDS, BENCH_REPEATS,
BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS, BENCH_TAGS, BENCH_REPOSITORIES, BENCH_POPULATE_CONCURRENCY,
BENCH_CATALOG_RUNS, BENCH_CATALOG_PAGE, BENCH_LOG_LEVEL=error|info, BENCH_DISTRIBUTION=0, BENCH_ONLY=blobs,manifest,tags,catalog,scaleout,
BENCH_BERTH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR", BENCH_BERTH_AUTH=token|none, BENCH_RESULTS=<file> (empty: don't write)`;
