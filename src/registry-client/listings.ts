import { MediaType, parseDigest } from '../oci/index.js';
import { CATALOG_SCOPE, repositoryScope, type Scope } from './auth.js';
import type { CallOptions, RegistryHttp } from './core.js';
import { RegistryClientError } from './errors.js';
import { header } from './transport.js';

/** Options of a paginated listing. */
export interface PageOptions extends CallOptions {
  /** Page size asked for (`n`); the registry may send fewer. */
  pageSize?: number;
  /** Start after this entry (`last`). */
  last?: string;
}

/** The target of a Link header's rel="next" (RFC 8288), or undefined. */
export function nextLink(value: string | string[] | undefined): string | undefined {
  const links = Array.isArray(value) ? value.join(', ') : value;
  if (!links) return undefined;
  for (const part of links.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?/i.test(match[2] as string)) return match[1];
  }
  return undefined;
}

/** Pages of a JSON listing (`tags` or `repositories`), following Link rel="next" to the end. */
async function* pages(http: RegistryHttp, path: string, key: 'tags' | 'repositories', scopes: Scope[], options: PageOptions): AsyncGenerator<string[]> {
  const first = http.resolve(path);
  if (options.pageSize !== undefined) first.searchParams.set('n', String(options.pageSize));
  if (options.last !== undefined) first.searchParams.set('last', options.last);
  let next: URL | undefined = first;
  const seen = new Set<string>();
  while (next) {
    // A registry that links a page to itself would loop forever.
    if (seen.has(next.href)) throw new RegistryClientError({ kind: 'protocol', method: 'GET', url: next, reason: 'pagination loops' });
    seen.add(next.href);
    const answer = await http.call({ ...options, method: 'GET', target: next, scopes, retry: true, expect: [200], read: 'buffer' });
    const body = JSON.parse(answer.bytes.toString('utf8')) as Record<string, unknown>;
    const items = body[key];
    yield Array.isArray(items) ? items.filter((item): item is string => typeof item === 'string') : [];
    const link = nextLink(answer.headers.link);
    next = link === undefined ? undefined : new URL(link, answer.url);
  }
}

/** Each page of a repository's tags. */
export function tagPages(http: RegistryHttp, name: string, options: PageOptions = {}): AsyncGenerator<string[]> {
  return pages(http, `/v2/${name}/tags/list`, 'tags', [repositoryScope(name, false)], options);
}

/** Each page of the catalog. */
export function catalogPages(http: RegistryHttp, options: PageOptions = {}): AsyncGenerator<string[]> {
  return pages(http, '/v2/_catalog', 'repositories', [CATALOG_SCOPE], options);
}

/** Every entry of a paginated listing. */
export async function collect(source: AsyncGenerator<string[]>): Promise<string[]> {
  const all: string[] = [];
  for await (const page of source) all.push(...page);
  return all;
}

/** A descriptor in a referrers index. */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Options of a referrers listing. */
export interface ReferrersOptions extends CallOptions {
  artifactType?: string;
}

/**
 * The manifests whose subject is `digest`: GET /v2/<name>/referrers/<digest>, or, where the
 * registry has no such endpoint (404), the referrers tag schema's index `sha256-<hex>`
 * (distribution-spec, "Referrers Tag Schema"). Filtered by artifactType here too when the
 * registry did not say it filtered (OCI-Filters-Applied).
 */
export async function listReferrers(http: RegistryHttp, name: string, digest: string, options: ReferrersOptions = {}): Promise<ReferrerDescriptor[]> {
  const subject = parseDigest(digest);
  const scopes = [repositoryScope(name, false)];
  const url = http.resolve(`/v2/${name}/referrers/${digest}`);
  if (options.artifactType !== undefined) url.searchParams.set('artifactType', options.artifactType);
  const accept = { accept: MediaType.OciIndex };
  const answer = await http.call({ ...options, method: 'GET', target: url, scopes, headers: accept, retry: true, expect: [200, 404], read: 'buffer' });
  let bytes = answer.bytes;
  let filtered = (header(answer.headers, 'oci-filters-applied') ?? '').split(',').some((f) => f.trim() === 'artifactType');
  if (answer.status === 404) {
    const tag = `${subject.algorithm}-${subject.encoded}`;
    const fallback = await http.call({ ...options, method: 'GET', target: `/v2/${name}/manifests/${tag}`, scopes, headers: accept, retry: true, expect: [200, 404], read: 'buffer' });
    if (fallback.status === 404) return [];
    bytes = fallback.bytes;
    filtered = false;
  }
  const index = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
  const manifests = Array.isArray(index.manifests) ? (index.manifests as ReferrerDescriptor[]) : [];
  return options.artifactType === undefined || filtered ? manifests : manifests.filter((m) => m.artifactType === options.artifactType);
}
