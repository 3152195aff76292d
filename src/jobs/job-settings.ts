/** The job runner's settings from the configuration (`jobs.*`). */
import type { Config } from '../config/index.js';
import type { JobRunnerSettings } from './job-runner.js';

/** How long stop() lets running jobs finish: a deploy waits this long at most. */
const STOP_GRACE_MS = 10_000;

export function jobRunnerSettings(config: Config, node: string): JobRunnerSettings {
  return {
    node,
    leaseMs: config.jobs.leaseSeconds * 1000,
    pollMs: config.jobs.pollIntervalMs,
    backoff: { baseMs: config.jobs.retryBaseSeconds * 1000, maxMs: config.jobs.retryMaxSeconds * 1000 },
    stopGraceMs: STOP_GRACE_MS,
  };
}
