/**
 * The requests of the rewritten conformance suite (api.go) with the expectations it attaches,
 * against Berth. Each call returns normally on a pass; it throws on a failure; and when the
 * suite would record "unsupported" (errRegUnsupported: a fallback taken, a 405, a missing
 * OCI-Filters-Applied…) — a Skip, which does not fail a run — it notes why in `unsupported`.
 */
import { ConformanceClient, expectBody, expectDigestHeaderIfSet, expectHeader, expectStatus, expectThat, type Reply } from './conformance-client.js';
import { MT } from './conformance-v2-data.js';

/** config.go: chunkMin, the smallest chunk the suite sends (raised by OCI-Chunk-Min-Length). */
export const CHUNK_MIN = 1024;

const ACCEPT = { Accept: [MT.index, MT.image] };

/** detectMediaType: the document's mediaType field, an OCI image manifest when absent. */
export function detectMediaType(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString()) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : MT.image;
  } catch {
    return MT.image;
  }
}

export function detectSubject(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString()) as { subject?: { digest?: string } };
    return parsed.subject?.digest;
  } catch {
    return undefined;
  }
}

export interface BlobOpts {
  badDigest?: boolean;
  putLastChunk?: boolean;
  outOfOrder?: boolean;
  /** Receives OCI-Chunk-Min-Length from the POST (the "chunked single" test reads it). */
  minHeader?: (value: string) => void;
}

export class V2Api {
  readonly client: ConformanceClient;
  /** Why the suite would have marked something unsupported (a Skip, not a failure). */
  readonly unsupported: string[] = [];

  constructor(base: string) {
    // api.go sends bodies set with apiWithContentLength with a length; the others (manifest
    // PUT, the streamed PATCH) are readers of unknown length: Go sends them chunked.
    this.client = new ConformanceClient(base, 'length');
  }

  private blobURL(repo: string, dig: string): string {
    return `/v2/${repo}/blobs/${dig}`;
  }

  /** BlobVerifyLocation: GET Location answers 200 with the pushed bytes. */
  private async verifyLocation(reply: Reply, bytes: Buffer): Promise<void> {
    const location = reply.resolvedLocation();
    expectThat(location !== '', reply, 'a Location header');
    const got = await this.client.send('GET', location);
    expectStatus(got, 200);
    expectBody(got, bytes);
  }

