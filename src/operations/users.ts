/**
 * User accounts: system admins manage them; everyone may read themselves and change their own
 * password (proving the current one). The last enabled admin can't be deleted, demoted or
 * disabled, so a registry never locks its administrators out.
 */
import type { AccountChanges, AccountRecord, CredentialRecord } from '../metadata/access-store.js';
import { looksLikeSecret, SECRET_PREFIX } from '../auth/credentials.js';
import type { Grant } from '../auth/principal.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { isSelf, isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import type { ManagementDeps } from './operation-deps.js';
import { invalid, ManagementError } from '../errors/management-error.js';
import { checkAccountName } from './names.js';

/** The shortest and longest passwords accepted. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

/** An account as management shows it: never its password hash. */
export type UserView = Omit<AccountRecord, 'id' | 'passwordHash'>;

/** Who the caller is: their account, or the robot, and the credential they acted with. */
export type MeView =
  | { kind: 'user'; name: string; admin: boolean; groups: string[]; account?: UserView; credential?: CredentialRecord; restrictedTo?: Grant[] }
  | { kind: 'robot'; name: string; grants: Grant[]; credential?: CredentialRecord };

/** What a local account is created with. */
export interface UserInput {
  name: string;
  password: string;
  email?: string;
  admin?: boolean;
}

/** Changes an admin may make to an account. */
export interface UserUpdate {
  email?: string | null;
  admin?: boolean;
  disabled?: boolean;
  groups?: string[];
}

/** Strips what must never leave management. */
export function userView(account: AccountRecord): UserView {
  const { id: _id, passwordHash: _hash, ...view } = account;
  return view;
}

