import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** What a request sends as its body: bytes written in slices with backpressure, or nothing. */
export type Body = Buffer | undefined;

/** A response whose body was either collected or only counted. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Collected body (empty when `discard` was asked). */
  body: Buffer;
  /** Bytes received. */
  bytes: number;
}

// Slices a large body is written in: the client streams, it never hands the socket 256 MiB at once.
const WRITE_SLICE = 1024 * 1024;

/** Credentials for a registry with access control: the client does the token dance as docker does. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * A minimal distribution-spec client over node:http with keep-alive, so the figures measure the
 * registry, not the client's connection setup. With credentials it answers a Bearer challenge
 * like docker: fetch a token for the challenge's scope with Basic credentials, retry, and keep the
 * token for later requests on that repository.
 */
export class RegistryClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly tokens = new Map<string, string>();
  private lastChallenge: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly credentials?: Credentials,
  ) {}

  /** The Authorization header a request to `path` goes out with (after one request made it known). */
  authorizationFor(path: string): Record<string, string> {
    const token = this.tokens.get(scopeKey(path));
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  /** Resolves a Location header (absolute in Distribution, relative in Berth) against the base. */
  resolve(location: string | undefined): URL {
    if (!location) throw new Error('response had no Location header');
    return new URL(location, this.baseUrl);
  }

  /** One request; throws unless the status is one of `expect`. */
  async send(method: string, target: string | URL, options: { headers?: Record<string, string>; body?: Body; discard?: boolean; expect: number[] }): Promise<Answer> {
    const url = typeof target === 'string' ? new URL(target, this.baseUrl) : target;
    let answer = await this.sendOnce(method, url, { ...options.headers, ...this.authorizationFor(url.pathname) }, options);
    const challenge = answer.headers['www-authenticate'];
    if (answer.status === 401 && this.credentials && typeof challenge === 'string' && challenge.startsWith('Bearer ')) {
      this.tokens.set(scopeKey(url.pathname), await this.fetchToken(challenge));
      answer = await this.sendOnce(method, url, { ...options.headers, ...this.authorizationFor(url.pathname) }, options);
    }
    if (!options.expect.includes(answer.status)) {
      const text = options.discard ? '' : answer.body.toString('utf8').slice(0, 500);
      throw new Error(`${method} ${url.pathname}${url.search} answered ${answer.status}, expected ${options.expect.join(' or ')}: ${text}`);
    }
    return answer;
  }

  /** GET <realm>?service=&scope= with Basic credentials (docker-registry spec, auth-token.md). */
  private async fetchToken(challenge: string, extraScopes: string[] = []): Promise<string> {
    this.lastChallenge = challenge;
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const realm = new URL(params.realm ?? '');
    if (params.service) realm.searchParams.set('service', params.service);
    // Ask for everything on the repository at once, as a pushing docker client does.
    if (params.scope) realm.searchParams.set('scope', params.scope.replace(/:[^:]*$/, params.scope.startsWith('registry:') ? ':*' : ':pull,push,delete'));
    const basic = Buffer.from(`${this.credentials?.username}:${this.credentials?.password}`).toString('base64');
    for (const scope of extraScopes) realm.searchParams.append('scope', scope);
    const answer = await this.sendOnce('GET', realm, { authorization: `Basic ${basic}` }, {});
    if (answer.status !== 200) throw new Error(`token request answered ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
    return (JSON.parse(answer.body.toString('utf8')) as { token: string }).token;
  }

  private async sendOnce(method: string, url: URL, requestHeaders: Record<string, string>, options: { body?: Body; discard?: boolean }): Promise<Answer> {
    const body = options.body;
    const headers: Record<string, string> = { ...requestHeaders };
    if (method !== 'GET' && method !== 'HEAD') headers['content-length'] = String(body?.length ?? 0);
    return new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (!options.discard) chunks.push(chunk);
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bytes }));
        res.once('error', reject);
      });
      req.once('error', reject);
      if (!body) {
        req.end();
        return;
      }
      let offset = 0;
      const pump = (): void => {
        while (offset < body.length) {
          const slice = body.subarray(offset, Math.min(offset + WRITE_SLICE, body.length));
          offset += slice.length;
          if (!req.write(slice)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
  }

  /** POST /v2/<name>/blobs/uploads/: the session's Location. */
  async startUpload(name: string): Promise<URL> {
    const answer = await this.send('POST', `/v2/${name}/blobs/uploads/`, { expect: [202] });
    return this.resolve(answer.headers.location);
  }

  /** Monolithic push: POST, then one PUT ?digest= carrying the whole blob. */
  async pushMonolithic(name: string, digest: string, bytes: Buffer): Promise<void> {
    const location = await this.startUpload(name);
    location.searchParams.set('digest', digest);
    await this.send('PUT', location, { headers: { 'content-type': 'application/octet-stream' }, body: bytes, expect: [201] });
  }

  /** Chunked push: POST, PATCH each chunk with Content-Range (inclusive), then PUT ?digest=. */
  async pushChunked(name: string, digest: string, bytes: Buffer, chunkBytes: number): Promise<void> {
    let location = await this.startUpload(name);
    for (let start = 0; start < bytes.length; start += chunkBytes) {
      const chunk = bytes.subarray(start, Math.min(start + chunkBytes, bytes.length));
      const answer = await this.send('PATCH', location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + chunk.length - 1}` },
        body: chunk,
        expect: [202],
      });
      location = this.resolve(answer.headers.location);
    }
    location.searchParams.set('digest', digest);
    await this.send('PUT', location, { expect: [201] });
  }

  /** GET a blob, consuming and counting the body; returns the byte count. */
  async pullBlob(name: string, digest: string): Promise<number> {
    return (await this.send('GET', `/v2/${name}/blobs/${digest}`, { discard: true, expect: [200] })).bytes;
  }

  /** POST ?mount=&from=: true when mounted (201), false when the registry opened a session (202). */
  async mountBlob(name: string, digest: string, from: string): Promise<boolean> {
    // A mount reads `from`: like docker, ask for a token covering both repositories.
    if (this.credentials && this.lastChallenge) {
      const challenge = this.lastChallenge.replace(/scope="[^"]*"/, `scope="repository:${name}:pull,push"`);
      this.tokens.set(scopeKey(`/v2/${name}/blobs/`), await this.fetchToken(challenge, [`repository:${from}:pull`]));
    }
    const answer = await this.send('POST', `/v2/${name}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, { expect: [201, 202] });
    return answer.status === 201;
  }

  /** PUT a manifest under a tag or digest. */
  async putManifest(name: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    await this.send('PUT', `/v2/${name}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body: bytes, expect: [201] });
  }

  /** GET a JSON listing, following Link rel="next" to the end; returns every page's items. */
  async listAll(path: string, key: 'tags' | 'repositories'): Promise<string[]> {
    const items: string[] = [];
    let next: string | undefined = path;
    while (next) {
      const answer = await this.send('GET', next, { expect: [200] });
      const page = JSON.parse(answer.body.toString('utf8')) as Record<string, string[] | null>;
      items.push(...(page[key] ?? []));
      next = nextLink(answer.headers.link);
    }
    return items;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Tokens are kept per repository (a /v2/<name>/… path) or for the catalog. */
function scopeKey(path: string): string {
  const match = /^\/v2\/(.+?)\/(?:blobs|manifests|tags|referrers)\//.exec(path);
  return match ? `repository:${match[1]}` : path.startsWith('/v2/_catalog') ? 'catalog' : 'base';
}

/** The target of a Link header's rel="next" (RFC 8288), or undefined. */
function nextLink(header: string | string[] | undefined): string | undefined {
  const link = Array.isArray(header) ? header.join(', ') : header;
  if (!link) return undefined;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return match?.[1];
}
