/**
 * Gathers what decide() needs for one principal and repository — namespace, roles, visibility,
 * network rules — from the metadata store, and answers "what may this principal do here?".
 * The HTTP layer, the token endpoint and the admin API all ask here; nothing else decides.
 */
import { BoundedCache } from '../cluster/bounded-cache.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { NamespaceRecord, Role, Visibility } from '../metadata/access-store.js';
import type { NamespaceMap } from '../metadata/namespace-map.js';
import { decide, type Action, type Standing } from './decide.js';
import { addressAllowed } from './network.js';
import { grantedActions, type Principal } from './principal.js';

const NETWORK_RULES_TTL_MS = 2000;
const NETWORK_CACHE_ENTRIES = 10_000;

/** Answers access questions for principals. */
export class AccessControl {
  private readonly networkCache = new BoundedCache<{ record: NamespaceRecord | undefined }>({ max: NETWORK_CACHE_ENTRIES, ttlMs: NETWORK_RULES_TTL_MS });

  /** `personalNamespaces`: every user owns the namespace named like them. */
  constructor(
    private readonly store: MetadataStore,
    readonly names: NamespaceMap,
    readonly personalNamespaces: boolean,
  ) {}

  /** The namespace a repository belongs to. */
  namespaceOf(repository: string): string {
    return this.names.namespaceOf(repository);
  }

  /** What the principal may do on the repository, from the client address `clientIp`. */
  async actionsOn(principal: Principal, repository: string, clientIp: string | undefined): Promise<Set<Action>> {
    const namespaceName = this.namespaceOf(repository);
    const [namespace, ownVisibility] = await Promise.all([this.store.namespaces.get(namespaceName), this.store.namespaces.repositoryVisibility(repository)]);
    const visibility: Visibility = ownVisibility ?? namespace?.visibility ?? 'private';
    const standing = await this.standingOf(principal, namespaceName, repository);
    const allowed = decide({
      standing,
      visibility,
      network: { pull: addressAllowed(namespace?.pullCidrs, clientIp), push: addressAllowed(namespace?.pushCidrs, clientIp) },
    });
    // A personal access token cuts its user's rights down to its grants.
    if (principal.kind === 'user' && principal.restrictTo) {
      const granted = new Set(grantedActions(principal.restrictTo, repository));
      for (const action of allowed) if (!granted.has(action)) allowed.delete(action);
    }
    return allowed;
  }

  /**
   * Whether the client address passes the repository's namespace network rules for every action
   * (pull: pullCidrs; push and delete: pushCidrs), as decide() applies them. Tokens are checked
   * here where they are used: a token issued inside a namespace's CIDRs must not work outside.
   */
  async networkAllows(repository: string, actions: readonly Action[], clientIp: string | undefined): Promise<boolean> {
    const namespace = await this.namespaceForNetwork(this.namespaceOf(repository));
    if (!namespace) return true;
    return actions.every((action) => {
      if (action === 'pull') return addressAllowed(namespace.pullCidrs, clientIp);
      if (action === 'push' || action === 'delete') return addressAllowed(namespace.pushCidrs, clientIp);
      return true;
    });
  }

  /**
   * The namespace record for per-request network checks, remembered for NETWORK_RULES_TTL_MS:
   * requests carrying tokens would otherwise read it on every pull. A changed rule reaches
   * requests with already-issued tokens within that time (new tokens see it at once).
   */
  private async namespaceForNetwork(name: string): Promise<NamespaceRecord | undefined> {
    const cached = this.networkCache.get(name);
    if (cached) return cached.record;
    const record = await this.store.namespaces.get(name);
    this.networkCache.set(name, { record });
    return record;
  }

  /** What the principal may do on a namespace itself (`manage` is what its owners may). */
  async actionsOnNamespace(principal: Principal, namespace: string): Promise<Set<Action>> {
    const record = await this.store.namespaces.get(namespace);
    const standing = await this.standingOf(principal, namespace, undefined);
    const allowed = decide({ standing, visibility: record?.visibility ?? 'private', network: { pull: true, push: true } });
    if (principal.kind === 'user' && principal.restrictTo) allowed.delete('manage');
    return allowed;
  }

  /**
   * A predicate telling which repositories the principal may pull, for the catalog: it loads the
   * namespaces, memberships and public repositories once instead of asking per name.
   */
  async pullFilter(principal: Principal, clientIp: string | undefined): Promise<(repository: string) => boolean> {
    if (principal.kind === 'user' && principal.admin && !principal.restrictTo) {
      const namespaces = new Map((await this.store.namespaces.list()).map((ns) => [ns.name, ns]));
      return (repository) => addressAllowed(namespaces.get(this.namespaceOf(repository))?.pullCidrs, clientIp);
    }
    const [namespaceList, ownVisibility, memberships] = await Promise.all([
      this.store.namespaces.list(),
      this.store.namespaces.repositoryVisibilities(),
      principal.kind === 'user' ? this.store.namespaces.membershipsOf(principal.name, principal.groups) : Promise.resolve([]),
    ]);
    const namespaces = new Map<string, NamespaceRecord>(namespaceList.map((ns) => [ns.name, ns]));
    const memberOf = new Set(memberships.map((m) => m.namespace));
    if (principal.kind === 'user' && this.personalNamespaces) memberOf.add(principal.name);
    return (repository) => {
      const namespace = this.namespaceOf(repository);
      const record = namespaces.get(namespace);
      if (!addressAllowed(record?.pullCidrs, clientIp)) return false;
      const isPublic = (ownVisibility.get(repository) ?? record?.visibility) === 'public';
      if (principal.kind === 'robot') return isPublic || this.robotActions(principal, repository).includes('pull');
      if (principal.kind === 'user' && principal.restrictTo && !grantedActions(principal.restrictTo, repository).includes('pull')) return false;
      return isPublic || memberOf.has(namespace) || (principal.kind === 'user' && principal.admin);
    };
  }

  /**
   * What a robot's grants give on the repository. A namespace's robot gets nothing outside its
   * namespace whatever its grants say (creation refuses such grants; this holds for rows written
   * before, or a namespace depth changed since): its rights never exceed what its owners can grant.
   */
  private robotActions(principal: Extract<Principal, { kind: 'robot' }>, repository: string): Action[] {
    if (principal.namespace !== undefined && this.namespaceOf(repository) !== principal.namespace) return [];
    return grantedActions(principal.grants, repository);
  }

  private async standingOf(principal: Principal, namespace: string, repository: string | undefined): Promise<Standing> {
    switch (principal.kind) {
      case 'anonymous':
        return { kind: 'anonymous' };
      case 'robot':
        return { kind: 'robot', actions: repository === undefined ? [] : this.robotActions(principal, repository) };
      case 'user': {
        if (principal.admin) return { kind: 'admin' };
        const roles: Role[] = [];
        if (this.personalNamespaces && namespace === principal.name) roles.push('owner');
        const groups = new Set(principal.groups);
        for (const member of await this.store.namespaces.members(namespace)) {
          if ((member.kind === 'user' && member.name === principal.name) || (member.kind === 'group' && groups.has(member.name))) roles.push(member.role);
        }
        return { kind: 'user', roles };
      }
    }
  }
}
