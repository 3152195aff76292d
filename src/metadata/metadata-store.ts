import type { Kysely } from 'kysely';
import type { AccountStore, AuditStore, CredentialStore, NamespaceStore, SigningKeyStore } from './access-store.js';
import type { EventStore } from './event-store.js';
import type { GcRunStore } from './gc-run-store.js';
import type { GcStore } from './gc-store.js';
import type { JobStore } from './job-store.js';
import type { LeaseStore } from './lease-store.js';
import type { LifecycleStore } from './lifecycle-store.js';
import type { SettingsStore } from './settings-store.js';
import type { TagChangeOptions } from './tag-changes.js';
import type { ImmutableTagRefusal, ImmutableTagRuleStore, TagHistoryStore } from './tag-history-store.js';
import type { BlobQuota, QuotaRefusal, RepositoryScope, UsageStore } from './usage-store.js';

/**
 * MetadataStore: everything except blob bytes — repositories, which blobs each repository may
 * see, manifests (their bytes too), tags, referrers, upload sessions, and access control.
 * One method per question content/ asks; split by role so no interface grows past a handful.
 * Digests and names cross this seam as plain strings the services have already validated.
 * Each method is one transaction: a method either changes everything it says or nothing.
 */
export interface MetadataStore {
  /** "sqlite" or "postgres", for logs and /readyz. */
  readonly dialect: string;
  readonly repositories: RepositoryStore;
  readonly blobs: BlobStore;
  readonly manifests: ManifestStore;
  readonly uploads: UploadStore;
  /** Access control (access-store.ts). */
  readonly accounts: AccountStore;
  readonly namespaces: NamespaceStore;
  readonly credentials: CredentialStore;
  readonly signingKeys: SigningKeyStore;
  readonly audit: AuditStore;
  /** Garbage collection's snapshot and guarded sweeps (gc-store.ts). */
  readonly gc: GcStore;
  /** The history of GC runs (gc-run-store.ts). */
  readonly gcRuns: GcRunStore;
  /** Tag moves, immutable-tag rules and run-time settings (tag-history-store.ts, settings-store.ts). */
  readonly tagHistory: TagHistoryStore;
  readonly immutableTags: ImmutableTagRuleStore;
  readonly settings: SettingsStore;
  /** Lifecycle policies, images as they see them, pull times (lifecycle-store.ts). */
  readonly lifecycle: LifecycleStore;
  /** Storage used by namespaces and repositories, computed from the blob links (usage-store.ts). */
  readonly usage: UsageStore;
  /** Named leases: one GC and one lifecycle runner among the nodes (lease-store.ts). */
  readonly leases: LeaseStore;
  /** The job queue every node claims from (job-store.ts). */
  readonly jobs: JobStore;
  /** The outbox: events written with their changes (event-store.ts). */
  readonly events: EventStore;
  /**
   * The database as an extension's own store sees it: only the tables its migrations made
   * (`<name>/0001-…`), typed by the extension (`T`), on the same connections and transactions as
   * the core's roles. The core's tables are not in `T`: an extension reaches them through the
   * roles above, never around them.
   */
  extensionTables<T extends object>(): Kysely<T>;
  /** Resolves when the database answers a trivial query; throws otherwise. */
  ping(): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
}

/** A page request: names strictly after `after`, in byte order, `limit` at most. */
export interface PageRequest {
  limit?: number;
  after?: string;
}

/** Repositories exist once a blob is linked or a manifest put into them. */
export interface RepositoryStore {
  /** Repository names in byte ("ASCIIbetical") order; with `prefix`, only names starting with it. */
  list(page: PageRequest, prefix?: string): Promise<string[]>;
  exists(name: string): Promise<boolean>;
  /**
   * Deletes the repository with its tags, manifests, references and blob links, in one
   * transaction; the blobs' bytes stay for GC to reclaim once no repository links them. Every
   * removed tag is recorded in the tag history. Refused (nothing changes) when an `immutable` rule
   * protects one of its tags.
   */
  delete(name: string, options?: TagChangeOptions): Promise<RepositoryDeletion | ImmutableTagRefusal | { status: 'unknown' }>;
}

/** What deleting a repository removed. */
export interface RepositoryDeletion {
  status: 'deleted';
  tags: number;
  /** The digests of the removed manifests (callers drop them from their caches). */
  manifests: string[];
  /** Blob links removed. */
  blobs: number;
}

