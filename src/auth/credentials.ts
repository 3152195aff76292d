/**
 * Secrets of robot accounts and personal access tokens: 32 random bytes behind a recognisable
 * prefix (so secret scanners can find leaked ones). Only a SHA-256 of the secret is stored — with
 * 256 bits of entropy a slow hash adds nothing — and it doubles as the lookup key.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The prefix every Berth secret starts with. */
export const SECRET_PREFIX = 'berth_';

/**
 * The prefix of a CI job's short-lived credential (extensions/ci-tokens): a robot row whose
 * secret only the exchange of an OIDC identity token hands out. The prefix is what the rule set
 * (authenticate.ts) reads to keep it off the admin API: a CI job pushes and pulls, it never
 * administers. Nobody can choose a secret, so a secret with this prefix is always one of those.
 */
export const CI_SECRET_PREFIX = `${SECRET_PREFIX}ci_`;

const SECRET_KIND_PREFIX = { robot: 'robot', token: 'pat', ci: 'ci' } as const;

/** A new secret for a robot (`berth_robot_…`), a personal access token (`berth_pat_…`) or a CI job (`berth_ci_…`). */
export function newSecret(kind: 'robot' | 'token' | 'ci'): string {
  return `${SECRET_PREFIX}${SECRET_KIND_PREFIX[kind]}_${randomBytes(32).toString('base64url')}`;
}

/** True for a CI job's credential (see {@link CI_SECRET_PREFIX}). */
export function isCiSecret(secret: string): boolean {
  return secret.startsWith(CI_SECRET_PREFIX);
}

/** The stored form of a secret. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** True when a password looks like a Berth secret rather than a user's password. */
export function looksLikeSecret(password: string): boolean {
  return password.startsWith(SECRET_PREFIX);
}

/**
 * The login name of a robot, in Harbor's convention, which CI systems already expect: a
 * namespace's robot logs in as `robot$<namespace>+<name>` (names are per namespace, so a name
 * taken in one namespace says nothing about another), a system robot (admins', namespace '') as
 * `robot$<name>`. Neither namespaces nor robot names contain '+', so the two never collide.
 */
export function robotLogin(name: string, namespace = ''): string {
  return namespace === '' ? `robot$${name}` : `robot$${namespace}+${name}`;
}

/**
 * The grants that mark a full-access (session) token: `manage` on everything, which no grant
 * a user writes may hold (checkGrants refuses it). The authenticator gives such a token its
 * owner's whole rights.
 */
export const FULL_ACCESS_GRANTS: readonly { repository: string; actions: string[] }[] = [{ repository: '*', actions: ['pull', 'push', 'delete', 'manage'] }];

/**
 * True for a full-access (session) token's grants: `manage` on everything, which no grant a
 * user writes may hold. Such a token carries its owner's whole rights (what `berth login` keeps).
 */
export function isFullAccess(grants: readonly { repository: string; actions: readonly string[] }[]): boolean {
  return grants.some((grant) => grant.repository === '*' && grant.actions.includes('manage'));
}
