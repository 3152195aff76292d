import type { Cataloguer } from './cataloguer.js';
import { parseDpkgStatus } from './dpkg-status.js';

const STATUS_D = 'var/lib/dpkg/status.d/';

/**
 * Distroless images have no status file: each package gets a file of its own in status.d (with a
 * `<name>.md5sums` beside it, which lists files, not packages).
 */
export const dpkgDistroless: Cataloguer = {
  name: 'dpkg status.d',
  sizeClass: 'manifest',
  matches: (path) => path.startsWith(STATUS_D) && !path.slice(STATUS_D.length).includes('/') && !path.endsWith('.md5sums') && path.length > STATUS_D.length,
  parse: parseDpkgStatus,
};
