/**
 * Repository management behind the admin API: listing repositories and deleting one whole, or
 * every repository of a namespace. Deleting needs `manage` on the repository's namespace (its
 * owners and admins), is refused in read-only mode and while an immutable-tag rule protects one
 * of its tags, and is audited; the bytes are reclaimed by GC once no repository links them.
 */
import type { AccessControl } from '../auth/access-control.js';
import type { AuditLog } from '../auth/audit-log.js';
import { actingOrigin, isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import { ManagementError } from '../errors/management-error.js';
import type { MetadataStore, RepositoryDeletion } from '../metadata/metadata-store.js';
import { isRepositoryName } from '../oci/index.js';
import type { RegistryServices } from '../content/registry-services.js';

/** What the operations use; app.ts passes the registry's own instances. */
export interface RepositoryOperationsDeps {
  store: MetadataStore;
  services: RegistryServices;
  access: AccessControl;
  audit: AuditLog;
}

/** One page of repository names. */
export interface RepositoryPage {
  repositories: { name: string; namespace: string }[];
  /** Pass as `last` for the next page; undefined on the last page. */
  next: string | undefined;
}

const DEFAULT_LIMIT = 100;
// Names read per store query while filtering by the caller's rights.
const BATCH = 500;

/** Repository listing and deletion, each taking the acting principal. */
export class RepositoryOperations {
  private readonly log: ManagementAudit;

  constructor(private readonly deps: RepositoryOperationsDeps) {
    this.log = new ManagementAudit(deps.audit);
  }

  /** The repositories the caller may pull (admins: all), optionally of one namespace, in byte order. */
  async list(by: ActingPrincipal, query: { namespace?: string; n?: number; last?: string }): Promise<RepositoryPage> {
    const limit = query.n ?? DEFAULT_LIMIT;
    const namespace = query.namespace;
    const mayPull = isSystemAdmin(by.principal) ? () => true : await this.deps.access.pullFilter(by.principal, by.clientIp);
    const found: string[] = [];
    let after = query.last;
    // One more than asked tells whether there is a next page.
    while (found.length <= limit) {
      const names = await this.deps.store.repositories.list({ limit: BATCH, ...(after === undefined ? {} : { after }) }, namespace === undefined ? undefined : `${namespace}/`);
      for (const name of names) {
        if ((namespace === undefined || this.deps.access.namespaceOf(name) === namespace) && mayPull(name)) found.push(name);
      }
      if (names.length < BATCH) break;
      after = names[names.length - 1];
    }
    const page = found.slice(0, limit);
    return {
      repositories: page.map((name) => ({ name, namespace: this.deps.access.namespaceOf(name) })),
      next: found.length > limit ? page[page.length - 1] : undefined,
    };
  }

  /** Deletes one repository (owners of its namespace and admins). */
  async delete(by: ActingPrincipal, repository: string): Promise<RepositoryDeletion> {
    if (!isRepositoryName(repository)) throw new ManagementError('invalid', `name: "${repository.slice(0, 300)}" is not a repository name`, { field: 'name' });
    const namespace = this.deps.access.namespaceOf(repository);
    await this.requireManage(by, namespace, repository);
    // Refusals (absent, an immutable tag, read-only) are answered by api-error.ts via the error table.
    const deleted = await this.deps.services.manifests.deleteRepository(repository, actingOrigin(by));
    this.log.success(by, 'repository.delete', repository, { tags: deleted.tags, manifests: deleted.manifests.length, blobs: deleted.blobs });
    return deleted;
  }

  /** The names of the namespace's repositories (for the namespace deletion's refusal). */
  async namesIn(namespace: string): Promise<string[]> {
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const batch = await this.deps.store.repositories.list({ limit: BATCH, ...(after === undefined ? {} : { after }) }, `${namespace}/`);
      names.push(...batch.filter((name) => this.deps.access.namespaceOf(name) === namespace));
      if (batch.length < BATCH) return names;
      after = batch[batch.length - 1];
    }
  }

  /**
   * Deletes every repository of the namespace, one transaction each; stops at the first refusal
   * (an immutable tag), leaving the rest. Returns how many were deleted.
   */
  async deleteAllIn(by: ActingPrincipal, namespace: string): Promise<number> {
    await this.requireManage(by, namespace, namespace);
    // Refuse before the first deletion rather than leave the namespace half emptied.
    await this.deps.services.readOnly.assertWritable();
    const names = await this.namesIn(namespace);
    for (const name of names) await this.delete(by, name);
    return names.length;
  }

  private async requireManage(by: ActingPrincipal, namespace: string, target: string): Promise<void> {
    if (isSystemAdmin(by.principal)) return;
    const actions = await this.deps.access.actionsOnNamespace(by.principal, namespace);
    if (!actions.has('manage')) throw this.log.denied(by, 'repository.delete', target, `only owners of namespace "${namespace}" and admins may delete its repositories`);
  }
}
