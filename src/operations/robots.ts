/**
 * Robot accounts: secrets with grants, for CI and deployments. A robot belongs to a namespace
 * (its name is unique there, it logs in as `robot$<namespace>+<name>`, its grants count only
 * inside it) and that namespace's owners create, see and revoke it; admins may also make system
 * robots, granted anywhere. The secret is returned once, at creation; only its hash is kept.
 */
import { randomUUID } from 'node:crypto';
import type { CredentialRecord } from '../metadata/access-store.js';
import { newSecret, robotLogin, secretHash } from '../auth/credentials.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import type { ManagementDeps } from './operation-deps.js';
import { checkGrants, expiryOf, type ExpiryInput, type GrantInput } from './credential-rules.js';
import { invalid, ManagementError } from '../errors/management-error.js';
import { checkAccountName } from './names.js';

/** What a robot is created with. */
export interface RobotInput extends ExpiryInput {
  name: string;
  /**
   * The namespace it belongs to; every grant must lie inside it. Omitted: an admin makes a
   * system robot (granted anywhere), anyone else a robot of the one namespace its grants lie in.
   */
  namespace?: string;
  description?: string;
  grants: readonly GrantInput[];
}

/** A robot as management shows it, with the login name it authenticates with. */
export type RobotView = CredentialRecord & { login: string; namespace?: string };

/** A robot just created: its secret, shown this once. */
export type CreatedRobot = RobotView & { secret: string };

/** The longest description. */
export const DESCRIPTION_MAX = 1024;

function robotView(record: CredentialRecord): RobotView {
  return { ...record, login: robotLogin(record.name, record.owner), ...(record.owner === '' ? {} : { namespace: record.owner }) };
}

/** Robot management. */
export class RobotOperations {
  private readonly audit: ManagementAudit;

  constructor(private readonly deps: ManagementDeps) {
    this.audit = new ManagementAudit(deps.audit);
  }

