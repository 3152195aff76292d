import { RegistryError } from '../errors/index.js';
import { tryParseDigest } from './digest.js';
import { MediaType, MANIFEST_MEDIA_TYPES, isForeignLayer, isIndexMediaType } from './media-types.js';

/** A descriptor (image-spec descriptor.md), validated. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** What the registry needs to know of a pushed manifest. */
export interface ParsedManifest {
  mediaType: string;
  /** Config and layer digests the repository must hold (foreign layers left out). */
  blobs: string[];
  /** Child manifests (index entries) the repository must hold. */
  manifests: string[];
  /** The size each of `blobs` and `manifests` is declared with (checked against what is stored). */
  declaredSizes: Map<string, number>;
  subject?: Descriptor;
  /** For the referrers API: artifactType, else (image manifests) the config media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

type Json = Record<string, unknown>;

function invalid(reason: string, extra: Json = {}): RegistryError {
  return new RegistryError('MANIFEST_INVALID', { detail: { reason, ...extra } });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseAnnotations(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalid(`${where}.annotations must be an object of strings`);
  }
  return value as Record<string, string>;
}

function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size, artifactType } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${where}.mediaType must be a non-empty string`);
  if (typeof digest !== 'string' || !tryParseDigest(digest)) {
    throw invalid(`${where}.digest must be a valid sha256 or sha512 digest`, { digest });
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(`${where}.size must be a non-negative integer`);
  }
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid(`${where}.artifactType must be a string`);
  const annotations = parseAnnotations(value.annotations, where);
  return { mediaType, digest, size, ...(artifactType ? { artifactType } : {}), ...(annotations ? { annotations } : {}) };
}

function parseDescriptorList(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(`${where} must be an array`);
  return value.map((item, i) => parseDescriptor(item, `${where}[${i}]`));
}

/**
 * Decides the manifest's media type from its Content-Type and its `mediaType` field: they must
 * agree when both are given (distribution-spec, "Pushing Manifests"); schema 1 is refused.
 */
function resolveMediaType(doc: Json, contentType: string | undefined): string {
  const field = doc.mediaType;
  if (field !== undefined && typeof field !== 'string') throw invalid('mediaType must be a string');
  const schema1 = [MediaType.DockerSchema1, MediaType.DockerSchema1Signed] as string[];
  if (doc.schemaVersion === 1 || schema1.includes(contentType ?? '') || schema1.includes(field ?? '')) {
    throw invalid('Docker schema 1 manifests are not supported; push an OCI or Docker schema 2 manifest');
  }
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2', { schemaVersion: doc.schemaVersion });
  if (field !== undefined && contentType !== undefined && field !== contentType) {
    throw invalid('the Content-Type header does not match the manifest mediaType', { contentType, mediaType: field });
  }
  const mediaType = field ?? contentType ?? (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw invalid('unsupported manifest media type', { mediaType, supported: MANIFEST_MEDIA_TYPES });
  }
  return mediaType;
}

/** Each digest's declared size; one digest declared with two sizes can't be right for both. */
function declaredSizes(descriptors: Descriptor[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const { digest, size } of descriptors) {
    const earlier = sizes.get(digest);
    if (earlier !== undefined && earlier !== size) throw invalid(`size mismatch: ${digest} is declared as both ${earlier} and ${size} bytes`, { digest, sizes: [earlier, size] });
    sizes.set(digest, size);
  }
  return sizes;
}

/**
 * Parses and validates manifest bytes pushed with the given (bare) Content-Type.
 * Throws MANIFEST_INVALID with a detail naming the first problem found.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new RegistryError('MANIFEST_INVALID', { detail: { reason: 'manifest is not valid UTF-8 JSON' }, cause });
  }
  if (!isObject(doc)) throw invalid('manifest must be a JSON object');
  const mediaType = resolveMediaType(doc, contentType);
  const annotations = parseAnnotations(doc.annotations, 'manifest');
  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, 'subject');
  const artifactType = doc.artifactType;
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid('artifactType must be a string');
  const common = {
    mediaType,
    ...(subject ? { subject } : {}),
    ...(annotations ? { annotations } : {}),
  };

  if (isIndexMediaType(mediaType)) {
    const children = parseDescriptorList(doc.manifests, 'manifests');
    return {
      ...common,
      blobs: [],
      manifests: children.map((d) => d.digest),
      declaredSizes: declaredSizes(children),
      ...(artifactType ? { artifactType } : {}),
    };
  }
  if (doc.manifests !== undefined) throw invalid('an image manifest must not have "manifests"');
  const config = parseDescriptor(doc.config, 'config');
  const layers = parseDescriptorList(doc.layers, 'layers');
  const required = [config, ...layers.filter((l) => !isForeignLayer(l.mediaType))];
  return {
    ...common,
    blobs: [...new Set(required.map((d) => d.digest))],
    manifests: [],
    declaredSizes: declaredSizes(required),
    artifactType: artifactType || config.mediaType,
  };
}
