/**
 * What lineage reads from an image, pure: the layer chain (ChainIDs, image-spec config.md: the
 * identity of a stack of layers, so two images share a base exactly when their chains share a
 * prefix), the platform, and the base an image names in its annotations
 * (`org.opencontainers.image.base.name` / `.base.digest`, which buildah, ko and buildkit write).
 */
import { createHash } from 'node:crypto';
import { isRepositoryName, isTag, tryParseDigest } from '../../oci/index.js';

export const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';
export const BASE_DIGEST_ANNOTATION = 'org.opencontainers.image.base.digest';

/** The image config media types whose `rootfs.diff_ids` make a layer chain. */
export const IMAGE_CONFIG_TYPES: readonly string[] = ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'];

/**
 * The ChainID of each prefix of the layer stack: ChainID(L0) = DiffID(L0), ChainID(L0…Ln) =
 * sha256(ChainID(L0…Ln-1) + " " + DiffID(Ln)). Entry i identifies the first i+1 layers.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const chains: string[] = [];
  for (const diffId of diffIds) {
    const previous = chains.at(-1);
    chains.push(previous === undefined ? diffId : `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}`);
  }
  return chains;
}

/** An image config's facts lineage keeps; undefined when the bytes are not an image config it can read. */
export interface ConfigFacts {
  diffIds: string[];
  platform?: string;
}

export function readConfig(bytes: Uint8Array): ConfigFacts | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const { rootfs, os, architecture, variant } = doc as Record<string, unknown>;
  const diffIds = (rootfs as { diff_ids?: unknown } | undefined)?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((id) => typeof id === 'string' && tryParseDigest(id) !== undefined)) return undefined;
  const platform = typeof os === 'string' && typeof architecture === 'string' ? [os, architecture, ...(typeof variant === 'string' && variant ? [variant] : [])].join('/') : undefined;
  return { diffIds: diffIds as string[], ...(platform ? { platform } : {}) };
}

/** An index entry's `platform` as `os/arch[/variant]`. */
export function platformText(platform: unknown): string | undefined {
  if (typeof platform !== 'object' || platform === null) return undefined;
  const { os, architecture, variant } = platform as Record<string, unknown>;
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return [os, architecture, ...(typeof variant === 'string' && variant ? [variant] : [])].join('/');
}

/** The base an image's annotations name. */
export interface NamedBase {
  /** The annotation as written, e.g. `docker.io/library/alpine:3.19`. */
  name?: string;
  digest?: string;
  /** The name's repository path without its registry host (`library/alpine`): how it is found here. */
  repository?: string;
  tag?: string;
}

/** The base the annotations name, or undefined when they name none (or only nonsense). */
export function namedBase(annotations: Record<string, string> | undefined): NamedBase | undefined {
  const name = annotations?.[BASE_NAME_ANNOTATION]?.trim();
  const digestText = annotations?.[BASE_DIGEST_ANNOTATION]?.trim();
  const digest = digestText && tryParseDigest(digestText) ? digestText : undefined;
  const parsed = name ? parseImageName(name) : undefined;
  if (!parsed && !digest) return undefined;
  return { ...(parsed ? { name, ...parsed } : {}), ...(digest ? { digest } : {}) };
}

/**
 * `[host[:port]/]path[:tag][@digest]` → the path and tag. The first segment is a host when it
 * holds a dot or a colon or is `localhost` (the rule docker's reference parser uses); Docker Hub's
 * one-segment names are `library/…`.
 */
export function parseImageName(name: string): { repository: string; tag?: string } | undefined {
  const withoutDigest = name.split('@')[0] ?? '';
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : undefined;
  const path = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  const segments = path.split('/');
  const first = segments[0] ?? '';
  const hasHost = segments.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const rest = hasHost ? segments.slice(1) : segments;
  const isHub = !hasHost || first === 'docker.io' || first === 'index.docker.io' || first === 'registry-1.docker.io';
  const repository = (isHub && rest.length === 1 ? ['library', ...rest] : rest).join('/').toLowerCase();
  if (!isRepositoryName(repository) || (tag !== undefined && !isTag(tag))) return undefined;
  return { repository, ...(tag ? { tag } : {}) };
}
