/**
 * The metadata database as Kysely sees it: one interface per table. Both dialects share these
 * shapes; migrations/ creates them. Sizes, offsets and timestamps are integers (milliseconds since
 * the epoch for times); PostgreSQL stores them as bigint and the pool parses int8 as a number.
 */
import type { Generated } from 'kysely';

/** The SQL dialects the store runs on. */
export type MetadataDialect = 'sqlite' | 'postgres';

/** A repository exists once a blob is linked or a manifest put into it. */
export interface RepositoriesTable {
  id: Generated<number>;
  name: string;
  /** Bumped in every transaction that changes a tag, so readers can cache tag lists safely. */
  tags_version: Generated<number>;
  /** 'public' or 'private'; null inherits the namespace's visibility. */
  visibility: string | null;
}

/** Committed blobs, global by digest; their bytes live in the BlobDriver. */
export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
  /** Last time a push touched the blob (GC's lease). */
  seen_at: Generated<number>;
  /** Set while GC deletes the blob's bytes. */
  deleting_at: number | null;
}

/** Which repository may see which blob. */
export interface RepositoryBlobsTable {
  repository_id: number;
  digest: string;
  created_at: number;
  /** Last time a push touched the link (upload, mount, HEAD): GC's lease. */
  seen_at: Generated<number>;
}

/** Manifests with their exact bytes (≤ 4 MiB each). */
export interface ManifestsTable {
  repository_id: number;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  subject: string | null;
  size: number;
  bytes: Buffer;
  /** JSON text of the annotations object, or null. */
  annotations: string | null;
  created_at: number;
  /** Last recorded pull (at most hourly), or null: lifecycle policies' "not pulled for N days". */
  last_pulled_at: number | null;
}

/** What a manifest needs in its repository: blobs (config, layers) or child manifests. */
export type ReferenceKind = 'blob' | 'manifest';

/** One edge from a manifest to a blob or child manifest it needs. */
export interface ManifestReferencesTable {
  repository_id: number;
  manifest_digest: string;
  reference_digest: string;
  kind: ReferenceKind;
}

/** A tag points at one manifest of its repository. */
export interface TagsTable {
  repository_id: number;
  name: string;
  digest: string;
  updated_at: number;
}

/** Upload sessions; `repository` is a name because the repository may not exist yet. */
export interface UploadsTable {
  id: string;
  repository: string;
  algorithm: string;
  offset: number;
  created_at: number;
  updated_at: number;
  /** Who opened the session (`user:bob`, `robot:ci`); null when access control is off. */
  opened_by: string | null;
}

/** Every table of the metadata database. */
export interface Database {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_references: ManifestReferencesTable;
  tags: TagsTable;
  uploads: UploadsTable;
  accounts: AccountsTable;
  namespaces: NamespacesTable;
  namespace_members: NamespaceMembersTable;
  credentials: CredentialsTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
  tag_events: TagEventsTable;
  immutable_tag_rules: ImmutableTagRulesTable;
  registry_settings: RegistrySettingsTable;
  lifecycle_policies: LifecyclePoliciesTable;
  leases: LeasesTable;
  gc_runs: GcRunsTable;
  jobs: JobsTable;
  events: EventsTable;
}

/** User accounts; booleans are 0/1, groups JSON text. */
export interface AccountsTable {
  id: Generated<number>;
  name: string;
  kind: string;
  password_hash: string | null;
  email: string | null;
  admin: number;
  disabled: number;
  groups: string;
  external_id: string | null;
  password_changed_at: number;
  /** Tokens of the account issued before this (ms) are refused: its revocation stamp. */
  tokens_valid_after: number;
  created_at: number;
  updated_at: number;
}

/** Namespaces; CIDR lists are JSON text or null (no restriction). */
export interface NamespacesTable {
  id: Generated<number>;
  name: string;
  visibility: string;
  pull_cidrs: string | null;
  push_cidrs: string | null;
  created_at: number;
  /** Storage quota in bytes of unique blobs (0007), or null for none. */
  quota_bytes: number | null;
}

/** A user or group with a role in a namespace. */
export interface NamespaceMembersTable {
  namespace_id: number;
  member_kind: string;
  member_name: string;
  role: string;
  created_at: number;
}

/** Robot accounts and personal access tokens; grants JSON text. */
export interface CredentialsTable {
  id: string;
  kind: string;
  owner: string;
  name: string;
  secret_hash: string;
  grants: string;
  description: string | null;
  created_by: string;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  created_at: number;
}

/** Token-signing keys as JWK JSON text. */
export interface SigningKeysTable {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
}

/** The audit log; detail is JSON text. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  actor: string;
  actor_kind: string;
  action: string;
  target: string | null;
  outcome: string;
  client_ip: string | null;
  detail: string | null;
}

/** One tag move (0005): null old_digest = created, null new_digest = removed. */
export interface TagEventsTable {
  id: Generated<number>;
  repository_id: number;
  tag: string;
  old_digest: string | null;
  new_digest: string | null;
  actor: string;
  at: number;
}

/** Immutable-tag rules: a tag pattern ('*' or a glob) on a namespace or a repository. */
export interface ImmutableTagRulesTable {
  scope_kind: string;
  scope: string;
  pattern: string;
  created_by: string;
  created_at: number;
}

/** Registry-wide settings every node reads (read-only mode); value is JSON text. */
export interface RegistrySettingsTable {
  key: string;
  value: string;
  updated_by: string;
  updated_at: number;
}

/** One lifecycle policy per namespace or repository; policy is JSON text. */
export interface LifecyclePoliciesTable {
  scope_kind: string;
  scope: string;
  policy: string;
  updated_by: string;
  updated_at: number;
}

/** Named leases (lease-store.ts): who holds one and until when (epoch ms). */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** One garbage collection (0010); dry_run is 0/1, finished_at null while it runs. */
export interface GcRunsTable {
  id: Generated<number>;
  started_at: number;
  finished_at: number | null;
  node: string;
  dry_run: number;
  manifests: number;
  links: number;
  blobs: number;
  uploads: number;
  orphan_files: number;
  audit_events: number;
  bytes_reclaimed: number;
  error: string | null;
}

/** The job queue (0012): payload JSON text, times in ms, locked_* set while a node runs it. */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  idempotency_key: string | null;
  group_key: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** The outbox (event-store.ts); target and data are JSON text. */
export interface EventsTable {
  id: Generated<number>;
  type: string;
  at: number;
  repository: string | null;
  target: string | null;
  data: string | null;
  actor: string;
  actor_kind: string | null;
  address: string | null;
  node: string | null;
}
