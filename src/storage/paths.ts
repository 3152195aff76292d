/**
 * Where bytes live in a BlobDriver. The layout:
 *
 * ```
 * <root>/
 *   blobs/<algorithm>/<first two hex>/<encoded>/data   committed blobs, content-addressed,
 *                                                       shared by every repository
 *   uploads/<upload id>/data                           an upload session's bytes so far
 *   readyz/<random id>                                 /readyz's probe file, deleted at once
 *   _berth/storage-id                                  the id binding this storage to its
 *                                                       metadata database (content/storage-binding.ts)
 * ```
 *
 * Which repository may see which blob is metadata (repository blob links), not a path: the same
 * layer pushed to ten repositories is stored once. Manifests live in the metadata store.
 * A blob reaches its path only by an atomic move of a complete, verified upload.
 */
import { tryParseDigest, type Digest } from '../oci/digest.js';

/** The path of a committed blob's bytes. */
export function blobDataPath(digest: Digest): string {
  return `blobs/${digest.algorithm}/${digest.encoded.slice(0, 2)}/${digest.encoded}/data`;
}

/** The prefix that holds everything of one upload session. */
export function uploadPrefix(uploadId: string): string {
  return `uploads/${uploadId}`;
}

/** The path of an upload session's bytes. */
export function uploadDataPath(uploadId: string): string {
  return `${uploadPrefix(uploadId)}/data`;
}

/**
 * The file holding the storage id, also recorded in the metadata database: a database bound to
 * other storage (or none) refuses to work on this one, so GC never takes another's blobs.
 */
export const STORAGE_ID_PATH = '_berth/storage-id';

/** Where every committed blob lives (GC lists it to find files without a row). */
export const BLOBS_PREFIX = 'blobs';

/** The digest a blob data path names, or undefined for any other path. */
export function digestOfBlobPath(path: string): Digest | undefined {
  const match = /^blobs\/([a-z0-9]+)\/[0-9a-f]{2}\/([0-9a-f]+)\/data$/.exec(path);
  return match ? tryParseDigest(`${match[1]}:${match[2]}`) : undefined;
}
