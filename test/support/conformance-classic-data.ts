/**
 * The test content of the classic (Ginkgo) conformance suite, rebuilt from its description in
 * setup.go and image.go: five configs and five image manifests (one pair per workflow, indexes
 * 0–4), the gzip layer, the empty-layer manifest, the streamed blob A, the chunked blob B, and
 * the referrers artifacts (A/B config-typed and layer-typed, C on a subject never pushed, and
 * an index). JSON is laid out as Go's json.MarshalIndent(v, "", "\t") does, with the suite's
 * descriptor shape: `data` (base64) and the always-present `newUnspecifiedField` (null or
 * base64), which test how a registry handles fields it does not know.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Blob {
  content: Buffer;
  /** The digest the suite uses (the real one unless OCI_BLOB_DIGEST / OCI_MANIFEST_DIGEST override it). */
  digest: string;
  length: string;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blob(content: Buffer, digestOverride?: string): Blob {
  return { content, digest: digestOverride || sha256(content), length: String(content.length) };
}

/** Go's MarshalIndent with a tab indent. */
function marshal(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, '\t'));
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  data?: Buffer;
  artifactType?: string;
  newUnspecifiedField?: Buffer | null;
}

/** A descriptor in image.go's field order; `newUnspecifiedField` has no omitempty. */
function desc(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.annotations ? { annotations: d.annotations } : {}),
    ...(d.data ? { data: d.data.toString('base64') } : {}),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    newUnspecifiedField: d.newUnspecifiedField ? d.newUnspecifiedField.toString('base64') : null,
  };
}

