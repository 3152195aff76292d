import { createHash } from 'node:crypto';

/** Every manifest media type a client may ask for. */
export const ACCEPT_ALL_MANIFESTS = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface FetchedManifest {
  status: number;
  contentType: string | null;
  /** Docker-Content-Digest as the registry sent it. */
  digest: string | null;
  bytes: Buffer;
  /** sha256 of the body as received. */
  bodyDigest: string;
  /** The body parsed as JSON. */
  json<T = Record<string, any>>(): T;
}

/** GET /v2/<name>/manifests/<reference> accepting every manifest type. */
export async function fetchManifest(url: string, name: string, reference: string): Promise<FetchedManifest> {
  const response = await fetch(`${url}/v2/${name}/manifests/${reference}`, { headers: { Accept: ACCEPT_ALL_MANIFESTS } });
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    digest: response.headers.get('docker-content-digest'),
    bytes,
    bodyDigest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    json: <T>() => JSON.parse(bytes.toString()) as T,
  };
}

/** GET /v2/<name>/blobs/<digest>: the status and body. */
export async function fetchBlob(url: string, name: string, digest: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(`${url}/v2/${name}/blobs/${digest}`);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** HEAD /v2/<name>/blobs/<digest>: the status. */
export async function blobStatus(url: string, name: string, digest: string): Promise<number> {
  return (await fetch(`${url}/v2/${name}/blobs/${digest}`, { method: 'HEAD' })).status;
}

/** The tags the registry lists for a repository. */
export async function listTags(url: string, name: string): Promise<string[]> {
  const response = await fetch(`${url}/v2/${name}/tags/list`);
  if (response.status !== 200) throw new Error(`tags/list of ${name} answered ${response.status}`);
  return ((await response.json()) as { tags: string[] | null }).tags ?? [];
}
