import type { InstalledPackage, OsRelease } from './types.js';

/**
 * How large a catalogued file may be before it is drained unread: a package database holds a whole
 * distribution (Debian's biggest status files run to a few MiB), a manifest holds one package.
 */
export type SizeClass = 'database' | 'manifest';

/** What one catalogued file yields. */
export interface CatalogueResult {
  packages?: InstalledPackage[];
  os?: Omit<OsRelease, 'path'>;
  /** Problems in parts of the file (a stanza without a name) that did not spoil the rest. */
  problems?: string[];
}

/**
 * One kind of installed-package metadata: which layer paths hold it and how to read one. A parse
 * that throws records the file as malformed; the rest of the layer is still read. Adding an
 * ecosystem is one file exporting a Cataloguer and one line in cataloguers.ts.
 */
export interface Cataloguer {
  /** For error messages and tests: "dpkg status", "npm package.json". */
  name: string;
  sizeClass: SizeClass;
  /** Whether a normalised layer path (no leading slash) is this cataloguer's. */
  matches(path: string): boolean;
  /** Reads one file's text (decoded as UTF-8, bad bytes replaced). */
  parse(text: string, path: string): CatalogueResult;
}
