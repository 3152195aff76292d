/**
 * Checks credentials and turns them into a Principal: a local password (argon2id, or an imported
 * bcrypt hash upgraded on success), a robot's or personal access token's secret, or — when LDAP
 * is configured — the directory's word. Unknown users, wrong passwords, disabled accounts and
 * expired or revoked secrets all look the same to the caller: undefined, in about the same time.
 */
import { BoundedCache } from '../cluster/bounded-cache.js';
import type { AccountRecord, CredentialRecord } from '../metadata/access-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { isFullAccess, looksLikeSecret, robotLogin, secretHash } from './credentials.js';
import type { Action } from './decide.js';
import type { LdapDirectory } from './ldap/ldap-directory.js';
import { PasswordLane } from './password-lane.js';
import { hashPassword, needsRehash, verifyNothing, verifyPassword } from './passwords.js';
import type { Grant, Principal } from './principal.js';

/** A principal that proved who it is. */
export type AuthenticatedPrincipal = Exclude<Principal, { kind: 'anonymous' }>;
type UserPrincipal = Extract<Principal, { kind: 'user' }>;

// Successful password checks are remembered this long, so a client sending Basic credentials on
// every request (curl -u, some CI tools) doesn't pay an argon2 verification (or an LDAP bind) per
// request. A hit still re-reads the account or credential row, so disabling, revoking or changing
// a password takes effect at once.
const CACHE_MS = 10_000;
const CACHE_ENTRIES = 1000;

/** Verifies usernames and passwords (or secrets). */
export class Authenticator {
  private readonly cache = new BoundedCache<{ principal: AuthenticatedPrincipal; passwordChangedAt?: number }>({ max: CACHE_ENTRIES, ttlMs: CACHE_MS });

  private readonly adminGroups: Set<string>;
  private readonly ldap: LdapDirectory | undefined;
  private readonly lane: PasswordLane;

  /** `adminGroups`: directory groups whose members are system admins; `lane`: the cap on concurrent password checks. */
  constructor(
    private readonly store: MetadataStore,
    options: { ldap?: LdapDirectory; adminGroups?: readonly string[]; lane?: PasswordLane } = {},
  ) {
    this.ldap = options.ldap;
    this.lane = options.lane ?? new PasswordLane(0);
    this.adminGroups = new Set(options.adminGroups ?? []);
  }


  /** The principal the credentials prove, or undefined. */
  async withPassword(username: string, password: string): Promise<AuthenticatedPrincipal | undefined> {
    return (await this.verify(username, password)).principal;
  }

  /**
   * Like {@link withPassword}, telling also whether the credentials were verified afresh
   * (`fresh`) or recognised from a recent verification — the audit log records a login once,
   * not on every request of a client that sends Basic credentials each time.
   */
  async verify(username: string, password: string): Promise<{ principal: AuthenticatedPrincipal | undefined; fresh: boolean }> {
    if (username === '' || password === '') return { principal: undefined, fresh: true };
    const key = secretHash(`${username}\u0000${password}`);
    const cached = this.cache.get(key);
    if (cached) {
      const current = await this.revalidate(cached);
      if (current) return { principal: current, fresh: false };
    }
    this.cache.delete(key);
    const principal = looksLikeSecret(password) ? await this.withSecret(username, password) : await this.withAccountPassword(username, password);
    if (principal) {
      const account = principal.kind === 'user' && principal.credentialId === undefined ? await this.store.accounts.get(principal.name) : undefined;
      this.cache.set(key, { principal, ...(account ? { passwordChangedAt: account.passwordChangedAt.getTime() } : {}) });
    }
    return { principal, fresh: true };
  }

  /** A cached login's principal as the rows say now, or undefined when it no longer holds. */
  private async revalidate(cached: { principal: AuthenticatedPrincipal; passwordChangedAt?: number }): Promise<AuthenticatedPrincipal | undefined> {
    const { principal } = cached;
    if (principal.credentialId !== undefined) {
      const current = await this.principalOf({ kind: principal.kind, name: principal.name, credentialId: principal.credentialId });
      return current && current.kind !== 'anonymous' ? current : undefined;
    }
    const account = await this.store.accounts.get(principal.name);
    if (!account || account.disabled || account.passwordChangedAt.getTime() !== cached.passwordChangedAt) return undefined;
    return this.userPrincipal(account);
  }

  /**
   * The current principal of a token subject (to re-evaluate rights), or undefined when it is
   * gone, disabled, revoked — or, given `issuedAt` (a token's, to the millisecond), when the
   * account's revocation stamp (password change, disable, enable) moved since.
   */
  async principalOf(subject: { kind: string; name: string; credentialId?: string }, issuedAt?: Date): Promise<Principal | undefined> {
    if (subject.kind === 'anonymous') return { kind: 'anonymous' };
    if (subject.credentialId !== undefined) {
      const credential = await this.store.credentials.get(subject.credentialId);
      return credential && usable(credential) ? await this.fromCredential(credential) : undefined;
    }
    if (subject.kind !== 'user') return undefined;
    const account = await this.store.accounts.get(subject.name);
    if (!account || account.disabled) return undefined;
    if (issuedAt !== undefined && account.tokensValidAfter.getTime() > issuedAt.getTime()) return undefined;
    return this.userPrincipal(account);
  }

