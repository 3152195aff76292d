/** What the operations share; app.ts passes the registry's own instances. */
import type { AccessControl } from '../auth/access-control.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { MetadataStore } from '../metadata/metadata-store.js';

/** The stores and access services the account and namespace operations use. */
export interface ManagementDeps {
  store: MetadataStore;
  access: AccessControl;
  audit: AuditLog;
  /** Told when an account or credential loses its tokens (auth/revocations.ts), so they stop at once. */
  revocations?: { changed(): void };
}
