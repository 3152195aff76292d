import type { CatalogueResult, Cataloguer } from './cataloguer.js';
import { parseStanzas, type Stanza } from './control-stanzas.js';
import type { InstalledPackage } from './types.js';

/** `Source: name (version)`, the version optional (Trivy's dpkg analyzer reads it the same way). */
const SOURCE = /^(\S*)(?: \((.*)\))?/;

/**
 * A package of a dpkg stanza, undefined when the stanza records no installed package: a `Status`
 * containing deinstall or purge means the package was removed (only its config files may remain).
 */
function packageOf(stanza: Stanza, path: string, problems: string[]): InstalledPackage | undefined {
  const status = stanza.fields.get('status');
  if (status !== undefined && /\b(deinstall|purge)\b/.test(status)) return undefined;
  const name = stanza.fields.get('package');
  const version = stanza.fields.get('version');
  if (!name || !version) {
    problems.push(`the stanza at line ${stanza.line} has no ${name ? 'Version' : 'Package'}`);
    return undefined;
  }
  const source = SOURCE.exec(stanza.fields.get('source') ?? '');
  return {
    kind: 'deb',
    name,
    version,
    // Debian Policy §5.6.1: without Source the source package has the binary's name; without a
    // version in parentheses it has the binary's version.
    source: { name: source?.[1] || name, version: source?.[2] || version },
    path,
  };
}

/** Every installed package of a dpkg status file (or one distroless status.d file). */
export function parseDpkgStatus(text: string, path: string): CatalogueResult {
  const { stanzas, problems } = parseStanzas(text);
  const packages: InstalledPackage[] = [];
  for (const stanza of stanzas) {
    const found = packageOf(stanza, path, problems);
    if (found !== undefined) packages.push(found);
  }
  if (packages.length === 0 && problems.length > 0) throw new Error(`not a dpkg status file: ${problems[0]}`);
  return { packages, problems };
}

/** Debian and Ubuntu's package database. */
export const dpkgStatus: Cataloguer = {
  name: 'dpkg status',
  sizeClass: 'database',
  matches: (path) => path === 'var/lib/dpkg/status',
  parse: parseDpkgStatus,
};
