/**
 * The management operations behind the admin API and the CLI: users, namespaces and members,
 * robots, personal access tokens and the audit log. Each operation takes the acting principal,
 * checks it may, validates its input, writes the store and records the change in the audit log;
 * refusals are ManagementErrors. No HTTP types here.
 */
import type { Acting, ManagementDeps } from './acting.js';
import { AuditQueries } from './audit-queries.js';
import { importHtpasswd, type HtpasswdImportResult } from './htpasswd-import.js';
import { NamespaceManagement } from './namespaces.js';
import { RobotManagement } from './robots.js';
import { TokenManagement } from './tokens.js';
import { UserManagement } from './users.js';

/** Every management operation, grouped by what it manages. */
export class Management {
  readonly users: UserManagement;
  readonly namespaces: NamespaceManagement;
  readonly robots: RobotManagement;
  readonly tokens: TokenManagement;
  readonly audit: AuditQueries;

  constructor(private readonly deps: ManagementDeps) {
    this.users = new UserManagement(deps);
    this.namespaces = new NamespaceManagement(deps);
    this.robots = new RobotManagement(deps);
    this.tokens = new TokenManagement(deps);
    this.audit = new AuditQueries(deps);
  }

  /** Imports an htpasswd file's accounts (admins only). */
  importHtpasswd(by: Acting, text: string): Promise<HtpasswdImportResult> {
    return importHtpasswd(this.deps, by, text);
  }
}
