import type { PageRequest } from './metadata-store.js';

/**
 * A page request reduced to what a query needs: `undefined` limit means "all", 0 means the
 * caller asked for nothing (no query needed). Fractions round down.
 */
export function pageLimit(page: PageRequest): number | undefined {
  if (page.limit === undefined) return undefined;
  return Math.max(0, Math.floor(page.limit));
}
