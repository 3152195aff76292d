import { posix } from 'node:path';

/** An archive entry's name as a layer path, or why it can't be one. */
export type LayerPath = { path: string } | { escapes: true } | { root: true };

/**
 * Normalises an entry name to a path relative to the image root: leading `./` and `/` removed,
 * `.` and `..` segments resolved, no trailing slash. A name that resolves above the root
 * (`../etc/passwd`, `a/../../x`) is refused: extracting it would write outside the filesystem.
 */
export function normaliseEntryName(name: string): LayerPath {
  const resolved = posix.normalize(name.replace(/^(?:\.?\/)+/, ''));
  if (resolved === '..' || resolved.startsWith('../') || resolved.startsWith('/')) return { escapes: true };
  const path = resolved.replace(/\/+$/, '');
  return path === '' || path === '.' ? { root: true } : { path };
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** What a whiteout entry does (image-spec layer.md, "Whiteouts"), or undefined for an ordinary path. */
export type Whiteout = { removes: string } | { opaque: string } | { invalid: string } | { ignored: true };

export function whiteoutOf(path: string): Whiteout | undefined {
  const base = posix.basename(path);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = posix.dirname(path);
  const parent = dir === '.' ? '' : dir;
  if (base === OPAQUE) return { opaque: parent };
  // aufs' own bookkeeping (.wh..wh.plnk, .wh..wh.aufs) is not part of the image's filesystem.
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { ignored: true };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '') return { invalid: 'a bare ".wh." names nothing to remove' };
  return { removes: parent === '' ? name : `${parent}/${name}` };
}

/** Whether `path` is `prefix` or lies under it; the empty prefix (the root) covers everything. */
export function isAtOrUnder(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}
