import { getBlob, getBlobBytes, headBlob, type BlobStream, type GetBlobOptions } from './blobs.js';
import { repositoryScope } from './auth.js';
import { RegistryHttp, type CallOptions, type RegistryClientOptions } from './core.js';
import { catalogPages, collect, listReferrers, tagPages, type PageOptions, type ReferrerDescriptor, type ReferrersOptions } from './listings.js';
import { deleteManifest, getManifest, headManifest, putManifest, type FetchedManifest, type ManifestInfo, type ManifestReadOptions, type PutManifestOptions } from './manifests.js';
import { mountBlob, startUpload, uploadBlob, uploadBlobChunked, type BlobSource, type ChunkedUploadOptions, type UploadOptions } from './uploads.js';

/**
 * An outbound OCI distribution client for one registry: the docker token dance, manifests,
 * streamed and verified blobs, monolithic, chunked and mounted uploads, referrers, paginated
 * listings, retries with backoff, deadlines, pooled connections. Close it when done.
 */
export class RegistryClient {
  /** The request pipeline, for callers that need a request the client has no method for. */
  readonly http: RegistryHttp;

  constructor(baseUrl: string | URL, options: RegistryClientOptions = {}) {
    this.http = new RegistryHttp(baseUrl, options);
  }

  /** The registry's base URL. */
  get baseUrl(): string {
    return this.http.base.origin;
  }

  /** GET /v2/: resolves when the registry answers as one (200, or 401 before credentials). */
  async ping(options: CallOptions = {}): Promise<void> {
    await this.http.call({ ...options, method: 'GET', target: '/v2/', scopes: [], retry: true, expect: [200], read: 'none' });
  }

  getManifest(name: string, reference: string, options?: ManifestReadOptions): Promise<FetchedManifest> {
    return getManifest(this.http, name, reference, options);
  }

  headManifest(name: string, reference: string, options?: ManifestReadOptions): Promise<ManifestInfo | undefined> {
    return headManifest(this.http, name, reference, options);
  }

  /** PUT a manifest; returns its digest. */
  putManifest(name: string, reference: string, bytes: Buffer, options?: PutManifestOptions): Promise<string> {
    return putManifest(this.http, name, reference, bytes, options);
  }

  deleteManifest(name: string, reference: string, options?: CallOptions): Promise<void> {
    return deleteManifest(this.http, name, reference, options);
  }

  headBlob(name: string, digest: string, options?: CallOptions): Promise<{ size: number | undefined } | undefined> {
    return headBlob(this.http, name, digest, options);
  }

  /** A blob as a verifying stream. */
  getBlob(name: string, digest: string, options?: GetBlobOptions): Promise<BlobStream> {
    return getBlob(this.http, name, digest, options);
  }

  /** A small blob in memory, verified. */
  getBlobBytes(name: string, digest: string, options?: CallOptions): Promise<Buffer> {
    return getBlobBytes(this.http, name, digest, options);
  }

  deleteBlob(name: string, digest: string, options: CallOptions = {}): Promise<void> {
    const target = `/v2/${name}/blobs/${digest}`;
    return this.http.call({ ...options, method: 'DELETE', target, scopes: [`repository:${name}:delete`], retry: false, expect: [202], read: 'none' }).then(() => undefined);
  }

  /** Opens an upload session; its Location. */
  startUpload(name: string, options?: CallOptions): Promise<URL> {
    return startUpload(this.http, name, options);
  }

  uploadBlob(name: string, digest: string, source: BlobSource, options?: UploadOptions): Promise<void> {
    return uploadBlob(this.http, name, digest, source, options);
  }

  uploadBlobChunked(name: string, digest: string, source: BlobSource, options?: ChunkedUploadOptions): Promise<void> {
    return uploadBlobChunked(this.http, name, digest, source, options);
  }

  /** Mounts from another repository; true when mounted, false when it fell back (or could not). */
  mountBlob(name: string, digest: string, from: string, fallback?: () => BlobSource, options?: UploadOptions): Promise<boolean> {
    return mountBlob(this.http, name, digest, from, fallback, options);
  }

  listReferrers(name: string, digest: string, options?: ReferrersOptions): Promise<ReferrerDescriptor[]> {
    return listReferrers(this.http, name, digest, options);
  }

  tagPages(name: string, options?: PageOptions): AsyncGenerator<string[]> {
    return tagPages(this.http, name, options);
  }

  /** Every tag, all pages. */
  listTags(name: string, options?: PageOptions): Promise<string[]> {
    return collect(tagPages(this.http, name, options));
  }

  catalogPages(options?: PageOptions): AsyncGenerator<string[]> {
    return catalogPages(this.http, options);
  }

  /** Every repository, all pages. */
  listCatalog(options?: PageOptions): Promise<string[]> {
    return collect(catalogPages(this.http, options));
  }

  /** The Authorization header reads (or writes) of a repository currently open with. */
  authorizationFor(name: string, write = false, options?: CallOptions): Promise<string | undefined> {
    return this.http.authorization([repositoryScope(name, write)], options);
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.http.close();
  }
}
