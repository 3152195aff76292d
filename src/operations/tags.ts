/**
 * The tag lifecycle operations behind the admin API: tag history and rollback, immutable-tag
 * rules and the read-only switch. Each checks the caller's rights with AccessControl (as the /v2
 * gate does for pushes), calls one content/ service and records changes in the audit log.
 */
import type { AccessControl } from '../auth/access-control.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { Action } from '../auth/decide.js';
import { actingOrigin, isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import { ManagementError } from '../errors/management-error.js';
import { grantedActions, principalName } from '../auth/principal.js';
import type { RolledBack, RollbackTarget } from '../content/tag-rollback.js';
import type { ReadOnlyState } from '../content/read-only-mode.js';
import type { ImmutableTagRule, ImmutableTagRuleRecord, TagEventRecord } from '../metadata/tag-history-store.js';
import { isTag, isRepositoryName } from '../oci/index.js';
import type { RegistryServices } from '../content/registry-services.js';

/** What the operations use; app.ts passes the registry's own instances. */
export interface TagOperationsDeps {
  services: RegistryServices;
  access: AccessControl;
  audit: AuditLog;
}

/** One page of tag history. */
export interface TagHistoryPage {
  events: TagEventRecord[];
  next: number | undefined;
}

const DEFAULT_HISTORY_LIMIT = 50;

/** Tag lifecycle operations, each taking the acting principal. */
export class TagOperations {
  private readonly log: ManagementAudit;

  constructor(private readonly deps: TagOperationsDeps) {
    this.log = new ManagementAudit(deps.audit);
  }

  /** A repository's (or one tag's) moves, newest first; callers need pull. */
  async history(by: ActingPrincipal, query: { repository: string; tag?: string; limit?: number; before?: number }): Promise<TagHistoryPage> {
    const repository = checkRepository(query.repository);
    if (query.tag !== undefined) checkTag(query.tag);
    await this.require(by, repository, 'pull');
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    // Refusals of the content services are answered by api-error.ts via the error table.
    const events = await this.deps.services.manifests.history(repository, {
      limit: limit + 1,
      ...(query.tag === undefined ? {} : { tag: query.tag }),
      ...(query.before === undefined ? {} : { before: query.before }),
    });
    const page = events.slice(0, limit);
    return { events: page, next: events.length > limit ? page[page.length - 1]?.id : undefined };
  }

  /** Points a tag back at an earlier manifest; a tag move like a push, so callers need push. */
  async rollback(by: ActingPrincipal, repository: string, tag: string, target: RollbackTarget): Promise<RolledBack> {
    checkRepository(repository);
    checkTag(tag);
    await this.require(by, repository, 'push');
    const result = await this.deps.services.manifests.rollback(repository, tag, target, actingOrigin(by));
    this.log.success(by, 'tag.rollback', `${repository}:${tag}`, { digest: result.digest, changed: result.changed, ...target });
    return result;
  }

  /** The rules the caller may see (admins: all; others: those of namespaces they have rights in). */
  async listRules(by: ActingPrincipal, filter: { namespace?: string; repository?: string }): Promise<ImmutableTagRuleRecord[]> {
    const rules = this.deps.services.immutableTags;
    let listed = await rules.list();
    if (filter.repository !== undefined) listed = listed.filter((rule) => rules.appliesTo(rule, filter.repository ?? ''));
    if (filter.namespace !== undefined) listed = listed.filter((rule) => rules.namespaceOfScope(rule) === filter.namespace);
    if (isSystemAdmin(by.principal)) return listed;
    const visible = new Map<string, boolean>();
    const result: ImmutableTagRuleRecord[] = [];
    for (const rule of listed) {
      const namespace = rules.namespaceOfScope(rule);
      if (!visible.has(namespace)) visible.set(namespace, (await this.deps.access.actionsOnNamespace(by.principal, namespace)).size > 0);
      if (visible.get(namespace)) result.push(rule);
    }
    return result;
  }

  /** Adds a rule: namespace maintainers and owners, and admins. */
  async addRule(by: ActingPrincipal, rule: ImmutableTagRule): Promise<ImmutableTagRuleRecord> {
    checkRule(rule);
    await this.requireRuleRights(by, rule, 'immutable.add');
    const name = principalName(by.principal);
    if (!(await this.deps.services.immutableTags.add(rule, name))) throw new ManagementError('conflict', `the rule ${rule.pattern} on ${rule.scopeKind} ${rule.scope} exists`);
    this.log.success(by, 'immutable.add', rule.scope, { scopeKind: rule.scopeKind, pattern: rule.pattern });
    const stored = (await this.deps.services.immutableTags.list()).find((r) => r.scopeKind === rule.scopeKind && r.scope === rule.scope && r.pattern === rule.pattern);
    return stored ?? { ...rule, createdBy: name, createdAt: new Date() };
  }

  /** Removes a rule: namespace maintainers and owners, and admins. */
  async removeRule(by: ActingPrincipal, rule: ImmutableTagRule): Promise<void> {
    checkRule(rule);
    await this.requireRuleRights(by, rule, 'immutable.remove');
    if (!(await this.deps.services.immutableTags.remove(rule))) throw new ManagementError('not_found', `no rule ${rule.pattern} on ${rule.scopeKind} ${rule.scope}`);
    this.log.success(by, 'immutable.remove', rule.scope, { scopeKind: rule.scopeKind, pattern: rule.pattern });
  }

  /** The read-only switch (admins). */
  async readOnly(by: ActingPrincipal): Promise<ReadOnlyState> {
    if (!isSystemAdmin(by.principal)) throw new ManagementError('denied', 'only admins may see the read-only switch');
    return this.deps.services.readOnly.state();
  }

  /** Turns read-only mode on or off (admins). */
  async setReadOnly(by: ActingPrincipal, enabled: boolean, reason: string | undefined): Promise<ReadOnlyState> {
    if (!isSystemAdmin(by.principal)) throw this.log.denied(by, 'readonly.set', 'registry', 'only admins may switch read-only mode');
    const state = await this.deps.services.readOnly.set(enabled, reason?.trim() ?? '', { ...actingOrigin(by), actor: principalName(by.principal) });
    this.log.success(by, 'readonly.set', 'registry', { enabled, reason: state.reason });
    return state;
  }

  private async require(by: ActingPrincipal, repository: string, action: Action): Promise<void> {
    const allowed = await this.deps.access.actionsOn(by.principal, repository, by.clientIp);
    if (!allowed.has(action)) throw new ManagementError('denied', `you may not ${action} ${action === 'pull' ? 'from' : 'to'} ${repository}`);
  }

  /**
   * Maintainers (push and delete) and owners of the rule's namespace, and admins. A personal
   * access token must also grant delete on the whole scope: a token made for pushing one
   * repository must not be able to freeze or unfreeze a namespace.
   */
  private async requireRuleRights(by: ActingPrincipal, rule: ImmutableTagRule, action: string): Promise<void> {
    const principal = by.principal;
    if (isSystemAdmin(principal)) return;
    const namespace = this.deps.services.immutableTags.namespaceOfScope(rule);
    const actions = await this.deps.access.actionsOnNamespace(principal, namespace);
    let allowed = actions.has('delete');
    if (allowed && principal.kind === 'user' && principal.restrictTo) {
      allowed = grantedActions(principal.restrictTo, rule.scopeKind === 'repository' ? rule.scope : `${namespace}/*`).includes('delete');
    }
    if (!allowed) throw this.log.denied(by, action, rule.scope, `only maintainers and owners of namespace "${namespace}" and admins may change its immutable-tag rules`);
  }
}

function checkRepository(repository: string): string {
  if (!isRepositoryName(repository)) throw new ManagementError('invalid', `repository: "${repository.slice(0, 300)}" is not a repository name`, { field: 'repository' });
  return repository;
}

function checkTag(tag: string): void {
  if (!isTag(tag)) throw new ManagementError('invalid', `tag: "${tag.slice(0, 200)}" is not a tag`, { field: 'tag' });
}

function checkRule(rule: ImmutableTagRule): void {
  if (!isRepositoryName(rule.scope)) throw new ManagementError('invalid', `scope: "${rule.scope.slice(0, 300)}" is not a ${rule.scopeKind} name`, { field: 'scope' });
}
