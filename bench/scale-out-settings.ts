/**
 * Knobs of the scale-out group (BENCH_ONLY=scaleout), on top of the shared ones in settings.ts
 * (rounds, load seconds, warm-up, connections, log level, Distribution on or off).
 */
import { postgresServerUrl } from './postgres-schema.js';
import { redisUrl } from './redis-prefix.js';
import { s3Settings, type S3Settings } from './s3-bucket.js';

export interface ScaleOutSettings {
  /** Largest cluster measured: pull throughput is measured with 1 … maxNodes nodes. */
  maxNodes: number;
  /** Size of the blob pulled through the nodes and proxied vs redirected. */
  blobBytes: number;
  /** Concurrent connections of the blob-GET load spread over the nodes. */
  blobConnections: number;
  /** Blob GETs per configuration and round in the proxied-vs-redirected runs (sequential, then concurrent). */
  pulls: number;
  /** How many of those GETs are in flight at once in the concurrent run. */
  concurrency: number;
  s3: S3Settings;
  postgresUrl: string;
  redisUrl: string;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return value;
}

export function readScaleOutSettings(env: NodeJS.ProcessEnv, quick: boolean): ScaleOutSettings {
  return {
    maxNodes: positive(env, 'BENCH_SCALEOUT_NODES', 3),
    blobBytes: positive(env, 'BENCH_SCALEOUT_BLOB_MIB', 16) * 1024 * 1024,
    // 6 splits evenly over 1, 2 and 3 nodes.
    blobConnections: positive(env, 'BENCH_SCALEOUT_BLOB_CONNECTIONS', 6),
    pulls: positive(env, 'BENCH_SCALEOUT_PULLS', quick ? 8 : 24),
    concurrency: positive(env, 'BENCH_SCALEOUT_CONCURRENCY', 4),
    s3: s3Settings(env),
    postgresUrl: postgresServerUrl(env),
    redisUrl: redisUrl(env),
  };
}

export const SCALE_OUT_KNOBS = `scale-out (BENCH_ONLY=scaleout): BENCH_SCALEOUT_NODES (3), BENCH_SCALEOUT_BLOB_MIB (16), BENCH_SCALEOUT_BLOB_CONNECTIONS (6),
BENCH_SCALEOUT_PULLS (24, quick 8), BENCH_SCALEOUT_CONCURRENCY (4), BENCH_S3_ENDPOINT/_ACCESS_KEY/_SECRET_KEY (Ceph RGW on 127.0.0.1:7480),
BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_REDIS_URL (redis://127.0.0.1:6379)`;

/**
 * The scale-out results sit beside the main results file, named after it (latest.json →
 * latest-scale-out.json, quick.json → quick-scale-out.json), so BENCH_ONLY=scaleout never
 * replaces the single-node figures; BENCH_RESULTS= (empty) writes neither.
 */
export function scaleOutResultsFile(resultsFile: string): string {
  return resultsFile ? `${resultsFile.replace(/\.json$/, '')}-scale-out.json` : '';
}