/** Throws 'invalid' unless the password has an acceptable length. */
export function checkPassword(password: string, field = 'password'): string {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) throw invalid(field, `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  // The authenticator takes anything with the secret prefix for a token: such a password could never log in.
  if (looksLikeSecret(password)) throw invalid(field, `must not start with "${SECRET_PREFIX}" (the prefix of Berth's tokens)`);
  return password;
}

function checkEmail(email: string): string {
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid('email', `"${email.slice(0, 80)}" is not an email address`);
  return email;
}

function checkGroups(groups: readonly string[]): string[] {
  if (groups.length > 1000) throw invalid('groups', 'at most 1000 groups');
  for (const group of groups) {
    if (group.length === 0 || group.length > 256 || /[\u0000-\u001f]/.test(group)) throw invalid('groups', `"${group.slice(0, 80)}" is not a group name`);
  }
  return [...new Set(groups)];
}

/** Account management. */
export class UserOperations {
  private readonly audit: ManagementAudit;
  // Changes that could remove the last admin run one at a time (on this node).
  private adminChanges: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ManagementDeps) {
    this.audit = new ManagementAudit(deps.audit);
  }

  /** The caller themselves. */
  async me(by: ActingPrincipal): Promise<MeView> {
    const principal = by.principal;
    if (principal.kind === 'anonymous') throw new ManagementError('denied', 'log in to see who you are');
    const credential = principal.credentialId === undefined ? undefined : await this.deps.store.credentials.get(principal.credentialId);
    if (principal.kind === 'robot') return { kind: 'robot', name: principal.name, grants: principal.grants, ...(credential ? { credential } : {}) };
    const account = await this.deps.store.accounts.get(principal.name);
    return {
      kind: 'user',
      name: principal.name,
      admin: isSystemAdmin(principal),
      groups: principal.groups,
      ...(account ? { account: userView(account) } : {}),
      ...(credential ? { credential } : {}),
      ...(principal.restrictTo ? { restrictedTo: principal.restrictTo } : {}),
    };
  }

  /** Every account (admins only). */
  async list(by: ActingPrincipal): Promise<UserView[]> {
    this.requireAdmin(by, 'list users');
    return (await this.deps.store.accounts.list()).map(userView);
  }

  /** One account: admins, or the user themselves. Others can't tell whether it exists. */
  async get(by: ActingPrincipal, name: string): Promise<UserView> {
    if (!isSystemAdmin(by.principal) && !isSelf(by.principal, name)) throw new ManagementError('denied', 'only admins may see other users');
    const account = await this.deps.store.accounts.get(name);
    if (!account) throw new ManagementError('not_found', `no user "${name}"`);
    return userView(account);
  }

  /** Creates a local account. */
  async create(by: ActingPrincipal, input: UserInput): Promise<UserView> {
    if (!isSystemAdmin(by.principal)) throw this.audit.denied(by, 'user.create', input.name, 'only admins may create users');
    checkAccountName(input.name);
    checkPassword(input.password);
    if (input.email !== undefined) checkEmail(input.email);
    const created = await this.deps.store.accounts.create({
      name: input.name,
      kind: 'local',
      passwordHash: await hashPassword(input.password),
      admin: input.admin ?? false,
      ...(input.email === undefined ? {} : { email: input.email }),
    });
    if (!created) throw new ManagementError('conflict', `a user "${input.name}" exists`);
    this.audit.success(by, 'user.create', input.name, { admin: created.admin });
    return userView(created);
  }

  /** Changes email, admin, disabled or groups (admins only; not the last enabled admin away). */
  async update(by: ActingPrincipal, name: string, changes: UserUpdate): Promise<UserView> {
    if (!isSystemAdmin(by.principal)) throw this.audit.denied(by, 'user.update', name, 'only admins may change users');
    const update: AccountChanges = {};
    if (changes.email !== undefined) update.email = changes.email === null ? null : checkEmail(changes.email);
    if (changes.admin !== undefined) update.admin = changes.admin;
    if (changes.disabled !== undefined) update.disabled = changes.disabled;
    if (changes.groups !== undefined) update.groups = checkGroups(changes.groups);
    if (Object.keys(update).length === 0) throw new ManagementError('invalid', 'nothing to change: give email, admin, disabled or groups');
    return this.serialized(async () => {
      const account = await this.deps.store.accounts.get(name);
      if (!account) throw new ManagementError('not_found', `no user "${name}"`);
      if (update.admin === false || update.disabled === true) await this.keepAnAdmin(account, 'demote or disable');
      await this.deps.store.accounts.update(name, update);
      this.deps.revocations?.changed();
      this.audit.success(by, 'user.update', name, { ...changes });
      const updated = await this.deps.store.accounts.get(name);
      if (!updated) throw new ManagementError('not_found', `no user "${name}"`);
      return userView(updated);
    });
  }

  /**
   * Sets a local account's password. Users change their own with `currentPassword`; admins set
   * anyone else's without it. A personal access token can't change a password.
   */
  async setPassword(by: ActingPrincipal, name: string, input: { password: string; currentPassword?: string }): Promise<void> {
    const principal = by.principal;
    const self = isSelf(principal, name);
    if (principal.kind === 'user' && principal.restrictTo !== undefined) throw this.audit.denied(by, 'user.password', name, 'a personal access token cannot change passwords; log in with the password');
    if (!self && !isSystemAdmin(principal)) throw this.audit.denied(by, 'user.password', name, "only admins may set other users' passwords");
    checkPassword(input.password);
    const account = await this.deps.store.accounts.get(name);
    if (!account) throw new ManagementError('not_found', `no user "${name}"`);
    if (account.kind !== 'local') throw new ManagementError('invalid', `"${name}" is a ${account.kind} account: its password is kept by the directory`);
    if (self) {
      if (input.currentPassword === undefined) throw invalid('currentPassword', 'required to change your own password');
      if (account.passwordHash === undefined || !(await verifyPassword(account.passwordHash, input.currentPassword))) {
        throw this.audit.denied(by, 'user.password', name, 'the current password is wrong');
      }
    }
    await this.deps.store.accounts.update(name, { passwordHash: await hashPassword(input.password) });
    this.deps.revocations?.changed();
    this.audit.success(by, 'user.password', name, { by: self ? 'self' : 'admin' });
  }

  /** Deletes an account with its tokens and memberships (admins only; never the last admin). */
  async delete(by: ActingPrincipal, name: string): Promise<void> {
    if (!isSystemAdmin(by.principal)) throw this.audit.denied(by, 'user.delete', name, 'only admins may delete users');
    await this.serialized(async () => {
      const account = await this.deps.store.accounts.get(name);
      if (!account) throw new ManagementError('not_found', `no user "${name}"`);
      await this.keepAnAdmin(account, 'delete');
      if (!(await this.deps.store.accounts.delete(name))) throw new ManagementError('not_found', `no user "${name}"`);
      this.deps.revocations?.changed();
      this.audit.success(by, 'user.delete', name, { kind: account.kind, admin: account.admin });
    });
  }

  private requireAdmin(by: ActingPrincipal, what: string): void {
    if (!isSystemAdmin(by.principal)) throw new ManagementError('denied', `only admins may ${what}`);
  }

  /** Refuses (conflict) when `account` is the only enabled admin. */
  private async keepAnAdmin(account: AccountRecord, verb: string): Promise<void> {
    if (!account.admin || account.disabled) return;
    const enabledAdmins = (await this.deps.store.accounts.list()).filter((other) => other.admin && !other.disabled);
    if (enabledAdmins.length <= 1) throw new ManagementError('conflict', `cannot ${verb} "${account.name}": it is the last enabled admin`);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.adminChanges.then(work, work);
    this.adminChanges = run.catch(() => undefined);
    return run;
  }
}
