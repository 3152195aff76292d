import type { CatalogueResult, Cataloguer } from './cataloguer.js';

const PATHS = new Set(['etc/os-release', 'usr/lib/os-release']);

/**
 * A value of os-release(5): shell-like, optionally in double or single quotes, with backslash
 * escapes inside double quotes.
 */
function unquote(raw: string): string {
  const value = raw.trim();
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
    const inner = value.slice(1, -1);
    return quote === '"' ? inner.replace(/\\(["\\`$])/g, '$1') : inner;
  }
  return value;
}

function parse(text: string): CatalogueResult {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) fields.set(match[1], unquote(match[2]));
  }
  // os-release(5): "If not set, a default of ID=linux may be used"; a file without ID names nothing to match against.
  const id = fields.get('ID');
  if (id === undefined || id === '') throw new Error('os-release has no ID');
  const os: CatalogueResult['os'] = { id };
  const versionId = fields.get('VERSION_ID');
  const versionCodename = fields.get('VERSION_CODENAME');
  const prettyName = fields.get('PRETTY_NAME');
  if (versionId) os.versionId = versionId;
  if (versionCodename) os.versionCodename = versionCodename;
  if (prettyName) os.prettyName = prettyName;
  return { os };
}

/** The distribution's identity: `/etc/os-release`, or `/usr/lib/os-release` it usually links to. */
export const osRelease: Cataloguer = {
  name: 'os-release',
  sizeClass: 'manifest',
  matches: (path) => PATHS.has(path),
  parse,
};
