import type { Kysely } from 'kysely';
import { KyselyAccountStore } from './account-store.js';
import { KyselyAuditStore, KyselySigningKeyStore } from './audit-store.js';
import { KyselyBlobStore } from './blob-store.js';
import { KyselyCredentialStore } from './credential-store.js';
import { KyselyGcRunStore } from './gc-run-store.js';
import { KyselyGcStore } from './gc-store.js';
import { KyselyEventStore } from './event-store.js';
import { KyselyJobStore } from './job-store.js';
import { KyselyLeaseStore } from './lease-store.js';
import { KyselyLifecycleStore } from './lifecycle-store.js';
import { KyselyManifestStore } from './manifest-store.js';
import type { MetadataStore } from './metadata-store.js';
import { KyselyNamespaceStore } from './namespace-store.js';
import { KyselyRepositoryStore } from './repository-store.js';
import type { Database, MetadataDialect } from './schema.js';
import { KyselySettingsStore } from './settings-store.js';
import { KyselyImmutableTagRuleStore, KyselyTagHistoryStore } from './tag-history-store.js';
import { KyselyUploadStore } from './upload-store.js';
import { KyselyUsageStore } from './usage-store.js';

/**
 * The MetadataStore over a migrated Kysely database, the same code for SQLite and PostgreSQL.
 * Dialect differences stay small: PostgreSQL takes row locks where SQLite's single writer makes
 * them unnecessary (and unsupported). Owns `db`: close() destroys it.
 */
export class KyselyMetadataStore implements MetadataStore {
  readonly repositories: KyselyRepositoryStore;
  readonly blobs: KyselyBlobStore;
  readonly manifests: KyselyManifestStore;
  readonly uploads: KyselyUploadStore;
  readonly accounts: KyselyAccountStore;
  readonly namespaces: KyselyNamespaceStore;
  readonly credentials: KyselyCredentialStore;
  readonly signingKeys: KyselySigningKeyStore;
  readonly audit: KyselyAuditStore;
  readonly gc: KyselyGcStore;
  readonly gcRuns: KyselyGcRunStore;
  readonly tagHistory: KyselyTagHistoryStore;
  readonly immutableTags: KyselyImmutableTagRuleStore;
  readonly settings: KyselySettingsStore;
  readonly lifecycle: KyselyLifecycleStore;
  readonly usage: KyselyUsageStore;
  readonly leases: KyselyLeaseStore;
  readonly jobs: KyselyJobStore;
  readonly events: KyselyEventStore;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: MetadataDialect,
  ) {
    const rowLocks = dialect === 'postgres';
    this.repositories = new KyselyRepositoryStore(db, rowLocks);
    this.blobs = new KyselyBlobStore(db, rowLocks);
    this.manifests = new KyselyManifestStore(db, rowLocks);
    this.uploads = new KyselyUploadStore(db, rowLocks);
    this.accounts = new KyselyAccountStore(db);
    this.namespaces = new KyselyNamespaceStore(db);
    this.credentials = new KyselyCredentialStore(db);
    this.signingKeys = new KyselySigningKeyStore(db);
    this.audit = new KyselyAuditStore(db);
    this.gc = new KyselyGcStore(db, rowLocks);
    this.gcRuns = new KyselyGcRunStore(db);
    this.tagHistory = new KyselyTagHistoryStore(db);
    this.immutableTags = new KyselyImmutableTagRuleStore(db);
    this.settings = new KyselySettingsStore(db);
    this.lifecycle = new KyselyLifecycleStore(db);
    this.usage = new KyselyUsageStore(db);
    this.leases = new KyselyLeaseStore(db);
    this.jobs = new KyselyJobStore(db, rowLocks);
    this.events = new KyselyEventStore(db, rowLocks);
  }

  extensionTables<T extends object>(): Kysely<T> {
    // The one database, seen through the extension's own table types only (metadata-store.ts).
    return this.db as unknown as Kysely<T>;
  }

  async ping(): Promise<void> {
    // One of Berth's own tables, not `select 1`: a dropped schema must make /readyz fail.
    await this.db.selectFrom('repositories').select('id').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
