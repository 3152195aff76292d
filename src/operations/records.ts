/**
 * The records the operations return, as the layers above (http/, cli/, the UI) name them: the
 * metadata store's shapes are the application's views, so they are re-exported here rather than
 * let http/ import metadata/ (the layer rule in docs/architecture.md).
 */
export type { AuditEventRecord, CredentialRecord, MemberRecord, NamespaceRecord } from '../metadata/access-store.js';
export type { GcRunRecord } from '../metadata/gc-run-store.js';
export type { JobRecord, JobState } from '../metadata/job-store.js';
export { JOB_STATES } from '../metadata/job-store.js';
export type { EventRecord, EventType } from '../metadata/event-store.js';
export { EVENT_TYPES } from '../metadata/event-store.js';
export type { ImmutableTagRuleRecord, TagEventRecord } from '../metadata/tag-history-store.js';
export { TAG_PATTERN_MAX } from '../metadata/tag-history-store.js';
export type { StorageTotals } from '../metadata/usage-store.js';
