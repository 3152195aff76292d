import type { CatalogueResult, Cataloguer } from './cataloguer.js';
import type { InstalledPackage } from './types.js';

const PATHS = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);

/** The fields of one package: apk's one-letter keys (P name, V version, o origin, L license). */
type Fields = Map<string, string>;

function packageOf(fields: Fields, line: number, path: string, problems: string[]): InstalledPackage | undefined {
  const name = fields.get('P');
  const version = fields.get('V');
  if (!name || !version) {
    problems.push(`the package at line ${line} has no ${name ? 'V:' : 'P:'}`);
    return undefined;
  }
  const found: InstalledPackage = {
    kind: 'apk',
    name,
    version,
    // Alpine's secdb and OSV key advisories on the origin (the APKBUILD), built at the package's version.
    source: { name: fields.get('o') || name, version },
    path,
  };
  const license = fields.get('L');
  if (license) found.license = license;
  return found;
}

/**
 * Reads apk's installed database (wiki.alpinelinux.org/wiki/Apk_spec): `X:value` lines, one blank
 * line after each package. File lists (F:, R:) repeat per file and are skipped as they come.
 */
function parse(text: string, path: string): CatalogueResult {
  const packages: InstalledPackage[] = [];
  const problems: string[] = [];
  let fields: Fields = new Map();
  let start = 1;
  const lines = text.split('\n');
  const flush = (): void => {
    if (fields.size > 0) {
      const found = packageOf(fields, start, path, problems);
      if (found !== undefined) packages.push(found);
    }
    fields = new Map();
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.trim() === '') {
      flush();
      start = index + 2;
      continue;
    }
    if (line.length < 2 || line[1] !== ':') {
      problems.push(`line ${index + 1}: not an "X:value" line`);
      continue;
    }
    const key = line[0] ?? '';
    // Only the first P:/V:/o:/L: of a package counts; later keys (F:, R:, Z:) are per file.
    if (!fields.has(key)) fields.set(key, line.slice(2));
  }
  flush();
  if (packages.length === 0 && problems.length > 0) throw new Error(`not an apk installed database: ${problems[0]}`);
  return { packages, problems };
}

/** Alpine and Wolfi's package database (apk 3 moved it under usr/). */
export const apkInstalled: Cataloguer = {
  name: 'apk installed',
  sizeClass: 'database',
  matches: (path) => PATHS.has(path),
  parse,
};
