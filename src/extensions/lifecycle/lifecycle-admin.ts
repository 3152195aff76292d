/**
 * The lifecycle operations behind the admin API and the CLI: policies per namespace or
 * repository (read, set, delete, list), the preview of a policy before it is saved, and a run on
 * demand. A policy deletes images, so it is managed by those who may delete in its namespace —
 * maintainers and owners — and by admins; a personal access token must also grant delete on the
 * whole scope. Changes and refusals to change are audited.
 */
import { LeaseBusyError } from '../../cluster/exclusive.js';
import type { AccessControl } from '../../auth/access-control.js';
import type { AuditLog } from '../../auth/audit-log.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../../auth/acting.js';
import { invalid, ManagementError } from '../../errors/management-error.js';
import { grantedActions, principalName } from '../../auth/principal.js';
import type { WriteGate } from '../../content/read-only-mode.js';
import type { LifecyclePolicyRecord, PolicyScopeKind } from '../../metadata/lifecycle-store.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { isRepositoryName } from '../../oci/index.js';
import type { LifecyclePlanner, LifecyclePreview, PolicySource } from './planner.js';
import { parseLifecyclePolicy, parseLifecyclePolicyText, type LifecyclePolicy } from './policy.js';
import type { LifecycleRunner, LifecycleRunReport } from './runner.js';

/** What the operations use; app wiring passes the registry's own instances. */
export interface LifecycleAdminDeps {
  store: MetadataStore;
  access: AccessControl;
  audit: AuditLog;
  planner: LifecyclePlanner;
  runner: LifecycleRunner;
  /** The read-only gate a run on demand passes (a scheduled run skips quietly instead). */
  writes?: WriteGate;
}

/** A stored policy as the API shows it: the document parsed back. */
export interface LifecyclePolicyView extends PolicySource {
  policy: LifecyclePolicy;
  updatedBy: string;
  updatedAt: Date;
}

/** Lifecycle policy management, each operation taking the acting principal. */
export class LifecycleAdmin {
  private readonly log: ManagementAudit;

  constructor(private readonly deps: LifecycleAdminDeps) {
    this.log = new ManagementAudit(deps.audit);
  }

  /** The policies the caller may manage (admins: all). */
  async list(by: ActingPrincipal): Promise<LifecyclePolicyView[]> {
    const views: LifecyclePolicyView[] = [];
    for (const record of await this.deps.store.lifecycle.list()) {
      if (await this.mayManage(by, record)) views.push(view(record));
    }
    return views;
  }

  /** The scope's policy; NOT_FOUND when it has none. */
  async get(by: ActingPrincipal, source: PolicySource): Promise<LifecyclePolicyView> {
    this.checkScope(source);
    if (!(await this.mayManage(by, source))) throw new ManagementError('denied', this.deniedText(source));
    const record = await this.deps.store.lifecycle.get(source.scopeKind, source.scope);
    if (!record) throw new ManagementError('not_found', `${source.scopeKind} ${source.scope} has no lifecycle policy`);
    return view(record);
  }

  /** Validates and saves the scope's policy (replacing any), audited as lifecycle.policy.set. */
  async set(by: ActingPrincipal, source: PolicySource, document: unknown): Promise<LifecyclePolicyView> {
    this.checkScope(source);
    await this.requireManage(by, source, 'lifecycle.policy.set');
    const policy = parseLifecyclePolicy(document);
    const record: LifecyclePolicyRecord = { ...source, policy: JSON.stringify(policy), updatedBy: principalName(by.principal), updatedAt: new Date() };
    await this.deps.store.lifecycle.put(record);
    this.log.success(by, 'lifecycle.policy.set', source.scope, { scopeKind: source.scopeKind, rules: policy.rules.length, keep: policy.berth?.keep?.length ?? 0 });
    return view(record);
  }

