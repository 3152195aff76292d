/**
 * Personal access tokens: secrets standing in for a user's password (CI, docker login), cut down
 * to their grants. Users manage their own; admins anyone's. The secret is returned once.
 */
import { randomUUID } from 'node:crypto';
import type { CredentialRecord } from '../metadata/access-store.js';
import { FULL_ACCESS_GRANTS, newSecret, secretHash } from '../auth/credentials.js';
import { isSelf, isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import type { ManagementDeps } from './operation-deps.js';
import { checkGrants, expiryOf, type ExpiryInput, type GrantInput } from './credential-rules.js';
import { ManagementError } from '../errors/management-error.js';
import { checkTokenName } from './names.js';

/** What a token is created with; without grants it may do everything its user may. */
export interface TokenInput extends ExpiryInput {
  name: string;
  grants?: readonly GrantInput[];
  /** A session token with all the owner's rights (see FULL_ACCESS_GRANTS). */
  fullAccess?: boolean;
}

/** A token just created: its secret (shown this once) and the login to use it with. */
export type CreatedToken = CredentialRecord & { login: string; secret: string };

/** The grants of a token created without any. */
export const DEFAULT_TOKEN_GRANTS: readonly GrantInput[] = [{ repository: '*', actions: ['pull', 'push', 'delete'] }];

/** Personal access token management. */
export class TokenOperations {
  private readonly audit: ManagementAudit;

  constructor(private readonly deps: ManagementDeps) {
    this.audit = new ManagementAudit(deps.audit);
  }

  /** Creates a token for `owner`: the user themselves (with their password) or an admin. */
  async create(by: ActingPrincipal, owner: string, input: TokenInput): Promise<CreatedToken> {
    const principal = by.principal;
    if (principal.kind === 'user' && principal.restrictTo !== undefined) {
      throw this.audit.denied(by, 'token.create', owner, 'a personal access token cannot create tokens; log in with the password');
    }
    if (!isSelf(principal, owner) && !isSystemAdmin(principal)) throw this.audit.denied(by, 'token.create', owner, "only admins may create other users' tokens");
    checkTokenName(input.name);
    if (input.fullAccess) {
      // A session stands in for the password: only its owner, proving the password, may open one.
      if (!isSelf(principal, owner) || (principal.kind === 'user' && principal.credentialId !== undefined)) {
        throw this.audit.denied(by, 'token.create', owner, 'a full-access token is created only by its owner, logged in with the password');
      }
      if (input.grants !== undefined) throw new ManagementError('invalid', 'fullAccess and grants exclude each other');
    }
    const grants = input.fullAccess ? [...FULL_ACCESS_GRANTS] : checkGrants(input.grants ?? DEFAULT_TOKEN_GRANTS);
    const expiresAt = expiryOf(input);
    if (!(await this.deps.store.accounts.get(owner))) throw new ManagementError('not_found', `no user "${owner}"`);
    const secret = newSecret('token');
    const created = await this.deps.store.credentials.create({
      id: randomUUID(),
      kind: 'token',
      owner,
      name: input.name,
      secretHash: secretHash(secret),
      grants,
      createdBy: principal.kind === 'anonymous' ? 'anonymous' : principal.name,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    if (!created) throw new ManagementError('conflict', `user "${owner}" has a token named "${input.name}"`);
    this.audit.success(by, 'token.create', owner, { id: created.id, name: input.name, grants, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) });
    return { ...created, login: owner, secret };
  }

  /** The user's tokens (never their secrets): the user themselves or an admin. */
  async list(by: ActingPrincipal, owner: string): Promise<CredentialRecord[]> {
    this.requireSelfOrAdmin(by, owner, 'list');
    if (isSystemAdmin(by.principal) && !(await this.deps.store.accounts.get(owner))) throw new ManagementError('not_found', `no user "${owner}"`);
    return this.deps.store.credentials.list({ kind: 'token', owner });
  }

  /** Revokes one of the user's tokens. Revoking a revoked token changes nothing. */
  async revoke(by: ActingPrincipal, owner: string, id: string): Promise<void> {
    if (!isSelf(by.principal, owner) && !isSystemAdmin(by.principal)) throw this.audit.denied(by, 'token.revoke', owner, "only admins may revoke other users' tokens");
    const token = await this.deps.store.credentials.get(id);
    if (!token || token.kind !== 'token' || token.owner !== owner) throw new ManagementError('not_found', `user "${owner}" has no token with id "${id}"`);
    if (await this.deps.store.credentials.revoke(id)) {
      this.deps.revocations?.changed();
      this.audit.success(by, 'token.revoke', owner, { id, name: token.name });
    }
  }

  private requireSelfOrAdmin(by: ActingPrincipal, owner: string, verb: string): void {
    if (!isSelf(by.principal, owner) && !isSystemAdmin(by.principal)) throw new ManagementError('denied', `only admins may ${verb} other users' tokens`);
  }
}
