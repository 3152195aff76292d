import { apkInstalled } from './apk-installed.js';
import type { Cataloguer } from './cataloguer.js';
import { dpkgDistroless } from './dpkg-distroless.js';
import { dpkgStatus } from './dpkg-status.js';
import { npmPackageJson } from './npm-package-json.js';
import { osRelease } from './os-release.js';
import { pythonMetadata } from './python-metadata.js';

/**
 * Every cataloguer a layer is read with; the first that matches an entry's path reads it. A new
 * ecosystem (rpm, Go binaries, JARs) is one file and one line here.
 */
export const CATALOGUERS: readonly Cataloguer[] = [osRelease, dpkgStatus, dpkgDistroless, apkInstalled, npmPackageJson, pythonMetadata];

/** The cataloguer of a normalised layer path, if any. */
export function cataloguerFor(path: string): Cataloguer | undefined {
  return CATALOGUERS.find((cataloguer) => cataloguer.matches(path));
}