/** Committed blobs (global, by digest) and the links that let a repository see them. */
export interface BlobStore {
  /**
   * Before an upload puts a blob's bytes in place: renews the blob's GC lease when it exists
   * ('claimed'), says 'absent' when there is no row, or 'busy' while GC is deleting it (wait for
   * the row to go, then claim again).
   */
  claim(digest: string): Promise<'claimed' | 'absent' | 'busy'>;
  /**
   * Records a blob whose bytes are already at their content-addressed path and links it to the
   * repository (created when new), renewing both leases. Safe to repeat and to race: both
   * callers succeed. 'busy' when GC started deleting the blob since the claim (nothing changed).
   * With a `quota`, a blob its namespace doesn't link yet is refused (nothing changed) when it
   * would take the namespace past the limit; the check and the link share one transaction.
   */
  commit(repository: string, digest: string, size: number, quota?: BlobQuota): Promise<'committed' | 'busy' | QuotaRefusal>;
  /**
   * Renews the repository link's GC lease (a client checked the blob is there, e.g. HEAD).
   * False when the link is gone (GC took it since it was read): the blob is not there after all.
   */
  touch(repository: string, digest: string): Promise<boolean>;
  /** The blob's size when the repository may see it. */
  stat(repository: string, digest: string): Promise<BlobRecord | undefined>;
  /** The blob's size when any repository holds it (mount without `from`). */
  statAny(digest: string): Promise<BlobRecord | undefined>;
  /**
   * Links an existing blob into `repository`: from `from` when given (only if `from` links it),
   * otherwise from anywhere it is committed. Returns the blob, or undefined when it can't, or
   * the refusal when `quota` is given and the link would take the namespace past it (as commit).
   */
  mount(repository: string, digest: string, from?: string, quota?: BlobQuota): Promise<BlobRecord | QuotaRefusal | undefined>;
  /**
   * Removes the repository's link to the blob, even when a manifest of the repository uses it
   * (as Distribution does, and the conformance suite deletes blobs before their manifests);
   * such a manifest then pulls with a 404 on that blob. The bytes stay for GC.
   */
  unlink(repository: string, digest: string): Promise<UnlinkResult>;
}

/** A committed blob. */
export interface BlobRecord {
  digest: string;
  size: number;
  /** When a push last touched the repository's link (stat only): GC's lease. */
  seenAt?: Date;
}

/** What an unlink or a delete did. `referenced` names a manifest that still needs the target. */
export type UnlinkResult = { status: 'deleted' } | { status: 'unknown' } | { status: 'referenced'; by: string };

/** A manifest to store; its references were extracted and validated by content/. */
export interface ManifestInput extends TagChangeOptions {
  repository: string;
  digest: string;
  mediaType: string;
  /** The bytes exactly as pushed (distribution-spec: stored in the exact byte representation). */
  bytes: Uint8Array;
  /** artifactType, or for an image manifest without one its config media type (referrers API). */
  artifactType?: string;
  /** The `subject` digest, when the manifest has one. */
  subject?: string;
  annotations?: Record<string, string>;
  /** Digests of config and layers that must be linked in the repository (foreign layers left out). */
  blobs: string[];
  /** Digests of child manifests (an index's `manifests`) that must exist in the repository. */
  manifests: string[];
  /** The sizes the manifest declares for `blobs` and `manifests`; each must match what is stored. */
  declaredSizes?: ReadonlyMap<string, number>;
  /** Tags to point at this manifest in the same transaction. */
  tags: string[];
}

/** A stored manifest. */
export interface ManifestRecord {
  digest: string;
  mediaType: string;
  size: number;
  bytes: Uint8Array;
}

