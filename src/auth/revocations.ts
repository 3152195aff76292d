/**
 * Revocation that acts at once. Access tokens are verified once and remembered (token-issuer.ts),
 * so on every /v2 request the token's subject is checked against its revocation stamp: a user's
 * `tokensValidAfter` (moved by a password change, disable or enable; a deleted user has none), a
 * robot's or personal access token's revocation or expiry, and a token's owner. The stamps are
 * cached for at most a second per node; the node that revokes drops its cache at once and tells
 * the others over the invalidation bus (Redis), so they drop theirs as the message arrives.
 */
import { BoundedCache } from '../cluster/bounded-cache.js';
import type { CacheInvalidation } from '../cluster/cache-invalidation.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { TokenSubject } from './token-issuer.js';

// The longest a node trusts a stamp it read; the bound for revocation on other nodes
// when no message reaches them.
const STAMP_MS = 1000;
const STAMP_ENTRIES = 10_000;
// A stamp no token passes: the subject is gone, disabled or revoked.
const NEVER = Number.POSITIVE_INFINITY;

/** Per-subject revocation stamps, cached briefly. */
export class Revocations {
  private readonly stamps = new BoundedCache<{ validAfter: number }>({ max: STAMP_ENTRIES });

  constructor(
    private readonly store: MetadataStore,
    private readonly invalidation: CacheInvalidation,
  ) {
    invalidation.listenCredentials(() => this.stamps.clear());
  }

  /** True when a token of `subject` issued at `issuedAt` has not been revoked since. */
  async allows(subject: TokenSubject, issuedAt: Date): Promise<boolean> {
    if (subject.kind === 'anonymous') return true;
    const key = subject.credentialId !== undefined ? `credential:${subject.credentialId}` : `${subject.kind}:${subject.name}`;
    const now = Date.now();
    let cached = this.stamps.get(key, now);
    if (!cached) {
      cached = { validAfter: await this.read(subject) };
      // Trusted while no more than STAMP_MS old, the read's time included (hence the 1).
      this.stamps.set(key, cached, now + STAMP_MS + 1);
    }
    return issuedAt.getTime() >= cached.validAfter;
  }

  /** An account or credential was disabled, deleted, revoked or its password changed: forget every stamp here and on the other nodes. */
  changed(): void {
    this.stamps.clear();
    this.invalidation.credentialsChanged();
  }

  private async read(subject: TokenSubject): Promise<number> {
    if (subject.credentialId !== undefined) {
      const credential = await this.store.credentials.get(subject.credentialId);
      if (!credential || credential.revokedAt !== undefined) return NEVER;
      if (credential.expiresAt !== undefined && credential.expiresAt.getTime() <= Date.now()) return NEVER;
      if (credential.kind === 'robot') return 0;
      return this.accountStamp(credential.owner);
    }
    return subject.kind === 'user' ? this.accountStamp(subject.name) : NEVER;
  }

  private async accountStamp(name: string): Promise<number> {
    const account = await this.store.accounts.get(name);
    return !account || account.disabled ? NEVER : account.tokensValidAfter.getTime();
  }
}
