/**
 * Namespaces, their members and repository visibility. Admins create and delete namespaces;
 * a namespace's owners (and admins) change its settings and members. Callers who can't see a
 * namespace are told "denied" whether or not it exists, so names can't be probed.
 */
import type { NamespaceUsage } from '../content/quotas.js';
import type { MemberRecord, NamespaceChanges, NamespaceRecord, Role, Visibility } from '../metadata/access-store.js';
import { isRepositoryName } from '../oci/index.js';
import { robotLogin } from '../auth/credentials.js';
import { parseCidr } from '../auth/network.js';
import type { Principal } from '../auth/principal.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import type { ManagementDeps } from './operation-deps.js';
import { invalid, ManagementError } from '../errors/management-error.js';
import { checkAccountName } from './names.js';
import { grantedNamespaces } from './robots.js';

/** The roles a member can hold, strongest first. */
export const ROLES: readonly Role[] = ['owner', 'maintainer', 'developer', 'reader'];

/** The most CIDRs one list holds. */
export const MAX_CIDRS = 100;

/** What a namespace is created with. */
export interface NamespaceInput {
  name: string;
  visibility?: Visibility;
}

function checkCidrs(field: string, cidrs: readonly string[] | null): string[] | null {
  if (cidrs === null) return null;
  if (cidrs.length > MAX_CIDRS) throw invalid(field, `at most ${MAX_CIDRS} CIDRs`);
  return cidrs.map((cidr) => {
    try {
      parseCidr(cidr);
    } catch (error) {
      throw invalid(field, (error as Error).message);
    }
    return cidr.trim();
  });
}

function checkQuotaBytes(quotaBytes: number | null): number | null {
  if (quotaBytes !== null && (!Number.isSafeInteger(quotaBytes) || quotaBytes < 0)) throw invalid('quotaBytes', 'must be a whole number of bytes ≥ 0, or null for no quota');
  return quotaBytes;
}

function checkVisibility(visibility: string): Visibility {
  if (visibility !== 'public' && visibility !== 'private') throw invalid('visibility', 'must be public or private');
  return visibility;
}

/** A namespace's quota as its settings and usage need it (content/quotas.ts). */
export interface NamespaceQuotas {
  invalidate(namespace: string): void;
  usage(namespace: string): Promise<NamespaceUsage>;
}

/** A namespace's repositories, as namespace deletion needs them (repositories.ts). */
export interface NamespaceRepositories {
  namesIn(namespace: string): Promise<string[]>;
  /** Deletes them all, audited each; returns how many. */
  deleteAllIn(by: ActingPrincipal, namespace: string): Promise<number>;
}

/** Namespace management. */
export class NamespaceOperations {
  private readonly audit: ManagementAudit;

  constructor(
    private readonly deps: ManagementDeps,
    private readonly quotas: NamespaceQuotas,
    private readonly repositories: NamespaceRepositories,
  ) {
    this.audit = new ManagementAudit(deps.audit);
  }

  /** Creates a namespace (admins only). */
  async create(by: ActingPrincipal, input: NamespaceInput): Promise<NamespaceRecord> {
    if (!isSystemAdmin(by.principal)) throw this.audit.denied(by, 'namespace.create', input.name, 'only admins may create namespaces');
    this.checkName(input.name);
    const visibility = checkVisibility(input.visibility ?? 'private');
    const created = await this.deps.store.namespaces.create({ name: input.name, visibility });
    if (!created) throw new ManagementError('conflict', `a namespace "${input.name}" exists`);
    this.audit.success(by, 'namespace.create', input.name, { visibility });
    return created;
  }

  /** Admins: every namespace; others: where they hold a role, and the public ones. */
  async list(by: ActingPrincipal): Promise<NamespaceRecord[]> {
    const all = await this.deps.store.namespaces.list();
    const principal = by.principal;
    if (isSystemAdmin(principal)) return all;
    const mine = new Set<string>();
    if (principal.kind === 'user') {
      for (const membership of await this.deps.store.namespaces.membershipsOf(principal.name, principal.groups)) mine.add(membership.namespace);
      if (this.deps.access.personalNamespaces) mine.add(principal.name);
    }
    return all.filter((namespace) => namespace.visibility === 'public' || mine.has(namespace.name));
  }