  /** Removes the scope's policy, audited as lifecycle.policy.delete. */
  async delete(by: ActingPrincipal, source: PolicySource): Promise<void> {
    this.checkScope(source);
    await this.requireManage(by, source, 'lifecycle.policy.delete');
    if (!(await this.deps.store.lifecycle.delete(source.scopeKind, source.scope))) {
      throw new ManagementError('not_found', `${source.scopeKind} ${source.scope} has no lifecycle policy`);
    }
    this.log.success(by, 'lifecycle.policy.delete', source.scope, { scopeKind: source.scopeKind });
  }

  /** What `document`, saved on the scope, would expire now; nothing is saved or deleted. */
  async preview(by: ActingPrincipal, source: PolicySource, document: unknown, now: Date = new Date()): Promise<LifecyclePreview> {
    this.checkScope(source);
    if (!(await this.mayManage(by, source))) throw new ManagementError('denied', this.deniedText(source));
    return this.deps.planner.preview(source, parseLifecyclePolicy(document), now);
  }

  /** Runs every stored policy now (admins only), audited as lifecycle.run. */
  async run(by: ActingPrincipal): Promise<LifecycleRunReport> {
    if (!isSystemAdmin(by.principal)) throw this.log.denied(by, 'lifecycle.run', '*', 'only admins may run the lifecycle policies by hand');
    await this.deps.writes?.assertWritable();
    const report = await this.deps.runner.run().catch((error: unknown) => {
      throw error instanceof LeaseBusyError ? new ManagementError('conflict', error.message, { holder: error.holder }) : error;
    });
    this.log.success(by, 'lifecycle.run', '*', { expiredImages: report.expiredImages, referrersDeleted: report.referrersDeleted, readOnly: report.readOnly });
    return report;
  }

  /** Namespace scopes are namespace names (at most auth.namespaces.depth components); repository scopes repository names. */
  private checkScope(source: PolicySource): void {
    const kinds: readonly PolicyScopeKind[] = ['namespace', 'repository'];
    if (!kinds.includes(source.scopeKind)) throw invalid('scopeKind', 'must be namespace or repository');
    if (!isRepositoryName(source.scope)) throw invalid('scope', `"${source.scope.slice(0, 300)}" is not a ${source.scopeKind} name`);
    const depth = this.deps.access.names.settings.depth;
    if (source.scopeKind === 'namespace' && source.scope.split('/').length > depth) {
      throw invalid('scope', `a namespace has at most ${depth} path component(s) (auth.namespaces.depth)`);
    }
  }

  private namespaceOf(source: PolicySource): string {
    return source.scopeKind === 'namespace' ? source.scope : this.deps.access.namespaceOf(source.scope);
  }

  private deniedText(source: PolicySource): string {
    return `only maintainers and owners of namespace "${this.namespaceOf(source)}" and admins may manage its lifecycle policies`;
  }

  /**
   * Admins; maintainers and owners of the scope's namespace (who may delete there). A personal
   * access token must also grant delete on the whole scope: a token made to clean up one
   * repository must not set policies for its whole namespace.
   */
  private async mayManage(by: ActingPrincipal, source: PolicySource): Promise<boolean> {
    const principal = by.principal;
    if (isSystemAdmin(principal)) return true;
    const namespace = this.namespaceOf(source);
    const actions = await this.deps.access.actionsOnNamespace(principal, namespace);
    if (!actions.has('delete')) return false;
    if (principal.kind === 'user' && principal.restrictTo) {
      return grantedActions(principal.restrictTo, source.scopeKind === 'repository' ? source.scope : `${namespace}/*`).includes('delete');
    }
    return true;
  }

  private async requireManage(by: ActingPrincipal, source: PolicySource, action: string): Promise<void> {
    if (!(await this.mayManage(by, source))) throw this.log.denied(by, action, source.scope, this.deniedText(source));
  }
}

function view(record: LifecyclePolicyRecord): LifecyclePolicyView {
  return { scopeKind: record.scopeKind, scope: record.scope, policy: parseLifecyclePolicyText(record.policy), updatedBy: record.updatedBy, updatedAt: record.updatedAt };
}
