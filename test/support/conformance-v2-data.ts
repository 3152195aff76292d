/**
 * Test content of the rewritten (non-Ginkgo) conformance suite — testdata.go's testData and its
 * gen* helpers, and run.go's GenerateData — rebuilt in TypeScript. Documents are compact JSON in
 * the field order of image-spec's Go types (json.Marshal), with sorted annotation keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tar } from './tar.js';

export type Algo = 'sha256' | 'sha512';

export const MT = {
  conf1: 'application/vnd.example.oci.conformance.v1',
  conf2: 'application/vnd.example.oci.conformance.v2',
  octet: 'application/octet-stream',
  config: 'application/vnd.oci.image.config.v1+json',
  image: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGz: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerNd: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  layerNdGz: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  emptyJSON: 'application/vnd.oci.empty.v1+json',
};

export function digestOf(bytes: Uint8Array, algo: Algo = 'sha256'): string {
  return `${algo}:${createHash(algo).update(bytes).digest('hex')}`;
}

/** Go's rand.Text(): 26 base32 characters. */
export function randText(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
}

export interface Platform {
  architecture: string;
  os: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  platform?: Platform;
  artifactType?: string;
}

/** A descriptor in image-spec's field order, empty fields left out. */
function orderedDesc(d: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls) out.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length > 0) out.annotations = sortKeys(d.annotations);
  if (d.data) out.data = d.data;
  if (d.platform) out.platform = { architecture: d.platform.architecture, os: d.platform.os };
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

function sortKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface GenOpts {
  algo?: Algo;
  annotations?: Record<string, string>;
  annotationUniq?: boolean;
  artifactType?: string;
  blobSize?: number;
  uncompressed?: boolean;
  configBytes?: Buffer;
  configMediaType?: string;
  descriptorMediaType?: string;
  extraField?: boolean;
  layerBytes?: Buffer;
  layerCount?: number;
  layerMediaType?: string;
  platform?: Platform;
  platforms?: Platform[];
  setData?: boolean;
  subject?: Descriptor;
  tag?: string;
}

/** genAddJSONFields: one unknown field `org.<random>` with a random value. */
function withExtra(doc: Record<string, unknown>, extra: boolean | undefined): Buffer {
  return Buffer.from(JSON.stringify(extra ? { ...doc, [`org.${randText()}`]: randText() } : doc));
}

/** testData: one data set's content and expectations. */
export class TestData {
  tags = new Map<string, string>();
  tagPushed = new Set<string>();
  desc = new Map<string, Descriptor>();
  blobs = new Map<string, Buffer>();
  manifests = new Map<string, Buffer>();
  manOrder: string[] = [];
  referrers = new Map<string, Descriptor[]>();
  /** Digests whose pull/head tests are skipped (SkipPullTest). */
  skipPull = new Set<string>();
  /** Digests whose push must fail with 400 (ExpectBadDigest). */
  badDigest = new Set<string>();

  constructor(readonly name: string) {}

  addBlob(bytes: Buffer, opts: GenOpts = {}): string {
    const dig = digestOf(bytes, opts.algo);
    this.blobs.set(dig, bytes);
    this.desc.set(dig, { mediaType: opts.descriptorMediaType ?? MT.octet, digest: dig, size: bytes.length, ...(opts.setData ? { data: bytes.toString('base64') } : {}) });
    return dig;
  }

  genBlob(opts: GenOpts = {}): { dig: string; bytes: Buffer } {
    const bytes = randomBytes(opts.blobSize ?? 2048);
    return { dig: this.addBlob(bytes, opts), bytes };
  }

  /** A gzip (or plain) tar layer; returns the compressed and uncompressed digests. */
  genLayer(fileNum: number, opts: GenOpts = {}): { comp: string; uncomp: string } {
    const algo = opts.algo ?? 'sha256';
    const file = Buffer.from(`Conformance test file contents for file number ${fileNum}.\nTodays lucky number is ${randomBytes(6).readUIntBE(0, 6)}\n`);
    const archive = tar([{ name: `./conformance-${fileNum}.txt`, data: file }]);
    const body = opts.uncompressed ? archive : gzipSync(archive);
    const comp = digestOf(body, algo);
    this.blobs.set(comp, body);
    this.desc.set(comp, { mediaType: opts.uncompressed ? MT.layer : MT.layerGz, digest: comp, size: body.length, ...(opts.setData ? { data: body.toString('base64') } : {}) });
    const uncomp = digestOf(archive, algo);
    this.desc.set(uncomp, { mediaType: MT.layer, digest: uncomp, size: archive.length });
    return { comp, uncomp };
  }

