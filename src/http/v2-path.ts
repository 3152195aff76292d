import { RegistryError } from '../errors/index.js';
import { parseRepositoryName } from '../oci/index.js';

/** A /v2 request path, parsed with the spec's grammar (names hold slashes, so no router params). */
export type V2Target =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; digest: string };

// Greedy names: the resource part is matched at the end, so a repository may itself be called
// "x/blobs" or "x/manifests". Upload ids never contain ':', digests always do.
const PATTERNS: [RegExp, (m: string[]) => V2Target][] = [
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1] as string })],
  [/^(.+)\/blobs\/uploads\/([A-Za-z0-9-]+)$/, (m) => ({ kind: 'upload', name: m[1] as string, id: m[2] as string })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1] as string, digest: m[2] as string })],
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1] as string, reference: m[2] as string })],
  [/^(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1] as string })],
  [/^(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1] as string, digest: m[2] as string })],
];

/**
 * Parses the path of a request under /v2/. Undefined when it is no registry route; NAME_INVALID
 * when the route is right but the name breaks the grammar or hides characters by percent-encoding.
 */
export function parseV2Path(path: string): V2Target | undefined {
  if (path === '/v2' || path === '/v2/') return { kind: 'base' };
  if (!path.startsWith('/v2/')) return undefined;
  const rest = path.slice(4);
  if (rest === '_catalog') return { kind: 'catalog' };
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(rest);
    if (!match) continue;
    const target = build(match);
    if ('name' in target) {
      if (target.name.includes('%')) {
        throw new RegistryError('NAME_INVALID', { detail: { name: target.name, reason: 'percent-encoded characters are not allowed in repository names' } });
      }
      parseRepositoryName(target.name);
    }
    return target;
  }
  return undefined;
}
