/**
 * Every CI job leaves a robot row behind; once expired it can do nothing, but it would fill
 * `berth robot list` and the credentials table for ever. This task removes the rows (and their
 * issue records) a day after they expired — kept that long so a fresh incident can still be
 * traced from the robot list, the audit log keeps the rest — and forgets exchanged identity
 * tokens once they expired (they can't be exchanged again). Every node may run it: each step is a
 * delete that is safe to repeat.
 */
import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { CredentialStore } from '../../metadata/access-store.js';
import type { CiTokenStore } from './rule-store.js';

/** How long an expired CI credential's row is kept. */
export const EXPIRED_KEPT_MS = 24 * 3600 * 1000;

/** What a purge removed. */
export interface PurgeReport {
  credentials: number;
}

/** Removes long-expired CI credentials and expired identity tokens' records. */
export async function purgeExpired(store: CiTokenStore, credentials: CredentialStore, clockToleranceSeconds: number, now: Date = new Date()): Promise<PurgeReport> {
  let removed = 0;
  for (const id of await store.purgeIssues(new Date(now.getTime() - EXPIRED_KEPT_MS))) if (await credentials.delete(id)) removed++;
  await store.purgeJtis(new Date(now.getTime() - clockToleranceSeconds * 1000));
  return { credentials: removed };
}

interface PurgeLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** The purge as a task of the node's scheduler. */
export function purgeTask(run: () => Promise<PurgeReport>, intervalMs: number, logger: PurgeLogger): PeriodicTask<PurgeReport> {
  return {
    name: 'ci-tokens.purge',
    intervalMs,
    run,
    done: (report) => {
      if (report.credentials > 0) logger.info({ ciTokens: report }, 'expired CI credentials removed');
    },
    failed: (error) => logger.error({ err: error }, 'expired CI credentials could not be removed'),
  };
}
