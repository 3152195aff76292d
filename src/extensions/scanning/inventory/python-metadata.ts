import type { CatalogueResult, Cataloguer } from './cataloguer.js';
import { headerBlock, parseStanzas } from './control-stanzas.js';

/** A wheel's `*.dist-info/METADATA`, an egg's `*.egg-info/PKG-INFO`, or an `*.egg-info` file (distutils). */
const METADATA = /(?:^|\/)(?:[^/]+\.dist-info\/METADATA|[^/]+\.egg-info\/PKG-INFO|[^/]+\.egg-info)$/;

/** PEP 503: runs of `-`, `_`, `.` become one `-`, lower case; the name OSV's PyPI entries use. */
export function normalisePythonName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/**
 * The license, most precise first: PEP 639's `License-Expression`, then `License` (when it is a
 * name, not the whole license text pasted in), then the last `License ::` trove classifier.
 */
function licenseOf(fields: Map<string, string>): string | undefined {
  const expression = fields.get('license-expression');
  if (expression) return expression;
  const license = fields.get('license');
  if (license && !license.includes('\n') && license.length <= 100 && license !== 'UNKNOWN') return license;
  return undefined;
}

function classifierLicense(text: string): string | undefined {
  const classifiers = [...text.matchAll(/^Classifier:\s*License :: (.+)$/gm)].map((match) => match[1]?.split(' :: ').at(-1)?.trim());
  return classifiers.filter((value): value is string => Boolean(value)).at(-1);
}

/** Core metadata (packaging.python.org, "Core metadata specifications"): RFC 822 headers, then the description. */
function parse(text: string, path: string): CatalogueResult {
  const header = headerBlock(text);
  const { stanzas } = parseStanzas(header);
  const fields = stanzas[0]?.fields ?? new Map<string, string>();
  const name = fields.get('name');
  const version = fields.get('version');
  if (!name || !version) throw new Error(`core metadata has no ${name ? 'Version' : 'Name'}`);
  const license = licenseOf(fields) ?? classifierLicense(header);
  return { packages: [{ kind: 'pypi', name: normalisePythonName(name), version, ...(license === undefined ? {} : { license }), path }] };
}

/** Installed Python distributions (site-packages, dist-packages, anywhere). */
export const pythonMetadata: Cataloguer = {
  name: 'python metadata',
  sizeClass: 'manifest',
  matches: (path) => METADATA.test(path),
  parse,
};
