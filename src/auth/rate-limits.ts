/**
 * Rate limits (per principal and per client address) and the failed-login throttle, on
 * rate-limiter-flexible. With Redis (cluster/shared-redis.ts) the counters are shared by every
 * node; each Redis limiter has an in-memory twin as its insurance, so while Redis is down each
 * node counts on its own instead of refusing or letting everything through. A limit of 0 is off.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RedisLocks } from '../cluster/redis-lock.js';
import type { SharedRedis } from '../cluster/shared-redis.js';

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
  /** Password logins under unknown names per address (a flood of random names, each an argon2 check); absent: unlimited. */
  unknownUserLoginsPerIp?: WindowLimit;
}

/** What a check found: allowed, or refused with the seconds to wait. */
export type LimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: LimitResult = { allowed: true };
// Longest a login attempt (argon2 or an LDAP bind) may hold the cross-node lock.
const LOGIN_LOCK_MS = 10_000;

/** A limiter in Redis with a memory twin as insurance, or in memory alone. */
function makeLimiter(options: { points: number; duration: number; blockDuration?: number; keyPrefix: string }, redis?: SharedRedis): RateLimiterAbstract {
  const local = new RateLimiterMemory(options);
  if (!redis) return local;
  return new RateLimiterRedis({
    ...options,
    keyPrefix: `${redis.keyPrefix}limit:${options.keyPrefix}`,
    storeClient: redis.client,
    insuranceLimiter: local,
    // Straight to the insurance while disconnected, not after a timeout per request.
    rejectIfRedisNotReady: true,
  });
}

function limiter(limit: WindowLimit, keyPrefix: string, redis?: SharedRedis): RateLimiterAbstract | undefined {
  return limit.limit > 0 ? makeLimiter({ points: limit.limit, duration: limit.windowSeconds, keyPrefix }, redis) : undefined;
}

async function consume(limiter: RateLimiterAbstract | undefined, key: string): Promise<LimitResult> {
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
  private readonly unknownPerIp;
  private readonly blockSeconds: number;
  /** The last login attempt of each user and address still running (see oneAtATime). */
  private readonly attempts = new Map<string, Promise<void>>();
  private readonly locks: RedisLocks | undefined;

  /** `redis`: share the counters (and the login lock) with the other nodes. */
  constructor(settings: RateLimitSettings, redis?: SharedRedis) {
    this.pullsPerPrincipal = limiter(settings.manifestPullsPerPrincipal, 'pull-principal', redis);
    this.pullsPerIp = limiter(settings.manifestPullsPerIp, 'pull-ip', redis);
    this.tokensPerIp = limiter(settings.tokenRequestsPerIp, 'token-ip', redis);
    this.unknownPerIp = settings.unknownUserLoginsPerIp && limiter(settings.unknownUserLoginsPerIp, 'unknown-user-ip', redis);
    const failed = settings.failedLogins;
    this.blockSeconds = failed.blockSeconds;
    this.failures =
      failed.limit > 0
        ? makeLimiter({ points: failed.limit, duration: failed.windowSeconds, blockDuration: failed.blockSeconds, keyPrefix: 'login-failures' }, redis)
        : undefined;
    this.locks = redis && this.failures ? new RedisLocks(redis) : undefined;
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

  /** Counts a password login under a name no account has; refused once the address's allowance is spent. */
  async unknownUserLogin(ip: string): Promise<LimitResult> {
    return consume(this.unknownPerIp, ip);
  }

  /** Refused while the user has failed too often from this address (checked before verifying). */
  async loginBlocked(username: string, ip: string): Promise<LimitResult> {
    if (!this.failures) return ALLOWED;
    const state = await this.failures.get(failureKey(username, ip));
    if (state === null || state.remainingPoints > 0) return ALLOWED;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
  }

  /**
   * Counts a failed login. The failure that spends the last point starts the block: left alone,
   * the limiter would keep the spent key for the rest of the counting window rather than for
   * blockSeconds, since loginBlocked refuses before any further consume could block it.
   */
  async loginFailed(username: string, ip: string): Promise<void> {
    if (!this.failures) return;
    const key = failureKey(username, ip);
    let remaining = 0;
    try {
      remaining = (await this.failures.consume(key)).remainingPoints;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    }
    if (remaining === 0) await this.failures.block(key, this.blockSeconds);
  }

  /**
   * Runs `attempt` (check, verify, count) once every earlier attempt of the user from the address
   * has finished. Run side by side, twenty guesses would all pass loginBlocked before the first
   * failure was counted; one at a time, at most `failedLogins` of them are ever verified.
   */
  async oneAtATime<T>(username: string, ip: string, attempt: () => Promise<T>): Promise<T> {
    const key = failureKey(username, ip);
    // Across nodes too when Redis is there: each node's queue then takes the shared lock in turn.
    const locks = this.locks;
    const locked = locks ? () => locks.withLock(`login:${key}`, LOGIN_LOCK_MS, attempt) : attempt;
    const current = (this.attempts.get(key) ?? Promise.resolve()).then(locked);
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.attempts.set(key, settled);
    try {
      return await current;
    } finally {
      if (this.attempts.get(key) === settled) this.attempts.delete(key);
    }
  }

  /** A successful login clears the user's failures from that address. */
  async loginSucceeded(username: string, ip: string): Promise<void> {
    await this.failures?.delete(failureKey(username, ip));
  }
}

function failureKey(username: string, ip: string): string {
  return `${ip}\u0000${username}`;
}