  async blobPostPut(repo: string, dig: string, bytes: Buffer, opts: BlobOpts = {}): Promise<void> {
    const post = await this.client.send('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(post, 202);
    expectThat(post.header('Location') !== '', post, 'a Location header');
    const put = await this.client.send('PUT', post.resolvedLocation(), { query: { digest: dig }, headers: { 'Content-Type': MT.octet }, body: bytes });
    if (opts.badDigest) return expectStatus(put, 400);
    expectStatus(put, 201);
    expectDigestHeaderIfSet(put, dig);
    await this.verifyLocation(put, bytes);
  }

  async blobPostOnly(repo: string, dig: string, bytes: Buffer, opts: BlobOpts = {}): Promise<void> {
    const post = await this.client.send('POST', `/v2/${repo}/blobs/uploads/`, { query: { digest: dig }, headers: { 'Content-Type': MT.octet }, body: bytes });
    if (opts.badDigest) expectStatus(post, 400, 202);
    else {
      expectStatus(post, 201, 202);
      expectHeader(post, 'Location');
    }
    if (post.status === 202) {
      const put = await this.client.send('PUT', post.resolvedLocation(), { query: { digest: dig }, headers: { 'Content-Type': MT.octet }, body: bytes });
      expectStatus(put, opts.badDigest ? 400 : 201);
      this.unsupported.push(`POST ?digest= answered 202 for ${dig}: content in the POST unsupported, fell back to PUT`);
      return;
    }
    if (opts.badDigest) return;
    expectDigestHeaderIfSet(post, dig);
    await this.verifyLocation(post, bytes);
  }

  async blobPatchStream(repo: string, dig: string, bytes: Buffer, opts: BlobOpts = {}): Promise<void> {
    const post = await this.client.send('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(post, 202);
    expectThat(post.header('Location') !== '', post, 'a Location header');
    const patch = await this.client.send('PATCH', post.resolvedLocation(), { headers: { 'Content-Type': MT.octet }, body: bytes, bodyMode: 'chunked' });
    expectStatus(patch, 202);
    expectThat(patch.header('Location') !== '', patch, 'a Location header');
    const put = await this.client.send('PUT', patch.resolvedLocation(), { query: { digest: dig }, headers: { 'Content-Type': MT.octet } });
    if (opts.badDigest) return expectStatus(put, 400);
    expectStatus(put, 201);
    expectHeader(put, 'Location');
    expectDigestHeaderIfSet(put, dig);
    await this.verifyLocation(put, bytes);
  }

  /** BlobPatchChunked, with the PutLastChunk / OutOfOrderChunks / ExpectBadDigest flags. */
  async blobPatchChunked(repo: string, dig: string, bytes: Buffer, opts: BlobOpts = {}): Promise<void> {
    const post = await this.client.send('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(post, 202);
    const min = post.header('OCI-Chunk-Min-Length');
    opts.minHeader?.(min);
    let chunkSize = Math.floor(bytes.length / 3) + 1;
    if (min !== '') {
      const parsed = Number.parseInt(min, 10);
      expectThat(Number.isInteger(parsed), post, 'OCI-Chunk-Min-Length to parse as an integer');
      if (parsed > chunkSize) chunkSize = parsed;
    }
    chunkSize = Math.min(Math.max(chunkSize, CHUNK_MIN), bytes.length);
    let location = post.resolvedLocation();
    let last: Reply = post;
    let lastByte = -1;
    while (lastByte < bytes.length - 1) {
      if (opts.outOfOrder) {
        expectThat(location !== '', last, 'a Location header');
        const current = location;
        let badStart = lastByte + 1 + chunkSize;
        if (badStart >= bytes.length) badStart = 0;
        const badLast = Math.min(badStart + chunkSize - 1, bytes.length - 1);
        const asPut = opts.putLastChunk && badLast === bytes.length - 1;
        const bad = await this.client.send(asPut ? 'PUT' : 'PATCH', current, {
          ...(asPut ? { query: { digest: dig } } : {}),
          headers: { 'Content-Type': MT.octet, 'Content-Range': `${badStart}-${badLast}` },
          body: bytes.subarray(badStart, badLast + 1),
        });
        expectStatus(bad, 416);
        if (bad.header('Location') !== '') location = bad.resolvedLocation();
        // Recover with a GET on the URL the bad chunk went to.
        const status = await this.client.send('GET', current);
        expectStatus(status, 204);
        if (status.header('Location') !== '') location = status.resolvedLocation();
        const range = status.header('Range');
        expectThat(range.startsWith('0-'), status, 'a Range header starting 0-');
        const end = Number.parseInt(range.slice(2), 10);
        expectThat(String(end) === range.slice(2), status, 'a Range header 0-<integer>');
        if (lastByte >= 0) expectThat(end === lastByte, status, `Range 0-${lastByte}`);
        last = status;
      }
      expectThat(location !== '', last, 'a Location header');
      const start = lastByte + 1;
      lastByte = Math.min(start + chunkSize - 1, bytes.length - 1);
      const final = opts.putLastChunk && lastByte === bytes.length - 1;
      const reply = await this.client.send(final ? 'PUT' : 'PATCH', location, {
        ...(final ? { query: { digest: dig } } : {}),
        headers: { 'Content-Type': MT.octet, 'Content-Range': `${start}-${lastByte}` },
        body: bytes.subarray(start, lastByte + 1),
      });
      if (final && opts.badDigest) return expectStatus(reply, 400);
      expectStatus(reply, final ? 201 : 202);
      if (reply.header('Location') !== '') location = reply.resolvedLocation();
      last = reply;
    }
    if (!opts.putLastChunk) {
      expectThat(location !== '', last, 'a Location header');
      const put = await this.client.send('PUT', location, { query: { digest: dig }, headers: { 'Content-Type': MT.octet } });
      if (opts.badDigest) return expectStatus(put, 400);
      expectStatus(put, 201);
      last = put;
    }
    expectDigestHeaderIfSet(last, dig);
    await this.verifyLocation(last, bytes);
  }

  /** BlobMount (from = '' for an anonymous mount); returns the status of the POST. */
  async blobMount(repo: string, from: string, dig: string, bytes: Buffer): Promise<number> {
    const post = await this.client.send('POST', `/v2/${repo}/blobs/uploads/`, { query: { mount: dig, ...(from ? { from } : {}) } });
    expectStatus(post, 201, 202);
    expectThat(post.header('Location') !== '', post, 'a Location header');
    let last = post;
    if (post.status === 202) {
      const put = await this.client.send('PUT', post.resolvedLocation(), { query: { digest: dig }, headers: { 'Content-Type': MT.octet }, body: bytes });
      expectStatus(put, 201);
      last = put;
    }
    expectDigestHeaderIfSet(last, dig);
    await this.verifyLocation(last, bytes);
    return post.status;
  }

  async blobHeadExists(repo: string, dig: string, bytes: Buffer | undefined, emptyDigest: boolean): Promise<void> {
    const reply = await this.client.send('HEAD', this.blobURL(repo, dig));
    expectStatus(reply, 200);
    expectThat(reply.body.length === 0, reply, 'an empty body');
    if (bytes !== undefined && (bytes.length > 0 || emptyDigest)) expectHeader(reply, 'Content-Length', String(bytes.length));
    expectDigestHeaderIfSet(reply, dig);
  }

  async blobGetExists(repo: string, dig: string, bytes: Buffer | undefined, emptyDigest: boolean): Promise<void> {
    const reply = await this.client.send('GET', this.blobURL(repo, dig));
    expectStatus(reply, 200);
    if (bytes !== undefined && (bytes.length > 0 || emptyDigest)) {
      expectBody(reply, bytes);
      expectHeader(reply, 'Content-Length', String(bytes.length));
    }
    expectDigestHeaderIfSet(reply, dig);
  }

  /** TestDeleteBlob: DELETE (202/404/405), then, unless 405, HEAD answers 404. */
  async blobDelete(repo: string, dig: string): Promise<void> {
    const reply = await this.client.send('DELETE', this.blobURL(repo, dig));
    expectStatus(reply, 202, 404, 405);
    if (reply.status === 405) {
      this.unsupported.push(`blob DELETE answered 405 for ${dig}`);
      return;
    }
    expectStatus(await this.client.send('HEAD', this.blobURL(repo, dig)), 404);
  }

  /** ManifestPut: 201 with Location (or 400 for a bad digest); OCI-Subject; GET Location. */
  async manifestPut(repo: string, ref: string, dig: string, body: Buffer, opts: { badDigest?: boolean } = {}): Promise<void> {
    const mediaType = detectMediaType(body);
    const reply = await this.client.send('PUT', `/v2/${repo}/manifests/${ref}`, { headers: { 'Content-Type': mediaType }, body, bodyMode: 'chunked' });
    const subject = detectSubject(body);
    if (subject !== undefined) expectHeader(reply, 'OCI-Subject', subject);
    if (opts.badDigest) return expectStatus(reply, 400);
    expectStatus(reply, 201);
    expectDigestHeaderIfSet(reply, dig);
    expectThat(reply.header('Location') !== '', reply, 'a Location header');
    const got = await this.client.send('GET', reply.resolvedLocation(), { headers: ACCEPT });
    expectStatus(got, 200);
    expectHeader(got, 'Content-Type', mediaType);
    expectHeader(got, 'Content-Length', String(body.length));
    expectBody(got, body);
  }

  async manifestGetExists(repo: string, ref: string, dig: string, body: Buffer | undefined): Promise<void> {
    const reply = await this.client.send('GET', `/v2/${repo}/manifests/${ref}`, { headers: ACCEPT });
    expectStatus(reply, 200);
    if (body !== undefined && body.length > 0) {
      expectBody(reply, body);
      expectHeader(reply, 'Content-Type', detectMediaType(body));
      expectHeader(reply, 'Content-Length', String(body.length));
      expectDigestHeaderIfSet(reply, dig);
    }
  }

  async manifestHeadExists(repo: string, ref: string, dig: string, body: Buffer | undefined): Promise<void> {
    const reply = await this.client.send('HEAD', `/v2/${repo}/manifests/${ref}`, { headers: ACCEPT });
    expectStatus(reply, 200);
    expectThat(reply.body.length === 0, reply, 'an empty body');
    if (body !== undefined && body.length > 0) {
      expectHeader(reply, 'Content-Type', detectMediaType(body));
      expectHeader(reply, 'Content-Length', String(body.length));
      expectDigestHeaderIfSet(reply, dig);
    }
  }

  async manifestGetStatus(repo: string, ref: string, ...statuses: number[]): Promise<void> {
    expectStatus(await this.client.send('GET', `/v2/${repo}/manifests/${ref}`, { headers: ACCEPT }), ...statuses);
  }

  /** TestDeleteTag / TestDeleteManifest: DELETE (202/404/400/405), then, unless unsupported, HEAD 404. */
  async manifestDelete(repo: string, ref: string): Promise<void> {
    const reply = await this.client.send('DELETE', `/v2/${repo}/manifests/${ref}`);
    expectStatus(reply, 202, 404, 400, 405);
    if (reply.status === 400 || reply.status === 405) {
      this.unsupported.push(`manifest DELETE of ${ref} answered ${reply.status}`);
      return;
    }
    expectStatus(await this.client.send('HEAD', `/v2/${repo}/manifests/${ref}`, { headers: ACCEPT }), 404);
  }

  /** ReferrersList: 200, Content-Type exactly the OCI index type, an index body. */
  async referrers(repo: string, subject: string, artifactType?: string): Promise<{ reply: Reply; manifests: ReferrerEntry[] }> {
    const reply = await this.client.send('GET', `/v2/${repo}/referrers/${subject}`, artifactType ? { query: { artifactType } } : {});
    expectStatus(reply, 200);
    expectHeader(reply, 'Content-Type', MT.index);
    let parsed: { mediaType?: string; schemaVersion?: number; manifests?: ReferrerEntry[] } = {};
    try {
      parsed = reply.json();
    } catch {
      expectThat(false, reply, 'a JSON body');
    }
    expectThat(parsed.mediaType === MT.index && parsed.schemaVersion === 2, reply, 'an OCI index (mediaType and schemaVersion 2)');
    return { reply, manifests: parsed.manifests ?? [] };
  }

  /** TagList: 200 with a JSON tag list, or 404. */
  async tagList(repo: string, last?: string): Promise<{ reply: Reply; tags: string[] }> {
    const reply = await this.client.send('GET', `/v2/${repo}/tags/list`, last === undefined ? {} : { query: { last } });
    expectStatus(reply, 200, 404);
    if (reply.status === 404) return { reply, tags: [] };
    try {
      return { reply, tags: reply.json<{ tags?: string[] | null }>().tags ?? [] };
    } catch {
      expectThat(false, reply, 'a JSON tag list');
      return { reply, tags: [] };
    }
  }
}

export interface ReferrerEntry {
  mediaType?: string;
  digest: string;
  size?: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Runs checks, collecting every failure (errors.Join), and throws them together at the end. */
export async function collect(checks: (() => Promise<void>)[]): Promise<void> {
  const failures: string[] = [];
  for (const check of checks) {
    try {
      await check();
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} failure(s):\n- ${failures.join('\n- ')}`);
}
