/** Reading the audit log (system admins only), newest first, a page at a time. */
import type { AuditEventRecord, AuditQuery } from '../metadata/access-store.js';
import { isSystemAdmin, type ActingPrincipal } from '../auth/acting.js';
import type { ManagementDeps } from './operation-deps.js';
import { invalid, ManagementError } from '../errors/management-error.js';

/** The default and largest page size. */
export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;

/** Filters of an audit query; `limit` defaults to {@link AUDIT_DEFAULT_LIMIT}. */
export type AuditFilter = Omit<AuditQuery, 'limit'> & { limit?: number };

/** One page of events and the cursor (`before`) of the next, undefined on the last page. */
export interface AuditPage {
  events: AuditEventRecord[];
  next?: number;
}

const OUTCOMES = new Set(['success', 'failure', 'denied']);

/** Answers audit queries. */
export class AuditQueries {
  constructor(private readonly deps: ManagementDeps) {}

  /** Events matching the filter. */
  async query(by: ActingPrincipal, filter: AuditFilter): Promise<AuditPage> {
    if (!isSystemAdmin(by.principal)) throw new ManagementError('denied', 'only admins may read the audit log');
    const limit = filter.limit ?? AUDIT_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_MAX_LIMIT) throw invalid('limit', `a whole number from 1 to ${AUDIT_MAX_LIMIT}`);
    if (filter.outcome !== undefined && !OUTCOMES.has(filter.outcome)) throw invalid('outcome', 'must be success, failure or denied');
    if (filter.before !== undefined && (!Number.isInteger(filter.before) || filter.before < 1)) throw invalid('before', 'an event id (a positive whole number)');
    for (const field of ['since', 'until'] as const) {
      const value = filter[field];
      if (value !== undefined && Number.isNaN(value.getTime())) throw invalid(field, 'not a valid date');
    }
    // One more than asked tells whether another page follows.
    const events = await this.deps.audit.query({ ...filter, limit: limit + 1 });
    if (events.length <= limit) return { events };
    const page = events.slice(0, limit);
    return { events: page, next: page[page.length - 1]?.id };
  }
}
