/**
 * The CI token rules' operations behind the admin API and `berth ci-rule …`: list, show,
 * create, enable or disable, delete — system admins only. A rule lets CI jobs of any project its
 * conditions admit push where its grants say, without a secret in the CI system: it is a trust
 * decision of the registry's administrators, like a system robot.
 *
 * Rules live in the metadata store, not the configuration: teams add and retire pipelines every
 * week, and a rule change must not need a restart of every node (the issuers they name, the trust
 * roots, are configuration). Disabling or deleting a rule stops new exchanges at once and revokes
 * the live credentials it helped issue (a credential issued through several rules goes when any of
 * them does: its grants were their union), so a rule taken back leaves nothing behind that still
 * pushes. Every change and refusal is audited.
 */
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../../auth/acting.js';
import type { AuditLog } from '../../auth/audit-log.js';
import { principalName } from '../../auth/principal.js';
import type { Revocations } from '../../auth/revocations.js';
import { ManagementError } from '../../errors/management-error.js';
import type { CredentialStore } from '../../metadata/access-store.js';
import type { CiTokenStore } from './rule-store.js';
import { checkRule, type CiRule, type CiRuleInput, type RuleLimits } from './rules.js';

/** What the operations use. */
export interface CiRuleAdminDeps {
  store: CiTokenStore;
  credentials: CredentialStore;
  revocations: Revocations;
  audit: AuditLog;
  limits: RuleLimits;
}

/** CI token rule management, each operation taking the acting principal. */
export class CiRuleAdmin {
  private readonly log: ManagementAudit;

  constructor(private readonly deps: CiRuleAdminDeps) {
    this.log = new ManagementAudit(deps.audit);
  }

  async list(by: ActingPrincipal): Promise<CiRule[]> {
    this.requireAdmin(by, 'ci-token-rule.list', '*', false);
    return this.deps.store.listRules();
  }

  async get(by: ActingPrincipal, name: string): Promise<CiRule> {
    this.requireAdmin(by, 'ci-token-rule.get', name, false);
    const rule = await this.deps.store.getRule(name);
    if (!rule) throw new ManagementError('not_found', `no CI token rule "${name}"`);
    return rule;
  }

  /** Validates and stores a new rule, audited as ci-token-rule.create. */
  async create(by: ActingPrincipal, input: CiRuleInput): Promise<CiRule> {
    this.requireAdmin(by, 'ci-token-rule.create', input.name, true);
    const rule: CiRule = { ...checkRule(input, this.deps.limits), createdBy: principalName(by.principal), createdAt: new Date() };
    if (!(await this.deps.store.createRule(rule))) throw new ManagementError('conflict', `a CI token rule "${rule.name}" exists`);
    this.log.success(by, 'ci-token-rule.create', rule.name, { issuer: rule.issuer, conditions: rule.conditions, grants: rule.grants, ttlSeconds: rule.ttlSeconds, enabled: rule.enabled });
    return rule;
  }

  /** Enables or disables a rule; disabling revokes the live credentials it issued. */
  async setEnabled(by: ActingPrincipal, name: string, enabled: boolean): Promise<CiRule & { revokedCredentials: number }> {
    const action = enabled ? 'ci-token-rule.enable' : 'ci-token-rule.disable';
    this.requireAdmin(by, action, name, true);
    if (!(await this.deps.store.setEnabled(name, enabled))) throw new ManagementError('not_found', `no CI token rule "${name}"`);
    const revokedCredentials = enabled ? 0 : await this.revokeIssuedBy(name);
    this.log.success(by, action, name, enabled ? {} : { revokedCredentials });
    const rule = await this.deps.store.getRule(name);
    if (!rule) throw new ManagementError('not_found', `no CI token rule "${name}"`);
    return { ...rule, revokedCredentials };
  }

  /** Deletes a rule and revokes the live credentials it issued, audited as ci-token-rule.delete. */
  async delete(by: ActingPrincipal, name: string): Promise<{ revokedCredentials: number }> {
    this.requireAdmin(by, 'ci-token-rule.delete', name, true);
    if (!(await this.deps.store.deleteRule(name))) throw new ManagementError('not_found', `no CI token rule "${name}"`);
    const revokedCredentials = await this.revokeIssuedBy(name);
    this.log.success(by, 'ci-token-rule.delete', name, { revokedCredentials });
    return { revokedCredentials };
  }

  /** Revokes every live credential the rule helped issue; every node drops its stamps at once. */
  private async revokeIssuedBy(rule: string): Promise<number> {
    let revoked = 0;
    for (const issue of await this.deps.store.liveIssuesOf(rule, new Date())) if (await this.deps.credentials.revoke(issue.credentialId)) revoked++;
    if (revoked > 0) this.deps.revocations.changed();
    return revoked;
  }

  /** Admins acting with their full rights; refused changes are audited, refused reads are not. */
  private requireAdmin(by: ActingPrincipal, action: string, target: string, audited: boolean): void {
    if (isSystemAdmin(by.principal)) return;
    const message = 'only system admins may manage CI token rules';
    throw audited ? this.log.denied(by, action, target, message) : new ManagementError('denied', message);
  }
}