function manifestDoc(m: { mediaType?: string; artifactType?: string; config: Descriptor; layers: Descriptor[]; subject?: Descriptor; annotations?: Record<string, string> }): Buffer {
  return marshal({
    schemaVersion: 2,
    ...(m.mediaType ? { mediaType: m.mediaType } : {}),
    ...(m.artifactType ? { artifactType: m.artifactType } : {}),
    config: desc(m.config),
    layers: m.layers.map(desc),
    ...(m.subject ? { subject: desc(m.subject) } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  });
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const EMPTY_JSON = 'application/vnd.oci.empty.v1+json';
/** setup.go: layerBase64String, a tar.gz of one text file. */
const LAYER_BASE64 =
  'H4sIAAAAAAAAA+3OQQrCMBCF4a49xXgBSUnaHMCTRBptQRNpp6i3t0UEV7oqIv7fYgbmzeJpHHSjVy0' +
  'WZCa1c/MufWVe94N3RWlrZ72x3k/30nhbFWKWLPU0Dhp6keJ8im//PuU/6pZH2WVtYx8b0Sz7LjWSR5VLG6YRBumSzOlGtjkd+qD' +
  'jMWiX07Befbs7AAAAAAAAAAAAAAAAAPyzO34MnqoAKAAA';

/** Environment of the suite run (setup.go reads these). */
export interface SuiteEnv {
  OCI_BLOB_DIGEST?: string;
  OCI_MANIFEST_DIGEST?: string;
}

export interface ChunkedBlob {
  blob: Blob;
  chunk1: Buffer;
  chunk2: Buffer;
  chunk1Range: string;
  chunk2Range: string;
}

/** setup.go: setupChunkedBlob(size) — chunk 1 is the first size/2+1 bytes. */
export function chunkedBlob(size: number): ChunkedBlob {
  const content = randomBytes(size);
  const cut = Math.floor(size / 2) + 1;
  return {
    blob: blob(content),
    chunk1: content.subarray(0, cut),
    chunk2: content.subarray(cut),
    chunk1Range: `0-${cut - 1}`,
    chunk2Range: `${cut}-${size - 1}`,
  };
}

export interface ClassicData {
  configs: Blob[];
  manifests: Blob[];
  layer: Blob;
  emptyLayerManifest: Blob;
  testBlobA: Blob;
  testBlobB: ChunkedBlob;
  dummyDigest: string;
  nonexistentManifest: string;
  invalidManifestContent: Buffer;
  emptyJSON: Blob;
  refBlobA: Blob;
  refBlobB: Blob;
  artifactTypeA: string;
  artifactTypeB: string;
  annotationKey: string;
  /** Referrer digest → its one annotation value. */
  annotationValues: Map<string, string>;
  refsAConfig: Blob;
  refsALayer: Blob;
  refsBConfig: Blob;
  refsBLayer: Blob;
  refsCLayer: Blob;
  refsIndex: Blob;
}

/** Everything setup.go's init() builds, with fresh random parts. */
export function classicData(env: SuiteEnv = {}): ClassicData {
  const configs: Blob[] = [];
  for (let i = 0; i < 4; i++) {
    const author = randomBytes(12).toString('base64url').slice(0, 16);
    configs.push(blob(marshal({ author, architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }), env.OCI_BLOB_DIGEST));
  }
  // numWorkflows is 1<<4 in setup.go's iota block, but only indexes 0–4 are used; five suffice.
  const author = randomBytes(12).toString('base64url').slice(0, 16);
  configs.push(blob(marshal({ author, architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }), env.OCI_BLOB_DIGEST));
  const layer = blob(Buffer.from(LAYER_BASE64, 'base64'));
  const layerDesc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.content.length };
  const configDesc = (c: Blob): Descriptor => ({ mediaType: OCI_CONFIG, digest: c.digest, size: c.content.length, data: c.content, newUnspecifiedField: Buffer.from('hello world') });
  const manifests = configs.map((c) => blob(manifestDoc({ mediaType: OCI_MANIFEST, config: configDesc(c), layers: [layerDesc] }), env.OCI_MANIFEST_DIGEST));
  const emptyLayerManifest = blob(manifestDoc({ config: configDesc(configs[1] as Blob), layers: [] }));

  const emptyJSON = blob(Buffer.from('{}'));
  const emptyJSONDesc: Descriptor = { mediaType: EMPTY_JSON, digest: emptyJSON.digest, size: 2 };
  const refBlobA = blob(Buffer.from('NHL Peanut Butter on my NHL bagel'));
  const refBlobB = blob(Buffer.from('NBA Strawberry Jam on my NBA croissant'));
  const artifactTypeA = 'application/vnd.nhl.peanut.butter.bagel';
  const artifactTypeB = 'application/vnd.nba.strawberry.jam.croissant';
  const annotationKey = 'org.opencontainers.conformance.test';
  const annotationValues = new Map<string, string>();
  const m4 = manifests[4] as Blob;
  const m3 = manifests[3] as Blob;
  const subject4: Descriptor = { mediaType: OCI_MANIFEST, size: m4.content.length, digest: sha256(m4.content) };
  const subject3: Descriptor = { mediaType: OCI_MANIFEST, size: m3.content.length, digest: sha256(m3.content) };
  const annotated = (content: Buffer, value: string | undefined): Blob => {
    const b = blob(content);
    if (value !== undefined) annotationValues.set(b.digest, value);
    return b;
  };
  const refsAConfig = annotated(
    manifestDoc({ mediaType: OCI_MANIFEST, config: { mediaType: artifactTypeA, size: refBlobA.content.length, digest: refBlobA.digest }, subject: subject4, layers: [emptyJSONDesc], annotations: { [annotationKey]: 'test config a' } }),
    'test config a',
  );
  const refsBConfig = annotated(
    manifestDoc({ mediaType: OCI_MANIFEST, config: { mediaType: artifactTypeB, size: refBlobB.content.length, digest: refBlobB.digest }, subject: subject4, layers: [emptyJSONDesc], annotations: { [annotationKey]: 'test config b' } }),
    'test config b',
  );
  const refsALayer = annotated(
    manifestDoc({ mediaType: OCI_MANIFEST, artifactType: artifactTypeA, config: emptyJSONDesc, subject: subject4, layers: [{ mediaType: artifactTypeA, size: refBlobA.content.length, digest: refBlobA.digest }], annotations: { [annotationKey]: 'test layer a' } }),
    'test layer a',
  );
  const refsBLayer = annotated(
    manifestDoc({ mediaType: OCI_MANIFEST, artifactType: artifactTypeB, config: emptyJSONDesc, subject: subject4, layers: [{ mediaType: artifactTypeB, size: refBlobB.content.length, digest: refBlobB.digest }], annotations: { [annotationKey]: 'test layer b' } }),
    'test layer b',
  );
  const refsCLayer = annotated(manifestDoc({ mediaType: OCI_MANIFEST, artifactType: artifactTypeB, config: emptyJSONDesc, subject: subject3, layers: [{ mediaType: artifactTypeB, size: refBlobB.content.length, digest: refBlobB.digest }] }), undefined);
  const refsIndex = annotated(
    marshal({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      artifactType: 'application/vnd.food.stand',
      manifests: [desc({ mediaType: OCI_MANIFEST, size: refsAConfig.content.length, digest: refsAConfig.digest }), desc({ mediaType: OCI_MANIFEST, size: refsALayer.content.length, digest: refsALayer.digest })],
      subject: desc(subject4),
      annotations: { [annotationKey]: 'test index' },
    }),
    'test index',
  );
  return {
    configs,
    manifests,
    layer,
    emptyLayerManifest,
    testBlobA: blob(randomBytes(42)),
    testBlobB: chunkedBlob(42),
    dummyDigest: sha256(Buffer.from('hello world')),
    nonexistentManifest: '.INVALID_MANIFEST_NAME',
    invalidManifestContent: Buffer.from('blablabla'),
    emptyJSON,
    refBlobA,
    refBlobB,
    artifactTypeA,
    artifactTypeB,
    annotationKey,
    annotationValues,
    refsAConfig,
    refsALayer,
    refsBConfig,
    refsBLayer,
    refsCLayer,
    refsIndex,
  };
}

export const MEDIA = { OCI_MANIFEST, OCI_INDEX, OCI_CONFIG, EMPTY_JSON };
