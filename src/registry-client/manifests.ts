import { MANIFEST_MEDIA_TYPES, bareMediaType, digestOf, tryParseDigest } from '../oci/index.js';
import { repositoryScope } from './auth.js';
import type { CallOptions, RegistryHttp } from './core.js';
import { RegistryClientError } from './errors.js';
import { header } from './transport.js';

/** Every manifest kind the client asks for (OCI and Docker schema 2, images and indexes). */
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/** A fetched manifest. */
export interface FetchedManifest {
  bytes: Buffer;
  /** The Content-Type the registry answered with (parameters stripped). */
  mediaType: string | undefined;
  /** The verified digest of the bytes (the reference's algorithm, else sha256). */
  digest: string;
  /** Docker-Content-Digest as the registry sent it. */
  registryDigest: string | undefined;
}

/** What HEAD tells about a manifest. */
export interface ManifestInfo {
  digest: string | undefined;
  mediaType: string | undefined;
  size: number | undefined;
}

/** Options of a manifest GET or HEAD. */
export interface ManifestReadOptions extends CallOptions {
  /** Overrides the Accept list. */
  accept?: string;
}

function path(name: string, reference: string): string {
  return `/v2/${name}/manifests/${reference}`;
}

/**
 * GET a manifest by tag or digest. By digest, the bytes must hash to it; either way a
 * Docker-Content-Digest the registry sent must match the bytes, so a corrupt answer never passes.
 */
export async function getManifest(http: RegistryHttp, name: string, reference: string, options: ManifestReadOptions = {}): Promise<FetchedManifest> {
  const answer = await http.call({
    ...options,
    method: 'GET',
    target: path(name, reference),
    scopes: [repositoryScope(name, false)],
    headers: { accept: options.accept ?? MANIFEST_ACCEPT },
    retry: true,
    expect: [200],
    read: 'buffer',
  });
  const registryDigest = header(answer.headers, 'docker-content-digest');
  const byReference = tryParseDigest(reference);
  const digest = digestOf(answer.bytes, byReference?.algorithm ?? 'sha256').toString();
  const fail = (reason: string): RegistryClientError => new RegistryClientError({ kind: 'digest', method: 'GET', url: answer.url, reason });
  if (byReference && digest !== byReference.toString()) throw fail(`manifest bytes hash to ${digest}, not ${reference}`);
  const claimed = registryDigest === undefined ? undefined : tryParseDigest(registryDigest);
  if (claimed && digestOf(answer.bytes, claimed.algorithm).toString() !== claimed.toString()) throw fail(`manifest bytes do not match Docker-Content-Digest ${registryDigest}`);
  return { bytes: answer.bytes, mediaType: bareMediaType(header(answer.headers, 'content-type')), digest, registryDigest };
}

/** HEAD a manifest; undefined when the registry does not have it. */
export async function headManifest(http: RegistryHttp, name: string, reference: string, options: ManifestReadOptions = {}): Promise<ManifestInfo | undefined> {
  const answer = await http.call({
    ...options,
    method: 'HEAD',
    target: path(name, reference),
    scopes: [repositoryScope(name, false)],
    headers: { accept: options.accept ?? MANIFEST_ACCEPT },
    retry: true,
    expect: [200, 404],
    read: 'none',
  });
  if (answer.status === 404) return undefined;
  const length = header(answer.headers, 'content-length');
  return {
    digest: header(answer.headers, 'docker-content-digest'),
    mediaType: bareMediaType(header(answer.headers, 'content-type')),
    size: length === undefined ? undefined : Number(length),
  };
}

/** The `mediaType` field a manifest declares, if it is JSON with one. */
export function declaredMediaType(bytes: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'mediaType' in parsed && typeof parsed.mediaType === 'string') return parsed.mediaType;
  } catch {
    // not JSON: the registry will say so
  }
  return undefined;
}

/** Options of a manifest PUT. */
export interface PutManifestOptions extends CallOptions {
  /** The Content-Type; default the manifest's own `mediaType` field. */
  mediaType?: string;
}

/**
 * PUT a manifest under a tag or digest; returns its digest. PUT of the same bytes is idempotent,
 * so it is retried on 429/5xx like a read.
 */
export async function putManifest(http: RegistryHttp, name: string, reference: string, bytes: Buffer, options: PutManifestOptions = {}): Promise<string> {
  const mediaType = options.mediaType ?? declaredMediaType(bytes);
  if (mediaType === undefined) throw new RegistryClientError({ kind: 'protocol', method: 'PUT', url: http.resolve(path(name, reference)), reason: 'manifest has no mediaType field; pass one' });
  const answer = await http.call({
    ...options,
    method: 'PUT',
    target: path(name, reference),
    scopes: [repositoryScope(name, true)],
    headers: { 'content-type': mediaType },
    body: bytes,
    retry: true,
    expect: [201],
    read: 'none',
  });
  return header(answer.headers, 'docker-content-digest') ?? digestOf(bytes).toString();
}

/** DELETE a manifest (by digest; registries that allow it also by tag). */
export async function deleteManifest(http: RegistryHttp, name: string, reference: string, options: CallOptions = {}): Promise<void> {
  await http.call({ ...options, method: 'DELETE', target: path(name, reference), scopes: [`repository:${name}:delete`], retry: false, expect: [202], read: 'none' });
}
