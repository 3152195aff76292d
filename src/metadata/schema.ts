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
}

/** Committed blobs, global by digest; their bytes live in the BlobDriver. */
export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
}

/** Which repository may see which blob. */
export interface RepositoryBlobsTable {
  repository_id: number;
  digest: string;
  created_at: number;
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
}
