/**
 * What a layer (and an image, once its layers are merged) is found to contain. Every type here is
 * plain data, so an inventory survives JSON.stringify/parse unchanged: it is cached per layer
 * digest, and a layer is only read again when the cataloguers change.
 */

/**
 * The ecosystem a package belongs to, in purl's type words (deb, apk, npm, pypi): the matcher
 * maps each to an OSV ecosystem.
 */
export type PackageKind = 'deb' | 'apk' | 'npm' | 'pypi';

/** One installed package, as its package manager recorded it. */
export interface InstalledPackage {
  kind: PackageKind;
  /** As the ecosystem names it; Python names are PEP 503-normalised. */
  name: string;
  version: string;
  /**
   * The source package, where the format has one (dpkg `Source:`, apk `o:` origin): distro
   * advisories are keyed on source names, not binary ones.
   */
  source?: { name: string; version: string };
  license?: string;
  /** The layer path of the file it was read from: the key under which an upper layer replaces it. */
  path: string;
}

/** The distribution, from os-release(5). */
export interface OsRelease {
  /** `ID`, e.g. debian, alpine, ubuntu. */
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
  /** The layer path it was read from (etc/os-release or usr/lib/os-release). */
  path: string;
}

/** A problem with one entry that did not stop the rest of the layer being read. */
export interface EntryError {
  /** The entry's path as the archive named it (normalised where it could be). */
  path: string;
  message: string;
}

/**
 * The whiteouts of one layer (image-spec layer.md, "Whiteouts"): they hide files of the layers
 * below, never of their own layer.
 */
export interface Whiteouts {
  /** Paths removed from lower layers, with everything under them (`dir/.wh.name` → `dir/name`). */
  removed: string[];
  /** Directories whose lower-layer children are all hidden (`dir/.wh..wh..opq` → `dir`). */
  opaque: string[];
}

/** What one layer blob holds, read from its bytes alone. */
export interface LayerInventory {
  /** The compression sniffed from the blob's first bytes. */
  compression: 'gzip' | 'zstd' | 'none';
  os?: OsRelease;
  packages: InstalledPackage[];
  /**
   * Every catalogued file present in this layer, whether or not it yielded packages (an emptied
   * dpkg status, a database over its cap): its presence alone replaces a lower layer's copy.
   */
  files: string[];
  whiteouts: Whiteouts;
  errors: EntryError[];
  /** Errors beyond the recording limit, counted but not kept. */
  errorsDropped: number;
}

/** A package of a merged image, with the index (in manifest order) of the layer it came from. */
export interface ImagePackage extends InstalledPackage {
  layer: number;
}

/** What the image's final filesystem holds, after every layer is applied in manifest order. */
export interface ImageInventory {
  os?: OsRelease & { layer: number };
  packages: ImagePackage[];
  /** Every layer's entry errors, with its index. */
  errors: (EntryError & { layer: number })[];
}
