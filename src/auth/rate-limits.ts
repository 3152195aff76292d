/**
 * Rate limits (per principal and per client address) and the failed-login throttle, on
 * rate-limiter-flexible's in-memory limiters: each node counts on its own until a shared (Redis)
 * store is configured. A limit of 0 is off.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** A fixed window: at most `limit` events per `windowSeconds`. */
export interface WindowLimit {
  limit: number;
  windowSeconds: number;
}

/** The limits from the configuration. */
export interface RateLimitSettings {
  manifestPullsPerPrincipal: WindowLimit;
  manifestPullsPerIp: WindowLimit;
  tokenRequestsPerIp: WindowLimit;
  failedLogins: { limit: number; windowSeconds: number; blockSeconds: number };
}

/** What a check found: allowed, or refused with the seconds to wait. */
export type LimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: LimitResult = { allowed: true };

function limiter(limit: WindowLimit, keyPrefix: string): RateLimiterMemory | undefined {
  return limit.limit > 0 ? new RateLimiterMemory({ points: limit.limit, duration: limit.windowSeconds, keyPrefix }) : undefined;
}

async function consume(limiter: RateLimiterMemory | undefined, key: string): Promise<LimitResult> {
  if (!limiter) return ALLOWED;
  try {
    await limiter.consume(key);
    return ALLOWED;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    throw rejection;
  }
}

/** The registry's rate limits. */
export class RateLimits {
  private readonly pullsPerPrincipal;
  private readonly pullsPerIp;
  private readonly tokensPerIp;
  private readonly failures;

  constructor(settings: RateLimitSettings) {
    this.pullsPerPrincipal = limiter(settings.manifestPullsPerPrincipal, 'pull-principal');
    this.pullsPerIp = limiter(settings.manifestPullsPerIp, 'pull-ip');
    this.tokensPerIp = limiter(settings.tokenRequestsPerIp, 'token-ip');
    const failed = settings.failedLogins;
    this.failures =
      failed.limit > 0
        ? new RateLimiterMemory({ points: failed.limit, duration: failed.windowSeconds, blockDuration: failed.blockSeconds, keyPrefix: 'login-failures' })
        : undefined;
  }

  /** Counts a manifest pull; refused when either the principal's or the address's limit is spent. */
  async manifestPull(principal: string | undefined, ip: string): Promise<LimitResult> {
    const byIp = await consume(this.pullsPerIp, ip);
    if (!byIp.allowed || principal === undefined) return byIp;
    return consume(this.pullsPerPrincipal, principal);
  }

  /** Counts a login or token request from an address. */
  async tokenRequest(ip: string): Promise<LimitResult> {
    return consume(this.tokensPerIp, ip);
  }

  /** Refused while the user has failed too often from this address (checked before verifying). */
  async loginBlocked(username: string, ip: string): Promise<LimitResult> {
    if (!this.failures) return ALLOWED;
    const state = await this.failures.get(failureKey(username, ip));
    if (state === null || state.remainingPoints > 0) return ALLOWED;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
  }

  /** Counts a failed login. */
  async loginFailed(username: string, ip: string): Promise<void> {
    await consume(this.failures, failureKey(username, ip));
  }

  /** A successful login clears the user's failures from that address. */
  async loginSucceeded(username: string, ip: string): Promise<void> {
    await this.failures?.delete(failureKey(username, ip));
  }
}

function failureKey(username: string, ip: string): string {
  return `${ip}\u0000${username}`;
}