  genConfig(platform: Platform, diffIds: string[], opts: GenOpts = {}): string {
    const config = { author: 'OCI Conformance Test', architecture: platform.architecture, os: platform.os, config: {}, rootfs: { type: 'layers', diff_ids: diffIds } };
    const body = withExtra(config, opts.extraField);
    const dig = digestOf(body, opts.algo);
    this.blobs.set(dig, body);
    this.desc.set(dig, { mediaType: opts.configMediaType ?? MT.config, digest: dig, size: body.length, ...(opts.setData ? { data: body.toString('base64') } : {}) });
    return dig;
  }

  private record(body: Buffer, mediaType: string, artifactType: string, annotations: Record<string, string> | undefined, opts: GenOpts): string {
    const dig = digestOf(body, opts.algo);
    this.manifests.set(dig, body);
    this.manOrder.push(dig);
    this.desc.set(dig, { mediaType, digest: dig, size: body.length, ...(opts.setData ? { data: body.toString('base64') } : {}) });
    if (opts.subject) {
      const list = this.referrers.get(opts.subject.digest) ?? [];
      list.push({ mediaType, artifactType, digest: dig, size: body.length, ...(annotations ? { annotations } : {}) });
      this.referrers.set(opts.subject.digest, list);
    }
    if (opts.tag) this.tags.set(opts.tag, dig);
    return dig;
  }

  private annotationsFor(opts: GenOpts): Record<string, string> | undefined {
    let annotations = opts.annotations ? { ...opts.annotations } : undefined;
    if (opts.annotationUniq) annotations = { ...(annotations ?? {}), [`org.example.${randText()}`]: randText() };
    return annotations;
  }

  genManifest(config: Descriptor, layers: Descriptor[], opts: GenOpts = {}): string {
    const annotations = this.annotationsFor(opts);
    const doc: Record<string, unknown> = { schemaVersion: 2, mediaType: MT.image };
    if (opts.artifactType) doc.artifactType = opts.artifactType;
    doc.config = orderedDesc(config);
    doc.layers = layers.map(orderedDesc);
    if (opts.subject) doc.subject = orderedDesc(opts.subject);
    if (annotations) doc.annotations = sortKeys(annotations);
    return this.record(withExtra(doc, opts.extraField), MT.image, opts.artifactType || config.mediaType, annotations, opts);
  }

  genManifestFull(opts: GenOpts = {}): string {
    const layerCount = opts.layerCount ?? 2;
    const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
    const comp: string[] = [];
    const uncomp: string[] = [];
    for (let l = 0; l < layerCount; l++) {
      if (!opts.layerMediaType || opts.layerMediaType.startsWith('application/vnd.oci.image.layer.v1.')) {
        const layer = this.genLayer(l, opts);
        comp.push(layer.comp);
        uncomp.push(layer.uncomp);
      } else {
        const lOpts = { ...opts, descriptorMediaType: opts.layerMediaType };
        const dig = opts.layerBytes ? this.addBlob(opts.layerBytes, lOpts) : this.genBlob(lOpts).dig;
        comp.push(dig);
        uncomp.push(dig);
      }
    }
    const configDig =
      !opts.configMediaType || opts.configMediaType === MT.config
        ? this.genConfig(platform, uncomp, opts)
        : this.addBlob(opts.configBytes ?? Buffer.alloc(0), { ...opts, descriptorMediaType: opts.configMediaType });
    return this.genManifest(this.desc.get(configDig) as Descriptor, comp.map((d) => this.desc.get(d) as Descriptor), opts);
  }

  genIndex(platforms: (Platform | undefined)[], manifests: string[], opts: GenOpts = {}): string {
    const annotations = this.annotationsFor(opts);
    const doc: Record<string, unknown> = { schemaVersion: 2, mediaType: MT.index };
    if (opts.artifactType) doc.artifactType = opts.artifactType;
    doc.manifests = manifests.map((m, i) => orderedDesc({ ...(this.desc.get(m) as Descriptor), ...(platforms[i] ? { platform: platforms[i] } : {}) }));
    if (opts.subject) doc.subject = orderedDesc(opts.subject);
    if (annotations) doc.annotations = sortKeys(annotations);
    return this.record(withExtra(doc, opts.extraField), MT.index, opts.artifactType ?? '', annotations, opts);
  }

  genIndexFull(opts: GenOpts = {}): string {
    const platforms = opts.platforms ?? [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ];
    const images = platforms.map((p) => this.genManifestFull({ ...opts, platform: p }));
    return this.genIndex(platforms, images, opts);
  }
}

