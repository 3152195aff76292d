import type { CatalogueResult, Cataloguer } from './cataloguer.js';

/**
 * A package root's manifest: the path right after the last `node_modules/` is the package (or
 * `@scope/name`), and its package.json sits directly in it. A package.json deeper inside a package
 * (a fixture, a sub-module's `{"type": "module"}`) names no installed package.
 */
const PACKAGE_ROOT = /(?:^|\/)node_modules\/(?:@[^/]+\/[^/]+|[^/@.][^/]*)\/package\.json$/;

/** npm's license field: an SPDX string, the deprecated `{ type }` object or `licenses: [{ type }]`. */
function licenseOf(manifest: Record<string, unknown>): string | undefined {
  const license = manifest['license'];
  if (typeof license === 'string' && license !== '') return license;
  if (typeof license === 'object' && license !== null && typeof (license as { type?: unknown }).type === 'string') {
    return (license as { type: string }).type;
  }
  const licenses = manifest['licenses'];
  if (!Array.isArray(licenses)) return undefined;
  const types = licenses.flatMap((entry: unknown) => (typeof entry === 'object' && entry !== null && typeof (entry as { type?: unknown }).type === 'string' ? [(entry as { type: string }).type] : []));
  return types.length > 0 ? types.join(' OR ') : undefined;
}

function parse(text: string, path: string): CatalogueResult {
  const manifest: unknown = JSON.parse(text);
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new Error('package.json is not a JSON object');
  const { name, version } = manifest as Record<string, unknown>;
  // npm itself refuses to install a package without both; such a file is a stub, not a package.
  if (typeof name !== 'string' || typeof version !== 'string' || name === '' || version === '') return {};
  const license = licenseOf(manifest as Record<string, unknown>);
  return { packages: [{ kind: 'npm', name, version, ...(license === undefined ? {} : { license }), path }] };
}

/** Installed npm packages (Trivy's and Syft's image scans read these, never lockfiles). */
export const npmPackageJson: Cataloguer = {
  name: 'npm package.json',
  sizeClass: 'manifest',
  matches: (path) => PACKAGE_ROOT.test(path),
  parse,
};