  /**
   * The principal of a robot's or personal access token's secret presented alone (the admin
   * API's `Authorization: Bearer berth_…`), or undefined. Never a /token access token: those are
   * for /v2 only.
   */
  async withBearerSecret(secret: string): Promise<AuthenticatedPrincipal | undefined> {
    if (!looksLikeSecret(secret)) return undefined;
    return this.withSecret(undefined, secret);
  }

  /**
   * True when `username` names an account or a robot (`robot$[<namespace>+]<name>`). A failed login under any
   * other name is audited without the name itself: it is often a password typed into the wrong field.
   */
  async isKnownLogin(username: string): Promise<boolean> {
    if (await this.store.accounts.get(username)) return true;
    if (!username.startsWith('robot$')) return false;
    return (await this.store.credentials.list({ kind: 'robot' })).some((robot) => robotLogin(robot.name, robot.owner) === username);
  }

  /** `username`: the login the secret must come with; undefined when it is presented alone. */
  private async withSecret(username: string | undefined, secret: string): Promise<AuthenticatedPrincipal | undefined> {
    const credential = await this.store.credentials.findBySecretHash(secretHash(secret));
    if (!credential || !usable(credential)) return undefined;
    const expectedLogin = credential.kind === 'robot' ? robotLogin(credential.name, credential.owner) : credential.owner;
    if (username !== undefined && username !== expectedLogin) return undefined;
    const principal = await this.fromCredential(credential);
    if (principal) void this.store.credentials.touch(credential.id, new Date()).catch(() => undefined);
    return principal;
  }

  private async fromCredential(credential: CredentialRecord): Promise<AuthenticatedPrincipal | undefined> {
    const grants: Grant[] = credential.grants.map((grant) => ({ repository: grant.repository, actions: grant.actions as Action[] }));
    if (credential.kind === 'robot') {
      return { kind: 'robot', name: robotLogin(credential.name, credential.owner), credentialId: credential.id, grants, ...(credential.owner === '' ? {} : { namespace: credential.owner }) };
    }
    const account = await this.store.accounts.get(credential.owner);
    if (!account || account.disabled) return undefined;
    // A full-access (session) token — `manage` on everything, which only `berth login` gets —
    // carries its owner's whole rights; any other token cuts them down to its grants.
    return { ...this.userPrincipal(account), ...(isFullAccess(grants) ? {} : { restrictTo: grants }), credentialId: credential.id };
  }

  private async withAccountPassword(username: string, password: string): Promise<AuthenticatedPrincipal | undefined> {
    const account = await this.store.accounts.get(username);
    if (account?.kind === 'ldap' || (!account && this.ldap)) return this.withDirectory(username, password, account);
    if (!account || account.kind !== 'local' || account.passwordHash === undefined) return this.lane.run('unknown', () => verifyNothing(password)).then(() => undefined);
    const stored = account.passwordHash;
    const ok = await this.lane.run('known', () => verifyPassword(stored, password));
    if (!ok || account.disabled) return undefined;
    if (needsRehash(account.passwordHash)) await this.store.accounts.update(account.name, { passwordHash: await hashPassword(password) });
    return this.userPrincipal(account);
  }

  private userPrincipal(account: AccountRecord): UserPrincipal {
    const admin = account.admin || account.groups.some((group) => this.adminGroups.has(group));
    return { kind: 'user', name: account.name, admin, groups: account.groups };
  }

  /** LDAP users are checked against the directory every time; their groups are refreshed. */
  private async withDirectory(username: string, password: string, account: AccountRecord | undefined): Promise<AuthenticatedPrincipal | undefined> {
    if (!this.ldap) return undefined;
    const user = await this.ldap.authenticate(username, password);
    if (!user) return undefined;
    const existing = account ?? (await this.store.accounts.get(user.username));
    if (existing && (existing.kind !== 'ldap' || existing.disabled)) return undefined;
    if (!existing) await this.store.accounts.create({ name: user.username, kind: 'ldap', groups: user.groups, ...(user.email ? { email: user.email } : {}) });
    else await this.store.accounts.update(existing.name, { groups: user.groups, ...(user.email ? { email: user.email } : {}) });
    const current = await this.store.accounts.get(user.username);
    return current && !current.disabled ? this.userPrincipal(current) : undefined;
  }
}

function usable(credential: CredentialRecord): boolean {
  return credential.revokedAt === undefined && (credential.expiresAt === undefined || credential.expiresAt.getTime() > Date.now());
}