  /** Creates a robot and returns it with its secret. */
  async create(by: ActingPrincipal, input: RobotInput): Promise<CreatedRobot> {
    const target = robotLogin(input.name, input.namespace);
    if (by.principal.kind !== 'user' || by.principal.restrictTo !== undefined) {
      throw this.audit.denied(by, 'robot.create', target, 'robots are created by users logged in with their password');
    }
    checkAccountName(input.name);
    if (input.description !== undefined && input.description.length > DESCRIPTION_MAX) throw new ManagementError('invalid', `description: at most ${DESCRIPTION_MAX} characters`);
    const grants = checkGrants(input.grants);
    const expiresAt = expiryOf(input);
    const namespace = await this.namespaceFor(by, input, grants, target);
    const secret = newSecret('robot');
    const created = await this.deps.store.credentials.create({
      id: randomUUID(),
      kind: 'robot',
      owner: namespace,
      name: input.name,
      secretHash: secretHash(secret),
      grants,
      createdBy: by.principal.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    if (!created) throw new ManagementError('conflict', namespace === '' ? `a robot "${input.name}" exists` : `a robot "${input.name}" exists in namespace "${namespace}"`);
    const login = robotLogin(created.name, namespace);
    this.audit.success(by, 'robot.create', login, { id: created.id, grants, ...(namespace === '' ? {} : { namespace }), ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) });
    return { ...robotView(created), secret };
  }

  /**
   * The namespace the new robot belongs to ('' for a system robot), once every grant is checked:
   * a namespace's robot holds grants inside it only, so what it may do never outgrows what that
   * namespace's owners can grant, and its name is taken in that namespace alone.
   */
  private async namespaceFor(by: ActingPrincipal, input: RobotInput, grants: readonly GrantInput[], target: string): Promise<string> {
    const admin = isSystemAdmin(by.principal);
    if (input.namespace === undefined && admin) return '';
    if (input.namespace !== undefined) {
      const namespace = input.namespace;
      if (!admin && !(await this.deps.access.actionsOnNamespace(by.principal, namespace)).has('manage')) {
        throw this.audit.denied(by, 'robot.create', target, `"${namespace}" is not a namespace you own`);
      }
      for (const grant of grants) {
        if (this.grantNamespace(grant.repository) !== namespace) throw invalid('grants', `"${grant.repository}" is outside namespace "${namespace}": a namespace's robot is granted inside it only`);
      }
      return namespace;
    }
    const namespaces = new Set<string>();
    for (const grant of grants) {
      const outside = await this.outsideOwnedNamespaces(by, grant.repository);
      if (outside !== undefined) throw this.audit.denied(by, 'robot.create', target, outside);
      namespaces.add(this.grantNamespace(grant.repository) ?? '');
    }
    if (namespaces.size > 1) {
      throw invalid('grants', `a robot belongs to one namespace, and these grants lie in ${[...namespaces].map((ns) => `"${ns}"`).join(', ')}: create one robot per namespace`);
    }
    return [...namespaces][0] ?? '';
  }

  /**
   * Admins: every robot; others: the robots they created and every robot with a grant inside a
   * namespace they own — whoever made it (an admin, a former owner). A robot belongs to the
   * namespaces its grants reach, not to its creator.
   */
  async list(by: ActingPrincipal): Promise<RobotView[]> {
    const all = await this.deps.store.credentials.list({ kind: 'robot' });
    const principal = by.principal;
    if (isSystemAdmin(principal)) return all.map(robotView);
    if (principal.kind !== 'user' || principal.restrictTo !== undefined) return [];
    const visible: RobotView[] = [];
    for (const robot of all) if (robot.createdBy === principal.name || (await this.touchesOwnedNamespace(by, robot))) visible.push(robotView(robot));
    return visible;
  }

  /** Revokes a robot (admins, or its creator). Revoking a revoked robot changes nothing. */
  async revoke(by: ActingPrincipal, id: string): Promise<void> {
    const robot = await this.deps.store.credentials.get(id);
    if (!robot || robot.kind !== 'robot') throw new ManagementError('not_found', `no robot with id "${id}"`);
    const target = robotLogin(robot.name, robot.owner);
    const principal = by.principal;
    const withPassword = principal.kind === 'user' && principal.restrictTo === undefined;
    const allowed = isSystemAdmin(principal) || (withPassword && (principal.name === robot.createdBy || (await this.touchesOwnedNamespace(by, robot))));
    if (!allowed) throw this.audit.denied(by, 'robot.revoke', target, 'only admins, its creator and owners of a namespace it is granted on may revoke a robot');
    if (await this.deps.store.credentials.revoke(id)) {
      this.deps.revocations?.changed();
      this.audit.success(by, 'robot.revoke', target, { id });
    }
  }

  /**
   * True when one of the robot's grants lies inside a namespace the caller owns. A grant on
   * every repository ("*") is the admins' alone: it makes no owner the robot's keeper.
   */
  private async touchesOwnedNamespace(by: ActingPrincipal, robot: CredentialRecord): Promise<boolean> {
    for (const namespace of grantedNamespaces(this.deps.access, robot)) {
      if ((await this.deps.access.actionsOnNamespace(by.principal, namespace)).has('manage')) return true;
    }
    return false;
  }

  /** Why a grant pattern reaches outside the caller's owned namespaces, or undefined when it doesn't. */
  private async outsideOwnedNamespaces(by: ActingPrincipal, pattern: string): Promise<string | undefined> {
    if (pattern === '*') return 'only admins may grant on every repository ("*")';
    const namespace = this.grantNamespace(pattern);
    if (namespace === undefined) return `"${pattern}" spans several namespaces; grant on "<namespace>/*" or single repositories`;
    const actions = await this.deps.access.actionsOnNamespace(by.principal, namespace);
    return actions.has('manage') ? undefined : `"${pattern}" is outside the namespaces you own`;
  }

  /**
   * The one namespace a grant pattern lies in, or undefined for "*" and for patterns spanning
   * several. A `prefix/*` pattern is inside one namespace only when the prefix has at least the
   * namespace depth's components (with depth 2, `team/*` would also match `team/sub/app`, in
   * namespace `team/sub`).
   */
  private grantNamespace(pattern: string): string | undefined {
    if (pattern === '*') return undefined;
    const access = this.deps.access;
    if (!pattern.endsWith('/*')) return access.namespaceOf(pattern);
    const prefix = pattern.slice(0, -2);
    return prefix.split('/').length < access.names.settings.depth ? undefined : access.namespaceOf(`${prefix}/x`);
  }
}

/**
 * The namespaces a robot belongs to or is granted in: its own, and those its grants lie in (a
 * system robot's, or rows from before robots had namespaces). A grant on every repository ("*")
 * names none; a prefix shorter than the namespace depth spans namespaces and counts as the one it
 * names.
 */
export function grantedNamespaces(access: { namespaceOf(repository: string): string }, robot: CredentialRecord): Set<string> {
  const namespaces = new Set<string>(robot.owner === '' ? [] : [robot.owner]);
  for (const grant of robot.grants) {
    if (grant.repository === '*') continue;
    const prefix = grant.repository.endsWith('/*') ? grant.repository.slice(0, -2) : undefined;
    namespaces.add(access.namespaceOf(prefix === undefined ? grant.repository : `${prefix}/x`));
  }
  return namespaces;
}
