import { RegistryClient as Client, type Answer as ClientAnswer, type Credentials, type Scope } from '../src/registry-client/index.js';

/** What a request sends as its body: bytes, or nothing. */
export type Body = Buffer | undefined;

/** A response whose body was either collected or only counted. */
export interface Answer {
  status: number;
  headers: ClientAnswer['headers'];
  /** Collected body (empty when `discard` was asked). */
  body: Buffer;
  /** Bytes received. */
  bytes: number;
}

export type { Credentials };

// The bench keeps many requests in flight at once; the old node:http agent allowed 256 sockets.
const CONNECTIONS = 256;

/**
 * The bench's view of src/registry-client: the figures use the same client replication and
 * mirroring will, with the raw `send` the workloads need for requests they time themselves.
 */
export class RegistryClient {
  private readonly client: Client;

  constructor(
    readonly baseUrl: string,
    credentials?: Credentials,
  ) {
    // No retries: a benchmark should fail loudly rather than average in retried requests.
    this.client = new Client(baseUrl, { credentials, connections: CONNECTIONS, retry: { retries: 0 }, timeoutMs: 600_000 });
  }

  /** The Authorization header a request to `path` goes out with (fetching a token when the realm is known). */
  async authorizationFor(path: string): Promise<Record<string, string>> {
    const value = await this.client.http.authorization(scopesOf('GET', path));
    return value ? { authorization: value } : {};
  }

  /** Resolves a Location header (absolute in Distribution, relative in Berth) against the base. */
  resolve(location: string | string[] | undefined): URL {
    const value = Array.isArray(location) ? location[0] : location;
    if (!value) throw new Error('response had no Location header');
    return this.client.http.resolve(value);
  }

  /** One request; throws unless the status is one of `expect`. */
  async send(method: string, target: string | URL, options: { headers?: Record<string, string>; body?: Body; discard?: boolean; expect: number[] }): Promise<Answer> {
    const url = this.client.http.resolve(target);
    const answer = await this.client.http.call({
      method,
      target: url,
      scopes: scopesOf(method, url.pathname),
      headers: options.headers,
      body: options.body,
      retry: false,
      expect: options.expect,
      read: options.discard ? 'stream' : 'buffer',
      limit: Number.MAX_SAFE_INTEGER,
    });
    if (!answer.stream) return { status: answer.status, headers: answer.headers, body: answer.bytes, bytes: answer.bytes.length };
    let bytes = 0;
    for await (const chunk of answer.stream as AsyncIterable<Buffer>) bytes += chunk.length;
    return { status: answer.status, headers: answer.headers, body: Buffer.alloc(0), bytes };
  }

  /** POST /v2/<name>/blobs/uploads/: the session's Location. */
  startUpload(name: string): Promise<URL> {
    return this.client.startUpload(name);
  }

  /** Monolithic push: POST, then one PUT ?digest= carrying the whole blob. */
  pushMonolithic(name: string, digest: string, bytes: Buffer): Promise<void> {
    return this.client.uploadBlob(name, digest, bytes);
  }

  /** Chunked push: POST, PATCH each chunk with Content-Range (inclusive), then PUT ?digest=. */
  pushChunked(name: string, digest: string, bytes: Buffer, chunkBytes: number): Promise<void> {
    return this.client.uploadBlobChunked(name, digest, bytes, { chunkSize: chunkBytes });
  }

  /** GET a blob, consuming and counting the body; returns the byte count. */
  async pullBlob(name: string, digest: string): Promise<number> {
    return (await this.send('GET', `/v2/${name}/blobs/${digest}`, { discard: true, expect: [200] })).bytes;
  }

  /** POST ?mount=&from=: true when mounted (201), false when the registry opened a session (202). */
  mountBlob(name: string, digest: string, from: string): Promise<boolean> {
    return this.client.mountBlob(name, digest, from);
  }

  /** PUT a manifest under a tag or digest. */
  async putManifest(name: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    await this.client.putManifest(name, reference, bytes, { mediaType });
  }

  /** GET a JSON listing, following Link rel="next" to the end; returns every page's items. */
  listAll(path: string, key: 'tags' | 'repositories'): Promise<string[]> {
    const url = this.client.http.resolve(path);
    const n = url.searchParams.get('n');
    const pageSize = n === null ? undefined : Number(n);
    if (key === 'repositories') return this.client.listCatalog({ pageSize });
    const name = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname)?.[1];
    if (name === undefined) throw new Error(`not a tags path: ${path}`);
    return this.client.listTags(name, { pageSize });
  }

  close(): void {
    void this.client.close();
  }
}

/** The token scopes a raw request needs: pull to read, pull,push to write, delete, or the catalog. */
function scopesOf(method: string, path: string): Scope[] {
  if (path.startsWith('/v2/_catalog')) return ['registry:catalog:*'];
  // Greedy name, anchored suffix: a repository may itself be called …/tags or …/blobs.
  const name = /^\/v2\/(.+)\/(?:tags\/list|manifests\/[^/]+|blobs\/uploads\/.*|blobs\/[^/]+|referrers\/[^/]+)$/.exec(path)?.[1];
  if (name === undefined) return [];
  if (method === 'DELETE') return [`repository:${name}:delete`];
  return [`repository:${name}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push'}`];
}
