import { RegistryError } from '../errors/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { tryParseDigest } from '../oci/index.js';

/** Where a rollback points the tag: a digest, or where it pointed `steps` moves ago (default 1). */
export type RollbackTarget = { to: string; steps?: undefined } | { to?: undefined; steps?: number };

/** What a rollback did. `changed` is false when the tag pointed at `digest` already. */
export interface RolledBack {
  repository: string;
  tag: string;
  digest: string;
  changed: boolean;
}

/** The most moves a rollback looks back (the history page a `steps` read takes). */
export const MAX_ROLLBACK_STEPS = 1000;

/**
 * The digest a rollback targets. `steps` N reads the tag's last N moves: the digest it pointed at
 * before the Nth newest one (so `steps: 1` undoes the last move, and repeating it toggles back,
 * like `cd -`). `to` takes any digest; ManifestService.rollback then checks the repository still
 * holds that manifest — a digest the tag never pointed at is allowed, since tags older than the
 * history (or pushed by digest and never tagged) are worth rolling to as well.
 */
export async function rollbackTarget(store: MetadataStore, repository: string, tag: string, target: RollbackTarget): Promise<string> {
  if (target.to !== undefined) {
    const digest = tryParseDigest(target.to);
    if (!digest) throw new RegistryError('DIGEST_INVALID', { detail: { digest: target.to, reason: 'not a valid sha256 or sha512 digest' } });
    return digest.toString();
  }
  const steps = target.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_ROLLBACK_STEPS) {
    throw new RegistryError('BAD_PARAMETER', { detail: { reason: `steps must be a whole number from 1 to ${MAX_ROLLBACK_STEPS}`, steps } });
  }
  const events = await store.tagHistory.events(repository, { tag, limit: steps });
  const event = events[steps - 1];
  if (!event) {
    const reason = `tag ${tag} of ${repository} has ${events.length === 0 ? 'no recorded moves' : `moved only ${events.length} time(s)`}; nothing to roll back ${steps} step(s) to`;
    throw new RegistryError('MANIFEST_UNKNOWN', { message: reason, detail: { repository, tag, reason } });
  }
  if (event.oldDigest === undefined) {
    const reason = `tag ${tag} of ${repository} did not exist ${steps} move(s) ago`;
    throw new RegistryError('MANIFEST_UNKNOWN', { message: reason, detail: { repository, tag, reason } });
  }
  return event.oldDigest;
}
