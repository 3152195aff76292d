/**
 * One password login (a user's password, or a robot's or personal access token's secret given
 * as the password) through the failed-login throttle, counted and audited. Every surface that
 * takes a username and password — /v2 Basic, the admin API's Basic, GET /token's Basic and POST
 * /token's OAuth2 password grant — logs in through here (authenticate.ts), so the throttle, the
 * lane for names no account has, and the audit of failures are the same everywhere.
 */
import { createHash } from 'node:crypto';
import type { AuditLog } from './audit-log.js';
import type { AuthenticatedPrincipal, Authenticator } from './authenticator.js';
import { looksLikeSecret } from './credentials.js';
import type { RateLimits } from './rate-limits.js';

/** What a login needs: the checker, the throttle's counters, the audit log, and a metrics hook. */
export interface LoginServices {
  authenticator: Authenticator;
  limits: RateLimits;
  audit: AuditLog;
  /** Told of each failed password login (/metrics counts them by reason). */
  loginFailed?: (reason: 'bad_credentials' | 'throttled') => void;
}

/** Why a login was not even tried: the user's failures from this address, or the address's logins under unknown names, are spent. */
export type ThrottleCause = 'failed-logins' | 'unknown-names';

/** The outcome of a login attempt. */
export type LoginOutcome =
  | { outcome: 'success'; principal: AuthenticatedPrincipal }
  | { outcome: 'failure' }
  | { outcome: 'throttled'; cause: ThrottleCause; retryAfterSeconds: number };

/** The short hash an unknown login name is audited under (8 hex digits of its SHA-256). */
export function unknownUserHash(username: string): string {
  return createHash('sha256').update(username).digest('hex').slice(0, 8);
}

/**
 * One login: refused (throttled) while the user's failures from this address are spent, or while
 * the address has spent its allowance of logins under names no account has — each costs an
 * argon2 check (the dummy one), and a flood of random names would otherwise never meet the
 * per-user throttle; secrets (berth_…) are looked up by hash, costing nothing, so they are not
 * counted there. Else verified, counted and audited. Attempts of one user from one address run
 * one at a time, so concurrent guesses can't slip past the count. `via` is what the audit log
 * records the login came through.
 */
export async function attemptLogin(services: LoginServices, username: string, password: string, ip: string, via: string): Promise<LoginOutcome> {
  return services.limits.oneAtATime(username, ip, async (): Promise<LoginOutcome> => {
    const blocked = await services.limits.loginBlocked(username, ip);
    if (!blocked.allowed) {
      services.loginFailed?.('throttled');
      return { outcome: 'throttled', cause: 'failed-logins', retryAfterSeconds: blocked.retryAfterSeconds };
    }
    if (!looksLikeSecret(password) && !(await services.authenticator.isKnownLogin(username))) {
      const counted = await services.limits.unknownUserLogin(ip);
      if (!counted.allowed) return { outcome: 'throttled', cause: 'unknown-names', retryAfterSeconds: counted.retryAfterSeconds };
    }
    const { principal, fresh } = await services.authenticator.verify(username, password);
    await recordLogin(services, username, ip, principal, via, fresh);
    return principal ? { outcome: 'success', principal } : { outcome: 'failure' };
  });
}

/**
 * Counts the outcome of a login and writes it to the audit log — a success only when the
 * credentials were verified afresh, not each time a client repeats them within the cache window.
 */
async function recordLogin(services: LoginServices, username: string, ip: string, principal: AuthenticatedPrincipal | undefined, via: string, fresh: boolean): Promise<void> {
  if (principal) await services.limits.loginSucceeded(username, ip);
  else {
    services.loginFailed?.('bad_credentials');
    await services.limits.loginFailed(username, ip);
  }
  if (principal && !fresh) return;
  // An unknown name is kept only as a short hash: repeated guesses stay linkable, but a password
  // typed into the user field never reaches the audit log.
  const known = principal !== undefined || (await services.authenticator.isKnownLogin(username));
  services.audit.record({
    actor: principal ? principal.name : known ? username : 'unknown',
    actorKind: principal ? principal.kind : 'unknown',
    action: 'login',
    outcome: principal ? 'success' : 'failure',
    clientIp: ip,
    detail: known ? { via } : { via, userHash: unknownUserHash(username) },
  });
}