/** A descriptor of a manifest whose `subject` is some digest (referrers API). */
export interface ReferrerRecord {
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The outcome of {@link ManifestStore.put}: stored, or refused naming what is missing. */
export type PutManifestResult =
  | { status: 'stored' }
  | { status: 'missing'; blobs: string[]; manifests: string[] }
  | { status: 'size-mismatch'; mismatches: SizeMismatch[] }
  | ImmutableTagRefusal;

/** A descriptor whose declared size is not the size of the blob or manifest stored under its digest. */
export interface SizeMismatch {
  digest: string;
  declared: number;
  stored: number;
}

/** The outcome of {@link ManifestStore.setTag}. */
export type SetTagResult = { status: 'tagged' } | { status: 'unchanged' } | { status: 'unknown' } | ImmutableTagRefusal;

/** Manifests, tags and referrers. */
export interface ManifestStore {
  /**
   * Stores the manifest and points its tags at it, in one transaction — but only when every
   * referenced blob is linked and every child manifest exists in the repository; otherwise
   * nothing changes and the missing digests are returned; likewise when a declared size
   * (`declaredSizes`) is not the stored one. Repeating a put is harmless; two puts of
   * the same tag both succeed and the tag ends on one of them. Every tag it moves is recorded in
   * the tag history; moving a tag an `immutable` rule protects refuses the whole put.
   */
  put(input: ManifestInput): Promise<PutManifestResult>;
  get(repository: string, digest: string): Promise<ManifestRecord | undefined>;
  getByTag(repository: string, tag: string): Promise<ManifestRecord | undefined>;
  /**
   * Deletes the manifest and every tag pointing at it, unless an index in the repository still
   * lists it as a child, or an `immutable` rule protects one of its tags (then nothing changes).
   * Its referrers are kept. The removed tags are recorded in the tag history.
   */
  delete(repository: string, digest: string, options?: TagChangeOptions): Promise<UnlinkResult | ImmutableTagRefusal>;
  /**
   * Removes one tag (recorded in the tag history); the manifest stays. False when there was no
   * such tag; a refusal when an `immutable` rule protects it.
   */
  deleteTag(repository: string, tag: string, options?: TagChangeOptions): Promise<boolean | ImmutableTagRefusal>;
  /**
   * Points a tag at a manifest the repository holds (rollback), recorded in the tag history.
   * 'unknown' when the repository or manifest is missing; 'unchanged' when it points there already.
   */
  setTag(repository: string, tag: string, digest: string, options?: TagChangeOptions): Promise<SetTagResult>;
  /** Tags in byte order. */
  listTags(repository: string, page: PageRequest): Promise<string[]>;
  /**
   * A number that changes whenever a tag of the repository is added, moved or removed (committed
   * in the same transaction), or undefined when the repository does not exist. Callers cache tag
   * lists under it: one indexed row read tells whether a cached list is still right, on any node.
   */
  tagsVersion(repository: string): Promise<number | undefined>;
  /** Manifests of the repository whose subject is `subject`, optionally of one artifactType. */
  referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerRecord[]>;
}

/** An upload session: its bytes live in the BlobDriver, its state here. */
export interface UploadRecord {
  id: string;
  repository: string;
  algorithm: string;
  /** Bytes accepted so far (the next chunk starts here). */
  offset: number;
  createdAt: Date;
  updatedAt: Date;
  /** Who opened it (`user:bob`, `robot:ci`); absent when access control is off. */
  openedBy?: string;
}

/** A session to open. */
export interface NewUpload {
  id: string;
  repository: string;
  algorithm: string;
  openedBy?: string;
}

/** Caps on open sessions a new one must respect (uploads.maxSessionsPer*). */
export interface SessionLimits {
  /** The repository's namespace, for the lock, and its repositories. */
  namespace: string;
  scope: RepositoryScope;
  perNamespace: number;
  /** Applies to sessions of the same `openedBy`; none for a session without one. */
  perPrincipal: number;
}

/** A session refused because a cap is reached; nothing was created. */
export interface SessionRefusal {
  status: 'too-many-sessions';
  of: 'namespace' | 'principal';
  limit: number;
  /** Sessions open now. */
  open: number;
}

/** Upload sessions, shared by every node. */
export interface UploadStore {
  /**
   * Opens a session. With `limits`, refused (nothing created) when the namespace or the opener
   * already has that many open sessions; the count and the insert share one transaction.
   */
  create(upload: NewUpload): Promise<UploadRecord>;
  create(upload: NewUpload, limits: SessionLimits | undefined): Promise<UploadRecord | SessionRefusal>;
  get(id: string): Promise<UploadRecord | undefined>;
  /**
   * Moves the offset from `expected` to `offset` (compare-and-set), so two PATCHes racing on one
   * session can't both win. False when the offset was no longer `expected` or the session is gone.
   * With a `quota`, a move forward is refused (nothing changed) when the namespace's blobs and
   * unfinished uploads would exceed it; the check and the update share one transaction.
   */
  advance(id: string, expected: number, offset: number, quota?: BlobQuota): Promise<boolean | QuotaRefusal>;
  /** Removes the session; false when it did not exist. */
  delete(id: string): Promise<boolean>;
}
