/**
 * The application layer: every operation the admin API, the CLI (through the API) and the coming
 * UI perform — users, namespaces and members, robots, personal access tokens, the audit log,
 * repositories, tags and rollback, immutable-tag rules, read-only mode, quotas, GC, jobs, events. Each
 * operation takes the acting principal, checks it may, validates its input, calls content/ or
 * the store and records the change in the audit log; refusals are ManagementErrors. No HTTP
 * types here: http/ and cli/ only translate. Extensions add their own operations beside these.
 */
import type { ActingPrincipal } from '../auth/acting.js';
import type { GarbageCollector } from '../gc/collector.js';
import type { RegistryServices } from '../content/registry-services.js';
import { AuditQueries } from './audit-queries.js';
import { GcOperations } from './gc.js';
import { EventOperations } from './events.js';
import { JobOperations } from './jobs.js';
import { importHtpasswd, type HtpasswdImportResult } from './htpasswd-import.js';
import { NamespaceOperations } from './namespaces.js';
import type { ManagementDeps } from './operation-deps.js';
import { RepositoryOperations } from './repositories.js';
import { RobotOperations } from './robots.js';
import { TagOperations } from './tags.js';
import { TokenOperations } from './tokens.js';
import { UserOperations } from './users.js';

/** What the operations are built from; app.ts passes the registry's own instances. */
export interface OperationsDeps extends ManagementDeps {
  services: RegistryServices;
  gc: GarbageCollector;
}

/** Every operation, grouped by what it acts on. */
export class Operations {
  readonly users: UserOperations;
  readonly namespaces: NamespaceOperations;
  readonly robots: RobotOperations;
  readonly tokens: TokenOperations;
  readonly audit: AuditQueries;
  readonly repositories: RepositoryOperations;
  readonly tags: TagOperations;
  readonly gc: GcOperations;
  readonly jobs: JobOperations;
  readonly events: EventOperations;

  constructor(private readonly deps: OperationsDeps) {
    this.users = new UserOperations(deps);
    this.repositories = new RepositoryOperations(deps);
    this.namespaces = new NamespaceOperations(deps, deps.services.quotas, this.repositories);
    this.robots = new RobotOperations(deps);
    this.tokens = new TokenOperations(deps);
    this.audit = new AuditQueries(deps);
    this.tags = new TagOperations(deps);
    this.gc = new GcOperations(deps.gc, deps.store.gcRuns, deps.audit);
    this.jobs = new JobOperations(deps.store.jobs, deps.audit);
    this.events = new EventOperations(deps.store.events, deps.audit);
  }

  /** Imports an htpasswd file's accounts (admins only). */
  importHtpasswd(by: ActingPrincipal, text: string): Promise<HtpasswdImportResult> {
    return importHtpasswd(this.deps, by, text);
  }
}