/** run.go: GenerateData, with the 1.1 defaults (Sparse off, tag parameters off). */
export function generateDataSets(): TestData[] {
  const sets: TestData[] = [];
  const add = (name: string, build: (td: TestData) => void): void => {
    const td = new TestData(name);
    build(td);
    sets.push(td);
  };
  const two: Platform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ];
  const artifactOpts: GenOpts = { artifactType: MT.conf1, configMediaType: MT.emptyJSON, configBytes: Buffer.from('{}'), layerCount: 1, layerMediaType: MT.conf1 };
  const hello = { 'org.opencontainers.conformance': 'hello conformance test' };
  add('image', (td) => td.genManifestFull({ tag: 'image' }));
  add('image-uncompressed', (td) => td.genManifestFull({ tag: 'image-uncompressed', uncompressed: true }));
  add('large-manifest', (td) => {
    const annotations: Record<string, string> = {};
    for (let i = 0; i < 390; i++) annotations[`large-annotation-${i}`] = 'A'.repeat(10000);
    td.genManifestFull({ tag: 'large-manifest', annotations });
  });
  add('index', (td) => td.genIndexFull({ tag: 'index', platforms: two }));
  add('nested-index', (td) => {
    const a = td.genIndexFull({ platforms: two });
    const b = td.genIndexFull({ platforms: two });
    td.genIndex([undefined, undefined], [a, b], { tag: 'index-of-index' });
  });
  add('empty-index', (td) => td.genIndexFull({ tag: 'index', platforms: [] }));
  add('artifact', (td) => td.genManifestFull({ tag: 'artifact', ...artifactOpts }));
  add('artifact-index', (td) => td.genIndexFull({ tag: 'artifact-index', platforms: two, ...artifactOpts }));
  add('artifact-without-layers', (td) => td.genManifestFull({ tag: 'artifact-without-layers', ...artifactOpts, layerBytes: Buffer.from('{}'), layerMediaType: MT.emptyJSON }));
  add('artifacts-with-subject', (td) => {
    const subj = td.desc.get(td.genManifestFull({ tag: 'image' })) as Descriptor;
    td.genManifestFull({ subject: subj });
    td.genManifestFull({ ...artifactOpts, annotations: hello, annotationUniq: true, subject: subj, tag: 'tagged-artifact1' });
    td.genManifestFull({ ...artifactOpts, artifactType: MT.conf2, layerMediaType: MT.octet, annotations: hello, annotationUniq: true, subject: subj, tag: 'tagged-artifact2' });
  });
  add('index-with-subject', (td) => {
    const subj = td.desc.get(td.genIndexFull({ tag: 'index' })) as Descriptor;
    td.genIndexFull({ ...artifactOpts, annotations: hello, annotationUniq: true, subject: subj, tag: 'tagged-artifact' });
  });
  add('missing-subject', (td) => {
    const subj: Descriptor = { mediaType: MT.image, size: 123, digest: digestOf(Buffer.from('missing content')) };
    td.genManifestFull({ ...artifactOpts, annotations: hello, annotationUniq: true, subject: subj, tag: 'tagged-artifact' });
  });
  add('data-field', (td) => td.genManifestFull({ tag: 'data-field', setData: true }));
  add('non-distributable-layers', (td) => {
    const fake = (): string => digestOf(randomBytes(256));
    const nd0 = fake();
    const nd1 = fake();
    const layers: Descriptor[] = [
      { mediaType: MT.layerNdGz, digest: nd0, size: 123456, urls: [`https://store.example.com/blobs/sha256/${nd0.slice(7)}`] },
      { mediaType: MT.layerNd, digest: nd1, size: 12345, urls: [`https://store.example.com/blobs/sha256/${nd1.slice(7)}`] },
    ];
    const normal = td.genLayer(1);
    layers.push(td.desc.get(normal.comp) as Descriptor);
    const config = td.genConfig({ os: 'linux', architecture: 'amd64' }, [fake(), nd1, normal.uncomp]);
    td.genManifest(td.desc.get(config) as Descriptor, layers, { tag: 'non-distributable-image' });
  });
  add('custom-fields', (td) => td.genIndexFull({ tag: 'custom-fields', platforms: two, extraField: true }));
  add('no-layers', (td) => td.genManifestFull({ tag: 'no-layers', layerCount: 0 }));
  add('sha512', (td) => td.genIndexFull({ algo: 'sha512' }));
  add('bad-digest-image', (td) => {
    const dig = td.genManifestFull();
    td.skipPull.add(dig);
    td.badDigest.add(dig);
    td.manifests.set(dig, Buffer.concat([td.manifests.get(dig) as Buffer, Buffer.from('  ')]));
  });
  return sets;
}