  /** One namespace, for those who may see it (admins, members, anyone when public). */
  async get(by: ActingPrincipal, name: string): Promise<NamespaceRecord> {
    const actions = await this.deps.access.actionsOnNamespace(by.principal, name);
    if (!isSystemAdmin(by.principal) && actions.size === 0) throw new ManagementError('denied', `you may not see namespace "${name}"`);
    return this.existing(name);
  }

  /**
   * Changes visibility or CIDR lists (null clears a list), owners and admins; or the storage
   * quota (null removes it), admins only — an owner must not raise their own.
   */
  async update(by: ActingPrincipal, name: string, changes: NamespaceChanges): Promise<NamespaceRecord> {
    await this.requireManage(by, name, 'namespace.update');
    const update: NamespaceChanges = {};
    if (changes.visibility !== undefined) update.visibility = checkVisibility(changes.visibility);
    if (changes.pullCidrs !== undefined) update.pullCidrs = checkCidrs('pullCidrs', changes.pullCidrs);
    if (changes.pushCidrs !== undefined) update.pushCidrs = checkCidrs('pushCidrs', changes.pushCidrs);
    if (changes.quotaBytes !== undefined) {
      if (!isSystemAdmin(by.principal)) throw this.audit.denied(by, 'namespace.update', name, 'only admins may set a namespace\'s storage quota');
      update.quotaBytes = checkQuotaBytes(changes.quotaBytes);
    }
    if (Object.keys(update).length === 0) throw new ManagementError('invalid', 'nothing to change: give visibility, pullCidrs, pushCidrs or quotaBytes');
    if (!(await this.deps.store.namespaces.update(name, update))) throw new ManagementError('not_found', `no namespace "${name}"`);
    this.audit.success(by, 'namespace.update', name, { ...update });
    // This node applies a new quota at once; the others when their 2 s copy expires.
    this.quotas.invalidate(name);
    return this.existing(name);
  }

  /** A namespace's storage usage and quota, for its members and admins. */
  async usage(by: ActingPrincipal, name: string): Promise<NamespaceUsage> {
    await this.requireMember(by, name);
    return this.quotas.usage(name);
  }

  /**
   * Deletes a namespace and its memberships (admins only). One that still holds repositories is
   * refused (conflict, naming the count) unless `deleteRepositories`, which deletes them first: a
   * namespace gone would leave them private to everyone but admins, and undeletable by owners.
   */
  async delete(by: ActingPrincipal, name: string, deleteRepositories = false): Promise<void> {
    if (!isSystemAdmin(by.principal)) throw this.audit.denied(by, 'namespace.delete', name, 'only admins may delete namespaces');
    await this.existing(name);
    const deleted = deleteRepositories ? await this.repositories.deleteAllIn(by, name) : 0;
    const left = (await this.repositories.namesIn(name)).length;
    if (left > 0) {
      throw new ManagementError('conflict', `namespace "${name}" still holds ${left} repositor${left === 1 ? 'y' : 'ies'}; delete them first or ask to delete them too (--delete-repositories, ?deleteRepositories=true)`, { repositories: left });
    }
    if (!(await this.deps.store.namespaces.delete(name))) throw new ManagementError('not_found', `no namespace "${name}"`);
    const robotsRevoked = await this.revokeRobotsOf(by, name);
    this.audit.success(by, 'namespace.delete', name, { repositoriesDeleted: deleted, robotsRevoked });
  }

  /**
   * Revokes every robot granted inside the deleted namespace: its grants name repositories, not
   * the namespace row, so a namespace re-created under the name (by someone else) would otherwise
   * hand the old robot its rights back. Returns how many were revoked.
   */
  private async revokeRobotsOf(by: ActingPrincipal, namespace: string): Promise<number> {
    let revoked = 0;
    for (const robot of await this.deps.store.credentials.list({ kind: 'robot' })) {
      if (robot.revokedAt !== undefined || !grantedNamespaces(this.deps.access, robot).has(namespace)) continue;
      if (!(await this.deps.store.credentials.revoke(robot.id))) continue;
      revoked++;
      this.audit.success(by, 'robot.revoke', robotLogin(robot.name, robot.owner), { id: robot.id, reason: `namespace "${namespace}" was deleted` });
    }
    if (revoked > 0) this.deps.revocations?.changed();
    return revoked;
  }

  /** The members, for members of the namespace (any role) and admins. */
  async members(by: ActingPrincipal, name: string): Promise<MemberRecord[]> {
    const members = await this.deps.store.namespaces.members(name);
    if (!isSystemAdmin(by.principal) && !this.isMember(by.principal, name, members)) throw new ManagementError('denied', `only members may see the members of namespace "${name}"`);
    await this.existing(name);
    return members;
  }

