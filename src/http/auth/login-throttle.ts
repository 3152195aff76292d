/** Failed-login throttling and login auditing, shared by /v2 Basic auth and the token endpoint. */
import { createHash } from 'node:crypto';
import type { AuthenticatedPrincipal } from '../../auth/authenticator.js';
import { looksLikeSecret } from '../../auth/credentials.js';
import { RegistryError } from '../../errors/index.js';
import type { AuthServices } from './auth-deps.js';

/** Throws 429 TOOMANYREQUESTS (with Retry-After) while the user's failures from this address are spent. */
export async function checkLoginAllowed(auth: AuthServices, username: string, ip: string): Promise<void> {
  const blocked = await auth.limits.loginBlocked(username, ip);
  if (!blocked.allowed) {
    auth.loginFailed?.('throttled');
    throw new RegistryError('TOOMANYREQUESTS', { detail: { reason: 'too many failed logins; try again later' }, headers: { 'Retry-After': String(blocked.retryAfterSeconds) } });
  }
}

/** The short hash an unknown login name is audited under (8 hex digits of its SHA-256). */
export function unknownUserHash(username: string): string {
  return createHash('sha256').update(username).digest('hex').slice(0, 8);
}

/**
 * Throws 429 once an address has spent its allowance of password logins under names no account
 * has: each costs an argon2 check (the dummy one), and a flood of random names would otherwise
 * never meet the per-user throttle. Secrets (berth_…) are looked up by hash, costing nothing.
 */
async function checkUnknownUserAllowed(auth: AuthServices, username: string, password: string, ip: string): Promise<void> {
  if (looksLikeSecret(password) || (await auth.authenticator.isKnownLogin(username))) return;
  const counted = await auth.limits.unknownUserLogin(ip);
  if (!counted.allowed) {
    throw new RegistryError('TOOMANYREQUESTS', { detail: { reason: 'too many logins under unknown user names; try again later' }, headers: { 'Retry-After': String(counted.retryAfterSeconds) } });
  }
}

/**
 * Counts the outcome of a login and writes it to the audit log — a success only when the
 * credentials were verified afresh, not each time a client repeats them within the cache window.
 */
export async function recordLogin(auth: AuthServices, username: string, ip: string, principal: AuthenticatedPrincipal | undefined, via: string, fresh = true): Promise<void> {
  if (principal) await auth.limits.loginSucceeded(username, ip);
  else {
    auth.loginFailed?.('bad_credentials');
    await auth.limits.loginFailed(username, ip);
  }
  if (principal && !fresh) return;
  // An unknown name is kept only as a short hash: repeated guesses stay linkable, but a password
  // typed into the user field never reaches the audit log.
  const known = principal !== undefined || (await auth.authenticator.isKnownLogin(username));
  auth.audit.record({
    actor: principal ? principal.name : known ? username : 'unknown',
    actorKind: principal ? principal.kind : 'unknown',
    action: 'login',
    outcome: principal ? 'success' : 'failure',
    clientIp: ip,
    detail: known ? { via } : { via, userHash: unknownUserHash(username) },
  });
}

/**
 * One password login through the throttle: refused with 429 while the user's failures from this
 * address are spent, else verified, counted and audited. Attempts of one user from one address
 * run one at a time, so concurrent guesses can't slip past the count.
 */
export async function attemptLogin(auth: AuthServices, username: string, password: string, ip: string, via: string): Promise<AuthenticatedPrincipal | undefined> {
  return auth.limits.oneAtATime(username, ip, async () => {
    await checkLoginAllowed(auth, username, ip);
    await checkUnknownUserAllowed(auth, username, password, ip);
    const { principal, fresh } = await auth.authenticator.verify(username, password);
    await recordLogin(auth, username, ip, principal, via, fresh);
    return principal;
  });
}
