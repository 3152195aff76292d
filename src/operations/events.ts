/**
 * The outbox behind the admin API: read events after an id, by type and repository. Admins only —
 * events name actors and client addresses across every namespace (as the audit log does).
 */
import type { AuditLog } from '../auth/audit-log.js';
import { isSystemAdmin, ManagementAudit, type ActingPrincipal } from '../auth/acting.js';
import type { EventQuery, EventRecord, EventStore } from '../metadata/event-store.js';

/** Event operations, each taking the acting principal. */
export class EventOperations {
  private readonly log: ManagementAudit;

  constructor(
    private readonly events: EventStore,
    audit: AuditLog,
  ) {
    this.log = new ManagementAudit(audit);
  }

  /** Events after `query.after`, oldest first. */
  async list(by: ActingPrincipal, query: EventQuery): Promise<EventRecord[]> {
    if (!isSystemAdmin(by.principal)) throw this.log.denied(by, 'event.list', '*', 'only admins may read the event log');
    return this.events.list(query);
  }

  /** The newest event's id: where `berth events --follow` starts when asked for new events only. */
  async lastId(by: ActingPrincipal): Promise<number> {
    if (!isSystemAdmin(by.principal)) throw this.log.denied(by, 'event.list', '*', 'only admins may read the event log');
    return this.events.lastId();
  }
}