  /**
   * Refuses unless the caller is a member of the namespace (any role) or an admin: who may see
   * its storage usage. The namespace needn't have a row (the root and personal namespaces hold
   * repositories without one).
   */
  private async requireMember(by: ActingPrincipal, name: string): Promise<void> {
    if (isSystemAdmin(by.principal)) return;
    if (!this.isMember(by.principal, name, await this.deps.store.namespaces.members(name))) throw new ManagementError('denied', `only members may see the usage of namespace "${name}"`);
  }

  /** Adds a member or changes its role; a user member must have an account (owners and admins). */
  async setMember(by: ActingPrincipal, namespace: string, member: MemberRecord): Promise<MemberRecord> {
    await this.requireManage(by, namespace, 'member.set');
    if (member.kind !== 'user' && member.kind !== 'group') throw invalid('kind', 'must be user or group');
    if (!ROLES.includes(member.role)) throw invalid('role', `must be one of ${ROLES.join(', ')}`);
    if (member.kind === 'user') {
      checkAccountName(member.name, 'member');
      if (!(await this.deps.store.accounts.get(member.name))) throw new ManagementError('not_found', `no user "${member.name}"`);
    } else if (member.name.length === 0 || member.name.length > 256 || /[\u0000-\u001f]/.test(member.name)) {
      throw invalid('member', 'a group name is 1 to 256 printable characters');
    }
    if (!(await this.deps.store.namespaces.setMember(namespace, member))) throw new ManagementError('not_found', `no namespace "${namespace}"`);
    this.audit.success(by, 'member.set', namespace, { kind: member.kind, name: member.name, role: member.role });
    return member;
  }

  /** Removes a member (owners and admins). */
  async removeMember(by: ActingPrincipal, namespace: string, kind: MemberRecord['kind'], name: string): Promise<void> {
    await this.requireManage(by, namespace, 'member.remove');
    await this.existing(namespace);
    if (!(await this.deps.store.namespaces.removeMember(namespace, kind, name))) throw new ManagementError('not_found', `${kind} "${name}" is not a member of "${namespace}"`);
    this.audit.success(by, 'member.remove', namespace, { kind, name });
  }

  /** Sets (null: clears, inheriting the namespace's) a repository's visibility; owners and admins. */
  async setRepositoryVisibility(by: ActingPrincipal, repository: string, visibility: Visibility | null): Promise<{ repository: string; visibility: Visibility | null }> {
    if (!isRepositoryName(repository)) throw invalid('repository', `"${repository.slice(0, 300)}" is not a repository name`);
    await this.requireManage(by, this.deps.access.namespaceOf(repository), 'repository.visibility', repository);
    if (visibility !== null) checkVisibility(visibility);
    if (!(await this.deps.store.namespaces.setRepositoryVisibility(repository, visibility))) throw new ManagementError('not_found', `no repository "${repository}"`);
    this.audit.success(by, 'repository.visibility', repository, { visibility });
    return { repository, visibility };
  }

  /** Namespace names are repository path components, at most the configured namespace depth. */
  private checkName(name: string): void {
    const depth = this.deps.access.names.settings.depth;
    if (!isRepositoryName(name)) throw invalid('name', `"${name.slice(0, 300)}" is not a valid repository path`);
    if (name.split('/').length > depth) throw invalid('name', `a namespace has at most ${depth} path component(s) (auth.namespaces.depth)`);
  }

  private async existing(name: string): Promise<NamespaceRecord> {
    const namespace = await this.deps.store.namespaces.get(name);
    if (!namespace) throw new ManagementError('not_found', `no namespace "${name}"`);
    return namespace;
  }

  private async requireManage(by: ActingPrincipal, namespace: string, action: string, target = namespace): Promise<void> {
    const actions = await this.deps.access.actionsOnNamespace(by.principal, namespace);
    if (!actions.has('manage')) throw this.audit.denied(by, action, target, `only owners of namespace "${namespace}" and admins may do this`);
  }

  private isMember(principal: Principal, namespace: string, members: readonly MemberRecord[]): boolean {
    if (principal.kind !== 'user') return false;
    if (this.deps.access.personalNamespaces && principal.name === namespace) return true;
    const groups = new Set(principal.groups);
    return members.some((member) => (member.kind === 'user' ? member.name === principal.name : groups.has(member.name)));
  }
}
